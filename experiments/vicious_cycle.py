"""The vicious cycle (P3): two long-run states, hysteresis, and what cutting the loop does.

"No property management -> poor environment -> even harder to attract property management."
Nothing here forces it: companies leave on their own losses and bid where their forward-looking
appraisal (`model/appraisal.py`) expects a contract to pay. The experiment builds a street of
old compounds only, half starting with a firm:

- `two_paths`: identical parameters, so any lasting difference between the halves is the
  history each started from (two stable states);
- `hysteresis`: one street, a property subsidy raised step by step and then lowered again;
  the share of unmanaged compounds at the same subsidy differs on the way up and down;
- `cut_link=True`: the loop's two links cut, environment -> satisfaction -> payment
  (`pay_satisfaction_weight` = 0) and environment -> upkeep cost (`upkeep_environment_cost` = 0),
  with `pay_intercept` re-centred so a managed compound keeps its payment level
  (`cut_params`); the unmanaged state should lose its stability (firms enter).

The Latin-hypercube study over the market's parameters is `experiments/vicious_cycle_lhs.py`.

`govsim cycle --out results/vicious_cycle` draws `vicious_cycle.png` from all three.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from model import CommunityModel

from model.parameters import validate


# Where running an old compound pays for a typical company: old compounds a little cheaper to run
# than the default (0.80 of 0.85 yuan/m²/month, inside the plausible 0.7-1.3) and companies alike
# in cost (no rare very cheap outsider). The figure and the tests show the loop here; the LHS
# study (vicious_cycle_lhs.py) reports where else it holds, the defaults included.
VIABLE = {"cost_old": 0.8, "firm_cost_spread": 0.05}


def cut_params(params: dict | None = None, managed_satisfaction: float | None = None) -> dict:
    """The loop's environment links cut: payment no longer follows satisfaction, upkeep no longer
    costs more in a run-down compound. `pay_intercept` is re-centred at `managed_satisfaction`,
    the mean satisfaction measured in managed compounds of the intact run, so managed compounds
    keep their payment level (without a measurement: the prior's `appraisal_prior_satisfaction`)."""
    p = validate(params or {})
    sat = p["appraisal_prior_satisfaction"] if managed_satisfaction is None else managed_satisfaction
    return {"pay_satisfaction_weight": 0.0, "upkeep_environment_cost": 0.0,
            "pay_intercept": p["pay_intercept"] + p["pay_satisfaction_weight"] * sat}


def cut_neighbours_too(params: dict | None = None, managed_satisfaction: float | None = None,
                       managed_collection: float | None = None) -> dict:
    """A diagnostic beyond the issue's cut: the payment loop among neighbours (Granovetter) cut as
    well, intercept re-centred at the measured collection of managed compounds (else the prior's)."""
    p = validate(params or {})
    cut = cut_params(params, managed_satisfaction)
    q = p["appraisal_prior_collection_old"] if managed_collection is None else managed_collection
    cut.update(pay_neighbour_weight=0.0, pay_intercept=cut["pay_intercept"] + p["pay_neighbour_weight"] * q)
    return cut


def managed_mean(m, per_household) -> float:
    """Mean of a per-household quantity over households of managed compounds (nan if none)."""
    managed = (m.market.provider != 0)[m.world.hh_compound]
    return float(per_household[managed].mean()) if managed.any() else float("nan")


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
              cut_link: bool = False, every: int = 4, managed_satisfaction: float | None = None,
              **params) -> pd.DataFrame:
    """Each compound's environment, collection, satisfaction and provider over time, by its start."""
    extra = dict(params, **(cut_params(params, managed_satisfaction) if cut_link else {}))
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
                                      "satisfaction": m.world.compound_mean(m.residents.satisfaction),
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
    extra = dict(dict(params, fiscal_fund_yuan_per_household_year=5000.0), **(cut_params(params) if cut_link else {}))
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


def make_figure(out: Path, households: int = 4000, seeds: int = 4, lang: str = "en", params: dict | None = None) -> Path:
    """Three panels: the two paths, the same with the loop cut, and the hysteresis loop (at `VIABLE`)."""
    import matplotlib.pyplot as plt

    from model.plots import both, use_lang

    lang = use_lang(lang)
    out.mkdir(parents=True, exist_ok=True)
    per_comp = 250
    n_comp = max(4, households // per_comp)
    params = dict(VIABLE if params is None else params)
    paths = pd.concat([two_paths(s, n_compounds=n_comp, households=per_comp, **params) for s in range(seeds)])
    # the cut is re-centred at the satisfaction of managed compounds in the intact run's last year
    last = paths[(paths["step"] > paths["step"].max() - 52) & paths["managed"]]
    sat = last.groupby("seed")["satisfaction"].mean()
    cut = pd.concat([two_paths(s, n_compounds=n_comp, households=per_comp, cut_link=True,
                               managed_satisfaction=float(sat.get(s, np.nan)) if s in sat.index else None, **params)
                     for s in range(seeds)])
    hyst = pd.concat([hysteresis(s, n_compounds=n_comp, households=per_comp, **params) for s in range(seeds)])
    paths.to_csv(out / "two_paths.csv", index=False)
    cut.to_csv(out / "two_paths_cut_link.csv", index=False)
    hyst.to_csv(out / "hysteresis.csv", index=False)

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6), constrained_layout=True)
    colours = {"managed at start": "tab:blue", "unmanaged at start": "tab:red"}
    names = {"managed at start": both("started with a firm", "初始有物业", lang),
             "unmanaged at start": both("started without", "初始无物业", lang)}
    for ax, df, title in ((axes[0], paths, both("Identical old compounds, different starts",
                                                  "相同的老旧小区,不同的起点", lang)),
                          (axes[1], cut, both("Loop cut: payment and upkeep cost independent of environment",
                                              "切断回路:缴费与成本不随环境变化", lang))):
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
    shown = ", ".join(f"{k} {v:g}" for k, v in params.items()) or "defaults"
    fig.suptitle(both(f"The vicious cycle of old compounds ({seeds} seeds, {n_comp} compounds of {per_comp} households; {shown})",
                      f"老旧小区的恶性循环({seeds} 个随机种子,{n_comp} 个小区,每个 {per_comp} 户;{shown})", lang))
    path = out / "vicious_cycle.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
