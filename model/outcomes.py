"""The one place that names the outcomes, defines them and computes them each step.

Counts and spending are cumulative from the start of the run; states (environment,
satisfaction, collection, trap share) are the current week's.
"""

from __future__ import annotations

import numpy as np

from .jit import kernel, np_sum
from .problems import CHANNELS, HANDLING, LATENT, LEVELS, REGISTERED
from .units import WEEKS_PER_YEAR
from .world import COMMERCIAL, FIRM, NONE, OLD, RED, TYPE_NAMES

# name -> (definition, English label, Chinese label)
OUTCOMES: dict[str, tuple[str, str, str]] = {
    "environment_mean": ("mean environment quality over compounds (0-1)", "Environment quality", "环境质量"),
    "environment_gini": ("Gini coefficient of environment quality across compounds", "Environment inequality (Gini)", "环境不平等(基尼)"),
    "trap_share": ("share of compounds without property management", "Compounds without property management", "无物业小区比例"),
    "fee_collection_rate": ("share of households in managed compounds paying the property fee", "Fee collection rate", "物业费收缴率"),
    "problems_registered": ("problems registered (discovered and recorded), cumulative", "Problems registered", "登记问题数"),
    "problems_resolved": ("registered problems resolved, cumulative", "Problems resolved", "化解问题数"),
    "problems_unresolved": ("registered and not resolved (still open or lost), cumulative", "Problems unresolved", "未化解问题数"),
    "problems_lost": ("registered problems dropped unresolved, cumulative", "Problems lost", "遗失问题数"),
    "resolution_rate": ("problems_resolved / problems_registered (0 when none registered)", "Resolution rate", "化解率"),
    "mean_days_to_resolution": ("mean days from registration to resolution of resolved problems", "Days to resolution", "平均化解天数"),
    "satisfaction_mean": ("mean household satisfaction (0-1)", "Satisfaction", "满意度"),
    "trust_mean": ("mean household trust in the community organisation (0-1)", "Trust", "信任度"),
    "participation_rate": ("share of households that took part in a community act this week", "Participation", "参与率"),
    "department_response_rate": ("whistles answered by departments / whistles blown, cumulative", "Department response rate", "部门响应率"),
    "public_spending": ("fiscal yuan spent, cumulative (fund payments from fiscal money plus direct policy costs)", "Public spending (yuan)", "财政支出(元)"),
    "points_redeemed": ("participation points redeemed, cumulative", "Points redeemed", "兑换积分"),
    # more
    "points_redeemed_yuan": ("yuan paid for redeemed points, cumulative", "Points redeemed (yuan)", "积分兑换金额(元)"),
    "problems_latent": ("problems arisen and not yet discovered, now", "Latent problems", "潜在问题"),
    "problems_open": ("registered problems not yet resolved nor lost, now", "Open problems", "待处理问题"),
    "whistles": ("problems escalated to a department (吹哨), cumulative", "Whistles", "吹哨次数"),
    "fund_balance": ("yuan left in the governance fund", "Fund balance (yuan)", "专项资金余额(元)"),
    "firm_entries": ("contracts a company won from another provider or from none (tender won), cumulative", "Firm entries", "物业入驻"),
    "firm_exits": ("contracts a company left on its losses or that ended without an acceptable bid, cumulative", "Firm exits", "物业撤出"),
    "provider_changes": ("changes of a compound's provider (entries, exits, replacements, red property's take-overs and hand-backs), cumulative", "Provider changes", "物业更替次数"),
    "turnover_rate": ("provider_changes per compound per year so far", "Provider turnover (per compound-year)", "物业年更替率"),
    "fee_mean": ("mean contract fee over firm-managed compounds (yuan/m²/month)", "Mean property fee (yuan/m²/month)", "平均物业费(元/平方米/月)"),
    "tenders": ("tenders held, cumulative", "Tenders", "招标次数"),
    "tenders_without_bid": ("tenders that found no acceptable bid, cumulative", "Tenders without a bid", "流标次数"),
    "red_property_handbacks": ("compounds red property handed back because it could not go on, cumulative", "Red property hand-backs", "红色物业退出"),
    "red_property_compounds": ("compounds served by red property, now", "Red property compounds", "红色物业小区"),
    "campaign_registered": ("problems registered by the door-knocking campaign, cumulative", "Campaign: registered", "敲门行动登记"),
    "campaign_resolved": ("campaign problems resolved, cumulative", "Campaign: resolved", "敲门行动化解"),
    "campaign_unresolved": ("campaign problems not resolved (open or lost)", "Campaign: unresolved", "敲门行动未化解"),
    "environment_mean_old": ("environment_mean over old compounds", "Environment (old compounds)", "环境(老旧小区)"),
    "trap_share_old": ("trap_share among old compounds", "No management (old compounds)", "无物业(老旧小区)"),
    "fee_collection_rate_old": ("fee_collection_rate in old compounds", "Collection (old compounds)", "收缴率(老旧小区)"),
    "satisfaction_elderly": ("satisfaction_mean of elderly households", "Satisfaction (elderly)", "满意度(老年户)"),
    "satisfaction_low_income": ("satisfaction_mean of low-income households", "Satisfaction (low income)", "满意度(低收入)"),
    # ---- issue 16: where grid workers' hours went, departments' records, points and belonging
    "grid_hours_paperwork": ("grid workers' hours spent on paperwork (street forms, whistle records), cumulative", "Grid hours: paperwork", "网格工时:行政事务"),
    "grid_hours_meetings": ("grid workers' hours spent on compound deliberation meetings, cumulative", "Grid hours: deliberation meetings", "网格工时:议事协商"),
    "grid_hours_visits": ("grid workers' hours spent on door-knocking campaign visits, cumulative", "Grid hours: campaign visits", "网格工时:入户走访"),
    "grid_hours_warnings": ("grid workers' hours spent on early-warning checks of hot spots, cumulative", "Grid hours: warning checks", "网格工时:预警核查"),
    "grid_hours_cases": ("grid workers' hours spent on casework, cumulative", "Grid hours: cases", "网格工时:办理案件"),
    "grid_hours_patrols": ("grid workers' hours spent on routine patrols, cumulative", "Grid hours: patrols", "网格工时:日常巡查"),
    "reported_resolution_rate": ("(problems_resolved + whistles closed on paper) / problems_registered: what the records say", "Reported resolution rate", "上报化解率"),
    "whistles_closed_on_paper": ("whistles departments reported closed while the problem stayed open, cumulative", "Whistles closed on paper", "虚假办结"),
    "department_other_backlog": ("departments' own duties waiting, besides whistles (tasks), now", "Departments' other backlog", "部门其他积压"),
    "belonging_mean": ("mean household belonging to the community (0-1)", "Belonging", "归属感"),
    "points_belief_mean": ("mean household belief that points are paid at face value (0-1)", "Belief in points", "积分信任"),
}
HEADLINE = ("environment_mean", "environment_gini", "trap_share", "fee_collection_rate", "problems_registered",
            "problems_resolved", "problems_unresolved", "problems_lost", "resolution_rate",
            "mean_days_to_resolution", "satisfaction_mean", "trust_mean", "participation_rate",
            "department_response_rate", "public_spending", "points_redeemed")
