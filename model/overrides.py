"""Decisions people make in place of a simulated rule: the hook of the participatory classroom.

`model.overrides` is None in every ordinary run, and the model runs exactly as without this
module. A participatory class (`govsim class`) sets it, each round, to an `Overrides` holding
the decisions of the students who play a role; every role not in it stays simulated. The
decisions never replace the model's rules: each enters one rule at the place the role acts,
through a coefficient of the parameter table (group `classroom_roles`):

- a compound's owners' committee (业委会): its stance on the fee shifts its households' own
  payment rule (log-odds, `committee_fee_stance_effect`); a tender puts its vacancy out now
  through the model's own tender (`model/tendering.py`); a collective report raises its households'
  report chance; a deliberation it calls opens the deliberation level for its collective
  problems; a call to volunteer shifts its households' participation rule;
- a grid worker: shares the grid's hours (`model/grid_time.py`) among paperwork (never less than
  the street demands, which is served first), cases, patrols and home visits (after meetings,
  the campaign and warning checks, which keep their priority); visits find problems like
  patrols, more slowly (`grid_visit_pace`), and build trust (`contact_trust_visit`);
- a department head: sets the share of capacity given to whistles each week (the score's
  adjustment of issue 16 then moves it as for any department), and decides whether to close
  waiting whistles by a reply (the model's gaming: closed on paper, the problem stays open;
  `department_reply_share` a week) instead of the score's pressure deciding it;
- a property company (issue 15's `agents/firms.py`): the service level of its contracts (never
  below the contract minimum), leaving a contract now instead of by its patience and reserve, and
  bids that take vacant compounds at the guideline fee and the contract minimum.

Each hook takes the value the simulated rule computed and returns it unchanged when no
decision applies. The model's stages call them only when `model.overrides` is set.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .problems import REPORT
from .units import WEEKS_PER_MONTH
from .world import NONE

CHOSEN = "chosen"  # the reason recorded for a played company's own act

STANCES = {-1: "oppose", 0: "leave to households", 1: "back"}


@dataclass(frozen=True)
class CommitteeDecision:
    """An owners' committee's round: fee stance (-1 oppose, 0 leave it to households, 1 back) and acts."""

    fee_stance: int = 0
    tender: bool = False
    report: bool = False
    deliberate: bool = False
    volunteer: bool = False


@dataclass(frozen=True)
class GridDecision:
    """Shares of a grid's working hours (normalised to sum to one)."""

    cases: float
    patrols: float
    visits: float
    paperwork: float


@dataclass(frozen=True)
class DepartmentDecision:
    """Share of capacity for whistles (0-1) and whether to close waiting whistles by a reply."""

    whistle_share: float
    close_by_reply: bool = False


@dataclass(frozen=True)
class FirmDecision:
    """A firm's contract: service level (None: the firm's own rule) and whether to leave now."""

    service: float | None = None
    leave: bool = False


