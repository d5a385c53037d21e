"""Decisions people make in place of a simulated rule: the hook of the participatory classroom.

`model.overrides` is None in every ordinary run, and the model runs exactly as without this
module. A participatory class (`govsim class`) sets it, each round, to an `Overrides` holding
the decisions of the students who play a role; every role not in it stays simulated. The
decisions never replace the model's rules: each enters one rule at the place the role acts,
through a coefficient of the parameter table (group `classroom_roles`):

- a compound's owners' committee (业委会): its stance on the fee shifts its households' own
  payment rule (log-odds, `committee_fee_stance_effect`); a tender makes firms appraise its
  vacancy this week (the entry rule still decides); a collective report raises its households'
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
- a property firm: the service level of its contracts (never below the contract minimum),
  leaving now instead of when the reserve is gone, and bids that win vacant compounds.

Each hook takes the value the simulated rule computed and returns it unchanged when no
decision applies. The model's stages call them only when `model.overrides` is set.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .problems import REPORT
from .property_market import WEEKS_PER_MONTH

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

    `bids` are vacant compounds a played firm bids for. After a step, `won` (compounds a bid won)
    and `left` (contracts given up) tell what the decisions did.
    """

    committees: dict[int, CommitteeDecision] = field(default_factory=dict)
    grids: dict[int, GridDecision] = field(default_factory=dict)
    departments: dict[str, DepartmentDecision] = field(default_factory=dict)
    firms: dict[int, FirmDecision] = field(default_factory=dict)
    bids: frozenset[int] = frozenset()
    won: list[int] = field(default_factory=list)
    left: list[int] = field(default_factory=list)

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

    def meeting_chance(self, model, meet: float) -> float | np.ndarray:
        called = self._mask(model, lambda d: d.deliberate)
        if not called.any():
            return meet
        return np.where(called, np.maximum(meet, min(1.0, model.p["committee_deliberation_rate"] / WEEKS_PER_MONTH)),
                        meet)

    def looking(self, model, looking: np.ndarray, vacant: np.ndarray) -> np.ndarray:
        """A tender (or a played firm's bid) makes firms appraise a vacant compound this week."""
        asked = self._mask(model, lambda d: d.tender)
        asked[list(self.bids)] = True
        return looking | (asked & vacant)

    def margin(self, model, margin: np.ndarray) -> np.ndarray:
        """A played firm that bids takes the compound whatever the appraisal says: its own choice."""
        if not self.bids:
            return margin
        bid = np.zeros(len(margin), bool)
        bid[list(self.bids)] = True
        return np.where(bid, np.inf, margin)

    def entered(self, c: int) -> None:
        if c in self.bids:
            self.won.append(int(c))

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

    def exits(self, model, leaving: np.ndarray, managed_by_firm: np.ndarray) -> np.ndarray:
        """Contracts a played firm gives up now, besides those whose reserve ran out."""
        quit_ = [c for c, d in self.firms.items() if d.leave and managed_by_firm[c] and c not in set(leaving.tolist())]
        self.left.extend(int(c) for c in quit_)
        return np.concatenate([leaving, np.array(quit_, dtype=leaving.dtype)]) if quit_ else leaving
