"""`carebench doctor`: what state a database file is in, read without writing anything (``--fix`` mends what it can)."""

from __future__ import annotations

import os
import shlex
import sqlite3
import stat
from pathlib import Path

from .db import COMPANIONS, NETWORK_FILESYSTEMS, SQLITE_HEADER, _uri, filesystem_of
from .files import describe
from .integrity import broken_rows
from .schema import AUDIT_TRIGGERS, CHECKS_FROM, SCHEMA_VERSION

# SQLite releases before this one have a WAL reset bug that can corrupt a database under concurrent writers.
SAFE_SQLITE = (3, 52, 0)
# Child tables and the column that points at a client.
CLIENT_CHILDREN = (
    "contacts",
    "kpis",
    "assessments",
    "savings",
    "opportunities",
    "action_items",
    "touchpoint_exceptions",
    "checkins",
    "drafts",
    "escalations",
    "recovery_steps",
    "rollout_waves",
)


def _unsafe_mode(mode: int) -> str | None:
    """Why a file of this mode is open to users outside its owner and group (None when it is not)."""
    if mode & 0o002:
        return "every user on this machine can write it"
    if mode & 0o004:
        return "every user on this machine can read it"
    return None


def examine(path: Path) -> dict:
    """Every check with a status (ok, warn, fail) and one line of detail.

    ``ok`` is False when any check failed; ``refused`` is True when carebench itself would
    refuse to open the database (files others outside the group can use), with ``mend``
    the exact command that puts it right.
    """
    checks: list[dict] = []

    def add(name: str, status: str, detail: str) -> None:
        checks.append({"name": name, "status": status, "detail": detail})

    library = tuple(int(p) for p in sqlite3.sqlite_version.split("."))
    if library < SAFE_SQLITE:
        add(
            "sqlite",
            "warn",
            f"SQLite {sqlite3.sqlite_version} is older than 3.52.0, which fixed a WAL reset bug "
            "that can corrupt a database shared by concurrent writers; upgrade Python's SQLite",
        )
    else:
        add("sqlite", "ok", f"SQLite {sqlite3.sqlite_version}")
    report: dict = {"path": str(path), "checks": checks, "sqlite_version": sqlite3.sqlite_version, "refused": False, "mend": []}

    def finish() -> dict:
        return {**report, "ok": all(c["status"] != "fail" for c in checks)}

    try:
        st = os.lstat(path)
    except FileNotFoundError:
        add("file", "fail", f"no database file at {path}")
        return finish()
    if not stat.S_ISREG(st.st_mode):
        add("file", "fail", f"{path} is {describe(path)}, not a database file")
        return finish()
    with open(path, "rb") as reader:
        header = reader.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        add("file", "fail", "an empty file, not a database" if not header else "not an SQLite database")
        return finish()
    add("file", "ok", f"{st.st_size:,} bytes")
    report["mode"] = f"{st.st_mode & 0o777:o}"
    unsafe = []
    for name in (path, *(Path(f"{path}{suffix}") for suffix in COMPANIONS)):
        try:
            member = os.lstat(name)
        except FileNotFoundError:
            continue
        if not stat.S_ISREG(member.st_mode):
            unsafe.append(f"{name.name} is {describe(name)}")
            continue
        why = _unsafe_mode(member.st_mode)
        if why:
            unsafe.append(f"{name.name}: mode {member.st_mode & 0o777:o}, {why}")
            report["mend"].append(f"chmod o-rwx {shlex.quote(str(name))}")
    if unsafe:
        report["refused"] = True
        add("permissions", "fail", "; ".join(unsafe) + (f"; run: {' && '.join(report['mend'])}" if report["mend"] else ""))
    else:
        add("permissions", "ok", f"mode {st.st_mode & 0o777:o}")
    kind = filesystem_of(path)
    report["filesystem"] = kind
    if kind in NETWORK_FILESYSTEMS:
        add("filesystem", "fail", f"{kind} is a network filesystem; SQLite's WAL mode needs a local disk")
    else:
        add("filesystem", "ok", kind or "unknown")
    wal = Path(f"{path}-wal")
    report["wal_bytes"] = wal.stat().st_size if wal.is_file() else 0
    if Path(f"{path}-shm").exists() and not wal.exists():
        # Open connections keep both; the -shm alone means the -wal was deleted under them.
        add(
            "wal",
            "warn",
            f"{wal.name} is missing while {path.name}-shm is there: it was removed while a program had "
            "the database open, and what that program wrote since may be lost; close every carebench "
            "and sqlite3 on it, then run doctor again",
        )
    else:
        add("wal", "warn" if report["wal_bytes"] > 64 * 1024 * 1024 else "ok", f"{report['wal_bytes']:,} bytes of WAL")
    try:
        conn = sqlite3.connect(_uri(path, "ro"), uri=True)
        try:
            integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            triggers = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
            version = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] if "schema_version" in tables else 0
            orphans = {}
            for table in CLIENT_CHILDREN:
                if table in tables:
                    count = conn.execute(f"SELECT COUNT(*) FROM {table} WHERE client_id NOT IN (SELECT id FROM clients)").fetchone()[0]
                    if count:
                        orphans[table] = count
            if "readings" in tables:
                count = conn.execute("SELECT COUNT(*) FROM readings WHERE kpi_id NOT IN (SELECT id FROM kpis)").fetchone()[0]
                if count:
                    orphans["readings"] = count
            broken = broken_rows(conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        add("integrity", "fail", f"not a readable SQLite database ({exc})")
        return finish()
    report.update(integrity=integrity, schema_version=version, orphans=orphans)
    add("integrity", "ok" if integrity == "ok" else "fail", integrity)
    if version > SCHEMA_VERSION:
        add("schema", "fail", f"schema {version} is newer than this carebench ({SCHEMA_VERSION}); upgrade carebench")
    elif version < CHECKS_FROM and broken:
        add("schema", "warn", f"schema {version}; carebench migrates it to {SCHEMA_VERSION} only once the rows below are corrected")
    elif version < SCHEMA_VERSION:
        add("schema", "warn", f"schema {version}; opening it with carebench migrates it to {SCHEMA_VERSION} (after a backup)")
    else:
        add("schema", "ok", f"schema {version}")
    add(
        "orphans",
        "fail" if orphans else "ok",
        ", ".join(f"{n} in {t}" for t, n in orphans.items()) if orphans else "no rows without their client or KPI",
    )
    report["broken_rows"] = broken
    mend = (
        "correct them with sqlite3, sqlite-utils or the carebench used before"
        if version < CHECKS_FROM
        else "correct them with carebench's commands or re-import"
    )
    add(
        "rows",
        "fail" if broken else "ok",
        "; ".join(broken) + f" (written by another tool; {mend})"
        if broken
        else "every row keeps carebench's rules (numbers, scores 1-10, probabilities 0-100, choices, dates)",
    )
    if "audit" in tables:
        missing = sorted(set(AUDIT_TRIGGERS) - triggers)
        report["audit_triggers_missing"] = missing
        add(
            "audit",
            "fail" if missing else "ok",
            f"the audit trail is no longer append-only: trigger {', '.join(missing)} was removed by direct SQL "
            "(`carebench doctor --fix` puts it back; rows changed meanwhile cannot be told)"
            if missing
            else "the audit trail is append-only",
        )
    return finish()


def fix(path: Path) -> list[str]:
    """Mend what ``examine`` found and carebench may mend: modes of files this user owns, the audit triggers.

    Returns what was done, one line each. Files are changed through descriptors opened
    without following links (fchmod), never by name.
    """
    done = []
    for name in (path, *(Path(f"{path}{suffix}") for suffix in COMPANIONS)):
        try:
            fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except (FileNotFoundError, OSError):
            continue
        try:
            st = os.fstat(fd)
            if stat.S_ISREG(st.st_mode) and _unsafe_mode(st.st_mode) and st.st_uid == os.geteuid():
                os.fchmod(fd, st.st_mode & 0o770)
                done.append(f"{name}: mode {st.st_mode & 0o777:o} -> {st.st_mode & 0o770:o}")
        finally:
            os.close(fd)
    report = examine(path)
    if report.get("audit_triggers_missing") and not report["refused"]:
        from .db import transaction

        conn = sqlite3.connect(_uri(path, "rw"), uri=True, isolation_level=None)
        try:
            with transaction(conn):
                for trigger in report["audit_triggers_missing"]:
                    conn.execute(AUDIT_TRIGGERS[trigger])
                    done.append(f"put back the audit trigger {trigger}")
        finally:
            conn.close()
    return done
