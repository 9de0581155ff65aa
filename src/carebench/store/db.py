"""Opening a carebench database: file creation, connection settings, migrations, write transactions."""

from __future__ import annotations

import getpass
import json
import os
import sqlite3
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

from .schema import MIGRATIONS, SCHEMA_VERSION

BUSY_TIMEOUT_MS = 5000
# How long a write keeps retrying a locked database before giving up.
WRITE_PATIENCE_S = 60.0


class StoreError(Exception):
    """A problem a user can act on; the message is one plain line."""


class DatabaseBusy(StoreError):
    pass


def current_login() -> str:
    """The operating-system login of whoever runs carebench."""
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry and no LOGNAME/USER: fall back to the uid
        return f"uid{os.getuid()}"


def now_stamp() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def create_private_file(path: Path) -> None:
    """Create an empty database file readable by its owner only (WAL files inherit its mode)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    os.close(fd)


def connect(path: Path | str, *, create: bool = True) -> sqlite3.Connection:
    """A connection to ``path`` with carebench's settings, migrated to the current schema."""
    path = Path(path)
    if path.is_dir():
        raise StoreError(f"{path} is a directory, not a database file")
    if not path.exists():
        if not create:
            raise StoreError(f"no database at {path} (run `carebench init` or pass --db)")
        if path.parent.exists() and not path.parent.is_dir():
            raise StoreError(f"cannot create {path}: {path.parent} is a file, not a folder")
        try:
            create_private_file(path)
        except OSError as exc:
            raise StoreError(f"cannot create {path}: {exc.strerror}") from None
    check_location(path)
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        version = schema_version(conn)  # read before anything is written
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{path} was written by a newer carebench (schema {version}, this one knows {SCHEMA_VERSION}); "
                "upgrade carebench to open it"
            )
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode.lower() != "wal":
            raise StoreError(f"{path}: could not switch the database to WAL mode (got {mode})")
        conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise StoreError(f"{path} is not a carebench database ({exc})") from None
    except StoreError:
        conn.close()
        raise
    if version < SCHEMA_VERSION:
        if version > 0:
            backup_copy(conn, path.with_name(f"{path.name}.schema{version}.bak"))
        migrate(conn)
    return conn


NETWORK_FILESYSTEMS = {"nfs", "nfs4", "cifs", "smb3", "smbfs", "fuse.sshfs", "sshfs", "9p", "afs", "ceph", "glusterfs",
                       "lustre", "fuse.glusterfs", "davfs", "fuse.rclone"}


def filesystem_of(path: Path) -> str | None:
    """The type of the filesystem holding ``path`` (from /proc/mounts; None where that is not available)."""
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return None
    target = str(path.resolve())
    best, kind = "", None
    for line in mounts:
        parts = line.split()
        if len(parts) < 3:
            continue
        point = parts[1].replace("\\040", " ")
        if (target == point or target.startswith(point.rstrip("/") + "/")) and len(point) >= len(best):
            best, kind = point, parts[2]
    return kind


def check_location(path: Path) -> None:
    """Refuse a database others can read, or one on a network filesystem (SQLite's WAL needs one host)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return
    if mode & 0o004:
        raise StoreError(f"{path} is readable by every user on this machine (mode {mode & 0o777:o}); "
                         f"run: chmod o-rwx {path}")
    kind = filesystem_of(path)
    if kind in NETWORK_FILESYSTEMS:
        raise StoreError(f"{path} is on a network filesystem ({kind}); SQLite's WAL mode needs the database on a local disk")


def backup_copy(conn: sqlite3.Connection, target: Path) -> Path:
    """A consistent copy of the open database (SQLite's online backup), owner-only, safe while others write."""
    if target.exists():
        target.unlink()
    create_private_file(target)
    out = sqlite3.connect(str(target))
    try:
        conn.backup(out)
    finally:
        out.close()
    return target


def schema_version(conn: sqlite3.Connection) -> int:
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").fetchone():
        return 0
    row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return row[0] or 0


def migrate(conn: sqlite3.Connection) -> None:
    """Bring the schema forward to ``SCHEMA_VERSION``, in one transaction."""
    with transaction(conn):
        # Another process may have migrated while we waited for the lock.
        version = schema_version(conn)
        for target, script in MIGRATIONS:
            if target > version:
                for statement in script.split(";\n"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_version (version, applied_at, applied_by) VALUES (?, ?, ?)",
                    (target, now_stamp(), current_login()),
                )


@contextmanager
def transaction(conn: sqlite3.Connection, on_wait: Callable[[float], None] | None = None) -> Iterator[sqlite3.Connection]:
    """One write transaction, taken with BEGIN IMMEDIATE so concurrent writers queue instead of failing.

    Nested use joins the outer transaction. When the lock is still held after the
    busy timeout, ``on_wait`` is told how long we have waited and we try again.
    """
    if conn.in_transaction:
        yield conn
        return
    started = time.monotonic()
    while True:
        try:
            conn.execute("BEGIN IMMEDIATE")
            break
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            waited = time.monotonic() - started
            if waited > WRITE_PATIENCE_S:
                raise DatabaseBusy(f"the database stayed locked by another user for {waited:.0f} s; nothing was written, try again") from None
            if on_wait:
                on_wait(waited)
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")


def audit(conn: sqlite3.Connection, actor: str, action: str, client: str | None, detail: dict | None = None) -> None:
    """Append one row to the audit trail (call inside the write's transaction)."""
    conn.execute(
        "INSERT INTO audit (at, actor, action, client_id, detail) VALUES (?, ?, ?, ?, ?)",
        (now_stamp(), actor, action, client, json.dumps(detail or {}, sort_keys=True, default=str)),
    )
