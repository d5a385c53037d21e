"""Indices with seeded bootstrap 95 % intervals: Sobol' S1, ST, S2; Morris mu*, sigma; FAST S1, ST.

The point estimates use SALib's estimators (Saltelli 2010 / Jansen; Morris elementary effects);
the intervals are percentile intervals of our own bootstrap driven by `np.random.default_rng(seed)`,
because SALib's falls back on global random state (seed 0 or None, and FAST always).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .sampling import rows_per_base
from .study import StudyError


def _pct(boot: np.ndarray, conf: float) -> tuple[np.ndarray, np.ndarray]:
    a = (1 - conf) / 2
    return np.nanquantile(boot, a, axis=0), np.nanquantile(boot, 1 - a, axis=0)


def check_layout(meta: dict, n_rows: int, calc_second_order: bool | None = None) -> None:
    """Refuse outputs that do not fit the sample, and a second-order setting other than the sample's."""
    if meta["method"] == "sobol" and calc_second_order is not None and calc_second_order != meta["calc_second_order"]:
        raise StudyError("calc_second_order", calc_second_order,
                         f"{str(meta['calc_second_order']).lower()}: the setting this sample was drawn with "
                         "(a sample drawn with one setting cannot be analysed with the other)")
    if n_rows != meta["rows"]:
        raise StudyError("outputs", f"{n_rows} values", f"one value per sample point ({meta['rows']})")


