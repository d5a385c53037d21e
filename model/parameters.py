"""The one parameter table: every number the model uses, with meaning, unit, ranges and source.

Policy doses are rows too (grouped by policy), so experiments, sensitivity analysis,
calibration priors and classroom sliders all read the same facts. `validate()` turns any
user input into a checked dict; `docs/parameters.md` is generated from this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from .errors import GovsimError

SRC_PAPER = "paper"
SRC_ASSUMPTION = "assumption"


class ParameterError(GovsimError, ValueError):
    """Bad input: names the field, the value and what is allowed (a ValueError too, for callers that expect one)."""

    def __init__(self, field: str, value: Any, allowed: str, where: str = ""):
        self.field, self.value, self.allowed, self.where = field, value, allowed, where
        loc = f"{where}: " if where else ""
        super().__init__(f"{loc}parameter '{field}' = {value!r} is invalid; allowed: {allowed}")


@dataclass(frozen=True)
class Param:
    name: str
    group: str
    meaning: str
    unit: str
    default: float | int | bool
    valid: tuple[float, float]
    plausible: tuple[float, float]
    source: str
    kind: str = "float"  # "float", "int" or "bool"
    zh: str = ""  # short Chinese label for sliders and figures
    measure: str = ""  # for an assumed value: what would measure it

    def check(self, value: Any, where: str = "") -> float | int | bool:
        """Return `value` coerced to this parameter's kind, or raise ParameterError."""
        lo, hi = self.valid
        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, (int, float)) and value in (0, 1):
                return bool(value)
            raise ParameterError(self.name, value, "true or false", where)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or hasattr(value, "__len__"):
            try:  # numpy scalars are fine
                import numpy as np

                if isinstance(value, np.generic) and not isinstance(value, np.bool_):
                    value = value.item()
                else:
                    raise TypeError
            except TypeError:
                raise ParameterError(
                    self.name, value, f"a number ({self.kind}) in [{lo:g}, {hi:g}] {self.unit}", where
                ) from None
        if value != value or not _finite(value):  # NaN, inf, 1e400, an integer too large for a float
            raise ParameterError(self.name, value, f"a finite number in [{lo:g}, {hi:g}] {self.unit}", where)
        if self.kind == "int":
            if float(value) != int(value):
                raise ParameterError(self.name, value, f"a whole number in [{lo:g}, {hi:g}] {self.unit}", where)
            value = int(value)
        else:
            value = float(value)
        if not lo <= value <= hi:
            raise ParameterError(self.name, value, f"{self.kind} in [{lo:g}, {hi:g}] {self.unit}", where)
        return value


def _finite(value) -> bool:
    import math

    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _p(name, group, meaning, unit, default, valid, plausible, source, kind="float", zh="", measure=""):
    return Param(name, group, meaning, unit, default, tuple(valid), tuple(plausible), source, kind, zh, measure)


NEVER = -1  # end step meaning "runs to the end"
_STEP_RANGE = (-1, 100_000)


def _window(group: str, zh: str) -> list[Param]:
    """Start and optional end step of a policy (a temporary push ends at `_end`)."""
    return [
        _p(f"{group}_start", group, f"step at which the {group} policy starts", "step", 0, (0, 100_000), (0, 104), SRC_ASSUMPTION, "int", f"{zh}开始"),
        _p(f"{group}_end", group, f"step at which the {group} policy ends (-1: never)", "step", NEVER, _STEP_RANGE, (-1, 520), SRC_ASSUMPTION, "int", f"{zh}结束"),
    ]


