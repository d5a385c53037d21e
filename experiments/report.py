"""`govsim report results/<experiment>`: outcomes per scenario with intervals, paired effects
against the baseline, cost-effectiveness, and figures (English or Chinese labels).

Effects are paired differences (replication r has the same seed in every scenario), so their
intervals are narrower than the scenarios' own. Intervals: Student t over replications for
means and paired differences; seeded bootstrap over replications for cost-effectiveness ratios.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from model.errors import GovsimError, writing
from model.outcomes import HEADLINE, OUTCOMES

from .runner import read_results

KEY = ("trap_share", "fee_collection_rate", "environment_mean", "resolution_rate", "problems_resolved",
       "satisfaction_mean", "trust_mean", "participation_rate", "department_response_rate", "public_spending",
       # issue 16: what the records say, what departments leave undone, where grid hours went
       "reported_resolution_rate", "department_other_backlog", "grid_hours_cases", "grid_hours_patrols")


# the shipped scenarios' names as the Chinese report and figures show them (the English ones show
# the file names, which are also the column values of every CSV)
SCENARIO_ZH = {
    "baseline": "基线(无新政策)",
    "c1_duties_and_whistle": "C1 明晰权责与“吹哨报到”",
    "c2_party_and_red_property": "C2 党组织覆盖与红色物业",
    "c3_digital": "C3 数字平台与预警",
    "c4_workforce": "C4 网格力量与骑手兼职",
    "c5_funding": "C5 经费保障与补贴",
    "c6_participation": "C6 积分制与社区文化",
    "combined": "C1-C6综合方案",
    "fanrong_knock_on_door": "繁荣街道“敲门行动”(2024)",
    "calibrated": "基线(按繁荣街道数据校准)",
    "points_without_money": "失效:积分没有资金兑现",
    "door_knocking_scarce_time": "失效:网格员工时不足时“敲门”",
    "scoring_short_departments": "失效:部门能力不足时按响应考核",
    "culture_without_upkeep": "失效:文化建设两年后无人维护",
    "red_property_no_money": "失效:红色物业无年度资金",
    "red_property_fund_runs_out": "失效:红色物业启动资金耗尽",
    "temporary_subsidy": "临时补贴",
}


def scenario_label(name: str, lang: str = "en") -> str:
    """A scenario's name in the report's language (Chinese: the shipped ones' Chinese names)."""
    return SCENARIO_ZH.get(name, name) if lang == "zh" else name


def t_interval(x: np.ndarray) -> tuple[float, float, float]:
    x = np.asarray(x, float)
    m = float(x.mean())
    if len(x) < 2 or np.all(x == x[0]):
        return m, m, m
    h = float(stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x)))
    return m, m - h, m + h


def _ratio_ci(num: np.ndarray, den: np.ndarray, seed: int = 0, n_boot: int = 2000) -> tuple[float, float, float]:
    """Ratio of mean paired differences, with a bootstrap interval over replications (NaN if undefined)."""
    if den.mean() <= 0:
        return float("nan"), float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(num), (n_boot, len(num)))
    d = den[idx].mean(axis=1)
    r = np.where(d > 0, num[idx].mean(axis=1) / np.where(d > 0, d, 1), np.nan)
    lo, hi = np.nanpercentile(r, [2.5, 97.5]) if np.isfinite(r).any() else (np.nan, np.nan)
    return float(num.mean() / den.mean()), float(lo), float(hi)


def table(runs: pd.DataFrame, baseline: str = "baseline", outcomes=KEY) -> pd.DataFrame:
    rows = []
    base = runs[runs["scenario"] == baseline].set_index("replication") if baseline in set(runs["scenario"]) else None
    for sc, g in runs.groupby("scenario", sort=False):
        g = g.set_index("replication")
        for o in outcomes:
            m, lo, hi = t_interval(g[o].to_numpy())
            row = {"scenario": sc, "outcome": o, "mean": m, "ci_low": lo, "ci_high": hi, "replications": len(g)}
            if base is not None and sc != baseline:
                common = g.index.intersection(base.index)
                d, dlo, dhi = t_interval((g.loc[common, o] - base.loc[common, o]).to_numpy())
                row.update({"diff_vs_baseline": d, "diff_ci_low": dlo, "diff_ci_high": dhi, "pairs": len(common)})
            rows.append(row)
    return pd.DataFrame(rows)


