"""Speed of the shipped Sobol' study, and the check that justifies its small model. Prints figures.

    .venv/bin/python benchmarks/sensitivity_speed.py time      # the Sobol' study (N = 1024), 2 workers
    .venv/bin/python benchmarks/sensitivity_speed.py size      # Morris at the study size vs the full default size
    .venv/bin/python benchmarks/sensitivity_speed.py report    # print both from the files already written

`time` runs experiments/sensitivity_sobol.toml into results/sensitivity/sensitivity_sobol (resuming if
it is there: delete the folder for a clean timing) and reports wall time and model runs per second.
`size` reruns the first 10 trajectories of experiments/sensitivity_morris.toml's sample at the full
default size (3,000 households, ten years) and compares the factor rankings of the one-year
screening (and of the two-year one, sensitivity_morris_2years, when its results are there) (Spearman correlation
of mu*, overlap of the top ten): the small model is only a fair stand-in if it ranks the factors
alike. `size --analyse-only` compares on the trajectories finished so far (the sample is nested).
On a shared machine read `wall_seconds_if_cores_free` in timing.json (the runs' own CPU seconds /
workers) beside the wall time.
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "results" / "sensitivity"
SOBOL = ROOT / "experiments" / "sensitivity_sobol.toml"
MORRIS = ROOT / "experiments" / "sensitivity_morris.toml"
FULL = {"households": 3000, "steps": 520}
TRAJECTORIES = 10  # the first 10 of the Morris study's 20 trajectories (the sampler's output is nested)
TOP = 10


def time_sobol(workers: int) -> dict:
    from experiments.sensitivity.pipeline import run_study

    s = run_study(SOBOL, out=RESULTS / "sensitivity_sobol", workers=workers, langs=("en", "zh"))
    print(json.dumps({k: s[k] for k in ("model_runs", "wall_seconds", "runs_per_second", "workers")}, indent=2))
    return s


def full_size_study() -> Path:
    """The Morris study file with only the model size changed (same factors, seed, sample)."""
    text = MORRIS.read_text()
    data = tomllib.loads(text)
    out = RESULTS / "morris_full_size"
    out.mkdir(parents=True, exist_ok=True)
    lines = []
    for line in text.splitlines():
        key = line.split("=")[0].strip()
        if key == "name":
            line = 'name = "morris_full_size"'
        elif key in FULL:
            line = f"{key} = {FULL[key]}"
        elif key == "N":
            line = f"N = {TRAJECTORIES}"
        elif key == "convergence":
            line = "convergence = [5]"
        elif key == "replications":
            line = "replications = 1           # a 3,000-household run is less noisy; CPU is the limit"
        lines.append(line)
    f = out / "study.toml"
    if not f.exists() or f.read_text() != "\n".join(lines) + "\n":
        f.write_text("\n".join(lines) + "\n")
    assert data["model_args"]["households"] != FULL["households"] or data["model_args"]["steps"] != FULL["steps"]
    return f


SMALL = ("sensitivity_morris", "sensitivity_morris_2years")  # the shipped screening (one year) and two years


def _pair(small_study: str = SMALL[0]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """mu* at both sizes on the same trajectories: as many as the full-size run has finished."""
    from experiments.sensitivity import sampling
    from experiments.sensitivity.analysis import morris_indices, to_frames
    from experiments.sensitivity.pipeline import averaged, read_rows

    full = pd.read_csv(RESULTS / "morris_full_size" / "indices.csv")
    T = int(full["N"].iloc[0])
    folder = RESULTS / small_study
    X, meta = sampling.read(folder / "sample.parquet")
    Y = averaged(read_rows(folder), list(full["output"].unique()), len(X))
    small = pd.concat([to_frames(morris_indices(X, Y[o].to_numpy(), meta, n=T, resamples=10), meta, o, N=T)[0]
                       for o in Y.columns], ignore_index=True)
    return small, full


def compare() -> pd.DataFrame:
    """Spearman correlation of mu* and top-ten overlap, per output, small vs full size (same trajectories),
    for each small screening on disk (one year, two years)."""
    frames = [_compare(s) for s in SMALL if (RESULTS / s / "sample.parquet").exists()]
    df = pd.concat(frames, ignore_index=True)
    df.to_csv(RESULTS / "size_check.csv", index=False)
    return df


def _compare(small_study: str) -> pd.DataFrame:
    import tomllib as _t

    args = _t.loads((ROOT / "experiments" / f"{small_study}.toml").read_text())["model_args"]
    small, full = _pair(small_study)
    rows = []
    for o in small["output"].unique():
        a = small[(small["output"] == o) & (small["index"] == "mu_star")].set_index("factor")["value"]
        b = full[(full["output"] == o) & (full["index"] == "mu_star")].set_index("factor")["value"].loc[a.index]
        rho = a.rank().corr(b.rank())
        ta, tb = set(a.nlargest(TOP).index), set(b.nlargest(TOP).index)
        rows.append({"study": small_study, "households": args["households"], "weeks": args["steps"],
                     "output": o, "trajectories": int(full["N"].iloc[0]), "spearman_mu_star": round(float(rho), 3), f"top{TOP}_overlap": len(ta & tb),
                     "top5_small": ", ".join(a.nlargest(5).index), "top5_full": ", ".join(b.nlargest(5).index)})
    # the Sobol' selection's own score: mean of mu*/max over the four headline outcomes
    head = ["trap_share", "resolution_rate", "satisfaction_mean", "public_spending"]

    def score(t):
        m = t[t["index"] == "mu_star"].pivot(index="factor", columns="output", values="value")[head]
        return (m / m.max()).mean(axis=1)

    a, b = score(small), score(full).loc[score(small).index]
    rows.append({"study": small_study, "households": args["households"], "weeks": args["steps"],
                 "output": "headline_mean_score", "trajectories": int(full["N"].iloc[0]),
                 "spearman_mu_star": round(float(a.rank().corr(b.rank())), 3),
                 f"top{TOP}_overlap": len(set(a.nlargest(TOP).index) & set(b.nlargest(TOP).index)),
                 "top5_small": ", ".join(a.nlargest(5).index), "top5_full": ", ".join(b.nlargest(5).index)})
    return pd.DataFrame(rows)


def size_figure(lang: str) -> Path:
    """mu* at the study size against mu* at the full size, each normalised by its largest."""
    from experiments.sensitivity.figures import factor_label, output_label
    from model.plots import both, plt, use_lang

    lang = use_lang(lang)
    small, full = _pair()
    outs = list(small["output"].unique())[:4]
    fig, axes = plt.subplots(1, len(outs), figsize=(4.6 * len(outs), 4.4), constrained_layout=True)
    for ax, o in zip(np.atleast_1d(axes), outs):
        a = small[(small["output"] == o) & (small["index"] == "mu_star")].set_index("factor")["value"]
        b = full[(full["output"] == o) & (full["index"] == "mu_star")].set_index("factor")["value"].loc[a.index]
        a, b = a / (a.max() or 1), b / (b.max() or 1)
        ax.scatter(a, b, s=10, alpha=0.7)
        ax.plot([0, 1], [0, 1], "k--", lw=0.5)
        for f in (a + b).nlargest(5).index:
            ax.annotate(factor_label(f, lang), (a[f], b[f]), fontsize=7, xytext=(3, 2), textcoords="offset points")
        ax.set_title(output_label(o, lang), fontsize=10)
        ax.set_xlabel(both("$\\mu^*$ / max, study size (1,000 households, 1 year)", "$\\mu^*$ / 最大值(小规模:1000 户,1 年)", lang))
        ax.set_ylabel(both("$\\mu^*$ / max, full size (3,000 households, 10 years)", "$\\mu^*$ / 最大值(完整:3000 户,10 年)", lang))
        ax.grid(alpha=0.3)
    path = RESULTS / "figures" / f"size_check_{lang}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def progress(folder: Path) -> str:
    """An unfinished study's pace from its files: runs on disk, time since the sample, CPU per run."""
    import pyarrow.parquet as pq

    parts = sorted((folder / "runs").glob("part-*.parquet"))
    if not parts:
        return f"{folder}: no runs yet"
    rows = pd.concat([pq.read_table(p).to_pandas() for p in parts])
    total = pq.read_metadata(folder / "sample.parquet").num_rows
    elapsed = max(p.stat().st_mtime for p in parts) - (folder / "sample.parquet").stat().st_mtime
    main = rows[rows["kind"] == "main"]
    rate = len(rows) / elapsed
    return (f"{folder.name} (unfinished): {len(main)} of {total} points after {elapsed / 60:.1f} min "
            f"({rate:.2f} runs/s, all runs; CPU {rows['cpu_seconds'].mean():.3f} s a run); at this pace the "
            f"whole study takes {total / rate / 60:.0f} min, {total * rows['cpu_seconds'].mean() / 2 / 60:.0f} min "
            "on two free cores")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=("time", "size", "report"))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--analyse-only", action="store_true", help="size: compare on the trajectories finished so far")
    a = ap.parse_args()
    if a.what == "time":
        time_sobol(a.workers)
    elif a.what == "size" and not a.analyse_only:
        from experiments.sensitivity.pipeline import run_study

        s = run_study(full_size_study(), out=RESULTS / "morris_full_size", workers=a.workers, langs=("en",))
        print(f"full size: {s['model_runs']} runs in {s['wall_seconds']} s")
    if a.what == "size" and a.analyse_only:
        import warnings

        from experiments.sensitivity.pipeline import analyse
        from experiments.sensitivity.study import load

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            analyse(RESULTS / "morris_full_size", load(full_size_study()), langs=("en", "zh"))
    if a.what in ("size", "report"):
        if (RESULTS / "morris_full_size" / "indices.csv").exists():
            print(compare().to_string(index=False))
            for lang in ("en", "zh"):
                print(f"wrote {size_figure(lang)}")
        t = RESULTS / "sensitivity_sobol" / "timing.json"
        if not t.exists() and (RESULTS / "sensitivity_sobol" / "sample.parquet").exists():
            print(progress(RESULTS / "sensitivity_sobol"))
        if t.exists():
            d = json.loads(t.read_text())
            print(f"Sobol' study: {d['model_runs']} model runs in {d['wall_seconds']} s "
                  f"({d['wall_seconds'] / 60:.1f} min, {d['runs_per_second']} runs/s, {d['workers']} workers)"
                  + (f"; with sampling and analysis {d['total_seconds'] / 60:.1f} min" if "total_seconds" in d else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
