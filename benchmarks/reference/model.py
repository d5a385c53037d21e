"""ReferenceModel: the community model's core rules with one Mesa agent per household.

Same parameter table, same world (compounds, buildings, grids, network: `model.world.build_world`
with the same seed builds the identical street), same weekly stages as
`CommunityModel.step`; only the engine differs. The property market (companies, tenders, red
property with its budget and the fund that pays it) has its own per-object implementation in
`market.py` (issue 15). Grid workers' time budget and the departments (their other duties,
their record, the score, the whistle share they adjust and their gaming) are written anew here
from the ODD (`institutions.py`). Of the policies, only red property, response scoring and
community culture (with belonging that fades) are implemented, with their parameters; every
other dose must be 0.

Synchronous rules (every household reads the state left by the previous stage): the
residents' update (neighbour means are read in `look_around` by all before any `update`),
and problem handling (queues are counted by all before anyone resolves). Arising, discovery
and routing are per household and touch only the household's own slots, so their order does
not matter either; `shuffle_do` is used throughout, as a Mesa user would.
"""

from __future__ import annotations

import mesa
import numpy as np

from model.parameters import validate
from model.problems import CATEGORIES, DELIBERATION, K, PROPERTY, SEASONAL, in_heating_season
from model.streams import Streams
from model.world import NONE, OLD, build_world

from .agents import Household
from .institutions import GridOffice, ScoredDepartment
from .market import FIRM, NONE as VACANT, RED, WEEKS_PER_MONTH, ReferenceMarket


