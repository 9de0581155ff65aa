"""`carebench doctor`: what state a database file is in, read without writing anything."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .db import NETWORK_FILESYSTEMS, filesystem_of
from .schema import SCHEMA_VERSION

# SQLite releases before this one have a WAL reset bug that can corrupt a database under concurrent writers.
SAFE_SQLITE = (3, 52, 0)
# Child tables and the column that points at a client.
CLIENT_CHILDREN = ("contacts", "kpis", "assessments", "savings", "opportunities", "action_items",
                   "touchpoint_exceptions", "checkins", "drafts")


def examine(path: Path) -> dict:
    """Every check with a status (ok, warn, fail) and one line of detail; ``ok`` is False when any check failed."""
    checks: list[dict] = []

    def add(name: str, status: str, detail: str) -> None:
        checks.append({"name": name, "status": status, "detail": detail})

    library = tuple(int(p) for p in sqlite3.sqlite_version.split("."))
    if library < SAFE_SQLITE:
        add("sqlite", "warn", f"SQLite {sqlite3.sqlite_version} is older than 3.52.0, which fixed a WAL reset bug "
                              "that can corrupt a database shared by concurrent writers; upgrade Python's SQLite")
    else:
        add("sqlite", "ok", f"SQLite {sqlite3.sqlite_version}")
    report = {"path": str(path), "checks": checks, "sqlite_version": sqlite3.sqlite_version}
    if not path.is_file():
        add("file", "fail", f"no database file at {path}")
        return {**report, "ok": False}
    mode = path.stat().st_mode & 0o777
    report["mode"] = f"{mode:o}"
    if mode & 0o004:
        add("permissions", "fail", f"mode {mode:o}: every user on this machine can read it; run: chmod o-rwx {path}")
    else:
        add("permissions", "ok", f"mode {mode:o}")
    kind = filesystem_of(path)
    report["filesystem"] = kind
    if kind in NETWORK_FILESYSTEMS:
        add("filesystem", "fail", f"{kind} is a network filesystem; SQLite's WAL mode needs a local disk")
    else:
        add("filesystem", "ok", kind or "unknown")
    wal = Path(f"{path}-wal")
    report["wal_bytes"] = wal.stat().st_size if wal.exists() else 0
    add("wal", "warn" if report["wal_bytes"] > 64 * 1024 * 1024 else "ok", f"{report['wal_bytes']:,} bytes of WAL")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
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
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        add("integrity", "fail", f"not a readable SQLite database ({exc})")
        return {**report, "ok": False}
    report.update(integrity=integrity, schema_version=version, orphans=orphans)
    add("integrity", "ok" if integrity == "ok" else "fail", integrity)
    if version > SCHEMA_VERSION:
        add("schema", "fail", f"schema {version} is newer than this carebench ({SCHEMA_VERSION}); upgrade carebench")
    elif version < SCHEMA_VERSION:
        add("schema", "warn", f"schema {version}; opening it with carebench migrates it to {SCHEMA_VERSION} (after a backup)")
    else:
        add("schema", "ok", f"schema {version}")
    add("orphans", "fail" if orphans else "ok",
        ", ".join(f"{n} in {t}" for t, n in orphans.items()) if orphans else "no rows without their client or KPI")
    return {**report, "ok": all(c["status"] != "fail" for c in checks)}
