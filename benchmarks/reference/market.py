"""The property market one object at a time: the reference engine's companies, tenders and red property.

Written from the rules in docs/ODD.md (7.10-7.13), not from the vectorised code: each compound
is a `Site` with its own contract, each company a Mesa agent that books its contracts one by one
and appraises a vacancy month by month, one bidder and one (fee, service) option at a time;
red property is an agent with one budget. Draws come from the model's `random.Random`.
"""

from __future__ import annotations

import math

import mesa

from model.world import OLD

NONE, FIRM, RED = 0, 1, 2
WEEKS_PER_MONTH = 52.0 / 12.0
NOT_DUE = -1


def logistic(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def log_odds(q: float) -> float:
    return math.log(q / (1.0 - q))


class Contract:
    __slots__ = ("fee", "service", "end", "revenue_avg", "profit_avg", "profit_total", "planned_loss",
                 "loss_weeks", "profit_week")

    def __init__(self, fee: float, service: float, end: int, planned_loss: float = 0.0):
        self.fee, self.service, self.end, self.planned_loss = fee, service, end, planned_loss
        self.revenue_avg = self.profit_avg = self.profit_total = self.profit_week = 0.0
        self.loss_weeks = 0


class Site:
    """One compound's property management: who runs it, on what contract, in what environment."""

    def __init__(self, c: int, world, p: dict, env: float):
        self.c = c
        self.old = world.c_type[c] == OLD
        self.area = float(world.c_area[c])
        self.households = int(world.c_households[c])
        self.guide_fee = float(world.c_fee[c])
        self.base_cost = (p["cost_old"] if self.old else p["cost_commercial"]) * (p["lift_cost_factor"] if world.c_lift[c] else 1.0)
        typical = p["building_age_old"] if self.old else p["building_age_commercial"]
        rate = p["env_decay_old"] if self.old else p["env_decay_commercial"]
        self.decay = rate * min(p["age_factor_max"], max(p["age_factor_min"], world.c_age[c] / typical))
        self.env = env
        self.provider = NONE
        self.holder: ReferenceFirm | None = None
        self.contract: Contract | None = None
        self.service = 0.0
        self.collection = 0.0
        self.tender_due = NOT_DUE
        self.members: list = []
        self.revenue = 0.0  # this week's fees and transfers (red property's compounds)

    def fee(self, p: dict) -> float:
        if self.provider == RED:
            return p["red_property_fee"]
        return self.contract.fee if self.contract else self.guide_fee

    def full_week(self, p: dict, factor: float) -> float:
        arrears = max(p["environment_standard"] - self.env, 0.0)
        return self.base_cost * factor * (1.0 + p["upkeep_environment_cost"] * arrears) * self.area / WEEKS_PER_MONTH


class ReferenceFirm(mesa.Agent):
    def __init__(self, model, index: int, cost: float, reserve_factor: float, appetite: float, base_month: float):
        super().__init__(model)
        self.index, self.cost, self.reserve_factor, self.appetite = index, cost, reserve_factor, appetite
        self.base_month = base_month
        self.sites: list[Site] = []
        self.reserve = 0.0

    def ceiling(self) -> float:
        held = sum(s.base_cost * s.area for s in self.sites)
        return self.reserve_factor * self.model.p["firm_reserve_months"] * max(self.base_month, held)

    def book(self) -> None:
        """Book the week; pay out above the ceiling; leave losing contracts, or all when broke."""
        if not self.sites:
            return
        p, market = self.model.p, self.model.market
        self.reserve += sum(s.contract.profit_week for s in self.sites)
        top = self.ceiling()
        if self.reserve > top:
            market.dividends += self.reserve - top
            self.reserve = top
        if self.reserve < 0:
            for s in sorted(self.sites, key=lambda s: s.c):
                market.firm_leaves(s)
            return
        for s in sorted(self.sites, key=lambda s: s.c):
            if s.contract.loss_weeks >= p["firm_loss_patience_months"] * WEEKS_PER_MONTH:
                market.firm_leaves(s)

    def appraise(self, site: Site, look: dict, fee: float, service: float) -> tuple[float, float, float]:
        """Month by month over the contract: profit, worst running loss, collection at the end."""
        p = self.model.p
        a = p["service_env_rate"] * service + p["participation_env_effect"] * look["participation"]
        d = site.decay
        e_star = a / max(a + d, 1e-12)
        shrink = max(1.0 - a - d, 0.0)
        sat, q = look["satisfaction"], look["start_collection"]
        total, worst = 0.0, 0.0
        for month in range(1, int(p["contract_months"]) + 1):
            env = e_star + (site.env - e_star) * shrink ** (WEEKS_PER_MONTH * month)
            goal = look["ruler_satisfaction"] + p["env_satisfaction_weight"] * (env - look["ruler_environment"])
            sat = goal + (sat - goal) * (1.0 - p["satisfaction_rate"]) ** WEEKS_PER_MONTH
            x = (log_odds(look["ruler_collection"]) + p["pay_satisfaction_weight"] * (sat - look["ruler_satisfaction"])
                 + p["pay_neighbour_weight"] * (q - look["ruler_collection"])
                 - p["pay_fee_weight"] * look["burden_per_fee"] * (fee - look["ruler_fee"]))
            target = logistic(x)
            q = target + (q - target) * (1.0 - p["pay_review_rate"]) ** WEEKS_PER_MONTH
            revenue = (fee * q + look["subsidy"]) * site.area * (1.0 - p["firm_required_margin"])
            cost = (site.base_cost * self.cost * (1.0 + p["upkeep_environment_cost"] * max(p["environment_standard"] - env, 0.0))
                    * (p["fixed_cost_share"] + (1.0 - p["fixed_cost_share"]) * service) * site.area)
            total += revenue - cost
            worst = min(worst, total)
        return total, -worst, q


class ReferenceRedProperty(mesa.Agent):
    def __init__(self, model):
        super().__init__(model)
        self.sites: list[Site] = []
        self.budget = 0.0
        self.short_weeks = 0


class ReferenceMarket:
    """The street's sites, companies and red property, with the tender between them."""

    def __init__(self, model, world, p: dict, env0):
        self.model, self.p = model, p
        self.sites = [Site(c, world, p, float(env0[c])) for c in range(world.n_compounds)]
        self.red = ReferenceRedProperty(model)
        self.dividends = 0.0
        self.entries = self.exits = self.changes = self.handbacks = 0
        rnd = model.random
        k = int(p["firm_pool_size"])
        base_month = sum(s.base_cost * s.area for s in self.sites) / len(self.sites)
        self.firms = []
        for i in range(k):
            cost = math.exp(rnd.gauss(0.0, p["firm_cost_spread"]))
            reserve = math.exp(rnd.gauss(0.0, p["firm_reserve_spread"]))
            appetite = min(1.0, max(0.0, rnd.uniform(p["firm_risk_appetite"] - p["firm_risk_appetite_spread"],
                                                     p["firm_risk_appetite"] + p["firm_risk_appetite_spread"])))
            self.firms.append(ReferenceFirm(model, i, cost, reserve, appetite, base_month))
        self.committee = [rnd.random() for _ in self.sites]
        self.start_provider = [int(v) for v in world.c_provider0]
        for s, prov in zip(self.sites, self.start_provider):
            if prov == RED:
                s.provider = RED
                self.red.sites.append(s)

    # ---------------------------------------------------------------- set-up (after households exist)
    def start(self) -> None:
        p, rnd = self.p, self.model.random
        for f in self.firms:
            f.reserve = f.ceiling()
        weeks = max(1, int(round(p["contract_months"] * WEEKS_PER_MONTH)))
        for s, prov in zip(self.sites, self.start_provider):  # managed for years: collecting at the prior's rate
            if prov == FIRM:
                s.collection = p["appraisal_prior_collection_old"] if s.old else p["appraisal_prior_collection_commercial"]
        for s, prov in zip(self.sites, self.start_provider):
            if prov != FIRM:
                continue
            end = 1 + int(rnd.random() * weeks)
            prior = p["appraisal_prior_collection_old"] if s.old else p["appraisal_prior_collection_commercial"]
            best = self.best_bid(s, prior, participation_zero=True)
            if best is None:
                firm = min(self.firms, key=lambda f: f.cost)
                fee, service, planned = s.guide_fee, p["firm_min_service"], 0.0
            else:
                firm, fee, service, _, _ = best
                planned = 0.0
            self._award(s, firm, fee, service, end, planned)
        for f in self.firms:
            f.reserve = f.ceiling()
        self.cash_start = sum(f.reserve for f in self.firms)
        for s in self.sites:
            if s.provider == NONE:
                s.tender_due = 1 + int(rnd.random() * p["tender_wait_weeks"])

    # ---------------------------------------------------------------- the week
    def settle(self, fees: list[float], transfers: list[float]) -> None:
        p = self.p
        FIXED = p["fixed_cost_share"]
        keep = 1.0 - 1.0 / (p["firm_profit_memory_months"] * WEEKS_PER_MONTH)
        a = p["revenue_smoothing"]
        for s in self.sites:
            if s.provider != FIRM:
                continue
            k = s.contract
            full = s.full_week(p, s.holder.cost)
            revenue = fees[s.c] + transfers[s.c]
            k.revenue_avg = (1.0 - a) * k.revenue_avg + a * revenue
            paid = min(1.0, max(0.0, (k.revenue_avg * (1.0 - p["firm_required_margin"]) / max(full, 1e-9) - FIXED) / (1.0 - FIXED)))
            s.service = max(paid, min(p["firm_min_service"], k.service) if k.loss_weeks > 0 else k.service)
            cost = full * (FIXED + (1.0 - FIXED) * s.service)
            k.profit_week = revenue - cost
            k.profit_avg = keep * k.profit_avg + (1.0 - keep) * k.profit_week
            k.profit_total += k.profit_week
            k.loss_weeks = k.loss_weeks + 1 if (k.profit_avg < 0 and k.profit_total < -k.planned_loss) else 0
        red = self.red
        if red.sites:
            need = sum(s.full_week(p, p["red_property_cost_factor"]) for s in red.sites)
            income = sum(fees[s.c] + transfers[s.c] for s in red.sites)
            share = min(1.0, (income + max(red.budget, 0.0)) / need) if need > 0 else 1.0
            spent = 0.0
            for s in red.sites:
                s.revenue = fees[s.c] + transfers[s.c]
                full = s.full_week(p, p["red_property_cost_factor"])
                spent += full * share
                s.service = min(1.0, max(0.0, (share - FIXED) / (1.0 - FIXED)))
            red.budget += income - spent
            mean_service = sum(s.service for s in red.sites) / len(red.sites)
            short = red.budget <= 1e-9 and share < 1.0 and mean_service < p["firm_min_service"]
            red.short_weeks = red.short_weeks + 1 if short else 0

    def decide(self) -> None:
        """Companies book and leave; red property asks for tenders or gives a compound up."""
        p, now = self.p, self.model.steps
        for f in self.firms:
            f.book()
        red = self.red
        for s in sorted(red.sites, key=lambda s: s.c):
            if s.env >= p["environment_standard"] and s.tender_due == NOT_DUE:
                s.tender_due = now
        if red.sites and red.short_weeks >= p["red_property_patience_months"] * WEEKS_PER_MONTH:
            worst = max(red.sites, key=lambda s: s.full_week(p, p["red_property_cost_factor"]) - s.revenue)
            red.short_weeks = 0
            red.sites.remove(worst)
            self.handbacks += 1
            self.changes += 1
            self._vacate(worst)
            worst.tender_due = now

    def environment(self, participation: list[float]) -> None:
        p = self.p
        for s in self.sites:
            up = p["service_env_rate"] * s.service + p["participation_env_effect"] * participation[s.c]
            s.env = min(1.0, max(0.0, s.env + up * (1.0 - s.env) - s.decay * s.env))

    def contracts_end(self) -> None:
        p, now, rnd = self.p, self.model.steps, self.model.random
        weeks = max(1, int(round(p["contract_months"] * WEEKS_PER_MONTH)))
        for s in self.sites:
            if s.provider == FIRM and s.contract.end <= now and s.tender_due == NOT_DUE:
                if rnd.random() < p["contract_retender_share"]:
                    s.tender_due = now
                else:
                    s.contract.end += weeks

    def tenders(self) -> None:
        now = self.model.steps
        for s in self.sites:
            if s.tender_due != NOT_DUE and s.tender_due <= now:
                self.tender(s)

    # ---------------------------------------------------------------- tendering
    def _look(self, s: Site, start_collection: float, participation_zero: bool = False) -> dict:
        """What bidders see: the site, and the street's firm-managed compounds of its type with the prior."""
        p, m = self.p, self.model
        k = p["appraisal_prior_weight"]
        seen = [t for t in self.sites if t.provider == FIRM and t.old == s.old]
        prior_q = p["appraisal_prior_collection_old"] if s.old else p["appraisal_prior_collection_commercial"]
        sats = {t.c: m.mean_satisfaction(t) for t in seen + [s]}
        n = len(seen)
        q = (k * prior_q + sum(t.collection for t in seen)) / max(k + n, 1e-9)
        return {
            "ruler_collection": min(max(q, 1e-9), 1.0 - 1e-9),
            "ruler_satisfaction": (k * p["appraisal_prior_satisfaction"] + sum(sats[t.c] for t in seen)) / max(k + n, 1e-9),
            "ruler_environment": (k * p["environment_standard"] + sum(t.env for t in seen)) / max(k + n, 1e-9),
            "ruler_fee": (k * s.guide_fee + sum(t.contract.fee for t in seen)) / max(k + n, 1e-9),
            "satisfaction": sats[s.c],
            "participation": 0.0 if participation_zero else m.participation_share(s),
            "start_collection": start_collection,
            "burden_per_fee": sum(h.area / h.income * 100.0 for h in s.members) / max(len(s.members), 1),
            "subsidy": 0.0,
        }

    def best_bid(self, s: Site, start_collection: float, participation_zero: bool = False):
        """Each company's best affordable option under the published rule; the winner, or None."""
        p = self.p
        look = self._look(s, start_collection, participation_zero)
        lo, hi = s.guide_fee * (1.0 - p["fee_band_width"]), s.guide_fee * (1.0 + p["fee_band_width"])
        k = int(p["tender_fee_options"])
        fees = [lo + (hi - lo) * i / (k - 1) for i in range(k)] if k > 1 else [lo]
        smin = p["firm_min_service"]
        services = [smin + (1.0 - smin) * i / (k - 1) for i in range(k)] if k > 1 else [smin]
        committee = self.committee[s.c] < p["owners_committee_share"] + p["owners_committee_party_boost"] * self.model.party_org(s.c)
        wf = p["tender_weight_fee_committee"] if committee else p["tender_weight_fee_street"]
        best = None
        for f in self.firms:
            risk = f.appetite * max(f.reserve, 0.0)
            mine = None
            for fee in fees:
                for service in services:
                    profit, worst, q = f.appraise(s, look, fee, service)
                    if profit < 0 or worst > risk:
                        continue
                    cheap = (hi - fee) / (hi - lo) if hi > lo else 1.0
                    better = (service - smin) / (1.0 - smin) if smin < 1.0 else 1.0
                    score = wf * cheap + (1.0 - wf) * better
                    if mine is None or score > mine[0]:
                        mine = (score, fee, service, q, worst)
            if mine is None:
                continue
            key = (mine[0], -f.cost, -f.index)
            if best is None or key > best[0]:
                best = (key, f, mine)
        if best is None:
            return None
        _, f, (score, fee, service, q, worst) = best
        return f, fee, service, q, worst

    def tender(self, s: Site) -> None:
        p, now = self.p, self.model.steps
        s.tender_due = NOT_DUE
        start = s.collection if s.provider != NONE else p["entry_payment_share"]
        best = self.best_bid(s, start)
        weeks = max(1, int(round(p["contract_months"] * WEEKS_PER_MONTH)))
        if best is None:
            s.tender_due = now + int(p["tender_wait_weeks"])
            if s.provider == FIRM:
                s.holder.sites.remove(s)
                self.exits += 1
                self.changes += 1
                self._vacate(s)
            return
        firm, fee, service, q, worst = best
        if s.provider == FIRM and s.holder is firm:
            s.contract.fee, s.contract.service, s.contract.end = fee, service, now + weeks
            return
        was = s.provider
        if was == FIRM:
            s.holder.sites.remove(s)
        elif was == RED:
            self.red.sites.remove(s)
        self._award(s, firm, fee, service, now + weeks, worst)
        self.entries += 1
        self.changes += 1
        if was == NONE:
            for h in s.members:
                h.paying = self.model.random.random() < p["entry_payment_share"]

    def _award(self, s: Site, firm: ReferenceFirm, fee: float, service: float, end: int, planned: float) -> None:
        s.provider, s.holder = FIRM, firm
        s.contract = Contract(fee, service, end, planned)
        firm.sites.append(s)

    def _vacate(self, s: Site) -> None:
        s.provider, s.holder, s.contract, s.service = NONE, None, None, 0.0
        for h in s.members:
            h.paying = False

    def firm_leaves(self, s: Site) -> None:
        s.holder.sites.remove(s)
        self.exits += 1
        self.changes += 1
        self._vacate(s)
        s.tender_due = self.model.steps

    def red_takes(self, s: Site, grant: float) -> None:
        s.provider = RED
        self.red.sites.append(s)
        self.red.budget += grant
        s.tender_due = NOT_DUE
        self.changes += 1
        for h in s.members:
            h.paying = self.model.random.random() < self.p["entry_payment_share"]
