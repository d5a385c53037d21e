"""How long one classroom step takes, drawn: the issue asks for at most 0.5 s at the demo's size.

Three figures, at the demo's default size (6,000 households) and with a comparison run:
  model      the model step alone (both runs)
  server     step + redraw the map and the charts + encode both PNGs (what the app does per step)
  browser    click "Step" in headless Chromium until the page shows the new week (the whole round
             trip through Solara's websocket); needs /usr/bin/chromium, skipped otherwise

    .venv/bin/python benchmarks/classroom_step.py [--steps 40] [--no-browser]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def server_side(preset: str, compare: str | None, steps: int, warm: int = 100) -> tuple[float, float]:
    from classroom.drawing import Charts, StreetMap
    from classroom.session import Session

    s = Session(preset, seed=0, compare=compare)
    s.step(warm)  # a year and more of history on the charts
    sm, ch = StreetMap(s, "zh"), Charts(s, "zh")
    t0 = time.perf_counter()
    for _ in range(steps):
        s.step(1)
    model = (time.perf_counter() - t0) / steps
    t0 = time.perf_counter()
    for _ in range(steps):
        s.step(1)
        sm.update()
        sm.image()
        ch.update()
        ch.image()
    return model, (time.perf_counter() - t0) / steps


def browser(steps: int) -> float | None:
    exe = shutil.which("chromium")
    if exe is None:
        return None
    from playwright.sync_api import sync_playwright

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "govsim", "demo", "--port", str(port)], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env=dict(os.environ, SOLARA_TELEMETRY_MIXPANEL_ENABLE="False"))
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(180):
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as pw:
            b = pw.chromium.launch(executable_path=exe, headless=True,
                                   args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            page = b.new_page(viewport={"width": 1600, "height": 1900})
            page.goto(url, timeout=90_000)
            page.wait_for_selector(".govsim-step", timeout=90_000)
            times = []
            for i in range(1, steps + 1):
                # time inside the page: from the click to the moment the new week is on screen
                ms = page.evaluate("""(label) => new Promise(done => {
                    const el = document.querySelector('.govsim-week');
                    const t0 = performance.now();
                    const obs = new MutationObserver(() => {
                        if (el.innerText.includes(label)) { obs.disconnect();
                            requestAnimationFrame(() => done(performance.now() - t0)); } });
                    obs.observe(document.body, {subtree: true, childList: true, characterData: true});
                    document.querySelector('.govsim-step').click();
                })""", f"第{i}周")
                times.append(ms / 1000)
            b.close()
        times.sort()
        return times[len(times) // 2]
    finally:
        server.terminate()
        server.wait(timeout=15)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--no-browser", action="store_true")
    a = ap.parse_args()
    print("classroom step at the demo's default size (6,000 households, 24 compounds), after 100 weeks")
    for preset, compare in (("baseline", None), ("combined", None), ("combined", "baseline")):
        model, drawn = server_side(preset, compare, a.steps)
        what = preset + (f" + comparison ({compare})" if compare else "")
        print(f"  {what:<36} model {model * 1000:6.1f} ms   step drawn (server) {drawn * 1000:6.1f} ms   "
              f"{'OK' if drawn <= 0.5 else 'TOO SLOW'} (limit 500 ms)")
    if not a.no_browser:
        med = browser(min(a.steps, 20))
        if med is None:
            print("  browser: no chromium on PATH, skipped")
        else:
            print(f"  browser round trip (click Step -> new week on screen, baseline, median of "
                  f"{min(a.steps, 20)}): {med * 1000:.0f} ms   {'OK' if med <= 0.5 else 'TOO SLOW'} (limit 500 ms)")


if __name__ == "__main__":
    main()
