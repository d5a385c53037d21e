"""The party organisation's four tiers: community committee -> compound organisation ->
grid branch -> central households (党员中心户).

Coverage differs between communities (P1). A compound organisation brings central households
(who learn of neighbours' problems), deliberation and red property within reach, and raises the
trust residents drift to. The coverage policy closes a share of the gap, in a fixed order of
compounds so that a larger dose covers everything a smaller one did.
"""

from __future__ import annotations

import numpy as np


class PartyOrganisation:
    def __init__(self, world, order_u: np.ndarray):
        self.world = world
        self.initial = world.c_party.copy()
        self._order_u = order_u  # one fixed uniform per compound
        self.compound_org = self.initial.copy()
        self._boost = None  # the boost `compound_org` was last set for
        self._central = (None, None)  # (compound_org, central_active()) last computed from it
        self._coverage = (None, None)  # (compound_org, community_coverage()) likewise

    def set_coverage_boost(self, boost: float) -> None:
        """Organisations in the initial compounds and in the first `boost` share of the fixed order
        (set again only when the boost changed)."""
        if boost == self._boost:
            return
        self._boost = boost
        self.compound_org = self.initial | (self._order_u < boost)

    @property
    def grid_branch(self) -> np.ndarray:
        """Share of each grid's households in compounds with an organisation (grid branch strength)."""
        w = self.world
        org_hh = self.compound_org[w.hh_compound].astype(float)
        return np.bincount(w.hh_grid, weights=org_hh, minlength=w.n_grids) / np.maximum(w.grid_households, 1)

    def community_coverage(self) -> np.ndarray:
        """Share of compounds with an organisation, per community: their power to score departments
        (computed again only when `compound_org` was set again)."""
        org, cov = self._coverage
        if org is not self.compound_org:
            w = self.world
            tot = np.bincount(w.c_community, minlength=w.n_communities)
            cov = np.bincount(w.c_community, weights=self.compound_org.astype(float),
                              minlength=w.n_communities) / np.maximum(tot, 1)
            self._coverage = (self.compound_org, cov)
        return cov

    def central_active(self) -> np.ndarray:
        """Per household: looked after by an active central household (computed again only when
        `compound_org` was set again)."""
        org, active = self._central
        if org is not self.compound_org:
            w = self.world
            active = (w.central_of >= 0) & self.compound_org[w.hh_compound]
            self._central = (self.compound_org, active)
        return active