RATES = ("environment_mean", "environment_gini", "trap_share", "fee_collection_rate", "resolution_rate",
         "satisfaction_mean", "trust_mean", "participation_rate", "department_response_rate",
         "environment_mean_old", "trap_share_old", "fee_collection_rate_old", "satisfaction_elderly",
         "satisfaction_low_income", "reported_resolution_rate", "belonging_mean", "points_belief_mean")


def gini(x: np.ndarray) -> float:
    """The Gini coefficient of non-negative values, in [0, 1]. With every value equal the weighted sum
    is zero only up to rounding (-1e-17 was seen with four equal compounds), so it is kept at 0 or above."""
    x = np.sort(np.asarray(x, float))
    n = len(x)
    if n == 0 or x.sum() <= 0:
        return 0.0
    return max(0.0, float((2.0 * np.arange(1, n + 1) - n - 1) @ x / (n * x.sum())))


def _safe(a: float, b: float) -> float:
    return float(a) / float(b) if b > 0 else 0.0


def compute(m) -> dict[str, float]:
    """All outcomes for the model's current state."""
    w, r, pr, mk, c = m.world, m.residents, m.problems, m.market, m.problems.c
    managed_c = mk.provider != NONE
    old_c = w.c_type == OLD
    unresolved = c.registered - c.resolved
    counts = pr.counts()
    t = _household_tallies(r.satisfaction, r.trust, r.belonging, r.points_belief, r.paying, r.participating,
                           managed_c, old_c, w.hh_compound, w.elderly, w.low_income)
    (sat_sum, trust_sum, belonging_sum, belief_sum, n_paying, n_participating, n_managed_hh, n_paying_old,
     n_managed_old, sat_elderly, n_elderly, sat_low, n_low) = t
    (env_sum, n_managed_c, env_old_sum, n_old_c, n_managed_old_c, fee_firm_sum, n_firm,
     n_red) = _compound_tallies(mk.env, mk.provider, mk.fee, old_c)
    n_c = w.n_compounds
    out = {
        "environment_mean": env_sum / n_c,
        "environment_gini": gini(mk.env),
        "trap_share": 1.0 - n_managed_c / n_c,
        "fee_collection_rate": _safe(n_paying, n_managed_hh),
        "problems_registered": c.registered,
        "problems_resolved": c.resolved,
        "problems_unresolved": unresolved,
        "problems_lost": c.lost,
        "resolution_rate": _safe(c.resolved, c.registered),
        "mean_days_to_resolution": _safe(c.days_to_resolution_sum, c.resolved),
        "satisfaction_mean": sat_sum / w.n,
        "trust_mean": trust_sum / w.n,
        "participation_rate": float(n_participating / w.n),
        "department_response_rate": _safe(c.whistles_answered, c.whistles),
        "public_spending": m.ledger.public_spending,
        "points_redeemed": float(m.points_redeemed),
        "points_redeemed_yuan": float(m.points_redeemed_yuan),
        "problems_latent": int(counts[LATENT]),
        "problems_open": int(counts[REGISTERED] + counts[HANDLING]),
        "whistles": c.whistles,
        "fund_balance": m.ledger.fund_balance,
        "firm_entries": m.firm_entries,
        "firm_exits": m.firm_exits,
        "provider_changes": m.provider_changes,
        "turnover_rate": _safe(m.provider_changes, w.n_compounds * m.steps / WEEKS_PER_YEAR),
        "fee_mean": fee_firm_sum / n_firm if n_firm else 0.0,
        "tenders": m.tender_office.tenders,
        "tenders_without_bid": m.tender_office.without_bid,
        "red_property_handbacks": m.red_handbacks,
        "red_property_compounds": int(n_red),
        "campaign_registered": c.campaign_registered,
        "campaign_resolved": c.campaign_resolved,
        "campaign_unresolved": c.campaign_registered - c.campaign_resolved,
        "environment_mean_old": env_old_sum / n_old_c if n_old_c else 0.0,
        "trap_share_old": 1.0 - n_managed_old_c / n_old_c if n_old_c else 0.0,
        "fee_collection_rate_old": _safe(n_paying_old, n_managed_old),
        "satisfaction_elderly": sat_elderly / n_elderly if n_elderly else 0.0,
        "satisfaction_low_income": sat_low / n_low if n_low else 0.0,
        **{f"grid_hours_{use}": hours for use, hours in m.grid_hours.total.items()},
        "reported_resolution_rate": _safe(c.resolved + c.gamed, c.registered),
        "whistles_closed_on_paper": c.gamed,
        "department_other_backlog": float(sum(d.other_backlog for d in m.departments)),
        "belonging_mean": belonging_sum / w.n,
        "points_belief_mean": belief_sum / w.n,
    }
    return out


