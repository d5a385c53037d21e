"""Does the market turn over like the industry's? A checked pattern, not a calibration target.

The yearly share of compounds whose provider changes (a firm enters, leaves or is replaced; red
property takes over, hands over or hands back) in the default street over ten years, with its
spread over seeds, next to the industry figure of the design brief: about 3.3 % of compounds
changed firm in 2024 (CRIC via the trade press; a weak source).

    python -m experiments.market_turnover --seeds 10 --out results/market_turnover
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from model import CommunityModel

CHANGES = ("firm entered", "firm left", "firm replaced", "red property took over", "red property handed over",
           "red property handed back")
INDUSTRY_SHARE_2024 = 0.033  # DESIGN section 6: 3.3 % of compounds changed firm in 2024 (weak source)
YEARS = 10
WEEKS_PER_YEAR = 52


def yearly_turnover(seed: int, years: int = YEARS, **params) -> pd.DataFrame:
    """Per year: share of compounds with at least one change of provider, and the reasons."""
    m = CommunityModel(rng=seed, collect=False, **params)
    for _ in range(years * WEEKS_PER_YEAR):
        m.step()
    ev = pd.DataFrame(m.events, columns=["step", "compound", "value", "event", "reason", "why"])
    ev = ev[ev["event"].isin(CHANGES)].assign(year=lambda d: (d["step"] - 1) // WEEKS_PER_YEAR + 1)
    rows = []
    for year in range(1, years + 1):
        e = ev[ev["year"] == year]
        rows.append({"seed": seed, "year": year, "compounds": m.world.n_compounds,
                     "changed_share": e["compound"].nunique() / m.world.n_compounds,
                     **{f"n_{r}": int((e["reason"] == r).sum()) for r in ("bid_won", "losses", "no_bid", "handover",
                                                                           "red_budget", "red_property")}})
    m.release()
    return pd.DataFrame(rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--out", default="results/market_turnover")
    a = ap.parse_args(argv)
    df = pd.concat([yearly_turnover(s) for s in range(a.seeds)], ignore_index=True)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    df.to_csv(out / "turnover.csv", index=False)
    per_seed = df.groupby("seed")["changed_share"].mean()
    later = df[df["year"] >= 2].groupby("seed")["changed_share"].mean()
    summary = {"seeds": a.seeds, "years": YEARS, "industry_share_2024": INDUSTRY_SHARE_2024,
               "mean_yearly_share": float(per_seed.mean()), "seed_min": float(per_seed.min()),
               "seed_max": float(per_seed.max()), "seed_sd": float(per_seed.std(ddof=1)),
               "mean_yearly_share_years_2_10": float(later.mean()), "years_2_10_seed_min": float(later.min()),
               "years_2_10_seed_max": float(later.max()),
               "median_compound_year_share": float(np.median(df["changed_share"])),
               "changes_by_reason": {c[2:]: int(df[c].sum()) for c in df.columns if c.startswith("n_")}}
    (out / "turnover_summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
