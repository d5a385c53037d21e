"""The model's actors: resident households (arrays), grid workers, property providers,
departments and the party organisation."""

from .departments import DEPARTMENTS, Department, DepartmentBooks
from .grid_workers import GridWorkforce
from .party import PartyOrganisation
from .firms import Firm
from .providers import CommercialFirm, RedPropertyProvider
from .residents import Resident, Residents

__all__ = ["DEPARTMENTS", "Department", "DepartmentBooks", "GridWorkforce", "PartyOrganisation", "CommercialFirm", "Firm",
           "RedPropertyProvider", "Resident", "Residents"]
