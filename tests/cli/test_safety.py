"""Shared-server safety: concurrent writers, kills at random moments, schema upgrades, backups, permissions."""

from __future__ import annotations

import grp
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path

import pytest

from carebench.store import Store, StoreError
from carebench.store import db as dbmodule
from carebench.store.schema import MIGRATIONS, SCHEMA_VERSION

CAREBENCH = Path(sys.executable).parent / "carebench"
FIXTURES = Path(__file__).parents[1] / "fixtures"


@pytest.fixture
def env(tmp_path):
    home = {
        "HOME": tmp_path / "home",
        "XDG_DATA_HOME": tmp_path / "data",
        "XDG_CONFIG_HOME": tmp_path / "config",
        "XDG_STATE_HOME": tmp_path / "state",
    }
    result = {k: v for k, v in os.environ.items() if k != "CAREBENCH_DB"}
    result.update({k: str(v) for k, v in home.items()})
    return result


def carebench(*args, env, check=False):
    result = subprocess.run([str(CAREBENCH), *args], capture_output=True, text=True, env=env)
    assert "Traceback" not in result.stderr
    if check:
        assert result.returncode == 0, result.stderr
    return result


def integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def count(path: Path, sql: str) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


# ----- schema upgrades ---------------------------------------------------------


@pytest.mark.parametrize("fixture", sorted(FIXTURES.glob("schema_v*.db")), ids=lambda p: p.stem)
def test_every_earlier_schema_opens_migrated_with_a_backup_beside_it(fixture, tmp_path):
    path = tmp_path / "old.db"
    shutil.copyfile(fixture, path)
    path.chmod(0o600)
    old_version = int(fixture.stem.removeprefix("schema_v"))
    old_clients = count(path, "SELECT COUNT(*) FROM clients")
    old_readings = count(path, "SELECT COUNT(*) FROM readings")
    with Store(path) as store:
        versions = [r[0] for r in store.conn.execute("SELECT version FROM schema_version ORDER BY version")]
        assert versions == [number for number, _ in MIGRATIONS]
        assert len(store.client_ids()) == old_clients
    backup = tmp_path / f"old.db.schema{old_version}.bak"
    assert backup.exists() and backup.stat().st_mode & 0o777 == 0o600
    assert count(backup, "SELECT MAX(version) FROM schema_version") == old_version
    assert count(path, "SELECT COUNT(*) FROM readings") == old_readings
    assert integrity(path) == "ok"


def test_schema_5_dates_closed_opportunities_from_their_last_change(tmp_path):
    path = tmp_path / "v4.db"
    shutil.copyfile(FIXTURES / "schema_v4.db", path)
    path.chmod(0o600)
    with Store(path) as store:
        rows = store.conn.execute("SELECT stage, closed_on, substr(changed_at, 1, 10) FROM opportunities").fetchall()
        assert any(stage == "won" for stage, _, _ in rows)
        for stage, closed_on, changed in rows:
            assert closed_on == (changed if stage in ("won", "lost") else None)
        # the new lists load empty, and the default checklist stands for every client
        assert all(c.tickets == [] and c.checklist == [] for c in store.clients())


def test_schema_6_finds_each_kpis_best_reading_in_an_index(tmp_path):
    path = tmp_path / "v5.db"
    shutil.copyfile(FIXTURES / "schema_v5.db", path)
    path.chmod(0o600)
    conn = sqlite3.connect(path)
    best = dict(
        conn.execute(
            "SELECT k.id, CASE k.direction WHEN 'higher' THEN MAX(r.value) ELSE MIN(r.value) END "
            "FROM kpis k JOIN readings r ON r.kpi_id = k.id GROUP BY k.id"
        ).fetchall()
    )
    conn.close()
    assert best
    with Store(path) as store:
        plan = store.conn.execute(
            "EXPLAIN QUERY PLAN SELECT value FROM readings INDEXED BY readings_best "
            "WHERE kpi_id = 1 AND date <= '2099-01-01' ORDER BY value DESC LIMIT 1"
        ).fetchall()
        assert "COVERING INDEX readings_best" in plan[0][-1]
        ids = dict(store.conn.execute("SELECT client_id || '/' || key, id FROM kpis").fetchall())
        derived = {ids[f"{client}/{kpi.key}"]: kpi.peak for client in store.client_ids() for kpi in store.kpi_standings(client, date(2099, 1, 1))}
    assert {k: v for k, v in derived.items() if v is not None} == best


