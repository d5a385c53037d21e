"""Numbers the documents quote, computed from the shipped result files.

    .venv/bin/python tools/quoted_numbers.py          # print every quote, by document
    .venv/bin/python tools/quoted_numbers.py --sobol-table    # the Sobol' table for results/sensitivity/README.md
    .venv/bin/python tools/quoted_numbers.py --policy-table   # the policy comparison's effects table

Each entry is (document, exact text, where the number comes from). The documents quote the text
as printed here; tests/test_quoted_numbers.py checks every one, so a regenerated result that
moves a number fails the test until the document says the new number.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CAL = ROOT / "results" / "calibration"
SENS = ROOT / "results" / "sensitivity" / "sensitivity_morris_5years"
SOBOL = ROOT / "results" / "sensitivity" / "sensitivity_sobol"
SOBOL_OUTPUTS = ("trap_share", "resolution_rate", "satisfaction_mean", "public_spending")
POLICY = ROOT / "results" / "policy_comparison"


def fmt(v: float) -> str:
    """As calibration/posterior.py prints predictive figures: whole numbers from 10 up, else 3 digits."""
    return "n/a" if v != v else (f"{v:.3g}" if abs(v) < 10 else f"{v:.0f}")


def pct(v: float, digits: int = 1) -> str:
    return f"{100 * v:.{digits}f} %"


def interval(r: dict) -> str:
    return f"{fmt(r['sim_median'])} [{fmt(r['sim_q05'])}, {fmt(r['sim_q95'])}]"


def checks(folder: Path) -> dict[str, dict]:
    return {r["target"]: r for r in json.loads((folder / "predictive_check.json").read_text())}


def posterior(folder: Path) -> dict[str, dict]:
    return json.loads((folder / "posterior_summary.json").read_text())


def post_interval(s: dict, digits: int = 3) -> str:
    if abs(s["median"]) >= 100:
        return f"{s['median']:.0f} [{s['q05']:.0f}, {s['q95']:.0f}]"
    return f"{s['median']:.{digits}g} [{s['q05']:.{digits}g}, {s['q95']:.{digits}g}]"


def effect(tab: pd.DataFrame, scenario: str, outcome: str, digits: int = 2) -> str:
    r = tab[(tab.scenario == scenario) & (tab.outcome == outcome)].iloc[0]
    return f"{r['diff_vs_baseline']:+.{digits}f}".replace("-", "−")


def level(tab: pd.DataFrame, scenario: str, outcome: str, digits: int = 2) -> str:
    r = tab[(tab.scenario == scenario) & (tab.outcome == outcome)].iloc[0]
    return f"{r['mean']:.{digits}f}"


def quotes() -> list[tuple]:
    out: list[tuple] = []  # (document, text, source[, a text the quote's line must hold])
    add = out.append
    # ---- calibration
    c = checks(CAL)
    for t in ("fanrong_registered", "fanrong_unresolved", "fanrong_resolution_rate", "firm_exit_collection",
              "response_scoring_rise", "provider_turnover", "coverage_contrast", "harbin_uptake"):
        if t in c:
            add(("results/calibration/README.md", interval(c[t]), f"predictive_check.json {t}"))
    ps = posterior(CAL)
    for name, s in ps.items():
        add(("results/calibration/README.md", post_interval(s), f"posterior_summary.json {name}"))
    j = CAL / "fanrong_harbin"
    if (j / "predictive_check.json").exists():
        cj = checks(j)
        for t in ("fanrong_registered", "fanrong_unresolved", "harbin_uptake", "firm_exit_collection", "provider_turnover"):
            if t in cj:
                add(("results/calibration/README.md", interval(cj[t]), f"fanrong_harbin/predictive_check.json {t}"))
        for name, s in posterior(j).items():
            if name.startswith(("pay_", "entry_")):
                add(("results/calibration/README.md", post_interval(s), f"fanrong_harbin/posterior_summary.json {name}"))
    k = CAL / "fanrong_pop400"  # the 400-particle check
    if (k / "predictive_check.json").exists():
        ck = checks(k)
        for t in ("fanrong_registered", "fanrong_unresolved", "fanrong_resolution_rate", "provider_turnover",
                  "coverage_contrast", "response_scoring_rise", "firm_exit_collection"):
            add(("results/calibration/README.md", interval(ck[t]), f"fanrong_pop400/predictive_check.json {t}"))
        pk = posterior(k)
        for name in ("n_households", "department_capacity", "grid_cases_per_week", "loss_rate"):
            add(("results/calibration/README.md", post_interval(pk[name]), f"fanrong_pop400/posterior_summary.json {name}"))
    # the ODD's pattern table quotes the shipped calibration's predictive check
    for t in ("fanrong_registered", "fanrong_unresolved", "provider_turnover", "coverage_contrast", "response_scoring_rise",
              "harbin_uptake", "firm_exit_collection"):
        add(("docs/ODD.md", interval(c[t]), f"results/calibration/predictive_check.json {t}"))
    add(("docs/ODD.md", post_interval(ps["n_households"]), "results/calibration/posterior_summary.json n_households"))
    # ---- sensitivity
    r = pd.read_csv(SENS / "ranking.csv")
    for o in ("trap_share", "resolution_rate", "satisfaction_mean", "public_spending", "fee_collection_rate"):
        top = r.sort_values(f"{o}_mu_star_rel", ascending=False).head(3)
        for f, v in zip(top["factor"], top[f"{o}_mu_star_rel"]):
            add(("results/sensitivity/README.md", f"`{f}` {v:.2f}", f"ranking.csv {o}"))
    add(("results/sensitivity/README.md", f"**{int(r['negligible'].sum())} of {len(r)} parameters are negligible",
         "ranking.csv negligible"))
    for f, v in zip(r["factor"].head(3), r["score"].head(3)):
        add(("results/sensitivity/README.md", f"`{f}` {v:.2f}", "ranking.csv score"))
    if (SOBOL / "timing.json").exists():  # the full-size Sobol' study (issue 19): its table, row by row
        ind = pd.read_csv(SOBOL / "indices.csv")
        for f in ind["factor"].unique():
            for o in SOBOL_OUTPUTS:
                add(("results/sensitivity/README.md", sobol_cell(ind, o, f), f"sensitivity_sobol/indices.csv {o} {f}",
                     f"| `{f}` |"))
        prim = json.loads((SOBOL / "prim.json").read_text())
        add(("results/sensitivity/README.md", f"coverage {prim['coverage']:.2f} and density {prim['density']:.2f}",
             "sensitivity_sobol/prim.json"))
        add(("results/sensitivity/README.md", f"**{pct(prim['base_rate'], 0)}** of the sampled points",
             "sensitivity_sobol/prim.json base_rate"))
        t = json.loads((SOBOL / "timing.json").read_text())
        add(("results/sensitivity/README.md", f"{t['runs_wall_seconds'] / 60:.1f} min", "sensitivity_sobol/timing.json"))
        add(("README.md", f"{t['runs_wall_seconds'] / 60:.1f} min", "sensitivity_sobol/timing.json"))
        add(("README.zh.md", f"{t['runs_wall_seconds'] / 60:.1f} min", "sensitivity_sobol/timing.json"))
        add(("README.zh.md", f"{pct(prim['base_rate'], 0)} 的抽样点", "sensitivity_sobol/prim.json base_rate"))
        add(("README.md", f"at {pct(prim['base_rate'], 0)} of the sampled points", "sensitivity_sobol/prim.json base_rate"))
        add(("results/sensitivity/README.md", f"{t['cpu_seconds_model_per_run']:.3f} s on average",
             "sensitivity_sobol/timing.json cpu_seconds_model_per_run"))
    # ---- policy comparison (its README's table and the classroom guide's presets); each number
    # must stand on the line of its scenario
    from classroom.presets import PRESET_TITLES

    tab = pd.read_csv(POLICY / "report.csv")
    classroom = (("c1_duties_and_whistle", "department_response_rate"), ("c1_duties_and_whistle", "resolution_rate"),
                 ("c2_party_and_red_property", "trap_share"), ("c2_party_and_red_property", "satisfaction_mean"),
                 ("c3_digital", "resolution_rate"), ("c4_workforce", "resolution_rate"),
                 ("c6_participation", "participation_rate"), ("c6_participation", "satisfaction_mean"),
                 ("combined", "trap_share"))
    for sc, o in classroom:
        for title in PRESET_TITLES[sc]:
            add(("docs/classroom.md", f"({effect(tab, sc, o)}", f"results/policy_comparison/report.csv {sc} {o}", title))
    for title in PRESET_TITLES["combined"]:
        add(("docs/classroom.md", f"({level(tab, 'combined', 'resolution_rate')})", "report.csv combined resolution_rate", title))
    for sc in tab["scenario"].unique():
        if sc == "baseline":
            continue
        for o in ("trap_share", "resolution_rate", "satisfaction_mean"):
            add(("results/policy_comparison/README.md", effect(tab, sc, o, 3), f"report.csv {sc} {o}", f"| `{sc}` |"))
    for sc, o in (("red_property_no_money", "trap_share"), ("red_property_fund_runs_out", "trap_share"),
                  ("points_without_money", "participation_rate"), ("culture_without_upkeep", "participation_rate"),
                  ("scoring_short_departments", "reported_resolution_rate"), ("scoring_short_departments", "resolution_rate"),
                  ("door_knocking_scarce_time", "resolution_rate")):
        add(("docs/ODD.md", f"{effect(tab, sc, o, 3)}", f"results/policy_comparison/report.csv {sc} {o}", f"`{sc}`"))
    return out


def sobol_cell(ind: pd.DataFrame, output: str, factor: str) -> str:
    """`S1 / ST (±half-width of ST's 95 % interval)`, negative estimates shown as 0."""
    def row(index):
        return ind[(ind.output == output) & (ind.factor == factor) & (ind["index"] == index)].iloc[0]

    s1, st = row("S1"), row("ST")
    return f"{max(s1['value'], 0):.2f} / {max(st['value'], 0):.2f} (±{(st['hi'] - st['lo']) / 2:.2f})"


def sobol_table() -> str:
    """The Sobol' table of results/sensitivity/README.md: factors by total effect on the trap share."""
    ind = pd.read_csv(SOBOL / "indices.csv")
    st = ind[(ind["index"] == "ST") & (ind.output == "trap_share")].sort_values("value", ascending=False)
    lines = ["| factor | trap share | resolution rate | satisfaction | public spending |", "|---|---|---|---|---|"]
    for f in st["factor"]:
        lines.append(f"| `{f}` | " + " | ".join(sobol_cell(ind, o, f) for o in SOBOL_OUTPUTS) + " |")
    sums = []
    for o in SOBOL_OUTPUTS:
        sub = ind[ind.output == o]
        sums.append(f"{sub[sub['index'] == 'S1']['value'].clip(lower=0).sum():.2f} / "
                    f"{sub[sub['index'] == 'ST']['value'].clip(lower=0).sum():.2f}")
    lines.append("| sum | " + " | ".join(sums) + " |")
    return "\n".join(lines)


