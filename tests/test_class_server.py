"""`govsim class` over HTTP: students never reach the teacher's controls; bad requests change nothing.

Starts the real server (`python -m govsim class`) on 127.0.0.1 with a free port, talks to it
with bounded requests, and checks that nothing of it is left running once it is stopped. The
teacher's link and the join code are read from what the command prints, as a teacher would.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from govsim.cli import _die_with_parent

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 30  # seconds: any single request


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def server_processes(port: int) -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if str(port).encode() in cmd and (b"class" in cmd or b"classroom.live.server" in cmd):
            pids.append(int(proc.name))
    return pids


class ClassServer:
    """`govsim class` as a teacher starts it; `.teacher_url`, `.join_url`, `.code`, `.token` from its output."""

    def __init__(self, save: Path, *extra: str, households: int = 3000):
        self.port = free_port()
        self.save = save
        env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        self.proc = subprocess.Popen([sys.executable, "-m", "govsim", "class", "--port", str(self.port), "--save", str(save),
                                      "--households", str(households), *extra], cwd=ROOT, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     preexec_fn=_die_with_parent)  # even a killed test run leaves no server
        self.output: list[str] = []
        for line in self.proc.stdout:  # the server says "ready" once it listens; EOF if it died first
            self.output.append(line)
            if "ready" in line:
                break
        else:
            self.stop()
            raise RuntimeError("govsim class did not start:\n" + "".join(self.output))
        threading.Thread(target=self._drain, daemon=True).start()
        text = "".join(self.output)
        self.teacher_url = re.search(r"(http://\S+/teacher\?t=\S+)", text).group(1)
        self.token = self.teacher_url.split("t=", 1)[1]
        self.join_url = re.search(r"(http://\S+/join\?code=\d+)", text).group(1)
        self.code = self.join_url.rsplit("=", 1)[1]
        self.base = f"http://127.0.0.1:{self.port}"

    def _drain(self) -> None:
        for line in self.proc.stdout:  # keep the pipe from filling
            self.output.append(line)

    def request(self, method: str, path: str, body=None, headers: dict | None = None, raw: bytes | None = None):
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=TIMEOUT) as r:
                payload = r.read()
                status, ctype = r.status, r.headers.get("content-type", "")
        except urllib.error.HTTPError as e:
            payload, status, ctype = e.read(), e.code, e.headers.get("content-type", "")
        return status, (json.loads(payload) if "json" in ctype else payload)

    def teacher(self, method: str, path: str, body=None, token: str | None = None):
        return self.request(method, path, body, {"X-Teacher-Token": self.token if token is None else token})

    def student(self, method: str, path: str, token: str, body=None):
        return self.request(method, path, body, {"X-Student-Token": token})

    def stop(self, sig=signal.SIGTERM) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        # govsim stops and reaps its server before it exits: nothing to wait for
        left = server_processes(self.port)
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        assert not left and not listening(self.port), f"the class server outlived govsim: pids {left}"


@pytest.fixture
def server(tmp_path):
    s = ClassServer(tmp_path / "class.json")
    yield s
    s.stop()


def test_students_never_reach_the_teacher_s_controls_and_bad_requests_change_nothing(server):
    s = server
    assert s.join_url.startswith(f"http://127.0.0.1:{s.port}/")  # loopback by default
    status, _ = s.request("GET", "/teacher")
    assert status == 403, "the teacher's screen without the teacher's token"
    assert s.request("GET", "/teacher?t=" + s.token)[0] == 200
    assert s.request("GET", "/")[0] == 200 and s.request("GET", "/play")[0] == 200

    status, body = s.request("POST", "/api/join", {"code": "000000", "nickname": "eve", "role": "committee",
                                                   "nonce": "eve-joins-01"})
    assert status == 403 and body["why"] == "why_code"
    join = {"code": s.code, "nickname": "amy", "role": "committee", "nonce": "amy-joins-01"}
    status, body = s.request("POST", "/api/join", join)
    assert status == 200
    amy = body["token"]
    assert s.request("POST", "/api/join", join)[0] == 409, "a replayed join takes no second place"
    assert s.request("POST", "/api/join", {**join, "nonce": None})[0] == 400
    assert len(s.teacher("GET", "/api/teacher/state")[1]["players"]) == 1
    # a student's token opens nothing of the teacher's, nor does a forged one
    for token in (amy, "forged" + s.token[6:], ""):
        assert s.teacher("GET", "/api/teacher/state", token=token)[0] == 403
        assert s.teacher("POST", "/api/teacher/action", {"action": "start", "nonce": "abcdefgh-1"}, token=token)[0] == 403
        assert s.request("GET", f"/api/teacher/debrief.csv?t={token}")[0] == 403
    assert s.teacher("GET", "/api/teacher/state")[1]["phase"] == "lobby"

    # a long countdown, so the round stays open while bad requests are tried
    assert s.teacher("POST", "/api/teacher/action", {"action": "pace", "mode": "countdown", "seconds": 600,
                                                     "nonce": "pace-nonce-1"})[0] == 200
    assert s.teacher("POST", "/api/teacher/action", {"action": "start", "nonce": "start-nonce-1"})[0] == 200
    ok = {"round": 1, "nonce": "amy-nonce-0001", "decision": {"fee_stance": -1, "tender": True}}
    status, me = s.student("POST", "/api/decide", amy, ok)
    assert status == 200 and me["decision"]["fee_stance"] == -1
    refused = [
        (s.student, ("POST", "/api/decide", amy, ok), 409),                                       # replayed
        (s.student, ("POST", "/api/decide", amy, {**ok, "nonce": "amy-nonce-0002", "round": 0}), 409),  # stale
        (s.student, ("POST", "/api/decide", "forged-token", {**ok, "nonce": "amy-nonce-0003"}), 403),    # forged
        (s.student, ("POST", "/api/decide", amy, {**ok, "nonce": "amy-nonce-0004",
                                                   "decision": {"fee_stance": 5}}), 400),         # out of range
        (s.student, ("POST", "/api/decide", amy, {**ok, "nonce": "amy-nonce-0005",
                                                   "decision": {"grid_hours": 1}}), 400),         # not this role's
        (s.teacher, ("POST", "/api/teacher/action", {"action": "start", "nonce": "start-nonce-1"}), 409),  # teacher replay
    ]
    for call, args, want in refused:
        assert call(*args)[0] == want, args
    for raw in (b"{not json", b"[1, 2]", b"\xff\xfe", b"{" + b" " * 5000 + b"}"):  # malformed, too large
        assert s.request("POST", "/api/decide", headers={"X-Student-Token": amy}, raw=raw)[0] in (400, 413)
    status, me = s.student("GET", "/api/me", amy)
    assert me["decision"] == {"fee_stance": -1, "tender": True, "report": False, "deliberate": False, "volunteer": False}
    assert me["round"] == 1

    # the pace "when all have decided": everyone here has, so the next round opens by itself; the class is on disk
    assert s.teacher("POST", "/api/teacher/action", {"action": "pace", "mode": "all", "seconds": 600,
                                                     "nonce": "pace-nonce-2"})[0] == 200
    assert s.teacher("GET", "/api/teacher/state?until_played=1")[1]["played"] == 1  # answered when it closed
    assert s.student("GET", "/api/me", amy)[1]["round"] == 2
    saved = json.loads(s.save.read_text(encoding="utf-8"))
    assert len(saved["rounds"]) == 1 and saved["rounds"][0]["played"]["committee:" + me["slot"].split(":")[1]][
        "decision"]["fee_stance"] == -1
    assert s.token not in s.save.read_text(encoding="utf-8") and amy not in s.save.read_text(encoding="utf-8")

    # the teacher closes a round at once; a stale or replayed close changes nothing
    assert s.teacher("POST", "/api/teacher/action", {"action": "close", "round": 1, "nonce": "close-nonce-1"})[0] == 409
    assert s.teacher("POST", "/api/teacher/action", {"action": "close", "round": 2, "nonce": "close-nonce-2"})[0] == 200
    assert s.teacher("POST", "/api/teacher/action", {"action": "close", "round": 2, "nonce": "close-nonce-2"})[0] == 409
    assert s.teacher("GET", "/api/teacher/state")[1]["played"] == 2
    assert s.student("POST", "/api/leave", amy, {"nonce": "amy-leaves-01"})[0] == 200
    assert s.student("GET", "/api/me", amy)[0] == 403  # gone: the simulated rule plays the compound
    assert s.teacher("POST", "/api/teacher/action", {"action": "end", "nonce": "end-nonce-01"})[0] == 200
    status, png = s.request("GET", f"/api/teacher/debrief.png?t={s.token}&lang=en")
    assert status == 200 and png[:8] == b"\x89PNG\r\n\x1a\n"
    status, text = s.request("GET", f"/api/teacher/debrief.csv?t={s.token}&lang=en")
    assert status == 200 and b"amy" in text and amy.encode() not in text
    state = s.teacher("GET", "/api/teacher/state")[1]
    assert state["phase"] == "ended" and len(state["debrief"]["rows"]) == 1  # round 2: amy had not decided


def test_the_classroom_address_is_an_ipv4_address():
    from govsim.cli import classroom_address

    assert re.fullmatch(r"\d{1,3}(\.\d{1,3}){3}", classroom_address())


def test_a_class_resumes_from_its_file(tmp_path):
    first = ClassServer(tmp_path / "class.json")
    try:
        token = first.request("POST", "/api/join", {"code": first.code, "nickname": "bo", "role": "firm",
                                                    "nonce": "bo-joins-001"})[1]["token"]
        first.teacher("POST", "/api/teacher/action", {"action": "start", "nonce": "start-nonce-1"})
        for r in (1, 2):
            first.student("POST", "/api/decide", token, {"round": r, "nonce": f"bo-round-{r}-x",
                                                          "decision": {"service": 1.0, "leave": False, "bids": []}})
            assert first.teacher("GET", f"/api/teacher/state?until_played={r}")[1]["played"] == r
        before = first.teacher("GET", "/api/teacher/state")[1]
    finally:
        first.stop()
    again = ClassServer(tmp_path / "class.json", "--resume", str(tmp_path / "class.json"))
    try:
        after = again.teacher("GET", "/api/teacher/state")[1]
        assert after["played"] == 2 and after["week"] == before["week"] == 8
        street = lambda state: [{k: v for k, v in c.items() if k not in ("committee", "played_firm")}  # noqa: E731
                                for c in state["compounds"]]  # who plays is not saved: students join again
        assert street(after) == street(before) and after["series"] == before["series"]
        assert again.token != first.token  # a new teacher token for the new server
    finally:
        again.stop()


def test_a_port_in_use_or_a_damaged_file_is_one_line_and_exit_2(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{\"format\": \"something else\"}")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        for args, word in (([], "--port"), (["--resume", str(bad)], "--resume"),
                           (["--resume", str(tmp_path / "missing.json")], "--resume")):
            r = subprocess.run([sys.executable, "-m", "govsim", "class", "--port", str(port), *args], cwd=ROOT,
                               capture_output=True, text=True, timeout=120)
            assert r.returncode == 2 and r.stderr.count("\n") == 1 and word in r.stderr, r.stderr