PARAMS: tuple[Param, ...] = tuple([
    # ---------------------------------------------------------------- world
    _p("n_households", "world", "households in the street (街道) when no compounds file is given", "households", 3000, (20, 5_000_000), (1000, 20000), SRC_ASSUMPTION + " (a street of ~10,000 residents)", "int", "住户数"),
    _p("n_communities", "world", "communities (社区) in the street", "communities", 3, (1, 500), (2, 8), SRC_ASSUMPTION, "int", "社区数"),
    _p("households_per_compound", "world", "mean households per compound (小区)", "households", 250, (10, 20000), (100, 800), SRC_ASSUMPTION, "float", "每小区户数"),
    _p("compound_size_spread", "world", "spread of generated compound sizes: U(1 - spread, 1 + spread) before scaling to the street's households", "share", 0.5, (0, 0.99), (0.2, 0.8), SRC_ASSUMPTION, "float", "小区规模离散度",
       measure="street's register of compounds and their households"),
    _p("households_per_building", "world", "households per building (楼栋)", "households", 36, (2, 2000), (12, 120), SRC_ASSUMPTION + " (6 floors x 2 units x 3)", "int", "每楼户数"),
    _p("households_per_grid", "world", "households per grid (网格)", "households", 300, (10, 10000), (160, 1000), "published: ~1,000 residents per grid nationally; one case 160-255 households (DESIGN 6)", "int", "每网格户数"),
    _p("old_compound_share", "world", "share of compounds that are old (no lift, older and poorer residents)", "share", 0.5, (0, 1), (0.3, 0.7), SRC_ASSUMPTION + " (old industrial province)", "float", "老旧小区比例"),
    _p("old_managed_share_start", "world", "share of old compounds with a commercial property firm at the start", "share", 0.5, (0, 1), (0.2, 0.8), SRC_ASSUMPTION, "float", "初始有物业老旧小区比例"),
    _p("building_age_old", "world", "typical age of an old compound: mean of generated ages, default in a compounds file, and the age at which decay equals env_decay_old", "years", 35.0, (1, 200), (25, 45), SRC_ASSUMPTION, "float", "老旧小区楼龄",
       measure="housing register: build years of old compounds"),
    _p("building_age_commercial", "world", "typical age of a commercial compound: mean of generated ages, default in a compounds file, and the age at which decay equals env_decay_commercial", "years", 12.0, (1, 200), (5, 20), SRC_ASSUMPTION, "float", "商品房楼龄",
       measure="housing register: build years of commercial compounds"),
    _p("building_age_sd_old", "world", "standard deviation of generated old compounds' ages", "years", 6.0, (0, 100), (3, 10), SRC_ASSUMPTION, "float", "老旧小区楼龄离散度",
       measure="housing register: build years of old compounds"),
    _p("building_age_sd_commercial", "world", "standard deviation of generated commercial compounds' ages", "years", 4.0, (0, 100), (2, 8), SRC_ASSUMPTION, "float", "商品房楼龄离散度",
       measure="housing register: build years of commercial compounds"),
    _p("building_age_max", "world", "generated building ages are clipped to [1, this]", "years", 80.0, (1, 500), (60, 100), SRC_ASSUMPTION, "float", "最大楼龄",
       measure="housing register: oldest inhabited buildings"),
    _p("lift_share_commercial", "world", "share of generated commercial compounds with lifts (old compounds have none)", "share", 0.8, (0, 1), (0.6, 1.0), SRC_ASSUMPTION, "float", "商品房电梯比例",
       measure="housing register: compounds with lifts"),
    _p("area_m2_old", "world", "floor area of a household in an old compound", "m²", 55.0, (10, 500), (45, 70), SRC_ASSUMPTION, "float", "老旧小区户均面积"),
    _p("area_m2_commercial", "world", "floor area of a household in a commercial compound", "m²", 90.0, (10, 500), (70, 120), SRC_ASSUMPTION, "float", "商品房户均面积"),
    _p("elderly_share_old", "world", "share of elderly-headed households in old compounds", "share", 0.35, (0, 1), (0.25, 0.45), SRC_ASSUMPTION, "float", "老旧小区老年户比例"),
    _p("elderly_share_commercial", "world", "share of elderly-headed households in commercial compounds", "share", 0.15, (0, 1), (0.08, 0.25), SRC_ASSUMPTION, "float", "商品房老年户比例"),
    _p("low_income_share_old", "world", "share of low-income households in old compounds", "share", 0.35, (0, 1), (0.2, 0.5), SRC_ASSUMPTION, "float", "老旧小区低收入比例"),
    _p("low_income_share_commercial", "world", "share of low-income households in commercial compounds", "share", 0.08, (0, 1), (0.03, 0.15), SRC_ASSUMPTION, "float", "商品房低收入比例"),
    _p("income_yuan_month", "world", "monthly income of an ordinary household in an old compound (commercial: x income_factor_commercial; low income: x income_factor_low)", "yuan/month", 3500.0, (100, 100000), (2500, 5000), SRC_ASSUMPTION, "float", "户月收入"),
    _p("income_factor_commercial", "world", "income of a household in a commercial compound, as a multiple of income_yuan_month", "multiplier", 1.8, (0.01, 100), (1.3, 2.5), SRC_ASSUMPTION, "float", "商品房收入倍数",
       measure="household income survey by compound type (street statistics)"),
    _p("income_factor_low", "world", "income of a low-income household, as a multiple of its compound type's income", "multiplier", 0.5, (0.01, 100), (0.3, 0.7), SRC_ASSUMPTION, "float", "低收入倍数",
       measure="minimum-living-allowance and income records of the street"),
    _p("income_sd_log", "world", "spread of household incomes: sigma of the lognormal factor on income", "log yuan", 0.2, (0, 3), (0.1, 0.5), SRC_ASSUMPTION, "float", "收入离散度",
       measure="household income survey (spread of log income within a group)"),
    _p("area_spread", "world", "spread of a household's floor area around its compound's: area x U(1 - spread, 1 + spread)", "share", 0.2, (0, 0.99), (0.1, 0.3), SRC_ASSUMPTION, "float", "面积离散度",
       measure="housing register: floor areas within a compound"),
    _p("party_member_share", "world", "share of households with a party member", "share", 0.07, (0, 1), (0.05, 0.09), "published: 7.0 % of population, COD statistical bulletin 2024", "float", "党员户比例"),
    _p("rider_share", "world", "share of households with a delivery rider or courier (new-employment group)", "share", 0.03, (0, 0.5), (0.01, 0.06), SRC_ASSUMPTION, "float", "骑手户比例"),
    _p("ties_within_building", "world", "neighbour ties of a household inside its building (small-world ring, rounded to even)", "ties", 4, (0, 50), (2, 8), SRC_ASSUMPTION, "int", "楼内邻里关系数"),
    _p("tie_rewire", "world", "extra ties to random neighbours in the compound, as a share of the within-building ties (added, none removed)", "share", 0.1, (0, 1), (0.02, 0.3), SRC_ASSUMPTION, "float", "重连比例"),
    _p("cross_tie_share", "world", "share of households with one tie to another compound of the community", "share", 0.05, (0, 1), (0.01, 0.15), SRC_ASSUMPTION, "float", "跨小区关系比例"),
    _p("party_coverage_mean", "world", "mean share of compounds with a compound party organisation and grid branches (P1)", "share", 0.5, (0, 1), (0.2, 0.9), SRC_PAPER + " P1 (uneven coverage); value assumed", "float", "党组织覆盖率"),
    _p("party_coverage_spread", "world", "difference in coverage between the best- and worst-covered community (Jianhua vs Nianzishan)", "share", 0.6, (0, 1), (0.0, 1.0), SRC_PAPER + " P1; value assumed", "float", "覆盖差异"),
    _p("digital_level_mean", "world", "mean digitalisation of the report-route-handle-feedback chain (0 information only, 1 whole chain online)", "index 0-1", 0.25, (0, 1), (0.1, 0.5), SRC_PAPER + " P4 (many only publish information); value assumed", "float", "数字化水平"),
    _p("digital_level_spread", "world", "difference in digitalisation between the most and least digital community", "index 0-1", 0.3, (0, 1), (0.0, 0.6), SRC_PAPER + " P4; value assumed", "float", "数字化差异"),
    _p("start_week", "world", "week of the year at step 0, the state before the first simulated week (Mesa's step counter; the first simulated week is week start_week + 1; 1 = first week of January)", "week", 1, (1, 52), (1, 52), SRC_ASSUMPTION, "int", "起始周"),
    # ---------------------------------------------------------------- problems
    _p("problem_rate", "problems", "problems arising per household per week in a compound with perfect environment (all categories)", "1/household/week", 0.006, (0, 1), (0.003, 0.012), SRC_ASSUMPTION + " (order of Fanrong's 260 registered)" + "; calibrated against Fanrong Street (paper P2): posterior median 0.00702, 90 % CI [0.00518, 0.0103], narrowed by the targets (scenario calibrated; results/calibration); default kept", "float", "问题发生率"),
    _p("environment_problem_factor", "problems", "rise of the problem rate as the environment decays: rate x (1 + factor x (1 - environment))", "multiplier", 2.0, (0, 20), (0.5, 4.0), SRC_ASSUMPTION, "float", "环境对问题的影响"),
    _p("heating_season_factor", "problems", "multiplier on repair and environment problems in the heating season (late Oct - Apr: heating, snow, ice)", "multiplier", 1.6, (1, 5), (1.2, 2.5), SRC_ASSUMPTION + " (northern city's year)", "float", "采暖季倍数"),
    _p("heating_season_start_week", "problems", "week of the year the heating season starts (late October)", "week", 43, (1, 52), (41, 45), SRC_ASSUMPTION, "int", "采暖季开始周",
       measure="the city's heating-period dates (municipal heating regulation)"),
    _p("heating_season_end_week", "problems", "last week of the year's heating season (April)", "week", 17, (1, 52), (14, 18), SRC_ASSUMPTION, "int", "采暖季结束周",
       measure="the city's heating-period dates (municipal heating regulation)"),
    _p("problem_weight_environment", "problems", "relative weight of environment problems (sanitation, snow and ice, shared spaces)", "weight", 0.35, (0, 1), (0.2, 0.5), SRC_ASSUMPTION, "float", "环境类问题权重"),
    _p("problem_weight_repair", "problems", "relative weight of repair problems (heating, pipes, lifts)", "weight", 0.30, (0, 1), (0.15, 0.45), SRC_ASSUMPTION, "float", "维修类问题权重"),
    _p("problem_weight_dispute", "problems", "relative weight of neighbour disputes and safety problems", "weight", 0.20, (0, 1), (0.1, 0.3), SRC_ASSUMPTION, "float", "纠纷安全类问题权重"),
    _p("problem_weight_elder_care", "problems", "relative weight of elder-care problems (x elder_care_factor_elderly for elderly households, x elder_care_factor_other for others)", "weight", 0.15, (0, 1), (0.05, 0.3), SRC_ASSUMPTION + " (ageing old industrial province)", "float", "养老类问题权重"),
    _p("elder_care_factor_elderly", "problems", "multiplier on the elder-care problem rate of an elderly-headed household", "multiplier", 3.0, (0, 50), (2.0, 5.0), SRC_ASSUMPTION, "float", "老年户养老问题倍数",
       measure="registered elder-care problems per elderly vs other household (grid records)"),
    _p("elder_care_factor_other", "problems", "multiplier on the elder-care problem rate of other households", "multiplier", 0.3, (0, 50), (0.1, 0.6), SRC_ASSUMPTION, "float", "非老年户养老问题倍数",
       measure="registered elder-care problems per elderly vs other household (grid records)"),
    _p("lift_repair_factor", "problems", "multiplier on the repair problem rate in compounds with lifts", "multiplier", 1.2, (0, 50), (1.0, 1.5), SRC_ASSUMPTION, "float", "电梯维修倍数",
       measure="repair requests in compounds with and without lifts (property firms' logs)"),
    _p("latent_fade_rate", "problems", "weekly chance an undiscovered problem is given up or fixed privately", "1/week", 0.03, (0, 1), (0.01, 0.1), SRC_ASSUMPTION + "; calibrated against Fanrong Street (paper P2): posterior median 0.0582, 90 % CI [0.016, 0.0971], left unidentified by the targets (scenario calibrated; results/calibration); default kept", "float", "潜在问题消退率"),
    _p("report_base", "problems", "weekly chance a household reports its own problem offline, with no trust", "1/week", 0.03, (0, 1), (0.01, 0.1), SRC_ASSUMPTION, "float", "基础上报率"),
    _p("report_trust_effect", "problems", "extra weekly report chance at full trust in the community organisation", "1/week", 0.12, (0, 1), (0.05, 0.3), SRC_ASSUMPTION, "float", "信任对上报的影响"),
    _p("report_digital_effect", "problems", "extra weekly report chance at full digitalisation (x report_digital_elderly_factor for elderly households)", "1/week", 0.10, (0, 1), (0.03, 0.3), SRC_ASSUMPTION, "float", "数字化对上报的影响"),
    _p("report_digital_elderly_factor", "problems", "elderly households' use of the digital reporting channel, as a share of others'", "share", 0.5, (0, 1), (0.2, 0.8), SRC_ASSUMPTION, "float", "老年户数字上报系数",
       measure="platform reports by age of the reporting household"),
    _p("routing_base", "problems", "weekly chance a registered problem reaches a handler with no digital chain (digital raises it toward 1)", "1/week", 0.5, (0.01, 1), (0.3, 0.8), SRC_PAPER + " P4; value assumed", "float", "流转率"),
    _p("loss_rate", "problems", "weekly chance an open problem is dropped with no digital chain", "1/week", 0.02, (0, 1), (0.005, 0.06), SRC_ASSUMPTION + "; calibrated against Fanrong Street (paper P2): posterior median 0.0383, 90 % CI [0.00729, 0.0573], left unidentified by the targets (scenario calibrated; results/calibration); default kept", "float", "问题遗失率"),
    _p("digital_loss_cut", "problems", "share of losses a fully digital chain prevents", "share", 0.8, (0, 1), (0.5, 1.0), SRC_ASSUMPTION, "float", "数字化减少遗失"),
    _p("escalation_weeks", "problems", "weeks a problem waits at a level before it is escalated (a whistle when it goes to a department)", "weeks", 4, (1, 52), (2, 8), SRC_ASSUMPTION, "int", "升级等待周数"),
    _p("max_problem_age_weeks", "problems", "open problems older than this are lost", "weeks", 26, (2, 520), (13, 52), SRC_ASSUMPTION, "int", "最长处理周数"),
    # ---------------------------------------------------------------- grid workers
    _p("grid_workers_per_grid", "grid", "grid workers (网格员) per grid", "workers", 1.0, (0, 20), (0.5, 3.0), SRC_ASSUMPTION, "float", "每网格网格员"),
    _p("grid_worker_skill", "grid", "grid workers' skill: share of handling attempts that succeed", "share", 0.6, (0, 1), (0.4, 0.8), SRC_ASSUMPTION + "; calibrated against Fanrong Street (paper P2): posterior median 0.598, 90 % CI [0.431, 0.761], left unidentified by the targets (scenario calibrated; results/calibration); default kept", "float", "网格员能力"),
    _p("grid_paperwork_share", "grid", "share of grid workers' time lost to plaques, forms and other administrative tasks", "share", 0.5, (0, 0.95), (0.3, 0.7), SRC_PAPER + " C1/C4 (减负增效); value assumed", "float", "行政事务占比"),
    _p("patrol_households_per_week", "grid", "households a full-time grid worker visits on patrol per week", "households/week", 60.0, (0, 1000), (20, 150), SRC_ASSUMPTION, "float", "巡查户数"),
    _p("grid_cases_per_week", "grid", "problems a full-time grid worker of skill 1 can handle per week", "problems/week", 10.0, (0, 100), (2, 15), SRC_ASSUMPTION, "float", "网格员处置能力"),
    _p("grid_patrol_share", "grid", "share of grid workers' hours left after paperwork, deliberation meetings, campaign visits and warning checks that goes to patrols (the rest goes to casework)", "share", 0.5, (0, 1), (0.3, 0.7), SRC_ASSUMPTION, "float", "巡查时间占比",
       measure="grid workers' time-use diaries or app logs"),
    _p("grid_resolve_cap", "grid", "highest weekly chance that a problem queued with grid workers is resolved, however idle they are", "1/week", 0.9, (0, 1), (0.7, 1.0), SRC_ASSUMPTION, "float", "网格处置上限",
       measure="share of grid cases closed within a week in a quiet grid"),
    # ---- issue 16: one time budget per grid (model/grid_time.py)
    _p("grid_hours_per_worker_week", "grid", "working hours of a grid worker per week, shared among paperwork, campaign visits, warning checks, cases and patrols", "hours/week", 40.0, (1, 168), (35, 60), SRC_ASSUMPTION + " (five days of eight hours; overtime is common)", "float", "网格员每周工时",
       measure="grid workers' time-use diaries or app logs"),
    # ---------------------------------------------------------------- residents
    _p("satisfaction_rate", "residents", "weekly speed at which satisfaction moves toward what a household experiences", "1/week", 0.1, (0, 1), (0.03, 0.3), SRC_ASSUMPTION, "float", "满意度调整速度"),
    _p("satisfaction_base", "residents", "satisfaction a household would feel with no environment, no service and no problems (intercept of the target)", "index 0-1", 0.15, (0, 1), (0.05, 0.3), SRC_ASSUMPTION, "float", "满意度基线",
       measure="resident survey regressed on environment, service and problems"),
    _p("satisfaction_service_weight", "residents", "weight of the provider's service in the non-environment part of the satisfaction target", "share", 0.6, (0, 1), (0.4, 0.8), SRC_ASSUMPTION, "float", "服务对满意度权重",
       measure="resident survey regressed on environment, service and problems"),
    _p("satisfaction_resolved_gain", "residents", "satisfaction target's rise from recently resolved problems (memory capped at 1)", "index 0-1", 0.25, (0, 1), (0.1, 0.4), SRC_ASSUMPTION, "float", "解决问题增满意度",
       measure="resident survey before and after a problem is resolved"),
    _p("satisfaction_open_penalty", "residents", "satisfaction target's fall per open problem of the household", "index 0-1", 0.15, (0, 1), (0.05, 0.3), SRC_ASSUMPTION, "float", "未决问题减满意度",
       measure="resident survey by number of open problems"),
    _p("satisfaction_open_cap", "residents", "open problems counted at most in the satisfaction target", "problems", 2, (0, 4), (1, 4), SRC_ASSUMPTION, "int", "未决问题计数上限",
       measure="resident survey by number of open problems"),
    _p("satisfaction_lost_penalty", "residents", "satisfaction target's fall from recently dropped problems (memory capped at 1)", "index 0-1", 0.2, (0, 1), (0.05, 0.4), SRC_ASSUMPTION, "float", "问题遗失减满意度",
       measure="resident survey after a problem is dropped"),
    _p("problem_memory", "residents", "share of the memory of own problems resolved and lost that a household keeps each week", "share/week", 0.95, (0, 1), (0.85, 0.99), SRC_ASSUMPTION, "float", "问题记忆保留",
       measure="repeated resident survey: how long a resolved or dropped problem colours satisfaction"),
    _p("env_satisfaction_weight", "residents", "weight of the compound's environment in satisfaction (the loop's environment -> satisfaction link)", "share", 0.5, (0, 1), (0.2, 0.8), SRC_ASSUMPTION, "float", "环境对满意度权重"),
    _p("network_weight", "residents", "weight of neighbours' mean in satisfaction and trust (social influence; payment and participation have their own neighbour weights)", "share", 0.3, (0, 1), (0.1, 0.5), SRC_ASSUMPTION, "float", "邻里影响"),
    _p("trust_rate", "residents", "weekly drift of trust toward its base", "1/week", 0.02, (0, 1), (0.005, 0.1), SRC_ASSUMPTION, "float", "信任调整速度"),
    _p("trust_resolved_gain", "residents", "trust gained when a household's registered problem is resolved", "trust", 0.15, (0, 1), (0.05, 0.3), SRC_ASSUMPTION, "float", "解决问题增信任"),
    _p("trust_lost_penalty", "residents", "trust lost when a household's registered problem is dropped", "trust", 0.2, (0, 1), (0.05, 0.4), SRC_ASSUMPTION, "float", "问题遗失减信任"),
    _p("pay_intercept", "residents", "log-odds of paying the property fee at zero satisfaction, trust and neighbours paying", "log-odds", -3.0, (-20, 20), (-4.0, -2.0), SRC_ASSUMPTION, "float", "缴费基线"),
    _p("pay_satisfaction_weight", "residents", "log-odds of paying per unit of satisfaction (the loop's satisfaction -> payment link; 0 cuts it)", "log-odds", 4.0, (0, 30), (2.0, 6.0), SRC_ASSUMPTION + " (pattern: Beijing Sanzi Pinge, payment 41 -> 90 %)", "float", "满意度对缴费影响"),
    _p("pay_neighbour_weight", "residents", "log-odds of paying per unit share of neighbours paying (Granovetter threshold)", "log-odds", 2.5, (0, 30), (0.0, 4.0), SRC_ASSUMPTION + " (Granovetter 1978)", "float", "邻里缴费影响"),
    _p("pay_trust_weight", "residents", "log-odds of paying per unit of trust", "log-odds", 1.0, (0, 30), (0.0, 2.0), SRC_ASSUMPTION, "float", "信任对缴费影响"),
    _p("pay_fee_weight", "residents", "log-odds lost per percentage point of income the monthly fee takes", "log-odds/%", 0.5, (0, 10), (0.2, 1.0), SRC_ASSUMPTION, "float", "费用负担影响"),
    _p("pay_review_rate", "residents", "weekly chance a household reconsiders whether to pay", "1/week", 0.25, (0, 1), (0.1, 0.5), SRC_ASSUMPTION + " (fees are monthly)", "float", "缴费复议率"),
    _p("participation_intercept", "residents", "log-odds of taking part in a community act in a week, at zero trust and belonging", "log-odds", -4.0, (-20, 20), (-5.0, -3.0), SRC_ASSUMPTION, "float", "参与基线"),
    _p("participation_trust_weight", "residents", "log-odds of taking part per unit of trust", "log-odds", 2.0, (0, 30), (1.0, 3.0), SRC_ASSUMPTION, "float", "信任对参与影响"),
    _p("participation_belonging_weight", "residents", "log-odds of taking part per unit of belonging (community identity)", "log-odds", 1.5, (0, 30), (0.5, 3.0), SRC_ASSUMPTION, "float", "归属感对参与影响"),
    _p("participation_neighbour_weight", "residents", "log-odds of taking part per unit share of neighbours taking part", "log-odds", 2.0, (0, 30), (0.0, 4.0), SRC_ASSUMPTION, "float", "邻里参与影响"),
    _p("participation_reward_weight", "residents", "log-odds of taking part per yuan of reward per act (participation points); no published figure", "log-odds/yuan", 0.5, (0, 30), (0.0, 2.0), SRC_ASSUMPTION + " (no credible figure: leave to sensitivity analysis)", "float", "积分激励效应"),
    _p("belonging_mean", "residents", "mean belonging (社区认同感) at the start", "index 0-1", 0.4, (0, 1), (0.2, 0.6), SRC_ASSUMPTION, "float", "归属感"),
    _p("trust_mean", "residents", "mean trust in the community organisation at the start (and its base without party work)", "index 0-1", 0.4, (0, 1), (0.2, 0.6), SRC_ASSUMPTION, "float", "初始信任"),
    _p("satisfaction_start_base", "residents", "starting satisfaction before environment and management (intercept)", "index 0-1", 0.15, (0, 1), (0.05, 0.3), SRC_ASSUMPTION, "float", "初始满意度基线",
       measure="baseline resident survey by compound"),
    _p("satisfaction_start_env", "residents", "starting satisfaction per unit of the compound's starting environment", "index 0-1", 0.5, (0, 1), (0.3, 0.7), SRC_ASSUMPTION, "float", "初始满意度环境系数",
       measure="baseline resident survey by compound"),
    _p("satisfaction_start_managed", "residents", "extra starting satisfaction in a compound with a property provider", "index 0-1", 0.2, (0, 1), (0.05, 0.35), SRC_ASSUMPTION, "float", "初始满意度物业加成",
       measure="baseline resident survey by compound"),
    _p("trait_start_sd", "residents", "standard deviation of households' starting satisfaction, trust and belonging around their means", "index 0-1", 0.08, (0, 1), (0.03, 0.15), SRC_ASSUMPTION, "float", "初始态度离散度",
       measure="baseline resident survey: spread within a compound"),
    _p("pay_neighbour_initial", "residents", "share of neighbours a household assumes are paying when it first decides (week 0)", "share", 0.7, (0, 1), (0.4, 0.9), SRC_ASSUMPTION, "float", "初始邻里缴费假定",
       measure="fee collection records of the year before the start"),
    # ---- issue 16: gamed closures, points that must be paid, belonging that fades
    _p("trust_gamed_penalty", "residents", "trust lost when a household is told its whistled problem is closed while it stays open", "trust", 0.2, (0, 1), (0.05, 0.4), SRC_ASSUMPTION, "float", "虚假办结减信任",
       measure="resident survey after a whistle was reported closed but not fixed"),
    _p("points_belief_start", "residents", "a household's initial belief that points are paid at their face value", "share", 1.0, (0, 1), (0.5, 1.0), SRC_ASSUMPTION, "float", "初始积分信任",
       measure="resident survey when a points scheme is announced"),
    _p("points_learning_rate", "residents", "weight of a redemption seen (own, else neighbours') in the belief that points are paid", "share", 0.3, (0, 1), (0.1, 0.6), SRC_ASSUMPTION, "float", "积分信念学习",
       measure="repeated resident survey around refused and paid redemptions"),
    _p("belonging_fade_rate", "residents", "yearly fade of belonging back toward a household's level before culture work, every week once culture work has begun (culture work, while it goes on, raises it at the same time)", "1/year", 0.5, (0, 10), (0.2, 1.0), SRC_ASSUMPTION, "float", "归属感消退",
       measure="repeated belonging survey after culture programmes end"),
    # ---------------------------------------------------------------- environment and property
    _p("fee_old", "property", "commercial property fee in old compounds", "yuan/m²/month", 1.1, (0, 20), (1.0, 1.2), "published: Harbin guideline fee for renovated old compounds, 1.1 +/-10 % (DESIGN 6)", "float", "老旧小区物业费"),
    _p("fee_commercial", "property", "property fee in commercial compounds", "yuan/m²/month", 1.8, (0, 20), (1.4, 2.8), SRC_ASSUMPTION + " (Beijing 2.74 in 2009)", "float", "商品房物业费"),
    _p("cost_old", "property", "full-service cost of managing an old compound (old pipes, no lift funds)", "yuan/m²/month", 0.85, (0, 20), (0.7, 1.3), SRC_PAPER + " P3 (high cost); value assumed", "float", "老旧小区运营成本"),
    _p("cost_commercial", "property", "full-service cost of managing a commercial compound", "yuan/m²/month", 1.2, (0, 20), (1.0, 2.0), SRC_ASSUMPTION, "float", "商品房运营成本"),
    _p("fixed_cost_share", "property", "share of a provider's full-service cost that does not shrink with service (staff, contracts)", "share", 0.4, (0, 0.99), (0.25, 0.6), SRC_ASSUMPTION, "float", "固定成本占比",
       measure="property firms' accounts: fixed vs variable costs"),
    _p("lift_cost_factor", "property", "multiplier on the full-service cost of a compound with lifts", "multiplier", 1.1, (0.1, 10), (1.05, 1.3), SRC_ASSUMPTION, "float", "电梯成本倍数",
       measure="property firms' accounts: cost per m² with and without lifts"),
    _p("revenue_smoothing", "property", "weight of this week's revenue in a provider's running average (the rest is the old average)", "share", 0.15, (0, 1), (0.05, 0.3), SRC_ASSUMPTION, "float", "收入平滑系数",
       measure="how fast firms adjust service to collection (firm interviews, service logs)"),
    _p("property_resolve", "property", "weekly chance a provider resolves a problem at its level, at full service (scaled by service)", "1/week", 0.6, (0, 1), (0.3, 0.9), SRC_ASSUMPTION, "float", "物业处置率",
       measure="share of repair requests a firm closes within a week (firm logs)"),
    _p("firm_min_service", "property", "lowest service level (share of full service) a firm may bid or provide under its contract", "share", 0.6, (0, 1), (0.4, 0.8), SRC_ASSUMPTION, "float", "最低服务水平"),
    _p("firm_reserve_months", "property", "a company's reserve at the start, and the ceiling above which its weekly profit leaves the street, in months of the full cost of the street's mean compound (x its contracts, at least 1)", "months", 6.0, (0, 120), (2, 12), SRC_ASSUMPTION + " (exit near 50 % collection is a pattern to reproduce)", "float", "企业储备金月数"),
    _p("firm_required_margin", "property", "profit margin a firm keeps on revenue when it sets service and appraises a contract", "share of revenue", 0.05, (-1, 1), (0.0, 0.15), SRC_ASSUMPTION, "float", "企业利润率"),
    # ---------------------------------------------------------------- firms as companies
    _p("firm_pool_size", "firms", "property companies in the market (those holding none of the street's contracts are potential entrants from outside)", "firms", 10, (1, 500), (5, 30), SRC_ASSUMPTION, "int", "物业企业数",
       measure="the district's register of property-service companies and their contracts"),
    _p("firm_cost_spread", "firms", "spread of companies' cost: each company's cost factor is lognormal with this sigma around 1", "log sd", 0.1, (0, 2), (0.03, 0.2), SRC_ASSUMPTION, "float", "企业成本差异",
       measure="property firms' accounts: cost per m² across firms serving similar compounds"),
    _p("firm_reserve_spread", "firms", "spread of companies' reserves: lognormal sigma of a company's reserve around firm_reserve_months", "log sd", 0.5, (0, 3), (0.2, 0.8), SRC_ASSUMPTION, "float", "企业储备金差异",
       measure="property firms' balance sheets: cash reserves relative to monthly costs"),
    _p("firm_risk_appetite", "firms", "mean share of its reserve a company will put at risk on one new contract's expected worst loss (each draws uniformly within +/- firm_risk_appetite_spread)", "share", 0.5, (0, 1), (0.2, 0.8), SRC_ASSUMPTION, "float", "企业风险偏好",
       measure="interviews with property firms' managers on losses they accept when taking over an old compound"),
    _p("firm_risk_appetite_spread", "firms", "half-width of the uniform spread of companies' risk appetite around its mean", "share", 0.2, (0, 0.5), (0.05, 0.3), SRC_ASSUMPTION, "float", "风险偏好差异",
       measure="interviews with property firms' managers on losses they accept when taking over an old compound"),
    _p("firm_loss_patience_months", "firms", "months a company keeps a contract whose running profit is negative and whose profit since the contract began is below minus the worst loss it planned for when it bid, before it leaves it", "months", 6.0, (0.25, 120), (3, 18), SRC_ASSUMPTION + " (exit near 50 % collection is a pattern to reproduce)", "float", "亏损容忍月数",
       measure="exit histories of property firms: months of losses before they left"),
    _p("firm_profit_memory_months", "firms", "time constant of a contract's running profit, which the company watches", "months", 3.0, (0.25, 60), (1, 6), SRC_ASSUMPTION, "float", "利润记忆月数",
       measure="firm interviews: over how many months they judge a contract's accounts"),
    _p("contract_months", "firms", "length of a property-service contract; also the horizon over which a bidder appraises one", "months", 36, (1, 240), (24, 60), SRC_ASSUMPTION + " (property-service contracts usually run 1-5 years)", "int", "合同期限",
       measure="the street's register of property-service contracts (their lengths)"),
    _p("appraisal_prior_collection_old", "firms", "a bidder's prior for the collection rate of a managed old compound in good condition (before it sees the street); a survey of collection by compound age and condition (e.g. CRIC's yearly property-fee survey) would set it", "share", 0.65, (0, 1), (0.5, 0.8), SRC_ASSUMPTION + " (firms leave near 50 %, DESIGN 6)", "float", "老旧小区收缴率先验",
       measure="a survey of fee collection by compound age and condition (e.g. CRIC's yearly property-fee survey)"),
    _p("appraisal_prior_collection_commercial", "firms", "a bidder's prior for the collection rate of a managed commercial compound in good condition; same survey", "share", 0.85, (0, 1), (0.7, 0.95), SRC_ASSUMPTION, "float", "商品房收缴率先验",
       measure="a survey of fee collection by compound age and condition (e.g. CRIC's yearly property-fee survey)"),
    _p("appraisal_prior_satisfaction", "firms", "residents' mean satisfaction in a managed compound of good condition, in the bidder's prior (a resident survey would set it)", "index 0-1", 0.65, (0, 1), (0.5, 0.8), SRC_ASSUMPTION, "float", "满意度先验",
       measure="a resident satisfaction survey in well-kept managed compounds"),
    _p("appraisal_prior_weight", "firms", "weight of the bidder's prior, in managed compounds' worth of the street's evidence", "compounds", 3.0, (0, 1000), (1, 10), SRC_ASSUMPTION, "float", "先验权重",
       measure="firm interviews: how much they trust industry figures against what they see nearby"),
    _p("environment_standard", "firms", "environment quality of a compound in good condition: below it upkeep costs more; red property hands a compound back once it reaches it (Hegang path)", "index 0-1", 0.6, (0, 1), (0.5, 0.75), SRC_PAPER + " C2 (Hegang Yuying: 'high standard', then handed on); value assumed", "float", "环境达标线",
       measure="the inspection standard red property must meet before handing a compound on (Hegang)"),
    _p("upkeep_environment_cost", "firms", "extra upkeep cost per unit of environment below the standard, as a share of full-service cost (the loop's environment -> cost link; 0 cuts it)", "share per unit", 1.0, (0, 10), (0.3, 2.0), SRC_PAPER + " P3 (old compounds cost more to run); value assumed", "float", "环境欠账维护成本",
       measure="property firms' accounts: first-year cost of taking over a run-down compound"),
    # ---------------------------------------------------------------- tendering
    _p("fee_band_width", "tendering", "half-width of the government-guided fee band around the type's guideline fee, as a share of it", "share", 0.1, (0, 1), (0.05, 0.2), "published: Harbin guideline fee 1.1 +/-10 % (DESIGN 6)", "float", "指导价浮动幅度"),
    _p("tender_fee_options", "tendering", "fees a bidder considers, evenly spaced over the band", "fees", 5, (1, 50), (3, 9), SRC_ASSUMPTION, "int", "报价档数",
       measure="tender records: how finely bids' fees differ"),
    _p("tender_weight_fee_street", "tendering", "weight of a low fee in the street office's published scoring rule (the rest is the service level offered)", "share", 0.5, (0, 1), (0.3, 0.7), SRC_ASSUMPTION + " (comprehensive scoring of property tenders)", "float", "街道评标价格权重",
       measure="the street office's published tender scoring rules"),
    _p("tender_weight_fee_committee", "tendering", "weight of a low fee in an owners' committee's (业委会) scoring rule", "share", 0.4, (0, 1), (0.2, 0.7), SRC_ASSUMPTION, "float", "业委会评标价格权重",
       measure="owners' committees' tender scoring rules"),
    _p("tender_wait_weeks", "tendering", "weeks before a compound left without an acceptable bid is put out to tender again", "weeks", 26, (1, 520), (13, 52), SRC_ASSUMPTION, "int", "重新招标等待周数",
       measure="tender records: time between a failed tender and the next"),
    _p("contract_retender_share", "tendering", "chance that a contract at its end is put out to tender rather than renewed with the incumbent", "share", 0.25, (0, 1), (0.1, 0.5), SRC_ASSUMPTION + " (most contracts are renewed; 3.3 % of compounds changed firm in 2024 is a pattern to check)", "float", "到期重新招标比例",
       measure="the street's contract register: renewals vs tenders at contract end"),
    _p("owners_committee_share", "tendering", "chance that a compound without a party organisation has an owners' committee (业委会) that runs its tenders", "share", 0.15, (0, 1), (0.05, 0.3), "published: 20-30 % in large cities, Beijing 17.9-23 %, Guangzhou 11.5 % (DESIGN 6); lower assumed for northern old compounds", "float", "业委会比例"),
    _p("owners_committee_party_boost", "tendering", "extra chance of an owners' committee where the compound has a party organisation", "share", 0.15, (0, 1), (0.0, 0.3), SRC_ASSUMPTION + " (paper C2: party organisations lead committees)", "float", "党组织促成业委会",
       measure="the street's register of owners' committees by compound party organisation"),
    _p("entry_payment_share", "property", "share of households paying when a new provider arrives", "share", 0.025, (0, 1), (0.01, 0.1), "published: Harbin Pingfang, 8 of 326 households paid after a month (DESIGN 6)", "float", "入驻初期缴费率"),
    _p("service_env_rate", "property", "weekly environment improvement at full service (on the gap to 1)", "1/week", 0.05, (0, 1), (0.02, 0.1), SRC_ASSUMPTION, "float", "服务改善环境速度"),
    _p("env_decay_old", "property", "weekly decay of an old compound's environment", "1/week", 0.02, (0, 1), (0.01, 0.05), SRC_ASSUMPTION + " (Forrester 1969: decay without maintenance)", "float", "老旧小区环境衰减"),
    _p("env_decay_commercial", "property", "weekly decay of a commercial compound's environment", "1/week", 0.015, (0, 1), (0.005, 0.03), SRC_ASSUMPTION, "float", "商品房环境衰减"),
    _p("age_factor_min", "property", "lowest multiplier of environment decay by building age (age / typical age, clipped)", "multiplier", 0.5, (0, 10), (0.3, 0.8), SRC_ASSUMPTION, "float", "楼龄衰减下限",
       measure="environment surveys of compounds of different ages"),
    _p("age_factor_max", "property", "highest multiplier of environment decay by building age (age / typical age, clipped)", "multiplier", 2.0, (0, 10), (1.5, 3.0), SRC_ASSUMPTION, "float", "楼龄衰减上限",
       measure="environment surveys of compounds of different ages"),
    _p("env_start_old", "property", "starting environment of a managed old compound (before noise)", "index 0-1", 0.6, (0, 1), (0.4, 0.8), SRC_ASSUMPTION, "float", "老旧小区初始环境",
       measure="baseline environment survey (inspection scores) by compound"),
    _p("env_start_commercial", "property", "starting environment of a managed commercial compound (before noise)", "index 0-1", 0.7, (0, 1), (0.5, 0.9), SRC_ASSUMPTION, "float", "商品房初始环境",
       measure="baseline environment survey (inspection scores) by compound"),
    _p("env_start_unmanaged", "property", "starting environment of a compound without a provider (before noise)", "index 0-1", 0.15, (0, 1), (0.05, 0.3), SRC_ASSUMPTION, "float", "无物业小区初始环境",
       measure="baseline environment survey (inspection scores) by compound"),
    _p("env_start_sd", "property", "standard deviation of the noise on compounds' starting environment", "index 0-1", 0.05, (0, 1), (0.02, 0.1), SRC_ASSUMPTION, "float", "初始环境离散度",
       measure="baseline environment survey (inspection scores) by compound"),
    _p("participation_env_effect", "property", "weekly environment improvement when every household takes part (volunteer cleaning)", "1/week", 0.03, (0, 1), (0.0, 0.06), SRC_ASSUMPTION, "float", "参与改善环境"),
    # ---------------------------------------------------------------- departments
    _p("department_capacity", "departments", "whistled problems a department can handle per week per 1,000 households of the street", "problems/week/1000 hh", 2.0, (0, 100), (0.3, 3.0), SRC_ASSUMPTION + "; calibrated against Fanrong Street (paper P2): posterior median 1.1, 90 % CI [0.353, 2.42], left unidentified by the targets (scenario calibrated; results/calibration); default kept", "float", "部门处置能力"),
    _p("department_base_responsiveness", "departments", "share of a department's capacity that goes to community whistles without scoring", "share", 0.33, (0, 1), (0.2, 0.5), "published: about one third of online requests answered, Chen, Pan & Xu, AJPS 2016", "float", "部门基础响应率"),
    _p("department_reallocation_rounds", "departments", "rounds in which whistle capacity a community cannot use is passed on to the others", "rounds", 3, (1, 100), (1, 5), SRC_ASSUMPTION, "int", "部门能力再分配轮数",
       measure="departments' case logs: whether spare capacity reaches other communities within a week"),
    # ---- issue 16: departments' own duties, their record and the score computed from it
    _p("department_other_demand", "departments", "a department's own duties besides whistles arriving each week, as a share of its capacity", "share of capacity/week", 0.6, (0, 5), (0.4, 0.8), SRC_ASSUMPTION + " (about two thirds of capacity goes to other duties: Chen, Pan & Xu 2016)", "float", "部门其他职责",
       measure="departments' work logs: whistles against other duties"),
    _p("department_record_memory", "departments", "weeks over which a department's record (whistles received, answered, answered on time) is averaged for its score", "weeks", 13.0, (1, 520), (4, 52), SRC_ASSUMPTION + " (a quarterly assessment)", "float", "考核记录周期",
       measure="the assessment rules (period over which responses are scored)"),
    _p("department_adjust_rate", "departments", "weekly change of a scored department's whistle share per unit of weighted shortfall of its score from the target", "1/week", 0.2, (0, 1), (0.05, 0.5), SRC_ASSUMPTION, "float", "部门调整速度",
       measure="departments' capacity given to whistles before and after scoring starts"),
    _p("department_gaming_propensity", "departments", "weekly chance a scored department closes an unanswered whistle on paper (problem left open), per unit of weighted relative score shortfall; 0: no gaming", "1/week", 0.3, (0, 1), (0.0, 0.6), SRC_ASSUMPTION + " (gaming of performance targets is widely reported; no figure)", "float", "部门虚报倾向",
       measure="audits of whistles reported closed against residents' confirmation"),
    # ---------------------------------------------------------------- party organisation
    _p("central_household_discovery", "party", "weekly chance a central household (党员中心户) learns of a tied neighbour's problem", "1/week", 0.08, (0, 1), (0.02, 0.2), SRC_ASSUMPTION, "float", "中心户发现率"),
    _p("central_household_span", "party", "neighbours a central household looks after", "households", 15, (1, 200), (10, 30), "design brief (10-30 neighbours)", "int", "中心户联系户数"),
    _p("party_trust_base", "party", "extra base trust in compounds with a party organisation", "trust", 0.1, (0, 1), (0.0, 0.2), SRC_ASSUMPTION, "float", "党组织信任加成"),
    _p("contact_trust_central", "party", "extra trust a household drifts to when an active central household looks after it", "trust", 0.1, (0, 1), (0.0, 0.2), SRC_ASSUMPTION, "float", "中心户信任加成",
       measure="resident survey: trust with and without a central household"),
    _p("contact_trust_red_property", "party", "extra trust a household drifts to in a red-property compound at red property's full service (times its service level: trust earned through service, issue 15)", "trust", 0.1, (0, 1), (0.0, 0.2), SRC_ASSUMPTION, "float", "红色物业信任加成",
       measure="resident survey: trust in red-property vs other compounds"),
    _p("contact_trust_deliberation", "party", "extra trust a household drifts to where deliberation is on and its compound has a party organisation to hold the meetings (whether or not the grid workers had hours for them that week)", "trust", 0.05, (0, 1), (0.0, 0.15), SRC_ASSUMPTION, "float", "议事协商信任加成",
       measure="resident survey: trust where deliberation is held vs not"),
    # ---------------------------------------------------------------- roles played in a participatory class
    # (model/overrides.py; read only when students play a role with `govsim class`, so no ordinary run uses them)
    _p("committee_fee_stance_effect", "classroom_roles", "log-odds added to its households' payment rule when an owners' committee backs the fee (subtracted when it opposes)", "log-odds", 1.5, (0, 30), (0.5, 3.0), SRC_ASSUMPTION + " (a committee's call is one voice among neighbours': about half the neighbour effect)", "float", "业委会缴费立场效应",
       measure="payment before and after owners' committees' fee resolutions (property firms' records)"),
    _p("committee_volunteer_effect", "classroom_roles", "log-odds added to its households' participation rule when an owners' committee calls for volunteers", "log-odds", 1.0, (0, 30), (0.3, 2.0), SRC_ASSUMPTION, "float", "业委会志愿号召效应",
       measure="turnout at volunteer days called by owners' committees vs ordinary weeks"),
    _p("committee_report_effect", "classroom_roles", "extra weekly chance a household's problem is reported when its owners' committee collects reports", "1/week", 0.1, (0, 1), (0.03, 0.3), SRC_ASSUMPTION, "float", "业委会集体上报效应",
       measure="registered problems from compounds whose committee collects reports vs others"),
    _p("committee_deliberation_rate", "classroom_roles", "deliberation meetings per month an owners' committee holds when it calls one", "meetings/month", 1.0, (0, 8), (0.5, 2.0), SRC_ASSUMPTION + " (the paper's 一会五步)", "float", "业委会议事频率"),
    _p("grid_visit_pace", "classroom_roles", "households a grid worker visits at home in the time a patrol covers one (a visit is slower)", "share", 0.25, (0, 1), (0.1, 0.5), SRC_ASSUMPTION, "float", "入户走访效率",
       measure="grid workers' time logs: minutes per home visit vs per patrol contact"),
    _p("contact_trust_visit", "classroom_roles", "extra trust a household drifts to when its grid worker visits every household of the grid each week", "trust", 0.3, (0, 1), (0.1, 0.5), SRC_ASSUMPTION, "float", "走访对信任的影响",
       measure="resident survey: trust by how often a grid worker came to the door"),
    _p("department_reply_share", "classroom_roles", "weekly chance a waiting whistle is closed on paper (a reply, the problem stays open) when a played department head chooses to close by reply", "1/week", 0.5, (0, 1), (0.2, 0.8), SRC_ASSUMPTION + " (formalism the paper names in P3)", "float", "以回复代替办结比例",
       measure="share of closed whistles reopened or disputed by residents (12345 hotline records)"),
    # ================================================================ policies (doses)
    # C2 red property
    _p("red_property_share", "red_property", "dose: share of unmanaged compounds with a party organisation the red provider (红色物业) takes on", "share", 0.0, (0, 1), (0, 1), SRC_PAPER + " C2 (Hegang Yuying)", "float", "红色物业覆盖"),
    _p("red_property_fee", "red_property", "red property's low fee", "yuan/m²/month", 0.6, (0, 20), (0.4, 0.9), SRC_PAPER + " C2 'three lows one high'; value assumed (Beijing 2.74 -> 1.6)", "float", "红色物业收费"),
    _p("red_property_cost_factor", "red_property", "red property's cost as a share of a commercial firm's (volunteers, shared staff)", "share", 0.75, (0.05, 3), (0.6, 0.9), SRC_ASSUMPTION, "float", "红色物业成本系数"),
    _p("red_property_subsidy", "red_property", "subsidy to red property, paid from the governance fund", "yuan/m²/month", 0.3, (0, 20), (0.1, 0.6), SRC_PAPER + " C5 (fiscal subsidy); value assumed", "float", "红色物业补贴"),
    _p("red_property_startup_months", "red_property", "start-up grant from the fund when red property takes a compound, in months of its full cost", "months", 6.0, (0, 120), (2, 12), SRC_ASSUMPTION, "float", "红色物业启动资金"),
    _p("red_property_patience_months", "red_property", "months red property runs a compound below the contract minimum service on an empty budget before it hands the compound back", "months", 3.0, (0.25, 120), (1, 12), SRC_ASSUMPTION, "float", "红色物业支撑月数",
       measure="red-property accounts: months run below standard before a compound was handed back"),
    *_window("red_property", "红色物业"),
    # C6 participation points
    _p("points_per_act", "points", "dose: points a household earns per act of participation (积分制)", "points", 0.0, (0, 1000), (0, 20), SRC_PAPER + " C6", "float", "每次参与积分"),
    _p("points_value_yuan", "points", "yuan a point is worth when redeemed", "yuan/point", 0.5, (0, 100), (0.1, 1.0), SRC_ASSUMPTION, "float", "积分价值"),
    _p("points_fee_share", "points", "share of redeemed value used for property fees (the rest buys daily goods)", "share", 0.5, (0, 1), (0, 1), SRC_PAPER + " C6 (redeem for property services, daily goods)", "float", "积分抵物业费比例"),
    _p("points_redeem_threshold", "points", "points a household collects before it redeems them", "points", 50.0, (1, 100000), (20, 200), SRC_ASSUMPTION, "float", "兑换门槛"),
    *_window("points", "积分"),
    # C1 response scoring
    _p("response_scoring_weight", "response_scoring", "dose: weight of the community's score of departments in their annual assessment", "share", 0.0, (0, 1), (0, 1), SRC_PAPER + " C1 (社区吹哨、部门报到)", "float", "响应评价权重"),
    _p("response_scoring_gain", "response_scoring", "how strongly a scored department moves capacity toward whistles when its score falls short (multiplies department_adjust_rate; pattern: Beijing 12345, 53 -> 97 %)", "share", 0.8, (0, 5), (0.3, 1.5), "published pattern: Beijing 12345 (DESIGN 6); value assumed", "float", "评价效果"),
    _p("response_scoring_tilt", "response_scoring", "how much scoring tilts departments' capacity toward communities with the power to score (queue x (1 + tilt x weight x power))", "multiplier", 2.0, (0, 50), (0.5, 4.0), SRC_ASSUMPTION, "float", "评价倾斜系数",
       measure="departments' answers by community before and after scoring"),
    _p("response_score_target", "response_scoring", "score a department aims for in its assessment (share answered x share answered on time)", "share", 0.9, (0, 1), (0.8, 0.97), "published pattern: Beijing 12345, 97 % (DESIGN 6); value assumed", "float", "考核目标分",
       measure="the assessment rules (pass mark of the response score)"),
    _p("response_deadline_weeks", "response_scoring", "weeks within which a department's answer counts as on time", "weeks", 2, (1, 52), (1, 4), SRC_ASSUMPTION + " (Beijing 12345 asks for replies within days)", "int", "响应时限",
       measure="the assessment rules (deadline for an answer)"),
    _p("scoring_paperwork_hours_per_whistle", "response_scoring", "grid workers' hours to document and score each whistle (paperwork, cut by the duty lists)", "hours/whistle", 1.0, (0, 40), (0.25, 3), SRC_ASSUMPTION, "float", "评价台账工时",
       measure="grid workers' time-use diaries: hours per whistle record"),
    *_window("response_scoring", "响应评价"),
    # C3 digital platform
    _p("digital_boost", "digital_platform", "dose: rise of every community's digitalisation ('three centres' platform, mobile terminals)", "index 0-1", 0.0, (0, 1), (0, 0.6), SRC_PAPER + " C3 (Hulan three centres)", "float", "数字平台提升"),
    _p("digital_cost_yuan_per_household_year", "digital_platform", "running cost of the platform per household per year at dose 1", "yuan/household/year", 20.0, (0, 10000), (5, 50), SRC_ASSUMPTION, "float", "平台成本"),
    *_window("digital_platform", "数字平台"),
    # C3 early warning
    _p("early_warning_level", "early_warning", "dose: strength of early warning from the platform's records (needs digitalisation)", "index 0-1", 0.0, (0, 1), (0, 1), SRC_PAPER + " C3 (data centre, early warning)", "float", "预警水平"),
    _p("early_warning_prevention", "early_warning", "share of new problems prevented in a flagged hot-spot compound at full warning and digitalisation", "share", 0.3, (0, 1), (0.1, 0.5), SRC_ASSUMPTION, "float", "预警预防比例"),
    _p("early_warning_discovery", "early_warning", "weekly chance the early-warning channel finds a hot-spot household's problem at full warning and digitalisation", "1/week", 0.1, (0, 1), (0.03, 0.3), SRC_ASSUMPTION, "float", "预警发现率",
       measure="platform records: problems found by warnings per flagged household"),
    _p("early_warning_smoothing", "early_warning", "weight of this week's open problems per household in the platform's running average for each compound (the rest is the old average)", "share", 0.1, (0, 1), (0.05, 0.3), SRC_ASSUMPTION, "float", "预警平滑系数",
       measure="platform's own alert rule (its averaging window)"),
    _p("early_warning_hot_quantile", "early_warning", "compounds at or above this quantile of the running average of open problems per household are hot spots (0.75: the top quarter)", "quantile", 0.75, (0, 1), (0.5, 0.9), SRC_ASSUMPTION, "float", "热点分位数",
       measure="platform's own alert rule (its threshold)"),
    _p("early_warning_check_rate", "early_warning", "share of a hot spot's households the warning orders grid workers to check each week at full warning (a check takes a patrol visit's time)", "1/week", 0.05, (0, 1), (0.02, 0.2), SRC_ASSUMPTION + " (the patrol chance at the defaults)", "float", "预警核查率",
       measure="platform orders: checks asked per flagged household per week"),
    *_window("early_warning", "预警"),
    # C6 / P5 riders
    _p("rider_recruit_share", "riders", "dose: share of rider households recruited as part-time grid members", "share", 0.0, (0, 1), (0, 0.5), SRC_PAPER + " C6/P5 (兼职网格员)", "float", "骑手兼职网格员比例"),
    _p("rider_households_per_week", "riders", "households a part-time rider member checks on per week", "households/week", 20.0, (0, 1000), (5, 50), SRC_ASSUMPTION, "float", "骑手走访户数"),
    _p("rider_discovery", "riders", "chance a rider's check on a household finds its problem (times the compound's rider cover)", "share", 0.5, (0, 1), (0.2, 0.8), SRC_ASSUMPTION, "float", "骑手发现率",
       measure="problems reported by recruited riders per visit (platform records)"),
    _p("rider_stipend_yuan_month", "riders", "stipend per recruited rider", "yuan/month", 200.0, (0, 10000), (0, 500), SRC_ASSUMPTION, "float", "骑手补贴"),
    *_window("riders", "骑手"),
    # P2 door knocking
    _p("door_knock_weeks", "door_knocking", "dose: length of a door-knocking campaign (敲门行动), 0 = none", "weeks", 0, (0, 520), (0, 12), SRC_PAPER + " P2 (Fanrong Street 2024)", "int", "敲门行动周数"),
    _p("door_knock_start", "door_knocking", "step at which the campaign starts", "step", 26, (0, 100_000), (0, 104), SRC_ASSUMPTION, "int", "敲门行动开始"),
    _p("door_knock_coverage", "door_knocking", "share of households the campaign reaches", "share", 0.9, (0, 1), (0.6, 1.0), SRC_ASSUMPTION, "float", "敲门覆盖率"),
    _p("door_knock_cost_yuan_per_household", "door_knocking", "money cost of a visit (allowances, materials; the grid workers' hours are door_knock_hours_per_visit)", "yuan/household", 5.0, (0, 1000), (2, 20), SRC_ASSUMPTION, "float", "敲门成本"),
    _p("door_knock_hours_per_visit", "door_knocking", "grid workers' hours per campaign visit (taken before cases and patrols)", "hours/household", 0.33, (0, 24), (0.25, 1.0), SRC_ASSUMPTION + " (about twenty minutes a household)", "float", "每户走访工时",
       measure="campaign logs: visits per worker-day"),
    # C2 party coverage
    _p("party_coverage_boost", "party_coverage", "dose: share of the gap to full four-tier coverage that is closed", "share", 0.0, (0, 1), (0, 1), SRC_PAPER + " C2 (four tiers everywhere)", "float", "党组织覆盖提升"),
    *_window("party_coverage", "党组织覆盖"),
    # C2 deliberation
    _p("deliberation_rate", "deliberation", "dose: deliberation meetings per month in compounds with a party organisation (一会五步)", "meetings/month", 0.0, (0, 8), (0, 2), SRC_PAPER + " C2/C6 (three-level linkage, four deliberations)", "float", "议事协商频率"),
    _p("deliberation_resolve", "deliberation", "share of a compound's open collective problems a meeting settles when everyone takes part", "share", 0.6, (0, 1), (0.3, 0.9), SRC_ASSUMPTION, "float", "议事解决比例"),
    _p("deliberation_floor", "deliberation", "share of a meeting's effect reached with nobody taking part (the rest grows with participation)", "share", 0.3, (0, 1), (0.1, 0.5), SRC_ASSUMPTION, "float", "议事基础效果",
       measure="deliberation minutes: problems settled by turnout"),
    _p("deliberation_participation_scale", "deliberation", "multiplier on the compound's participation share, capped at 1 (5: a fifth of households taking part gives the full effect)", "multiplier", 5.0, (0, 1000), (2.0, 10.0), SRC_ASSUMPTION, "float", "议事参与放大",
       measure="deliberation minutes: problems settled by turnout"),
        _p("deliberation_hours_per_meeting", "deliberation", "grid workers' hours to prepare, hold and follow up one compound deliberation meeting (taken after paperwork, before campaign visits)", "hours/meeting", 4.0, (0, 100), (2, 8), SRC_ASSUMPTION, "float", "议事会议工时",
       measure="grid workers' time-use diaries around deliberation meetings"),
    *_window("deliberation", "议事协商"),
    # C4 grid workforce
    _p("grid_extra_workers", "grid_workforce", "dose: extra grid workers per grid", "workers", 0.0, (0, 20), (0, 2), SRC_PAPER + " C4 (扩容提质)", "float", "增加网格员"),
    _p("grid_training", "grid_workforce", "dose: rise in grid workers' skill from training", "share", 0.0, (0, 1), (0, 0.3), SRC_PAPER + " C4 (training system)", "float", "网格员培训"),
    _p("grid_paperwork_cut", "grid_workforce", "dose: share of paperwork time freed by burden reduction (减负增效)", "share", 0.0, (0, 1), (0, 0.6), SRC_PAPER + " C1/C4", "float", "减负比例"),
    _p("grid_worker_salary_yuan_year", "grid_workforce", "cost of an extra grid worker", "yuan/year", 60000.0, (0, 1e7), (40000, 90000), SRC_ASSUMPTION, "float", "网格员年薪"),
    _p("grid_training_cost_yuan_worker_year", "grid_workforce", "cost of training per worker per year at dose 1", "yuan/worker/year", 5000.0, (0, 1e7), (1000, 10000), SRC_ASSUMPTION, "float", "培训成本"),
    *_window("grid_workforce", "网格力量"),
    # C5 funding
    _p("fund_initial_yuan_per_household", "funding", "governance fund (special fund) available at the start, per household of the street", "yuan/household", 0.0, (0, 1e6), (0, 100), SRC_PAPER + " C5 (special funds)", "float", "初始专项资金"),
    _p("fiscal_fund_yuan_per_household_year", "funding", "fiscal money paid into the governance fund each year, per household", "yuan/household/year", 0.0, (0, 1e6), (0, 100), SRC_PAPER + " C5 (财政补贴)", "float", "年度财政投入"),
    _p("donations_yuan_per_household_year", "funding", "social donations paid into the governance fund each year, per household", "yuan/household/year", 0.0, (0, 1e6), (0, 20), SRC_PAPER + " C5 (社会捐赠)", "float", "年度社会捐赠"),
    _p("property_subsidy", "funding", "subsidy from the fund to any provider of an old compound", "yuan/m²/month", 0.0, (0, 20), (0, 1.0), SRC_PAPER + " C5; value assumed", "float", "老旧小区物业补贴"),
    _p("cobuilding_capacity", "funding", "problems per week per 1,000 households that co-building units' opened resources settle, added to the grid workers' case capacity (any problem handled at the grid)", "problems/week/1000 hh", 0.0, (0, 100), (0, 2), SRC_PAPER + " C5 (结对共建)", "float", "共建单位资源"),
    *_window("funding", "经费"),
    # C6 community culture
    _p("culture_belonging_rate", "culture", "dose: yearly rise of belonging toward 1 from community culture work", "1/year", 0.0, (0, 1), (0, 0.3), SRC_PAPER + " C6 (culture brand)", "float", "文化建设"),
    _p("culture_cost_yuan_per_household_year", "culture", "cost of culture work per household per year at dose 1", "yuan/household/year", 10.0, (0, 10000), (2, 30), SRC_ASSUMPTION, "float", "文化建设成本"),
    *_window("culture", "文化"),
])

