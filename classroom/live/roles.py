"""The four roles a student can play: their places, what each sees, what each may decide, what the rule does.

A decision arrives as JSON from a phone and is checked here field by field (types, ranges, no
unknown keys) before anything changes; `to_overrides` turns a round's decisions into the
model's own hook (`model/overrides.py`). `rule_decision` says what the simulated rule does in
the same place, so the debrief can set the two side by side.
"""

from __future__ import annotations

import math

import numpy as np

from agents.departments import DEPARTMENTS
from model.overrides import CommitteeDecision, DepartmentDecision, FirmDecision, GridDecision, Overrides
from model.problems import DEPARTMENT, GRID, K
from model.units import WEEKS_PER_MONTH
from model.world import FIRM, NONE, OLD, RED

ROLES = ("committee", "grid", "department", "firm")
PROVIDER_KEYS = {NONE: "none", FIRM: "firm", RED: "red"}


class Refused(Exception):
    """A request the server refuses; `why` is a key of the words table, `status` the HTTP status."""

    def __init__(self, why: str, status: int = 400):
        super().__init__(why)
        self.why, self.status = why, status


# ---------------------------------------------------------------- places
def slots(model, role: str) -> list[str]:
    """Every place of a role, in the order they are handed out (the most telling first)."""
    w, mk = model.world, model.market
    if role == "committee":  # old compounds that still have a firm first: where the cycle bites
        order = sorted(range(w.n_compounds), key=lambda c: (w.c_type[c] != OLD, mk.provider[c] != FIRM, c))
        return [f"committee:{c}" for c in order]
    if role == "grid":
        return [f"grid:{g}" for g in range(w.n_grids)]
    if role == "department":
        return [f"department:{name}" for name in DEPARTMENTS]
    if role == "firm":  # a property company (issue 15): those holding old compounds first, then the others
        def key(f):
            return (not f.contracts, not any(w.c_type[c] == OLD for c in f.contracts), f.index)
        return [f"firm:{f.index}" for f in sorted(model.firm_list, key=key)]
    raise Refused("why_malformed")


def slots_free(model, role: str, taken: set[str], held: set[int] = frozenset()) -> list[str]:
    """Places of a role nobody plays now."""
    return [s for s in slots(model, role) if s not in taken]


# ---------------------------------------------------------------- decisions
def _bool(d: dict, k: str) -> bool:
    v = d.get(k, False)
    if not isinstance(v, bool):
        raise Refused("why_malformed")
    return v


def _share(d: dict, k: str, lo: float = 0.0, hi: float = 1.0) -> float:
    v = d.get(k)
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not lo <= v <= hi:
        raise Refused("why_malformed")
    return float(v)


FIELDS = {
    "committee": {"fee_stance", "tender", "report", "deliberate", "volunteer"},
    "grid": {"cases", "patrols", "visits", "paperwork"},
    "department": {"whistle_share", "close_by_reply"},
    "firm": {"service", "leave", "bids"},
}


def parse_decision(model, player, raw) -> dict:
    """A checked, normalised decision for `player`'s role, or `Refused` (nothing changes)."""
    if not isinstance(raw, dict) or not set(raw) <= FIELDS[player.role]:
        raise Refused("why_malformed")
    role = player.role
    if role == "committee":
        stance = raw.get("fee_stance", 0)
        if isinstance(stance, bool) or stance not in (-1, 0, 1):
            raise Refused("why_malformed")
        return {"fee_stance": int(stance), **{k: _bool(raw, k) for k in ("tender", "report", "deliberate", "volunteer")}}
    if role == "grid":
        hours = {k: _share(raw, k, 0.0, 100.0) for k in ("cases", "patrols", "visits", "paperwork")}
        if hours["cases"] + hours["patrols"] + hours["visits"] <= 0:
            raise Refused("why_malformed")
        total = sum(hours.values())
        return {k: v / total for k, v in hours.items()}
    if role == "department":
        return {"whistle_share": _share(raw, "whistle_share"), "close_by_reply": _bool(raw, "close_by_reply")}
    if role == "firm":
        bids = raw.get("bids", [])
        n = model.world.n_compounds
        if not isinstance(bids, list) or len(bids) > n or any(
                isinstance(b, bool) or not isinstance(b, int) or not 0 <= b < n for b in bids):
            raise Refused("why_malformed")
        return {"service": _share(raw, "service"), "leave": _bool(raw, "leave"), "bids": sorted(set(bids))}
    raise Refused("why_malformed")


