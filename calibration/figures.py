"""Calibration figures, labels in English or Chinese (model.plots helpers): marginal and
pairwise posteriors against their priors, and the predictive check (targets against the
simulated distributions).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from model.parameters import BY_NAME
from model.plots import both, plt, use_lang

from .targets import Config

# short bilingual names of the targets; Chinese kept to the shipped font subset (tests/test_fonts.py)
TARGET_LABELS = {
    "fanrong_registered": ("Fanrong: campaign problems registered", "繁荣街道:敲门行动登记问题"),
    "fanrong_resolution_rate": ("Fanrong: campaign resolution rate", "繁荣街道:敲门行动化解率"),
    "fanrong_unresolved": ("Fanrong: campaign problems unresolved", "繁荣街道:敲门行动未化解"),
    "harbin_uptake": ("Harbin: paying a month after a provider arrives", "新物业入驻一月后缴费率"),
    "firm_exit_collection": ("Collection when a firm leaves", "企业撤出时收缴率"),
    "party_members": ("Party member households", "党员户比例"),
    "response_scoring_rise": ("Resolution gain from response scoring", "响应评价后化解率提升"),
    "provider_turnover": ("Provider turnover (per compound-year)", "物业年更替率"),
    "coverage_contrast": ("Resolution gain, Jianhua-like party coverage", "党组织覆盖提高后化解率提升"),
}


def _plabel(name: str, lang: str) -> str:
    p = BY_NAME[name]
    return both(name, p.zh or name, lang)


def _tlabel(name: str, lang: str) -> str:
    en, zh = TARGET_LABELS.get(name, (name, name))
    return both(en, zh, lang)


def marginals(cfg: Config, df: pd.DataFrame, w: np.ndarray, path: Path, lang: str = "en") -> Path:
    lang = use_lang(lang)
    n = len(cfg.priors)
    cols = min(4, n)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(3.4 * cols, 2.7 * rows), constrained_layout=True, squeeze=False)
    for ax, p in zip(axes.ravel(), cfg.priors):
        x = df[p.name].to_numpy(float)
        ax.hist(x, bins=20, range=(p.low, p.high), weights=w, density=True, color="tab:blue", alpha=0.7,
                label=both("posterior", "调整后", lang))
        ax.axhline(1.0 / (p.high - p.low), color="grey", ls="--", lw=1, label=both("prior", "调整前", lang))
        # the street's size: its assumed value (targets.toml [street]), not the default street's
        ref = (cfg.target_set.street.get("households", BY_NAME[p.name].default) if p.name == "n_households"
               else BY_NAME[p.name].default)
        ax.axvline(ref, color="tab:red", lw=1.2, label=both("default", "初始值", lang))
        ax.set_title(_plabel(p.name, lang), fontsize=9)
        ax.set_xlim(p.low, p.high)
        ax.set_yticks([])
    for ax in axes.ravel()[n:]:
        ax.axis("off")
    axes.ravel()[0].legend(fontsize=7)
    fig.suptitle(both(f"Posterior marginals, calibration '{cfg.name}'", f"调整后参数({cfg.name})", lang))
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def pairwise(cfg: Config, df: pd.DataFrame, w: np.ndarray, path: Path, lang: str = "en") -> Path:
    lang = use_lang(lang)
    names = cfg.names
    n = len(names)
    fig, axes = plt.subplots(n, n, figsize=(1.7 * n + 1, 1.7 * n + 1), constrained_layout=True, squeeze=False)
    size = 4 + 60 * w / max(w.max(), 1e-12)
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            ax = axes[i, j]
            pa, pb = cfg.priors[i], cfg.priors[j]
            if i == j:
                ax.hist(df[a], bins=15, range=(pa.low, pa.high), weights=w, color="tab:blue", alpha=0.7)
                ax.set_xlim(pa.low, pa.high)
            elif i > j:
                ax.scatter(df[b], df[a], s=size, alpha=0.4, color="tab:blue", lw=0)
                ax.set_xlim(pb.low, pb.high)
                ax.set_ylim(pa.low, pa.high)
                r = np.corrcoef(df[a], df[b])[0, 1] if df[a].std() > 0 and df[b].std() > 0 else 0.0
                ax.set_title(f"r = {r:.2f}", fontsize=7)
            else:
                ax.axis("off")
                continue
            ax.tick_params(labelsize=5)
            if i == n - 1:
                ax.set_xlabel(_plabel(b, lang), fontsize=6)
            if j == 0 and i > 0:
                ax.set_ylabel(_plabel(a, lang), fontsize=6)
    fig.suptitle(both("Pairwise posterior (point size: weight)", "调整后参数:两两关系(点大小:权重)", lang))
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def predictive_figure(cfg: Config, ppc: pd.DataFrame, path: Path, lang: str = "en") -> Path:
    """Each target: simulated values at posterior draws (and at the defaults) against the observation."""
    lang = use_lang(lang)
    names = list(cfg.target_set.targets)
    cols = 4
    rows = (len(names) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 2.8 * rows), constrained_layout=True, squeeze=False)
    for ax, name in zip(axes.ravel(), names):
        t = cfg.target_set.targets[name]
        for label, color, text in (("defaults", "grey", both("defaults", "初始参数", lang)),
                                   ("posterior", "tab:blue", both("posterior", "调整后", lang))):
            vals = ppc[(ppc["set"] == label) & (ppc["target"] == name)]["value"].tolist()
            if t.statistic == "firm_exit_collections":
                vals = [x for v in vals for x in (v if isinstance(v, (list, np.ndarray)) else [])]
            x = np.asarray([v for v in vals if v == v and v < 1e5], float)
            if len(x):
                ax.hist(x, bins=15, alpha=0.55, color=color, label=text)
        ax.axvspan(t.interval[0], t.interval[1], color="tab:orange", alpha=0.2, label=both("accepted range", "合理区间", lang))
        ax.axvline(t.value, color="tab:red", lw=1.5, label=both("observed", "报告值", lang))
        ax.set_title(_tlabel(name, lang), fontsize=8)
        ax.set_yticks([])
    for ax in axes.ravel()[len(names):]:
        ax.axis("off")
    axes.ravel()[0].legend(fontsize=7)
    fig.suptitle(both("Posterior predictive check: targets against simulated distributions",
                      "调整后结果与报告值", lang))
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
