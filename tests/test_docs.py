"""The generated documentation is up to date with the parameter table."""

from pathlib import Path

from model.parameters import PARAMS, markdown_table

ROOT = Path(__file__).resolve().parents[1]


def test_parameters_md_is_generated_from_the_table():
    text = (ROOT / "docs" / "parameters.md").read_text(encoding="utf-8")
    assert text == markdown_table(), "docs/parameters.md is stale: run `govsim params --markdown > docs/parameters.md`"


def test_every_parameter_has_meaning_unit_source_and_ranges_that_hold_its_default():
    for p in PARAMS:
        assert p.meaning and p.unit and p.source, f"{p.name}: meaning, unit and source are required"
        assert p.valid[0] <= p.default <= p.valid[1], f"{p.name}: default {p.default} outside valid {p.valid}"
        assert p.valid[0] <= p.plausible[0] <= p.plausible[1] <= p.valid[1], f"{p.name}: plausible range outside valid"


def test_the_odd_defines_every_outcome_and_names_only_real_parameters():
    import re

    from model.outcomes import OUTCOMES
    from model.parameters import BY_NAME

    odd = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    for name, (definition, _, _) in OUTCOMES.items():
        assert f"`{name}`" in odd and definition in odd, f"docs/ODD.md does not define outcome {name}"
    code_words = set(re.findall(r"`([a-z][a-z0-9_]+)`", odd))
    param_like = {w for w in code_words if "_" in w and w not in OUTCOMES}
    params_in_odd = {w for w in param_like if w in BY_NAME}
    assert len(params_in_odd) > 60, "the ODD should name the parameters its equations use"
