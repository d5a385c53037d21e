"""What the projector shows during and after a class: the teacher's state, the debrief figure, CSVs, stories.

The debrief sets the class's street beside its twin (the same preset, seed and street played
entirely by simulated rules: common random numbers), each student's decisions beside what the
simulated rule did in the same place, and tells each compound's story in a few sentences.
Exports carry nicknames only.
"""

from __future__ import annotations

import csv
import io

import numpy as np

from model.world import NONE, OLD

from .roles import PROVIDER_KEYS, compound_label, describe
from .street import ROUND_WEEKS, ClassStreet
from .words import w

SERIES = ("trap_share", "fee_collection_rate", "resolution_rate", "satisfaction_mean")
LANGS = ("en", "zh")


def _place(slot: str, lang: str) -> str:
    role, place = slot.split(":", 1)
    if role in ("committee", "firm"):
        return f"{w('compound', lang)} {compound_label(int(place))}"
    if role == "grid":
        return f"{w('grid', lang)} {int(place) + 1}"
    return w(place, lang)


def teacher_state(st: ClassStreet, since: int = 0) -> dict:
    """Everything the teacher's screen draws; weekly series from week `since` on."""
    m, mk, wd = st.main.model, st.main.model.market, st.main.model.world
    played = {int(p.place) for p in st.players.values() if not p.left and p.role == "committee"}
    firms = {c for p in st.players.values() if not p.left and p.role == "firm" for c in p.contracts}
    players = [{"nickname": p.nickname, "role": p.role, "place": {lg: _place(p.slot, lg) for lg in LANGS},
                "decided": st.decided(p) is not None, "present": st.present(p), "left": p.left}
               for p in st.players.values()]
    compounds = [{"label": compound_label(c), "community": int(wd.c_community[c]) + 1, "old": bool(wd.c_type[c] == OLD),
                  "households": int(wd.c_households[c]), "env": round(float(mk.env[c]), 3),
                  "twin_env": round(float(st.twin.model.market.env[c]), 3),
                  "provider": PROVIDER_KEYS[int(mk.provider[c])],
                  "twin_provider": PROVIDER_KEYS[int(st.twin.model.market.provider[c])],
                  "committee": c in played, "played_firm": c in firms} for c in range(wd.n_compounds)]
    series = {k: {"class": st.main.history[k][since:], "twin": st.twin.history[k][since:]} for k in SERIES}
    counters = {name: {k: run.model.outcomes[f"problems_{k}"] for k in ("registered", "resolved", "unresolved")}
                for name, run in (("class", st.main), ("twin", st.twin))}
    out = {"phase": st.phase, "round": st.round + 1, "played": st.round, "week": m.steps, "since": since,
           "remaining": None if st.deadline is None else max(0.0, st.deadline - st.clock()),
           "pace": st.pace, "preset": st.preset, "players": players, "compounds": compounds, "series": series,
           "counters": counters,
           "latency": st.latency[-1]["seconds"] if st.latency else None, "round_weeks": ROUND_WEEKS}
    if st.phase == "ended":
        out["debrief"] = {"rows": [{lg: row for lg, row in zip(LANGS, r)} for r in _rows_both(st)],
                          "stories": {lg: [story(st, c, lg) for c in range(wd.n_compounds)] for lg in LANGS}}
    return out


def _rows_both(st: ClassStreet) -> list[tuple[dict, dict]]:
    return list(zip(decision_rows(st, "en"), decision_rows(st, "zh")))


def decision_rows(st: ClassStreet, lang: str) -> list[dict]:
    rows = []
    for entry in st.log:
        r = entry["round"]
        for slot, v in sorted(entry["played"].items()):
            rows.append({"round": r, "weeks": f"{(r - 1) * ROUND_WEEKS + 1}-{r * ROUND_WEEKS}",
                         "role": w(f"role_{v['role']}", lang), "place": _place(slot, lang), "nickname": v["nickname"],
                         "student": describe(v["role"], v["decision"], lang),
                         "rule": describe(v["role"], v["rule"], lang)})
    return rows


