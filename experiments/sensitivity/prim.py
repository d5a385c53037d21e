"""Scenario discovery: PRIM (ema_workbench) finds the parameter box where a chosen failure happens.

The failure is an output above (or below) a threshold, e.g. trap share > 0.2 under the combined
policy; the points are the study's own sample with seed-averaged outputs. The box reported is the
one on the peeling trajectory with the highest coverage among those reaching the density asked for
(else the densest), with coverage (share of all failures inside) and density (share failing inside).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from .study import Study


def find(x: pd.DataFrame, y: np.ndarray, density: float = 0.8, peel_alpha: float = 0.05):
    """Run PRIM; returns (peeling trajectory, chosen index, box limits table)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

        p = prim.Prim(x, y.astype(bool), threshold=density, peel_alpha=peel_alpha)
        box = p.find_box()
    traj = box.peeling_trajectory.copy()
    ok = traj[traj["density"] >= density]
    i = int(ok["coverage"].idxmax()) if len(ok) else int(traj["density"].idxmax())
    lims = box.box_lims[i]
    full = box.box_lims[0]
    rows = []
    for c in x.columns:
        lo, hi, flo, fhi = float(lims[c].iloc[0]), float(lims[c].iloc[1]), float(full[c].iloc[0]), float(full[c].iloc[1])
        rows.append({"factor": c, "lo": lo, "hi": hi, "range_lo": flo, "range_hi": fhi,
                     "restricted": bool(lo > flo or hi < fhi)})
    return traj, i, pd.DataFrame(rows)


def discover(out: Path, study: Study, X: np.ndarray, Y: pd.DataFrame, langs=("en",)) -> dict:
    """PRIM on the study's points; writes prim_trajectory.csv, prim_box.csv, prim.json and figures."""
    cfg = study.prim
    o, thr, above = cfg["output"], float(cfg["threshold"]), cfg.get("above", True)
    x = pd.DataFrame(X, columns=study.names)
    yv = Y[o].to_numpy()
    y = yv > thr if above else yv < thr
    info = {"output": o, "threshold": thr, "above": above, "points": int(len(y)), "failures": int(y.sum()),
            "base_rate": float(y.mean())}
    if y.sum() < 5 or y.all():
        info["note"] = "too few (or only) failures for PRIM"
        (out / "prim.json").write_text(json.dumps(info, indent=2))
        return info
    traj, i, box = find(x, y, float(cfg.get("density", 0.8)), float(cfg.get("peel_alpha", 0.05)))
    traj.to_csv(out / "prim_trajectory.csv", index=False, float_format="%.6g")
    box.to_csv(out / "prim_box.csv", index=False, float_format="%.6g")
    info.update({"box": i, "coverage": float(traj.loc[i, "coverage"]), "density": float(traj.loc[i, "density"]),
                 "mass": float(traj.loc[i, "mass"]), "restricted": box[box["restricted"]]["factor"].tolist()})
    (out / "prim.json").write_text(json.dumps(info, indent=2))
    for lang in langs:
        figure(traj, i, box, info, lang, out / "figures" / f"prim_{lang}.png")
    return info


def figure(traj: pd.DataFrame, i: int, box: pd.DataFrame, info: dict, lang: str, path: Path) -> Path:
    """Left: coverage against density along the peeling trajectory; right: the chosen box's limits."""
    from model.plots import both, plt, use_lang

    from .figures import factor_label, output_label

    lang = use_lang(lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, (a, b) = plt.subplots(1, 2, figsize=(13, 5), constrained_layout=True)
    sc = a.scatter(traj["coverage"], traj["density"], c=traj["res_dim"], cmap="viridis", s=18)
    a.scatter([traj.loc[i, "coverage"]], [traj.loc[i, "density"]], s=120, facecolors="none", edgecolors="r")
    fig.colorbar(sc, ax=a, label=both("dimensions restricted", "维数", lang))
    a.set_xlabel(both("coverage", "覆盖率", lang))
    a.set_ylabel(both("density", "区内占比", lang))
    a.grid(alpha=0.3)
    a.set_title(both(f"coverage {info['coverage']:.2f}, density {info['density']:.2f} (base rate {info['base_rate']:.2f})",
                     f"覆盖率 {info['coverage']:.2f},区内占比 {info['density']:.2f}(全部 {info['base_rate']:.2f})", lang),
                fontsize=10)
    r = box[box["restricted"]].reset_index(drop=True)
    span = (r["range_hi"] - r["range_lo"]).replace(0, 1)
    lo, hi = (r["lo"] - r["range_lo"]) / span, (r["hi"] - r["range_lo"]) / span
    b.barh(np.arange(len(r)), hi - lo, left=lo, color="tab:red", alpha=0.6)
    b.barh(np.arange(len(r)), np.ones(len(r)), color="none", edgecolor="grey")
    for k, row in r.iterrows():
        b.text(1.01, k, f"[{row['lo']:.3g}, {row['hi']:.3g}]", va="center", fontsize=8)
    b.set_yticks(np.arange(len(r)), [factor_label(f, lang) for f in r["factor"]], fontsize=8)
    b.set_xlim(0, 1.25)
    b.set_xlabel(both("box limits (share of the sampled range)", "PRIM 区的参数区间(占全部的比例)", lang))
    sign = ">" if info["above"] else "<"
    fig.suptitle(both(f"Scenario discovery (PRIM): {output_label(info['output'], lang)} {sign} {info['threshold']:g}",
                      f"情景发现(PRIM):{output_label(info['output'], lang)} {sign} {info['threshold']:g}", lang))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