BY_NAME: dict[str, Param] = {p.name: p for p in PARAMS}
assert len(BY_NAME) == len(PARAMS), "duplicate parameter names"

POLICY_GROUPS = ("red_property", "points", "response_scoring", "digital_platform", "early_warning",
                 "riders", "door_knocking", "party_coverage", "deliberation", "grid_workforce",
                 "funding", "culture")


def defaults() -> dict[str, Any]:
    return {p.name: p.default for p in PARAMS}


def group(name: str) -> list[Param]:
    return [p for p in PARAMS if p.group == name]


def _suggest(name: str) -> str:
    import difflib

    close = difflib.get_close_matches(name, BY_NAME, n=3)
    return f" (did you mean {', '.join(close)}?)" if close else ""


def validate(overrides: Mapping[str, Any] | None = None, where: str = "") -> dict[str, Any]:
    """Defaults updated by `overrides`, every value checked; raises ParameterError."""
    params = defaults()
    for key, value in (overrides or {}).items():
        if key not in BY_NAME:
            raise ParameterError(key, value, "a parameter from the table (`govsim params`)" + _suggest(key), where)
        params[key] = BY_NAME[key].check(value, where)
    for g in POLICY_GROUPS:
        s, e = params.get(f"{g}_start"), params.get(f"{g}_end")
        if s is not None and e is not None and e != NEVER and e < s:
            raise ParameterError(f"{g}_end", e, f"-1 or a step >= {g}_start ({s})", where)
    if params["n_communities"] > params["n_households"]:  # each community needs a household of its own
        raise ParameterError("n_communities", params["n_communities"],
                             f"at most n_households ({params['n_households']}): n_communities = "
                             f"{params['n_communities']} with n_households = {params['n_households']} "
                             "would leave communities without households", where)
    return params


