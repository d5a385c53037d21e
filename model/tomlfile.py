"""Reading the project's TOML input files (scenarios, experiments, studies, calibration) with clear errors.

Every loader must name the file and what is wrong with it rather than show a traceback, so the
reading lives here once: a missing file or malformed TOML raises the caller's ParameterError
subclass naming the field.
"""

from __future__ import annotations

import re
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
        return tomllib.loads(raw.decode("utf-8-sig")), raw  # -sig: a byte-order mark (Windows editors) is read
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise error("toml", str(path), f"valid TOML ({exc})", loc) from None
    except RecursionError:
        raise error("toml", str(path), "TOML nested no deeper than Python's recursion limit", loc) from None


NAME_MAX = 100  # characters: a folder name stays well inside every file system's limit
NAME_RULE = "letters (Chinese too), digits, '_' and '-' (not first)"


def is_identifier(name: object) -> bool:
    """A name that can safely become a file or folder name (and a spreadsheet cell): letters (any script),
    digits, '_', and '-' after the first character."""
    return isinstance(name, str) and re.fullmatch(r"\w[\w-]*", name) is not None and len(name) <= NAME_MAX


def identifier(data: dict, key: str, default: str, where: str, error: type[ParameterError] = ParameterError) -> str:
    """`data[key]` (or `default`) if it is an identifier (names choose output paths), else `error`."""
    v = data.get(key, default)
    if not is_identifier(v):
        raise error(key, v, f"a name of {NAME_RULE} (it becomes a folder name), at most {NAME_MAX} characters", where)
    return v


def as_identifier(text: str) -> str:
    """A file's stem made into a name: characters outside the rule become '_'."""
    name = re.sub(r"[^\w-]", "_", text)[:NAME_MAX]
    return name if is_identifier(name) else "_" + name[:NAME_MAX - 1] if name else "custom"


def whole_number(data: dict, key: str, lo: int, hi: int, where: str, error: type[ParameterError] = ParameterError,
                 default: int | None = None) -> int:
    """`data[key]` (or `default`) as a whole number in [lo, hi], else `error` naming the key and range."""
    v = data.get(key, default)
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise error(key, "(missing)" if v is None else v, f"a whole number in [{lo}, {hi}]", where)
    return v


def distinct(key: str, names: list, where: str, error: type[ParameterError] = ParameterError) -> None:
    """Refuse a list naming something twice (outcomes, outputs, factors become columns, and a
    repeated column fails far from the file that asked for it): `error` shows the list as given
    and, in what is allowed, the names repeated."""
    twice = list(dict.fromkeys(n for n in names if names.count(n) > 1))
    if twice:
        raise error(key, names, "distinct names (listed more than once: " + ", ".join(map(str, twice)) + ")", where)
