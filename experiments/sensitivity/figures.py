"""Figures of a sensitivity study: bars with 95 % intervals, S2 heatmap, Morris mu*-sigma, convergence.

Labels are English or Chinese through model.plots (the shipped font subset covers the Chinese used
here: factor labels come from the parameter table, outcome labels from model.outcomes).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from model.outcomes import OUTCOMES
from model.parameters import BY_NAME
from model.plots import both, plt, use_lang

TOP = 25  # Morris over the whole table: show the most influential factors


def factor_label(name: str, lang: str) -> str:
    p = BY_NAME.get(name)
    return p.zh if lang == "zh" and p is not None and p.zh else name


def output_label(name: str, lang: str) -> str:
    if name in OUTCOMES:
        return OUTCOMES[name][2] if lang == "zh" else OUTCOMES[name][1]
    return name


def _grid(n: int) -> tuple[int, int]:
    cols = min(n, 2)
    return (n + cols - 1) // cols, cols


def _save(fig, path: Path) -> Path:
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def bars(table: pd.DataFrame, method: str, outputs: list[str], lang: str, path: Path) -> Path:
    """S1 and ST (or mu*) per factor with 95 % bootstrap intervals, one panel per output."""
    rows, cols = _grid(len(outputs))
    keys = ("mu_star",) if method == "morris" else ("S1", "ST")
    names = {"S1": both("S1 (first order)", "S1 一次效应", lang), "ST": both("ST (total)", "ST 全效应", lang),
             "mu_star": both("$\\mu^*$ (mean |elementary effect|)", "$\\mu^*$(初等效应平均影响)", lang)}
    nf = table["factor"].nunique()
    shown = min(nf, TOP)
    fig, axes = plt.subplots(rows, cols, figsize=(7 * cols, 0.32 * shown * rows + 2), squeeze=False,
                             constrained_layout=True)
    for ax, o in zip(axes.ravel(), outputs):
        t = table[table["output"] == o]
        order = t[t["index"] == keys[-1]].sort_values("value", ascending=False)["factor"].tolist()[:shown][::-1]
        y = np.arange(len(order))
        h = 0.8 / len(keys)
        for k, key in enumerate(keys):
            s = t[t["index"] == key].set_index("factor").loc[order]
            err = np.vstack([(s["value"] - s["lo"]).clip(lower=0), (s["hi"] - s["value"]).clip(lower=0)])
            ax.barh(y + (k - (len(keys) - 1) / 2) * h, s["value"], height=h, label=names[key],
                    xerr=None if np.isnan(err).all() else err, capsize=2, error_kw={"lw": 0.8})
        ax.set_yticks(y, [factor_label(f, lang) for f in order], fontsize=8)
        ax.set_title(output_label(o, lang))
        ax.axvline(0, color="k", lw=0.5)
        ax.grid(axis="x", alpha=0.3)
        ax.legend(fontsize=8, loc="lower right")
    for ax in axes.ravel()[len(outputs):]:
        ax.axis("off")
    note = both(f"95 % bootstrap intervals; top {shown} of {nf} factors",
                f"95% 置信区间;前 {shown} 个参数(共 {nf} 个)", lang)
    fig.suptitle(note, fontsize=10)
    return _save(fig, path)


def s2_heatmap(s2: pd.DataFrame, outputs: list[str], names: list[str], lang: str, path: Path) -> Path:
    """Sobol' second-order indices, one triangle per output."""
    rows, cols = _grid(len(outputs))
    fig, axes = plt.subplots(rows, cols, figsize=(6.5 * cols, 5.5 * rows), squeeze=False, constrained_layout=True)
    vmax = max(0.05, float(np.nanmax(np.abs(s2["value"].to_numpy()))) if len(s2) else 0.05)
    idx = {n: i for i, n in enumerate(names)}
    im = None
    for ax, o in zip(axes.ravel(), outputs):
        M = np.full((len(names), len(names)), np.nan)
        for r in s2[s2["output"] == o].itertuples():
            M[idx[r.factor_j], idx[r.factor_i]] = r.value
        im = ax.imshow(M, cmap="RdBu_r", vmin=-vmax, vmax=vmax)
        labels = [factor_label(n, lang) for n in names]
        ax.set_xticks(range(len(names)), labels, rotation=60, ha="right", fontsize=7)
        ax.set_yticks(range(len(names)), labels, fontsize=7)
        ax.set_title(output_label(o, lang))
        for (i, j), v in np.ndenumerate(M):
            if not np.isnan(v) and abs(v) >= 0.02:
                ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=6)
    for ax in axes.ravel()[len(outputs):]:
        ax.axis("off")
    if im is not None:
        fig.colorbar(im, ax=axes, shrink=0.6)
    fig.suptitle(both("S2 (second order)", "S2 两参数共同效应", lang))
    return _save(fig, path)