def policy_table() -> str:
    """The effects table of results/policy_comparison/README.md (paired difference from the
    baseline [95 % interval] of three outcomes; the means are in report.md)."""
    from experiments.report import scenario_label

    tab = pd.read_csv(POLICY / "report.csv")
    lines = ["| scenario | 情景 | trap share | resolution rate | satisfaction |", "|---|---|---|---|---|"]
    for sc in tab["scenario"].unique():
        if sc == "baseline":
            continue
        cells = []
        for o in ("trap_share", "resolution_rate", "satisfaction_mean"):
            r = tab[(tab.scenario == sc) & (tab.outcome == o)].iloc[0]
            cells.append(f"{effect(tab, sc, o, 3)} [{r['diff_ci_low']:+.3f}, {r['diff_ci_high']:+.3f}]".replace("-", "−"))
        lines.append(f"| `{sc}` | {scenario_label(sc, 'zh')} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    if sys.argv[1:] == ["--policy-table"]:
        print(policy_table())
        return
    if sys.argv[1:] == ["--sobol-table"]:
        print(sobol_table())
        return
    by_doc: dict[str, list] = {}
    for doc, text, src, *line in quotes():
        by_doc.setdefault(doc, []).append((text, src, line[0] if line else ""))
    for doc, items in by_doc.items():
        print(f"== {doc}")
        for text, src, line in items:
            print(f"   {text:45s}  <- {src}" + (f"  (on the line of {line})" if line else ""))


if __name__ == "__main__":
    sys.exit(main())
