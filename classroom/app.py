"""The classroom demo: a Solara page (Mesa's visualisation stack) in Chinese or English.

Start it with `govsim demo` or `solara run app.py`. SolaraViz's stock pieces assume a space
and fixed slider labels; a teacher needs the language to switch everything, presets from the
paper, a street map, stories and a comparison run, so this is a custom Solara page built the
Mesa way (reactive state, a model controller with step / play / pause / reset, components
that redraw from the model). Everything is served locally: no CDN, no internet.
"""

from __future__ import annotations

import base64
import html
import threading
import time
from functools import lru_cache

import solara

from model.plots import SHIPPED_FONT

from . import presets as pr
from model.world import FIRM, NONE, RED

from .drawing import ENV_CMAP, Charts, StreetMap
from .session import Session
from .story import compound_story
from .text import DEFAULT_LANG, t, week_label

# ---------------------------------------------------------------- state (one copy per browser tab)
lang = solara.reactive(DEFAULT_LANG)
preset = solara.reactive("baseline")
compare = solara.reactive("")  # "" = no comparison
seed = solara.reactive(0)
households = solara.reactive(pr.DEMO_HOUSEHOLDS)
levers = solara.reactive(dict())  # slider values the teacher moved away from the preset
show_network = solara.reactive(False)
selected = solara.reactive(-1)
playing = solara.reactive(False)
tick = solara.reactive(0)  # bumped after every step so that views redraw
session = solara.reactive(None)


def build() -> Session:
    """A fresh session from the current preset, levers, seed and comparison (week 0)."""
    old = session.peek()
    if old is not None:
        old.close()
    s = Session(preset.value, seed=seed.value, households=households.value, overrides=levers.value,
                compare=compare.value or None)
    session.set(s)
    selected.set(-1)
    tick.set(tick.value + 1)
    return s


def current() -> Session:
    return session.value if session.value is not None else build()


def step(n: int = 1) -> None:
    s = current()
    with s.lock:  # each browser tab has its own session (Solara scopes reactive state per tab)
        s.step(n)
    tick.set(tick.value + 1)


def choose_preset(name: str) -> None:
    playing.set(False)
    preset.set(name)
    levers.set({})
    build()


def set_lever(name: str, value: float) -> None:
    playing.set(False)
    new = dict(levers.value)
    new[name] = value
    levers.set(pr.overrides_vs_preset(preset.value, new))
    build()


@lru_cache(maxsize=1)
def font_css() -> str:
    """The shipped Noto Sans SC subset as a web font, so Chinese shows on any projector PC."""
    data = base64.b64encode(SHIPPED_FONT.read_bytes()).decode()
    return ("@font-face { font-family: 'GovsimCJK'; src: url(data:font/otf;base64," + data + ") format('opentype'); }\n"
            ".v-application, .v-application * { font-family: 'GovsimCJK', sans-serif !important; }\n"
            ".v-application .mdi, .v-application .v-icon { font-family: 'Material Design Icons' !important; }\n"
            ".v-application .v-btn { text-transform: none !important; letter-spacing: normal !important; }\n"
            ".govsim-tile { min-width: 0 !important; margin: 2px !important; }\n"
            ".govsim-counter { font-size: 1.6em; font-weight: 600; }\n")


def _locked(s: Session, f):
    with s.lock:
        return f()


def _hex(rgba) -> str:
    return "#%02x%02x%02x" % tuple(int(255 * v) for v in rgba[:3])


