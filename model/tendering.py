"""Tendering (招投标): who puts a vacant contract out, how bids are scored, who wins.

A compound's contract is tendered when it falls vacant (a firm left, red property hands it
back), when a contract ends and is not simply renewed, and again after a waiting time when a
tender found no acceptable bid. The owners' committee (业委会) runs the tender where the
compound has one (more likely with a compound party organisation), otherwise the street
office. Every company in the market appraises the compound (`model/appraisal.py`) at each fee
of the government-guided band and each service level from the contract minimum up to full, and
bids the option that scores best under the published rule among those it can afford: profit
over the contract not negative, worst running loss within what it will risk. The highest score
wins (ties: the cheaper company).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from agents.firms import Bidders

from .appraisal import Compound, street_bid
from .jit import kernel
from .streams import splitmix_uniform
from .world import FIRM

STREET_OFFICE, OWNERS_COMMITTEE = "street office", "owners' committee"
NOT_DUE = -1  # no tender scheduled


class Bid(NamedTuple):
    """The winning bid. (A named tuple: cheaper to make than a frozen dataclass, once per tender.)"""

    firm: object
    fee: float
    service: float
    score: float
    expected_collection: float
    worst_loss: float  # the worst running loss the bidder expects on the way (yuan)


class TenderOffice:
    def __init__(self, party, u_committee: np.ndarray):
        self.party = party  # its compound organisations make owners' committees likelier
        self.u_committee = u_committee  # one fixed uniform per compound
        self.tenders = 0
        self.without_bid = 0
        self._grids: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
        self._scores: dict[tuple, np.ndarray] = {}
        self.bidders = Bidders()  # the invited companies' cost factors and risk, remade when they change

    def has_committee(self, p: dict, c: int) -> bool:
        """Whether compound `c` has an owners' committee (asked twice a tender: Python's numbers, `item`,
        cost a tenth of numpy's scalars; the organisations are bools, so the sums are the same floats)."""
        chance = p["owners_committee_share"] + p["owners_committee_party_boost"] * self.party.compound_org.item(c)
        return self.u_committee.item(c) < chance

    def organiser(self, p: dict, c: int) -> str:
        return organiser_name(self.has_committee(p, c))

    def fee_weight(self, p: dict, c: int) -> float:
        return _fee_weight(p, self.has_committee(p, c))

    def options(self, p: dict, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Every (fee, service) pair a bidder considers, as two flat arrays, with the grid's service
        levels and each option's level (fees x levels, fee-major). A compound's band does not move,
        so each band's grid is made once."""
        key = (lo, hi, p["tender_fee_options"], p["firm_min_service"])
        grid = self._grids.get(key)
        if grid is None:
            grid = self._grids[key] = self._options(p, lo, hi)
        return grid

    @staticmethod
    def _options(p: dict, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        k = int(p["tender_fee_options"])
        fees = np.linspace(lo, hi, k)
        services = np.linspace(p["firm_min_service"], 1.0, k)
        f, s = np.meshgrid(fees, services, indexing="ij")
        level_of = np.tile(np.arange(k), k)  # option (i, j) -> service level j, as `meshgrid(..., indexing="ij")`
        return f.ravel(), s.ravel(), services, level_of

    def score(self, p: dict, c: int, fee: np.ndarray, service: np.ndarray, lo: float, hi: float) -> np.ndarray:
        """The published rule: a weighted sum of a low fee and a high service, each on 0-1."""
        return _score(p, self.fee_weight(p, c), fee, service, lo, hi)

    def _option_scores(self, p: dict, wf: float, fees: np.ndarray, services: np.ndarray, lo: float,
                       hi: float) -> tuple[np.ndarray, np.ndarray]:
        """`score` of a band's options (`options`) at fee weight `wf`, and the options best first (ties by
        index), made once per band, option grid and rule (the parameters it depends on are read each
        time: an experiment may change them)."""
        key = (lo, hi, p["tender_fee_options"], p["firm_min_service"], wf)
        scores = self._scores.get(key)
        if scores is None:
            score = _score(p, wf, fees, services, lo, hi)
            scores = self._scores[key] = (score, np.argsort(-score, kind="stable"))
        return scores

    def run(self, p: dict, c: int, firms: list, site: Compound, street: tuple, lo: float, hi: float,
            committee: bool | None = None) -> Bid | None:
        """Put compound `c` out to tender among `firms`; the winning bid, or None. `street` is what the
        bidders' yardstick is made from (`appraisal.yardstick`'s arguments after `p`); `committee`, whether
        an owners' committee runs it (`has_committee`, asked here if not given)."""
        self.tenders += 1
        if not firms:
            self.without_bid += 1
            return None
        fees, services, levels, level_of = self.options(p, lo, hi)
        cost, at_risk = self.bidders.arrays(firms)
        if committee is None:
            committee = self.has_committee(p, c)
        score, by_score = self._option_scores(p, _fee_weight(p, committee), fees, services, lo, hi)
        i, j, best, collection, worst = street_bid(p, site, street, fees, levels, level_of, cost, at_risk, score,
                                                   by_score)
        if i < 0:
            self.without_bid += 1
            return None
        return Bid(firms[i], fees.item(j), services.item(j), best, collection, worst)


def organiser_name(committee: bool) -> str:
    """Who runs a tender: the owners' committee where there is one, otherwise the street office."""
    return OWNERS_COMMITTEE if committee else STREET_OFFICE


def _fee_weight(p: dict, committee: bool) -> float:
    """The published rule's weight on a low fee: an owners' committee weighs the fee its own way."""
    return p["tender_weight_fee_committee"] if committee else p["tender_weight_fee_street"]


def _score(p: dict, wf: float, fee: np.ndarray, service: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """`TenderOffice.score` at fee weight `wf`."""
    cheap = (hi - fee) / max(hi - lo, 1e-12) if hi > lo else np.ones_like(fee)
    span = 1.0 - p["firm_min_service"]
    better = (service - p["firm_min_service"]) / span if span > 1e-12 else np.ones_like(service)
    return wf * cheap + (1.0 - wf) * better


@kernel
def contracts_ending(provider, contract_end, tender_due, now):
    """Firm contracts that end this week and are not already up for tender, in compound order."""
    out = np.empty(len(provider), np.int64)
    k = 0
    for c in range(len(provider)):
        if provider[c] == FIRM and contract_end[c] <= now and tender_due[c] == NOT_DUE:
            out[k] = c
            k += 1
    return out[:k]


@kernel
def tenders_due(tender_due, now):
    """Compounds whose tender is due this week, in compound order."""
    out = np.empty(len(tender_due), np.int64)
    k = 0
    for c in range(len(tender_due)):
        if tender_due[c] != NOT_DUE and tender_due[c] <= now:
            out[k] = c
            k += 1
    return out[:k]


@kernel
def tender_calendar(provider, contract_end, tender_due, now, retender_offset, retender_share, contract_weeks):
    """The week's calendar of tenders in one call: each firm contract that ends this week and is not
    already up for tender (`contracts_ending`) is tendered now with chance `retender_share` (its
    counter-based draw at `retender_offset`: `Streams.hashed("tendering.retender", now, ...)`), else
    renewed for `contract_weeks`; then the compounds whose tender is due (`tenders_due`). In place on
    `tender_due` and `contract_end`; returns the compounds due, in compound order."""
    for c in contracts_ending(provider, contract_end, tender_due, now):
        if splitmix_uniform(retender_offset, c) < retender_share:
            tender_due[c] = now
        else:
            contract_end[c] += contract_weeks
    return tenders_due(tender_due, now)
