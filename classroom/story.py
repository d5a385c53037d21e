"""A compound's story in plain words: when its provider came or left and why, how it fared.

Teachers click a compound and read out what happened; the sentences are built from the
model's recorded events (with the figures that caused them) and the weekly history.
"""

from __future__ import annotations

import math

import numpy as np

from model.world import FIRM, NONE, OLD, RED

from .session import Session
from model.problems import CATEGORIES, LEVELS

from .text import CATEGORY, LEVEL, check_lang, t

_PROVIDER_KEY = {FIRM: "firm", RED: "red", NONE: "none"}


def provider_name(code: int, lang: str) -> str:
    return t(_PROVIDER_KEY[int(code)], lang)


def _pct(x: float) -> str:
    return "?" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.0%}"


def _event_sentence(e: dict, lang: str) -> str:
    w, v = e["step"], e.get("value", float("nan"))
    what = e["event"]
    if lang == "zh":
        if what == "firm left":
            return f"第{w}周:物业企业撤出。只有{_pct(v)}的住户交费,它在这里亏损太久。"
        if what == "firm entered":
            return f"第{w}周:物业企业入驻。它预计{_pct(v)}的住户会交费,足以覆盖成本。"
        if what == "red property took over":
            return f"第{w}周:红色物业接管,专项资金拨付启动资金{v:,.0f}元。"
        if what == "no bid":
            return f"第{w}周:招标流标,没有企业愿意接手,半年后再招。"
        if what == "firm replaced":
            return f"第{w}周:合同到期重新招标,另一家企业中标接替。"
        if what == "contract renewed":
            return f"第{w}周:合同到期重新招标,原企业再次中标。"
        if what == "red property handed over":
            return f"第{w}周:环境达标(环境质量{v:.2f}),红色物业交由中标企业接管。"
        if what == "red property handed back":
            return f"第{w}周:红色物业资金耗尽、难以为继,退出并重新招标。"
        return f"第{w}周:{what}。"
    if what == "firm left":
        return f"Week {w}: the firm left. Only {_pct(v)} of households paid, and it had lost money here too long."
    if what == "firm entered":
        return f"Week {w}: a firm moved in. It expected {_pct(v)} of households to pay, enough to cover its cost."
    if what == "red property took over":
        return f"Week {w}: red property took over, with a start-up grant of {v:,.0f} yuan from the fund."
    if what == "no bid":
        return f"Week {w}: a tender found no acceptable bid; the compound waits for the next one."
    if what == "firm replaced":
        return f"Week {w}: the contract was tendered at its end and another firm won it."
    if what == "contract renewed":
        return f"Week {w}: the contract was tendered at its end and the same firm won it again."
    if what == "red property handed over":
        return f"Week {w}: the environment reached the standard ({v:.2f}); red property handed the compound to the firm that won the tender."
    if what == "red property handed back":
        return f"Week {w}: red property's budget ran dry and it handed the compound back to tender."
    return f"Week {w}: {what} ({e.get('why', '')})."


def compound_story(session: Session, c: int, lang: str = "zh") -> list[str]:
    """Sentences telling compound `c`'s story so far in the main run."""
    check_lang(lang)
    run, w = session.main, session.world
    if not 0 <= c < w.n_compounds:
        raise ValueError(f"compound = {c} is invalid; allowed: 0-{w.n_compounds - 1}")
    row = w.compounds.iloc[c]
    name, hh = row["compound"], int(row["households"])
    comm = f"{t('community', lang)} {int(w.c_community[c]) + 1}"  # as the map labels it
    old = w.c_type[c] == OLD
    env0, env1 = run.env[0][c], run.env[-1][c]
    col0, col1 = run.collection[0][c], run.collection[-1][c]
    p0, p1 = run.provider[0][c], run.provider[-1][c]
    reg, res = int(run.registered[-1][c]), int(run.resolved[-1][c])
    # the worst week of its environment so far
    envs = [e[c] for e in run.env]
    low_week = int(min(range(len(envs)), key=envs.__getitem__))
    events = session.events_of(c)
    if lang == "zh":
        kind = "老旧小区" if old else "较新的商品房小区"
        out = [f"{name}({comm},{kind},{hh}户)。",
               f"第0周:{provider_name(p0, lang)};环境质量{env0:.2f};交费住户{_pct(col0)}。"]
    else:
        kind = "an old compound" if old else "a newer commercial compound"
        out = [f"{name} ({comm}, {kind}, {hh} households).",
               f"Week 0: {provider_name(p0, lang)}; environment quality {env0:.2f}; {_pct(col0)} of households paying."]
    out += [_event_sentence(e, lang) for e in events] or [t("no_events", lang)]
    steps = session.steps
    rate = res / reg if reg else 0.0
    trend_zh = "变好" if env1 > env0 + 0.02 else ("变差" if env1 < env0 - 0.02 else "基本不变")
    trend_en = "better" if env1 > env0 + 0.02 else ("worse" if env1 < env0 - 0.02 else "about the same")
    solved = session.main.model.problems.compound_resolved[c]  # category x level
    parts = []
    for k in np.argsort(-solved.sum(axis=1)):
        if solved[k].sum() == 0:
            continue
        by = [(LEVEL[LEVELS[lv]][1 if lang == "zh" else 0], int(solved[k, lv])) for lv in np.argsort(-solved[k])
              if solved[k, lv] > 0]
        cat = CATEGORY[CATEGORIES[k]][1 if lang == "zh" else 0]
        if lang == "zh":
            parts.append(f"{cat}{int(solved[k].sum())}件(" + "、".join(f"{who}{n}件" for who, n in by) + ")")
        else:
            parts.append(f"{int(solved[k].sum())} {cat} (" + ", ".join(f"{n} by {who}" for who, n in by) + ")")
    if lang == "zh":
        out.append(f"现在(第{steps}周):{provider_name(p1, lang)};环境质量{env1:.2f}({trend_zh},"
                   f"最低在第{low_week}周,{envs[low_week]:.2f});交费住户{_pct(col1)}。")
        out.append(f"住户共登记问题{reg}件,已化解{res}件(化解率{rate:.0%})" + (f":{';'.join(parts)}。" if parts else "。"))
        if p1 == NONE and old:
            out.append("无物业—环境差—更难吸引物业:这个小区正处在恶性循环中。")
    else:
        out.append(f"Now (week {steps}): {provider_name(p1, lang)}; environment {env1:.2f} ({trend_en}; lowest "
                   f"{envs[low_week]:.2f} in week {low_week}); {_pct(col1)} of households paying.")
        out.append(f"Its households registered {reg} problems; {res} were resolved ({rate:.0%})"
                   + (f": {'; '.join(parts)}." if parts else "."))
        if p1 == NONE and old:
            out.append("No property management, poor environment, even harder to attract a firm: "
                       "this compound is in the vicious cycle.")
    return out
