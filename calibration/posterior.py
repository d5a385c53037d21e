"""From a finished ABC run to what others use: the posterior sample and its summary, a
`parameter_draws` CSV for experiments (so effects carry parameter uncertainty), the posterior
median as a scenario, and the posterior predictive check of every target.
"""

from __future__ import annotations

import json
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.parameters import BY_NAME

from .abc import particle_seed, posterior, prior_width, summary
from .statistics import target_values
from .targets import Config


def resample(df: pd.DataFrame, w: np.ndarray, n: int, seed: int) -> pd.DataFrame:
    """n equally weighted draws from a weighted sample (a seeded generator, not global state)."""
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(df), size=n, replace=True, p=w)
    out = df.iloc[idx].reset_index(drop=True)
    if "n_households" in out:  # the street's size is a whole number of households (as the simulations round it)
        out["n_households"] = out["n_households"].round().astype(int)
    return out


def write_draws(draws: pd.DataFrame, path: Path) -> Path:
    draws.to_csv(path, index=False, float_format="%.6g")
    return path


def scenario_toml(cfg: Config, summ: dict[str, dict[str, float]]) -> str:
    """The `calibrated` scenario: the baseline street with the posterior medians."""
    fanrong = all(n.startswith("fanrong") for n in cfg.targets)
    zh = ("基线街道,部分参数按繁荣街道敲门行动数据调整(中位数)。" if fanrong
          else "基线街道,部分参数按报告数据调整(中位数)。")
    lines = ['name = "calibrated"',
             f'description = "Baseline street with the posterior medians of the ABC calibration \'{cfg.name}\' '
             f'(targets: {", ".join(cfg.targets)}; see results/calibration/README.md)."',
             f'description_zh = "{zh}"',
             "", "[params]"]
    for k in cfg.names:
        p = BY_NAME[k]
        if k == "n_households":  # the scenario is the default street: its size is not Fanrong's
            lines.insert(-1, f"# n_households (the calibrated street's size): posterior median {summ[k]['median']:.0f}, "
                             f"90 % CI [{summ[k]['q05']:.0f}, {summ[k]['q95']:.0f}]; not set here, the scenario keeps its street's size")
            continue
        lo, hi = p.valid
        v = float(np.clip(summ[k]["median"], lo, hi))
        lines.append(f"{k} = {v:.4g}    # 90 % CI [{summ[k]['q05']:.3g}, {summ[k]['q95']:.3g}], default {p.default:g}")
    return "\n".join(lines) + "\n"


def _ppc_one(job: tuple) -> list[dict[str, Any]]:
    """One predictive draw: every target's simulated value (lists are kept whole)."""
    label, i, theta, targets, sims, seed = job
    vals = target_values(targets, sims, theta, seed)
    return [{"set": label, "draw": i, "target": k, "value": v} for k, v in vals.items()]


def predictive(cfg: Config, draws: pd.DataFrame, workers: int = 1, progress: bool = True,
               include_defaults: bool = True) -> pd.DataFrame:
    """Simulate every target (numeric, pattern and input) at posterior draws and at the defaults."""
    ts = cfg.target_set
    targets = list(ts.targets.values())
    jobs = []
    n = min(cfg.predictive_draws, len(draws))
    for s in range(cfg.predictive_seeds):
        for i in range(n):
            theta = {**cfg.fixed, **{k: float(v) for k, v in draws.iloc[i].items()}}
            seed = particle_seed(theta, cfg.seed + 1000 + s)
            jobs.append(("posterior", i + s * n, theta, targets, ts.simulations, seed))
            if include_defaults:
                jobs.append(("defaults", i + s * n, dict(cfg.fixed), targets, ts.simulations, seed))
    rows: list[dict] = []
    from tqdm import tqdm

    bar = tqdm(total=len(jobs), unit="draw", disable=not progress, desc="predictive check")
    if workers <= 1:
        for j in jobs:
            rows += _ppc_one(j)
            bar.update()
    else:
        with ProcessPoolExecutor(workers) as ex:
            for r in ex.map(_ppc_one, jobs, chunksize=2):
                rows += r
                bar.update()
    bar.close()
    return pd.DataFrame(rows)