def mu_sigma(table: pd.DataFrame, outputs: list[str], lang: str, path: Path, label_top: int = 8) -> Path:
    """Morris mu* against sigma: far right matters, high up acts non-linearly or with others."""
    rows, cols = _grid(len(outputs))
    fig, axes = plt.subplots(rows, cols, figsize=(6.5 * cols, 5 * rows), squeeze=False, constrained_layout=True)
    for ax, o in zip(axes.ravel(), outputs):
        t = table[table["output"] == o].pivot(index="factor", columns="index", values="value")
        lo = table[(table["output"] == o) & (table["index"] == "mu_star")].set_index("factor")
        ax.errorbar(t["mu_star"], t["sigma"], xerr=np.vstack([(t["mu_star"] - lo["lo"].loc[t.index]).clip(lower=0),
                                                              (lo["hi"].loc[t.index] - t["mu_star"]).clip(lower=0)]),
                    fmt="o", ms=3, lw=0.6, alpha=0.7)
        lim = max(t["mu_star"].max(), t["sigma"].max()) * 1.05 or 1
        ax.plot([0, lim], [0, lim], "k--", lw=0.5)
        for f in t["mu_star"].sort_values(ascending=False).index[:label_top]:
            ax.annotate(factor_label(f, lang), (t.loc[f, "mu_star"], t.loc[f, "sigma"]), fontsize=7,
                        xytext=(3, 3), textcoords="offset points")
        ax.set_xlabel(both("$\\mu^*$ (mean |elementary effect|)", "$\\mu^*$(初等效应平均影响)", lang))
        ax.set_ylabel(both("$\\sigma$ (spread of elementary effects)", "$\\sigma$(初等效应变化)", lang))
        ax.set_title(output_label(o, lang))
        ax.grid(alpha=0.3)
    for ax in axes.ravel()[len(outputs):]:
        ax.axis("off")
    return _save(fig, path)


def convergence(conv: pd.DataFrame, method: str, outputs: list[str], lang: str, path: Path, top: int = 6) -> Path:
    """Indices against N (nested sub-samples) with their intervals: flat lines mean N is enough."""
    key = "mu_star" if method == "morris" else "ST"
    rows, cols = _grid(len(outputs))
    fig, axes = plt.subplots(rows, cols, figsize=(6.5 * cols, 4.2 * rows), squeeze=False, constrained_layout=True)
    for ax, o in zip(axes.ravel(), outputs):
        t = conv[(conv["output"] == o) & (conv["index"] == key)]
        full = t[t["N"] == t["N"].max()].sort_values("value", ascending=False)["factor"].tolist()[:top]
        for f in full:
            s = t[t["factor"] == f].sort_values("N")
            line, = ax.plot(s["N"], s["value"], marker="o", ms=3, label=factor_label(f, lang))
            if not s["lo"].isna().all():
                ax.fill_between(s["N"], s["lo"], s["hi"], color=line.get_color(), alpha=0.15)
            if key == "ST":  # S1 dashed in the same colour
                s1 = conv[(conv["output"] == o) & (conv["index"] == "S1") & (conv["factor"] == f)].sort_values("N")
                ax.plot(s1["N"], s1["value"], ls="--", lw=1, color=line.get_color())
        ax.set_xscale("log", base=2)
        ax.set_xlabel(both("N (base samples)" if method != "morris" else "N (trajectories)",
                           "基础点数 N" if method != "morris" else "N", lang))
        ax.set_ylabel({"ST": both("ST (total)", "ST 全效应", lang),
                       "mu_star": both("$\\mu^*$", "$\\mu^*$(初等效应平均影响)", lang)}[key])
        ax.set_title(output_label(o, lang))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    for ax in axes.ravel()[len(outputs):]:
        ax.axis("off")
    title = both(f"{key} against N, with 95 % intervals", f"{key} 随 N 的变化(95% 置信区间)", lang)
    if key == "ST":
        title += both("; dashed: S1", ";虚线:S1", lang)
    fig.suptitle(title)
    return _save(fig, path)


def make_figures(out: Path, study, lang: str = "en") -> list[Path]:
    """Every figure the study's method has, written under out/figures/ with a language suffix."""
    lang = use_lang(lang)
    fig_dir = Path(out) / "figures"
    fig_dir.mkdir(parents=True, exist_ok=True)
    table = pd.read_csv(Path(out) / "indices.csv")
    made = [bars(table, study.method, study.outputs, lang, fig_dir / f"indices_{lang}.png")]
    if study.method == "morris":
        made.append(mu_sigma(table, study.outputs, lang, fig_dir / f"mu_sigma_{lang}.png"))
    if (Path(out) / "s2.csv").exists():
        made.append(s2_heatmap(pd.read_csv(Path(out) / "s2.csv"), study.outputs, study.names, lang,
                               fig_dir / f"s2_{lang}.png"))
    if (Path(out) / "convergence.csv").exists():
        made.append(convergence(pd.read_csv(Path(out) / "convergence.csv"), study.method, study.outputs, lang,
                                fig_dir / f"convergence_{lang}.png"))
    return made
