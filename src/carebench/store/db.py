"""Opening a carebench database: what may be opened, connection settings, migrations, write transactions.

A database may sit in a folder the whole team can write to, so nothing here follows a
link at a name it creates or opens, and every refusal says what is wrong and that
nothing was changed.
"""

from __future__ import annotations

import json
import os
import pwd
import shlex
import sqlite3
import stat
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from .errors import DatabaseBusy, StoreError
from .files import FileRefused, copy_into, create_new, describe, kind_of, new_file, private_folder
from .integrity import broken_rows
from .schema import CHECKS_FROM, MIGRATIONS, MIGRATIONS_NEEDING_FTS5, SCHEMA_VERSION, run_step

__all__ = ["BUSY_TIMEOUT_MS", "DatabaseBusy", "StoreError", "audit", "backup_copy", "connect", "current_login", "explain", "now_stamp", "transaction"]

BUSY_TIMEOUT_MS = 5000
# How long a write keeps retrying a locked database before giving up.
WRITE_PATIENCE_S = 60.0
SQLITE_HEADER = b"SQLite format 3\x00"
SQLITE_HEADER_SIZE = 100
# The files SQLite keeps beside a database in WAL mode.
COMPANIONS = ("-wal", "-shm")


def current_login() -> str:
    """The login of the real user running carebench (from the password database, never the environment)."""
    uid = os.getuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:  # a uid without a passwd entry (some containers)
        return f"uid{uid}"


def now_stamp() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _uri(path: Path, mode: str, immutable: bool = False) -> str:
    """An SQLite URI for ``path``: every character that means something in a URI (#, ?, %) is quoted."""
    return f"file:{quote(str(path.absolute()))}?mode={mode}" + ("&immutable=1" if immutable else "")


def _mend(path: Path) -> str:
    return f"run: chmod o-rwx {shlex.quote(str(path))}"


def check_modes(path: Path) -> None:
    """Refuse a database, or its -wal/-shm, that is not a regular file or that others outside its group can use."""
    for name in (path, *(Path(f"{path}{suffix}") for suffix in COMPANIONS)):
        try:
            st = os.lstat(name)
        except FileNotFoundError:
            continue
        if not stat.S_ISREG(st.st_mode):
            raise StoreError(f"{name} is {describe(name)}, not a file SQLite made; remove it (nothing was changed)")
        mode = st.st_mode & 0o777
        if mode & 0o002:
            raise StoreError(f"{name} can be written by every user on this machine (mode {mode:o}); {_mend(name)}")
        if mode & 0o004:
            raise StoreError(f"{name} is readable by every user on this machine (mode {mode:o}); {_mend(name)}")


NETWORK_FILESYSTEMS = {
    "nfs",
    "nfs4",
    "cifs",
    "smb3",
    "smbfs",
    "fuse.sshfs",
    "sshfs",
    "9p",
    "afs",
    "ceph",
    "glusterfs",
    "lustre",
    "fuse.glusterfs",
    "davfs",
    "fuse.rclone",
}


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
    """Refuse a database others can use, or one on a network filesystem (SQLite's WAL needs one host)."""
    check_modes(path)
    kind = filesystem_of(path)
    if kind in NETWORK_FILESYSTEMS:
        raise StoreError(f"{path} is on a network filesystem ({kind}); SQLite's WAL mode needs the database on a local disk")


def _owner_words(st: os.stat_result) -> str:
    """Who may use a file, for a message: its owner, group and mode."""
    import grp

    try:
        owner = pwd.getpwuid(st.st_uid).pw_name
    except KeyError:
        owner = str(st.st_uid)
    try:
        group = grp.getgrgid(st.st_gid).gr_name
    except KeyError:
        group = str(st.st_gid)
    return f"owner {owner}, group {group}, mode {st.st_mode & 0o777:o}"


def _disk_full(folder: Path) -> bool:
    """Whether the filesystem holding ``folder`` has (next to) no room left for this user."""
    try:
        space = os.statvfs(folder)
    except OSError:
        return False
    return space.f_bavail * space.f_frsize < 256 * 1024


def _first_denied(path: Path) -> tuple[Path, os.stat_result] | None:
    """The first folder on the way to ``path``, or ``path`` itself, that this user may not enter or read."""
    for place in [*reversed(path.absolute().parents), path.absolute()]:
        try:
            st = os.stat(place)
        except OSError:
            return None
        if not os.access(place, os.X_OK if place != path.absolute() else os.R_OK):
            return place, st
    return None