def cost_effectiveness(runs: pd.DataFrame, baseline: str = "baseline") -> pd.DataFrame:
    """Public spending per extra problem resolved and per compound kept out of the trap."""
    if baseline not in set(runs["scenario"]):
        return pd.DataFrame()
    base = runs[runs["scenario"] == baseline].set_index("replication")
    rows = []
    for sc, g in runs.groupby("scenario", sort=False):
        if sc == baseline:
            continue
        g = g.set_index("replication")
        common = g.index.intersection(base.index)
        spend = (g.loc[common, "public_spending"] - base.loc[common, "public_spending"]).to_numpy()
        solved = (g.loc[common, "problems_resolved"] - base.loc[common, "problems_resolved"]).to_numpy()
        kept = ((base.loc[common, "trap_share"] - g.loc[common, "trap_share"]) * g.loc[common, "n_compounds"]).to_numpy()
        a = _ratio_ci(spend, solved)
        b = _ratio_ci(spend, kept)
        rows.append({"scenario": sc, "extra_public_spending": spend.mean(), "extra_problems_resolved": solved.mean(),
                     "compounds_kept_out_of_trap": kept.mean(),
                     "yuan_per_extra_problem_resolved": a[0], "ci_low": a[1], "ci_high": a[2],
                     "yuan_per_compound_out_of_trap": b[0], "ci_low_2": b[1], "ci_high_2": b[2]})
    return pd.DataFrame(rows)


def _fmt(x: float) -> str:
    if not np.isfinite(x):
        return "-"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3f}"


def markdown(tab: pd.DataFrame, ce: pd.DataFrame, lang: str, status: str = "") -> str:
    zh = lang == "zh"
    lines = ["# " + ("政策比较报告" if zh else "Policy comparison report"), ""]
    if status:
        lines += [f"**{status}**", ""]
    lines.append(("每个情景的结局均值与95%区间;与基线的配对差异(相同随机种子)及其95%区间。" if zh else
                  "Mean and 95 % interval of each outcome per scenario; paired difference from the baseline "
                  "(same seeds) with its 95 % interval."))
    for o, g in tab.groupby("outcome", sort=False):
        name = OUTCOMES[o][2] if zh else OUTCOMES[o][1]
        lines += ["", f"## {name} (`{o}`)", "",
                  "| " + ("情景 | 均值 [95%区间] | 与基线差异 [95%区间]" if zh else "scenario | mean [95 % CI] | difference from baseline [95 % CI]") + " |",
                  "|---|---|---|"]
        for _, r in g.iterrows():
            diff = "" if pd.isna(r.get("diff_vs_baseline", np.nan)) else \
                f"{_fmt(r['diff_vs_baseline'])} [{_fmt(r['diff_ci_low'])}, {_fmt(r['diff_ci_high'])}]"
            lines.append(f"| {scenario_label(r['scenario'], lang)} | {_fmt(r['mean'])} [{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}] | {diff} |")
    if len(ce):
        lines += ["", "## " + ("成本效益" if zh else "Cost-effectiveness"), "",
                  "| " + ("情景 | 额外财政支出(元) | 每多化解一个问题(元) | 每使一个小区走出无物业陷阱(元)" if zh else
                         "scenario | extra public spending (yuan) | yuan per extra problem resolved [95 % CI] | "
                         "yuan per compound kept out of the trap [95 % CI]") + " |", "|---|---|---|---|"]
        for _, r in ce.iterrows():
            lines.append(f"| {scenario_label(r['scenario'], lang)} | {_fmt(r['extra_public_spending'])} | "
                         f"{_fmt(r['yuan_per_extra_problem_resolved'])} [{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}] | "
                         f"{_fmt(r['yuan_per_compound_out_of_trap'])} [{_fmt(r['ci_low_2'])}, {_fmt(r['ci_high_2'])}] |")
        lines.append("")
        lines.append("'-': " + ("无额外化解或无小区走出陷阱时不定义。" if zh else
                                "undefined where the policy resolved no extra problems or kept no compound out of the trap."))
    return "\n".join(lines) + "\n"