@kernel
def _household_tallies(satisfaction, trust, belonging, belief, paying, participating, managed_c, old_c, hh_compound,
                       elderly, low_income):
    """The household sums and counts the outcomes divide, in one pass (sums in numpy's order,
    `np_sum`, so each mean is the float `array.mean()` gives). Without branches: whether a
    household pays, takes part, is elderly is a coin toss to the processor, and a mispredicted
    branch per household cost more than the sums (the elderly's and low-income's satisfaction
    are written to the next free place every time, which moves on only for them)."""
    n = len(satisfaction)
    sat_elderly = np.empty(n + 1)
    sat_low = np.empty(n + 1)
    n_paying = n_participating = n_managed = n_paying_old = n_managed_old = n_elderly = n_low = 0
    for i in range(n):
        c = hh_compound[i]
        pays, old, managed = np.int64(paying[i]), np.int64(old_c[c]), np.int64(managed_c[c])
        n_paying += pays
        n_paying_old += pays & old
        n_participating += np.int64(participating[i])
        n_managed += managed
        n_managed_old += managed & old
        sat_elderly[n_elderly] = satisfaction[i]
        n_elderly += np.int64(elderly[i])
        sat_low[n_low] = satisfaction[i]
        n_low += np.int64(low_income[i])
    return (np_sum(satisfaction), np_sum(trust), np_sum(belonging), np_sum(belief), n_paying, n_participating,
            n_managed, n_paying_old, n_managed_old, np_sum(sat_elderly[:n_elderly]), n_elderly,
            np_sum(sat_low[:n_low]), n_low)