def to_overrides(played: dict) -> Overrides:
    """A round's decisions ({slot: {"decision", "contracts", ...}}) as the model's hook."""
    ov = Overrides()
    for slot, v in played.items():
        role, place = slot.split(":", 1)
        d = v["decision"]
        if role == "committee":
            ov.committees[int(place)] = CommitteeDecision(**d)
        elif role == "grid":
            ov.grids[int(place)] = GridDecision(**d)
        elif role == "department":
            ov.departments[place] = DepartmentDecision(**d)
        elif role == "firm":  # its service on every contract it holds during the round (bids taken included)
            for c in list(v.get("contracts", [])) + list(d["bids"]):
                ov.firms[int(c)] = FirmDecision(service=d["service"], leave=d["leave"])
    return ov


def rule_decision(model, role: str, slot: str, contracts: list[int]) -> dict:
    """What the simulated rule does in this place this round, in the decision's own terms."""
    p, lv = model.p, model.policies.level
    place = slot.split(":", 1)[1]
    if role == "committee":
        c = int(place)
        return {"fee_stance": 0, "tender": False, "report": False,
                "deliberate": bool(model.party.compound_org[c] and lv("deliberation_rate") > 0), "volunteer": False}
    if role == "grid":  # the street's forms first, then cases and patrols by `grid_patrol_share` (model/grid_time.py)
        paper = float(model.grid.paperwork[int(place)])
        patrol = p["grid_patrol_share"]
        return {"cases": (1 - patrol) * (1 - paper), "patrols": patrol * (1 - paper), "visits": 0.0, "paperwork": paper}
    if role == "department":  # the score's adjustment from where the share stands; gaming when short of target
        dept = next(d for d in model.departments if d.name == place)
        weight = lv("response_scoring_weight")
        gaming = dept.gaming_chance(weight, p["department_gaming_propensity"], p["response_score_target"]) > 0
        return {"whistle_share": float(dept.whistle_share if weight > 0 else dept.base_share), "close_by_reply": gaming}
    if role == "firm":  # the company's rule (issue 15): the service revenue pays for, never below the contract's;
        mk = model.market  # it leaves a contract losing for longer than its patience; it bids in tenders only
        paid = mk.service_paid_by(p, mk.revenue_ewma * (1.0 - p["firm_required_margin"]), mk.full_cost_week(p))
        held = np.array([c for c in contracts if mk.provider[c] == FIRM], np.int64)
        svc = [max(float(paid[c]), float(mk.contract_service[c])) for c in held]
        leave = bool(len(mk.out_of_patience(p, held))) if len(held) else False
        return {"service": float(np.mean(svc)) if svc else float(p["firm_min_service"]), "leave": leave, "bids": []}
    raise Refused("why_malformed")


def describe(role: str, d: dict, lang: str) -> str:
    """A decision in a line of words, for the debrief's table."""
    from .words import w

    if not d:
        return ""
    yes = lambda k: w(k, lang) if d.get(k) else None  # noqa: E731
    if role == "committee":
        stance = {1: "stance_back", 0: "stance_neutral", -1: "stance_oppose"}[d["fee_stance"]]
        return "; ".join(x for x in (w(stance, lang), yes("tender"), yes("report"), yes("deliberate"), yes("volunteer"))
                         if x)
    if role == "grid":
        return "; ".join(f"{w(k, lang)} {d[k]:.0%}" for k in ("cases", "patrols", "visits", "paperwork"))
    if role == "department":
        return f"{w('whistle_share', lang)} {d['whistle_share']:.0%}" + (f"; {w('close_by_reply', lang)}"
                                                                          if d["close_by_reply"] else "")
    if role == "firm":
        out = f"{w('service', lang)} {d['service']:.0%}"
        if d.get("leave"):
            out += f"; {w('leave_firm', lang)}"
        if d.get("bids"):
            out += f"; {w('bid', lang)} " + ", ".join(compound_label(c) for c in d["bids"])
        return out
    return ""


def compound_label(c: int) -> str:
    return f"#{int(c) + 1}"


# ---------------------------------------------------------------- what a role sees
def _per_compound(model, values: np.ndarray) -> np.ndarray:
    w = model.world
    return np.bincount(w.hh_compound, weights=values.astype(float), minlength=w.n_compounds) / np.maximum(w.c_households, 1)


