"""The vicious cycle (P3): two long-run states, hysteresis, and what cutting one link does.

"No property management -> poor environment -> even harder to attract property management."
Nothing here forces it: exits follow firms' losses, entries their appraisal of today's
residents. The experiment builds a street of old compounds only, half starting with a firm:

- `two_paths`: identical parameters, so any lasting difference between the halves is the
  history each started from (two stable states);
- `hysteresis`: one street, a property subsidy raised step by step and then lowered again;
  the share of unmanaged compounds at the same subsidy differs on the way up and down;
- `cut_link=True` (payment made independent of satisfaction, hence of environment): the
  second state disappears.

`govsim cycle --out results/vicious_cycle` draws `vicious_cycle.png` from all three.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from model import CommunityModel

CUT = {"pay_satisfaction_weight": 0.0}  # payment no longer sees satisfaction (nor environment)


def old_street(n_compounds: int = 16, households: int = 250, managed_share: float = 0.5,
               communities: int = 2) -> pd.DataFrame:
    """A street of identical old compounds; the first `managed_share` start with a firm."""
    k = int(round(n_compounds * managed_share))
    return pd.DataFrame({
        "compound": [f"OLD{i + 1:02d}" for i in range(n_compounds)],
        "community": [f"community_{i % communities + 1}" for i in range(n_compounds)],
        "type": "old",
        "households": households,
        "building_age": 35.0,
        "lift": 0,
        "provider": ["commercial"] * k + ["none"] * (n_compounds - k),
        "party_org": 0,
    })


def two_paths(seed: int, steps: int = 520, n_compounds: int = 16, households: int = 250,
              cut_link: bool = False, every: int = 4, **params) -> pd.DataFrame:
    """Each compound's environment, collection and provider over time, by its starting state."""
    extra = dict(CUT if cut_link else {}, **params)
    street = old_street(n_compounds, households)
    m = CommunityModel(rng=seed, compounds=street, **extra)
    start = np.where(m.market.provider != 0, "managed at start", "unmanaged at start")
    rows = []
    for t in range(steps + 1):
        if t:
            m.step()
        if t % every == 0 or t == steps:
            rows.append(pd.DataFrame({"seed": seed, "step": t, "compound": street["compound"], "start": start,
                                      "environment": m.market.env, "fee_collection": m.market.collection,
                                      "managed": m.market.provider != 0}))
    return pd.concat(rows, ignore_index=True)


def long_run_managed(seed: int, steps: int = 520, cut_link: bool = False, **kw) -> dict[str, float]:
    """Share of compounds managed at the end, for each starting state."""
    df = two_paths(seed, steps=steps, cut_link=cut_link, every=steps, **kw)
    end = df[df["step"] == steps]
    return end.groupby("start")["managed"].mean().to_dict()


def hysteresis(seed: int, levels: tuple[float, ...] = tuple(np.round(np.arange(0.0, 1.01, 0.1), 2)),
               weeks_per_level: int = 104, n_compounds: int = 16, households: int = 250,
               cut_link: bool = False, **params) -> pd.DataFrame:
    """Sweep the old-compound property subsidy up then down; trap share at the end of each level.

    A fund large enough never to run out pays the subsidy, so only the subsidy's size changes.
    """
    extra = dict(CUT if cut_link else {}, fiscal_fund_yuan_per_household_year=5000.0, **params)
    m = CommunityModel(rng=seed, compounds=old_street(n_compounds, households, managed_share=0.0), **extra)
    rows = []
    path = [("up", s) for s in levels] + [("down", s) for s in levels[::-1][1:]]
    for leg, s in path:
        m.p["property_subsidy"] = float(s)
        for _ in range(weeks_per_level):
            m.step()
        rows.append({"seed": seed, "leg": leg, "subsidy": s, "trap_share": m.outcomes["trap_share"],
                     "environment_mean": m.outcomes["environment_mean"],
                     "fee_collection_rate": m.outcomes["fee_collection_rate"]})
    return pd.DataFrame(rows)


def make_figure(out: Path, households: int = 4000, seeds: int = 4, lang: str = "en") -> Path:
    """Three panels: the two paths, the same with the link cut, and the hysteresis loop."""
    import matplotlib.pyplot as plt

    from model.plots import both, use_lang

    lang = use_lang(lang)
    out.mkdir(parents=True, exist_ok=True)
    per_comp = 250
    n_comp = max(4, households // per_comp)
    paths = pd.concat([two_paths(s, n_compounds=n_comp, households=per_comp) for s in range(seeds)])
    cut = pd.concat([two_paths(s, n_compounds=n_comp, households=per_comp, cut_link=True) for s in range(seeds)])
    hyst = pd.concat([hysteresis(s, n_compounds=n_comp, households=per_comp) for s in range(seeds)])
    paths.to_csv(out / "two_paths.csv", index=False)
    cut.to_csv(out / "two_paths_cut_link.csv", index=False)
    hyst.to_csv(out / "hysteresis.csv", index=False)

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6), constrained_layout=True)
    colours = {"managed at start": "tab:blue", "unmanaged at start": "tab:red"}
    names = {"managed at start": both("started with a firm", "初始有物业", lang),
             "unmanaged at start": both("started without", "初始无物业", lang)}
    for ax, df, title in ((axes[0], paths, both("Identical old compounds, different starts",
                                                  "相同的老旧小区,不同的起点", lang)),
                          (axes[1], cut, both("Loop cut: payment independent of satisfaction",
                                              "切断回路:缴费与满意度无关", lang))):
        for (seed, comp), g in df.groupby(["seed", "compound"]):
            ax.plot(g["step"] / 52, g["environment"], color=colours[g["start"].iloc[0]], alpha=0.25, lw=0.8)
        for start, g in df.groupby("start"):
            mean = g.groupby("step")["environment"].mean()
            ax.plot(mean.index / 52, mean.values, color=colours[start], lw=2.5, label=names[start])
        ax.set_ylim(0, 1)
        ax.set_xlabel(both("years", "年", lang))
        ax.set_ylabel(both("environment quality of each compound", "各小区环境质量", lang))
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    ax = axes[2]
    agg = hyst.groupby(["leg", "subsidy"], sort=False)["trap_share"].agg(["mean", "min", "max"]).reset_index()
    for leg, colour, marker, text in (("up", "tab:red", "o", both("subsidy raised", "补贴逐步提高", lang)),
                                      ("down", "tab:blue", "s", both("subsidy lowered", "补贴逐步降低", lang))):
        g = agg[agg["leg"] == leg].sort_values("subsidy")
        ax.plot(g["subsidy"], g["mean"], marker=marker, color=colour, label=text)
        ax.fill_between(g["subsidy"], g["min"], g["max"], color=colour, alpha=0.15)
    ax.set_xlabel(both("property subsidy for old compounds (yuan/m²/month)", "老旧小区物业补贴(元/平方米/月)", lang))
    ax.set_ylabel(both("share of compounds without management", "无物业小区比例", lang))
    ax.set_title(both("Subsidy raised step by step, then lowered (2 years a step)",
                      "补贴逐级提高再逐级降低(每级两年)", lang), fontsize=10)
    ax.set_ylim(-0.02, 1.02)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.suptitle(both(f"The vicious cycle of old compounds ({seeds} seeds, {n_comp} compounds of {per_comp} households)",
                      f"老旧小区的恶性循环({seeds} 个随机种子,{n_comp} 个小区,每个 {per_comp} 户)", lang))
    path = out / "vicious_cycle.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
