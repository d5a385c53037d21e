"""Write the notebooks in notebooks/ from the cells below (outputs stripped by construction).

Notebooks are kept as plain cell lists here so that a change is reviewed as code; run

    .venv/bin/python tools/make_notebooks.py

after editing, and `pytest notebooks/` (nbmake) runs each top to bottom.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "notebooks"
NOTEBOOKS: dict[str, list[tuple[str, str]]] = {}


def md(text: str) -> tuple[str, str]:
    return ("markdown", text.strip("\n"))


def code(text: str) -> tuple[str, str]:
    return ("code", text.strip("\n"))


NOTEBOOKS["01_quickstart.ipynb"] = [
    md("""
# 01 Quickstart: build the model, run it, read the outcomes

**What this teaches.** How to make a `CommunityModel` (a `mesa.Model`), step it week by week,
read the outcomes the paper cares about, and look at one resident and one compound up close.
Everything runs in well under a minute at this small size (2,000 households, 2 years).

The model: residents, grid workers (网格员), property providers (commercial firms and red property
红色物业), departments and the party organisation govern a street of old and newer compounds.
One step is one week. See `docs/ODD.md` for the rules and `docs/parameters.md` for every parameter.
"""),
    code("""
import numpy as np
import pandas as pd
from model import CommunityModel, run
from model.outcomes import OUTCOMES, HEADLINE

m = CommunityModel(rng=7, scenario="baseline", n_households=2000)
print(m.world.n, "households in", m.world.n_compounds, "compounds and", len(m.world.community_names), "communities")
m.compound_table().head()
"""),
    md("""
## Run two years and read the headline outcomes

`m.outcomes` is a dict of every outcome now; the `DataCollector` keeps them week by week.
"""),
    code("""
for _ in range(104):
    m.step()
for k in HEADLINE:
    print(f"{k:<28} {m.outcomes[k]:>12,.3f}   {OUTCOMES[k][0]}")
assert all(m.invariants().values()), m.invariants()   # problems, households and money are conserved
"""),
    code("""
ts = m.datacollector.get_model_vars_dataframe()
ax = ts[["trap_share", "fee_collection_rate", "resolution_rate", "satisfaction_mean"]].plot(figsize=(8, 3.5))
ax.set_xlabel("week");
"""),
    md("""
## One resident

Residents are numpy arrays for speed; `m.residents[i]` gives one household as an object.
"""),
    code("""
r = m.residents[17]
r
"""),
    md("""
## One compound

`compound_table()` is the state of every compound now; `events` records when firms came or
left and why (the figure that caused it is in `value`).
"""),
    code("""
table = m.compound_table()
old = table[table["type"] == "old"]
print(old[["compound", "provider_start", "provider", "environment", "fee_collection"]].to_string(index=False))
pd.DataFrame(m.events)
"""),
    md("""
## The one-call way

`run(scenario, steps, seed)` returns a Result with a time series, a summary (with breakdowns
by compound type, community and household group) and the compounds over time.
"""),
    code("""
res = run("c2_party_and_red_property", steps=104, seed=7, households=2000)
res.summary["breakdown"]["compound_type"]
"""),
    md("""
## What to try next

- Change the seed: how much do the outcomes move by chance?
- Pass a policy lever, e.g. `CommunityModel(rng=7, n_households=2000, red_property_share=1.0, fund_initial_yuan_per_household=40)`.
- `govsim scenarios` lists the shipped scenarios; `02_policy_experiment.ipynb` compares them with replications.
"""),
]

NOTEBOOKS["02_policy_experiment.ipynb"] = [
    md("""
# 02 A policy experiment with replications, and its report

**What this teaches.** How to compare scenarios properly: the same seeds in every scenario
(common random numbers), several replications, intervals rather than single numbers, and the
report (`govsim report`) with paired differences from the baseline and cost-effectiveness.
Small size here (1,000 households, 2 years, 4 replications): about a minute.
"""),
    code("""
import tempfile
from pathlib import Path
import pandas as pd
from experiments.runner import run_experiment, read_results
from experiments.report import make_report