def figures(runs: pd.DataFrame, ts: pd.DataFrame, tab: pd.DataFrame, out: Path, lang: str,
            status: str = "") -> list[Path]:
    """The report's figures in `lang`: outcomes over time, and each policy's effect; a figure
    whose outcomes the folder does not keep is left out (never drawn empty)."""
    from model.plots import use_lang

    lang = use_lang(lang)
    made = (_timeseries_figure(ts, out, lang, status), _effects_figure(tab, out, lang, status))
    return [p for p in made if p is not None]


def _timeseries_figure(ts: pd.DataFrame, out: Path, lang: str, status: str) -> Path | None:
    """Mean over replications and its 95 % interval, week by week, one panel per headline outcome kept."""
    import matplotlib.pyplot as plt

    from model.plots import both, label

    show = [o for o in ("trap_share", "resolution_rate", "satisfaction_mean", "public_spending") if o in ts.columns]
    if not show:
        return None
    fig, axes = plt.subplots(1, len(show), figsize=(4.4 * len(show), 4), constrained_layout=True)
    # more scenarios than the default colour cycle: tab20's colours, dashed from the eleventh on
    colours = plt.get_cmap("tab20").colors
    for ax, o in zip(np.atleast_1d(axes), show):
        for k, (sc, g) in enumerate(ts.groupby("scenario", sort=False)):
            agg = g.groupby("step")[o].apply(lambda x: pd.Series(t_interval(x.to_numpy()), index=["mean", "lo", "hi"]))
            agg = agg.unstack()
            line, = ax.plot(agg.index / 52, agg["mean"], lw=1.4, label=scenario_label(sc, lang),
                            color=colours[(2 * k) % 20 if k < 10 else (2 * k + 1) % 20], ls="-" if k < 10 else "--")
            ax.fill_between(agg.index / 52, agg["lo"], agg["hi"], color=line.get_color(), alpha=0.15)
        ax.set_title(label(o, lang), fontsize=10)
        ax.set_xlabel(both("years", "年", lang))
        ax.grid(alpha=0.3)
    np.atleast_1d(axes)[0].legend(fontsize=7)
    fig.suptitle(both("Outcomes over time: mean over replications and its 95 % interval",
                      "结局随时间变化:重复运行的均值及其95%区间", lang) + (f"\n{status}" if status else ""))
    p = out / f"timeseries_{lang}.png"
    fig.savefig(p, dpi=110)
    plt.close(fig)
    return p


def _effects_figure(tab: pd.DataFrame, out: Path, lang: str, status: str) -> Path | None:
    """Each policy's difference from the baseline, paired by seed, with its 95 % interval."""
    import matplotlib.pyplot as plt

    from model.plots import both, label

    eff = tab.dropna(subset=["diff_vs_baseline"]) if "diff_vs_baseline" in tab else tab.iloc[0:0]
    show = [o for o in ("trap_share", "resolution_rate", "satisfaction_mean", "trust_mean") if o in set(eff["outcome"])]
    if not show:
        return None
    fig, axes = plt.subplots(1, len(show), figsize=(4.2 * len(show), 0.45 * eff["scenario"].nunique() + 1.8),
                             constrained_layout=True, sharey=True)
    for ax, o in zip(np.atleast_1d(axes), show):
        g = eff[eff["outcome"] == o]
        y = np.arange(len(g))
        ax.errorbar(g["diff_vs_baseline"], y, xerr=[g["diff_vs_baseline"] - g["diff_ci_low"],
                                                    g["diff_ci_high"] - g["diff_vs_baseline"]],
                    fmt="o", capsize=3)
        ax.axvline(0, color="grey", lw=1)
        ax.set_yticks(y, [scenario_label(sc, lang) for sc in g["scenario"]])
        ax.set_title(label(o, lang), fontsize=10)
        ax.set_xlabel(both("difference from baseline (95 % CI)", "与基线的差异(95%区间)", lang))
        ax.grid(alpha=0.3)
    fig.suptitle(both("Effects of each policy, paired by seed", "各政策的效果(按随机种子配对)", lang)
                 + (f"\n{status}" if status else ""))
    p = out / f"effects_{lang}.png"
    fig.savefig(p, dpi=110)
    plt.close(fig)
    return p


