"""The Morris ranking as one table: `python -m experiments.sensitivity.ranking FOLDER`.

Reads FOLDER/indices.csv (a finished Morris study) and writes FOLDER/ranking.csv, one row per
factor, best first:

    factor, group, rank, score, score_all, negligible, <output>_mu_star_rel ..., <output>_sigma_ratio ...

`<output>_mu_star_rel` is mu* divided by the largest mu* of that output (1 = the most influential
factor), `score` the mean of it over the four headline outcomes (trap_share, resolution_rate,
satisfaction_mean, public_spending; the selection score the Sobol' studies use, see
tests/test_sensitivity.py), `score_all` the mean over every screened output, `negligible` true
where mu* is under 5 % of the largest on every output, `<output>_sigma_ratio` sigma / mu* (above 1:
interactions or non-linearity). `group` is the parameter table's group. The calibration and the
Sobol' studies choose their factors from this file.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

HEADLINE = ("trap_share", "resolution_rate", "satisfaction_mean", "public_spending")
NEGLIGIBLE = 0.05


def ranking(indices: pd.DataFrame) -> pd.DataFrame:
    from model.parameters import BY_NAME

    mu = indices[indices["index"] == "mu_star"].pivot(index="factor", columns="output", values="value")
    sigma = indices[indices["index"] == "sigma"].pivot(index="factor", columns="output", values="value")
    rel = mu / mu.max().where(mu.max() > 0, 1.0)
    head = [o for o in HEADLINE if o in rel.columns]
    out = pd.DataFrame({"factor": rel.index})
    out["group"] = [BY_NAME[f].group if f in BY_NAME else "" for f in rel.index]
    out["score"] = rel[head].mean(axis=1).to_numpy()
    out["score_all"] = rel.mean(axis=1).to_numpy()
    out["negligible"] = (rel < NEGLIGIBLE).all(axis=1).to_numpy()
    for o in rel.columns:
        out[f"{o}_mu_star_rel"] = rel[o].to_numpy()
    for o in rel.columns:
        ratio = sigma[o] / mu[o].where(mu[o] > 0)
        out[f"{o}_sigma_ratio"] = ratio.reindex(rel.index).to_numpy()
    out = out.sort_values(["score", "score_all", "factor"], ascending=[False, False, True]).reset_index(drop=True)
    out.insert(2, "rank", range(1, len(out) + 1))
    return out


def write(folder: str | Path) -> Path:
    folder = Path(folder)
    t = ranking(pd.read_csv(folder / "indices.csv"))
    p = folder / "ranking.csv"
    t.to_csv(p, index=False, float_format="%.4g")
    return p


if __name__ == "__main__":
    for f in sys.argv[1:] or ["results/sensitivity/sensitivity_morris_5years"]:
        print(f"wrote {write(f)}")