def explain(exc: BaseException, path: Path, writing: bool = False) -> StoreError:
    """One line saying what an SQLite or OS error opening or using ``path`` means, and that nothing was changed."""
    message = str(exc).lower()
    unchanged = "nothing was written" if writing else "nothing was changed"
    try:
        st = os.stat(path)
    except OSError:
        st = None
    folder = path.parent
    if "full" in message or getattr(exc, "errno", None) == 28 or ("disk i/o" in message and _disk_full(folder)):
        return StoreError(f"the disk holding {path} is full; {unchanged}")
    if "not a database" in message or "file is encrypted" in message:
        return StoreError(f"{path} is not an SQLite database (or it is damaged); {unchanged}")
    if "malformed" in message or "corrupt" in message:
        return StoreError(f"{path} is damaged (SQLite says: {exc}); restore it from a backup; {unchanged}")
    denied = _first_denied(path)
    if denied is not None:
        where, where_st = denied
        what = f"{path}" if where == path else f"{path}: the folder {where}"
        return StoreError(f"you may not read {what} ({_owner_words(where_st)}); for a team database ask to be added to its group; {unchanged}")
    if "readonly" in message or "read-only" in message or "unable to open" in message or "disk i/o" in message:
        if st is not None and not os.access(path, os.W_OK):
            return StoreError(f"{path} is read-only for you ({_owner_words(st)}); {unchanged}")
        if not os.access(folder, os.W_OK):
            return StoreError(
                f"the folder {folder} is read-only for you, and SQLite needs to create {path.name}-wal and "
                f"{path.name}-shm beside the database; {unchanged}"
            )
        for suffix in COMPANIONS:
            companion = Path(f"{path}{suffix}")
            if companion.exists() and not os.access(companion, os.R_OK | os.W_OK):
                return StoreError(f"you may not use {companion} ({_owner_words(os.stat(companion))}); {unchanged}")
    return StoreError(f"cannot use {path}: {exc}; {unchanged}")


ENVIRONMENTAL = ("full", "readonly", "read-only", "unable to open", "disk i/o", "malformed", "not a database")


def is_environmental(exc: sqlite3.Error) -> bool:
    """Whether SQLite failed because of the file or the disk (which a user can act on), not because of carebench."""
    message = str(exc).lower()
    return any(words in message for words in ENVIRONMENTAL)


def _inspect(path: Path) -> os.stat_result | None:
    """The database file's status, refused unless it is a regular file that can hold an SQLite database; None when missing."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise explain(exc, path) from None
    if stat.S_ISLNK(st.st_mode):
        raise StoreError(f"{path} is {describe(path)}; carebench opens a database only by its real name (nothing was changed)")
    if stat.S_ISDIR(st.st_mode):
        raise StoreError(f"{path} is a directory, not a database file")
    if not stat.S_ISREG(st.st_mode):
        raise StoreError(f"{path} is {kind_of(st.st_mode)}, not a database file; nothing was changed")
    if st.st_size == 0:
        wal = Path(f"{path}-wal")
        if not (wal.is_file() and wal.stat().st_size > 0):
            raise StoreError(f"{path} is an empty file, not a carebench database; remove it or choose another path (nothing was changed)")
        return st
    try:
        with open(path, "rb") as reader:
            header = reader.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise explain(exc, path) from None
    if header != SQLITE_HEADER:
        what = "is too short to be" if len(header) < len(SQLITE_HEADER) else "is not"
        raise StoreError(f"{path} {what} an SQLite database; nothing was changed")
    if st.st_size < SQLITE_HEADER_SIZE:
        raise StoreError(
            f"{path} is too short ({st.st_size} bytes) to be a whole SQLite database; it may have been "
            "cut off: restore it from a backup (nothing was changed)"
        )
    return st


def _create(path: Path) -> None:
    """A new, empty, owner-only database file (the -wal and -shm files SQLite makes take its mode), its schema made."""
    parent = path.parent
    if parent.exists() and not parent.is_dir():
        raise StoreError(f"cannot create {path}: {parent} is a file, not a folder")
    try:
        parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise StoreError(f"cannot create {parent}: {exc.strerror}") from None
    os.close(create_new(path))
    initialise(path)


def initialise(path: Path) -> None:
    """Give the new, empty database file at ``path`` (just made by this user) carebench's schema."""
    st = os.lstat(path)
    if not stat.S_ISREG(st.st_mode) or st.st_size or st.st_uid != os.geteuid():
        raise StoreError(f"{path} changed while carebench was creating it ({describe(path)}); nothing was written")
    _upgrade(path)