class PartialResultsError(GovsimError):
    """Scenarios with different numbers of finished replications: paired differences would mislead."""


def completeness(folder: Path, runs: pd.DataFrame) -> dict:
    """How many runs of how many the experiment's manifest promises, per scenario too."""
    import json

    try:
        man = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        scenarios, reps = list(man["scenarios"]), int(man["replications"])
    except (OSError, ValueError, KeyError, TypeError):  # an old or foreign folder: count what is there
        scenarios, reps = list(dict.fromkeys(runs["scenario"])), int(runs.groupby("scenario").size().max())
    per = {sc: int((runs["scenario"] == sc).sum()) for sc in scenarios}
    done, expected = len(runs), len(scenarios) * reps
    return {"runs": done, "expected": expected, "per_scenario": per, "replications": reps,
            "partial": done < expected}


def status_line(c: dict, lang: str = "en") -> str:
    """The line at the top of every report file and on the terminal."""
    if lang == "zh":
        text = f"已完成 {c['runs']} / {c['expected']} 次运行"
        return text + (" (部分结果:尚未全部完成)" if c["partial"] else "")
    text = f"{c['runs']} of {c['expected']} runs"
    if c["partial"]:
        short = ", ".join(f"{sc} {n}/{c['replications']}" for sc, n in c["per_scenario"].items() if n < c["replications"])
        text += f" (PARTIAL: the experiment has not finished; {short})"
    return text


def make_report(folder: str | Path, lang: str = "en", baseline: str = "baseline", allow_partial: bool = False,
                say=None) -> list[Path]:
    """Write the report; `say` (e.g. print) is told how many runs of how many it covers.

    Scenarios with different numbers of finished replications are refused (PartialResultsError)
    unless `allow_partial`: their paired differences would rest on different runs.
    """
    folder = Path(folder)
    if not (folder / "runs").exists():
        from model.parameters import ParameterError

        raise ParameterError("folder", str(folder), "a results folder written by `govsim experiment`")
    runs, ts = read_results(folder)
    c = completeness(folder, runs)
    if say:
        say(f"{folder}: {status_line(c)}")
    counts = set(c["per_scenario"].values())
    if len(counts) > 1 and not allow_partial:
        raise PartialResultsError(
            f"{folder}: scenarios have different numbers of finished replications ("
            + ", ".join(f"{sc} {n}" for sc, n in c["per_scenario"].items())
            + "); finish the experiment (run it again to resume) or pass --allow-partial")
    outcomes = [o for o in KEY if o in runs.columns]
    tab = table(runs, baseline, outcomes)
    ce = cost_effectiveness(runs, baseline)
    paths = []
    with writing(folder):
        for name, df in (("report.csv", tab), ("cost_effectiveness.csv", ce)):
            with open(folder / name, "w", encoding="utf-8", newline="") as fh:
                if c["partial"]:  # a complete report stays a plain table; a partial one says so on line 1
                    fh.write(f"# {status_line(c)}\n")
                df.to_csv(fh, index=False)
            paths.append(folder / name)
        md = folder / ("report.md" if lang == "en" else f"report_{lang}.md")
        md.write_text(markdown(tab, ce, lang, status_line(c, lang)), encoding="utf-8")
        paths.append(md)
        paths += figures(runs, ts, tab, folder, lang, status_line(c, lang))
    return paths


__all__ = ["make_report", "scenario_label", "SCENARIO_ZH", "table", "cost_effectiveness", "completeness", "PartialResultsError", "HEADLINE"]