def judge(cfg: Config, ppc: pd.DataFrame, label: str = "posterior") -> pd.DataFrame:
    """Per target: 90 % predictive interval, is the observed value inside, and (patterns) is it reproduced."""
    out = []
    for name, t in cfg.target_set.targets.items():
        vals = ppc[(ppc["set"] == label) & (ppc["target"] == name)]["value"].tolist()
        if t.statistic == "firm_exit_collections":
            pooled = [x for v in vals for x in (v if isinstance(v, (list, np.ndarray)) else [])]
            x = np.asarray(pooled, float)
            stat = float(np.median(x)) if len(x) else float("nan")
            lo, hi = (float(np.quantile(x, 0.05)), float(np.quantile(x, 0.95))) if len(x) else (np.nan, np.nan)
            ok = bool(len(x) and t.interval[0] <= stat <= t.interval[1])
            what = f"median of {len(x)} exits pooled over {len(vals)} runs"
        else:
            x = np.asarray([v for v in vals if v == v and v < 1e5], float)
            stat = float(np.median(x)) if len(x) else float("nan")
            lo, hi = (float(np.quantile(x, 0.05)), float(np.quantile(x, 0.95))) if len(x) else (np.nan, np.nan)
            if t.kind == "pattern":
                # a pattern is a level or a direction: the mean in the accepted range, and positive in
                # most draws (a direction that half the draws contradict is not reproduced)
                ok = bool(len(x) and t.interval[0] <= np.mean(x) <= t.interval[1] and (x > 0).mean() > 0.5)
                what = (f"mean {np.mean(x):.3g} over {len(x)} runs, positive in {int((x > 0).sum())}"
                        if len(x) else "no runs")
            else:
                ok = bool(len(x) and lo <= t.value <= hi)
                what = f"{len(x)} runs"
        out.append({"target": name, "kind": t.kind, "observed": t.value, "interval": list(t.interval),
                    "in_abc": name in cfg.targets, "sim_median": stat, "sim_q05": lo, "sim_q95": hi,
                    "reproduced": ok, "basis": what})
    return pd.DataFrame(out)


def _fmt(v: float) -> str:
    return "n/a" if v != v else (f"{v:.3g}" if abs(v) < 10 else f"{v:.0f}")