def _open(path: Path, readonly: bool) -> sqlite3.Connection:
    conn = sqlite3.connect(
        _uri(path, "ro" if readonly else "rw"), uri=True, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def _read_version(path: Path) -> int:
    """The schema version of the database at ``path``, read without writing anything or making files beside it.

    The file is first read as it is on disk (SQLite's ``immutable``: no locks, no -wal or
    -shm files made); when that cannot tell (a write was under way), through an ordinary
    read-only connection.
    """
    wal = Path(f"{path}-wal")
    pending = wal.is_file() and wal.stat().st_size > 0  # what is in the WAL counts too: read it as SQLite would
    for immutable in (False,) if pending else (True, False):
        try:
            conn = sqlite3.connect(_uri(path, "ro", immutable=immutable), uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
            try:
                return schema_version(conn)
            finally:
                conn.close()
        except sqlite3.DatabaseError as exc:
            if not immutable:
                raise explain(exc, path) from None
    raise AssertionError("unreachable")


def connect(path: Path | str, *, create: bool = True, readonly: bool = False) -> sqlite3.Connection:
    """A connection to ``path`` with carebench's settings, the schema migrated to the current one first.

    ``readonly`` opens it read-only (``mode=ro``): reading commands never take a write lock.
    A missing file is created (owner-only) only with ``create``; anything at the path that
    is not a regular SQLite file is refused, and so is a database others can read.
    """
    path = Path(path)
    if _inspect(path) is None:
        if not create:
            raise StoreError(f"no database at {path} (run `carebench init` or pass --db)")
        _create(path)
    check_location(path)
    version = _read_version(path)
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path} was written by a newer carebench (schema {version}, this one knows {SCHEMA_VERSION}); "
            "upgrade carebench to open it (nothing was changed)"
        )
    if version < SCHEMA_VERSION:
        _upgrade(path)
    try:
        conn = _open(path, readonly)
        if not readonly:
            conn.execute("PRAGMA synchronous = NORMAL")
        return conn
    except sqlite3.DatabaseError as exc:
        raise explain(exc, path) from None


def _upgrade(path: Path) -> None:
    """Bring the database's schema forward, after a backup taken under the write lock (see ``migrate``)."""
    try:
        conn = _open(path, readonly=False)
    except sqlite3.DatabaseError as exc:
        raise explain(exc, path) from None
    try:
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode.lower() != "wal":
            raise StoreError(f"{path}: could not switch the database to WAL mode (got {mode})")
        migrate(conn, path)
    except sqlite3.DatabaseError as exc:
        raise explain(exc, path, writing=True) from None
    finally:
        conn.close()


def _free_backup_name(path: Path, version: int) -> Path:
    """``FILE.schemaN.bak``, or ``FILE.schemaN.K.bak`` when that name is taken: never an existing file."""
    for attempt in range(1000):
        suffix = f".schema{version}.bak" if attempt == 0 else f".schema{version}.{attempt}.bak"
        candidate = path.with_name(path.name + suffix)
        if not os.path.lexists(candidate):
            return candidate
    raise StoreError(f"too many earlier backups beside {path}; move some away and try again")


def backup_copy(path: Path, target: Path, *, replace: bool = False) -> Path:
    """A consistent copy of the database at ``path`` (SQLite's online backup) as the new owner-only file ``target``.

    The copy is made in a private folder, then written to ``target`` without following a
    link (see files.new_file): an existing ``target`` is replaced only with ``replace`` and
    only when it is a regular file.
    """
    source = _open(path, readonly=True)
    try:
        with private_folder() as folder:
            scratch = folder / "copy.db"
            out = sqlite3.connect(str(scratch))
            try:
                source.backup(out)
            finally:
                out.close()
            with new_file(target, replace=replace) as fd:
                copy_into(scratch, fd)
    except sqlite3.DatabaseError as exc:
        raise explain(exc, path) from None
    except OSError as exc:
        raise FileRefused(f"cannot write {target}: {exc.strerror}; nothing was written") from None
    finally:
        source.close()
    return target


def schema_version(conn: sqlite3.Connection) -> int:
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").fetchone():
        return 0
    row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return row[0] or 0


def has_fts5(conn: sqlite3.Connection) -> bool:
    """Whether this SQLite was built with FTS5, the full-text index search uses."""
    return any(row[0] == "ENABLE_FTS5" for row in conn.execute("PRAGMA compile_options"))


def migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Bring the schema forward to ``SCHEMA_VERSION`` in one transaction.

    The version is read again under the write lock (another process may have migrated
    while we waited), and an existing database is first copied to a backup of a name
    that did not exist before. A database holding rows that break carebench's rules,
    which it keeps itself from schema CHECKS_FROM on, is refused before anything is
    written (no backup either): the rows are named, to be corrected first.
    Foreign keys are off meanwhile (a step that rebuilds a table drops the old one,
    which must not delete the rows that point at it) and on again after.
    """
    enforced = conn.execute("PRAGMA foreign_keys").fetchone()[0]
    conn.execute("PRAGMA foreign_keys = OFF")
    try:
        with transaction(conn):
            _migrate(conn, path)
    finally:
        if enforced:
            conn.execute("PRAGMA foreign_keys = ON")


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    version = schema_version(conn)
    if version > SCHEMA_VERSION:
        raise StoreError(f"{path} was written by a newer carebench (schema {version}); upgrade carebench to open it")
    if version == SCHEMA_VERSION:
        return
    if not has_fts5(conn) and any(target > version for target in MIGRATIONS_NEEDING_FTS5):
        raise StoreError(
            f"cannot open {path}: the SQLite this Python uses ({sqlite3.sqlite_version}) was built without FTS5, "
            "which carebench's search needs; use a Python whose SQLite has FTS5 (nothing was changed)"
        )
    if 0 < version < CHECKS_FROM:
        broken = broken_rows(conn)
        if broken:
            # One line per kind of broken row (the command line shows each as an error line of its own).
            raise StoreError(
                "\n".join(
                    [
                        f"cannot upgrade {path} to schema {SCHEMA_VERSION}, which keeps carebench's rules in the database itself; "
                        "rows written by another tool break them:",
                        *broken,
                        "correct those rows (`carebench doctor` lists them; the carebench you used before still opens the database, "
                        "and so do sqlite3 and sqlite-utils), then open it again; nothing was changed",
                    ]
                )
            )
    kept = backup_copy(path, _free_backup_name(path, version)) if version > 0 else None
    copy = f" (a copy is in {kept})" if kept else ""
    for target, step in MIGRATIONS:
        if target > version:
            try:
                run_step(conn, step)
            except sqlite3.IntegrityError as exc:
                # A row an earlier step made breaks a rule the checks before could not see.
                raise StoreError(
                    f"cannot upgrade {path} from schema {version}: a row breaks carebench's rules ({exc}); "
                    f"`carebench doctor` lists such rows; nothing was changed{copy}"
                ) from None
            except sqlite3.OperationalError as exc:
                if is_environmental(exc):
                    raise
                # The schema is not what its version says (someone changed it with direct SQL).
                raise StoreError(f"cannot upgrade {path} from schema {version}: {exc}; nothing was changed{copy}") from None
            conn.execute(
                "INSERT INTO schema_version (version, applied_at, applied_by) VALUES (?, ?, ?)",
                (target, now_stamp(), current_login()),
            )


def _database_path(conn: sqlite3.Connection) -> Path:
    row = conn.execute("PRAGMA database_list").fetchone()
    return Path(row[2]) if row and row[2] else Path("the database")


@contextmanager
def transaction(
    conn: sqlite3.Connection, on_wait: Callable[[float], None] | None = None, patience: float = WRITE_PATIENCE_S
) -> Iterator[sqlite3.Connection]:
    """One write transaction, taken with BEGIN IMMEDIATE so concurrent writers queue instead of failing.

    Nested use joins the outer transaction. When the lock is still held after the
    busy timeout, ``on_wait`` is told how long we have waited and we try again, for
    ``patience`` seconds in all. A failure SQLite reports (a full disk, a read-only
    file) becomes one plain line.
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
                if is_environmental(exc):
                    raise explain(exc, _database_path(conn), writing=True) from None
                raise
            waited = time.monotonic() - started
            if waited > patience:
                raise DatabaseBusy(f"the database stayed locked by another user for {waited:.0f} s; nothing was written, try again") from None
            if on_wait:
                on_wait(waited)
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        if isinstance(exc, sqlite3.OperationalError) and is_environmental(exc):
            raise explain(exc, _database_path(conn), writing=True) from None
        raise


def audit(conn: sqlite3.Connection, actor: str, action: str, client: str | None, detail: dict | None = None) -> None:
    """Append one row to the audit trail (call inside the write's transaction)."""
    conn.execute(
        "INSERT INTO audit (at, actor, action, client_id, detail) VALUES (?, ?, ?, ?, ?)",
        (now_stamp(), actor, action, client, json.dumps(detail or {}, sort_keys=True, default=str)),
    )
