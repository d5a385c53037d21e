"""Problems and their lifecycle: arise -> discovered -> routed -> handled -> resolved, or lost.

Each household has one slot per problem category, so problems live in flat arrays of
households x categories: a slot is empty, latent (arisen, not yet known), registered (known,
waiting to reach a handler) or handling (at a level: grid worker, property provider,
deliberation, department). Resolved, lost and faded problems empty their slot and are
counted, so every problem is in exactly one state.

Random numbers: arising draws one uniform per slot per step from its stream; the later
stages, which concern few slots, use a counter-based uniform keyed by (seed, stage, step,
slot), so a slot's draw never depends on what other slots do.

Speed (issue 17): each stage is one compiled pass (`model.jit.kernel`) over the live slots
(`Problems.active`) instead of a chain of numpy calls. Because every slot's fate in a stage
depends only on itself, the week's tables (chances per grid, compound, community) and its own
counter-based draw, a slot-by-slot pass gives exactly what the whole-array version gave; the
kernels keep its order (live slots as they arose) and its float operations one for one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agents import departments as _departments  # the module: `agents` may be importing `model` (a cycle)

from .jit import inline_kernel, kernel
from .streams import splitmix_uniform
from .units import DAYS_PER_WEEK, PER_THOUSAND

# ---- categories and the chain of levels each climbs (unavailable levels are skipped)
CATEGORIES = ("environment", "repair", "dispute", "elder_care")
K = len(CATEGORIES)
ENV, REPAIR, DISPUTE, ELDER = range(K)
LEVELS = ("grid", "property", "deliberation", "department")
GRID, PROPERTY, DELIBERATION, DEPARTMENT = range(len(LEVELS))
CHAINS = {
    ENV: (PROPERTY, DELIBERATION, GRID, DEPARTMENT),
    REPAIR: (PROPERTY, GRID, DEPARTMENT),
    DISPUTE: (GRID, DELIBERATION, DEPARTMENT),
    ELDER: (GRID, DEPARTMENT),
}
SEASONAL = np.array([True, True, False, False])  # heating, snow and ice
COLLECTIVE = np.array([True, False, True, False])  # what a compound deliberation can settle
STATES = ("empty", "latent", "registered", "handling")
EMPTY, LATENT, REGISTERED, HANDLING = range(len(STATES))
CHANNELS = ("resident_report", "grid_patrol", "central_household", "rider", "door_knocking", "early_warning")
REPORT, PATROL, CENTRAL, RIDER, KNOCK, WARNING = range(len(CHANNELS))
_MAX_CHAIN = max(len(chain) for chain in CHAINS.values())
DEPARTMENT_WEEK = ("answered", "on_time", "closed_on_paper")  # a department's week, per category (`Problems.work`)
ANSWERED, ON_TIME, CLOSED_ON_PAPER = range(len(DEPARTMENT_WEEK))
CHAIN_TABLE = np.full((K, _MAX_CHAIN), -1, np.int8)
CHAIN_LAST = np.zeros(K, np.int8)
for _k, _chain in CHAINS.items():
    CHAIN_TABLE[_k, : len(_chain)] = _chain
    CHAIN_LAST[_k] = len(_chain) - 1


def in_heating_season(week_of_year: int, start_week: int, end_week: int) -> bool:
    """From `start_week` (late October) to `end_week` (April) across the new year: heating, snow and ice."""
    return week_of_year >= start_week or week_of_year <= end_week


@dataclass
class Counters:
    """Cumulative counts since the start of the run."""

    arisen: int = 0
    faded: int = 0  # latent problems given up or fixed privately (never registered)
    registered: int = 0
    resolved: int = 0
    lost: int = 0
    whistles: int = 0
    whistles_answered: int = 0
    days_to_resolution_sum: float = 0.0
    campaign_registered: int = 0
    campaign_resolved: int = 0
    campaign_lost: int = 0
    gamed: int = 0  # whistles a department closed on paper while the problem stayed open

    def __post_init__(self):
        self.by_channel = np.zeros(len(CHANNELS), np.int64)
        self.resolved_by_level = np.zeros(len(LEVELS), np.int64)
        self.registered_by_category = np.zeros(K, np.int64)
        self.resolved_by_category = np.zeros(K, np.int64)
        self.resolved_by_level_category = np.zeros((len(LEVELS), K), np.int64)
        self.whistles_by_category = np.zeros(K, np.int64)


class Problems:
    """Flat (household, category) slots; slot i belongs to household i // K, category i % K."""

    def __init__(self, n: int, hh_compound: np.ndarray, streams):
        size = n * K
        self.n = n
        self.hh_compound = hh_compound
        self.streams = streams
        self.state = np.zeros(size, np.int8)
        self.level_pos = np.zeros(size, np.int8)
        self.age = np.zeros(size, np.int16)
        self.wait = np.zeros(size, np.int16)
        self.registered_at = np.zeros(size, np.int32)
        self.channel = np.full(size, -1, np.int8)
        self.campaign = np.zeros(size, bool)
        self.whistled = np.zeros(size, bool)
        self.gamed = np.zeros(size, bool)  # closed on paper by a department, still open
        self.gamed_now = np.zeros(n, np.int32)
        self.whistled_now: list[np.ndarray] = []  # slots whistled this week (for the grid's paperwork)
        self.active = np.zeros(0, np.int64)  # indices of non-empty slots, refreshed each step
        self.c = Counters()
        self.resolved_now = np.zeros(n, np.int32)
        self.lost_now = np.zeros(n, np.int32)
        self.hh_registered = np.zeros(n, np.int32)
        self.hh_resolved = np.zeros(n, np.int32)
        # resolved per compound, category and level: what a compound's story tells
        self.compound_resolved = np.zeros((int(hh_compound.max()) + 1 if n else 0, K, len(LEVELS)), np.int32)
        self.step_no = 0
        # the week's tallies, refilled by `route` (handled per level, per grid at the grid level, open
        # whistles per category and community) and `work` (the departments' week, `DEPARTMENT_WEEK`)
        self.at_level = np.zeros(len(LEVELS), np.int64)
        self.grid_queue = np.zeros(0, np.int64)
        self.department_queue = np.zeros((K, 0), np.int64)
        self._department_chance = np.zeros((K, 0))  # chance a whistle is answered, category x community
        self.department_week = np.zeros((len(DEPARTMENT_WEEK), K), np.int64)
        self._slots = np.empty(size, np.int64)  # scratch: the slots a pass whistled

    # ---- views
    def counts(self) -> np.ndarray:
        """Slots in each state now (empty, latent, registered, handling)."""
        c = np.bincount(self.state[self.active], minlength=len(STATES))
        c[EMPTY] = len(self.state) - len(self.active)
        return c

    def count(self, state: int) -> int:
        return int(self.counts()[state])

    def per_household(self, min_state: int = LATENT) -> np.ndarray:
        """Problems per household in a state >= `min_state` (LATENT: all live; REGISTERED: open)."""
        return _per_household(self.state, self.active, min_state, self.n)

    def level_of(self, idx: np.ndarray) -> np.ndarray:
        return CHAIN_TABLE[idx % K, self.level_pos[idx]]

    def conserved(self) -> bool:
        c, s = self.c, self.counts()
        live = s[LATENT] + s[REGISTERED] + s[HANDLING]
        return (c.arisen == live + c.faded + c.resolved + c.lost
                and c.registered == s[REGISTERED] + s[HANDLING] + c.resolved + c.lost)

    def handling(self) -> np.ndarray:
        return _in_state(self.state, self.active, HANDLING)

    def _offset(self, stage: str):
        return self.streams.offset(f"problems.{stage}", self.step_no)

    # ---- lifecycle (each called once a step by the model's schedule, in this order)
    def arise(self, base_rate: np.ndarray, per_compound: np.ndarray, season: float, u: np.ndarray, step: int,
              fade: float) -> None:
        """New latent problems where a slot is empty, then latent problems fade; live problems age a week.

        A slot's weekly rate is its `base_rate` (flat, float32) times its compound's and category's
        multiplier, float32(`per_compound` x `season` for seasonal categories, x 1 for others), the
        product taken in float32 and compared with the step's uniform `u` (float32, one per slot);
        a latent problem fades (given up or fixed privately, never registered) with chance `fade`.
        """
        self.step_no = step
        self.whistled_now = []
        self.active, arisen, faded = _arise_and_fade(self.state, self.age, self.active, base_rate, per_compound,
                                                     float(season), self.hh_compound, u, float(fade),
                                                     self._offset("fade"))
        self.c.arisen += arisen
        self.c.faded += faded

    def discover(self, visited_hh: np.ndarray, inputs: tuple, channel_chances=None) -> None:
        """Latent problems become registered through one of the channels.

        Each one's weekly channel chances come from the kernel `channel_chances` with `inputs` (its
        arguments after the households), computed inside the discovery pass; or, if given, from
        `channel_chances(households)`, (len x channels) for the households asked (only those with
        latent problems are). One uniform per slot decides discovery and picks the channel. A
        door-knocking visit (`visited_hh`) registers every latent problem of the household.
        """
        slots, pc = self.active, _NO_ROWS
        if channel_chances is not None:
            slots = _in_state(self.state, self.active, LATENT)
            if len(slots) == 0:
                return
            pc = channel_chances(slots // K)
        c = self.c
        registered, visits = _discover(slots, pc, self.state, self.channel, self.campaign, self.registered_at,
                                       self.wait, self.level_pos, self.whistled, visited_hh, self._offset("discover"),
                                       self.step_no, self.hh_registered, c.by_channel, c.registered_by_category,
                                       *inputs)
        c.registered += registered
        c.campaign_registered += visits

    def route(self, routing_base: float, digital: np.ndarray, hh_group: np.ndarray, available: np.ndarray,
              hh_grid: np.ndarray, n_grids: int) -> None:
        """Registered problems reach their first available handler with chance `routing_base` +
        (1 - `routing_base`) x `digital[group]` (digital chains route faster; `hh_group` is each
        household's community); `available` is (compounds x levels).

        Then tallies what the week's handling is shared by: problems handled at each level
        (`at_level`), at each grid's workers (`grid_queue`), and waiting for each department
        (`department_queue`, category x community: a whistle closed on paper is no longer worked on).
        """
        if len(self.grid_queue) != n_grids or self.department_queue.shape[1] != len(digital):
            self.grid_queue = np.zeros(n_grids, np.int64)
            self.department_queue = np.zeros((K, len(digital)), np.int64)
            self._department_chance = np.zeros((K, len(digital)))
        n = _route(self.state, self.level_pos, self.wait, self.whistled, self.gamed, self.active, self.hh_compound,
                   hh_group, float(routing_base), digital, available, self._offset("route"), hh_grid,
                   self.c.whistles_by_category, self._slots, self.at_level, self.grid_queue, self.department_queue)
        self._whistled(n)

    def work(self, hh_grid: np.ndarray, hh_group: np.ndarray, case_capacity: np.ndarray, cobuilding: float,
             grid_households: np.ndarray, grid_cap: float, property_resolve: float, service: np.ndarray,
             deliberation: np.ndarray, departments: tuple, power: np.ndarray | None, tilt_weight: float, rounds: int,
             gaming: np.ndarray | None, gaming_offset, escalation_weeks: float, available: np.ndarray,
             loss_rate: float, loss_cut: float, digital: np.ndarray, max_age: float, deadline: float,
             c_households: np.ndarray, record: np.ndarray, smoothing: float,
             hot_quantile: float | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The week's handling, after `route`: resolve, close on paper, escalate, lose.

        Each handled problem is resolved with its level's chance: at the grid, its workers' cases
        (`case_capacity` plus co-building units' `cobuilding` per 1,000 `grid_households`) shared
        over the grid's queue, at most `grid_cap`; at the property provider `property_resolve` x
        `service[compound]`; at a deliberation `deliberation[compound]` for collective problems (0
        for others); at a department, the share of its queue (`department_queue`) its capacity
        answers: `agents.departments.share_capacities` with `departments` (categories and
        capacities), the communities' scoring `power` (None: no whistle waits) and `tilt_weight`,
        in at most `rounds` (0 once closed on paper). A whistle not answered may be closed on paper
        by its department with chance `gaming[category]` (None: nobody games). Problems that waited
        `escalation_weeks` at a level move up their chain (the whistle at the end); open problems
        are lost with chance `loss_rate` x (1 - `loss_cut` x `digital[group]`) or past `max_age`.

        Books the departments' week (`department_week`: whistles answered, answered within
        `deadline` weeks, closed on paper, per category) and returns the platform's record of open
        problems per compound: `record` (a moving average) moved by `smoothing` toward this week's
        open (registered) problems per household; the whistle capacity each department used
        (-1: none waiting); and the early warning's hot spots on the new record (`hot_spots` at
        `hot_quantile`; none if it is None).
        """
        c = self.c
        game = gaming is not None
        shared = power is not None
        (self.active, resolved, weeks_open, answered, campaign_resolved, gamed, lost, campaign_lost, record, used,
         n, hot) = _work(
            self.state, self.level_pos, self.wait, self.age, self.registered_at, self.channel, self.campaign,
            self.whistled, self.gamed, self.active, self.hh_compound, hh_grid, hh_group, self.step_no,
            self.grid_queue, case_capacity, float(cobuilding), grid_households, float(grid_cap),
            float(property_resolve), service, deliberation, self.department_queue, self._department_chance, shared,
            *departments, power if shared else digital, float(tilt_weight), rounds, game,
            gaming if game else _NO_CHANCE,
            float(escalation_weeks), available, float(loss_rate), float(loss_cut), digital, float(max_age),
            float(deadline), self._offset("handle"), gaming_offset, self._offset("lose"), c_households, record,
            float(smoothing), self.resolved_now, self.gamed_now, self.lost_now, self.hh_resolved,
            self.compound_resolved, c.resolved_by_level, c.resolved_by_category, c.resolved_by_level_category,
            c.whistles_by_category, self.department_week, self._slots, hot_quantile is not None,
            0.0 if hot_quantile is None else float(hot_quantile))
        if resolved:
            c.resolved += resolved
            c.days_to_resolution_sum += float(weeks_open) * DAYS_PER_WEEK
            c.whistles_answered += answered
            c.campaign_resolved += campaign_resolved
        c.gamed += gamed
        c.lost += lost
        c.campaign_lost += campaign_lost
        self._whistled(n)
        return record, used, hot

    def _whistled(self, n: int) -> None:
        """The first `n` slots of the scratch space were whistled."""
        if n:
            self.whistled_now.append(self._slots[:n].copy())
            self.c.whistles += n


# ---- the kernels: one pass over the live slots per stage (see the module's docstring). Helpers
# called for every slot take scalars: each array handed to a compiled helper costs a reference
# count, which in a loop over the slots costs more than the work itself.
_NO_CHANCE = np.zeros(K)  # no department closes whistles on paper this week
_NO_ROWS = np.zeros((0, len(CHANNELS)))  # channel chances computed in the discovery pass
N_LEVELS = len(LEVELS)
N_CHANNELS = len(CHANNELS)


@kernel
def available_levels(provider, no_provider, compound_org, deliberation_on):
    """Levels each compound can handle at (compounds x levels): a property provider where there is
    one, a deliberation where a compound organisation holds them; grids and departments always."""
    av = np.ones((len(provider), N_LEVELS), np.bool_)
    for c in range(len(provider)):
        av[c, PROPERTY] = provider[c] != no_provider
        av[c, DELIBERATION] = compound_org[c] and deliberation_on
    return av


@kernel
def _per_household(state, active, min_state, n):
    """`np.bincount(households of live slots in a state >= min_state, minlength=n)`."""
    out = np.zeros(n, np.int64)
    for j in range(len(active)):
        i = active[j]
        if state[i] >= min_state:
            out[i // K] += 1
    return out


@kernel
def _in_state(state, active, which):
    """The live slots in state `which`, in the order of `active`."""
    out = np.empty(len(active), np.int64)
    m = 0
    for j in range(len(active)):
        if state[active[j]] == which:
            out[m] = active[j]
            m += 1
    return out[:m]


@kernel
def arising_multiplier(env, environment_factor, warned, prevention, digital, c_community, hot, followed):
    """Each compound's multiplier of its slots' base rates (7.2): 1 + `environment_factor` x (1 - env),
    and where the early warning is on (`warned`), times 1 - `prevention` x digital[community] x hot x
    followed (`prevention` = early_warning_prevention x the warning's level; a hot spot counts 1, others
    0; `followed` the share of the warning acted on). The numpy expressions' operations in their order,
    in one call: the week's tiny numpy operations on a few compounds cost more than the arithmetic."""
    out = np.empty(len(env))
    for c in range(len(env)):
        x = 1.0 + environment_factor * (1.0 - env[c])
        if warned:
            cut = prevention * digital[c_community[c]]
            cut = cut * (1.0 if hot[c] else 0.0)
            cut = cut * followed[c]
            x = x * (1.0 - cut)
        out[c] = x
    return out


@kernel
def deliberation_chance(meet, resolve, floor, scale, participation):
    """Each compound's chance a collective problem at its deliberation is settled this week (7.5):
    the chance a meeting is held (`meet`) x `resolve` x (`floor` + (1 - `floor`) x min(1, `scale` x
    the share taking part)); numpy's expression, operation by operation (`np.minimum`: nan passes)."""
    out = np.empty(len(meet))
    for c in range(len(meet)):
        x = scale * participation[c]
        x = x if (x < 1.0 or x != x) else 1.0
        out[c] = meet[c] * resolve * (floor + (1.0 - floor) * x)
    return out


@inline_kernel
def sorted_quantile(s, q):
    """`np.quantile` of the sorted values `s` at `q` (linear interpolation, numpy's own rounding: its
    formula switches at g = 0.5)."""
    idx = q * (len(s) - 1)
    lo = int(idx)
    g = idx - lo
    if g == 0.0:
        return s[lo]
    a, b = s[lo], s[lo + 1]
    d = b - a
    return b - d * (1.0 - g) if g >= 0.5 else a + d * g


@kernel
def hot_spots(record, quantile):
    """The early warning's hot spots (7.6): compounds whose record of open problems is at or above
    its `quantile` over the street's compounds, and above zero."""
    threshold = sorted_quantile(np.sort(record), quantile)
    hot = np.empty(len(record), np.bool_)
    for c in range(len(record)):
        hot[c] = record[c] >= threshold and record[c] > 0
    return hot


@kernel
def _arise_and_fade(state, age, active, base_rate, per_compound, season, hh_compound, u, fade, fade_offset):
    """Arising and fading in one pass. The live slots age; an empty slot gets a latent problem when
    its float32 uniform is below its float32 rate: `base_rate` x float32(`per_compound` x the
    category's season factor), numpy's `multiply.outer(...).astype(float32)` and float32 product;
    new slots follow the old in `active`; then each latent slot fades when its counter-based draw
    is below `fade`, and faded slots leave `active`. Returns (active, arisen, faded)."""
    mult = np.empty((len(per_compound), K), np.float32)
    for c in range(len(per_compound)):
        for k in range(K):
            mult[c, k] = per_compound[c] * (season if SEASONAL[k] else 1.0)
    out = np.empty(len(state), np.int64)
    m = 0
    for j in range(len(active)):
        i = active[j]
        age[i] += 1
        out[m] = i
        m += 1
    arisen = 0
    for h in range(len(hh_compound)):
        c = hh_compound[h]
        for k in range(K):
            i = h * K + k
            if u[i] < base_rate[i] * mult[c, k] and state[i] == EMPTY:
                state[i] = LATENT
                age[i] = 0
                out[m] = i
                m += 1
                arisen += 1
    kept = 0
    for j in range(m):
        i = out[j]
        if state[i] == LATENT and splitmix_uniform(fade_offset, i) < fade:
            state[i] = EMPTY
        else:
            out[kept] = i
            kept += 1
    return out[:kept], arisen, m - kept


@kernel
def _channel_row(trust, elderly, digital, patrol, warning_check, hot, central, rider_cover, warning_followed,
                 report_base, report_trust, report_digital, report_elderly, central_discovery, rider_discovery,
                 warning_discovery, warning_on, riders_on):
    """The model's weekly chance that each channel learns of a household's problem (a tuple in the
    order of CHANNELS), from the household's values (its trust, elderly?, community's digital
    level, grid's patrol and warning checks, compound hot?, central household?, compound's rider
    cover and warning follow-up): residents' reports (trust, digital platform, less for the
    elderly), grid patrols (plus warning checks of hot spots), central households, riders, door
    knocking (decided by the visit itself, 0 here) and the early warning (`warning_discovery` =
    its coefficient x the policy's level). numpy's operations of the former whole-array version,
    in its order."""
    hot_c = 1.0 if hot else 0.0
    x = report_base + report_trust * trust + report_digital * digital * (report_elderly if elderly else 1.0)
    report = min(max(x, 0.0), 1.0)
    patrols = min(1.0, patrol + warning_check * hot_c) if warning_on else patrol
    centrals = central_discovery * (1.0 if central else 0.0)
    riders = rider_discovery * rider_cover if riders_on else 0.0
    warning = warning_discovery * digital * hot_c * warning_followed if warning_on else 0.0
    return report, patrols, centrals, riders, 0.0, warning


@kernel
def channel_chances(hh, trust, elderly, digital, hh_community, hh_grid, hh_compound, patrol, warning_check, hot,
                    central, rider_cover, warning_followed, report_base, report_trust, report_digital,
                    report_elderly, central_discovery, rider_discovery, warning_discovery, warning_on, riders_on):
    """`_channel_row` for households `hh`: (len(hh) x channels)."""
    pc = np.zeros((len(hh), N_CHANNELS))
    for j in range(len(hh)):
        h = hh[j]
        g = hh_grid[h]
        c = hh_compound[h]
        row = _channel_row(trust[h], elderly[h], digital[hh_community[h]], patrol[g], warning_check[g], hot[c],
                           central[h], rider_cover[c] if riders_on else 0.0, warning_followed[c], report_base,
                           report_trust, report_digital, report_elderly, central_discovery, rider_discovery,
                           warning_discovery, warning_on, riders_on)
        for ch in range(N_CHANNELS):
            pc[j, ch] = row[ch]
    return pc


@kernel
def _found_on(row, u, visit):
    """The channel that registers a latent problem with channel chances `row` (a tuple) and draw
    `u`, or -1: found when `u` is below the chance any channel finds it (1 - prod(1 - row),
    sequential as numpy's row product) or its household is `visit`ed (then by door knocking);
    otherwise the same draw picks the channel on the cumulated chances scaled to that total
    (numpy's row cumsum and sum of six: sequential too)."""
    none = 1.0
    for x in row:
        none *= 1.0 - x
    p_any = 1.0 - none
    if not (u < p_any or visit):
        return -1
    if visit:
        return KNOCK
    total = 0.0
    for x in row:
        total += x
    scale = p_any / max(total, 1e-12)
    cum = 0.0
    ch = 0
    for x in row:
        cum += x
        if u >= cum * scale:
            ch += 1
    return min(ch, len(row) - 1)


@kernel
def _discover(slots, pc, state, channel, campaign, registered_at, wait, level_pos, whistled, visited_hh, offset, step,
              hh_registered, by_channel, by_category, trust, elderly, digital, hh_community, hh_grid, hh_compound,
              patrol, warning_check, hot, central, rider_cover, warning_followed, report_base, report_trust,
              report_digital, report_elderly, central_discovery, rider_discovery, warning_discovery, warning_on,
              riders_on):
    """Discovery of the latent slots among `slots`: with their channel chances given (`pc`, a row
    per slot) or, if `pc` has no rows, computed in the pass (`_channel_row`). Returns
    (registered, registered by a campaign visit)."""
    given = pc.shape[0] > 0
    registered = 0
    visits = 0
    for j in range(len(slots)):
        i = slots[j]
        if state[i] != LATENT:
            continue
        h = i // K
        if given:
            row = (pc[j, REPORT], pc[j, PATROL], pc[j, CENTRAL], pc[j, RIDER], pc[j, KNOCK], pc[j, WARNING])
        else:
            g = hh_grid[h]
            c = hh_compound[h]
            row = _channel_row(trust[h], elderly[h], digital[hh_community[h]], patrol[g], warning_check[g], hot[c],
                               central[h], rider_cover[c] if riders_on else 0.0, warning_followed[c], report_base,
                               report_trust, report_digital, report_elderly, central_discovery, rider_discovery,
                               warning_discovery, warning_on, riders_on)
        visit = visited_hh[h]
        ch = _found_on(row, splitmix_uniform(offset, i), visit)
        if ch < 0:
            continue
        state[i] = REGISTERED
        channel[i] = ch
        campaign[i] = visit
        registered_at[i] = step
        wait[i] = 0
        level_pos[i] = 0
        whistled[i] = False
        by_channel[ch] += 1
        by_category[i % K] += 1
        hh_registered[h] += 1
        registered += 1
        visits += visit
    return registered, visits


@inline_kernel
def _place(i, k, pos, level_pos, wait, whistled, whistles, n_whistles, whistles_by_category):
    """Slot `i` (category `k`) now waits at chain position `pos`; reaching a department for the first
    time is a new whistle (listed in `whistles`). Routing and escalation both place slots this way.
    Returns the whistles listed so far."""
    level_pos[i] = pos
    wait[i] = 0
    if CHAIN_TABLE[k, pos] == DEPARTMENT and not whistled[i]:  # a new whistle
        whistled[i] = True
        whistles[n_whistles] = i
        n_whistles += 1
        whistles_by_category[k] += 1
    return n_whistles


@kernel
def _first_available(k, pos, available_row):
    """The first chain position at or after `pos` whose level is available (`available_row`: the
    compound's); departments end every chain and are always available, so it stays in the chain."""
    for _ in range(_MAX_CHAIN):
        if available_row[CHAIN_TABLE[k, pos]]:
            break
        pos += 1
    return pos


@kernel
def _route(state, level_pos, wait, whistled, gamed, active, hh_compound, hh_group, routing_base, digital, available,
           offset, hh_grid, whistles_by_category, whistles, at_level, grid_queue, dept_queue):
    """Routing, and the tally of the slots now handled (see `Problems.route`): slots whistled into
    `whistles` (returns how many), the tallies into `at_level`, `grid_queue` and `dept_queue`."""
    at_level[:] = 0
    grid_queue[:] = 0
    dept_queue[:] = 0
    n_whistles = 0
    for j in range(len(active)):
        i = active[j]
        h = i // K
        k = i % K
        if state[i] == REGISTERED and splitmix_uniform(offset, i) < routing_base + (1.0 - routing_base) * digital[hh_group[h]]:
            state[i] = HANDLING
            n_whistles = _place(i, k, _first_available(k, 0, available[hh_compound[h]]), level_pos, wait, whistled,
                                whistles, n_whistles, whistles_by_category)
        if state[i] == HANDLING:
            lv = CHAIN_TABLE[k, level_pos[i]]
            at_level[lv] += 1
            if lv == GRID:
                grid_queue[hh_grid[h]] += 1
            elif lv == DEPARTMENT and not gamed[i]:
                dept_queue[k, hh_group[h]] += 1
    return n_whistles


@kernel
def _work(state, level_pos, wait, age, registered_at, channel, campaign, whistled, gamed, active, hh_compound, hh_grid,
          hh_group, step, grid_queue, case_capacity, cobuilding, grid_households, grid_cap, property_resolve, service,
          deliberation, dept_queue, department, shared, categories, caps, power, tilt_weight, rounds, game, gaming,
          escalation_weeks, available, loss_rate, loss_cut, digital, max_age,
          deadline, handle_offset, gaming_offset, lose_offset, c_households, record, smoothing, resolved_now, gamed_now,
          lost_now, hh_resolved, compound_resolved, resolved_by_level, resolved_by_category, resolved_by_level_category,
          whistles_by_category, dept_week, whistles, warned, hot_quantile):
    """The week's handling of each live slot in turn (see `Problems.work`): resolve (draw
    "handle"), else close on paper (draw "department.gaming"), else wait and maybe escalate (new
    whistles into `whistles`); then lose an open problem (draw "lose" or age) and count what stays
    open per compound. A slot's steps depend on itself and the week's tables only, so this is the
    stage-by-stage order's result. The grid's chance and the record's moving average are numpy's
    expressions element by element. Returns (active, resolved, weeks open of those resolved,
    answered by departments, resolved of a campaign, closed on paper, lost, lost of a campaign,
    the new record, whistle capacity each department used, new whistles)."""
    pg = np.empty(len(grid_queue))
    for g in range(len(grid_queue)):
        cap = case_capacity[g] + cobuilding * grid_households[g] / PER_THOUSAND
        pg[g] = min(grid_cap, cap / max(grid_queue[g], 1))
    department[:] = 0.0
    used = np.full(len(categories), -1.0)
    if shared:
        used = _departments.share_capacities(dept_queue, categories, caps, tilt_weight, power, rounds, department)
    resolved_now[:] = 0
    gamed_now[:] = 0
    lost_now[:] = 0
    dept_week[:] = 0
    resolved = weeks_open = answered = campaign_resolved = n_gamed = lost = campaign_lost = n_whistles = 0
    open_c = np.zeros(len(c_households), np.int64)
    out = np.empty(len(active), np.int64)
    kept = 0
    for j in range(len(active)):
        i = active[j]
        h = i // K
        k = i % K
        c = hh_compound[h]
        if state[i] == HANDLING:
            lv = CHAIN_TABLE[k, level_pos[i]]
            if lv == GRID:
                prob = pg[hh_grid[h]]
            elif lv == PROPERTY:
                prob = property_resolve * service[c]
            elif lv == DELIBERATION:
                prob = deliberation[c] if COLLECTIVE[k] else 0.0
            else:
                prob = 0.0 if gamed[i] else department[k, hh_group[h]]
            if splitmix_uniform(handle_offset, i) < prob:
                resolved += 1
                weeks_open += step - registered_at[i] + 1
                resolved_by_level[lv] += 1
                resolved_by_category[k] += 1
                resolved_by_level_category[lv, k] += 1
                if lv == DEPARTMENT:
                    answered += 1
                    dept_week[ANSWERED, k] += 1
                    if wait[i] < deadline:
                        dept_week[ON_TIME, k] += 1
                if campaign[i]:
                    campaign_resolved += 1
                resolved_now[h] += 1
                hh_resolved[h] += 1
                compound_resolved[c, k, lv] += 1
                state[i] = EMPTY  # the slot is cleared
                campaign[i] = whistled[i] = gamed[i] = False
                channel[i] = -1
            else:
                if lv == DEPARTMENT and game and not gamed[i] and splitmix_uniform(gaming_offset, i) < gaming[k]:
                    gamed[i] = True
                    n_gamed += 1
                    gamed_now[h] += 1
                    dept_week[CLOSED_ON_PAPER, k] += 1
                wait[i] += 1
                if wait[i] >= escalation_weeks and level_pos[i] < CHAIN_LAST[k]:
                    n_whistles = _place(i, k, _first_available(k, level_pos[i] + 1, available[c]), level_pos, wait,
                                        whistled, whistles, n_whistles, whistles_by_category)
        if state[i] >= REGISTERED:
            if splitmix_uniform(lose_offset, i) < loss_rate * (1.0 - loss_cut * digital[hh_group[h]]) or age[i] > max_age:
                lost += 1
                if campaign[i]:
                    campaign_lost += 1
                lost_now[h] += 1
                state[i] = EMPTY  # the slot is cleared
                campaign[i] = whistled[i] = gamed[i] = False
                channel[i] = -1
            else:
                open_c[c] += 1
        if state[i] != EMPTY:
            out[kept] = i
            kept += 1
    new_record = np.empty(len(c_households))
    for c in range(len(c_households)):
        new_record[c] = (1.0 - smoothing) * record[c] + smoothing * (open_c[c] / max(c_households[c], 1))
    hot = hot_spots(new_record, hot_quantile) if warned else np.zeros(len(c_households), np.bool_)
    return (out[:kept], resolved, weeks_open, answered, campaign_resolved, n_gamed, lost, campaign_lost, new_record,
            used, n_whistles, hot)
