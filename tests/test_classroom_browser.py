"""End to end: `govsim demo` in headless Chromium, as a teacher would use it.

Starts the app, checks it asks nothing of the internet, switches the language, picks a
preset, runs 10 steps, and checks that counters and charts changed and that the labels are
in the chosen language. Screenshots go to a temporary folder, so the test leaves the work tree
as it found it; `python tools/screenshots.py` runs it with GOVSIM_SCREENSHOTS=results/screenshots
to refresh the committed ones. When the server is stopped (SIGTERM, as a user's `kill`), nothing
of it may be left running or listening. Needs Debian's chromium (`apt-get install chromium`;
`.ci/run` installs it); without it the test skips, except under CI=true, where it fails.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHOTS_ENV = "GOVSIM_SCREENSHOTS"  # where the screenshots go; unset: a temporary folder
CJK = re.compile(r"[\u4e00-\u9fff]")
# flags that keep Chromium off the (closed) network and working as root in a container
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_processes(port: int) -> list[int]:
    """Pids of any process still serving the demo on `port` (govsim itself or its Solara child)."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if str(port).encode() in cmd and (b"demo" in cmd or b"classroom.app" in cmd):
            pids.append(int(proc.name))
    return pids


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = Path(os.environ[SHOTS_ENV]) if os.environ.get(SHOTS_ENV) else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser_page():
    exe = chromium()
    if exe is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but no chromium on PATH: .ci/run should apt-get install chromium")
        pytest.skip("no chromium on PATH (apt-get install chromium); the browser test needs it")
    playwright = pytest.importorskip("playwright.sync_api")
    port = _free_port()
    env = dict(os.environ, SOLARA_TELEMETRY_MIXPANEL_ENABLE="False")
    server = subprocess.Popen([sys.executable, "-m", "govsim", "demo", "--port", str(port)], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.time() + 90
        while True:
            try:
                urllib.request.urlopen(url, timeout=2).read()
                break
            except OSError:
                if server.poll() is not None or time.time() > deadline:
                    raise RuntimeError("the demo did not start:\n" + (server.stdout.read() if server.stdout else ""))
                time.sleep(0.5)
        with playwright.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1600, "height": 1900})
            outside: list[str] = []
            page.on("request", lambda r: outside.append(r.url)
                    if not r.url.startswith((url, "data:", "blob:", f"ws://127.0.0.1:{port}")) else None)
            page.goto(url, timeout=90_000)
            page.wait_for_selector(".govsim-step", timeout=90_000)
            yield page, outside
            browser.close()
    finally:
        server.terminate()  # SIGTERM, as a user's `kill`: the Solara child must go with it
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        left = _server_processes(port)  # govsim stops and reaps its server before it exits
        for pid in left:  # leave no server behind even when the check below fails
            os.kill(pid, 9)
        assert not left and not _listening(port), f"the demo's server outlived it: pids {left}"


def _text(page, selector: str) -> str:
    return page.locator(selector).first.inner_text().strip()


def _chart_src(page) -> str:
    return page.locator(".govsim-charts-image img, img.govsim-charts-image").first.get_attribute("src") or ""


def _wait_week(page, text: str, timeout_ms: int = 60_000) -> None:
    page.wait_for_function("t => document.querySelector('.govsim-week') && "
                           "document.querySelector('.govsim-week').innerText.includes(t)", arg=text, timeout=timeout_ms)


def _wait_words(page, present, absent=(), timeout_ms: int = 60_000) -> str:
    """Wait until the page's text holds every word of `present` and none of `absent`.

    Solara re-renders a language switch section by section, so on a loaded machine the
    first sections can be in English while later ones are still in Chinese; wait for the
    whole page, and on time-out name the words that never came (or never went)."""
    try:
        page.wait_for_function("([yes, no]) => { const t = document.body.innerText; "
                               "return yes.every(w => t.includes(w)) && !no.some(w => t.includes(w)); }",
                               arg=[list(present), list(absent)], timeout=timeout_ms)
    except Exception:
        body = page.locator("body").inner_text()
        missing = [w for w in present if w not in body]
        left = [w for w in absent if w in body]
        raise AssertionError(f"after {timeout_ms / 1000:.0f} s: missing {missing}, still shown {left}") from None
    return page.locator("body").inner_text()


def _pick(page, select_class: str, option: str) -> None:
    """Open a Vuetify select and click one of its options."""
    page.locator(f".{select_class} .v-select__slot").first.click()
    page.locator(".v-menu__content.menuable__content__active .v-list-item", has_text=option).first.click()


