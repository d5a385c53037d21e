"""Bad input gets a clear error naming the field, the value and what is allowed; the CLI writes nothing."""

import subprocess
import sys

import pytest

from model import CommunityModel, ParameterError, run
from model.scenarios import load_scenario, parse


def message(exc_info) -> str:
    return str(exc_info.value)


@pytest.mark.parametrize("kwargs,field,allowed", [
    ({"fee_oldd": 1.0}, "fee_oldd", "did you mean fee_old"),
    ({"fee_old": -1.0}, "fee_old", "[0, 20]"),
    ({"old_compound_share": 1.5}, "old_compound_share", "[0, 1]"),
    ({"n_households": "many"}, "n_households", "a number"),
    ({"n_households": 1000.5}, "n_households", "whole number"),
    ({"problem_rate": float("nan")}, "problem_rate", "[0, 1]"),
    ({"points_start": 10, "points_end": 5}, "points_end", ">= points_start"),
])
def test_bad_parameters_are_named_with_what_is_allowed(kwargs, field, allowed):
    with pytest.raises(ParameterError) as e:
        CommunityModel(rng=1, **kwargs)
    assert field in message(e) and allowed in message(e), message(e)


def test_bad_seed_is_refused():
    with pytest.raises(ValueError, match="rng"):
        CommunityModel(rng=-3)


@pytest.mark.parametrize("data,field", [
    ({"policies": {"red_propertyy": {"red_property_share": 1}}}, "policies.red_propertyy"),
    ({"policies": {"red_property": {"points_per_act": 1}}}, "policies.red_property.points_per_act"),
    ({"policies": {"red_property": {"red_property_share": 2}}}, "red_property_share"),
    ({"params": {"nonsense": 1}}, "params.nonsense"),
    ({"params": {"fee_old": "cheap"}}, "fee_old"),
    ({"title": "x"}, "title"),
])
def test_bad_scenarios_name_the_field(data, field):
    with pytest.raises(ParameterError) as e:
        parse(data, "test.toml")
    assert field in message(e), message(e)


def test_unknown_scenario_lists_the_shipped_ones():
    with pytest.raises(ParameterError) as e:
        load_scenario("no_such_scenario")
    assert "baseline" in message(e) and "no_such_scenario" in message(e)


def test_malformed_toml_is_reported(tmp_path):
    f = tmp_path / "broken.toml"
    f.write_text("name = \n[policies.red_property\n")
    with pytest.raises(ParameterError) as e:
        load_scenario(str(f))
    assert "TOML" in message(e)


HEADER = "community,type,households,provider\n"


@pytest.mark.parametrize("body,field", [
    ("community,households\nA,100\n", "type"),                       # missing column
    (HEADER + "A,old,many,none\n", "households"),                    # wrong type
    (HEADER + "A,old,100,someone\n", "provider"),                    # unknown provider
    (HEADER + "A,villa,100,none\n", "type"),                         # unknown type
    (HEADER + "A,old,-5,none\n", "households"),                      # out of range
    (HEADER, "households"),                                          # no rows
    ("community,type,households,colour\nA,old,10,red\n", "colour"),  # unknown column
])
def test_bad_compounds_files_name_the_column(tmp_path, body, field):
    f = tmp_path / "street.csv"
    f.write_text(body)
    with pytest.raises(ParameterError) as e:
        CommunityModel(rng=1, compounds=f)
    assert field in message(e), message(e)


def govsim(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "govsim", *args], capture_output=True, text=True, cwd=cwd)


def test_cli_refuses_a_bad_scenario_without_traceback_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[policies.red_property]\nred_property_share = 3\n')
    out = tmp_path / "out"
    r = govsim("run", "--scenario", str(bad), "--out", str(out), "--steps", "5")
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and "red_property_share" in r.stderr
    assert not out.exists()


def test_cli_refuses_bad_overrides_and_bad_files(tmp_path):
    r = govsim("run", "--set", "fee_old=abc", "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and "fee_old" in r.stderr and "Traceback" not in r.stderr
    csv = tmp_path / "street.csv"
    csv.write_text("community,type\nA,old\n")
    r = govsim("validate", str(csv))
    assert r.returncode == 2 and "households" in r.stderr and "Traceback" not in r.stderr
    good = tmp_path / "good.toml"
    good.write_text('name = "mine"\n[policies.points]\npoints_per_act = 3\nstart = 4\n')
    r = govsim("validate", str(good))
    assert r.returncode == 0 and "points_start = 4" in r.stdout


def test_run_refuses_negative_steps():
    with pytest.raises(ValueError, match="steps"):
        run("baseline", steps=-1)
