"""The presets a teacher picks from and the policy sliders, both generated from the model's own tables.

Presets are the shipped scenarios of DESIGN section 1 (baseline, C1-C6, the combined package,
Fanrong Street's door-knocking action); sliders are the policies' dose parameters, so their
labels, units and ranges are the parameter table's and never drift from the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from model.parameters import PARAMS, validate
from model.scenarios import load_scenario

from .text import t, unit

PRESETS = ("baseline", "c1_duties_and_whistle", "c2_party_and_red_property", "c3_digital", "c4_workforce",
           "c5_funding", "c6_participation", "combined", "fanrong_knock_on_door", "calibrated")

# short names a teacher reads in the preset menu
PRESET_TITLES = {
    "baseline": ("Baseline (no new policy)", "基线(无新政策)"),
    "c1_duties_and_whistle": ("C1 Duties and the whistle", "C1 明晰权责与“吹哨报到”"),
    "c2_party_and_red_property": ("C2 Party organisation and red property", "C2 党组织覆盖与红色物业"),
    "c3_digital": ("C3 Digital platform and early warning", "C3 数字平台与预警"),
    "c4_workforce": ("C4 Grid workforce and riders", "C4 网格力量与骑手兼职"),
    "c5_funding": ("C5 Funding and subsidies", "C5 经费保障与补贴"),
    "c6_participation": ("C6 Participation points and culture", "C6 积分制与社区文化"),
    "combined": ("C1-C6 together", "C1-C6综合方案"),
    "fanrong_knock_on_door": ("Fanrong Street door-knocking, 2024", "繁荣街道“敲门行动”(2024)"),
    "calibrated": ("Baseline, calibrated to Fanrong Street", "基线(按繁荣街道数据校准)"),
}

# the dose of each policy, plus the money levers a class argues about
SLIDERS = ("red_property_share", "red_property_subsidy", "property_subsidy", "fiscal_fund_yuan_per_household_year",
           "response_scoring_weight", "digital_boost", "early_warning_level", "points_per_act",
           "rider_recruit_share", "door_knock_weeks", "party_coverage_boost", "deliberation_rate",
           "grid_extra_workers", "culture_belonging_rate")

# The sliders' English names, as the table's `zh` column gives the Chinese: short, and without
# the unit the label adds in brackets (the parameter's name, capitalised, repeated it: "Fiscal fund
# yuan per household year (yuan/household/year)")
EN_NAMES = {
    "red_property_share": "Red property coverage",
    "red_property_subsidy": "Red property subsidy",
    "property_subsidy": "Old-compound subsidy",
    "fiscal_fund_yuan_per_household_year": "Annual fiscal fund",
    "response_scoring_weight": "Response scoring weight",
    "digital_boost": "Digital platform boost",
    "early_warning_level": "Early warning level",
    "points_per_act": "Reward per act of participation",
    "rider_recruit_share": "Riders recruited as grid workers",
    "door_knock_weeks": "Door-knocking campaign",
    "party_coverage_boost": "Party organisation coverage boost",
    "deliberation_rate": "Deliberation",
    "grid_extra_workers": "Added to the grid workforce",
    "culture_belonging_rate": "Community culture work",
}

# and where the table's Chinese name says its unit again ("骑手兼职网格员比例(比例)"), a shorter one
ZH_NAMES = {
    "rider_recruit_share": "骑手兼职网格员",
    "door_knock_weeks": "敲门行动",
    "points_per_act": "每次参与奖励",
}

DEMO_HOUSEHOLDS = 6000  # 24 compounds in 3 communities: readable on a projector, fast to step
_BY_NAME = {p.name: p for p in PARAMS}


@dataclass(frozen=True)
class Slider:
    name: str
    lo: float
    hi: float
    step: float
    integer: bool
    unit: str
    zh: str
    meaning: str

    def label(self, lang: str) -> str:
        base = ZH_NAMES.get(self.name, self.zh) if lang == "zh" else EN_NAMES[self.name]
        return f"{base} ({unit(self.unit, lang)})" if lang == "en" else f"{base}({unit(self.unit, lang)})"

    def tooltip(self, lang: str) -> str:
        p = _BY_NAME[self.name]
        lo, hi = p.valid
        if lang == "zh":
            return f"{self.zh};单位:{unit(self.unit, lang)};模型允许范围 {lo:g}–{hi:g};默认 {p.default:g}"
        return f"{self.meaning} [{self.unit}]; the model accepts {lo:g}-{hi:g}; default {p.default:g}"


def slider(name: str) -> Slider:
    """A slider over the parameter's plausible range (from the table), stretched to cover every preset's value."""
    p = _BY_NAME[name]
    lo, hi = float(p.plausible[0]), float(p.plausible[1])
    for pre in PRESETS:
        v = float(preset_values(pre)[name])
        lo, hi = min(lo, v), max(hi, v)
    integer = p.kind == "int"
    step = 1.0 if integer else _nice_step((hi - lo) / 50)
    return Slider(name, lo, hi, step, integer, p.unit, p.zh, p.meaning.removeprefix("dose: "))


def _nice_step(x: float) -> float:
    import math

    if x <= 0:
        return 0.01
    e = 10 ** math.floor(math.log10(x))
    for m in (1, 2, 5, 10):
        if x <= m * e:
            return m * e
    return 10 * e


def sliders() -> list[Slider]:
    return [slider(n) for n in SLIDERS]


@lru_cache(maxsize=None)
def _values(name: str) -> tuple:
    return tuple(sorted(validate(load_scenario(name).params).items()))


def preset_values(name: str) -> dict:
    """Every parameter's value under a preset (defaults, then the scenario's)."""
    if name not in PRESETS:
        raise ValueError(f"preset = {name!r} is invalid; allowed: {', '.join(PRESETS)}")
    return dict(_values(name))


def title(name: str, lang: str) -> str:
    en, zh = PRESET_TITLES[name]
    return zh if lang == "zh" else en


def description(name: str, lang: str) -> str:
    sc = load_scenario(name)
    return (sc.description_zh or sc.description) if lang == "zh" else sc.description


def overrides_vs_preset(name: str, values: dict) -> dict:
    """The slider values that differ from the preset's own (what a teacher changed)."""
    base = preset_values(name)
    return {k: v for k, v in values.items() if k in base and float(base[k]) != float(v)}


__all__ = ["PRESETS", "SLIDERS", "DEMO_HOUSEHOLDS", "Slider", "slider", "sliders", "preset_values", "title",
           "description", "overrides_vs_preset", "t"]