def test_a_newer_schema_is_refused_without_writing(tmp_path, env):
    path = tmp_path / "new.db"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("INSERT INTO schema_version VALUES (99, '2030-01-01', 'future')")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    result = carebench("today", "--db", str(path), env=env)
    assert result.returncode == 2 and "newer carebench" in result.stderr
    assert path.read_bytes() == before
    assert not Path(f"{path}-wal").exists()


# ----- permissions and filesystems -----------------------------------------------


def test_new_database_and_private_folders_are_owner_only(tmp_path, env):
    path = tmp_path / "fresh.db"
    carebench("init", "--db", str(path), env=env, check=True)
    assert path.stat().st_mode & 0o777 == 0o600
    carebench("demo-data", env=env, check=True)
    data = Path(env["XDG_DATA_HOME"]) / "carebench"
    assert data.stat().st_mode & 0o777 == 0o700
    assert (data / "portfolio.db").stat().st_mode & 0o777 == 0o600


def test_a_world_readable_database_is_refused_in_one_line(tmp_path, env):
    path = tmp_path / "open.db"
    Store(path).close()
    path.chmod(0o644)
    result = carebench("today", "--db", str(path), env=env)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "readable by every user" in result.stderr
    doctor = carebench("doctor", "--db", str(path), "--json", env=env)
    assert doctor.returncode == 2
    report = json.loads(doctor.stdout)
    assert not report["ok"] and any(c["name"] == "permissions" and c["status"] == "fail" for c in report["checks"])


def test_a_network_filesystem_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "nfs.db"
    Store(path).close()
    monkeypatch.setattr(dbmodule, "filesystem_of", lambda p: "nfs4")
    with pytest.raises(StoreError, match="network filesystem"):
        Store(path)


def test_filesystem_of_reads_the_longest_mount_point(tmp_path, monkeypatch):
    mounts = f"/dev/sda1 / ext4 rw 0 0\nserver:/x {tmp_path} nfs4 rw 0 0\n"
    real_read = Path.read_text
    monkeypatch.setattr(Path, "read_text", lambda self, *a, **k: mounts if str(self) == "/proc/mounts" else real_read(self, *a, **k))
    assert dbmodule.filesystem_of(tmp_path / "x.db") == "nfs4"
    assert dbmodule.filesystem_of(Path("/usr/bin/env")) == "ext4"


def test_init_shared_sets_up_a_group_folder(tmp_path, env):
    group = grp.getgrgid(os.getgid()).gr_name
    folder = tmp_path / "team"
    result = carebench("init", "--shared", group, str(folder), env=env, check=True)
    assert "team database ready" in result.stdout
    assert folder.stat().st_mode & 0o7777 == 0o2770
    database = folder / "portfolio.db"
    assert database.stat().st_mode & 0o777 == 0o660
    assert database.stat().st_gid == grp.getgrnam(group).gr_gid
    carebench("today", "--db", str(database), "--json", env=env, check=True)
    unknown = carebench("init", "--shared", "no-such-group-here", str(tmp_path / "x"), env=env)
    assert unknown.returncode == 2 and "no Unix group" in unknown.stderr


def test_backup_and_doctor(tmp_path, env):
    path = tmp_path / "live.db"
    carebench("demo-data", "--db", str(path), "--anchor", "2026-06-15", env=env, check=True)
    copy = tmp_path / "copy.db"
    result = carebench("backup", str(copy), "--db", str(path), "--json", env=env, check=True)
    assert json.loads(result.stdout)["backup"] == str(copy)
    assert copy.stat().st_mode & 0o777 == 0o600
    original = carebench("export", "--db", str(path), env=env, check=True).stdout
    assert carebench("export", "--db", str(copy), env=env, check=True).stdout == original
    again = carebench("backup", str(copy), "--db", str(path), env=env)
    assert again.returncode == 2 and "--force" in again.stderr
    report = json.loads(carebench("doctor", "--db", str(path), "--json", env=env, check=True).stdout)
    assert report["ok"] and report["integrity"] == "ok" and report["schema_version"] == SCHEMA_VERSION
    assert report["orphans"] == {} and report["mode"] == "600"
    assert {c["name"] for c in report["checks"]} >= {"sqlite", "permissions", "filesystem", "wal", "integrity", "schema", "orphans"}


