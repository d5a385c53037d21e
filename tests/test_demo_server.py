"""`govsim demo` serves the classroom from a child process that never outlives it.

A stand-in child (a sleeping Python that writes its pid) replaces Solara so the test is quick
and needs no browser; the parent is stopped with real signals: SIGTERM (a user's `kill`, the
browser test's `terminate()`), SIGHUP (a closed terminal) and SIGKILL (nothing runs in the parent
any more: the kernel's parent-death signal must stop the child).
"""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

PARENT = """
import sys
from govsim.cli import serve
child = [sys.executable, "-c", "import os, signal; print(os.getpid(), flush=True); signal.pause()"]
sys.exit(serve(child, env=None))
"""


def wait_for_exit(pid: int) -> None:
    """Block until `pid` has exited: a pidfd becomes readable then (Linux 5.3+), no polling.
    The limit only turns a hang (the bug under test) into a failure."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    try:
        if not select.select([fd], [], [], 120)[0]:
            pytest.fail(f"process {pid} is still running")
    finally:
        os.close(fd)


@pytest.mark.skipif(sys.platform != "linux", reason="the parent-death signal is Linux's")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGKILL])
def test_the_server_stops_with_its_parent_on_any_signal(sig):
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    parent = subprocess.Popen([sys.executable, "-c", PARENT], env=env, stdout=subprocess.PIPE, text=True)
    child = None
    try:
        child = int(parent.stdout.readline())  # the child prints its pid once it runs
        parent.send_signal(sig)
        parent.wait(timeout=60)
        wait_for_exit(child)
        if sig != signal.SIGKILL:
            assert parent.returncode == 0, "a stop by signal is a clean exit"
    finally:
        if parent.poll() is None:
            parent.kill()
        if child is not None:
            try:
                os.kill(child, signal.SIGKILL)
            except ProcessLookupError:
                pass


def test_a_port_in_use_is_one_line_and_exit_2():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = subprocess.run([sys.executable, "-m", "govsim", "demo", "--port", str(port)], cwd=ROOT,
                           capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "--port" in r.stderr and str(port) in r.stderr