work = Path(tempfile.mkdtemp())
(work / "small.toml").write_text('''
name = "small_comparison"
description = "Baseline against C1, C2 and C5 at classroom size"
scenarios = ["baseline", "c1_duties_and_whistle", "c2_party_and_red_property", "c5_funding"]
replications = 4
steps = 104
households = 1000
base_seed = 0
timeseries_every = 4
''')
out, skipped, finished = run_experiment(work / "small.toml", out=work / "results", workers=2, progress=False)
print(finished, "runs finished")
"""),
    code("""
runs, ts = read_results(out)
runs.groupby("scenario")[["trap_share", "resolution_rate", "satisfaction_mean", "public_spending"]].agg(["mean", "std"]).round(3)
"""),
    md("""
## Paired differences

Replication r uses the same seed in every scenario, so the difference from the baseline is
taken run by run; its spread is much smaller than the spread of either scenario.
"""),
    code("""
wide = runs.pivot(index="replication", columns="scenario", values="resolution_rate")
diff = wide.drop(columns="baseline").sub(wide["baseline"], axis=0)
diff.describe().loc[["mean", "std", "min", "max"]].round(4)
"""),
    md("""
## The report

`make_report` writes `report.md` (mean and 95 % interval, paired difference with its interval),
`cost_effectiveness.csv` and figures, in English or Chinese.
"""),
    code("""
paths = make_report(out, lang="en")
print("\\n".join(str(p) for p in paths))
print((out / "report.md").read_text()[:1500])
"""),
    code("""
from IPython.display import Image
Image(filename=str(next(p for p in paths if str(p).endswith(".png"))))
"""),
    md("""
## What to try next

- Add `parameter_draws = "draws.csv"` to the experiment file so that effects carry parameter
  uncertainty (see `04_calibration.ipynb` for draws from a posterior).
- The full comparison: `govsim experiment experiments/policy_comparison.toml` (about a minute on 2 cores)
  then `govsim report results/policy_comparison --lang en zh`.
- On a cluster: `--scheduler tcp://HEAD:8786` (README, "Experiments on one machine or a cluster").
"""),
]

NOTEBOOKS["03_sensitivity.ipynb"] = [
    md("""
# 03 Sensitivity analysis: Morris, then Sobol, then scenario discovery

**What this teaches.** Which assumptions drive the model's answers. First the machinery is
checked on a function whose indices are known (Ishigami), then Morris screening ranks the
community model's parameters, Sobol indices split the variance of an outcome among the few
that matter, and PRIM finds the parameter region where a policy fails. Sizes here are tiny so
that the notebook runs in about a minute; the shipped study (`results/sensitivity/`) is the real one.
A study is a TOML file; `govsim sensitivity FILE` runs the same thing from the shell.
"""),
    code("""
import tempfile
from pathlib import Path
import pandas as pd
from experiments.sensitivity import run_study

work = Path(tempfile.mkdtemp())
def study(name, text):
    path = work / f"{name}.toml"
    path.write_text(text)
    return path
"""),
    md("""
## 1. Check the machinery: the Ishigami function

Analytic indices: S1 = 0.314, 0.442, 0 and ST = 0.558, 0.442, 0.244.
"""),
    code('''
ishigami = study("ishigami", """
name = "ishigami_small"
method = "sobol"
model = "experiments.sensitivity.models:ishigami"
outputs = ["y"]
factors = ["x1", "x2", "x3"]
N = 2048
seed = 1
replications = 1
points_per_run = 4096
calc_second_order = true
bootstrap = 200
[bounds]
x1 = [-3.141592653589793, 3.141592653589793]
x2 = [-3.141592653589793, 3.141592653589793]
x3 = [-3.141592653589793, 3.141592653589793]
""")
summary = run_study(ishigami, out=work / "ishigami", workers=1, progress=False, figures=False)
pd.read_csv(work / "ishigami" / "indices.csv")
'''),
    md("""
## 2. Morris screening of the community model

