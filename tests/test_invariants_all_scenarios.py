"""Conservation laws hold after every step of every shipped scenario."""

import pytest

from model import CommunityModel
from model.scenarios import available


@pytest.mark.parametrize("scenario", available())
def test_invariants_hold_every_step(scenario):
    m = CommunityModel(rng=11, scenario=scenario, n_households=700)
    for week in range(1, 131):
        m.step()
        broken = [k for k, ok in m.invariants().items() if not ok]
        assert not broken, f"{scenario}, week {week}: {broken} broken"
    o = m.outcomes
    assert o["problems_unresolved"] == o["problems_registered"] - o["problems_resolved"]
    assert len(m.residents) == m.world.n == int(m.world.compounds["households"].sum())


def test_invariants_check_can_fail():
    m = CommunityModel(rng=1, n_households=300)
    m.step()
    m.problems.c.resolved += 1  # a problem resolved out of nowhere
    assert not m.invariants()["problems_conserved"]
    m = CommunityModel(rng=1, n_households=300, fund_initial_yuan_per_household=10)
    m.step()
    m.ledger.balance["fiscal"] += 5.0  # money out of nowhere
    assert not m.invariants()["fund_balances"]


def test_money_check_across_companies_and_red_property_can_fail():
    m = CommunityModel(rng=1, n_households=600)
    for _ in range(3):
        m.step()
    assert m.invariants()["provider_money_conserved"]
    m.firm_list[0].reserve += 100.0  # a company's money out of nowhere
    assert not m.invariants()["provider_money_conserved"]
    m.firm_list[0].reserve -= 100.0
    c = next(iter(m.firm_list[0].contracts), None) if m.firm_list[0].contracts else None
    if c is not None:
        m.firm_list[0].contracts.discard(c)  # a contract nobody holds
        assert not m.invariants()["contracts_consistent"]
