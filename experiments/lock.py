"""One writer per results folder: an OS file lock held for the whole of a batch command.

`experiment`, `sensitivity` and `calibrate` write into one folder for hours; two of them at once
would number their parts from the same point and lose runs. The lock is `fcntl.flock` on
`<folder>/.govsim.lock`, which the kernel releases when the holder exits or is killed, so a lock
left by a dead process is simply taken over; the file records the holder (pid, host, command,
start time) so a refused writer can say who holds it. Every writer also gets a `writer_id`
that goes into its part and temporary names, so even a folder shared by mistake (a network
file system without flock) cannot mix two writers' files.
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from model.errors import GovsimError, check_writable, writing

LOCK_NAME = ".govsim.lock"


class FolderLockedError(GovsimError):
    """Another govsim process is writing into the folder."""


def new_writer_id() -> str:
    """A short id unique to this writer (pid plus random), used in part and temporary names."""
    return f"{os.getpid():x}{uuid.uuid4().hex[:6]}"


def holder(folder: str | Path, name: str = LOCK_NAME) -> dict:
    """What the lock file says about its holder ({} if there is none or it cannot be read)."""
    try:
        return json.loads((Path(folder) / name).read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}


@contextmanager
def folder_lock(folder: str | Path, command: str, shown: str | Path | None = None,
                instead: str = "another --out folder", name: str = LOCK_NAME) -> Iterator[str]:
    """Hold the folder's lock while the block runs; yields this writer's id.

    A second writer is refused at once (no waiting) with one line naming the holder, and what it
    holds (`shown`: the folder itself unless the lock guards one file in it, such as a
    calibration's database, whose lock file is then `name`) and what to use `instead`.
    """
    import fcntl

    folder = check_writable(folder)
    path = folder / name
    with writing(path):
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            h = holder(folder, name)
            who = (f"{h.get('command', 'govsim')} (pid {h.get('pid', '?')} on {h.get('host', '?')}, "
                   f"since {h.get('since', '?')})") if h else "another govsim process"
            raise FolderLockedError(f"'{folder if shown is None else shown}' is in use by {who}: wait for it to "
                                    f"finish or use {instead}") from None
        writer = new_writer_id()
        info = {"pid": os.getpid(), "host": socket.gethostname(), "command": command, "writer": writer,
                "since": time.strftime("%Y-%m-%d %H:%M:%S")}
        with writing(path):
            os.ftruncate(fd, 0)
            os.pwrite(fd, (json.dumps(info) + "\n").encode(), 0)
        try:
            yield writer
        finally:
            try:
                os.ftruncate(fd, 0)  # the file stays (unlinking it would race a new writer); it says "free"
            except OSError:
                pass
    finally:
        os.close(fd)  # releases the flock


__all__ = ["folder_lock", "FolderLockedError", "holder", "new_writer_id", "LOCK_NAME"]