# ----- many writers at once ------------------------------------------------------

WRITER = textwrap.dedent("""
    import sys
    from datetime import date, timedelta
    from carebench.core.models import ActionItem, Assessment, Scores, TouchpointException
    from carebench.store import Store

    db, worker, writes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    client = f"c{worker}"
    start = date(2026, 1, 1)
    with Store(db, actor=f"user{worker}") as store:
        for i in range(writes):
            day = start + timedelta(days=i)
            kind = i % 5
            if kind == 0:
                store.add_reading(client, "k", day, float(i))
            elif kind == 1:
                store.add_assessment(client, Assessment(date=day, scores=Scores(**{n: 1 + i % 10 for n in Scores.model_fields})))
            elif kind == 2:
                store.record_exception(client, TouchpointException(date=day, kind="weekly", status="done"))
            elif kind == 3:
                store.add_action_item(client, ActionItem(text=f"item {i}", due=day))
            else:
                store.save_draft(client, day, "daily", {"notes": {"0": f"draft {i}"}})
    print("done")
""")


def test_eight_processes_writing_at_once_lose_nothing(tmp_path, env):
    from carebench.core.models import Client, Kpi

    workers, writes = 8, 250
    path = tmp_path / "busy.db"
    with Store(path) as store:
        for w in range(workers):
            store.add_client(
                Client(
                    id=f"c{w}",
                    name=f"Client {w}",
                    tier="gold",
                    go_live=date(2026, 1, 5),
                    owner="ana",
                    kpis=[Kpi(key="k", name="K", category="lagging", direction="higher", baseline=0, target=1)],
                )
            )
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    procs = [
        subprocess.Popen([sys.executable, str(script), str(path), str(w), str(writes)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for w in range(workers)
    ]
    # The command line writes alongside them.
    cli = [
        subprocess.Popen(
            [str(CAREBENCH), "reading", "c0", "k", str(v), "--date", f"2027-01-{v + 1:02d}", "--force", "--db", str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for v in range(8)
    ]
    for proc in procs + cli:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        assert "locked" not in err and "Traceback" not in err
    per_kind = writes // 5
    assert count(path, "SELECT COUNT(*) FROM readings") == workers * per_kind + 8
    assert count(path, "SELECT COUNT(*) FROM assessments") == workers * per_kind
    assert count(path, "SELECT COUNT(*) FROM touchpoint_exceptions") == workers * per_kind
    assert count(path, "SELECT COUNT(*) FROM action_items") == workers * per_kind
    assert count(path, "SELECT COUNT(*) FROM drafts") == workers * per_kind
    # Every write but the drafts (private work in progress, audited when finished) leaves an audit row.
    assert count(path, "SELECT COUNT(*) FROM audit") == workers + workers * (writes - per_kind) + 8
    assert integrity(path) == "ok"


# ----- killed at a random moment -------------------------------------------------


def big_portfolio(tmp_path: Path, copies: int = 6) -> tuple[Path, int]:
    """The demo portfolio several times over (new ids), so an import takes long enough to be interrupted."""
    from carebench.app.demo import load_demo_portfolio

    demo = load_demo_portfolio(date(2026, 6, 15), "ana")
    clients = []
    for n in range(copies):
        for client in demo.clients:
            clients.append(client.model_copy(update={"id": f"{client.id}-{n}"}))
    demo.clients = clients
    path = tmp_path / "big.json"
    path.write_text(demo.model_dump_json(exclude_none=True))
    return path, len(clients)


def kill_at_random(argv: list[str], env: dict, seed: int, tries: int, window: float, ready: bool = False) -> list[float]:
    """Start ``argv`` and SIGKILL it a random moment later (counted from its "ready" line when ``ready``)."""
    rng = random.Random(seed)
    moments = []
    for _ in range(tries):
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE if ready else subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, text=True)
        if ready:
            assert proc.stdout.readline().strip() == "ready"
        moment = rng.uniform(0.05, window)
        time.sleep(moment)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        moments.append(moment)
    return moments


def test_kill_9_during_import_leaves_all_or_nothing(tmp_path, env):
    portfolio, total = big_portfolio(tmp_path)
    path = tmp_path / "killed.db"
    Store(path).close()
    for attempt in range(8):
        kill_at_random([str(CAREBENCH), "import", str(portfolio), "--db", str(path)], env, seed=attempt, tries=1, window=2.5)
        assert integrity(path) == "ok"
        clients = count(path, "SELECT COUNT(*) FROM clients")
        assert clients in (0, total), f"a killed import left {clients} of {total} clients"
        if clients:
            assert count(path, "SELECT COUNT(*) FROM kpis") > 0
            with Store(path) as store:  # reset for the next attempt
                store.conn.execute("DELETE FROM clients")


def test_kill_9_during_demo_data_leaves_all_or_nothing(tmp_path, env):
    path = tmp_path / "demo.db"
    Store(path).close()
    for attempt in range(6):
        kill_at_random([str(CAREBENCH), "demo-data", "--db", str(path), "--anchor", "2026-06-15"], env, seed=100 + attempt, tries=1, window=2.0)
        assert integrity(path) == "ok"
        assert count(path, "SELECT COUNT(*) FROM clients") in (0, 9)


FINISHER = textwrap.dedent("""
    import sys
    from datetime import date, timedelta
    from carebench.core.models import ActionItem, CheckIn, Section
    from carebench.store import Store

    db = sys.argv[1]
    with Store(db, actor="ana") as store:
        first = store.conn.execute("SELECT COUNT(*) FROM checkins").fetchone()[0]  # carry on after the last kill
        for i in range(first, 100000):
            day = date(2026, 1, 1) + timedelta(days=i)
            checkin = CheckIn(date=day, kind="weekly", author="ana", planned_minutes=60, actual_minutes=55,
                              sections=[Section(title="Metrics", notes=f"run {i}")])
            store.save_draft("acme", day, "weekly", {"notes": {"0": f"run {i}"}})
            store.finish_checkin("acme", checkin, {"a": float(i), "b": float(i)}, None,
                                 [ActionItem(text=f"follow up {i}", due=day)], touchpoint_date=day)
            if i == first:  # the kill falls during a later finish, however slow the machine
                print("ready", flush=True)
""")


def test_kill_9_during_check_in_finish_keeps_each_finish_whole(tmp_path, env):
    from carebench.core.models import Client, Kpi

    path = tmp_path / "finish.db"
    with Store(path) as store:
        store.add_client(
            Client(
                id="acme",
                name="Acme",
                tier="gold",
                go_live=date(2026, 1, 5),
                owner="ana",
                kpis=[
                    Kpi(key="a", name="A", category="lagging", direction="higher", baseline=0, target=1),
                    Kpi(key="b", name="B", category="leading", direction="higher", baseline=0, target=1),
                ],
            )
        )
    script = tmp_path / "finisher.py"
    script.write_text(FINISHER)
    kill_at_random([sys.executable, str(script), str(path)], env, seed=7, tries=6, window=0.6, ready=True)
    assert integrity(path) == "ok"
    conn = sqlite3.connect(path)
    checkins = conn.execute("SELECT id, date FROM checkins").fetchall()
    assert checkins, "nothing was finished before the kills"
    for checkin_id, day in checkins:
        assert conn.execute("SELECT COUNT(*) FROM readings WHERE checkin_id = ?", (checkin_id,)).fetchone()[0] == 2
        assert conn.execute("SELECT COUNT(*) FROM action_items WHERE checkin_id = ?", (checkin_id,)).fetchone()[0] == 1
        assert conn.execute("SELECT status FROM touchpoint_exceptions WHERE date = ?", (day,)).fetchone()[0] == "done"
        assert conn.execute("SELECT COUNT(*) FROM drafts WHERE date = ?", (day,)).fetchone()[0] == 0
    done_days = {d for _, d in checkins}
    # A draft may stand only for a run that had not finished.
    for (day,) in conn.execute("SELECT date FROM drafts"):
        assert day not in done_days