# ---------------------------------------------------------------- components
@solara.component
def Controls():
    """Language, preset, comparison, seed and the model controller (step, play, pause, reset)."""
    lg = lang.value

    def play_loop(cancel: threading.Event):
        while playing.value and not cancel.is_set():
            t0 = time.perf_counter()
            step(1)
            time.sleep(max(0.05, 0.25 - (time.perf_counter() - t0)))

    solara.use_thread(play_loop, dependencies=[playing.value])
    with solara.Row(gap="4px", classes=["govsim-lang"]):
        for code, name in (("zh", "中文"), ("en", "English")):
            solara.Button(name, on_click=lambda code=code: lang.set(code), color="primary" if lg == code else None,
                          outlined=lg != code, classes=[f"govsim-lang-{code}"])
    options = {pr.title(n, lg): n for n in pr.PRESETS}
    with solara.Tooltip(t("preset_tip", lg)):
        solara.Select(label=t("preset", lg), values=list(options), value=pr.title(preset.value, lg),
                      on_value=lambda v: choose_preset(options[v]), classes=["govsim-preset"])
    cmp_opts = {t("compare_none", lg): "", **options}
    inverse = {v: k for k, v in cmp_opts.items()}
    with solara.Tooltip(t("compare_tip", lg)):
        solara.Select(label=t("compare", lg), values=list(cmp_opts), value=inverse.get(compare.value, ""),
                      on_value=lambda v: (compare.set(cmp_opts[v]), build()), classes=["govsim-compare"])
    with solara.Row():
        with solara.Tooltip(t("seed_tip", lg)):
            solara.InputInt(t("seed", lg), value=seed.value, on_value=lambda v: (seed.set(max(0, int(v))), build()),
                            classes=["govsim-seed"])
        with solara.Tooltip(t("households_tip", lg)):
            solara.InputInt(t("households", lg), value=households.value,
                            on_value=lambda v: (households.set(min(50000, max(500, int(v)))), build()),
                            classes=["govsim-households"])
    with solara.Row(gap="4px"):
        with solara.Tooltip(t("step_tip", lg)):
            solara.Button(t("step", lg), icon_name="mdi-step-forward", on_click=lambda: step(1),
                          disabled=playing.value, classes=["govsim-step"])
        solara.Button(t("step10", lg), on_click=lambda: step(10), disabled=playing.value, classes=["govsim-step10"])
        if playing.value:
            solara.Button(t("pause", lg), icon_name="mdi-pause", on_click=lambda: playing.set(False),
                          color="warning", classes=["govsim-pause"])
        else:
            solara.Button(t("play", lg), icon_name="mdi-play", on_click=lambda: playing.set(True), color="primary",
                          classes=["govsim-play"])
        with solara.Tooltip(t("reset_tip", lg)):
            solara.Button(t("reset", lg), icon_name="mdi-restore", on_click=lambda: (playing.set(False), build()),
                          classes=["govsim-reset"])


@solara.component
def Levers():
    """One slider per policy dose; labels, units and ranges from the parameter table."""
    lg = lang.value
    values = pr.preset_values(preset.value)
    values.update(levers.value)
    solara.HTML(tag="div", unsafe_innerHTML=f"<b>{t('policies', lg)}</b><br><small>{t('policies_tip', lg)}</small>")
    for sl in pr.sliders():
        v = values[sl.name]
        with solara.Tooltip(sl.tooltip(lg)), solara.Div(classes=[f"govsim-lever-{sl.name}"]):
            if sl.integer:
                solara.SliderInt(f"{sl.label(lg)}: {int(v)}", value=int(v), min=int(sl.lo), max=int(sl.hi), step=int(sl.step),
                                 on_value=lambda x, n=sl.name: set_lever(n, int(x)))
            else:
                solara.SliderFloat(f"{sl.label(lg)}: {float(v):g}", value=float(v), min=sl.lo, max=sl.hi, step=sl.step,
                                   on_value=lambda x, n=sl.name: set_lever(n, float(x)))


@solara.component
def CountersPanel(s: Session):
    """The paper's counters: problems registered / resolved / unresolved and the resolution rate."""
    _ = tick.value  # redraw after every step (the session object itself stays the same)
    lg = lang.value
    with solara.Card(t("counters", lg), classes=["govsim-counters"]):
        with solara.Row(justify="space-around"):
            for run in s.runs:
                c = s.counters(run)
                with solara.Column(gap="2px"):
                    solara.Text(pr.title(run.preset, lg) + ("" if run is s.main else f" ({'虚线' if lg == 'zh' else 'dashed'})"),
                                style={"font-weight": "600"})
                    with solara.Row(gap="18px"):
                        for key, val in (("registered", f"{c['registered']:,}"), ("resolved", f"{c['resolved']:,}"),
                                         ("unresolved", f"{c['unresolved']:,}"), ("rate", f"{c['rate']:.1%}")):
                            with solara.Column(gap="0px", align="center"):
                                solara.Text(val, classes=["govsim-counter", f"govsim-{key}" + ("" if run is s.main else "-cmp")])
                                solara.Text(t(key, lg), style={"font-size": "0.85em", "color": "#555"})
                    o = run.model.outcomes
                    if o["campaign_registered"] > 0 or run.model.p["door_knock_weeks"] > 0:
                        solara.Text(t("campaign", lg).format(reg=int(o["campaign_registered"]),
                                                             res=int(o["campaign_resolved"]),
                                                             unres=int(o["campaign_unresolved"])),
                                    classes=["govsim-campaign" + ("" if run is s.main else "-cmp")],
                                    style={"font-size": "0.9em"})


