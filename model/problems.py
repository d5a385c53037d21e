"""Problems and their lifecycle: arise -> discovered -> routed -> handled -> resolved, or lost.

Each household has one slot per problem category, so problems live in flat arrays of
households x categories: a slot is empty, latent (arisen, not yet known), registered (known,
waiting to reach a handler) or handling (at a level: grid worker, property provider,
deliberation, department). Resolved, lost and faded problems empty their slot and are
counted, so every problem is in exactly one state.

Random numbers: arising draws one uniform per slot per step from its stream; the later
stages, which concern few slots, use a counter-based uniform keyed by (seed, stage, step,
slot), so a slot's draw never depends on what other slots do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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
        a = self.active[self.state[self.active] >= min_state]
        return np.bincount(a // K, minlength=self.n)

    def level_of(self, idx: np.ndarray) -> np.ndarray:
        return CHAIN_TABLE[idx % K, self.level_pos[idx]]

    def conserved(self) -> bool:
        c, s = self.c, self.counts()
        live = s[LATENT] + s[REGISTERED] + s[HANDLING]
        return (c.arisen == live + c.faded + c.resolved + c.lost
                and c.registered == s[REGISTERED] + s[HANDLING] + c.resolved + c.lost)

    def _u(self, stage: str, idx: np.ndarray) -> np.ndarray:
        return self.streams.hashed(f"problems.{stage}", self.step_no, idx)

    # ---- lifecycle (each called once a step by the model's schedule, in this order)
    def arise(self, rate: np.ndarray, u: np.ndarray, step: int) -> None:
        """New latent problems where a slot is empty; `rate` and `u` are flat, per week."""
        self.step_no = step
        self.whistled_now = []
        old = self.active
        self.age[old] += 1
        new = np.flatnonzero((u < rate) & (self.state == EMPTY))
        self.state[new] = LATENT
        self.age[new] = 0
        self.c.arisen += len(new)
        self.active = np.concatenate((old, new)) if len(old) else new  # order is irrelevant

    def fade(self, p: float) -> None:
        a = self.active
        lat = a[self.state[a] == LATENT]
        gone = lat[self._u("fade", lat) < p]
        self.state[gone] = EMPTY
        self.c.faded += len(gone)
        self._compact()

    def discover(self, channel_chances, visited_hh: np.ndarray) -> None:
        """Latent problems become registered through one of the channels.

        `channel_chances(households)` gives (len x channels) weekly chances for the households
        asked (only those with latent problems are); one uniform per slot decides discovery and
        picks the channel. A door-knocking visit registers every latent problem of the household.
        """
        a = self.active
        lat = a[self.state[a] == LATENT]
        if len(lat) == 0:
            return
        hh = lat // K
        pc = channel_chances(hh)
        p_any = 1.0 - np.prod(1.0 - pc, axis=1)
        u = self._u("discover", lat)
        visit = visited_hh[hh]
        found = (u < p_any) | visit
        lat, hh, pc, p_any, u, visit = lat[found], hh[found], pc[found], p_any[found], u[found], visit[found]
        if len(lat) == 0:
            return
        cum = np.cumsum(pc, axis=1) * (p_any / np.maximum(pc.sum(axis=1), 1e-12))[:, None]
        ch = np.minimum((u[:, None] >= cum).sum(axis=1), len(CHANNELS) - 1).astype(np.int8)
        ch = np.where(visit, KNOCK, ch).astype(np.int8)
        self.state[lat] = REGISTERED
        self.channel[lat] = ch
        self.campaign[lat] = visit
        self.registered_at[lat] = self.step_no
        self.wait[lat] = 0
        self.level_pos[lat] = 0
        self.whistled[lat] = False
        c = self.c
        c.registered += len(lat)
        c.by_channel += np.bincount(ch, minlength=len(CHANNELS))
        c.registered_by_category += np.bincount(lat % K, minlength=K)
        c.campaign_registered += int(visit.sum())
        np.add.at(self.hh_registered, hh, 1)

    def route(self, p_route_hh: np.ndarray, available: np.ndarray) -> None:
        """Registered problems reach their first available handler (digital chains route faster)."""
        a = self.active
        reg = a[self.state[a] == REGISTERED]
        go = reg[self._u("route", reg) < p_route_hh[reg // K]]
        if len(go):
            self.state[go] = HANDLING
            self._place(go, np.zeros(len(go), np.int8), available)

    def _place(self, idx: np.ndarray, pos: np.ndarray, available: np.ndarray) -> None:
        """Put slots at the first available level at or after chain position `pos`.

        `available` is (compounds x levels); departments end every chain and are always
        available, so the search stops inside the chain.
        """
        kk = idx % K
        comp = self.hh_compound[idx // K]
        for _ in range(_MAX_CHAIN):
            ok = available[comp, CHAIN_TABLE[kk, pos]]
            if ok.all():
                break
            pos = np.where(ok, pos, pos + 1).astype(np.int8)
        self.level_pos[idx] = pos
        self.wait[idx] = 0
        new_whistle = (CHAIN_TABLE[kk, pos] == DEPARTMENT) & ~self.whistled[idx]
        self.whistled[idx[new_whistle]] = True
        self.whistled_now.append(idx[new_whistle])
        self.c.whistles += int(new_whistle.sum())
        self.c.whistles_by_category += np.bincount(kk[new_whistle], minlength=K)

    def handling(self) -> np.ndarray:
        a = self.active
        return a[self.state[a] == HANDLING]

    def resolve(self, idx: np.ndarray, prob: np.ndarray) -> np.ndarray:
        """Slots `idx` at their level are resolved with chance `prob` this week; returns those resolved."""
        self.resolved_now[:] = 0
        self.gamed_now[:] = 0
        done = idx[self._u("handle", idx) < prob]
        if len(done) == 0:
            return done
        c = self.c
        hh, kk = done // K, done % K
        lv = self.level_of(done)
        c.resolved += len(done)
        c.days_to_resolution_sum += float(np.sum(self.step_no - self.registered_at[done] + 1) * 7.0)
        c.resolved_by_level += np.bincount(lv, minlength=len(LEVELS))
        c.resolved_by_category += np.bincount(kk, minlength=K)
        np.add.at(c.resolved_by_level_category, (lv, kk), 1)
        c.whistles_answered += int(np.count_nonzero(lv == DEPARTMENT))
        c.campaign_resolved += int(self.campaign[done].sum())
        np.add.at(self.resolved_now, hh, 1)
        np.add.at(self.compound_resolved, (self.hh_compound[hh], kk, lv), 1)
        self.hh_resolved += self.resolved_now
        self._clear(done)
        return done

    def close_on_paper(self, idx: np.ndarray) -> None:
        """A department replies that slots `idx` are closed; the problems stay open and unhandled."""
        self.gamed[idx] = True
        self.c.gamed += len(idx)
        np.add.at(self.gamed_now, idx // K, 1)

    def escalate(self, weeks: int, available: np.ndarray) -> None:
        """Problems that waited `weeks` at a level move up their chain (the whistle at the end)."""
        h = self.handling()
        self.wait[h] += 1
        up = h[(self.wait[h] >= weeks) & (self.level_pos[h] < CHAIN_LAST[h % K])]
        if len(up):
            self._place(up, (self.level_pos[up] + 1).astype(np.int8), available)

    def lose(self, p_loss_hh: np.ndarray, max_age: int) -> None:
        a = self.active
        op = a[self.state[a] >= REGISTERED]
        gone = op[(self._u("lose", op) < p_loss_hh[op // K]) | (self.age[op] > max_age)]
        self.lost_now[:] = 0
        if len(gone):
            self.c.lost += len(gone)
            self.c.campaign_lost += int(self.campaign[gone].sum())
            np.add.at(self.lost_now, gone // K, 1)
            self._clear(gone)
        self._compact()

    def _clear(self, idx: np.ndarray) -> None:
        self.state[idx] = EMPTY
        self.campaign[idx] = False
        self.whistled[idx] = False
        self.gamed[idx] = False
        self.channel[idx] = -1

    def _compact(self) -> None:
        self.active = self.active[self.state[self.active] != EMPTY]
