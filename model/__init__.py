"""Agent-based model of party-building-led urban community governance (Heilongjiang).

`from model import CommunityModel, run`.
"""

from .model import CommunityModel, __version__
from .parameters import PARAMS, ParameterError, defaults, validate
from .run import Result, run

__all__ = ["CommunityModel", "run", "Result", "PARAMS", "ParameterError", "defaults", "validate", "__version__"]