@solara.component
def MapView(s: Session):
    _ = tick.value  # redraw after every step (the session object itself stays the same)
    lg = lang.value
    sm = solara.use_memo(lambda: StreetMap(s, lg, show_network.value, selected.value if selected.value >= 0 else None),
                         dependencies=[id(s), lg, show_network.value, selected.value])
    with s.lock:
        sm.update()
        image = sm.image()
    with solara.Card(t("map", lg), subtitle=t("map_tip", lg), classes=["govsim-map"]):
        solara.Image(image, width="100%", classes=["govsim-map-image"])
        with solara.Row():
            with solara.Div(classes=["govsim-network"]):
                solara.Checkbox(label=t("show_network", lg), value=show_network)
            solara.FileDownload(lambda: _locked(s, sm.export), filename="govsim_map.png", label=t("export_map", lg),
                                mime_type="image/png")


@solara.component
def CompoundPicker(s: Session):
    """Clickable tiles (one per compound, by community) that open a compound's story."""
    _ = tick.value  # redraw after every step (the session object itself stays the same)
    lg = lang.value
    st = s.compound_state()
    w = s.world
    sym = {NONE: "✕", FIRM: "■", RED: "★"}
    with solara.Card(t("story", lg), subtitle=t("story_tip", lg), classes=["govsim-story"]):
        for k in range(len(w.community_names)):
            with solara.Row(gap="0px", style={"flex-wrap": "wrap"}):
                solara.Text(f"{t('community', lg)} {k + 1}:", style={"min-width": "105px", "white-space": "nowrap"})
                for c in [c for c in range(w.n_compounds) if w.c_community[c] == k]:
                    colour = _hex(ENV_CMAP(st["env"][c]))
                    solara.Button(f"{w.compounds['compound'].iloc[c]} {sym[int(st['provider'][c])]}",
                                  on_click=lambda c=c: selected.set(c), small=True,
                                  style={"background-color": colour}, outlined=selected.value == c,
                                  classes=["govsim-tile", f"govsim-tile-{c}"])
        if selected.value >= 0:
            with s.lock:
                lines = compound_story(s, selected.value, lg)
            solara.HTML(tag="div", unsafe_innerHTML="".join(f"<p>{html.escape(x)}</p>" for x in lines),
                        classes=["govsim-story-text"])


@solara.component
def ChartsView(s: Session):
    _ = tick.value  # redraw after every step (the session object itself stays the same)
    lg = lang.value
    ch = solara.use_memo(lambda: Charts(s, lg), dependencies=[id(s), lg])
    with s.lock:
        ch.update()
        image = ch.image()
    with solara.Card(t("charts", lg), classes=["govsim-charts"]):
        solara.Image(image, width="100%", classes=["govsim-charts-image"])
        solara.FileDownload(lambda: _locked(s, ch.export), filename="govsim_charts.png", label=t("export", lg),
                            mime_type="image/png")


@solara.component
def Page():
    solara.Style(font_css())
    _ = tick.value  # redraw after every step
    s = current()
    lg = lang.value
    solara.Title(t("title", lg))
    with solara.AppBar():
        solara.AppBarTitle(t("title", lg))
    with solara.Sidebar():
        Controls()
        Levers()
    with solara.Column(classes=["govsim-main"]):
        solara.Text(t("subtitle", lg), style={"color": "#555"})
        solara.HTML(tag="h2", unsafe_innerHTML=html.escape(week_label(s.steps, lg)), classes=["govsim-week"])
        with solara.Details(t("about", lg)):
            solara.HTML(tag="p", unsafe_innerHTML=html.escape(pr.description(s.main.preset, lg)),
                        classes=["govsim-about"])
        CountersPanel(s)
        with solara.Columns([3, 2]):
            MapView(s)
            CompoundPicker(s)
        ChartsView(s)


page = Page
