"""The classroom server never leaves the machine: shipped assets are served, anything else under
/_solara/cdn/ is a 404 without asking the internet CDN. The server's proxy is pointed at a
listener of the test's own, so any attempt to go online is seen there (no timing involved). Every server started here is stopped
(127.0.0.1 only, a bounded number of requests). A port in use: tests/test_demo_server.py."""

import os
import select
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from govsim.cli import demo_command, demo_env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, timeout: float = 20) -> tuple[int, None]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            r.read()
            return r.status, None
    except urllib.error.HTTPError as e:
        return e.code, None


@pytest.fixture
def trap():
    """A listening socket standing in for the internet: the server's proxy points here."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(16)
        yield s


def knocked(trap: socket.socket) -> bool:
    return bool(select.select([trap], [], [], 0)[0])


@pytest.fixture
def server(trap):
    port = free_port()
    proxy = f"http://127.0.0.1:{trap.getsockname()[1]}"
    env = {**demo_env("en"), "HTTP_PROXY": proxy, "HTTPS_PROXY": proxy, "http_proxy": proxy, "https_proxy": proxy,
           "NO_PROXY": "", "no_proxy": ""}
    proc = subprocess.Popen(demo_command(port, "127.0.0.1"), env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, "the demo server exited at start"
            try:
                get(base + "/readyz", timeout=2)
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                assert time.monotonic() < deadline, "the demo server did not start within 120 s"
                time.sleep(0.5)
        yield base
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        with pytest.raises(ProcessLookupError):  # nothing of the server is left
            os.killpg(proc.pid, 0)


def test_the_demo_serves_shipped_assets_and_refuses_others_without_going_online(server, trap):
    status, _ = get(server + "/_solara/cdn/requirejs@2.3.6/require.js")
    assert status == 200, "a shipped asset must be served from the local cache"
    for path in ("no-such-package@9.9.9/index.js", "requirejs@2.3.6/not-there.js", "vega@5.21.0/../../x"):
        try:
            status, _ = get(server + "/_solara/cdn/" + path)
        except (urllib.error.URLError, TimeoutError):  # the server hung on the trap: it went online
            status = None
        assert status == 404 and not knocked(trap), (
            f"/_solara/cdn/{path}: status {status}; the server tried to fetch it online")