A handful of parameters here (the shipped study screens all of them). mu* is the mean absolute
elementary effect (how much a factor moves the outcome), sigma its spread (interactions, non-linearity).
"""),
    code('''
morris = study("morris", """
name = "morris_small"
method = "morris"
outputs = ["trap_share", "resolution_rate"]
factors = ["problem_rate", "pay_satisfaction_weight", "cost_old", "red_property_share", "response_scoring_weight", "points_per_act"]
N = 6
num_levels = 4
seed = 3
replications = 1
base_seed = 0
points_per_run = 7
bootstrap = 200
[model_args]
scenario = "combined"
households = 500
steps = 52
""")
run_study(morris, out=work / "morris", workers=2, progress=False, figures=False)
pd.read_csv(work / "morris" / "indices.csv")
'''),
    md("""
## 3. Sobol indices on the few that matter, and PRIM

Sobol indices need many more runs (N x (k + 2) points without second order); PRIM then looks
for boxes in the parameter space where the failure (here: more than 20 % of compounds without
management under the combined policy) is concentrated, reporting coverage (share of all
failures inside the box) and density (share of runs inside the box that fail).
"""),
    code('''
sobol = study("sobol", """
name = "sobol_small"
method = "sobol"
outputs = ["trap_share"]
factors = ["pay_satisfaction_weight", "cost_old", "red_property_share"]
N = 16
seed = 5
replications = 1
base_seed = 0
points_per_run = 16
calc_second_order = false
bootstrap = 200
[model_args]
scenario = "combined"
households = 500
steps = 52
[prim]
output = "trap_share"
threshold = 0.2
above = true
""")
res = run_study(sobol, out=work / "sobol", workers=2, progress=False, figures=True)
print(pd.read_csv(work / "sobol" / "indices.csv").round(3).to_string(index=False))
sorted(p.name for p in (work / "sobol").rglob("*.png"))
'''),
    code("""
from IPython.display import Image
pngs = sorted((work / "sobol").rglob("*.png"))
Image(filename=str(pngs[0])) if pngs else "no figure"
"""),
    md("""
## What to try next

- Read the shipped study and its written reading: `results/sensitivity/README.md`.
- Run it yourself: `govsim sensitivity experiments/sensitivity_morris.toml --workers 2`, then
  `experiments/sensitivity_sobol.toml`; on a cluster add `--scheduler tcp://HEAD:8786`.
- Any model `f(params, seed) -> dict` can be studied: set `model = "mymodule:myfunction"`.
"""),
]

NOTEBOOKS["04_calibration.ipynb"] = [
    md("""
# 04 Calibration: targets, a short ABC run, the posterior