def test_teacher_switches_language_picks_a_preset_and_runs_ten_weeks(browser_page, shots):
    page, outside = browser_page
    SHOTS = shots
    # opens in Chinese, at week 0
    _wait_week(page, "第0周")
    assert "党建引领" in page.title() or "党建引领" in page.locator("body").inner_text()
    page.screenshot(path=str(SHOTS / "01_opening_zh.png"), full_page=True)

    # English: every control, counter and chart label follows
    page.locator(".govsim-lang-en").first.click()
    _wait_week(page, "Week 0")
    _wait_words(page, ("Policy preset", "Step", "Play", "Reset", "Problems registered", "Resolution rate",
                       "The street: compounds by community", "Community 3:", "Live charts", "A compound's story"),
                absent=("政策预设", "单步", "登记问题", "化解率", "实时图表", "社区 3:"))

    # a preset: C2, party organisation and red property
    _pick(page, "govsim-preset", "C2 Party organisation and red property")
    page.wait_for_function("() => document.body.innerText.includes('C2 Party organisation and red property')")
    time.sleep(0.5)
    before = {k: _text(page, f".govsim-{k}") for k in ("registered", "resolved", "unresolved", "rate")}
    assert before["registered"] == "0"
    src_before = _chart_src(page)

    # ten steps, one click each, timed
    t0 = time.perf_counter()
    for i in range(1, 11):
        page.locator(".govsim-step").first.click()
        _wait_week(page, f"Week {i} ")
    per_step = (time.perf_counter() - t0) / 10
    after = {k: _text(page, f".govsim-{k}") for k in ("registered", "resolved", "unresolved", "rate")}
    assert int(after["registered"].replace(",", "")) > 0 and after["rate"] != before["rate"]
    assert int(after["registered"].replace(",", "")) == (int(after["resolved"].replace(",", ""))
                                                         + int(after["unresolved"].replace(",", "")))
    assert _chart_src(page) != src_before, "the charts did not redraw"
    assert not CJK.search(_text(page, ".govsim-counters"))
    page.screenshot(path=str(SHOTS / "02_c2_week10_en.png"), full_page=True)
    (SHOTS / "timing.txt").write_text(f"Playwright click-and-wait per step (C2, 6,000 households, weeks 1-10; driver overhead included, "
                                      f"benchmarks/classroom_step.py times it inside the page): "
                                      f"{per_step * 1000:.0f} ms\n")

    # a compound's story: pick a red-property compound if there is one
    red = page.locator(".govsim-tile", has_text="★")
    tile = red.first if red.count() else page.locator(".govsim-tile").first
    tile.click()
    page.wait_for_selector(".govsim-story-text", timeout=30_000)
    story = _text(page, ".govsim-story-text")
    assert "Week 0:" in story and "households" in story and not CJK.search(story)
    page.locator(".govsim-story").first.screenshot(path=str(SHOTS / "03_story_en.png"))

    # compare with the baseline: a second row of counters and dashed lines
    _pick(page, "govsim-compare", "Baseline (no new policy)")
    page.wait_for_selector(".govsim-registered-cmp", timeout=30_000)
    _wait_week(page, "Week 0 ")  # a new comparison starts both runs again
    page.locator(".govsim-step10").first.click()
    _wait_week(page, "Week 10 ")
    page.wait_for_function("() => parseInt(document.querySelector('.govsim-registered-cmp').innerText"
                           ".replace(/,/g, '')) > 0", timeout=30_000)
    page.screenshot(path=str(SHOTS / "04_compare_en.png"), full_page=True)

    # back to Chinese: labels follow, the run stays where it was
    page.locator(".govsim-lang-zh").first.click()
    _wait_week(page, "第10周")
    _wait_words(page, ("政策预设", "单步", "登记问题", "化解率", "实时图表", "小区故事"),
                absent=("Policy preset", "Problems registered", "Live charts"))
    page.locator(".govsim-network input").first.check(force=True)
    time.sleep(1.0)
    page.screenshot(path=str(SHOTS / "05_compare_network_zh.png"), full_page=True)

    # play, then pause: weeks advance on their own and stop when paused
    page.locator(".govsim-play").first.click()
    # one week past where it stood shows it runs on its own; with the network drawn for two runs of
    # 6,000 households a week can take tens of seconds on a slow, shared host (seen: three weeks
    # took over a minute), so the wait is generous rather than a race with the machine's speed
    _wait_week(page, "第11周", timeout_ms=240_000)
    # Play comes back once the week under way is finished: as long as a week takes (see above). A
    # click that lands while the controls re-render after a week can be lost (seen once in CI: Play
    # never came back in 240 s), so Pause is clicked again, while it is still shown, until it is
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _ in range(4):
        pause = page.locator(".govsim-pause")
        if pause.count():
            pause.first.click()
        try:
            page.wait_for_selector(".govsim-play", timeout=90_000)
            break
        except PlaywrightTimeout:
            continue
    else:
        raise AssertionError("Play did not come back after Pause was clicked four times")
    time.sleep(0.5)
    paused_at = _text(page, ".govsim-week")
    time.sleep(1.5)
    assert _text(page, ".govsim-week") == paused_at, "the run went on after Pause"
    assert "This website runs on" not in page.locator("body").inner_text()

    # a second tab (another student's phone) gets its own run, starting at week 0
    ctx = page.context.browser.new_context(viewport={"width": 1280, "height": 900})
    other = ctx.new_page()
    other.goto(page.url, timeout=90_000)
    other.wait_for_selector(".govsim-step", timeout=90_000)
    _wait_week(other, "第0周")
    other.locator(".govsim-step").first.click()
    _wait_week(other, "第1周")
    assert _text(page, ".govsim-week") == paused_at, "a step in one tab moved another tab's run"
    ctx.close()

    assert not outside, f"the app asked the internet for: {outside[:5]}"
