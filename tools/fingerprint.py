"""Exact fingerprints of the model's behaviour: has an engine change moved any number at all?

    .venv/bin/python tools/fingerprint.py              # print each case's hash and compare with the saved ones
    .venv/bin/python tools/fingerprint.py --save       # save them (after an intended change of behaviour)
    .venv/bin/python tools/fingerprint.py --diff NAME  # the first week and column where NAME differs

For every shipped scenario (and a classroom-free custom mix) one seeded run is hashed bit for
bit: every weekly outcome, the compound table, the event list and the households' end state.
Speed work must leave every hash unchanged (issue 17); the regression test compares only
headline figures at 1e-9. Saved hashes live in `tools/fingerprints.json`; `--diff` keeps the
saved run's tables in a temporary folder to say where a change begins.

The hashes are kept per kind of arithmetic (`machine_key`): numpy picks its `exp` and `power`
kernels by the CPU's vector instructions at run time, and those differ in the last bit between,
say, an AVX-512 and an AVX2 machine (seen: every case's hash differs, while the regression test's
headline figures agree to 1e-9). One seed gives one result on one kind of machine, in any process;
a bit-for-bit check compares like with like, and `--save` starts a machine kind's hashes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from model import CommunityModel  # noqa: E402
from model.scenarios import available  # noqa: E402

SAVED = ROOT / "tools" / "fingerprints.json"
STEPS, HOUSEHOLDS, SEED = 260, 1500, 11
STATE = ("satisfaction", "trust", "belonging", "paying", "participating", "points", "points_belief",
         "pay_prob", "recent_resolved", "recent_lost")


def cases() -> dict[str, dict]:
    out = {name: {"scenario": name} for name in available()}
    out["all_policies_custom"] = {"scenario": "combined", "door_knock_coverage": 0.9, "points_per_act": 2.0,
                                  "early_warning_level": 1.0, "response_scoring_weight": 1.0,
                                  "rider_recruit_share": 0.5}
    # a street of small compounds that residents will not pay for: tenders nearly every week, most without
    # a bid (the part of the Sobol' study's space where tendering is most of a run's cost)
    out["tender_heavy_custom"] = {"scenario": "combined", "pay_intercept": -4.0, "households_per_compound": 100.0,
                                  "firm_pool_size": 20}
    return out


def tables(spec: dict, seed: int = SEED, steps: int = STEPS, households: int = HOUSEHOLDS) -> dict[str, pd.DataFrame]:
    spec = dict(spec)
    m = CommunityModel(rng=seed, scenario=spec.pop("scenario"), n_households=households, **spec)
    for _ in range(steps):
        m.step()
    r = m.residents
    state = pd.DataFrame({k: np.asarray(getattr(r, k), float) for k in STATE})
    pr = m.problems
    state["problems_open"] = pr.per_household()
    return {"weekly": m.datacollector.get_model_vars_dataframe().reset_index(drop=True),
            "compounds": m.compound_table(), "events": pd.DataFrame(m.events), "households": state,
            "market": pd.DataFrame({"env": m.market.env, "service": m.market.service, "fee": m.market.fee,
                                    "collection": m.market.collection, "provider": m.market.provider})}


def machine_key() -> str:
    """The kind of arithmetic the hashes hold for: the machine and numpy's best vector target here."""
    import platform

    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

    best = [t for t in __cpu_dispatch__ if __cpu_features__.get(t)]
    return f"{platform.machine()} numpy-{'.'.join(np.__version__.split('.')[:2])} {best[-1] if best else 'baseline'}"


def digest(t: dict[str, pd.DataFrame]) -> str:
    h = hashlib.sha256()
    for name in sorted(t):
        h.update(name.encode())
        h.update(pd.util.hash_pandas_object(t[name], index=True).values.tobytes())
        h.update(",".join(map(str, t[name].columns)).encode())
    return h.hexdigest()[:16]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--save", action="store_true")
    ap.add_argument("--diff", metavar="NAME")
    ap.add_argument("--only", nargs="*")
    a = ap.parse_args()
    every = json.loads(SAVED.read_text()) if SAVED.exists() else {}
    key = machine_key()
    saved = every.get(key, {})
    if not saved and not a.save and not a.diff:
        print(f"no fingerprints saved for this kind of machine ({key}); saved for: {', '.join(every) or 'none'}.\n"
              "Run with --save on the version you trust, then compare after the change.")
        return 2
    if a.diff:
        keep = Path(tempfile.gettempdir()) / f"govsim_fingerprint_{a.diff}.pkl"
        now = tables(cases()[a.diff])
        if not keep.exists():
            pd.to_pickle(now, keep)
            print(f"kept {keep}; check out the reference version, run again with --diff to compare")
            return 0
        ref = pd.read_pickle(keep)
        for name in ref:
            x, y = ref[name], now[name]
            if x.shape != y.shape:
                print(f"{name}: shape {x.shape} -> {y.shape}")
                continue
            diff = ~((x == y) | (x.isna() & y.isna()))
            if diff.values.any():
                row, col = np.argwhere(diff.values)[0]
                print(f"{name}: first difference at row {row}, column {x.columns[col]}: "
                      f"{x.iat[row, col]!r} -> {y.iat[row, col]!r}")
        return 0
    names = a.only or list(cases())
    now, bad = {}, []
    for name in names:
        now[name] = digest(tables(cases()[name]))
        same = saved.get(name) == now[name]
        bad += [] if same or a.save else [name]
        print(f"{name:32s} {now[name]}  {'same' if same else ('saved' if a.save else 'CHANGED')}")
    if a.save:
        every[key] = {**saved, **now}
        SAVED.write_text(json.dumps(every, indent=1) + "\n")
    print("all identical" if not bad else f"{len(bad)} changed: {' '.join(bad)}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
