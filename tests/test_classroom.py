"""The classroom app's pieces, without a browser (in the style of Mesa's own Solara tests)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from classroom import presets as pr
from classroom.drawing import MARKERS, Charts, StreetMap, compound_links, grid_boundaries, layout, png
from classroom.session import CHART_OUTCOMES, Session
from classroom.story import compound_story
from classroom.text import TEXT, LanguageError, t, week_label
from model.parameters import PARAMS
from model.world import FIRM, NONE, OLD, RED

CJK = re.compile(r"[\u4e00-\u9fff]")
SMALL = 2000


def test_every_text_has_english_and_chinese():
    for key, (en, zh) in TEXT.items():
        assert en.strip() and zh.strip(), key
        assert CJK.search(zh), f"{key}: the Chinese text has no Chinese"
        assert not CJK.search(en), f"{key}: the English text has Chinese in it"
    assert t("step", "zh") == "单步" and t("step", "en") == "Step"
    with pytest.raises(LanguageError, match="allowed: zh, en"):
        t("step", "fr")
    assert week_label(53, "en") == "Week 53 (year 2)" and week_label(53, "zh") == "第53周(第2年)"


def test_presets_are_the_papers_scenarios_and_sliders_come_from_the_parameter_table():
    assert pr.PRESETS[0] == "baseline" and "combined" in pr.PRESETS and "fanrong_knock_on_door" in pr.PRESETS
    assert sum(p.startswith("c") and p[1].isdigit() for p in pr.PRESETS) == 6
    assert set(pr.EN_NAMES) == set(pr.SLIDERS)  # every slider has its English name
    table = {p.name: p for p in PARAMS}
    for sl in pr.sliders():
        p = table[sl.name]
        assert p.valid[0] <= sl.lo < sl.hi <= p.valid[1], sl.name
        for name in pr.PRESETS:  # every preset's own value can be shown on its slider
            assert sl.lo <= pr.preset_values(name)[sl.name] <= sl.hi
        assert (pr.ZH_NAMES.get(sl.name, sl.zh)) in sl.label("zh") and CJK.search(sl.label("zh"))
        zh_unit = sl.label("zh").rsplit("(", 1)[1].rstrip(")")  # e.g. 比例, 周, 分: said once
        assert sl.label("zh").count(zh_unit) == 1, sl.label("zh")
        assert not CJK.search(sl.label("en")) and p.unit in sl.label("en")
        # the name does not say its unit again ("Fiscal fund yuan per household year (yuan/household/year)")
        assert sl.label("en").lower().count(p.unit.split("/")[0].split(" ")[0]) == 1, sl.label("en")
        assert f"{p.default:g}" in sl.tooltip("en")
        assert sl.integer == (p.kind == "int")
    # a preset's value on a lever differs from the baseline where the preset sets it
    assert pr.preset_values("c2_party_and_red_property")["red_property_share"] > 0
    assert pr.overrides_vs_preset("baseline", {"red_property_share": 0.0, "points_per_act": 3.0}) == {"points_per_act": 3.0}
    with pytest.raises(ValueError, match="preset = 'nope' is invalid; allowed: baseline"):
        pr.preset_values("nope")


def test_session_steps_records_and_resets_to_the_same_run():
    s = Session("c2_party_and_red_property", seed=3, households=SMALL)
    s.step(12)
    assert s.steps == 12
    for k in CHART_OUTCOMES:
        assert len(s.main.history[k]) == 13
    assert len(s.main.env) == 13 and s.main.env[0].shape == (s.world.n_compounds,)
    first = {k: list(v) for k, v in s.main.history.items()}
    s.reset()
    assert s.steps == 0
    s.step(12)
    assert s.main.history == first  # same preset, levers and seed: the same run
    c = s.counters()
    assert c["registered"] == c["resolved"] + c["unresolved"] and 0.0 <= c["rate"] <= 1.0
    assert c["registered"] == s.main.model.outcomes["problems_registered"] > 0


def test_comparison_runs_on_the_same_street_and_a_lever_changes_the_run():
    s = Session("baseline", seed=1, households=SMALL, compare="baseline")
    s.step(20)
    assert s.main.history == s.other.history  # same preset, same seed: identical lines
    lever = Session("baseline", seed=1, households=SMALL, overrides={"points_per_act": 10.0}, compare="baseline")
    lever.step(20)
    assert np.array_equal(lever.world.c_households, s.world.c_households)
    assert lever.other.history == s.main.history  # the comparison is the preset as shipped
    assert np.mean(lever.main.history["participation_rate"]) > np.mean(lever.other.history["participation_rate"])


@pytest.mark.parametrize("field,kw", [("preset", {"preset": "c9"}), ("compare", {"compare": "c9"}),
                                      ("seed", {"seed": -1})])
def test_session_rejects_bad_input_naming_the_field(field, kw):
    with pytest.raises(ValueError, match=f"^{field} = .* is invalid; allowed: "):
        Session(**kw, households=SMALL)


def test_story_tells_when_red_property_took_over_and_how_the_compound_fared():
    s = Session("c2_party_and_red_property", seed=0, households=4000)
    s.step(30)
    red = [c for c in range(s.world.n_compounds) if s.main.provider[-1][c] == RED]
    assert red, "C2 should hand some unmanaged compound to red property"
    c = red[0]
    zh, en = compound_story(s, c, "zh"), compound_story(s, c, "en")
    name = s.world.compounds["compound"].iloc[c]
    assert zh[0].startswith(name) and en[0].startswith(name)
    took = [e for e in s.events_of(c) if e["event"] == "red property took over"]
    assert any(f"Week {took[0]['step']}: red property took over" in line for line in en)
    assert any(f"第{took[0]['step']}周:红色物业接管" in line for line in zh)
    assert any(f"{int(s.main.registered[-1][c])} problems" in line for line in en)
    # which problems were solved, by whom: counts per compound, category and level add up to the model's total
    solved = s.main.model.problems.compound_resolved
    assert solved.sum() == s.main.model.outcomes["problems_resolved"]
    top = int(solved[c].sum(axis=1).max())
    assert top == 0 or any(f": {top} " in line for line in en)
    assert solved[c].sum() == 0 or any("by grid workers" in line or "by the property provider" in line for line in en)
    assert all(not CJK.search(line) for line in en[1:])
    with pytest.raises(ValueError, match="compound = 999 is invalid"):
        compound_story(s, 999, "en")


def test_story_of_a_firm_that_left_quotes_the_collection_it_left_at():
    s = Session("baseline", seed=0, households=6000)
    s.step(300)
    left = [e for e in s.main.model.events if e["event"] == "firm left"]
    assert left, "some firm should leave an old compound in six years of baseline"
    e = left[0]
    c = int(np.flatnonzero(s.world.compounds["compound"].to_numpy() == e["compound"])[0])
    en = " ".join(compound_story(s, c, "en"))
    assert f"Week {e['step']}: the firm left. Only {e['value']:.0%} of households paid" in en


def test_map_draws_every_compound_with_its_provider_and_the_grid_boundaries():
    s = Session("c2_party_and_red_property", seed=0, households=4000)
    s.step(10)
    w = s.world
    geo = layout(w)
    assert np.all(geo["width"] > 0) and np.all(geo["x0"] + geo["width"] <= 1 + 1e-9)
    # compounds of one community do not overlap
    for k in range(len(w.community_names)):
        idx = np.flatnonzero(w.c_community == k)
        order = idx[np.argsort(geo["x0"][idx])]
        assert np.all(geo["x0"][order][1:] >= (geo["x0"] + geo["width"])[order][:-1])
    changes = sum(int(np.count_nonzero(np.diff(w.hh_grid[w.hh_compound == c]))) for c in range(w.n_compounds))
    assert len(grid_boundaries(w, geo)) == changes
    links = compound_links(w)
    assert (links != links.T).nnz == 0 and links.diagonal().sum() > 0
    sm = StreetMap(s, "en", show_network=True, selected=0)
    provider = s.main.model.market.provider
    for c, m in enumerate(sm.markers):
        assert m.get_marker() == MARKERS[int(provider[c])][0]
    assert {FIRM, RED} <= set(provider.tolist()) | {NONE}
    assert sm.image()[:8] == b"\x89PNG\r\n\x1a\n" and sm.export(dpi=60)[:8] == b"\x89PNG\r\n\x1a\n"
    assert sm.fig.axes[0].get_title() == "The street: compounds by community"
    zh = StreetMap(s, "zh")
    assert zh.fig.axes[0].get_title() == "街道地图:各社区的小区"
    # a week later the picture changes (environment colours move)
    before = zh.image()
    s.step(5)
    zh.update()
    assert zh.image() != before
    assert np.sum(w.c_type == OLD) > 0


def test_charts_follow_the_run_and_the_comparison_is_dashed():
    s = Session("combined", seed=2, households=SMALL, compare="baseline")
    s.step(8)
    ch = Charts(s, "en")
    assert len(ch.axes) == 8
    for ln, ri, name in ch.lines:
        x, y = ln.get_data()
        assert len(x) == 9
        assert ln.get_linestyle() == ("-" if ri == 0 else "--")
    titles = [ax.get_title() for ax in ch.axes]
    assert "Compounds without property management" in titles and "Resolution rate" in titles
    zh_titles = [ax.get_title() for ax in Charts(s, "zh").axes]
    assert "无物业小区比例" in zh_titles and all(CJK.search(x) for x in zh_titles)
    s.step(2)
    ch.update()
    assert len(ch.lines[0][0].get_data()[0]) == 11 and ch.axes[0].get_xlim()[1] >= 10
    assert ch.image()[:8] == b"\x89PNG\r\n\x1a\n" and ch.export(dpi=60)[:8] == b"\x89PNG\r\n\x1a\n"
    # the counts' axis grows with the counts, so no line leaves the picture
    top = max(ch.session.main.history["problems_registered"])
    assert ch.axes[7].get_ylim()[1] >= top


def test_page_renders_and_its_buttons_drive_the_model():
    """The whole page rendered without a browser: click Step, switch the language, pick a preset."""
    import ipyvuetify as v
    import solara

    from classroom import app

    app.households.set(SMALL)
    app.session.set(None)
    app.lang.set("zh")
    page_box, page_rc = solara.render(app.Page(), handle_error=False)  # the main column
    tiles = [w for w in page_rc.find(v.Btn).widgets if "govsim-tile" in (w.class_ or "").split()]
    assert len(tiles) == app.session.value.world.n_compounds
    tiles[1].click()  # a compound's story opens
    c = int(next(x for x in tiles[1].class_.split() if x.startswith("govsim-tile-")).rsplit("-", 1)[1])
    assert app.selected.value == c
    story = [w for w in page_rc.find(solara.widgets.HTML).widgets
             if "govsim-story-text" in w.attributes.get("class", "").split()]
    name = app.session.value.world.compounds["compound"].iloc[c]
    assert len(story) == 1 and name in story[0].unsafe_innerHTML and "第0周" in story[0].unsafe_innerHTML
    box, rc = solara.render(app.Controls(), handle_error=False)  # the sidebar's model controller

    def button(cls: str):
        found = [w for w in rc.find(v.Btn).widgets if cls in (w.class_ or "").split()]
        assert len(found) == 1, cls
        return found[0]

    def texts() -> str:
        return " ".join(str(c) for w in rc.find(v.Btn).widgets for c in w.children if isinstance(c, str))

    assert "单步" in texts() and "Step" not in texts()
    button("govsim-step").click()
    button("govsim-step10").click()
    assert app.session.value.steps == 11
    button("govsim-lang-en").click()
    assert "Step" in texts() and "单步" not in texts() and "+10 weeks" in texts()
    app.choose_preset("c6_participation")
    assert app.session.value.preset == "c6_participation" and app.session.value.steps == 0
    app.set_lever("points_per_act", 5.0)
    assert app.session.value.overrides == {"points_per_act": 5.0}
    app.step(3)
    assert app.session.value.main.model.p["points_per_act"] == 5.0
    rc.close()
    page_rc.close()


def test_charts_before_the_first_week_have_plain_axes():
    """At week 0 every count is 0: the axes read 0-1, not 0-1e-9 with an offset label in the corner;
    once a count appears its axis grows to hold it."""
    s = Session("baseline", seed=1, households=SMALL)
    ch = Charts(s, "zh")
    ch.fig.canvas.draw()
    for ax in ch.axes:
        assert ax.get_ylim()[1] >= 1.0, ax.get_title()
        assert ax.yaxis.get_offset_text().get_text() == "", ax.get_title()
    s.step(3)
    ch.update()
    assert ch.axes[7].get_ylim()[1] >= max(s.main.history["problems_registered"]) > 0
