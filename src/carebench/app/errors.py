"""The errors a user can act on, for the layers above: each one plain line."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ..store.db import explain, is_environmental
from ..store.errors import DatabaseBusy, StoreError
from .inputs import UserError

__all__ = ["DatabaseBusy", "DatabaseError", "StoreError", "UserError", "one_line", "sqlite_problem"]

# What the database itself raises, for the layers above to catch without speaking SQL.
DatabaseError = sqlite3.Error


def sqlite_problem(exc: sqlite3.Error, path: Path) -> str | None:
    """What an SQLite error about ``path`` means in one line, when it is about the file or disk (else None)."""
    return str(explain(exc, path)) if is_environmental(exc) else None


def one_line(exc: BaseException, path: Path | None = None) -> str:
    """One line that says what went wrong, for errors a user can cause; other errors name their type."""
    from pydantic import ValidationError

    from .inputs import validation_message

    if isinstance(exc, ValidationError):
        return validation_message(exc)
    if isinstance(exc, (StoreError, UserError, ValueError)):
        return str(exc)
    if isinstance(exc, sqlite3.Error):
        found = sqlite_problem(exc, path or Path("the database"))
        if found:
            return found
    return f"{type(exc).__name__}: {exc}"


def sqlite_warning_once(db_path: Path) -> str | None:
    """``sqlite_warning`` the first time this user opens ``db_path`` with this SQLite library (None after that):
    the user cannot act on it at every start, and `carebench doctor` repeats it whenever asked."""
    from .settings import remember, remembered

    warning = sqlite_warning()
    key = f"sqlite-warned {Path(db_path).resolve()}"
    if warning is None or remembered(key) == sqlite3.sqlite_version:
        return None
    remember(key, sqlite3.sqlite_version)
    return warning


def sqlite_warning() -> str | None:
    """What to tell a user whose SQLite library predates the WAL fix shared databases need (None when it is recent)."""
    from ..store.doctor import SAFE_SQLITE

    if tuple(int(p) for p in sqlite3.sqlite_version.split(".")) < SAFE_SQLITE:
        return f"SQLite {sqlite3.sqlite_version} predates {'.'.join(map(str, SAFE_SQLITE))} (a WAL fix for shared databases); see `carebench doctor`"
    return None
