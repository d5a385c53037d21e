"""Every coefficient of the model is a row of the parameter table: no number hides in a rule.

The test walks the syntax trees of `model/` and `agents/` (module-level constants included) and
fails on any numeric literal that is not on the short, explained allow-list below. Exempt by
construction: the table's own definitions in `model/parameters.py` (defaults and ranges in the
`_p(...)` rows, the step range of the policy windows), which is where the numbers belong.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("model", "agents")

# Numbers that are units or identities, not coefficients: value -> why
ALLOWED = {
    0: "zero (empty arrays, clipping at 0, counters)",
    1: "one (shares, clipping at 1, counters); -1 is 1 negated: NEVER and 'no index'",
}  # units (weeks a year, percent, per 1,000 households) are named in model/units.py, so a bare 52 is refused
TOLERANCE = 1e-6  # |x| <= this: numerical guards (division by zero, rounding in conservation checks)

# Where a number is the algorithm itself: (file, function) -> (numbers, why)
ALGORITHM = {
    ("model/model.py", "_seed_from"): ({2, 63}, "2**63: the range of a 64-bit seed"),
    ("model/problems.py", "sorted_quantile"): ({0.5}, "numpy's linear interpolation switches formula at 0.5"),
    ("model/outcomes.py", "gini"): ({2.0}, "the Gini coefficient's formula"),
    ("model/world.py", "_spread_levels"): ({2}, "levels from mean - spread/2 to mean + spread/2"),
    ("model/world.py", "build_network"): ({2, 31}, "ties come in pairs (even ring degree, two matrix entries "
                                                   "per tie); 2**31 - 1: networkx's seed range"),
    ("model/world.py", "_building_ties"): ({2, 256}, "a ring needs two neighbours; 256: cache size"),
    ("model/appraisal.py", "_kept"): ({4096}, "cache size"),
    ("model/appraisal.py", "logit_of"): ({0.3, 0.65, 0.5, 2.0}, "scipy's logit formula: log1p's difference between "
                                                              "0.3 and 0.65, s = 2(x - 1/2)"),
    ("agents/residents.py", "_neighbour_means"): ({2, 4}, "two float traits summed a tie; four households of a "
                                                          "degree summed side by side (the kernel's lanes)"),
    ("model/world.py", "check_compounds"): ({2}, "a CSV's data row i is line i + 2 (after the header)"),
    ("model/parameters.py", "_suggest"): ({3}, "suggest up to three close names in an error message"),
}

# Files that hold no rule of the model: file -> why
NOT_MODEL = {
    "model/plots.py": "figure layout (sizes, line widths, resolution)",
    "model/streams.py": "the SplitMix64 hash's constants and bit widths (the random-number algorithm)",
    "model/jit.py": "the compile policy and numpy's pairwise summation (its block of 128, eight lanes, halving)",
    "model/logistic.py": "the fast exp's constants (ln 2, the Taylor coefficients 1/k!, float64's exponent bias) and "
                         "its range and error margin: a numerical method whose decisions are the exact logistic's",
    "model/run.py": "run length (520 weeks by default) and snapshot cadence of saved results",
    "model/world_store.py": "how many households' streets a worker keeps for reuse (its memory, not a rule)",
    "model/units.py": "the calendar and the units, each defined once by name (weeks a year, percent, per 1,000)",
    "model/tomlfile.py": "reading input files: the longest name a folder may take",
}

# Names whose definitions are ranges of what input may say, like the table's valid ranges
TABLE_DEFINITIONS = {
    ("model/parameters.py", "_p"): "the parameter table's rows: defaults, valid and plausible ranges",
    ("model/parameters.py", "_STEP_RANGE"): "the valid range of a policy window's steps",
    ("model/world.py", "COMPOUND_COLUMNS"): "the valid ranges of a compounds file's columns",
}


def _number(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) in (int, float, complex)


class _Finder(ast.NodeVisitor):
    """Collects (line, value) of numbers outside the allow-list in one file."""

    def __init__(self, rel: str):
        self.rel = rel
        self.function: list[str] = []
        self.found: list[tuple[int, float]] = []

    def visit_FunctionDef(self, node):
        self.function.append(node.name)
        self.generic_visit(node)
        self.function.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Call(self, node):
        if isinstance(node.func, ast.Name) and (self.rel, node.func.id) in TABLE_DEFINITIONS:
            return  # a table row: its numbers are the table
        self.generic_visit(node)

    def visit_Assign(self, node):
        names = {t.id for t in node.targets if isinstance(t, ast.Name)}
        if any((self.rel, n) in TABLE_DEFINITIONS for n in names):
            return
        self.generic_visit(node)

    def visit_Subscript(self, node):
        self.visit(node.value)  # a literal inside [...] is an array index or a slice, not a coefficient

    def visit_Constant(self, node):
        if not _number(node):
            return
        v = node.value
        if v in ALLOWED or abs(v) <= TOLERANCE:
            return
        for fn in self.function:
            allowed, _ = ALGORITHM.get((self.rel, fn), (set(), ""))
            if v in allowed:
                return
        self.found.append((node.lineno, v))


def magic_numbers(path: Path) -> list[str]:
    rel = path.relative_to(ROOT).as_posix()
    if rel in NOT_MODEL:
        return []
    finder = _Finder(rel)
    finder.visit(ast.parse(path.read_text(encoding="utf-8"), filename=rel))
    lines = path.read_text(encoding="utf-8").splitlines()
    return [f"{rel}:{line}: {v!r} in `{lines[line - 1].strip()}`" for line, v in sorted(finder.found)]


def test_no_coefficient_hides_in_the_code():
    """A number in a rule belongs in model/parameters.py (meaning, unit, ranges, source), read via `p[...]`."""
    files = sorted(f for d in SCANNED for f in (ROOT / d).rglob("*.py"))
    assert len(files) > 10
    found = [hit for f in files for hit in magic_numbers(f)]
    assert not found, ("numbers in the model's code that are not rows of the parameter table "
                       "(add a row to model/parameters.py and read it from the params dict):\n  " + "\n  ".join(found))


def test_the_allow_list_names_only_what_exists():
    """A stale entry (a file or function since renamed) would let a number through unseen."""
    for rel in NOT_MODEL:
        assert (ROOT / rel).is_file(), f"NOT_MODEL names {rel}, which does not exist"
    for rel, name in list(ALGORITHM) + list(TABLE_DEFINITIONS):
        tree = ast.parse((ROOT / rel).read_text(encoding="utf-8"))
        defined = {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
        defined |= {t.id for n in ast.walk(tree) if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
        assert name in defined, f"the allow-list names {rel}:{name}, which is not defined there"


def test_the_check_catches_a_planted_coefficient():
    """The walker sees a coefficient in a rule, a module constant, a default argument and a bare
    unit (a 52 could as well be a coefficient), and lets the table's rows, indices, named units and
    guards through (the source is parsed, never written)."""
    src = ("RATE = 0.37\n"
           "def rule(p, x, cap=4.5):\n"
           "    y = x[:, 3] * WEEKS_PER_YEAR / PERCENT + 1e-12 + x[1] / 52.0\n"
           "    return 0.15 * y + p['satisfaction_base']\n"
           "ROW = _p('x', 'g', 'm', 'u', 0.5, (0, 1), (0.2, 0.8), 'assumption')\n")
    finder = _Finder("model/parameters.py")  # as if it sat in the table's own file
    finder.visit(ast.parse(src))
    assert sorted(v for _, v in finder.found) == [0.15, 0.37, 4.5, 52.0], finder.found
