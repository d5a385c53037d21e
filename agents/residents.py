"""Resident households: their state lives in arrays, each rule is one array operation a step.

Satisfaction, trust, fee payment and participation are the residents' side of the vicious
cycle (payment <- satisfaction <- environment <- service <- revenue <- payment). A single
household can still be looked at as an object: `model.residents[i]` or `model.resident(i)`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit


STARTING_TRAITS = ("satisfaction", "trust", "belonging")  # each starts at its mean plus noise


def logistic(x: np.ndarray) -> np.ndarray:
    return expit(x)  # no overflow for extreme log-odds


class Residents:
    """All households of the street as arrays (one entry per household)."""

    def __init__(self, world, p: dict, init_rng: np.random.Generator, managed0: np.ndarray, env0: np.ndarray):
        n = world.n
        self.world = world
        self.n = n
        comp = world.hh_compound
        noise = init_rng.normal(0, p["trait_start_sd"], (len(STARTING_TRAITS), n))
        self.satisfaction = np.clip(p["satisfaction_start_base"] + p["satisfaction_start_env"] * env0[comp]
                                    + p["satisfaction_start_managed"] * managed0[comp] + noise[0], 0, 1)
        self.trust = np.clip(p["trust_mean"] + p["party_trust_base"] * world.c_party[comp] + noise[1], 0, 1)
        self.belonging = np.clip(p["belonging_mean"] + noise[2], 0, 1)
        self.belonging_before_culture = self.belonging.copy()  # the level belonging fades back to
        self.points_belief = np.full(n, p["points_belief_start"])  # belief that points are paid at face value
        self.paying = np.zeros(n, bool)
        self.participating = np.zeros(n, bool)
        self.points = np.zeros(n)
        self.points_redeemed_yuan = np.zeros(n)  # lifetime value received
        self.recent_resolved = np.zeros(n)  # decaying memory of own problems solved
        self.recent_lost = np.zeros(n)
        self.pay_prob = np.zeros(n)
        self.fee_burden_pct = np.zeros(n)

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> "Resident":
        if not -self.n <= i < self.n:
            raise IndexError(f"household {i} out of range [0, {self.n})")
        return Resident(self, int(i) % self.n)

    # ---------------------------------------------------------------- rules
    def update_satisfaction(self, p, env_hh, service_hh, open_problems_hh, neighbour_mean):
        """Satisfaction moves toward what the household sees: environment, service, its problems."""
        w_env = p["env_satisfaction_weight"]
        target = (p["satisfaction_base"] + w_env * env_hh + (1.0 - w_env) * p["satisfaction_service_weight"] * service_hh
                  + p["satisfaction_resolved_gain"] * np.minimum(self.recent_resolved, 1.0)
                  - p["satisfaction_open_penalty"] * np.minimum(open_problems_hh, p["satisfaction_open_cap"])
                  - p["satisfaction_lost_penalty"] * np.minimum(self.recent_lost, 1.0))
        np.clip(target, 0.0, 1.0, out=target)
        nw = p["network_weight"]
        self.satisfaction += p["satisfaction_rate"] * ((1 - nw) * target + nw * neighbour_mean - self.satisfaction)
        np.clip(self.satisfaction, 0.0, 1.0, out=self.satisfaction)

    def update_trust(self, p, base, resolved_now, lost_now, neighbour_mean, contact, gamed_now=None):
        """Trust in the community organisation: jumps with own problems' fate, drifts to its base.

        `contact` (0-1) is the pull of party work around the household (central households,
        red property, deliberation), which raises the base trust drifts to. `gamed_now` counts
        the household's problems a department reported closed this week while they stay open:
        the household sees through it, loses trust and remembers it like a problem dropped.
        """
        nw = p["network_weight"]
        self.trust += p["trust_rate"] * ((1 - nw) * (base + contact) + nw * neighbour_mean - self.trust)
        self.trust += p["trust_resolved_gain"] * resolved_now - p["trust_lost_penalty"] * lost_now
        if gamed_now is not None:
            self.trust -= p["trust_gamed_penalty"] * gamed_now
            lost_now = lost_now + gamed_now
        np.clip(self.trust, 0.0, 1.0, out=self.trust)
        memory = p["problem_memory"]
        self.recent_resolved = memory * self.recent_resolved + resolved_now
        self.recent_lost = memory * self.recent_lost + lost_now

    def decide_payment(self, p, managed, fee_month_hh, discount_hh, neighbour_paying, u, review_all=False, shift=None):
        """Pay the property fee? A logistic threshold on satisfaction, trust, neighbours and burden.

        A household reconsiders with chance `pay_review_rate` (one uniform `u` decides both:
        it reviews if u < rate, and then pays if u / rate < its paying chance). Where there is
        no provider nobody pays. `discount_hh` (yuan/month) is what its points will cover. `shift`
        (log-odds per household, optional) is an owners' committee's stance in a participatory class.
        """
        burden = np.maximum(fee_month_hh - discount_hh, 0.0) / self.world.hh_income * 100.0
        self.fee_burden_pct = burden
        x = (p["pay_intercept"] + p["pay_satisfaction_weight"] * self.satisfaction
             + p["pay_trust_weight"] * self.trust + p["pay_neighbour_weight"] * neighbour_paying
             - p["pay_fee_weight"] * burden)
        if shift is not None:
            x = x + shift
        self.pay_prob = logistic(x) * managed
        rate = 1.0 if review_all else p["pay_review_rate"]
        review = u < rate
        self.paying = np.where(review, u < rate * self.pay_prob, self.paying) & managed

    def raise_belonging(self, rate_per_year: float) -> None:
        """Community culture work pulls belonging toward 1."""
        self.belonging += rate_per_year / 52.0 * (1.0 - self.belonging)

    def fade_belonging(self, rate_per_year: float) -> None:
        """Without upkeep, belonging fades back toward where it was before culture work."""
        self.belonging -= rate_per_year / 52.0 * (self.belonging - self.belonging_before_culture)

    def learn_points_value(self, p, tried: np.ndarray, paid: np.ndarray, W) -> None:
        """Households learn whether points are paid: from their own redemption this week if they
        tried, else from neighbours who tried (the share of them paid); no news, no change.

        Ties are symmetric and each neighbour counts alike (W is the row-normalised adjacency),
        so the share is counted from the triers' own neighbour lists: cheap when few try."""
        who = np.flatnonzero(tried)
        if len(who) == 0:  # nobody tried to redeem this week: no news anywhere
            return
        starts, lens = W.indptr[who], np.diff(W.indptr)[who]
        ends = np.cumsum(lens)
        pos = np.arange(ends[-1]) - np.repeat(ends - lens - starts, lens)  # positions of the triers' ties in W
        told = W.indices[pos]  # each neighbour of a trier, once per trier
        n_tried = np.bincount(told, minlength=self.n)
        n_paid = np.bincount(told, weights=np.repeat(paid[who], lens).astype(float), minlength=self.n)
        seen = np.where(tried, paid.astype(float), np.divide(n_paid, n_tried, out=np.zeros(self.n), where=n_tried > 0))
        news = tried | (n_tried > 0)
        self.points_belief += p["points_learning_rate"] * news * (seen - self.points_belief)

    def decide_participation(self, p, reward_yuan, neighbour_part, u, shift=None):
        """Take part in a community act this week (cleaning, deliberation, volunteering)? `shift`: as in payment."""
        x = (p["participation_intercept"] + p["participation_trust_weight"] * self.trust
             + p["participation_belonging_weight"] * self.belonging
             + p["participation_neighbour_weight"] * neighbour_part
             + p["participation_reward_weight"] * reward_yuan)
        if shift is not None:
            x = x + shift
        self.participating = u < logistic(x)


