"""One mesa.Agent per household, written the way a Mesa user would: the reference engine.

Each household holds its problem slots, its neighbours as references, and its own `step`
methods for every resident rule of the vectorised model (`agents/residents.py`,
`model/problems.py`), with the same equations and parameters. Draws come from the model's
`random.Random` (Python's generator, seeded by Mesa from the run's seed).
"""

from __future__ import annotations

import math

import mesa

from model.problems import (CHAIN_LAST, CHAIN_TABLE, DEPARTMENT, ELDER, EMPTY, GRID, HANDLING, K,
                            LATENT, PROPERTY, REGISTERED, REPAIR)


def logistic(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


class Slot:
    """One problem slot of a household (one category)."""

    __slots__ = ("state", "age", "wait", "pos", "registered_at", "gamed")

    def __init__(self):
        self.state = EMPTY
        self.age = 0
        self.wait = 0
        self.pos = 0
        self.registered_at = 0
        self.gamed = False  # a department replied "closed" while the problem stays open


class Household(mesa.Agent):
    def __init__(self, model, i: int):
        super().__init__(model)
        w, p = model.world, model.p
        self.i = i
        self.compound = int(w.hh_compound[i])
        self.grid = int(w.hh_grid[i])
        self.community = int(w.hh_community[i])
        self.elderly = bool(w.elderly[i])
        self.area = float(w.hh_area[i])
        self.income = float(w.hh_income[i])
        self.central = bool(w.central_of[i] >= 0 and w.c_party[self.compound])
        weights = [p["problem_weight_environment"], p["problem_weight_repair"],
                   p["problem_weight_dispute"], p["problem_weight_elder_care"]]
        total = sum(weights) or 1e-12
        base = [p["problem_rate"] * x / total for x in weights]
        base[ELDER] *= p["elder_care_factor_elderly"] if self.elderly else p["elder_care_factor_other"]
        if w.c_lift[self.compound]:
            base[REPAIR] *= p["lift_repair_factor"]
        self.base_rate = base
        self.slots = [Slot() for _ in range(K)]
        self.neighbours: list[Household] = []
        rnd = model.random
        env0 = model.market.sites[self.compound].env
        managed = float(model.start_provider[self.compound] != 0)
        sd = p["trait_start_sd"]
        self.satisfaction = min(1.0, max(0.0, p["satisfaction_start_base"] + p["satisfaction_start_env"] * env0
                                         + p["satisfaction_start_managed"] * managed + rnd.gauss(0, sd)))
        self.trust = min(1.0, max(0.0, p["trust_mean"] + p["party_trust_base"] * w.c_party[self.compound]
                                  + rnd.gauss(0, sd)))
        self.belonging = min(1.0, max(0.0, p["belonging_mean"] + rnd.gauss(0, sd)))
        self.belonging_before_culture = self.belonging
        self.paying = False
        self.participating = False
        self.recent_resolved = 0.0
        self.recent_lost = 0.0
        self.resolved_now = 0
        self.lost_now = 0
        self.gamed_now = 0
        # neighbour means of the previous state (stage 1 of the residents' update)
        self.nb = (0.0, 0.0, 0.0, 0.0)

    # ---------------------------------------------------------------- problems
    def arise(self) -> None:
        m, p = self.model, self.model.p
        mult = m.rate_mult[self.compound]
        rnd = m.random
        for k, s in enumerate(self.slots):
            if s.state != EMPTY:
                s.age += 1
            elif rnd.random() < self.base_rate[k] * mult[k]:
                s.state, s.age = LATENT, 0
                m.count["arisen"] += 1
        for s in self.slots:
            if s.state == LATENT and rnd.random() < p["latent_fade_rate"]:
                s.state = EMPTY
                m.count["faded"] += 1

    def discover(self) -> None:
        m, p = self.model, self.model.p
        latent = [s for s in self.slots if s.state == LATENT]
        if not latent:
            return
        d = m.digital[self.community]
        report = min(1.0, max(0.0, p["report_base"] + p["report_trust_effect"] * self.trust
                              + p["report_digital_effect"] * d * (0.5 if self.elderly else 1.0)))
        patrol = min(1.0, m.patrol[self.grid])
        central = p["central_household_discovery"] if self.central else 0.0
        p_any = 1.0 - (1.0 - report) * (1.0 - patrol) * (1.0 - central)
        for s in latent:
            if m.random.random() < p_any:
                s.state, s.wait, s.pos, s.registered_at, s.gamed = REGISTERED, 0, 0, m.t, False
                m.count["registered"] += 1

    def route(self) -> None:
        m = self.model
        for k, s in enumerate(self.slots):
            if s.state == REGISTERED and m.random.random() < m.p_route[self.community]:
                s.state = HANDLING
                self._place(k, s, 0)

    def _place(self, k: int, s: Slot, pos: int) -> None:
        avail = self.model.available[self.compound]
        while not avail[CHAIN_TABLE[k, pos]]:
            pos += 1
        s.pos, s.wait = pos, 0
        if CHAIN_TABLE[k, pos] == DEPARTMENT:
            self.model.count["whistles"] += 1
            self.model.departments[k].received_week += 1
            self.model.whistles_by_grid[self.grid] += 1

    def queue(self) -> None:
        """Tell the model where this household's problems wait (for capacity shares)."""
        m = self.model
        for k, s in enumerate(self.slots):
            if s.state == HANDLING:
                level = CHAIN_TABLE[k, s.pos]
                if level == GRID:
                    m.grid_queue[self.grid] += 1
                elif level == DEPARTMENT and not s.gamed:
                    m.dept_queue[k][self.community] += 1

    def handle(self) -> None:
        m, p = self.model, self.model.p
        self.resolved_now = 0
        self.gamed_now = 0
        for k, s in enumerate(self.slots):
            if s.state != HANDLING:
                continue
            level = CHAIN_TABLE[k, s.pos]
            if level == GRID:
                prob = m.grid_prob[self.grid]
            elif level == PROPERTY:
                prob = p["property_resolve"] * m.market.sites[self.compound].service
            elif level == DEPARTMENT:
                prob = 0.0 if s.gamed else m.dept_prob[k][self.community]
            else:  # deliberation is never available in the policies the reference implements
                prob = 0.0
            if m.random.random() < prob:
                s.state, s.gamed = EMPTY, False
                self.resolved_now += 1
                m.count["resolved"] += 1
                if level == DEPARTMENT:
                    dept = m.departments[k]
                    dept.answered_week += 1
                    dept.on_time_week += s.wait < p["response_deadline_weeks"]
            elif (level == DEPARTMENT and not s.gamed and m.departments[k].gaming > 0
                  and m.random.random() < m.departments[k].gaming):
                s.gamed = True  # closed on paper: the household is told so, the problem stays
                self.gamed_now += 1
                m.departments[k].gamed_week += 1
                m.count["gamed"] += 1
        # escalation after waiting at a level
        for k, s in enumerate(self.slots):
            if s.state == HANDLING:
                s.wait += 1
                if s.wait >= p["escalation_weeks"] and s.pos < CHAIN_LAST[k]:
                    self._place(k, s, s.pos + 1)
        # loss
        self.lost_now = 0
        p_loss = p["loss_rate"] * (1.0 - p["digital_loss_cut"] * m.digital[self.community])
        for s in self.slots:
            if s.state >= REGISTERED and (m.random.random() < p_loss or s.age > p["max_problem_age_weeks"]):
                s.state, s.gamed = EMPTY, False
                self.lost_now += 1
                m.count["lost"] += 1

    # ---------------------------------------------------------------- residents' update, in two stages
    def look_around(self) -> None:
        """Stage 1: read the neighbours' state before anyone updates (synchronous update)."""
        nbs = self.neighbours
        if not nbs:
            self.nb = (0.0, 0.0, 0.0, 0.0)
            return
        n = len(nbs)
        self.nb = (sum(h.satisfaction for h in nbs) / n, sum(h.trust for h in nbs) / n,
                   sum(h.paying for h in nbs) / n, sum(h.participating for h in nbs) / n)

    def update(self) -> None:
        """Stage 2: satisfaction, trust, participation and payment from own state and `nb`."""
        m, p = self.model, self.model.p
        site = m.market.sites[self.compound]
        c = self.compound
        nw = p["network_weight"]
        nb_sat, nb_trust, nb_pay, nb_part = self.nb
        open_ = sum(1 for s in self.slots if s.state != EMPTY)
        w_env = p["env_satisfaction_weight"]
        target = (p["satisfaction_base"] + w_env * site.env + (1.0 - w_env) * p["satisfaction_service_weight"] * site.service
                  + p["satisfaction_resolved_gain"] * min(self.recent_resolved, 1.0)
                  - p["satisfaction_open_penalty"] * min(open_, p["satisfaction_open_cap"])
                  - p["satisfaction_lost_penalty"] * min(self.recent_lost, 1.0))
        target = min(1.0, max(0.0, target))
        s = self.satisfaction + p["satisfaction_rate"] * ((1 - nw) * target + nw * nb_sat - self.satisfaction)
        self.satisfaction = min(1.0, max(0.0, s))
        base = p["trust_mean"] + p["party_trust_base"] * m.world.c_party[c]
        contact = p["contact_trust_central"] * self.central + (
            p["contact_trust_red_property"] * site.service if site.provider == 2 else 0.0)
        t = self.trust + p["trust_rate"] * ((1 - nw) * (base + contact) + nw * nb_trust - self.trust)
        t += p["trust_resolved_gain"] * self.resolved_now - p["trust_lost_penalty"] * self.lost_now
        t -= p["trust_gamed_penalty"] * self.gamed_now
        self.trust = min(1.0, max(0.0, t))
        self.recent_resolved = p["problem_memory"] * self.recent_resolved + self.resolved_now
        self.recent_lost = p["problem_memory"] * self.recent_lost + self.lost_now + self.gamed_now
        if m.culture_on:  # culture work pulls belonging up; once begun, it fades back without upkeep
            self.belonging += p["culture_belonging_rate"] / 52.0 * (1.0 - self.belonging)
        if m.culture_ever:
            self.belonging -= p["belonging_fade_rate"] / 52.0 * (self.belonging - self.belonging_before_culture)
        x = (p["participation_intercept"] + p["participation_trust_weight"] * self.trust
             + p["participation_belonging_weight"] * self.belonging + p["participation_neighbour_weight"] * nb_part)
        self.participating = m.random.random() < logistic(x)
        self.decide_payment(nb_pay)

    def willingness(self, nb_pay: float) -> float:
        p = self.model.p
        burden = self.model.market.sites[self.compound].fee(p) * self.area / self.income * 100.0
        return logistic(p["pay_intercept"] + p["pay_satisfaction_weight"] * self.satisfaction
                        + p["pay_trust_weight"] * self.trust + p["pay_neighbour_weight"] * nb_pay
                        - p["pay_fee_weight"] * burden)

    def decide_payment(self, nb_pay: float, review_all: bool = False) -> None:
        m = self.model
        managed = m.market.sites[self.compound].provider != 0
        prob = self.willingness(nb_pay) if managed else 0.0
        rate = 1.0 if review_all else m.p["pay_review_rate"]
        u = m.random.random()
        if u < rate:
            self.paying = u < rate * prob
        self.paying = self.paying and managed
