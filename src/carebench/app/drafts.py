"""A check-in in progress kept safe when its session ends: a private local copy first, then the database.

When the terminal goes away (SIGHUP, SIGTERM) or the user quits, the draft is written to
an owner-only file in the user's state folder before the database is tried: that takes no
lock, so what was typed survives a teammate's long write. The database save names the
draft's version; if a newer draft is stored (a live session elsewhere), the older copy is
attached to it as a recovered copy instead of replacing it. Opening the check-in again
merges the local copy and any recovered ones into the draft (``merge``), then the local
copy is removed once the merged draft is stored.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from .paths import state_dir
from .session import Session

# Each copy's text is appended under this line, so that nothing typed in either copy is lost.
RECOVERED_MARK = "--- recovered from a copy saved {saved_at} ---"
# How long a session going away waits for another user's write lock (its local copy is already safe).
FLUSH_WAIT_S = 0.5
MAX_LOCAL_BYTES = 8 * 1024 * 1024


def local_path(session: Session, client: str, day: date, kind: str) -> Path:
    """The private local copy of this user's draft (one per database, client, touchpoint and kind)."""
    key = json.dumps([str(Path(session.db_path).resolve()), client, day.isoformat(), kind])
    return state_dir() / "drafts" / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.json"


def keep_locally(session: Session, client: str, day: date, kind: str, data: dict[str, Any], version: int | None, saved_at: str) -> Path:
    """Write the draft to its private local file (owner-only, created without following links)."""
    from ..store.files import write_file

    path = local_path(session, client, day, kind)
    path.parent.mkdir(mode=0o700, exist_ok=True)
    record = {"client": client, "date": day.isoformat(), "kind": kind, "version": version, "saved_at": saved_at, "data": data}
    write_file(path, json.dumps(record, sort_keys=True), mode=0o600)
    return path


def read_local(session: Session, client: str, day: date, kind: str) -> dict[str, Any] | None:
    """The local copy of the draft left by a session that went away, or None (an unreadable one is set aside)."""
    from ..store.files import read_capped

    path = local_path(session, client, day, kind)
    if not path.is_file():
        return None
    try:
        record: dict[str, Any] = json.loads(read_capped(path, MAX_LOCAL_BYTES, "a local draft"))
        if (record["client"], record["date"], record["kind"]) != (client, day.isoformat(), kind):
            return None
        if not isinstance(record["data"], dict):
            return None
        return record
    except (OSError, ValueError, KeyError, TypeError):
        return None


def forget_local(session: Session, client: str, day: date, kind: str) -> None:
    """Remove the local copy once the draft holding it is stored in the database."""
    try:
        os.unlink(local_path(session, client, day, kind))
    except FileNotFoundError:
        pass


def flush(session: Session, client: str, day: date, kind: str, data: dict[str, Any], version: int | None) -> bool:
    """Keep a draft whose session is ending: local copy first, then the database with its version (attached to a
    newer draft as a recovered copy rather than over it). False when only the local copy holds it (the database
    refused or stayed locked): it is merged when the check-in is opened again."""
    from ..store.db import now_stamp
    from . import commands

    keep_locally(session, client, day, kind, data, version, now_stamp())
    try:
        commands.save_draft(replace(session, on_wait=None, patience=FLUSH_WAIT_S), client, day, kind, data, version, keep_both=True)
    except Exception:  # the local copy stands
        return False
    forget_local(session, client, day, kind)
    return True


def merge(draft: Mapping[str, Any], copies: list[dict[str, Any]]) -> tuple[dict[str, Any], int]:
    """``draft`` with what the ``copies`` (each {data, saved_at}) hold beyond it; returns it and how many copies added text.

    Notes, next steps and attendees that differ are appended under a marked line; action
    items, learnings and readings the draft lacks are added; scores and the outcome stay the
    draft's where it has them.
    """
    merged = editable(draft)
    added = 0
    for copy in copies:
        data, mark = editable(copy.get("data") or {}), RECOVERED_MARK.format(saved_at=copy.get("saved_at", "earlier"))
        before = json.dumps(merged, sort_keys=True)
        notes = merged.setdefault("notes", {})
        for key, text in (data.get("notes") or {}).items():
            notes[key] = _joined(notes.get(key, ""), text, mark)
        merged["next_steps"] = _joined(merged.get("next_steps", ""), data.get("next_steps", ""), mark)
        for field in ("actions", "learnings"):
            have = merged.setdefault(field, [])
            have += [item for item in data.get(field) or [] if item not in have]
        for field in ("readings", "scores", "outcome"):
            for key, value in (data.get(field) or {}).items():
                if value not in ("", None) and merged.setdefault(field, {}).get(key) in ("", None):
                    merged[field][key] = value
        if not (merged.get("attendees") or "").strip():
            merged["attendees"] = data.get("attendees", "")
        added += json.dumps(merged, sort_keys=True) != before
    return merged, added


def editable(value: Any) -> Any:
    """A copy of ``value`` with read-only mappings as dicts and tuples as lists (a read model's draft, to edit)."""
    if isinstance(value, Mapping):
        return {k: editable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [editable(v) for v in value]
    return value


def _joined(mine: str, theirs: str, mark: str) -> str:
    if not (theirs or "").strip() or theirs.strip() in (mine or ""):
        return mine or ""
    if not (mine or "").strip():
        return theirs
    return f"{mine.rstrip()}\n\n{mark}\n{theirs}"
