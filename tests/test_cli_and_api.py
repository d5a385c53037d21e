"""The ways users reach the model: the command line, the Python API, Mesa's batch_run, a compounds CSV."""

import json
import subprocess
import sys

import mesa
import pandas as pd

from model import CommunityModel, run
from model.outcomes import HEADLINE
from model.parameters import PARAMS
from model.scenarios import available


def govsim(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "govsim", *args], capture_output=True, text=True, cwd=cwd)


def test_run_writes_the_four_result_files(tmp_path):
    out = tmp_path / "res"
    r = govsim("run", "--steps", "20", "--households", "300", "--seed", "3", "--out", str(out))
    assert r.returncode == 0, r.stderr
    ts = pd.read_csv(out / "timeseries.csv")
    assert len(ts) == 21 and set(HEADLINE) <= set(ts.columns)
    comp = pd.read_csv(out / "compounds.csv")
    assert {"type", "community", "provider", "environment", "step"} <= set(comp.columns)
    s = json.loads((out / "summary.json").read_text())
    assert s["seed"] == 3 and s["version"] and set(HEADLINE) <= set(s["outcomes"])
    assert set(s["parameters"]) == {p.name for p in PARAMS}
    assert {"compound_type", "community", "household"} <= set(s["breakdown"])
    assert (out / "overview.png").stat().st_size > 10_000
    assert not list(out.glob(".*.tmp")), "temporary files left behind"
    for name in HEADLINE:
        assert name in r.stdout


def test_scenarios_and_params_commands_list_everything():
    r = govsim("scenarios")
    assert r.returncode == 0
    for name in available():
        assert name in r.stdout
    r = govsim("params")
    for p in PARAMS:
        assert p.name in r.stdout


def test_model_is_a_mesa_model_with_a_datacollector_and_residents_as_objects():
    m = CommunityModel(rng=1, n_households=300)
    assert isinstance(m, mesa.Model)
    for _ in range(5):
        m.step()
    df = m.datacollector.get_model_vars_dataframe()
    assert len(df) == 6 and "trap_share" in df
    one = m.residents[0]
    assert 0.0 <= one.satisfaction <= 1.0 and "satisfaction" in repr(one)
    assert one.compound in set(m.world.compounds["compound"])
    assert all(isinstance(j, int) for j in one.neighbours)


def test_batch_run_takes_seeds_as_a_parameter_list():
    rows = mesa.batch_run(CommunityModel, parameters={"rng": [1, 2], "n_households": 300}, iterations=1,
                          max_steps=10, number_processes=1, display_progress=False)
    df = pd.DataFrame(rows)
    final = df[df["Step"] == 10]
    assert len(final) == 2 and set(HEADLINE) <= set(df.columns)
    assert final.iloc[0]["problems_registered"] != final.iloc[1]["problems_registered"]


def test_run_helper_returns_dataframe_and_dict():
    res = run("baseline", steps=12, seed=2, households=300)
    assert isinstance(res.timeseries, pd.DataFrame) and isinstance(res.summary, dict)
    assert res.summary["outcomes"]["problems_registered"] == res.timeseries["problems_registered"].iloc[-1]


def test_a_street_from_a_compounds_csv(tmp_path):
    csv = tmp_path / "street.csv"
    csv.write_text(
        "community,compound,type,households,provider,party_org,building_age,lift\n"
        "Jianhua,JH-1,old,120,none,1,40,0\n"
        "Jianhua,JH-2,commercial,200,commercial,1,10,1\n"
        "Nianzishan,NZ-1,old,90,red,0,38,0\n"
        "Nianzishan,NZ-2,old,150,commercial,0,30,0\n"
        "Fanrong,FR-1,commercial,80,commercial,0,15,1\n")
    m = CommunityModel(rng=4, compounds=csv)
    assert m.world.n == 640 and m.world.n_communities == 3
    for _ in range(10):
        m.step()
    table = m.compound_table()
    assert list(table["compound"]) == ["JH-1", "JH-2", "NZ-1", "NZ-2", "FR-1"]
    assert list(table["provider_start"]) == ["none", "commercial", "red", "commercial", "commercial"]
    assert all(m.invariants().values())
