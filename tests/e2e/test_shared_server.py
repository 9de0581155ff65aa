"""Shared-server security, tried as a hostile member of the team would, with real Unix users in a real team folder.

``lead`` sets up the team folder with ``carebench init --shared``; ``mallory`` is a member
of the same group who plants links, forces upgrades and pretends to be someone else;
``outsider`` is not in the group. Every test here fails on a carebench that follows links
at the names it creates, takes its identity from the environment, or changes files it
did not open itself.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from pathlib import Path

import pytest

from conftest import portfolio_data

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to create Unix users and a group")

if os.geteuid() == 0:
    from unix_users import Team, preload, unreachable_folder


@pytest.fixture(scope="module")
def team():
    blocked = unreachable_folder()
    if blocked is not None:  # an install only root can reach (a virtual environment in root's home)
        pytest.skip(f"other users cannot reach the installed carebench ({blocked} is not searchable by them)")
    preload()
    made = Team()
    try:
        yield made
    finally:
        made.remove()


@pytest.fixture
def shared_db(team, tmp_path):
    """A fresh team folder set up by ``lead``, holding the test portfolio; returns the database path."""
    folder = team.base / f"team-{tmp_path.name}"
    folder.mkdir()
    os.chown(folder, team.lead.uid, team.lead.gid)  # the lead's own folder, to give to the team
    result = team.lead.run("init", "--shared", team.group, folder)
    assert result.returncode == 0, result.stderr
    source = team.lead.home / "portfolio.json"
    source.write_text(json.dumps(portfolio_data()))
    os.chown(source, team.lead.uid, team.lead.gid)
    database = folder / "portfolio.db"
    imported = team.lead.run("import", source, "--db", database)
    assert imported.returncode == 0, imported.stderr
    return database


def one_error_line(result) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def schema_version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0]
    finally:
        conn.close()


# ----- 1. the pre-upgrade backup and other new files never follow a planted link ----------------


def test_a_forced_upgrade_does_not_write_through_a_planted_backup_link(team, shared_db):
    ssh = team.lead.home / ".ssh"
    ssh.mkdir(mode=0o700)
    os.chown(ssh, team.lead.uid, team.lead.gid)
    keys = ssh / "authorized_keys2"
    version = schema_version(shared_db)

    def plant() -> None:
        os.symlink(keys, f"{shared_db}.schema{version - 1}.bak")
        conn = sqlite3.connect(shared_db)  # force an "upgrade": the newest schema row goes
        conn.execute("DELETE FROM schema_version WHERE version = (SELECT MAX(version) FROM schema_version)")
        conn.commit()
        conn.close()

    assert team.mallory.call(plant).returncode == 0
    result = team.lead.run("today", "--db", shared_db, "--json")
    assert not os.path.lexists(keys), "the victim's authorized_keys2 was created through the planted link"
    assert os.readlink(f"{shared_db}.schema{version - 1}.bak") == str(keys)  # the link itself is left alone
    assert "Traceback" not in result.stderr
    # the backup went to a name that did not exist before, owner-only
    backups = sorted(shared_db.parent.glob(f"portfolio.db.schema{version - 1}.*.bak"))
    assert backups and all(b.stat().st_mode & 0o777 == 0o600 and b.stat().st_uid == team.lead.uid for b in backups)


def test_backup_and_a_new_database_refuse_a_dangling_link(team, shared_db):
    target = team.lead.home / "stolen.db"
    link = shared_db.parent / "copy.db"
    team.mallory.call(lambda: os.symlink(target, link))
    refused = team.lead.run("backup", link, "--db", shared_db)
    assert "exists" in one_error_line(refused)
    forced = team.lead.run("backup", link, "--force", "--db", shared_db)
    assert "symbolic link" in one_error_line(forced)
    new_db = team.lead.run("init", "--db", link)
    assert "symbolic link" in one_error_line(new_db)
    assert not os.path.lexists(target)


# ----- 2. init --shared changes only what it opened ----------------------------------------------


def test_init_shared_repair_does_not_chmod_through_a_planted_shm_link(team, tmp_path):
    secret = Path("/root") / f"carebench-secret-{tmp_path.name}"
    secret.write_text("root only\n")
    secret.chmod(0o600)
    folder = team.base / f"rootteam-{tmp_path.name}"
    try:
        assert team.root.run("init", "--shared", team.group, folder).returncode == 0
        shm = folder / "portfolio.db-shm"
        team.mallory.call(lambda: (shm.unlink(missing_ok=True), os.symlink(secret, shm)))
        repair = team.root.run("init", "--shared", team.group, folder)
        st = secret.stat()
        assert (st.st_mode & 0o777, st.st_gid) == (0o600, 0), "the repair changed the file the link points at"
        line = one_error_line(repair)
        assert "portfolio.db-shm" in line and "symbolic link" in line and "nothing was changed" in line
    finally:
        secret.unlink()


def test_init_shared_refuses_a_folder_that_is_a_link_or_a_member_file_of_someone_else(team, shared_db, tmp_path):
    link = team.base / f"teamlink-{tmp_path.name}"
    os.symlink(shared_db.parent, link)
    assert "symbolic link" in one_error_line(team.lead.run("init", "--shared", team.group, link))
    # a -wal that mallory made (a regular file, but not the lead's) is named, and nothing changes
    wal = shared_db.parent / "portfolio.db-wal"
    team.mallory.call(lambda: (wal.unlink(missing_ok=True), wal.write_bytes(b"")))
    before = {p.name: (p.stat().st_mode, p.stat().st_gid) for p in shared_db.parent.iterdir()}
    line = one_error_line(team.lead.run("init", "--shared", team.group, shared_db.parent))
    assert "portfolio.db-wal" in line and team.mallory.name in line
    assert {p.name: (p.stat().st_mode, p.stat().st_gid) for p in shared_db.parent.iterdir()} == before


# ----- 3. identity is the real user --------------------------------------------------------------


def test_a_member_cannot_write_or_take_drafts_in_another_members_name(team, shared_db):
    spoof = {"LOGNAME": team.lead.name, "USER": team.lead.name}
    added = team.mallory.run("add-action", "acme", "Spoofed", "--due", "2026-06-20", "--db", shared_db, env=spoof)
    assert added.returncode == 0, added.stderr
    log = json.loads(team.lead.run("log", "--json", "--limit", "1", "--db", shared_db).stdout)
    assert log[0]["actor"] == team.mallory.name

    def lead_drafts() -> None:
        from datetime import date

        from carebench.store import Store

        with Store(shared_db) as store:
            store.save_draft("acme", date(2026, 6, 15), "weekly", {"notes": {"0": "private notes"}})

    assert team.lead.call(lead_drafts).returncode == 0

    def steal() -> None:
        from datetime import date

        from carebench.store import Store

        with Store(shared_db) as store:
            print(json.dumps(store.load_draft("acme", date(2026, 6, 15), "weekly")))

    assert json.loads(team.mallory.call(steal, env=spoof).stdout) is None
    mine = json.loads(team.mallory.run("drafts", "--mine", "--json", "--db", shared_db, env=spoof).stdout)
    assert mine == []


# ----- 5. modes ----------------------------------------------------------------------------------


def test_others_outside_the_group_can_neither_read_nor_write_and_are_told_why(team, shared_db):
    line = one_error_line(team.outsider.run("today", "--db", shared_db))
    assert "may not read" in line and team.group in line and "nothing was changed" in line
    shared_db.chmod(0o666)
    line = one_error_line(team.lead.run("today", "--db", shared_db))
    assert "can be written by every user" in line and f"chmod o-rwx {shared_db}" in line
    doctor = team.lead.run("doctor", "--db", shared_db, "--json")
    assert doctor.returncode == 2 and json.loads(doctor.stdout)["refused"]
    fixed = team.lead.run("doctor", "--fix", "--db", shared_db)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert shared_db.stat().st_mode & 0o777 == 0o660
    wal = Path(f"{shared_db}-wal")
    team.lead.call(lambda: (wal.unlink(missing_ok=True), wal.write_bytes(b""), wal.chmod(0o664)))
    assert "readable by every user" in one_error_line(team.lead.run("today", "--db", shared_db))


def test_files_written_for_the_user_are_owner_only_under_umask_022(team, shared_db):
    out = team.lead.home
    commands = {
        "export.json": ["export"],
        "report.md": ["report", "acme", "--kind", "weekly", "--date", "2026-06-15"],
        "digest.md": ["digest", "--date", "2026-06-15"],
        "calendar.ics": ["calendar", "--from", "2026-06-15"],
        "readings.csv": ["readings", "export"],
    }
    for name, args in commands.items():
        result = team.lead.run(*args, "-o", out / name, "--db", shared_db, umask=0o022)
        assert result.returncode == 0, (name, result.stderr)
        st = (out / name).lstat()
        assert stat.S_ISREG(st.st_mode) and st.st_mode & 0o777 == 0o600, name
    # an existing file is replaced by a new one (not written through), a link in the way is refused
    os.symlink("/etc/hostname", out / "linked.json")
    line = one_error_line(team.lead.run("export", "-o", out / "linked.json", "--db", shared_db))
    assert "symbolic link" in line and os.path.islink(out / "linked.json")


# ----- 6. backup --force never replaces what is not a regular file ----------------------------------


def test_backup_force_refuses_devices_and_fifos(team, shared_db, tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    device = tmp_path / "null-device"
    os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    for target, words in ((fifo, "FIFO"), (device, "character device")):
        line = one_error_line(team.root.run("backup", target, "--force", "--db", shared_db))
        assert words in line
    assert stat.S_ISFIFO(fifo.lstat().st_mode) and stat.S_ISCHR(device.lstat().st_mode)


# ----- 8. what a user who cannot write is told ---------------------------------------------------------


def test_read_only_folder_and_file_are_named(team, tmp_path):
    folder = team.base / f"private-{tmp_path.name}"
    folder.mkdir()
    os.chown(folder, team.lead.uid, team.lead.gid)
    database = folder / "mine.db"
    assert team.lead.run("init", "--db", database).returncode == 0
    folder.chmod(0o500)
    line = one_error_line(team.lead.run("today", "--db", database))
    assert "folder" in line and "read-only" in line
    folder.chmod(0o700)
    database.chmod(0o400)
    assert team.lead.run("today", "--db", database).returncode == 0  # reading needs no write access
    line = one_error_line(team.lead.run("add-client", "x", "--name", "X", "--tier", "gold", "--go-live", "2026-01-05", "--db", database))
    assert "read-only for you" in line and "nothing was written" in line
