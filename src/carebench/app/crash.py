"""Crash reports: the full traceback goes to a private file, the user sees one line."""

from __future__ import annotations

import os
import traceback
from datetime import datetime
from pathlib import Path


def write_crash_report(exc: BaseException) -> Path:
    """Write ``exc``'s traceback to a new owner-only file in the user's state folder and return its path.

    The file is created without following a link (O_EXCL|O_NOFOLLOW); OSError when it cannot be.
    """
    from ..store.files import create_new
    from .paths import state_dir

    folder = state_dir() / "crashes"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"crash-{datetime.now():%Y%m%d-%H%M%S}-{os.getpid()}.txt"
    fd = create_new(path)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("".join(traceback.format_exception(exc)))
    return path


def crash_line(exc: BaseException) -> str:
    """The one line a user sees about an unexpected error, naming the crash report (or why there is none)."""
    what = f"carebench failed unexpectedly ({type(exc).__name__})"
    try:
        return f"{what}; the full report is in {write_crash_report(exc)}"
    except Exception as problem:  # a read-only home, a bad XDG_STATE_HOME: the line is all there is
        detail = problem.strerror if isinstance(problem, OSError) and problem.strerror else str(problem)
        return f"{what}; no crash report could be written ({detail})"
