"""Does the trap come from the loop, broadly? A Latin-hypercube study over the market's parameters.

At each point, a small street of identical old compounds is run twice from each start (every
compound with a firm; none with one) over two seeds: the point is *bistable* when the street
that started managed is still mostly managed and the one that started unmanaged still mostly
unmanaged at the end. The same unmanaged start is then run with the loop's links cut
(`cut_params`: environment -> satisfaction -> payment and environment -> upkeep cost, intercept
re-centred at the satisfaction measured in the managed start's last year, so managed compounds
keep their payment level): the cut *removes the unmanaged state's stability* when firms enter,
i.e. the street ends mostly managed.

    python -m experiments.vicious_cycle_lhs --points 64 --out results/vicious_cycle

writes `lhs.csv` (one row per point and seed) and `lhs_summary.json`; with `--neighbourhood 0.15`
the points lie within 15 % of the defaults (`lhs_neighbourhood_0.15.*`). Ranges are the
plausible ranges of the parameter table; nothing is tuned to the outcome. As a diagnostic the
unmanaged start is also run with the neighbours' payment link cut too (`cut_neighbours_too`).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import qmc

from model import CommunityModel
from model.parameters import BY_NAME

from .vicious_cycle import cut_neighbours_too, cut_params, managed_mean, old_street

FACTORS = ("firm_cost_spread", "firm_pool_size", "firm_reserve_months", "firm_risk_appetite",
           "firm_loss_patience_months", "contract_months", "appraisal_prior_collection_old",
           "appraisal_prior_weight", "environment_standard", "upkeep_environment_cost", "fee_band_width",
           "entry_payment_share", "tender_wait_weeks", "cost_old", "firm_min_service", "firm_required_margin")
WEEKS_PER_YEAR = 52
MOSTLY = 0.75  # "mostly managed": at least three quarters of the compounds; "mostly unmanaged": at most a quarter


def sample(points: int, seed: int = 2026, neighbourhood: float | None = None) -> pd.DataFrame:
    """`points` Latin-hypercube points over the plausible ranges (whole numbers rounded), or, with
    `neighbourhood` = r, over default x (1 +/- r) clipped to the plausible range."""
    u = qmc.LatinHypercube(d=len(FACTORS), seed=seed).random(points)
    cols = {}
    for j, name in enumerate(FACTORS):
        par = BY_NAME[name]
        lo, hi = par.plausible
        if neighbourhood is not None:
            lo = max(lo, par.default * (1.0 - neighbourhood))
            hi = min(hi, par.default * (1.0 + neighbourhood))
        x = lo + u[:, j] * (hi - lo)
        cols[name] = np.round(x).astype(int) if par.kind == "int" else x
    return pd.DataFrame(cols)


def managed_at_end(params: dict, seed: int, start_managed: bool, steps: int, n_compounds: int,
                   households: int) -> tuple[float, float, float]:
    """Share of compounds managed at the end; mean satisfaction and collection of households in
    managed compounds over the last year (nan if none was managed)."""
    street = old_street(n_compounds, households, managed_share=1.0 if start_managed else 0.0)
    m = CommunityModel(rng=seed, compounds=street, collect=False, **params)
    sat, pay = [], []
    for t in range(steps):
        m.step()
        if t >= steps - WEEKS_PER_YEAR:
            sat.append(managed_mean(m, m.residents.satisfaction))
            pay.append(managed_mean(m, m.residents.paying.astype(float)))
    share = float(np.mean(m.market.provider != 0))
    m.release()
    sat, pay = np.array(sat), np.array(pay)
    return (share, float(np.nanmean(sat)) if np.isfinite(sat).any() else float("nan"),
            float(np.nanmean(pay)) if np.isfinite(pay).any() else float("nan"))


def evaluate(point: dict, seed: int, steps: int = 520, n_compounds: int = 8, households: int = 150) -> dict:
    """Both starts with the loop intact, and the unmanaged start with the loop cut (re-centred at
    the managed start's own satisfaction and collection)."""
    kw = dict(steps=steps, n_compounds=n_compounds, households=households)
    from_managed, sat, pay = managed_at_end(point, seed, True, **kw)
    from_unmanaged, _, _ = managed_at_end(point, seed, False, **kw)
    sat = None if not np.isfinite(sat) else sat
    pay = None if not np.isfinite(pay) else pay
    cut_unmanaged, _, _ = managed_at_end(dict(point, **cut_params(point, sat)), seed, False, **kw)
    cut_all, _, _ = managed_at_end(dict(point, **cut_neighbours_too(point, sat, pay)), seed, False, **kw)
    return {"seed": seed, "from_managed": from_managed, "from_unmanaged": from_unmanaged,
            "managed_satisfaction": sat if sat is not None else float("nan"),
            "managed_collection": pay if pay is not None else float("nan"),
            "cut_from_unmanaged": cut_unmanaged, "cut_all_from_unmanaged": cut_all,
            "managed_persists": from_managed >= MOSTLY,
            "cut_all_firms_enter": cut_all >= MOSTLY,
            "bistable": from_managed >= MOSTLY and from_unmanaged <= 1.0 - MOSTLY,
            "cut_firms_enter": cut_unmanaged >= MOSTLY}


def study(points: int = 64, seeds: int = 2, neighbourhood: float | None = None, **kw) -> pd.DataFrame:
    rows = []
    design = sample(points, neighbourhood=neighbourhood)
    for i, row in design.iterrows():
        point = {k: (int(v) if BY_NAME[k].kind == "int" else float(v)) for k, v in row.items()}
        for s in range(seeds):
            rows.append({"point": i, **point, **evaluate(point, s, **kw)})
    return pd.DataFrame(rows)


def summarise(df: pd.DataFrame) -> dict:
    """Shares over points; a point counts as bistable (or cut-removed) when every seed says so."""
    by = df.groupby("point")
    bistable = by["bistable"].all()
    cut = by["cut_firms_enter"].all()
    cut_all = by["cut_all_firms_enter"].all()
    persists = by["managed_persists"].all()

    def among(x, mask):
        return float(x[mask].mean()) if mask.any() else float("nan")

    return {"points": int(len(bistable)), "seeds_per_point": int(by.size().iloc[0]),
            "bistable_share": float(bistable.mean()),
            "bistable_share_any_seed": float(by["bistable"].any().mean()),
            "managed_state_persists_share": float(persists.mean()),
            "bistable_share_among_managed_persists": among(bistable, persists),
            "cut_firms_enter_share": float(cut.mean()),
            "cut_firms_enter_share_among_bistable": among(cut, bistable),
            "cut_all_firms_enter_share": float(cut_all.mean()),
            "cut_all_firms_enter_share_among_bistable": among(cut_all, bistable),
            "seed_runs_bistable": float(df["bistable"].mean()),
            "seed_runs_cut_firms_enter": float(df["cut_firms_enter"].mean()),
            "seed_runs_cut_firms_enter_among_bistable": among(df["cut_firms_enter"], df["bistable"])}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=64)
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--steps", type=int, default=520)
    ap.add_argument("--neighbourhood", type=float, default=None,
                    help="sample default x (1 +/- this) instead of the whole plausible range")
    ap.add_argument("--out", default="results/vicious_cycle")
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    df = study(a.points, a.seeds, neighbourhood=a.neighbourhood, steps=a.steps)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    name = "lhs" if a.neighbourhood is None else f"lhs_neighbourhood_{a.neighbourhood:g}"
    df.to_csv(out / f"{name}.csv", index=False)
    summary = dict(summarise(df), steps=a.steps, neighbourhood=a.neighbourhood,
                   seconds=round(time.perf_counter() - t0, 1))
    (out / f"{name}_summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
