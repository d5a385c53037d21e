"""Property providers as Mesa agents: commercial firms (one per contract) and red property.

The arithmetic of fees, costs and service runs over all compounds at once in
`model/property_market.py`; these agents hold each provider's identity and story (when it
came, when and why it left) so a user can follow one compound.
"""

from __future__ import annotations

import mesa


class CommercialFirm(mesa.Agent):
    """A firm managing one compound; it leaves when its reserve for the compound is used up."""

    def __init__(self, model, compound: int, reserve_yuan: float):
        super().__init__(model)
        self.compound = compound
        self.entered_step = model.steps
        self.initial_reserve = reserve_yuan
        self.left_step: int | None = None
        self.exit_collection: float | None = None

    def leave(self, collection: float) -> None:
        self.left_step = self.model.steps
        self.exit_collection = collection
        self.remove()

    def __repr__(self) -> str:
        return f"CommercialFirm(compound={self.compound}, entered={self.entered_step}, left={self.left_step})"


class RedPropertyProvider(mesa.Agent):
    """The party-led low-fee provider (红色物业): takes compounds firms avoid, paid from the fund."""

    def __init__(self, model):
        super().__init__(model)
        self.compounds: set[int] = set()

    def take(self, compound: int) -> None:
        self.compounds.add(compound)

    def __repr__(self) -> str:
        return f"RedPropertyProvider(compounds={sorted(self.compounds)})"