class ReferenceModel(mesa.Model):
    def __init__(self, rng: int = 0, compounds=None, **params):
        super().__init__(rng=int(rng))
        self.p = p = validate(params)
        if any(p[d] for d in ("points_per_act", "digital_boost",
                              "early_warning_level", "rider_recruit_share", "door_knock_weeks",
                              "party_coverage_boost", "deliberation_rate", "grid_extra_workers", "grid_training",
                              "grid_paperwork_cut", "donations_yuan_per_household_year", "property_subsidy",
                              "cobuilding_capacity")):
            raise ValueError("the reference implements the baseline, red property, response scoring and culture "
                             "only: every other dose must be 0")
        streams = Streams(int(rng))
        self.world = w = build_world(p, streams, compounds)
        init = streams["init"]
        managed0 = w.c_provider0 != NONE
        env0 = np.clip(np.where(managed0, np.where(w.c_type == OLD, p["env_start_old"], p["env_start_commercial"]),
                                p["env_start_unmanaged"])
                       + init.normal(0, p["env_start_sd"], w.n_compounds), 0.0, 1.0)
        self.start_provider = [int(v) for v in w.c_provider0]
        self.market = ReferenceMarket(self, w, p, env0)
        self.fund = p["fund_initial_yuan_per_household"] * w.n
        self.red_order = [self.random.random() for _ in range(w.n_compounds)]
        self.offices = [GridOffice(p, int(h)) for h in w.grid_households]
        self.whistles_by_grid = [0] * w.n_grids
        self.digital = w.community_digital.copy()
        self.p_route = p["routing_base"] + (1.0 - p["routing_base"]) * self.digital
        cap = p["department_capacity"] * w.n / 1000.0
        self.departments = [ScoredDepartment(p, cap) for _ in CATEGORIES]  # one per category, in order
        self.count = dict.fromkeys(("arisen", "faded", "registered", "resolved", "lost", "whistles", "gamed"), 0)
        self.t = 0
        self.culture_on = self.culture_ever = False
        for i in range(w.n):
            Household(self, i)
        self.households = self.agents_by_type[Household]
        hh = list(self.households)
        W = w.W
        for i, h in enumerate(hh):
            h.neighbours = [hh[j] for j in W.indices[W.indptr[i]:W.indptr[i + 1]]]
        self.by_compound = [[] for _ in range(w.n_compounds)]
        for h in hh:
            self.by_compound[h.compound].append(h)
        for site in self.market.sites:
            site.members = self.by_compound[site.c]
        self.market.start()
        for h in hh:
            h.decide_payment(p["pay_neighbour_initial"], review_all=True)
        self.outcomes = self.compute_outcomes()

    # ================================================================ the weekly schedule
    def step(self) -> None:
        self.t = self.steps - 1
        p, w, mk = self.p, self.world, self.market
        end = p["culture_end"]
        self.culture_on = p["culture_belonging_rate"] > 0 and p["culture_start"] <= self.t and (end == -1 or self.t < end)
        self.culture_ever = self.culture_ever or self.culture_on
        # 0. the grid workers' week (last week's whistles are documented under scoring)
        for g, office in enumerate(self.offices):
            office.plan_week(self.whistles_by_grid[g])
        self.whistles_by_grid = [0] * w.n_grids
        self.patrol = [office.patrol_chance for office in self.offices]
        self.fund += p["fiscal_fund_yuan_per_household_year"] * w.n / 52.0
        env = np.array([site.env for site in mk.sites])
        # 1. problems arise (per-compound multipliers: environment and season)
        heating = in_heating_season((p["start_week"] - 1 + self.steps) % 52 + 1, p["heating_season_start_week"],
                                    p["heating_season_end_week"])
        season = np.where(SEASONAL & heating, p["heating_season_factor"], 1.0)
        per_c = 1.0 + p["environment_problem_factor"] * (1.0 - env)
        self.rate_mult = np.multiply.outer(per_c, season).tolist()
        self.households.shuffle_do("arise")
        # 2. discovery
        self.households.shuffle_do("discover")
        # 3. routing, handling, escalation, loss
        available = np.ones((w.n_compounds, 4), bool)
        available[:, PROPERTY] = [site.provider != VACANT for site in mk.sites]
        available[:, DELIBERATION] = False
        self.available = available.tolist()
        self.households.shuffle_do("route")
        self.grid_queue = [0] * w.n_grids
        self.dept_queue = [[0] * w.n_communities for _ in range(K)]
        self.households.shuffle_do("queue")
        self.grid_prob = [min(p["grid_resolve_cap"], office.case_capacity / max(q, 1))
                          for office, q in zip(self.offices, self.grid_queue)]
        coverage = (np.bincount(w.c_community, weights=w.c_party.astype(float), minlength=w.n_communities)
                    / np.maximum(np.bincount(w.c_community, minlength=w.n_communities), 1)).tolist()
        self.dept_prob = [dept.answer_chances(self.dept_queue[k], coverage) for k, dept in enumerate(self.departments)]
        for dept in self.departments:
            dept.open_week()
        self.households.shuffle_do("handle")
        for dept in self.departments:
            dept.close_week()
        # 4. residents: everyone looks, then everyone updates
        self.households.shuffle_do("look_around")
        self.households.shuffle_do("update")
        # 5. providers: fees, red subsidy, accounts; companies' and red property's decisions; tenders
        wk = 1.0 / WEEKS_PER_MONTH
        n_c = w.n_compounds
        fees, paying, part = [0.0] * n_c, [0] * n_c, [0] * n_c
        for h in self.households:
            site = mk.sites[h.compound]
            if h.paying:
                fees[h.compound] += site.fee(p) * h.area * wk
                paying[h.compound] += 1
            part[h.compound] += h.participating
        transfers = [0.0] * n_c
        want = [p["red_property_subsidy"] * site.area * wk if site.provider == RED and self._red_on() else 0.0
                for site in mk.sites]
        total = sum(want)
        if total > 0:
            paid = min(total, self.fund)
            self.fund -= paid
            transfers = [x * paid / total for x in want]
        for site in mk.sites:
            site.collection = paying[site.c] / max(site.households, 1) if site.provider != VACANT else 0.0
        mk.settle(fees, transfers)
        mk.decide()
        mk.environment([part[c] / max(w.c_households[c], 1) for c in range(n_c)])
        mk.contracts_end()
        mk.tenders()
        if self._red_on() and p["red_property_share"] > 0:
            for site in mk.sites:
                if site.provider == VACANT and w.c_party[site.c] and self.red_order[site.c] < p["red_property_share"]:
                    grant = p["red_property_startup_months"] * site.base_cost * p["red_property_cost_factor"] * site.area
                    if grant > self.fund + 1e-9:
                        continue
                    self.fund -= grant
                    mk.red_takes(site, grant)
        self.outcomes = self.compute_outcomes()

    def _red_on(self) -> bool:
        p, t = self.p, self.steps - 1
        return p["red_property_start"] <= t and (p["red_property_end"] < 0 or t < p["red_property_end"])

    # ---------------------------------------------------------------- what the market asks of households
    def mean_satisfaction(self, site) -> float:
        return sum(h.satisfaction for h in site.members) / max(len(site.members), 1)

    def participation_share(self, site) -> float:
        return sum(h.participating for h in site.members) / max(len(site.members), 1)

    def party_org(self, c: int) -> bool:
        return bool(self.world.c_party[c])

    # ================================================================ outcomes (same definitions)
    def compute_outcomes(self) -> dict[str, float]:
        mk, w = self.market, self.world
        managed = [site.provider != VACANT for site in mk.sites]
        n_managed_hh = sum(site.households for site, on in zip(mk.sites, managed) if on)
        paying = sum(1 for h in self.households if h.paying)
        registered = self.count["registered"]
        fees = [site.contract.fee for site in mk.sites if site.provider == FIRM]
        return {
            "resolution_rate": self.count["resolved"] / registered if registered else 0.0,
            "reported_resolution_rate": (self.count["resolved"] + self.count["gamed"]) / registered if registered else 0.0,
            "department_other_backlog": sum(d.backlog for d in self.departments),
            "whistles_closed_on_paper": self.count["gamed"],
            "trust_mean": sum(h.trust for h in self.households) / w.n,
            "belonging_mean": sum(h.belonging for h in self.households) / w.n,
            "participation_rate": sum(h.participating for h in self.households) / w.n,
            "grid_hours_cases": sum(o.hours["cases"] for o in self.offices),
            "trap_share": 1.0 - sum(managed) / len(managed),
            "fee_collection_rate": paying / n_managed_hh if n_managed_hh else 0.0,
            "environment_mean": sum(site.env for site in mk.sites) / len(mk.sites),
            "satisfaction_mean": sum(h.satisfaction for h in self.households) / w.n,
            "problems_registered": self.count["registered"],
            "firm_entries": mk.entries,
            "firm_exits": mk.exits,
            "provider_changes": mk.changes,
            "fee_mean": sum(fees) / len(fees) if fees else 0.0,
            "red_property_handbacks": mk.handbacks,
        }
