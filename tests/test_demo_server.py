"""`govsim demo` serves the classroom from a child process that never outlives it.

A stand-in child (a sleeping Python that writes its pid) replaces Solara so the test is quick
and needs no browser; the parent is stopped with real signals: SIGTERM (a user's `kill`, the
browser test's `terminate()`), SIGHUP (a closed terminal) and SIGKILL (nothing runs in the parent
any more: the kernel's parent-death signal must stop the child).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

PARENT = """
import sys
from govsim.cli import serve
child = [sys.executable, "-c", "import os, sys, time; open(sys.argv[1], 'w').write(str(os.getpid())); time.sleep(600)",
         sys.argv[1]]
sys.exit(serve(child, env=None))
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (dead, not yet reaped by init) counts as gone
    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] if Path(f"/proc/{pid}").exists() else "X"
    return state not in ("Z", "X")


def wait_for(condition, what: str, seconds: float = 60) -> None:
    """Poll for something that must happen; the bound only catches a hang, it times nothing."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"never happened: {what}")
        time.sleep(0.05)


@pytest.mark.skipif(sys.platform != "linux", reason="the parent-death signal is Linux's")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGKILL])
def test_the_server_stops_with_its_parent_on_any_signal(tmp_path, sig):
    pidfile = tmp_path / "child.pid"
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    parent = subprocess.Popen([sys.executable, "-c", PARENT, str(pidfile)], env=env)
    try:
        wait_for(lambda: pidfile.exists() and pidfile.read_text().strip(), "the child started")
        child = int(pidfile.read_text())
        assert alive(child)
        parent.send_signal(sig)
        parent.wait(timeout=60)
        wait_for(lambda: not alive(child), f"the child stopped after {sig.name} to its parent")
        if sig != signal.SIGKILL:
            assert parent.returncode == 0, "a stop by signal is a clean exit"
    finally:
        if parent.poll() is None:
            parent.kill()
        if pidfile.exists() and pidfile.read_text().strip() and alive(int(pidfile.read_text())):
            os.kill(int(pidfile.read_text()), signal.SIGKILL)


def test_a_port_in_use_is_one_line_and_exit_2():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = subprocess.run([sys.executable, "-m", "govsim", "demo", "--port", str(port)], cwd=ROOT,
                           capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "--port" in r.stderr and str(port) in r.stderr