def plausibility_warnings(values: Mapping[str, Any]) -> list[str]:
    """One line for each given value that is valid but outside the table's plausible range."""
    lines = []
    for key, value in values.items():
        p = BY_NAME.get(key)
        if p is None or p.kind == "bool" or isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        lo, hi = p.plausible
        if not lo <= value <= hi:
            lines.append(f"{key} = {value:g} is valid but outside the plausible range [{lo:g}, {hi:g}] {p.unit} "
                         "(`govsim params`)")
    return lines


def plausible_bounds(names: Iterable[str]) -> list[tuple[float, float]]:
    return [BY_NAME[n].plausible for n in names]


def markdown_table() -> str:
    """The table as Markdown, grouped; `docs/parameters.md` is this text."""
    lines = ["# Parameters", "",
             "Generated from `model/parameters.py` by `govsim params --markdown`; do not edit by hand.",
             "One step is one week. *valid* is what the model accepts; *plausible* is the range the",
             "sensitivity analysis, the classroom sliders and calibration priors use. Source: the paper,",
             "a published figure (DESIGN section 6), or an assumption (with what would measure it).", ""]
    current = None
    for p in PARAMS:
        if p.group != current:
            current = p.group
            kind = "policy dose" if current in POLICY_GROUPS else "parameter"
            lines += ["", f"## {current} ({kind})", "",
                      "| name | 中文 | meaning | unit | default | valid | plausible | source |",
                      "|---|---|---|---|---|---|---|---|"]
        source = f"{p.source}; to measure: {p.measure}" if p.measure else p.source
        lines.append(f"| `{p.name}` | {p.zh} | {p.meaning} | {p.unit} | {p.default:g} | "
                     f"[{p.valid[0]:g}, {p.valid[1]:g}] | [{p.plausible[0]:g}, {p.plausible[1]:g}] | {source} |")
    return "\n".join(lines) + "\n"