def sobol_indices(Y: np.ndarray, meta: dict, calc_second_order: bool | None = None, n: int | None = None,
                  resamples: int = 1000, seed: int = 0, conf: float = 0.95) -> dict:
    """S1, ST (and S2) from a Saltelli sample's outputs; `n` uses only the first n base samples."""
    from SALib.analyze.sobol import first_order, second_order, separate_output_values, total_order

    Y = np.asarray(Y, float)
    check_layout(meta, len(Y), calc_second_order)
    calc2, D = meta["calc_second_order"], meta["D"]
    step = rows_per_base("sobol", D, calc2)
    N = meta["N"] if n is None else n
    Y = Y[: N * step]
    sd = Y.std()
    Y = (Y - Y.mean()) / (sd if sd > 0 else 1.0)  # SALib centres and scales too
    A, B, AB, BA = separate_output_values(Y, D, N, calc2)
    r = np.random.default_rng(seed).integers(0, N, size=(N, resamples))
    out = {"S1": np.zeros(D), "ST": np.zeros(D), "S1_lo": np.zeros(D), "S1_hi": np.zeros(D),
           "ST_lo": np.zeros(D), "ST_hi": np.zeros(D)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # constant outputs give zeros, with a SALib warning each
        for j in range(D):
            out["S1"][j] = first_order(A, AB[:, j], B)
            out["ST"][j] = total_order(A, AB[:, j], B)
            out["S1_lo"][j], out["S1_hi"][j] = _pct(first_order(A[r], AB[r, j], B[r]), conf)
            out["ST_lo"][j], out["ST_hi"][j] = _pct(total_order(A[r], AB[r, j], B[r]), conf)
        if calc2:
            for key in ("S2", "S2_lo", "S2_hi"):
                out[key] = np.full((D, D), np.nan)
            for j in range(D):
                for k in range(j + 1, D):
                    out["S2"][j, k] = second_order(A, AB[:, j], AB[:, k], BA[:, j], B)
                    boot = second_order(A[r], AB[r, j], AB[r, k], BA[r, j], B[r])
                    out["S2_lo"][j, k], out["S2_hi"][j, k] = _pct(boot, conf)
    return out


def morris_indices(X: np.ndarray, Y: np.ndarray, meta: dict, n: int | None = None, resamples: int = 1000,
                   seed: int = 0, conf: float = 0.95) -> dict:
    """mu, mu*, sigma of the elementary effects; intervals by resampling trajectories.

    The per-trajectory effects come from SALib's private helpers (the public `analyze` keeps only
    their summaries); pyproject.toml pins SALib to the minor version they were tested with.
    """
    from SALib.analyze.morris import _compute_elementary_effects
    from SALib.util import _compute_delta

    Y = np.asarray(Y, float)
    check_layout(meta, len(Y))
    D = meta["D"]
    T = meta["N"] if n is None else n
    size = D + 1
    ee = _compute_elementary_effects(np.asarray(X, float)[: T * size], Y[: T * size], size,
                                     _compute_delta(meta["num_levels"]))  # (D, T)
    ee = np.asarray(ee, float).reshape(D, T)
    r = np.random.default_rng(seed).integers(0, T, size=(resamples, T))
    boot = ee[:, r]  # (D, resamples, T)
    out = {"mu": ee.mean(axis=1), "mu_star": np.abs(ee).mean(axis=1), "sigma": ee.std(axis=1, ddof=1)}
    out["mu_star_lo"], out["mu_star_hi"] = _pct(np.abs(boot).mean(axis=2).T, conf)
    out["sigma_lo"], out["sigma_hi"] = _pct(boot.std(axis=2, ddof=1).T, conf)
    return out


def fast_indices(Y: np.ndarray, meta: dict, **_) -> dict:
    """FAST S1 and ST (no intervals: SALib's FAST bootstrap is unreliable and uses global state)."""
    from SALib.analyze.fast import compute_orders

    Y = np.asarray(Y, float)
    check_layout(meta, len(Y))
    D, M = meta["D"], meta["M"]
    N = len(Y) // D
    omega = int(np.floor((N - 1) / (2 * M)))
    s1, st = np.zeros(D), np.zeros(D)
    for i in range(D):
        s1[i], st[i] = compute_orders(Y[i * N:(i + 1) * N], N, M, omega)
    nan = np.full(D, np.nan)
    return {"S1": s1, "ST": st, "S1_lo": nan, "S1_hi": nan, "ST_lo": nan, "ST_hi": nan}


INDEX_KEYS = {"sobol": ("S1", "ST"), "morris": ("mu_star", "sigma", "mu"), "fast": ("S1", "ST")}


def indices(X, Y, meta, n=None, resamples=1000, seed=0, calc_second_order=None) -> dict:
    if meta["method"] == "sobol":
        return sobol_indices(Y, meta, calc_second_order, n, resamples, seed)
    if meta["method"] == "morris":
        return morris_indices(X, Y, meta, n, resamples, seed)
    return fast_indices(Y, meta)


def to_frames(res: dict, meta: dict, output: str, N: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Long tables: one row per (output, factor, index) with lo/hi, and one per S2 pair."""
    names = meta["names"]
    rows = []
    for key in INDEX_KEYS[meta["method"]]:
        for i, f in enumerate(names):
            rows.append({"output": output, "factor": f, "index": key, "value": float(res[key][i]),
                         "lo": float(res[f"{key}_lo"][i]) if f"{key}_lo" in res else np.nan,
                         "hi": float(res[f"{key}_hi"][i]) if f"{key}_hi" in res else np.nan,
                         "N": N if N is not None else meta["N"]})
    s2 = []
    if "S2" in res:
        for i in range(len(names)):
            for j in range(i + 1, len(names)):
                s2.append({"output": output, "factor_i": names[i], "factor_j": names[j], "value": res["S2"][i, j],
                           "lo": res["S2_lo"][i, j], "hi": res["S2_hi"][i, j]})
    return pd.DataFrame(rows), pd.DataFrame(s2, columns=["output", "factor_i", "factor_j", "value", "lo", "hi"])


def seed_variance(rows: pd.DataFrame, outputs: list[str], replications: int) -> pd.DataFrame:
    """Share of the variance of a single run due to the seed: E_x[Var(Y|x)] / Var(Y).

    Measured on points run at several seeds (the main replications, or the noise check); the
    averaged output the indices use keeps E_x[Var(Y|x)] / replications of seed noise.
    """
    multi = rows[rows["kind"] == ("main" if replications >= 2 else "noise")]
    out = []
    for o in outputs:
        if multi.empty:
            out.append({"output": o, "seed_share_single_run": np.nan, "seed_share_of_mean": np.nan,
                        "points": 0, "seeds": 0})
            continue
        g = multi.groupby("point")[o]
        within = g.var(ddof=1).mean()
        total = multi[o].var(ddof=1)
        main = rows[rows["kind"] == "main"].groupby("point")[o].mean()
        share = within / total if total > 0 else 0.0
        vm = main.var(ddof=1)
        out.append({"output": o, "seed_share_single_run": share,
                    "seed_share_of_mean": (within / replications) / vm if vm > 0 else 0.0,
                    "points": int(g.ngroups), "seeds": int(g.size().max())})
    return pd.DataFrame(out)