**What this teaches.** How the model is held against what was observed: the targets (Fanrong
Street's door-knocking counts, the Harbin uptake, patterns) with their uncertainty and source,
approximate Bayesian computation (ABC-SMC through pyabc) that returns a posterior rather than a
point, and a parameter-recovery check that shows the procedure can find known values. Small
sizes here (about a minute); the shipped calibration is `govsim calibrate calibration/fanrong.toml`.
"""),
    code("""
import json, os, tempfile
from pathlib import Path
if Path.cwd().name == "notebooks":   # the files below are named from the project's root
    os.chdir(Path.cwd().parent)
import numpy as np
import pandas as pd
from calibration.targets import load_targets, load_config, parse_config, Simulation
from calibration.statistics import simulate
from calibration.abc import run_abc, posterior, summary, recovery

targets = load_targets("calibration/targets.toml")
cfg = load_config("calibration/fanrong.toml")
print("the shipped run fits:", cfg.targets)
display(pd.DataFrame([{k: getattr(t, k) for k in ("name", "kind", "value", "sd", "statistic", "source")}
                      for t in targets.targets.values()]))
pd.DataFrame([vars(p) for p in cfg.priors])
"""),
    md("""
## A parameter-recovery run

Simulate "observations" at known parameters on a small street, then calibrate from a wide
prior and see whether the 90 % credible intervals cover the truth.
"""),
    code('''
work = Path(tempfile.mkdtemp())
truth = {"problem_rate": 0.008, "grid_worker_skill": 0.5}
start, households = 10, 800
sim = Simulation("small", "run", "fanrong_knock_on_door", households, start + 10,
                 {"door_knock_start": start, "door_knock_weeks": 4})
runs = [simulate(sim, truth, 900 + s) for s in range(6)]
reg = np.array([r["campaign_registered"] for r in runs]); unres = np.array([r["campaign_unresolved"] for r in runs])
(work / "targets.toml").write_text(f"""
[simulation.small]
kind = "run"
scenario = "fanrong_knock_on_door"
households = {households}
steps = {start + 10}
[simulation.small.params]
door_knock_start = {start}
door_knock_weeks = 4
[target.registered]
kind = "target"
value = {reg.mean()}
sd = {max(reg.std(ddof=1), 1.0)}
source = "simulated at known parameters"
simulation = "small"
statistic = "campaign_registered"
[target.unresolved]
kind = "target"
value = {unres.mean()}
sd = {max(unres.std(ddof=1), 1.0)}
source = "simulated at known parameters"
simulation = "small"
statistic = "campaign_unresolved"
""")
small = parse_config({"name": "recovery", "targets_file": str(work / "targets.toml"), "targets": ["registered", "unresolved"],
                      "priors": {"problem_rate": {"kind": "uniform", "low": 0.003, "high": 0.012},
                                 "grid_worker_skill": {"kind": "uniform", "low": 0.3, "high": 0.9}},
                      "population_size": 40, "max_generations": 3, "min_epsilon": 0.0,
                      "database": str(work / "abc.db"), "out": str(work), "seed": 7}, "recovery")
history = run_abc(small, workers=1, progress=False)
df, w = posterior(history)
summ = summary(df, w)
print("truth:", truth)
pd.DataFrame(summ).T
'''),
    code("""
print("inside the 90 % intervals:", recovery(summ, truth))
print("and 3 posterior sds away:", recovery(summ, truth, shift_sd=3.0))
import matplotlib.pyplot as plt
fig, axes = plt.subplots(1, 2, figsize=(8, 3))
for ax, name in zip(axes, truth):
    ax.hist(df[name], weights=w, bins=15, color="#8fb3d9")
    ax.axvline(truth[name], color="k", ls="--", label="truth")
    ax.set_title(name); ax.legend()
"""),
    md("""
## The shipped calibration

`results/calibration/` holds the posterior of the real run, its draws (`parameter_draws.csv`,
for experiments that carry parameter uncertainty), the posterior predictive check and the
written reading (`README.md`: what fits, what does not, what stays unidentified).
"""),
    code("""
out = Path("results/calibration")
for name in ("posterior_summary.json", "predictive_check.json"):
    p = out / name
    print(name, "->", "present" if p.exists() else "not yet run")
if (out / "posterior_summary.json").exists():
    display(pd.DataFrame(json.loads((out / "posterior_summary.json").read_text())).T)
if (out / "marginals.png").exists():
    from IPython.display import Image
    display(Image(filename=str(out / "marginals.png")))
"""),
    md("""
## What to try next

- Run the real thing: `govsim calibrate calibration/fanrong.toml --workers 2` (resumable: its
  history is in a SQLite database).
- Run an experiment over the posterior: add `parameter_draws = "results/calibration/parameter_draws.csv"`
  to an experiment file, so policy effects carry parameter uncertainty.
- Quick runs at the posterior median: `govsim run --scenario calibrated`.
"""),
]

NOTEBOOKS["05_classroom_lesson.ipynb"] = [
    md("""
# 05 课堂教案:恶性循环与红色物业 · Lesson plan: the vicious cycle and red property

**本教案教什么 · What this teaches.** 老旧小区“无物业—环境差—更难吸引物业”的恶性循环如何出现,
红色物业和补贴能否打破它;教师可以直接投影下面的图。
How old compounds fall into the "no property management -> poor environment -> even harder to
attract property management" trap, and whether red property or a subsidy gets them out; the
figures below are meant for the projector. 课堂上用浏览器演示:`govsim demo`(见 `docs/classroom.md`)。
"""),
    code("""
LANG = "zh"   # 改成 "en" 得到英文图 · set to "en" for English figures
import numpy as np
import matplotlib.pyplot as plt
from model.plots import use_lang, both
from classroom.session import Session
from classroom.drawing import street_map, charts
use_lang(LANG)
"""),
    md("""
## 第一步 · Step 1: 基线下的街道 · The street under the baseline

先让学生预测:十年后多少老旧小区会没有物业?Ask the class to predict first: how many old
compounds will have no property management after a few years?
"""),
    code("""
base = Session("baseline", seed=0, households=4000)
base.step(156)   # 三年 · three years
street_map(base, LANG)
"""),
    md("""
## 第二步 · Step 2: 一个小区的故事 · One compound's story
"""),
    code("""
from classroom.story import compound_story
from model.world import NONE, OLD
w = base.world
trapped = [c for c in range(w.n_compounds) if base.main.provider[-1][c] == NONE and w.c_type[c] == OLD]
c = trapped[0] if trapped else 0
print("\\n".join(compound_story(base, c, LANG)))
"""),
    md("""
## 第三步 · Step 3: 红色物业 vs 基线 · Red property against the baseline

同一条街道、同一个随机种子,只有政策不同;虚线为基线。
Same street, same seed, only the policy differs; the baseline is dashed.
"""),
    code("""
c2 = Session("c2_party_and_red_property", seed=0, households=4000, compare="baseline")
c2.step(156)
charts(c2, LANG)
"""),
    md("""
## 第四步 · Step 4: 补贴够不够?· Is the subsidy enough?

C5 的补贴为每平方米每月0.3元。让学生猜:补贴要多大,企业才会进入无物业的老旧小区?
C5 pays 0.3 yuan/m²/month. Ask: how large must the subsidy be before firms enter unmanaged old compounds?
"""),
    code("""
levels = [0.0, 0.3, 0.6, 0.9, 1.2]
share = []
for s in levels:
    sess = Session("c5_funding", seed=0, households=4000, overrides={"property_subsidy": s, "fiscal_fund_yuan_per_household_year": 100.0})
    sess.step(104)
    old = sess.world.c_type == OLD
    share.append(float(np.mean(sess.main.provider[-1][old] == NONE)))
fig, ax = plt.subplots(figsize=(6, 3.2))
ax.plot(levels, share, "o-")
ax.set_xlabel(both("old-compound subsidy (yuan/m²/month)", "老旧小区物业补贴(元/平方米/月)", LANG))
ax.set_ylabel(both("old compounds without management", "无物业老旧小区比例", LANG))
ax.set_ylim(-0.02, 1.02); ax.grid(alpha=0.3)
share
"""),
    md("""
## 讨论题 · Questions for discussion

1. 为什么失去物业的老旧小区很难再吸引物业?Why does a compound that lost its firm struggle to attract another?
2. 红色物业为什么能进入商业企业不愿进入的小区?它的钱从哪里来?Why can red property go where firms will not, and who pays?
3. 补贴在什么水平开始起作用?低于这个水平的补贴是否是浪费?At what level does the subsidy start to work; is a smaller one wasted?
4. 换一个随机种子,结论还成立吗?Does the conclusion hold with another seed?

## 下一步 · What to try next

- 在浏览器中演示同样的内容:`govsim demo`。Show the same in the browser: `govsim demo`.
- 更多讨论题和各预设说明见 `docs/classroom.md`。More questions and what each preset shows: `docs/classroom.md`.
"""),
]


def build(name: str, cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for kind, text in cells:
        nb.cells.append(nbformat.v4.new_markdown_cell(text) if kind == "markdown" else nbformat.v4.new_code_cell(text))
    for i, cell in enumerate(nb.cells):  # stable ids: regenerating gives the same file
        cell["id"] = f"{Path(name).stem[:2]}-{i:02d}"
    return nb


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name, cells in NOTEBOOKS.items():
        nbformat.write(build(name, cells), OUT / name)
        print(f"wrote notebooks/{name}")


if __name__ == "__main__":
    main()