@dataclass
class Overrides:
    """Decisions keyed by what they govern: compound index, grid index, department name, compound of a contract.

    Acts of a round that are not weekly rules (a tender called, a contract given up, a vacancy
    taken by a played company) go through `call_tender`, `leave_contract` and `take_vacancy` below.
    """

    committees: dict[int, CommitteeDecision] = field(default_factory=dict)
    grids: dict[int, GridDecision] = field(default_factory=dict)
    departments: dict[str, DepartmentDecision] = field(default_factory=dict)
    firms: dict[int, FirmDecision] = field(default_factory=dict)

    # ---------------------------------------------------------------- helpers
    def _per_compound(self, model, value) -> np.ndarray | None:
        """A per-compound array from {compound: value} of the committees, or None if all zero."""
        out = np.zeros(model.world.n_compounds)
        for c, d in self.committees.items():
            out[c] = value(d)
        return out if out.any() else None

    def _mask(self, model, chosen) -> np.ndarray:
        m = np.zeros(model.world.n_compounds, bool)
        m[[c for c, d in self.committees.items() if chosen(d)]] = True
        return m

    # ---------------------------------------------------------------- owners' committees
    def payment_shift(self, model) -> np.ndarray | None:
        """Log-odds added to each household's payment rule: its committee's stance x the effect."""
        c = self._per_compound(model, lambda d: d.fee_stance * model.p["committee_fee_stance_effect"])
        return None if c is None else c[model.world.hh_compound]

    def participation_shift(self, model) -> np.ndarray | None:
        c = self._per_compound(model, lambda d: d.volunteer * model.p["committee_volunteer_effect"])
        return None if c is None else c[model.world.hh_compound]

    def channel_chances(self, model, hh: np.ndarray, pc: np.ndarray) -> np.ndarray:
        """A collective report raises the households' own report channel."""
        boost = self._per_compound(model, lambda d: d.report * model.p["committee_report_effect"])
        if boost is not None:
            pc[:, REPORT] = np.minimum(1.0, pc[:, REPORT] + boost[model.world.hh_compound[hh]])
        return pc

    def available(self, model, av: np.ndarray, level: int) -> np.ndarray:
        """A deliberation called by a committee opens the deliberation level in its compound."""
        av[:, level] |= self._mask(model, lambda d: d.deliberate)
        return av

    def meeting_chance(self, model, meet: np.ndarray) -> np.ndarray:
        called = self._mask(model, lambda d: d.deliberate)
        if not called.any():
            return meet
        return np.where(called, np.maximum(meet, min(1.0, model.p["committee_deliberation_rate"] / WEEKS_PER_MONTH)),
                        meet)

    # ---------------------------------------------------------------- grid workers
    def _grid_split(self, model) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
        """Per grid: chosen?, paperwork share of the hours, and the shares of what is left for cases
        and home visits (patrols get the rest), from the played grid workers' decisions; or None."""
        if not self.grids:
            return None
        n = len(model.grid.households)
        chosen = np.zeros(n, bool)
        paper = np.zeros(n)
        cases = np.full(n, 1.0 - model.p["grid_patrol_share"])
        visits = np.zeros(n)
        for g, d in self.grids.items():
            total = d.cases + d.patrols + d.visits + d.paperwork
            work = d.cases + d.patrols + d.visits
            if total <= 0 or work <= 0:
                continue
            chosen[g] = True
            paper[g], cases[g], visits[g] = d.paperwork / total, d.cases / work, d.visits / work
        return chosen, paper, cases, visits

    def grid_budget(self, model, paperwork_hours: np.ndarray, case_share: float) -> tuple[np.ndarray, np.ndarray | float]:
        """A played grid worker's paperwork (never less than the street demands: it is served first)
        and share of the remaining hours for cases; patrols and home visits share the rest."""
        split = self._grid_split(model)
        if split is None:
            return paperwork_hours, case_share
        chosen, paper, cases, _ = split
        hours = model.grid.hours(model.p)
        return (np.where(chosen, np.maximum(paperwork_hours, paper * hours), paperwork_hours),
                np.where(chosen, cases, case_share))

    def _visit_calls(self, model) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """(chosen, patrol calls, home visits) per grid this week, from the hours left after cases."""
        split = self._grid_split(model)
        if split is None:
            return None
        chosen, _, cases, visits = split
        rest = model.grid_hours.week["patrols"]  # patrols and home visits share what cases left
        to_visits = np.divide(visits, 1.0 - cases, out=np.zeros_like(visits), where=cases < 1.0)
        per_call = model.grid.visit_hours(model.p)
        return chosen, rest * (1.0 - to_visits) / per_call, rest * to_visits * model.p["grid_visit_pace"] / per_call

    def patrol_chance(self, model, patrol: np.ndarray) -> np.ndarray:
        """Home visits find problems as patrols do, at `grid_visit_pace` households per patrol call."""
        calls = self._visit_calls(model)
        if calls is None:
            return patrol
        chosen, patrols, visits = calls
        return np.where(chosen, np.minimum(1.0, (patrols + visits) / np.maximum(model.grid.households, 1.0)), patrol)

    def contact(self, model, contact: np.ndarray) -> np.ndarray:
        """Visits build trust: households drift toward a higher trust where their grid worker visits."""
        calls = self._visit_calls(model)
        if calls is None:
            return contact
        chosen, _, visits = calls
        cover = np.minimum(1.0, visits / np.maximum(model.grid.households, 1.0))
        return contact + model.p["contact_trust_visit"] * np.where(chosen, cover, 0.0)[model.world.hh_grid]

    # ---------------------------------------------------------------- departments
    def whistle_shares(self, model) -> None:
        """A played head sets the week's share of capacity for whistles (the score's adjustment
        then moves it as for any department, and the head sets it again next week)."""
        for dept in model.departments:
            d = self.departments.get(dept.name)
            if d is not None:
                dept.whistle_share = min(1.0, max(0.0, d.whistle_share))

    def replying(self) -> bool:
        return any(d.close_by_reply for d in self.departments.values())

    def gaming_chance(self, model, chance: np.ndarray) -> np.ndarray:
        """A played head's choice replaces the score's pressure: close waiting whistles by a reply
        (`department_reply_share` of them a week) or never."""
        out = chance.copy()
        for dept in model.departments:
            d = self.departments.get(dept.name)
            if d is not None:
                out[dept.category] = model.p["department_reply_share"] if d.close_by_reply else 0.0
        return out

    # ---------------------------------------------------------------- property firms
    def service_chosen(self, model) -> np.ndarray | None:
        """Per compound: the service a played firm chose (NaN: its own rule decides)."""
        chosen = {c: d.service for c, d in self.firms.items() if d.service is not None}
        if not chosen:
            return None
        out = np.full(model.world.n_compounds, np.nan)
        out[list(chosen)] = list(chosen.values())
        return out


# ---------------------------------------------------------------- acts at the start of a round
def call_tender(model, c: int) -> bool:
    """An owners' committee puts its vacant compound out to tender now (the model's own tender,
    `model/tendering.py`: the companies' appraisals and the published scoring decide)."""
    if model.market.provider[c] != NONE:
        return False
    model.call_tender(int(c), model.steps)
    return True


def leave_contract(model, company, c: int) -> None:
    """A played company gives up its contract of compound `c` now (tendered again at once)."""
    if c in company.contracts:
        company.contracts.discard(c)
        company.left += 1
        model.contract_left(int(c), CHOSEN, "its manager chose to leave")


def take_vacancy(model, company, c: int) -> bool:
    """A played company's bid for a vacant compound: it takes the contract at the guideline fee and
    the contract minimum, as the model awards a tender, whatever its appraisal says (its choice)."""
    mk = model.market
    if mk.provider[c] != NONE:
        return False
    mk.award(int(c), company.index, company.cost_factor, float(mk.guide_fee[c]), model.p["firm_min_service"],
             model.steps + model.contract_weeks)
    company.win(int(c))
    from .model import NOT_DUE  # late: the model module is the hook's caller

    model.tender_due[c] = NOT_DUE
    model.firm_entries += 1
    model.provider_changes += 1
    model._new_provider_payment(int(c))
    model._event(int(c), "firm entered", f"{CHOSEN}: a played company took the vacancy at the guideline fee "
                 f"{mk.guide_fee[c]:.2f} yuan/m²/month and the contract minimum", float("nan"), CHOSEN)
    return True
