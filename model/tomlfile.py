"""Reading the project's TOML input files (scenarios, experiments, studies, calibration) with clear errors.

Every loader must name the file and what is wrong with it rather than show a traceback, so the
reading lives here once: a missing file or malformed TOML raises the caller's ParameterError
subclass naming the field.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from .parameters import ParameterError


def read_toml(path: str | Path, error: type[ParameterError] = ParameterError, field: str = "file",
              missing: str = "an existing .toml file", where: str | None = None) -> tuple[dict, bytes]:
    """(table, raw bytes) of a TOML file; `where` prefixes the message (default: none)."""
    path = Path(path)
    loc = where if where is not None else ""
    try:
        raw = path.read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        raise error(field, str(path), missing, loc) from None
    try:
        return tomllib.loads(raw.decode("utf-8")), raw
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise error("toml", str(path), f"valid TOML ({exc})", loc) from None


def whole_number(data: dict, key: str, lo: int, hi: int, where: str, error: type[ParameterError] = ParameterError,
                 default: int | None = None) -> int:
    """`data[key]` (or `default`) as a whole number in [lo, hi], else `error` naming the key and range."""
    v = data.get(key, default)
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise error(key, "(missing)" if v is None else v, f"a whole number in [{lo}, {hi}]", where)
    return v
