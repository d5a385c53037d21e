"""Every word the classroom app shows, in Chinese and English, in one table.

A teacher switches the language once and every label, button, tooltip and chart follows,
so the words live here (keyed by a short name) rather than scattered through the layout.
Outcome and parameter labels come from their own tables (`model.outcomes`, `model.parameters`).
"""

from __future__ import annotations

import os

LANGS = ("zh", "en")
DEFAULT_LANG = os.environ.get("GOVSIM_LANG", "zh") if os.environ.get("GOVSIM_LANG") in ("zh", "en") else "zh"

TEXT: dict[str, tuple[str, str]] = {
    # key: (english, chinese)
    "title": ("Party-building-led community governance: a classroom simulation", "党建引领城市社区治理:课堂模拟"),
    "subtitle": ("Residents, grid workers, property firms and departments on a street of compounds (one step = one week)",
                 "居民、网格员、物业企业和职能部门在一条街道的各小区中互动(每步=一周)"),
    "preset": ("Policy preset", "政策预设"),
    "preset_tip": ("A scenario from the paper: baseline, countermeasures C1-C6, the whole package, or Fanrong Street's door-knocking action",
                   "论文中的情景:基线、对策C1-C6、综合方案或繁荣街道“敲门行动”"),
    "compare": ("Compare with", "对比情景"),
    "compare_tip": ("Run a second preset with the same seed beside the first; its lines are dashed",
                    "用相同随机种子同时运行另一个情景,其曲线为虚线"),
    "compare_none": ("(none)", "(不对比)"),
    "seed": ("Seed", "随机种子"),
    "seed_tip": ("Same seed, same run: change it to see chance at work", "相同种子得到相同结果;更换种子可看到偶然因素的影响"),
    "households": ("Households", "住户数"),
    "households_tip": ("Size of the street; larger is slower", "街道规模;越大越慢"),
    "step": ("Step", "单步"),
    "step_tip": ("Advance one week", "前进一周"),
    "step10": ("+10 weeks", "前进10周"),
    "play": ("Play", "播放"),
    "pause": ("Pause", "暂停"),
    "reset": ("Reset", "重置"),
    "reset_tip": ("Start again from week 0 with the current preset, sliders and seed", "用当前预设、滑块和种子从第0周重新开始"),
    "policies": ("Policy levers", "政策杠杆"),
    "policies_tip": ("Moving a lever restarts the run with the new value", "调整杠杆会以新数值重新开始模拟"),
    "counters": ("The paper's counters", "论文中的统计口径"),
    "registered": ("Problems registered", "登记问题"),
    "resolved": ("Problems resolved", "化解问题"),
    "unresolved": ("Problems unresolved", "未化解问题"),
    "rate": ("Resolution rate", "化解率"),
    "campaign": ("Door-knocking campaign: {reg} registered, {res} resolved, {unres} unresolved (paper: 260, 82-84 %, 46)",
                 "敲门行动:登记{reg}件,化解{res}件,未化解{unres}件(论文:260件,82–84%,46件)"),
    "map": ("The street: compounds by community", "街道地图:各社区的小区"),
    "map_tip": ("Colour = environment quality; marker = property management; dashed lines = grid boundaries",
                "颜色=环境质量;标记=物业状态;虚线=网格边界"),
    "show_network": ("Show neighbourhood network", "显示邻里网络"),
    "network": ("neighbour ties", "邻里关系"),
    "charts": ("Live charts", "实时图表"),
    "export": ("Export charts (PNG)", "导出图表(PNG)"),
    "export_map": ("Export map (PNG)", "导出地图(PNG)"),
    "story": ("A compound's story", "小区故事"),
    "story_tip": ("Click a compound to read what happened to it", "点击小区,查看它的经历"),
    "env": ("Environment quality", "环境质量"),
    "firm": ("commercial firm", "商业物业"),
    "red": ("red property", "红色物业"),
    "none": ("no property management", "无物业"),
    "old": ("old", "老旧"),
    "community": ("Community", "社区"),
    "grid": ("grid", "网格"),
    "compound": ("Compound", "小区"),
    "satisfaction_trust": ("Satisfaction and trust", "满意度与信任度"),
    "public_spending_10k": ("Public spending (10,000 yuan)", "财政支出(万元)"),
    "about": ("About this preset", "情景说明"),
    "no_events": ("Nothing dramatic yet: the same provider since week 0.", "尚无重大变化:自第0周以来物业状态未变。"),
}

# problem categories and the levels that resolve them (model/problems.py)
CATEGORY = {"environment": ("environment and sanitation", "环境卫生"), "repair": ("repairs", "维修"),
            "dispute": ("neighbour disputes", "邻里纠纷"), "elder_care": ("elder care", "养老服务")}
LEVEL = {"grid": ("grid workers", "网格员"), "property": ("the property provider", "物业"),
         "deliberation": ("deliberation meetings", "议事协商"), "department": ("departments, after a whistle", "职能部门(吹哨)")}

# units of the parameter table shown next to slider labels
UNITS_ZH = {
    "share": "比例", "yuan/m²/month": "元/平方米/月", "points": "分", "index 0-1": "指数0-1", "workers": "人",
    "meetings/month": "次/月", "weeks": "周", "yuan/household/year": "元/户/年", "problems/week/1000 hh": "件/周/千户",
    "1/year": "每年", "households/week": "户/周", "yuan/month": "元/月", "yuan/point": "元/分", "months": "月",
    "yuan/household": "元/户", "step": "周", "households": "户",
}


class LanguageError(ValueError):
    pass


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise LanguageError(f"lang = {lang!r} is invalid; allowed: {', '.join(LANGS)}")
    return lang


def t(key: str, lang: str) -> str:
    """The text for `key` in `lang` (zh or en)."""
    en, zh = TEXT[key]
    return zh if check_lang(lang) == "zh" else en


def unit(u: str, lang: str) -> str:
    return UNITS_ZH.get(u, u) if lang == "zh" else u


def week_label(step: int, lang: str) -> str:
    """'Week 12 (year 1)' / '第12周(第1年)'."""
    year = step // 52 + 1
    if lang == "zh":
        return f"第{step}周(第{year}年)"
    return f"Week {step} (year {year})"
