"""End to end: a teacher and four students on phones play three rounds of `govsim class` in headless Chromium.

Five browser contexts (the teacher's screen, and a committee, a grid worker, a department head
and a firm on a phone-sized viewport) join by the join code, play three rounds at the pace
"when all have decided" (one student reloads the page mid-round and one double-submits), and
the teacher ends the class and reads the debrief. Nothing may be asked of the internet, and
no server may be left running. Screenshots go to a temporary folder unless GOVSIM_SCREENSHOTS
names one (`python tools/screenshots.py` does, for results/screenshots/). Needs Debian's
chromium; without it the test skips, except under CI=true, where it fails.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_class_server import ClassServer  # noqa: E402
from test_classroom_browser import CHROMIUM_ARGS, SHOTS_ENV, chromium  # noqa: E402

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
ROLES = ("committee", "grid", "department", "firm")
NICKS = {"committee": "小王", "grid": "Li", "department": "老张", "firm": "Zhao"}
WAIT = 60_000  # ms: a bound that only catches a hang


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = Path(os.environ[SHOTS_ENV]) if os.environ.get(SHOTS_ENV) else tmp_path_factory.mktemp("class-shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def class_server(tmp_path_factory):
    exe = chromium()
    if exe is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but no chromium on PATH: .ci/run should apt-get install chromium")
        pytest.skip("no chromium on PATH (apt-get install chromium); the browser test needs it")
    pytest.importorskip("playwright.sync_api")
    s = ClassServer(tmp_path_factory.mktemp("class") / "class.json", households=6000)
    yield s, exe
    s.stop()


def round_is(page, n: int) -> None:
    page.wait_for_function("ts => { const e = document.querySelector('.gs-round'); "
                           "return e && ts.some(t => e.innerText.includes(t)); }", arg=[f"第{n}轮", f"Round {n}"],
                           timeout=WAIT)


def saved(page, n: int) -> None:
    page.wait_for_function("t => { const e = document.querySelector('.gs-status'); return e && e.innerText.includes(t); }",
                           arg=f"第{n}轮决策已保存", timeout=WAIT)


def set_range(page, selector: str, value: int) -> None:
    """Move a slider as a finger would: its value, then the input event the page listens to."""
    page.locator(selector).evaluate("(e, v) => { e.value = String(v); e.dispatchEvent(new Event('input')); }", value)


def decide(page, role: str, r: int) -> None:
    if role == "committee":
        page.locator(".gs-stance-oppose").check()
        if r == 1:
            page.locator(".gs-report").check()
    elif role == "grid":
        set_range(page, ".gs-visits", 30)
        set_range(page, ".gs-patrols", 20)
    elif role == "department":
        set_range(page, ".gs-whistle_share", 80)
        page.locator(".gs-close_by_reply").check()
    elif role == "firm":
        set_range(page, ".gs-service", 100)
    page.locator(".gs-submit").click()


def test_a_teacher_and_four_phones_play_three_rounds_and_read_the_debrief(class_server, shots):
    from playwright.sync_api import sync_playwright

    s, exe = class_server
    outside: list[str] = []
    local = (s.base, "data:", "blob:")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
        teacher = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
        teacher.on("request", lambda r: outside.append(r.url) if not r.url.startswith(local) else None)
        teacher.goto(s.teacher_url, timeout=WAIT)
        teacher.wait_for_function("c => document.querySelector('.gs-code').innerText === c", arg=s.code, timeout=WAIT)
        teacher.wait_for_function("() => { const i = document.querySelector('.gs-qr'); "
                                  "return i.complete && i.naturalWidth > 0; }", timeout=WAIT)  # the QR code, drawn here

        phones = {}
        for role in ROLES:
            page = browser.new_context(**PHONE).new_page()
            page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(local) else None)
            page.goto(s.join_url, timeout=WAIT)
            assert page.locator(".gs-code").input_value() == s.code  # the QR code's link carries the code
            page.locator(".gs-nick").fill(NICKS[role])
            page.locator(f".gs-role-{role}").check()
            page.locator(".gs-join").click()
            page.wait_for_url(re.compile(r".*/play#t=.*"), timeout=WAIT)
            page.wait_for_selector(".gs-facts div", timeout=WAIT)
            phones[role] = page
        teacher.wait_for_function("() => document.querySelectorAll('.gs-players tr').length === 4", timeout=WAIT)
        teacher.screenshot(path=str(shots / "class_teacher_lobby_zh.png"), full_page=True)

        teacher.locator(".gs-start").click()
        for r in (1, 2, 3):
            for page in phones.values():
                round_is(page, r)
                page.wait_for_selector(".gs-submit:not([disabled])", timeout=WAIT)
            for i, (role, page) in enumerate(phones.items()):
                if role == "firm" and r == 3:  # a phone switches to English mid-round
                    page.locator(".gs-lang").click()
                    page.wait_for_function("() => document.body.innerText.includes('Your firm')", timeout=WAIT)
                    set_range(page, ".gs-service", 100)
                    page.screenshot(path=str(shots / "class_firm_phone_en.png"), full_page=True)
                decide(page, role, r)
                if role == "department" and r == 2:
                    page.locator(".gs-submit").click()  # a double submit: the same decision, kept once
                if i < len(phones) - 1:  # the last decision closes the round at once
                    saved(page, r)
                if role == "committee" and r == 1:
                    page.screenshot(path=str(shots / "class_committee_phone_zh.png"), full_page=True)
            for page in phones.values():
                round_is(page, r + 1)
        teacher.wait_for_function("() => document.querySelectorAll('.gs-players tr').length === 4", timeout=WAIT)
        round_is(teacher, 4)
        counters = teacher.locator(".gs-counters").inner_text()  # the paper's counters, class and all-simulated
        assert counters.count("登记问题") == 2 and re.search(r"\d+", counters)
        teacher.screenshot(path=str(shots / "class_teacher_round4_zh.png"), full_page=True)

        # round 4: the committee decides, reloads its page, and finds its decision kept
        committee = phones["committee"]
        decide(committee, "committee", 4)
        saved(committee, 4)
        committee.reload()
        saved(committee, 4)
        assert committee.locator(".gs-stance-oppose").is_checked()

        # the teacher ends the class: the debrief shows every decision beside the rule's, and the stories
        teacher.locator(".gs-end").click()
        teacher.wait_for_selector(".gs-debrief .gs-decision-row", timeout=WAIT)
        rows = teacher.locator(".gs-decision-row")
        assert rows.count() == 12, "three rounds x four students"
        text = teacher.locator(".gs-decisions").inner_text()
        assert "反对缴费" in text and "由住户自行决定" in text and "以书面回复代替办结" in text
        stories = teacher.locator(".gs-story")
        assert stories.count() == 24 and "小王" in teacher.locator(".gs-stories").inner_text()
        teacher.wait_for_function("() => { const i = document.querySelector('.gs-debrief-img'); "
                                  "return i && i.complete && i.naturalWidth > 0; }", timeout=WAIT)
        png = teacher.request.get(s.base + f"/api/teacher/debrief.png?t={s.token}&lang=zh")
        assert png.ok and png.body()[:4] == b"\x89PNG"
        csv = teacher.request.get(s.base + f"/api/teacher/debrief.csv?t={s.token}&lang=en").text()
        assert csv.count("\n") == 13 and all(n in csv for n in NICKS.values())
        assert not any(p.evaluate("() => localStorage.getItem('govsim-token')") in csv for p in phones.values())
        teacher.screenshot(path=str(shots / "class_teacher_debrief_zh.png"), full_page=True)
        for page in phones.values():  # every phone learns the class has ended (the firm's in English)
            page.wait_for_function("() => ['课堂已结束', 'The class has ended'].some(t => "
                                   "document.querySelector('.gs-status').innerText.includes(t))", timeout=WAIT)

        # English on the teacher's screen and a phone
        teacher.locator(".gs-lang").click()
        teacher.wait_for_function("() => document.body.innerText.includes('Debrief')", timeout=WAIT)
        phones["firm"].wait_for_function("() => document.body.innerText.includes('The class has ended')", timeout=WAIT)
        assert "Round 3" in phones["firm"].locator(".gs-round").inner_text()
        browser.close()
    assert not outside, f"the class asked the internet for: {outside[:5]}"
