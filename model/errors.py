"""The project's own error family: input a user can fix, reported in one line.

Everything a user can get wrong (a parameter, a file, a flag, an output folder that cannot be
written, a full disk) raises a `GovsimError`; the command line prints it as one line and exits
with status 2. Any other exception is a bug in govsim and keeps its traceback, so the two never
mix: catching `ValueError` or `OSError` wholesale would hide real bugs behind a tidy message.
"""

from __future__ import annotations

import errno
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


class GovsimError(Exception):
    """Base of every error the user can fix; its message is one line naming what is wrong."""


class OutputError(GovsimError, OSError):
    """An output path that cannot be written: no permission, a read-only or full disk, a file in the way."""

    def __init__(self, path: str | Path, reason: str, flag: str | None = None):
        self.path, self.reason, self.flag = str(path), reason, flag
        super().__init__(str(self))

    def __str__(self) -> str:  # OSError's own __str__ would show the errno tuple
        given = f" (for {self.flag})" if self.flag else ""  # the command line's flag that gave the path
        return f"cannot write '{self.path}'{given}: {self.reason}"


# OSErrors that say "this place cannot take the output" rather than "govsim is broken"
_OUTPUT_ERRNOS = {errno.ENOSPC, errno.EACCES, errno.EPERM, errno.EROFS, errno.EDQUOT, errno.ENOTDIR,
                  errno.EISDIR, errno.EEXIST, errno.ENOENT, errno.ENAMETOOLONG, errno.EFBIG, errno.ENOTEMPTY}


@contextmanager
def writing(path: str | Path) -> Iterator[None]:
    """Turn the operating system's refusal to write under `path` into an `OutputError`.

    Used around every place the project writes results, so a full disk or a read-only folder is
    one line naming the folder, while any other failure keeps its traceback.
    """
    try:
        yield
    except OutputError:
        raise
    except OSError as exc:
        if exc.errno not in _OUTPUT_ERRNOS:
            raise
        where = exc.filename or path
        raise OutputError(where, exc.strerror or str(exc)) from exc


def check_writable(folder: str | Path) -> Path:
    """Fail early, before any simulation, if `folder` cannot be created and written.

    Creates the folder's nearest existing parent chain as needed and probes it with a
    temporary file that is removed again; raises `OutputError` naming the folder.
    """
    import os
    import tempfile

    folder = Path(folder)
    try:
        with writing(folder):
            if folder.exists() and not folder.is_dir():
                raise OutputError(folder, "a file is in the way (need a folder)")
            folder.mkdir(parents=True, exist_ok=True)
            fd, probe = tempfile.mkstemp(prefix=".govsim-probe-", dir=folder)
            os.close(fd)
            os.unlink(probe)
    except OutputError as exc:  # name the folder the user gave, not the probe file
        raise OutputError(folder if exc.path.startswith(str(folder / ".govsim-probe-")) else exc.path,
                          exc.reason) from exc.__cause__
    return folder