def _csv(rows: list[dict], header: list[str]) -> bytes:
    buf = io.StringIO()
    wr = csv.DictWriter(buf, fieldnames=header)
    wr.writeheader()
    wr.writerows(rows)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")  # with a BOM: Excel opens Chinese CSVs correctly


def decisions_csv(st: ClassStreet, lang: str) -> bytes:
    return _csv(decision_rows(st, lang), ["round", "weeks", "role", "place", "nickname", "student", "rule"])


def compounds_csv(st: ClassStreet, lang: str) -> bytes:
    m, t = st.main.model, st.twin.model
    wd = m.world
    rows = []
    for c in range(wd.n_compounds):
        rows.append({"compound": compound_label(c), "community": int(wd.c_community[c]) + 1,
                     "type": w("old", lang) if wd.c_type[c] == OLD else "",
                     "households": int(wd.c_households[c]),
                     "provider_class": w(PROVIDER_KEYS[int(m.market.provider[c])], lang),
                     "provider_simulated": w(PROVIDER_KEYS[int(t.market.provider[c])], lang),
                     "environment_class": round(float(m.market.env[c]), 3),
                     "environment_simulated": round(float(t.market.env[c]), 3),
                     "collection_class": round(float(st.main.collection[-1][c]), 3),
                     "collection_simulated": round(float(st.twin.collection[-1][c]), 3),
                     "story": " ".join(story(st, c, lang))})
    return _csv(rows, list(rows[0]))


def _events(model, c: int) -> list[dict]:
    name = model.world.compounds["compound"].iloc[c]
    return [e for e in model.events if e["compound"] == name]


_EVENT_WORDS = {  # every event the model writes (model/model.py `_event`), in both languages
    "firm left": ("第{wk}周物业企业撤出", "the firm left in week {wk}"),
    "firm entered": ("第{wk}周物业企业入驻", "a firm moved in in week {wk}"),
    "red property took over": ("第{wk}周红色物业接管", "red property took over in week {wk}"),
    "no bid": ("第{wk}周招标流标", "a tender found no bid in week {wk}"),
    "firm replaced": ("第{wk}周另一家企业中标接替", "another firm won the contract in week {wk}"),
    "contract renewed": ("第{wk}周原企业续约", "the same firm renewed in week {wk}"),
    "red property handed over": ("第{wk}周环境达标,红色物业移交中标企业",
                                 "red property handed over to a firm in week {wk}"),
    "red property handed back": ("第{wk}周红色物业难以为继,退出重新招标",
                                 "red property handed the compound back in week {wk}"),
}


def _event_text(e: dict, lang: str) -> str:
    wk, what = e["step"], e["event"]
    zh, en = _EVENT_WORDS.get(what, (f"第{{wk}}周:{what}", f"week {{wk}}: {what}"))
    return (zh if lang == "zh" else en).format(wk=wk)


