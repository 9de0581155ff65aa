"""Crash reports: the full traceback goes to a private file, the user sees one line."""

from __future__ import annotations

import os
import traceback
from datetime import datetime
from pathlib import Path


def write_crash_report(exc: BaseException) -> Path:
    """Write ``exc``'s traceback to a new owner-only file in the user's state folder and return its path."""
    from .paths import state_dir

    folder = state_dir() / "crashes"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"crash-{datetime.now():%Y%m%d-%H%M%S}-{os.getpid()}.txt"
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("".join(traceback.format_exception(exc)))
    return path