def compound_facts(model, c: int) -> dict:
    w, mk, r = model.world, model.market, model.residents
    paying = _per_compound(model, r.paying)
    # neighbouring compounds: the others of its community
    same = [o for o in np.flatnonzero(w.c_community == w.c_community[c]) if o != c]
    managed = [o for o in same if mk.provider[o] != NONE]
    open_c = np.bincount(w.hh_compound, weights=model.problems.per_household(), minlength=w.n_compounds)
    return {"compound": int(c), "label": compound_label(c), "old": bool(w.c_type[c] == OLD),
            "households": int(w.c_households[c]), "community": int(w.c_community[c]) + 1,
            "environment": round(float(mk.env[c]), 3), "provider": PROVIDER_KEYS[int(mk.provider[c])],
            "collection": round(float(paying[c]), 3),
            "neighbours_paying": round(float(np.mean(paying[managed])), 3) if managed else None,
            "open_problems": int(open_c[c]),
            "satisfaction": round(float(_per_compound(model, r.satisfaction)[c]), 3),
            "participation": round(float(_per_compound(model, r.participating)[c]), 3)}


def view(model, player) -> dict:
    """What the role would see in its place now (no more than that)."""
    role, place = player.role, player.place
    p, w, mk, pr = model.p, model.world, model.market, model.problems
    if role == "committee":
        return compound_facts(model, int(place))
    if role == "grid":
        g = int(place)
        h = pr.handling()
        at = h[(pr.level_of(h) == GRID) & (w.hh_grid[h // K] == g)]
        week, total = model.grid_hours.week, float(model.grid.hours(p)[g])  # last week's hours (model/grid_time.py)
        patrol = model.grid.patrol_chance(p, week["patrols"])
        mandated = sum(float(week[u][g]) for u in ("meetings", "visits", "warnings"))
        return {"grid": g + 1, "households": int(w.grid_households[g]), "queue": int(len(at)),
                "patrol_cover": round(float(patrol[g]), 3),
                "required_paperwork": round(float(model.grid.paperwork[g]), 3),
                "paperwork_last_week": round(float(week["paperwork"][g]) / max(total, 1e-9), 3),
                "mandated": round(mandated / max(total, 1e-9), 3),
                "compounds": [compound_label(c) for c in np.unique(w.hh_compound[w.hh_grid == g])]}
    if role == "department":
        dept = next(d for d in model.departments if d.name == place)
        h = pr.handling()
        waiting = int(np.count_nonzero((pr.level_of(h) == DEPARTMENT) & (h % K == dept.category) & ~pr.gamed[h]))
        return {"department": place, "whistles_waiting": waiting, "received": int(dept.received),
                "answered": int(dept.answered), "replied": int(dept.gamed), "record": round(float(dept.score), 3),
                "whistle_share_now": round(float(dept.whistle_share), 3),
                "other_backlog": round(float(dept.other_backlog), 1),
                "scoring": float(model.policies.level("response_scoring_weight")),
                "target": float(p["response_score_target"])}
    if role == "firm":
        company = model.firm_list[int(place)]
        contracts = []
        full = mk.full_cost_week(p)
        for c in sorted(company.contracts):
            f = compound_facts(model, c)
            f.update(revenue=round(float(mk.revenue_ewma[c])), cost=round(float(full[c] * mk.cost_factor[c])),
                     profit=round(float(mk.profit_ewma[c])), service=round(float(mk.service[c]), 3),
                     fee=round(float(mk.fee[c]), 2), loss_months=round(float(mk.loss_weeks[c]) / WEEKS_PER_MONTH, 1))
            contracts.append(f)
        vacant = []
        satisfaction = _per_compound(model, model.residents.satisfaction)
        for c in np.flatnonzero(mk.provider == NONE):
            vacant.append({"compound": int(c), "label": compound_label(c), "old": bool(w.c_type[c] == OLD),
                           "satisfaction": round(float(satisfaction[c]), 3), "environment": round(float(mk.env[c]), 3),
                           "guide_fee": round(float(mk.guide_fee[c]), 2)})
        return {"company": int(place) + 1, "reserve": round(float(company.reserve)), "contracts": contracts,
                "vacant": vacant, "min_service": p["firm_min_service"],
                "patience_months": float(p["firm_loss_patience_months"])}
    raise Refused("why_malformed")