def story(st: ClassStreet, c: int, lang: str) -> list[str]:
    """A compound's class in a few sentences: who played it, what happened, and in the all-simulated twin."""
    m, t = st.main.model, st.twin.model
    wd = m.world
    zh = lang == "zh"
    head = (f"{compound_label(c)}({w('community', lang)}{int(wd.c_community[c]) + 1},"
            f"{'老旧小区' if wd.c_type[c] == OLD else '商品房小区'},{int(wd.c_households[c])}户)。") if zh else \
        (f"{compound_label(c)} (community {int(wd.c_community[c]) + 1}, {'old' if wd.c_type[c] == OLD else 'commercial'}, "
         f"{int(wd.c_households[c])} households).")
    out = [head]
    stances = {1: 0, 0: 0, -1: 0}
    who, acts = set(), {"tender": 0, "report": 0, "deliberate": 0, "volunteer": 0}
    for entry in st.log:
        v = entry["played"].get(f"committee:{c}")
        if v:
            who.add(v["nickname"])
            stances[v["decision"]["fee_stance"]] += 1
            for k in acts:
                acts[k] += bool(v["decision"][k])
    if who:
        names = "、".join(sorted(who)) if zh else ", ".join(sorted(who))
        if zh:
            s = f"业委会由{names}扮演:{stances[1]}轮支持缴费,{stances[-1]}轮反对,{stances[0]}轮由住户自行决定"
            s += "".join(f";{w(k, lang)}{n}次" for k, n in acts.items() if n) + "。"
        else:
            s = (f"Its owners' committee was played by {names}: backed the fee in {stances[1]} rounds, opposed it in "
                 f"{stances[-1]}, left it to households in {stances[0]}")
            s += "".join(f"; {w(k, lang).lower()} {n}x" for k, n in acts.items() if n) + "."
        out.append(s)
    ev_m, ev_t = [_event_text(e, lang) for e in _events(m, c)], [_event_text(e, lang) for e in _events(t, c)]
    none = "物业没有变化" if zh else "no change of property management"
    sep = ";" if zh else "; "
    if ev_m == ev_t:
        out.append((f"本班与全模拟街道相同:{sep.join(ev_m) or none}。") if zh else
                   f"As in the all-simulated street: {sep.join(ev_m) or none}.")
    else:
        out.append((f"本班:{sep.join(ev_m) or none};全模拟街道:{sep.join(ev_t) or none}。") if zh else
                   f"In the class: {sep.join(ev_m) or none}; all simulated: {sep.join(ev_t) or none}.")
    e1, e2 = float(m.market.env[c]), float(t.market.env[c])
    c1, c2 = float(st.main.collection[-1][c]), float(st.twin.collection[-1][c])
    out.append(f"现在环境质量{e1:.2f}(全模拟{e2:.2f}),交费住户{c1:.0%}(全模拟{c2:.0%})。" if zh else
               f"Now environment {e1:.2f} (simulated {e2:.2f}), {c1:.0%} paying (simulated {c2:.0%}).")
    if m.market.provider[c] == NONE and t.market.provider[c] != NONE:
        out.append("无物业—环境差—更难吸引物业:本班把这个小区推进了恶性循环。" if zh else
                   "No management, poor environment, even harder to attract a firm: the class's choices pushed "
                   "this compound into the vicious cycle.")
    return out


def figure_png(st: ClassStreet, lang: str) -> bytes:
    """Class (solid) beside its all-simulated twin (dashed): four outcomes, then environment and payment per compound."""
    from matplotlib.figure import Figure

    from model.plots import cjk_font

    font = cjk_font() if lang == "zh" else None
    rc = {"font.family": [font, "DejaVu Sans"]} if font else {}
    import matplotlib

    with matplotlib.rc_context(rc):
        fig = Figure(figsize=(12, 7), dpi=100)
        axes = fig.subplots(2, 3)
        weeks = st.main.history["step"]
        for ax, k in zip(axes.flat, SERIES):
            ax.plot(weeks, st.main.history[k], color="#c0392b", lw=2, label=w("class_street", lang))
            ax.plot(weeks, st.twin.history[k], color="#555", lw=1.5, ls="--", label=w("twin_street", lang))
            ax.set_title(w(k, lang), fontsize=10)
            ax.set_ylim(0, 1)
            for r in range(1, st.round + 1):
                ax.axvline(r * ROUND_WEEKS, color="#ddd", lw=0.5, zorder=0)
            ax.set_xlabel("周" if lang == "zh" else "week", fontsize=8)
        axes.flat[0].legend(fontsize=8)
        n = st.main.model.world.n_compounds
        x = np.arange(n)
        for ax, key, now_m, now_t in ((axes.flat[4], "environment", st.main.model.market.env, st.twin.model.market.env),
                                      (axes.flat[5], "collection", st.main.collection[-1], st.twin.collection[-1])):
            ax.bar(x - 0.2, now_m, 0.4, color="#c0392b", label=w("class_street", lang))
            ax.bar(x + 0.2, now_t, 0.4, color="#999", label=w("twin_street", lang))
            ax.set_xticks(x, [compound_label(c) for c in range(n)], fontsize=6, rotation=90)
            ax.set_ylim(0, 1)
            ax.set_title(w(key, lang), fontsize=10)
        head = (f"{w('debrief', lang)}: {st.round} " + ("轮" if lang == "zh" else "rounds")
                + f", {st.main.steps} " + ("周" if lang == "zh" else "weeks"))
        fig.suptitle(head, fontsize=12)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
    return buf.getvalue()
