"""One-call runs: `run("baseline", steps=520, seed=1)` returns a Result that knows how to save itself."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .model import CommunityModel

DEFAULT_STEPS = 520  # ten years of weeks


@dataclass
class Result:
    timeseries: pd.DataFrame
    summary: dict
    compounds: pd.DataFrame  # each compound's state at the end
    compounds_over_time: pd.DataFrame  # each compound's state every `every` steps
    events: pd.DataFrame
    model: CommunityModel | None = None

    def save(self, out: str | Path, figure: bool = True) -> Path:
        """Write timeseries.csv, compounds.csv, events.csv, summary.json and overview.png into `out`.

        The run is written into a hidden temporary folder beside `out` and renamed into place, so
        an interrupted save leaves nothing partial behind and a previous run in `out` is replaced
        whole (no stale `overview.png` beside new tables). A non-empty folder that is not a govsim
        run folder is refused (OutputError) and left alone.
        """
        import shutil
        import uuid

        from .errors import writing

        out = _real(out)
        with writing(out):
            check_run_folder(out)
            out.parent.mkdir(parents=True, exist_ok=True)
            clean_stale(out)
            tmp = out.parent / f".{out.name}.govsim-tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
            tmp.mkdir()
            try:
                self.timeseries.to_csv(tmp / "timeseries.csv", index=False)
                self.compounds_over_time.to_csv(tmp / "compounds.csv", index=False)
                self.events.to_csv(tmp / "events.csv", index=False)
                (tmp / "summary.json").write_text(json.dumps(_jsonable(self.summary), indent=2, ensure_ascii=False),
                                                  encoding="utf-8")
                if figure:
                    from .plots import overview

                    overview(self, tmp / "overview.png")
                _move_into_place(tmp, out)
            finally:
                if tmp.exists():
                    shutil.rmtree(tmp, ignore_errors=True)
        return out


RUN_FILES = {"timeseries.csv", "compounds.csv", "events.csv", "summary.json", "overview.png"}


def check_run_folder(out: str | Path) -> None:
    """Refuse (OutputError) an existing `out` that is a file, or a non-empty folder that is not a govsim run's.

    A run folder has `summary.json` and nothing but the files `Result.save` writes (and the
    hidden `.*.tmp` files an older, interrupted save left); it may be replaced whole.
    """
    from .errors import OutputError

    given, out = Path(out), _real(out)
    if _mount_point(out):  # the finished run is renamed into place, which a mount point cannot be
        raise OutputError(given, "it is a mount point, which a run cannot replace whole; give a folder inside it "
                                 f"(e.g. {given / 'run'})")
    if not out.exists():
        return
    if not out.is_dir():
        raise OutputError(out, "a file is in the way (need a folder for the run)")
    names = {p.name for p in out.iterdir()}
    stray = sorted(n for n in names - RUN_FILES if not (n.startswith(".") and n.endswith(".tmp")))
    if names and ("summary.json" not in names or stray):
        what = f"'{stray[0]}'" if stray else "no summary.json"
        raise OutputError(out, f"the folder is not empty and is not a govsim run folder ({what}); "
                               "choose another --out or empty it")


def _real(out: str | Path) -> Path:
    """`out` with its symbolic links followed: a run saved to a link replaces the folder the link
    points at, and the link stays (renaming the link itself would put a folder in its place)."""
    out = Path(out)
    return Path(os.path.realpath(out)) if out.is_symlink() else out


def _mount_point(path: Path) -> bool:
    """Whether `path` is a mount point: `os.path.ismount`, or (Linux) listed in the process's mount
    table, which also knows a bind mount within one file system (a container's volume) that
    `ismount`'s device comparison misses."""
    if os.path.ismount(path):
        return True
    try:
        table = Path("/proc/self/mountinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    target = os.path.realpath(path)
    for line in table.splitlines():
        fields = line.split(" ")
        if len(fields) > 4 and _unescape(fields[4]) == target:
            return True
    return False


def _unescape(field: str) -> str:
    """A mount table's path: spaces, tabs, newlines and backslashes are written as octal escapes."""
    import re

    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def clean_stale(out: Path) -> list[Path]:
    """Remove temporary folders beside `out` left by a save that was killed (their process is gone)."""
    import shutil

    gone = []
    for p in out.parent.glob(f".{out.name}.govsim-*"):
        try:
            pid = int(p.name.rsplit("-", 2)[1])
        except (ValueError, IndexError):
            continue
        if not _alive(pid):
            shutil.rmtree(p, ignore_errors=True)
            gone.append(p)
    return gone


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _move_into_place(tmp: Path, out: Path) -> None:
    """Rename the finished folder to `out`, setting a previous run aside first and deleting it after."""
    import errno
    import shutil
    import uuid

    for _ in range(20):  # another save into the same folder may be renaming at the same moment
        old = out.parent / f".{out.name}.govsim-old-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        try:
            if out.exists():
                check_run_folder(out)
                os.rename(out, old)
        except FileNotFoundError:
            pass
        except OSError as exc:  # a mount point the table did not show: one line, not a traceback
            if exc.errno != errno.EBUSY:
                raise
            from .errors import OutputError

            raise OutputError(out, "it cannot be replaced (in use, or a mount point); give a folder inside it") from exc
        try:
            os.rename(tmp, out)
        except OSError as exc:
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
            continue
        finally:
            if old.exists():
                shutil.rmtree(old, ignore_errors=True)
        return
    from .errors import OutputError

    raise OutputError(out, "other saves keep replacing the folder")


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.generic):
        return x.item()
    return x


def run(scenario: str | Path | dict | None = "baseline", steps: int = DEFAULT_STEPS, seed: int = 0,
        households: int | None = None, compounds: str | Path | pd.DataFrame | None = None,
        every: int = 13, keep_model: bool = False, **params: Any) -> Result:
    """Build a model, run it `steps` weeks and collect the results."""
    if not isinstance(steps, int) or isinstance(steps, bool) or steps < 0:
        raise ValueError(f"steps = {steps!r} is invalid; allowed: a whole number >= 0")
    if households is not None:
        params["n_households"] = households
    m = CommunityModel(rng=seed, scenario=scenario, compounds=compounds, **params)
    snaps = [_snapshot(m)]
    for _ in range(steps):
        m.step()
        if m.steps % every == 0 or m.steps == steps:
            snaps.append(_snapshot(m))
    ts = m.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    summary = m.summary()
    result = Result(timeseries=ts, summary=summary, compounds=m.compound_table(),
                  compounds_over_time=pd.concat(snaps, ignore_index=True),
                  events=pd.DataFrame(m.events, columns=["step", "compound", "event", "reason", "why", "value"]),
                  model=m if keep_model else None)
    if not keep_model:
        m.release()
    return result


def _snapshot(m: CommunityModel) -> pd.DataFrame:
    df = m.compound_table()
    df.insert(0, "step", m.steps)
    return df