def summary_markdown(cfg: Config, summ: dict, history, judged: dict[str, pd.DataFrame]) -> str:
    pw = prior_width(cfg)
    pops = history.get_all_populations()
    lines = [f"# Calibration '{cfg.name}': posterior and predictive check", "",
             "Generated by `govsim calibrate`; the reading is in README.md.", "",
             f"ABC-SMC (pyabc), population {cfg.population_size}, {history.max_t + 1} generations, final epsilon "
             f"{pops['epsilon'].iloc[-1]:.3g} (distance in target standard deviations), "
             f"{int(pops['samples'].sum()):,} simulations. Targets in the distance: {', '.join(cfg.targets)}.", "",
             "## Posterior", "",
             "| parameter | default | prior | median | 90 % credible interval | posterior sd / prior sd |",
             "|---|---|---|---|---|---|"]
    for p in cfg.priors:
        s = summ[p.name]
        ref = (cfg.target_set.street.get("households", BY_NAME[p.name].default) if p.name == "n_households"
               else BY_NAME[p.name].default)  # the street's size: its assumed value, not the default street's
        lines.append(f"| `{p.name}` | {ref:g} | {p.kind} [{p.low:g}, {p.high:g}] | "
                     f"{s['median']:.4g} | [{s['q05']:.4g}, {s['q95']:.4g}] | {s['sd'] / pw[p.name]:.2f} |")
    lines += ["", "A ratio near 1 means the targets leave the parameter where the prior put it (unidentified);",
              "well below 1, the targets pin it.", "", "## Posterior predictive check", "",
              "| target | kind | in ABC | observed | accepted range | simulated median | 90 % predictive interval | reproduced | at defaults | basis |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    post = judged["posterior"].set_index("target")
    dflt = judged.get("defaults")
    dflt = dflt.set_index("target") if dflt is not None else None
    for name, r in post.iterrows():
        d = "" if dflt is None else f"{_fmt(dflt.loc[name, 'sim_median'])} [{_fmt(dflt.loc[name, 'sim_q05'])}, {_fmt(dflt.loc[name, 'sim_q95'])}]"
        lines.append(f"| {name} | {r['kind']} | {'yes' if r['in_abc'] else 'no'} | {_fmt(r['observed'])} | "
                     f"[{_fmt(r['interval'][0])}, {_fmt(r['interval'][1])}] | {_fmt(r['sim_median'])} | "
                     f"[{_fmt(r['sim_q05'])}, {_fmt(r['sim_q95'])}] | {'yes' if r['reproduced'] else 'NO'} | {d} | {r['basis']} |")
    lines += ["", "Numeric targets and inputs count as reproduced when the observed value lies inside the 90 %",
              "predictive interval; patterns when the pooled statistic (firm exits: the median; others: the mean",
              "over draws) lies in the accepted range and, for the others, is positive in more than half the draws."]
    return "\n".join(lines) + "\n"


def write_all(cfg: Config, history, out: Path, workers: int = 1, n_draws: int = 200,
              scenario_path: str | None = None, progress: bool = True) -> list[Path]:
    """Every output of a calibration under `out` (and the scenario where asked)."""
    from .figures import marginals, pairwise, predictive_figure

    out.mkdir(parents=True, exist_ok=True)
    df, w = posterior(history)
    written = []
    post = df.copy()
    post["weight"] = w
    post.to_csv(out / "posterior.csv", index=False, float_format="%.6g")
    written.append(out / "posterior.csv")
    pops = history.get_all_populations()
    pops.to_csv(out / "generations.csv", index=False)
    written.append(out / "generations.csv")
    summ = summary(df, w)
    (out / "posterior_summary.json").write_text(json.dumps(summ, indent=1, sort_keys=True))
    written.append(out / "posterior_summary.json")
    draws = resample(df, w, n_draws, cfg.seed)
    written.append(write_draws(draws, out / "parameter_draws.csv"))
    sc = Path(scenario_path) if scenario_path else out / "calibrated.toml"
    sc.write_text(scenario_toml(cfg, summ), encoding="utf-8")
    written.append(sc)
    ppc = predictive(cfg, draws, workers=workers, progress=progress)
    ppc_flat = ppc.copy()
    ppc_flat["value"] = ppc_flat["value"].map(lambda v: json.dumps(v) if isinstance(v, list) else v)
    ppc_flat.to_csv(out / "predictive.csv", index=False)
    written.append(out / "predictive.csv")
    judged = {lab: judge(cfg, ppc, lab) for lab in ppc["set"].unique()}
    judged["posterior"].to_json(out / "predictive_check.json", orient="records", indent=1)
    written.append(out / "predictive_check.json")
    (out / "posterior.md").write_text(summary_markdown(cfg, summ, history, judged), encoding="utf-8")
    written.append(out / "posterior.md")
    for lang in ("en", "zh"):
        sfx = "" if lang == "en" else "_zh"
        written.append(marginals(cfg, df, w, out / f"marginals{sfx}.png", lang))
        written.append(pairwise(cfg, df, w, out / f"pairwise{sfx}.png", lang))
        written.append(predictive_figure(cfg, ppc, out / f"predictive_check{sfx}.png", lang))
    return written