@dataclass
class Resident:
    """A read-only look at one household, for inspection and teaching."""

    residents: Residents
    index: int

    def __getattr__(self, name):
        if name in ("satisfaction", "trust", "belonging", "paying", "participating", "points",
                    "pay_prob", "fee_burden_pct", "points_redeemed_yuan", "points_belief"):
            return getattr(self.residents, name)[self.index].item()
        w = self.residents.world
        if name in ("elderly", "low_income", "party_member", "central", "rider"):
            return bool(getattr(w, name)[self.index])
        raise AttributeError(name)

    @property
    def compound(self) -> str:
        w = self.residents.world
        return str(w.compounds["compound"].iloc[w.hh_compound[self.index]])

    @property
    def community(self) -> str:
        w = self.residents.world
        return w.community_names[w.hh_community[self.index]]

    @property
    def grid(self) -> int:
        return int(self.residents.world.hh_grid[self.index])

    @property
    def building(self) -> int:
        return int(self.residents.world.hh_building[self.index])

    @property
    def neighbours(self) -> list[int]:
        W = self.residents.world.W
        return W.indices[W.indptr[self.index]: W.indptr[self.index + 1]].tolist()

    def as_dict(self) -> dict:
        keys = ("compound", "community", "grid", "building", "elderly", "low_income", "party_member",
                "central", "rider", "satisfaction", "trust", "belonging", "paying", "participating",
                "points", "fee_burden_pct")
        return {"household": self.index, **{k: getattr(self, k) for k in keys}}

    def __repr__(self) -> str:
        d = self.as_dict()
        return "Resident(" + ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in d.items()) + ")"