@kernel
def _compound_tallies(env, provider, fee, old_c):
    """The compound sums and counts the outcomes divide, in one pass: the environment's sum over all
    compounds and over old ones, compounds with a provider (all, old), firms' fees and their
    number, red property's compounds. Sums in numpy's order (`np_sum` of each selection in
    compound order), so each mean is the float numpy's `mean` of the selection gives; counts of
    bools are exact, so `1 - count / n` is `1 - bools.mean()`."""
    k = len(env)
    env_old = np.empty(k)
    fee_firm = np.empty(k)
    n_managed = n_old = n_managed_old = n_firm = n_red = 0
    for c in range(k):
        old = np.int64(old_c[c])
        managed = np.int64(provider[c] != NONE)
        firm = np.int64(provider[c] == FIRM)
        env_old[n_old] = env[c]
        n_old += old
        n_managed += managed
        n_managed_old += managed & old
        fee_firm[n_firm] = fee[c]
        n_firm += firm
        n_red += np.int64(provider[c] == RED)
    return (np_sum(env), n_managed, np_sum(env_old[:n_old]), n_old, n_managed_old, np_sum(fee_firm[:n_firm]), n_firm,
            n_red)


def breakdown(m) -> dict[str, dict[str, dict[str, float]]]:
    """Key outcomes by compound type, by community (with its party coverage) and for elderly /
    low-income households: the summary's `breakdown` section."""
    w, r, mk = m.world, m.residents, m.market
    managed_c = mk.provider != NONE
    managed_hh = managed_c[w.hh_compound]
    reg, res = m.problems.hh_registered, m.problems.hh_resolved

    def hh_block(mask_hh: np.ndarray) -> dict[str, float]:
        return {
            "households": int(mask_hh.sum()),
            "satisfaction_mean": float(r.satisfaction[mask_hh].mean()) if mask_hh.any() else 0.0,
            "trust_mean": float(r.trust[mask_hh].mean()) if mask_hh.any() else 0.0,
            "fee_collection_rate": _safe(np.count_nonzero(r.paying & mask_hh), np.count_nonzero(managed_hh & mask_hh)),
            "participation_rate": float(r.participating[mask_hh].mean()) if mask_hh.any() else 0.0,
            "problems_registered": int(reg[mask_hh].sum()),
            "resolution_rate": _safe(res[mask_hh].sum(), reg[mask_hh].sum()),
        }

    def comp_block(mask_c: np.ndarray) -> dict[str, float]:
        d = hh_block(mask_c[w.hh_compound])
        d.update({
            "compounds": int(mask_c.sum()),
            "environment_mean": float(mk.env[mask_c].mean()) if mask_c.any() else 0.0,
            "trap_share": float(1.0 - managed_c[mask_c].mean()) if mask_c.any() else 0.0,
        })
        return d

    cov = m.party.community_coverage()
    return {
        "compound_type": {TYPE_NAMES[t]: comp_block(w.c_type == t) for t in (OLD, COMMERCIAL)},
        "community": {name: {**comp_block(w.c_community == i), "party_coverage": float(cov[i]),
                             "digital_level": float(m.digital_level[i])}
                      for i, name in enumerate(w.community_names)},
        "household": {"elderly": hh_block(w.elderly), "low_income": hh_block(w.low_income),
                      "other": hh_block(~w.elderly & ~w.low_income)},
        "channels": {ch: int(v) for ch, v in zip(CHANNELS, m.problems.c.by_channel)},
        "resolved_by_level": {lv: int(v) for lv, v in zip(LEVELS, m.problems.c.resolved_by_level)},
    }
