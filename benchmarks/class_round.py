"""How quickly the next round starts in `govsim class` with 60 students (a benchmark, not a test).

    .venv/bin/python benchmarks/class_round.py [--students 60] [--rounds 8] [--households 6500]

Starts the real server on 127.0.0.1, lets 60 simulated students join over HTTP (24 owners'
committees, 22 grid workers, 4 department heads, 10 property companies: every company of the
market, on a street of 6,500 households, 26 compounds), each polling
as its phone page does (every 1.5 s) and deciding after a short, random "think". Rounds run at
the pace "when all have decided"; the last rounds run on a 5-second countdown with a few
students silent. Reported per round: the server's own figure (from the last decision, or the
end of the countdown, to the next round open, with four weeks of both streets stepped and the
class saved) and what a client saw (from the last decision's answer to the first poll of the
teacher's state, at 20 per second, showing the next round). Goal: under 1 s.
Writes results/benchmarks/class_round.csv.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MIX = (("committee", 24), ("grid", 22), ("department", 4), ("firm", 10))
DECISIONS = {"committee": {"fee_stance": -1, "report": True}, "grid": {"cases": 40, "patrols": 30, "visits": 10, "paperwork": 20},
             "department": {"whistle_share": 0.6, "close_by_reply": False}, "firm": {"service": 0.8, "leave": False, "bids": []}}


def call(base: str, method: str, path: str, body=None, headers=None):
    req = urllib.request.Request(base + path, data=None if body is None else json.dumps(body).encode(), method=method,
                                 headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")
    except urllib.error.URLError:
        return 0, {}  # the server is gone (the benchmark is ending)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--students", type=int, default=60)
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--households", type=int, default=6500)
    a = ap.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    tmp = tempfile.mkdtemp(prefix="govsim-class-bench-")
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    sys.path.insert(0, str(ROOT))
    from govsim.cli import _die_with_parent

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a `kill` still stops the server (finally below)
    proc = subprocess.Popen([sys.executable, "-m", "govsim", "class", "--port", str(port), "--households", str(a.households),
                             "--save", os.path.join(tmp, "class.json")], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, preexec_fn=_die_with_parent)
    out = ""
    for line in proc.stdout:
        out += line
        if "ready" in line:
            break
    if "ready" not in out:
        proc.wait(timeout=30)
        sys.exit("govsim class did not start:\n" + out)
    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()  # keep the pipe drained
    token = re.search(r"/teacher\?t=(\S+)", out).group(1)
    code = re.search(r"join\?code=(\d+)", out).group(1)
    base = f"http://127.0.0.1:{port}"
    T = {"X-Teacher-Token": token}
    try:
        roles = [r for r, n in MIX for _ in range(n)][: a.students]
        students = []
        for i, role in enumerate(roles):
            st, body = call(base, "POST", "/api/join", {"code": code, "nickname": f"s{i:02d}", "role": role,
                                                        "nonce": f"bench-join-{i:03d}"})
            assert st == 200, body
            students.append((role, body["token"]))
        call(base, "POST", "/api/teacher/action", {"action": "pace", "mode": "all", "seconds": 600, "nonce": "bench-pace-1"}, T)
        call(base, "POST", "/api/teacher/action", {"action": "start", "nonce": "bench-start-1"}, T)
        lock = threading.Lock()
        last_answer: dict[int, float] = {}
        silent: set[int] = set()
        stop = threading.Event()

        def student(i: int, role: str, tok: str) -> None:
            rnd = random.Random(i)
            decided = 0
            while not stop.is_set():
                st, me = call(base, "GET", "/api/me", headers={"X-Student-Token": tok})
                if st == 200 and me["phase"] == "deciding" and me["round"] > decided and i not in silent:
                    time.sleep(rnd.uniform(0.2, 2.0))  # thinking
                    st, _ = call(base, "POST", "/api/decide", {"round": me["round"], "nonce": f"b{i}r{me['round']}x{rnd.getrandbits(64):x}",
                                                               "decision": DECISIONS[role]}, {"X-Student-Token": tok})
                    if st == 200:
                        decided = me["round"]
                        with lock:
                            last_answer[me["round"]] = max(last_answer.get(me["round"], 0.0), time.monotonic())
                    continue
                time.sleep(1.5)

        threads = [threading.Thread(target=student, args=(i, r, t), daemon=True) for i, (r, t) in enumerate(students)]
        for th in threads:
            th.start()
        rows = []
        countdown_from = a.rounds - 2
        for r in range(1, a.rounds + 1):
            if r == countdown_from:  # the last rounds: a 5-second countdown, five students silent
                silent.update(range(5))
                call(base, "POST", "/api/teacher/action", {"action": "pace", "mode": "countdown", "seconds": 5,
                                                           "nonce": f"bench-countdown-{r}"}, T)
            while True:
                st, s = call(base, "GET", "/api/teacher/state", headers=T)
                if s["played"] >= r:
                    seen = time.monotonic()
                    break
                time.sleep(0.05)
            with lock:
                client = seen - last_answer[r] if r < countdown_from and r in last_answer else float("nan")
            rows.append({"round": r, "pace": "all decided" if r < countdown_from else "countdown 5 s",
                         "server_s": round(s["latency"], 3), "client_s": round(client, 3)})
            print(f"round {r:2d} ({rows[-1]['pace']}): next round open {s['latency']:.3f} s after the trigger "
                  f"(server); a client saw it {client:.3f} s after the last decision's answer", flush=True)
        stop.set()
        for th in threads:
            th.join(timeout=10)
        server = [x["server_s"] for x in rows]
        client = [x["client_s"] for x in rows if x["client_s"] == x["client_s"]] or [float("nan")]
        print(f"{len(students)} students, {a.households:,} households: server median {sorted(server)[len(server) // 2]:.3f} s, "
              f"max {max(server):.3f} s; client median {sorted(client)[len(client) // 2]:.3f} s, max {max(client):.3f} s "
              "(goal: < 1 s)")
        dest = ROOT / "results" / "benchmarks" / "class_round.csv"
        dest.parent.mkdir(parents=True, exist_ok=True)
        with open(dest, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
        print(f"wrote {dest.relative_to(ROOT)}")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
