"""CommunityModel: the Mesa model, and the weekly schedule written in one place (`step`).

One step is one week, short enough to show the northern heating season. The schedule
follows DESIGN section 3: problems arise, are discovered, routed and handled; residents
update satisfaction and trust and decide to pay and take part; providers settle their
accounts and enter or leave; the ledger records every yuan.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd

from agents.departments import (DEPARTMENTS, Department, DepartmentBooks, gaming_chances,
                                keep_records, whistle_capacities)
from agents.grid_workers import GridWorkforce
from agents.party import PartyOrganisation
from agents.firms import Firm
from agents.providers import RedPropertyProvider, red_candidates
from agents.residents import Residents, logistic

from . import outcomes as oc
from .appraisal import Compound
from .grid_time import GridHours, hot_spot_checks, make_visits, plan_visits
from .ledger import Ledger, add_shares
from .parameters import validate
from .policies import Policies
from .problems import (ANSWERED, CATEGORIES, CLOSED_ON_PAPER, DELIBERATION, DEPARTMENT, ELDER, K, ON_TIME, REPAIR,
                       Problems, arising_multiplier, available_levels, channel_chances, deliberation_chance,
                       in_heating_season, sorted_quantile)
from .property_market import PropertyMarket, income_week
from .streams import Streams
from .tendering import NOT_DUE, TenderOffice, organiser_name, tender_calendar
from .units import PER_THOUSAND, PERCENT, WEEKS_PER_MONTH, WEEKS_PER_YEAR
from .world import FIRM, NONE, OLD, PROVIDER_NAMES, RED
from .world_store import world_for

__version__ = "0.1.0"


def _seed_from(rng: Any) -> int:
    if rng is None:
        return int(np.random.SeedSequence().entropy % (2**63))
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(0, 2**63))
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool) and rng >= 0:
        return int(rng)
    raise ValueError(f"rng = {rng!r} is invalid; allowed: a non-negative integer seed, a numpy Generator or None")


def fast_quantile(x: np.ndarray, q: float) -> float:
    """np.quantile(x, q) (linear interpolation, numpy's own rounding), without its overhead
    (`model.problems.sorted_quantile`, which the early warning's `hot_spots` uses every week)."""
    return float(sorted_quantile(np.sort(np.asarray(x, float)), float(q)))


def _ones(n: int) -> np.ndarray:
    """`np.ones(n)` (a Python function: five times the cost of its two C calls, twice a week)."""
    out = np.empty(n)
    out.fill(1.0)
    return out


class WeeklyRecord(mesa.DataCollector):
    """Mesa's DataCollector of the weekly row: the step, the week of the year and every outcome.

    Mesa deep-copies each reporter's value in case it is a mutable object that changes later;
    the row's values are numbers, so `collect` appends them as they are (the same table, and a
    fifth of the cost of 51 deep copies a week)."""

    def __init__(self):
        super().__init__(model_reporters={"step": lambda m: m.steps, "week_of_year": lambda m: m.week_of_year,
                                          **{k: (lambda m, k=k: m.outcomes[k]) for k in oc.OUTCOMES}})

    def collect(self, model: "CommunityModel") -> None:
        row, columns = model.outcomes, self.model_vars
        columns["step"].append(model.steps)
        columns["week_of_year"].append(model.week_of_year)
        for k in oc.OUTCOMES:
            columns[k].append(row[k])


class CommunityModel(mesa.Model):
    """A street of communities, compounds and households governed week by week.

    `CommunityModel(rng=SEED, scenario="baseline", compounds="street.csv", **params)`;
    parameters come from the table in `model/parameters.py` (defaults, then the scenario's,
    then the keyword arguments), each checked with a clear error. `collect=False` skips the
    weekly DataCollector row (batch runs that read only the end state); `outcomes` is then
    computed when read. The run itself is the same either way.
    """

    def __init__(self, rng: Any = None, scenario: str | Path | dict | None = None,
                 compounds: str | Path | pd.DataFrame | None = None, collect: bool = True, **params: Any):
        seed = _seed_from(rng)
        super().__init__(rng=seed)
        self.seed = seed
        from .scenarios import load_scenario  # late import: scenarios import this module's names

        self.scenario = load_scenario(scenario) if scenario is not None else None
        overrides = dict(self.scenario.params) if self.scenario else {}
        overrides.update(params)
        self.p = p = validate(overrides)
        self.streams = Streams(seed)
        self.world = w = world_for(p, self.streams, compounds)  # a street built before for the same structure is reused
        n = w.n
        init = self.streams["init"]
        # ---- state
        managed0 = w.c_provider0 != NONE
        env0 = np.clip(np.where(managed0, np.where(w.c_type == OLD, p["env_start_old"], p["env_start_commercial"]),
                                p["env_start_unmanaged"])
                       + init.normal(0, p["env_start_sd"], w.n_compounds), 0.0, 1.0)
        self.market = PropertyMarket(w, p, env0)
        self.residents = Residents(w, p, init, managed0.astype(float), env0)
        self.problems = Problems(n, w.hh_compound, self.streams)
        self.grid = GridWorkforce(w, p)
        self.grid_hours = GridHours(w.n_grids)
        # the street's households do not move: divisors, and each grid's households in each compound
        # and part of it (`grid_compound_households`, `_grid_part_of_compound`, made on first use), are fixed
        self._c_households_div = np.maximum(w.c_households, 1)
        self._grid_compound_households = self._part_of_compound = None
        # results kept until what they depend on changes (policy levels may change mid-run)
        self._riders_for, self._rider_cover_for, self._digital_boost = (None, 0), (None, None), None
        self._meeting_hours_for = (None, None)
        self.party = PartyOrganisation(w, self.streams["party_coverage"].random(w.n_compounds))
        self.policies = Policies(p)
        self.ledger = Ledger(p["fund_initial_yuan_per_household"] * n)
        self.digital_level = w.community_digital.copy()
        self.fee_credit = np.zeros(n)  # yuan of fees prepaid with points
        self.household_fees_paid = 0.0  # yuan of fees households paid in cash, cumulative
        self.points_redeemed = 0.0
        self.points_redeemed_yuan = 0.0
        self.firm_entries = 0  # contracts a company won from another provider or from none
        self.firm_exits = 0  # contracts a company left on losses or ended without a bid
        self.provider_changes = 0  # entries, exits, replacements, red property's take-overs and hand-backs
        self.red_handbacks = 0
        self.exit_collections: list[float] = []
        self.campaign_visits_now = 0
        self.campaign_visit = np.zeros(n, bool)  # households the campaign visits this week
        self.campaign_visited = np.zeros(n, bool)
        self.campaign_reach = self.streams["door_knocking.reach"].random(n) < p["door_knock_coverage"]
        self.red_order = self.streams["red_property"].random(w.n_compounds)
        self.hot = np.zeros(w.n_compounds, bool)
        self.open_problems_ewma = np.zeros(w.n_compounds)
        self.events: list[dict] = []
        self.overrides = None  # [classroom] decisions people make in place of rules (model/overrides.py)
        self._compound_names = w.compounds["compound"].tolist()
        # ---- static per-slot arising weights (category mix, elder care by age, lifts)
        weights = np.array([p["problem_weight_environment"], p["problem_weight_repair"],
                            p["problem_weight_dispute"], p["problem_weight_elder_care"]])
        weights = weights / max(weights.sum(), 1e-12)
        base = np.tile(weights * p["problem_rate"], (n, 1))
        base[:, ELDER] *= np.where(w.elderly, p["elder_care_factor_elderly"], p["elder_care_factor_other"])
        base[:, REPAIR] *= np.where(w.c_lift[w.hh_compound], p["lift_repair_factor"], 1.0)
        self.base_rate = base.ravel().astype(np.float32)  # flat, slot = household * K + category
        self.area_month_fee = w.hh_area  # m² per household (fee = yuan/m²/month x m²)
        # ---- institutional agents
        dept_cap = p["department_capacity"] * n / PER_THOUSAND
        self.department_books = DepartmentBooks()  # their state, a row each: their week is one compiled call
        self.departments = [Department(self, name, CATEGORIES.index(cat), dept_cap, p["department_base_responsiveness"],
                                       self.department_books) for name, cat in DEPARTMENTS.items()]
        self._culture_ever = False  # belonging moves (and fades) only once culture work has begun
        self.red_provider = RedPropertyProvider(self)
        for c in np.flatnonzero(self.market.provider == RED):
            self.red_provider.take(int(c))
        self.tender_office = TenderOffice(self.party, self.streams["tendering.committee"].random(w.n_compounds))
        self.tender_due = np.full(w.n_compounds, NOT_DUE, np.int64)  # step of each compound's next tender
        self.burden_per_fee = (np.bincount(w.hh_compound, weights=w.hh_area / w.hh_income * PERCENT,
                                           minlength=w.n_compounds) / np.maximum(w.c_households, 1))
        self._start_firms()
        # initial payment: today's willingness with neighbours paying at the willingness's level
        r = self.residents
        fee_month = self.market.fee_m2(p)[w.hh_compound] * w.hh_area
        r.decide_payment(p, managed0[w.hh_compound], fee_month, 0.0, np.full(n, p["pay_neighbour_initial"]), init.random(n),
                         review_all=True)
        self._neighbour_paying = np.zeros(n)
        self._fee_week: np.ndarray | None = None  # each compound's fee this week (`_fees_this_week`)
        self._outcomes: dict[str, float] | None = None
        self.collect = bool(collect)
        self.datacollector = WeeklyRecord()
        self.running = True
        if self.collect:
            self.datacollector.collect(self)

    # ---------------------------------------------------------------- small helpers
    @property
    def outcomes(self) -> dict[str, float]:
        """Every outcome of `model.outcomes` for the current week, computed once per week when first read."""
        if self._outcomes is None:
            self._outcomes = oc.compute(self)
        return self._outcomes

    @property
    def week_of_year(self) -> int:
        return (self.p["start_week"] - 1 + self.steps) % int(WEEKS_PER_YEAR) + 1

    def resident(self, i: int):
        return self.residents[i]

    def recruited_riders(self) -> int:
        share = self.policies.level("rider_recruit_share")
        done_for, count = self._riders_for  # counted again only when the share changed
        if done_for != share:
            count = int(np.count_nonzero(self._recruited_mask()))
            self._riders_for = (share, count)
        return count

    def _recruited_mask(self) -> np.ndarray:
        share = self.policies.level("rider_recruit_share")
        w = self.world
        return w.rider & (w.rider_rank < share * w.n)

    def _event(self, c: int, what: str, why: str, value: float = float("nan"), reason: str = "") -> None:
        """Record a turn in a compound's story; `value` is the figure `why` quotes (a share or yuan),
        `reason` its short code (bid_won, losses, no_bid, handover, red_budget, red_property)."""
        self.events.append({"step": self.steps, "compound": self._compound_names[c], "value": value,
                            "event": what, "reason": reason, "why": why})

    # ================================================================ the schedule
    def step(self) -> None:
        t = self.steps - 1  # 0-based index of this week
        self.policies.update(t)
        for pol in self.policies.acting():  # (the others' `step` does nothing)
            pol.step(self)
        self._apply_levels()
        self._grid_time(t)
        self._problems_arise(t)
        self._problems_discovered(t)
        self._problems_handled(t)
        self._residents_update()
        self._property_accounts()
        self._policy_costs()
        self._outcomes = None
        if self.collect:
            self.datacollector.collect(self)

    # ---- 0. policy levels that reshape the structure
    def _apply_levels(self) -> None:
        lv, p = self.policies.level, self.p
        self.grid.set_levels(p, lv("grid_extra_workers"), lv("grid_training"), lv("grid_paperwork_cut"))
        self.party.set_coverage_boost(lv("party_coverage_boost"))
        boost = lv("digital_boost")
        if self._digital_boost != boost:  # set again only when the boost changed
            self.digital_level = np.clip(self.world.community_digital + boost, 0.0, 1.0)
            self._digital_boost = boost
        w = self.world
        self._central = self.party.central_active()
        self._rider_cover = None
        if lv("rider_recruit_share") > 0:  # computed again only when the share or the pace changed
            key = (lv("rider_recruit_share"), p["rider_households_per_week"])
            done_for, cover = self._rider_cover_for
            if done_for != key:
                per_c = np.bincount(w.hh_compound, weights=self._recruited_mask().astype(float), minlength=w.n_compounds)
                cover = np.minimum(1.0, per_c * p["rider_households_per_week"] / np.maximum(w.c_households, 1))
                self._rider_cover_for = (key, cover)
            self._rider_cover = cover

    # ---- 0d. the grid workers' week: mandated work first, then patrols and cases (model/grid_time.py)
    def _grid_time(self, t: int) -> None:
        """Share each grid's hours by priority (paperwork, deliberation meetings, campaign visits,
        warning checks, then patrols and cases) and turn them into this week's visits, meetings,
        patrol chance and case capacity."""
        p, w, g, lv = self.p, self.world, self.grid, self.policies.level
        visit_hours = self._plan_campaign_visits(t)
        warn = lv("early_warning_level")
        if warn > 0:
            hot_hh, check_hours = hot_spot_checks(self.grid_compound_households, self.hot,
                                                  warn * p["early_warning_check_rate"], g.visit_hours(p))
        else:  # no warning, no hot spots to check
            hot_hh, check_hours = np.zeros(w.n_grids), np.zeros(w.n_grids)
        scored = np.zeros(w.n_grids)
        if lv("response_scoring_weight") > 0 and self.problems.whistled_now:  # last week's whistles, to be documented
            slots = np.concatenate(self.problems.whistled_now)
            scored = np.bincount(w.hh_grid[slots // K], minlength=w.n_grids).astype(float)
        meeting_hours = self._meeting_hours()
        hours = self.grid_hours
        case_share = 1.0 - p["grid_patrol_share"]
        if self.overrides is None:  # the sharing in one compiled call
            (meetings, all_met, self._patrol, self._case_capacity,
             *warnings) = hours.share_week(g, p, scored, meeting_hours, visit_hours, check_hours, case_share, hot_hh)
        else:  # [classroom] a played grid worker shares the hours and may visit homes
            paperwork, case_share = self.overrides.grid_budget(self, g.paperwork_hours(p, scored), case_share)
            hours.allocate(g.hours(p), paperwork, meeting_hours, visit_hours, check_hours, case_share)
            meetings, all_met = hours.granted("meetings", meeting_hours)
            self._patrol = self.overrides.patrol_chance(self, g.patrol_chance(p, hours.week["patrols"]))
            self._case_capacity = g.case_capacity(p, hours.week["cases"])
            warnings = hours.warning_checks(g.visit_hours(p), hot_hh, check_hours)
        self._meetings_held = self._compound_share_done(meetings, all_met)
        if self.policies.is_active("door_knocking"):  # (otherwise nobody is visited this week)
            put_off = bool(visit_hours.any())  # visits beyond the hours are put off to a later week
            self.campaign_visits_now = make_visits(
                self.campaign_visit, self.campaign_visited, w.hh_grid, put_off, hours.granted_share("visits", visit_hours),
                self.streams.offset("door_knocking.time", t))
        else:
            self.campaign_visits_now = 0
        self._follow_up_warnings(*warnings)

    def _meeting_hours(self) -> np.ndarray:
        """Hours each grid's workers are asked for compound deliberation meetings this week (a compound
        spanning grids asks each in proportion to its households there)."""
        p, w, rate = self.p, self.world, self.policies.level("deliberation_rate")
        if rate <= 0:
            return np.zeros(w.n_grids)
        # the same until the rate, an hour's worth or the organisations change (callers only read it)
        org, per_meeting = self.party.compound_org, p["deliberation_hours_per_meeting"]
        done_for, hours = self._meeting_hours_for
        if done_for is None or done_for[0] is not org or done_for[1:] != (rate, per_meeting):
            meetings_c = min(1.0, rate / WEEKS_PER_MONTH) * org  # meetings a week
            hours = self._grid_part_of_compound() @ (meetings_c * per_meeting)
            self._meeting_hours_for = ((org, rate, per_meeting), hours)
        return hours

    @property
    def grid_compound_households(self) -> np.ndarray:
        """Households of each compound in each grid (grids x compounds; grids may span compounds):
        hot spots -> grids, grids' shares done -> compounds. Made on first use: only the policies
        that ask grids for compound work read it, and at a million households it is 100 MB."""
        if self._grid_compound_households is None:
            w = self.world
            self._grid_compound_households = np.bincount(
                w.hh_grid * w.n_compounds + w.hh_compound, minlength=w.n_grids * w.n_compounds
            ).reshape(w.n_grids, w.n_compounds).astype(float)
        return self._grid_compound_households

    def _grid_part_of_compound(self) -> np.ndarray:
        """Share of each compound's households in each grid (grids x compounds; the street's
        households do not move, so it is worked out once, on first use)."""
        if self._part_of_compound is None:
            self._part_of_compound = self.grid_compound_households / self._c_households_div
        return self._part_of_compound

    def _households_at_least_one(self) -> np.ndarray:
        """`np.maximum(c_households, 1)`, the divisor of per-compound means (worked out once)."""
        return self._c_households_div

    def _compound_share_done(self, share: np.ndarray, all_done: bool) -> np.ndarray:
        """Share of what each compound's grids were asked for a use that got its hours (1: all),
        from each grid's granted `share` (`GridHours.granted`)."""
        if all_done:
            return _ones(self.world.n_compounds)
        return share @ self.grid_compound_households / self._households_at_least_one()

    def _plan_campaign_visits(self, t: int) -> np.ndarray:
        """The campaign's plan for the week: reachable households not yet visited, spread evenly over
        its weeks (`campaign_visit`); returns the hours the plan asks of each grid."""
        p, w = self.p, self.world
        visit = self.campaign_visit
        visit[:] = False
        if not self.policies.is_active("door_knocking"):
            return np.zeros(w.n_grids)
        weeks_left = p["door_knock_start"] + p["door_knock_weeks"] - t
        return plan_visits(self.campaign_reach, self.campaign_visited, visit, w.hh_grid, w.n_grids,
                           self.streams.offset("door_knocking.visit", t), 1.0 / max(weeks_left, 1),
                           float(p["door_knock_hours_per_visit"]))

    def _follow_up_warnings(self, any_hot: bool, check: np.ndarray, share: np.ndarray, all_done: bool) -> None:
        """A hot-spot household's weekly chance of a check, and the share of the warning acted on in
        each compound: a warning nobody has the hours to follow up prevents and finds nothing.
        (`GridHours.warning_checks`' four results: whether any grid has hot spots, the chance of
        a check, each grid's share of the checks asked that got hours, and whether all did.)"""
        w = self.world
        if not any_hot:  # no hot spot: no checks asked, none made (what the lines below give)
            self._warning_check, self._warning_followed = np.zeros(w.n_grids), _ones(w.n_compounds)
            return
        self._warning_check = check  # the hours granted to checks / a check's hours / hot-spot households
        self._warning_followed = self._compound_share_done(share, all_done)  # per compound

    # ---- 1. problems arise, more where the environment is poor and in the heating season
    def _problems_arise(self, t: int) -> None:
        p, w, mk = self.p, self.world, self.market
        warn = self.policies.level("early_warning_level")
        per_c = arising_multiplier(mk.env, p["environment_problem_factor"], warn > 0, p["early_warning_prevention"] * warn,
                                   self.digital_level, w.c_community, self.hot, self._warning_followed)
        heating = in_heating_season(self.week_of_year, p["heating_season_start_week"], p["heating_season_end_week"])
        u = self.streams.uniform("problems.arise", self.base_rate.shape)
        # a slot's rate: base_rate x float32(per_c x the season's factor for heating, snow and ice)
        self.problems.arise(self.base_rate, per_c, p["heating_season_factor"] if heating else 1.0, u, t,
                            p["latent_fade_rate"])

    # ---- 2. discovery: residents' reports, patrols, central households, riders, door knocking, warnings
    def _problems_discovered(self, t: int) -> None:
        # without a classroom hook, the channel chances are computed inside the discovery pass
        self.problems.discover(self.campaign_visit, self._channel_inputs(),
                               self._channel_chances if self.overrides is not None else None)

    def _channel_inputs(self) -> tuple:
        """What the weekly channel chances are computed from (`model.problems.channel_chances`)."""
        p, w = self.p, self.world
        warn = self.policies.level("early_warning_level")
        riders = self._rider_cover is not None
        return (self.residents.trust, w.elderly, self.digital_level, w.hh_community, w.hh_grid, w.hh_compound,
                self._patrol, self._warning_check, self.hot, self._central,
                self._rider_cover if riders else np.zeros(0), self._warning_followed,
                p["report_base"], p["report_trust_effect"], p["report_digital_effect"], p["report_digital_elderly_factor"],
                p["central_household_discovery"], p["rider_discovery"], p["early_warning_discovery"] * warn, warn > 0,
                riders)

    def _channel_chances(self, hh: np.ndarray) -> np.ndarray:
        """Weekly chance that each channel learns of a household's problem (rows: households `hh`):
        residents' reports (more with trust and the digital platform, less for the elderly), grid
        patrols (plus warning checks of hot spots), central households, riders, and the early
        warning (a compiled pass, `model.problems.channel_chances`)."""
        pc = channel_chances(hh, *self._channel_inputs())
        if self.overrides is not None:  # [classroom] a committee's collective report
            pc = self.overrides.channel_chances(self, hh, pc)
        return pc

    # ---- 3. routing and handling at the lowest level that can
    def _available(self) -> np.ndarray:
        """Levels each compound can handle at: a property provider where there is one, a deliberation
        where a compound organisation holds them; grids and departments always."""
        av = available_levels(self.market.provider, NONE, self.party.compound_org,
                              self.policies.level("deliberation_rate") > 0)
        if self.overrides is not None:  # [classroom] a deliberation a committee calls
            av = self.overrides.available(self, av, DELIBERATION)
        return av

    def _problems_handled(self, t: int) -> None:
        p, w, pr, mk, lv = self.p, self.world, self.problems, self.market, self.policies.level
        available = self._available()
        pr.route(p["routing_base"], self.digital_level, w.hh_community, available, w.hh_grid, w.n_grids)  # digital chains route faster
        # (`Problems.work`) grid workers share their cases (plus co-building units' resources, for any problem
        # at the grid) over their queue; property providers resolve by their service level; compound
        # deliberation settles collective problems, better with residents taking part
        pd_c = np.zeros(0)  # no slot is at a deliberation
        if pr.at_level[DELIBERATION]:
            part_c = self._participation_share()
            meet = min(1.0, lv("deliberation_rate") / WEEKS_PER_MONTH) * self._meetings_held  # as hours allow
            if self.overrides is not None:  # [classroom] a deliberation a committee calls (its owners' own time)
                meet = self.overrides.meeting_chance(self, meet)
            pd_c = deliberation_chance(meet, p["deliberation_resolve"], p["deliberation_floor"],
                                       p["deliberation_participation_scale"], part_c)
        # departments answer whistles by capacity and the share of it they give to whistles
        weight = lv("response_scoring_weight")
        if self.overrides is not None:  # [classroom] a played department head's share for whistles
            self.overrides.whistle_shares(self)
        # (a whistle closed on paper is no longer worked on; communities' power to score tilts it)
        power = self.party.community_coverage() if pr.at_level[DEPARTMENT] else None
        replying = self.overrides is not None and self.overrides.replying()  # [classroom] a head who closes by reply
        gaming = self._departments_game(weight) if (weight > 0 or replying) and pr.at_level[DEPARTMENT] else None
        # then open problems are lost, less where the platform is digital; the platform's records of
        # open problems per household (a moving average) show the early warning its hot spots:
        # compounds at or above the `early_warning_hot_quantile` of that record
        warned = self.policies.level("early_warning_level") > 0
        self.open_problems_ewma, used, self.hot = pr.work(
            w.hh_grid, w.hh_community, self._case_capacity, lv("cobuilding_capacity"), w.grid_households,
            p["grid_resolve_cap"], p["property_resolve"], mk.service, pd_c, whistle_capacities(self.department_books), power,
            p["response_scoring_tilt"] * weight, p["department_reallocation_rounds"], gaming,
            self.streams.offset("department.gaming", self.steps), p["escalation_weeks"], available, p["loss_rate"],
            p["digital_loss_cut"], self.digital_level, p["max_problem_age_weeks"], p["response_deadline_weeks"],
            w.c_households, self.open_problems_ewma, p["early_warning_smoothing"],
            p["early_warning_hot_quantile"] if warned else None)
        self._departments_keep_record(used, pr.department_week, weight)

    def _departments_game(self, weight: float) -> np.ndarray:
        """Scored departments short of their target close some unanswered whistles on paper: the
        weekly chance per category (`Problems.work` closes them)."""
        p = self.p
        chance = gaming_chances(self.department_books, K, weight, p["department_gaming_propensity"],
                                p["response_score_target"])
        if self.overrides is not None:  # [classroom] a played department head decides it
            chance = self.overrides.gaming_chance(self, chance)
        return chance

    def _departments_keep_record(self, used: np.ndarray, week: np.ndarray, weight: float) -> None:
        """Each department books its week (the whistle capacity it `used`, -1 if none waited; received,
        answered, on time, closed on paper: `week`, one row each, see `model.problems.DEPARTMENT_WEEK`),
        serves its other duties with the capacity whistles left, and, if scored, reconsiders its whistle share."""
        p = self.p
        keep_records(self.department_books, used, self.problems.c.whistles_by_category, week[ANSWERED], week[ON_TIME],
                     week[CLOSED_ON_PAPER], p["department_record_memory"], p["department_other_demand"], weight,
                     p["response_scoring_gain"], p["response_score_target"], p["department_adjust_rate"])

    def _participation_share(self) -> np.ndarray:
        return self.residents.participating_share()

    # ---- 4. residents: satisfaction, trust, participation, points, payment
    def _residents_update(self) -> None:
        """The residents' rules in turn (`Residents.week`, one compiled call); with the classroom's
        hooks set, one by one (`_residents_update_with_hooks`), as a played role may change what
        one rule hands the next."""
        if self.overrides is not None:
            self._residents_update_with_hooks()
            return
        p, w, r, mk, pr, lv = self.p, self.world, self.residents, self.market, self.problems, self.policies.level
        n = w.n
        culture = lv("culture_belonging_rate")
        if culture > 0:
            self._culture_ever = True
        per_act = lv("points_per_act")
        managed_c = mk.provider != NONE
        self._neighbour_paying, (_tried, _paid, transfer, n_paid, fee_sum, goods_sum, points_sum, value_sum) = r.week(
            p, mk.env, mk.service, pr.per_household(), self.party.compound_org, self._central, mk.provider == RED,
            lv("deliberation_rate") > 0, pr.resolved_now, pr.lost_now, pr.gamed_now if pr.c.gamed else None,
            culture, self._culture_ever, per_act, managed_c, self.ledger.fund_balance + 1e-9, self._fees_this_week(),
            self.fee_credit, self.streams.uniform("residents.participate", n), self.streams.uniform("residents.pay", n))
        self._points_transfer = transfer  # (zeros when nobody was paid)
        if n_paid:
            self._book_redemption(fee_sum, goods_sum, points_sum, value_sum)

    def _residents_update_with_hooks(self) -> None:
        p, w, r, mk, pr, lv = self.p, self.world, self.residents, self.market, self.problems, self.policies.level
        n = w.n
        nb_satisfaction, nb_trust, nb_paying, nb_participating = r.neighbour_means()  # network means, float32
        r.update_satisfaction(p, mk.env, mk.service, pr.per_household(), nb_satisfaction)
        org_c = self.party.compound_org
        # red property earns trust through the service it gives, not by its name
        contact = r.contact(p, org_c, self._central, mk.provider == RED, mk.service, lv("deliberation_rate") > 0)
        ov = self.overrides  # [classroom] visits, volunteering and fee stances of played roles
        if ov is not None:
            contact = ov.contact(self, contact)
        r.update_trust(p, org_c, pr.resolved_now, pr.lost_now, nb_trust, contact,
                       pr.gamed_now if pr.c.gamed else None)
        culture = lv("culture_belonging_rate")
        if culture > 0:
            r.raise_belonging(culture)
            self._culture_ever = True
        if self._culture_ever:  # without upkeep, what culture work built fades
            r.fade_belonging(p["belonging_fade_rate"])
        per_act = lv("points_per_act")
        reward = per_act * p["points_value_yuan"] if per_act > 0 else None  # per act, if points are paid
        r.decide_participation(p, reward, nb_participating, self.streams.uniform("residents.participate", n),
                               shift=None if ov is None else ov.participation_shift(self))
        managed_c = mk.provider != NONE
        self._points_transfer = np.zeros(w.n_compounds)
        if per_act > 0:
            r.points += per_act * r.participating
            tried, paid = self._redeem_points()
            r.learn_points_value(p, tried, paid, w.W)
        r.pay_week(p, managed_c, self._fees_this_week(), self.fee_credit, nb_paying, self.streams.uniform("residents.pay", n),
                   shift=None if ov is None else ov.payment_shift(self))
        self._neighbour_paying = nb_paying

    def _fees_this_week(self) -> np.ndarray:
        """Each compound's fee this week (`PropertyMarket.fee_m2`), kept for the accounts (5): the
        residents decide on it and pay it before any tender of the week changes a fee."""
        self._fee_week = self.market.fee_m2(self.p)
        return self._fee_week

    def _redeem_points(self) -> tuple[np.ndarray, np.ndarray]:
        """Households over the threshold redeem; the fund pays, in household order, while it can.

        Returns who tried and who was paid this week (the lesson households learn from)."""
        tried, paid, transfer, fee_sum, goods_sum, points_sum, value_sum = self.residents.redeem_points(
            self.p, self.ledger.fund_balance + 1e-9, self.market.provider != NONE, self.fee_credit)
        if not paid.any():
            return tried, paid
        self._points_transfer = transfer
        self._book_redemption(fee_sum, goods_sum, points_sum, value_sum)
        return tried, paid

    def _book_redemption(self, fee_sum: float, goods_sum: float, points_sum: float, value_sum: float) -> None:
        """The fund pays this week's redemptions (their fee and goods parts), and the totals grow."""
        self.ledger.pay("points_fee", fee_sum, partial=False)
        self.ledger.pay("points_goods", goods_sum, partial=False)
        self.points_redeemed += points_sum
        self.points_redeemed_yuan += value_sum

    # ---- 5. providers: fees, subsidies, costs, service, exit and entry; environment moves
    def _property_accounts(self) -> None:
        p, w, r, mk, lv = self.p, self.world, self.residents, self.market, self.policies.level
        comp = w.hh_compound
        wk = 1.0 / WEEKS_PER_MONTH
        # fees prepaid with points are not paid twice
        old_rate, red_rate = lv("property_subsidy"), lv("red_property_subsidy")
        fees_c, mk.collection, fees_total, want, totals = income_week(
            self._fee_week, comp, w.hh_area, wk, r.paying, self.fee_credit, self.points_redeemed_yuan > 0, mk.provider,
            w.c_households, old_rate, red_rate, w.c_area, w.c_type)
        self.household_fees_paid += fees_total
        transfers = self._points_transfer.copy()
        if old_rate > 0 or red_rate > 0:  # old compounds with a provider; red property's compounds
            self._subsidise(old_rate, red_rate, want, totals.tolist(), transfers)
        mk.settle(p, fees_c, transfers, None if self.overrides is None else self.overrides.service_chosen(self))  # [classroom]
        for firm in self.firm_list:  # companies book the week, pay out, leave contracts they lose on
            if firm.contracts:
                firm.step()
        self.red_provider.step()  # red property asks for tenders or gives a compound up
        mk.close_week(p, r.paying, comp, self._participation_share())  # nobody pays without a provider; environment moves
        self._tenders(self._tender_calendar())
        self._red_property_takes_over()

    # ---- 5a. companies at the start: traits, contracts, reserves; unmanaged compounds' first tenders
    def _start_firms(self) -> None:
        """Companies from the parameter table's distributions; the street's contracts dealt among them."""
        p, w, mk = self.p, self.world, self.market
        rng = self.streams["firms"]
        k = int(p["firm_pool_size"])
        cost = rng.lognormal(0.0, p["firm_cost_spread"], k)
        reserve = rng.lognormal(0.0, p["firm_reserve_spread"], k)
        mean, spread = p["firm_risk_appetite"], p["firm_risk_appetite_spread"]
        appetite = np.clip(rng.uniform(mean - spread, mean + spread, k), 0.0, 1.0)
        base_month = float(np.mean(mk.firm_cost_m2 * w.c_area))
        self.firm_list = [Firm(self, i, float(cost[i]), float(reserve[i]), float(appetite[i]), base_month)
                          for i in range(k)]
        self.firms = self.agents_by_type[Firm]
        for firm in self.firm_list:  # reserves first: they bound what a company bids for
            firm.reserve = firm.reserve_ceiling()
        # the street's existing contracts were won under the same rule, as if tendered on day 0
        # (a managed compound collecting at the prior's rate); with no acceptable bid the
        # cheapest company holds it at the guideline fee and the contract minimum
        held = np.flatnonzero(mk.provider == FIRM)
        ends = 1 + (rng.random(len(held)) * self.contract_weeks).astype(np.int64)
        satisfaction = w.compound_mean(self.residents.satisfaction)
        mk.provider[held] = NONE  # not yet anyone's while the day-0 tenders run
        prior = np.where(w.c_type == OLD, p["appraisal_prior_collection_old"], p["appraisal_prior_collection_commercial"])
        mk.collection[held] = prior[held]
        for c, end in zip(held, ends):
            bid = self._bids(int(c), satisfaction, np.zeros(w.n_compounds), float(prior[c]))
            if bid is None:
                firm, fee, service = self.firm_list[int(np.argmin(cost))], float(mk.guide_fee[c]), p["firm_min_service"]
            else:
                firm, fee, service = bid.firm, bid.fee, bid.service
            mk.award(int(c), firm.index, firm.cost_factor, fee, service, int(end))
            firm.contracts.add(int(c))
        self.tender_office.tenders = self.tender_office.without_bid = 0
        for firm in self.firm_list:
            firm.reserve = firm.reserve_ceiling()
        mk.firm_cash_start = sum(f.reserve for f in self.firm_list)
        vacant = np.flatnonzero(mk.provider == NONE)
        self.tender_due[vacant] = 1 + (rng.random(len(vacant)) * p["tender_wait_weeks"]).astype(np.int64)

    @property
    def contract_weeks(self) -> int:
        return max(1, int(round(self.p["contract_months"] * WEEKS_PER_MONTH)))

    # ---- 5b. contracts that end, vacancies, tenders
    def call_tender(self, c: int, step: int) -> None:
        self.tender_due[c] = step

    def contract_left(self, c: int, reason: str, why: str) -> None:
        """A company leaves compound `c` (its decision); the compound is tendered at once."""
        coll = float(self.market.collection[c])
        self.firm_exits += 1
        self.provider_changes += 1
        self.exit_collections.append(coll)
        self._event(c, "firm left", f"{reason}: {why}; collection {coll:.0%}", coll, reason)
        self.market.vacate(c)
        self.call_tender(c, self.steps)

    def red_gives_up(self, c: int) -> None:
        """Red property cannot go on in compound `c`: it hands it back to tender."""
        mk = self.market
        self.red_provider.release(c)
        self.red_handbacks += 1
        self.provider_changes += 1
        self._event(c, "red property handed back", f"red_budget: its budget is empty and service "
                    f"{mk.service[c]:.0%} is below the contract minimum", float(mk.service[c]), "red_budget")
        mk.vacate(c)
        self.call_tender(c, self.steps)

    def _tender_calendar(self) -> np.ndarray:
        """At a contract's end it is renewed, or (with chance `contract_retender_share`) tendered
        (`tender_calendar`, which also returns the compounds whose tender is due this week)."""
        mk, now = self.market, self.steps
        return tender_calendar(mk.provider, mk.contract_end, self.tender_due, now,
                               self.streams.offset("tendering.retender", now), self.p["contract_retender_share"],
                               self.contract_weeks)

    def _tenders(self, due: np.ndarray) -> None:
        """Every compound whose tender is due this week (`due`) is tendered, in compound order."""
        if len(due) == 0:
            return
        w, r = self.world, self.residents
        satisfaction = w.compound_mean(r.satisfaction)
        participation = self._participation_share()
        for c in due:
            self._tender(int(c), satisfaction, participation)

    def _bids(self, c: int, satisfaction: np.ndarray, participation: np.ndarray, start_collection: float,
              committee: bool | None = None):
        """The winning bid for compound `c` among all companies (None if no acceptable bid)."""
        site, street, lo, hi = self._tender_inputs(c, satisfaction, participation, start_collection)
        return self.tender_office.run(self.p, c, self.firm_list, site, street, lo, hi, committee)

    def _tender_inputs(self, c: int, satisfaction: np.ndarray, participation: np.ndarray,
                       start_collection: float) -> tuple[Compound, tuple, float, float]:
        """What bidders see of compound `c` (`Compound`), what their yardstick is made from (`yardstick`'s
        arguments after the parameters), and the fee band.
        (Python floats by `item`: numpy's scalars cost a tender more than its arithmetic.)"""
        p, w, mk = self.p, self.world, self.market
        lo, hi = mk.fee_band_of(p, c)
        kind = w.c_type.item(c)
        site = Compound(env=mk.env.item(c), satisfaction=satisfaction.item(c), collection=start_collection,
                        participation=participation.item(c), decay=mk.decay.item(c), area_m2=w.c_area.item(c),
                        burden_per_fee=self.burden_per_fee.item(c), full_cost_month_m2=mk.firm_cost_m2.item(c),
                        subsidy_month_m2=self.policies.level("property_subsidy") if kind == OLD else 0.0)
        street = (kind, mk.provider, w.c_type, mk.collection, satisfaction, mk.env, mk.fee, mk.guide_fee.item(c))
        return site, street, lo, hi

    def _tender(self, c: int, satisfaction: np.ndarray, participation: np.ndarray) -> None:
        p, w, mk, office = self.p, self.world, self.market, self.tender_office
        now = self.steps
        prev, incumbent = mk.provider.item(c), mk.owner.item(c)
        start = mk.collection.item(c) if prev != NONE else p["entry_payment_share"]
        committee = office.has_committee(p, c)
        bid = self._bids(c, satisfaction, participation, start, committee)
        who = organiser_name(committee)
        self.tender_due[c] = NOT_DUE
        wait = int(p["tender_wait_weeks"])
        if bid is None:
            self.tender_due[c] = now + wait
            if prev == FIRM:  # the contract ended and nobody, the incumbent included, bid to go on
                self.firm_list[incumbent].lose(c)
                coll = float(mk.collection[c])
                self.firm_exits += 1
                self.provider_changes += 1
                self._event(c, "firm left", f"no_bid: the contract ended and the {who}'s tender found no "
                            f"acceptable bid; collection {coll:.0%}", coll, "no_bid")
                mk.vacate(c)
                self.residents.paying &= (mk.provider != NONE)[w.hh_compound]
            else:
                self._event(c, "no bid", f"no_bid: the {who}'s tender found no acceptable bid; "
                            f"tendered again in {wait} weeks", float("nan"), "no_bid")
            return
        end = now + self.contract_weeks
        if prev == FIRM and incumbent == bid.firm.index:  # the incumbent wins its own re-tender
            mk.fee[c], mk.contract_service[c], mk.contract_end[c] = bid.fee, bid.service, end
            self._event(c, "contract renewed", f"bid_won: the incumbent won the {who}'s tender: fee "
                        f"{bid.fee:.2f} yuan/m²/month, service {bid.service:.0%}", bid.expected_collection, "bid_won")
            return
        if prev == FIRM:
            self.firm_list[incumbent].lose(c)
            self._event(c, "firm replaced", f"bid_won: another company won the {who}'s tender at the "
                        f"contract's end", float(mk.collection[c]), "bid_won")
        elif prev == RED:
            self.red_provider.release(c)
            self._event(c, "red property handed over", f"handover: environment {mk.env[c]:.2f} reached the "
                        f"standard {p['environment_standard']:.2f}", float(mk.env[c]), "handover")
        mk.award(c, bid.firm.index, bid.firm.cost_factor, bid.fee, bid.service, end, bid.worst_loss)
        bid.firm.win(c)
        self.firm_entries += 1
        self.provider_changes += 1
        if prev == NONE:
            self._new_provider_payment(c)
        self._event(c, "firm entered", f"bid_won: won the {who}'s tender: fee {bid.fee:.2f} yuan/m²/month, "
                    f"service {bid.service:.0%}; expected collection {bid.expected_collection:.0%}",
                    bid.expected_collection, "bid_won")

    # ---- 5c. red property takes unmanaged compounds with a party organisation, if the fund pays its start
    def _red_property_takes_over(self) -> None:
        p, w, mk = self.p, self.world, self.market
        share = self.policies.level("red_property_share")
        if share <= 0:
            return
        for c in red_candidates(mk.provider, self.party.compound_org, self.red_order, share):
            full_month = mk.firm_cost_m2[c] * p["red_property_cost_factor"] * w.c_area[c]
            grant = p["red_property_startup_months"] * full_month
            if self.ledger.pay("red_property_startup", grant, partial=False) <= 0 and grant > 0:
                continue
            mk.take_red(int(c), float(grant))
            mk.transfers_received += grant
            self.red_provider.take(int(c))
            self.tender_due[c] = NOT_DUE
            self.provider_changes += 1
            self._new_provider_payment(c)
            self._event(c, "red property took over", f"start-up grant {grant:,.0f} yuan from the fund", float(grant),
                        "red_property")

    def _subsidise(self, old_rate: float, red_rate: float, want: np.ndarray, totals: list[float],
                   transfers: np.ndarray) -> None:
        """The fund's subsidies into `transfers`: `old_rate` yuan/m²/month to old compounds with a
        provider, then `red_rate` to red property's compounds (a rate <= 0: none), as demanded
        (`model.ledger.subsidy_demands`: `want`, one row each, and their `totals`). Each is paid from
        the fund as one sum; if the fund falls short, every compound gets the same share of its demand."""
        old_total, red_total = totals
        nothing = -1.0  # (no share paid: the row is not added)
        pay = self.ledger.pay
        old_share = pay("property_subsidy", old_total) / old_total if old_rate > 0 and old_total > 0 else nothing
        red_share = pay("red_property_subsidy", red_total) / red_total if red_rate > 0 and red_total > 0 else nothing
        add_shares(transfers, want, old_share, red_share)

    def _new_provider_payment(self, c: int) -> None:
        """A new provider starts from few payers (Harbin Pingfang: 2.5 % after a month)."""
        self.residents.start_paying(self.world.households_of(c), self.streams.offset("property.entry_payment", self.steps),
                                    self.p["entry_payment_share"])

    # ---- 6. the ledger: direct costs of policies
    def _policy_costs(self) -> None:
        for pol in self.policies.costing():  # (the others cost nothing directly)
            self.ledger.spend_direct(pol.group, pol.direct_cost(self))

    def release(self) -> None:
        """Let Python free this model once the caller drops it.

        Mesa 3.3 keeps every model alive in `Agent._ids` (mesa issue #3179, fixed after 3.3),
        so thousands of runs in one process would pile up; batch runners call this at the end.
        """
        mesa.Agent._ids.pop(self, None)
        self.remove_all_agents()

    # ================================================================ checks
    def invariants(self) -> dict[str, bool]:
        """Conservation laws that must hold after every step (the tests assert them)."""
        mk, lg, c = self.market, self.ledger, self.problems.c
        revenue = mk.fees_received + mk.transfers_received
        paid_in = self.household_fees_paid + lg.to_providers()
        points_paid = lg.by_use().get("points_fee", 0.0) + lg.by_use().get("points_goods", 0.0)
        o = self.outcomes
        from .outcomes import RATES

        # money held by companies and red property = what they started with, received and paid out
        held = sum(f.reserve for f in self.firm_list) + mk.red_budget
        expected = (mk.firm_cash_start + mk.fees_received + mk.transfers_received - mk.costs_paid - mk.dividends)
        owned = [c for f in self.firm_list for c in f.contracts]
        firm_c = np.flatnonzero(mk.provider == FIRM)
        contracts_ok = (sorted(owned) == firm_c.tolist()
                        and all(mk.owner[c] == f.index for f in self.firm_list for c in f.contracts)
                        and self.red_provider.compounds == set(np.flatnonzero(mk.provider == RED).tolist()))

        return {
            "problems_conserved": self.problems.conserved(),
            "households_conserved": len(self.residents.satisfaction) == self.world.n == int(self.world.c_households.sum()),
            "provider_revenue_balances": abs(revenue - paid_in) <= 1e-6 * max(1.0, revenue),
            "fund_balances": lg.balances(),
            "fund_never_negative": lg.fund_balance >= -1e-6,
            "red_property_never_borrows": mk.red_budget >= -1e-6,
            "provider_money_conserved": abs(held - expected) <= 1e-6 * max(1.0, abs(expected), mk.costs_paid),
            "contracts_consistent": contracts_ok,
            "points_paid_for": abs(points_paid - self.points_redeemed_yuan) <= 1e-6 * max(1.0, points_paid),
            "rates_in_unit_interval": all(0.0 <= o[k] <= 1.0 for k in RATES),
            "no_nan": all(np.isfinite(v) for v in o.values()),
            "counts_consistent": (c.registered >= c.resolved + c.lost and o["problems_unresolved"] >= o["problems_lost"]),
            "grid_hours_balance": self.grid_hours.balances(),
            "records_never_below_experience": o["reported_resolution_rate"] >= o["resolution_rate"],
            "department_backlogs_never_negative": all(d.other_backlog >= 0 for d in self.departments),
        }

    # ================================================================ results
    def compound_table(self) -> pd.DataFrame:
        """Each compound's state now (one DataFrame built at once: runs take a snapshot every few weeks)."""
        w, mk = self.world, self.market
        base = w.compounds
        names = np.array(PROVIDER_NAMES, dtype=object)
        return pd.DataFrame({
            "compound": base["compound"].to_numpy(), "community": base["community"].to_numpy(),
            "type": base["type"].to_numpy(), "households": base["households"].to_numpy(),
            "provider": names[mk.provider], "provider_start": names[w.c_provider0],
            "party_org": self.party.compound_org.astype(int),
            "environment": mk.env.copy(), "service": mk.service.copy(),  # the market updates some arrays in place
            "fee_collection": mk.collection.copy(),
            "satisfaction": np.bincount(w.hh_compound, weights=self.residents.satisfaction,
                                        minlength=w.n_compounds) / w.c_households,
            "trust": np.bincount(w.hh_compound, weights=self.residents.trust, minlength=w.n_compounds) / w.c_households,
        }, index=base.index)

    def summary(self) -> dict:
        return {
            "version": __version__, "seed": self.seed, "steps": self.steps,
            "scenario": self.scenario.name if self.scenario else "custom",
            "outcomes": dict(self.outcomes), "breakdown": oc.breakdown(self),
            "spending_by_use": self.ledger.by_use(), "parameters": dict(self.p),
            "firm_exit_collections": list(self.exit_collections),
            "events": len(self.events),
            # the street that ran: with a compounds file its counts are the file's, not n_households'
            "street": {"households": int(self.world.n), "compounds": int(self.world.n_compounds),
                       "communities": int(self.world.n_communities),
                       "compounds_file": None},
        }
