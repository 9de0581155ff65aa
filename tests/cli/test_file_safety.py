"""Files that are not what they seem: odd paths, odd files, full disks, damaged databases, oversized input.

Each case is one line on standard error, exit code 2, and nothing changed on disk.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from carebench.store import Store
from carebench.store.schema import SCHEMA_VERSION


def one_line(result) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1 and lines[0].startswith("error: "), (result.returncode, result.stderr)
    return lines[0]


def files_in(folder: Path) -> dict[str, bytes]:
    """Each file's bytes, but SQLite's shared-memory index (-shm), which any reader may rebuild."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and not p.name.endswith("-shm")}


# ----- read-only checks that wrote ---------------------------------------------------------


@pytest.mark.parametrize("name", ["a#b.db", "a?b.db", "a%41b.db", "mode=rw&x.db"])
def test_doctor_opens_the_named_file_read_only_whatever_its_name(run, tmp_path, name):
    folder = tmp_path / "odd"
    folder.mkdir()
    path = folder / name
    run.ok("init", "--db", path)
    before = sorted(p.name for p in folder.iterdir())
    report = run.json("doctor", "--json", db=path)
    assert report["integrity"] == "ok" and report["schema_version"] == SCHEMA_VERSION
    # no stray file made for a wrong reading of the name (readers may leave -wal/-shm of the right one)
    assert {p.name for p in folder.iterdir()} <= {*before, f"{name}-wal", f"{name}-shm"}


def test_refusing_a_newer_schema_leaves_database_and_its_wal_byte_identical(run, tmp_path):
    path = tmp_path / "future.db"
    run.ok("init", "--db", path)
    # A newer carebench wrote and stopped without checkpointing: its last change is in the WAL.
    script = (
        f"import sqlite3, os; c = sqlite3.connect({str(path)!r}); c.execute('PRAGMA wal_autocheckpoint = 0'); "
        "c.execute(\"INSERT INTO schema_version VALUES (99, '2030-01-01', 'future')\"); c.commit(); os._exit(0)"
    )
    subprocess.run([sys.executable, "-c", script], check=True)
    before = files_in(tmp_path)
    assert before[f"{path.name}-wal"], "the newer schema's row should be in the WAL"
    for command in (["today"], ["doctor"], ["add-client", "x", "--name", "X", "--tier", "gold", "--go-live", "2026-01-05"]):
        result = run(*command, db=path)
        if command != ["doctor"]:
            assert "newer carebench" in one_line(result)
    assert files_in(tmp_path) == before


EMPTY_PORTFOLIO = '{"format": "carebench-portfolio", "version": 1, "clients": []}'


def test_an_empty_file_is_refused_not_made_a_database(run, tmp_path):
    path = tmp_path / "empty.db"
    path.touch(mode=0o600)
    for command in (["today"], ["init"], ["import", "-"]):
        assert "empty file" in one_line(run(*command, db=path, input=EMPTY_PORTFOLIO if command == ["import", "-"] else None))
    assert path.stat().st_size == 0 and sorted(p.name for p in tmp_path.iterdir()) == ["empty.db", "home"]


# ----- files that are not databases --------------------------------------------------------


def _truncated(path: Path) -> None:
    Store(path).close()
    data = path.read_bytes()
    path.write_bytes(data[:60])


def _damaged(path: Path) -> None:
    with Store(path) as store:
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    data[4096:8192] = b"\xa5" * 4096  # page 2 overwritten
    path.write_bytes(bytes(data))


def _not_sqlite(path: Path) -> None:
    path.write_text("name,value\nacme,1\n" * 10)


@pytest.mark.parametrize(
    "make, words",
    [
        (_truncated, "too short"),
        (_damaged, "damaged"),
        (_not_sqlite, "not an SQLite database"),
        (lambda p: os.mkfifo(p, 0o600), "FIFO"),
        (lambda p: os.symlink("/dev/null", p), "symbolic link"),
    ],
    ids=["truncated", "damaged", "not-sqlite", "fifo", "link-to-dev-null"],
)
def test_odd_database_files_are_named_and_left_alone(run, tmp_path, make, words):
    path = tmp_path / "odd.db"
    make(path)
    path.lchmod(0o600) if hasattr(path, "lchmod") and not path.is_symlink() else None
    before = os.lstat(path)
    content = path.read_bytes() if path.is_file() and not path.is_symlink() else None
    for command in ("today", "health", "export"):
        line = one_line(run(command, db=path))
        assert words in line, line
    after = os.lstat(path)
    assert (after.st_mode, after.st_size) == (before.st_mode, before.st_size)
    if content is not None:
        assert path.read_bytes() == content


def test_dev_null_is_a_device_not_a_database(run):
    line = one_line(run("today", db="/dev/null"))
    assert "character device" in line and "chmod" not in line


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("mount"), reason="needs root to mount a small filesystem")
def test_a_full_disk_is_said_so_and_nothing_is_written(run, tmp_path, portfolio_file):
    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk)]).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        path = disk / "p.db"
        run.ok("import", portfolio_file, db=path)
        filler = disk / "filler"
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
        try:  # fill what is left
            while os.write(fd, b"\0" * 4096):
                pass
        except OSError:
            pass
        finally:
            os.close(fd)
        before = path.read_bytes()
        big = portfolio_file.read_text().replace("Acme Logistics", "Acme " + "x" * 150)
        bigger = tmp_path / "bigger.json"
        bigger.write_text(big)
        line = one_line(run("import", bigger, db=path))
        assert "is full" in line and "nothing was" in line
        filler.unlink()
        assert run.ok("export", db=path).stdout.count("Acme Logistics") == 1
        assert path.read_bytes()[:16] == before[:16]
    finally:
        subprocess.run(["umount", "-l", str(disk)])


# ----- crash reports ---------------------------------------------------------------------------


def test_a_crash_report_that_cannot_be_written_is_still_one_line(tmp_path, monkeypatch, capsys):
    import carebench.app.queries as queries
    import carebench.cli as cli

    blocked = tmp_path / "state-is-a-file"
    blocked.write_text("")
    monkeypatch.setenv("XDG_STATE_HOME", str(blocked))
    db = tmp_path / "c.db"
    Store(db).close()

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(queries, "agenda", broken)
    monkeypatch.setattr(sys, "argv", ["carebench", "today", "--db", str(db)])
    with pytest.raises(SystemExit) as exit_:
        cli.main()
    err = capsys.readouterr().err
    assert exit_.value.code == 1 and "Traceback" not in err
    assert err.count("\n") == 1 and "no crash report could be written" in err


def test_crash_reports_are_new_owner_only_files(tmp_path, monkeypatch):
    from carebench.app.crash import write_crash_report

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    path = write_crash_report(RuntimeError("x"))
    assert path.stat().st_mode & 0o777 == 0o600 and "RuntimeError" in path.read_text()


# ----- input files have limits -----------------------------------------------------------------


@pytest.mark.parametrize("command", [["import"], ["readings", "import"], ["scripts"]], ids=["portfolio", "csv", "script"])
def test_input_that_is_not_a_regular_file_is_refused_at_once(run, tmp_path, command):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    db = tmp_path / "in.db"
    Store(db).close()
    for source, words in (("/dev/zero", "character device"), (fifo, "FIFO")):
        started = time.monotonic()
        line = one_line(run(*command, source, db=None if command == ["scripts"] else db, timeout=20))
        assert words in line and time.monotonic() - started < 15


@pytest.mark.parametrize("command, cap", [(["import"], 1024), (["readings", "import"], 50), (["scripts"], 1)], ids=["portfolio", "csv", "script"])
def test_input_larger_than_its_cap_is_refused_before_reading(run, tmp_path, command, cap):
    big = tmp_path / "big"
    with open(big, "wb") as out:
        out.truncate((cap << 20) + 1)  # sparse: no time spent writing it
    db = tmp_path / "in.db"
    Store(db).close()
    line = one_line(run(*command, big, db=None if command == ["scripts"] else db))
    assert f"larger than {cap} MB" in line


def test_doctor_reports_missing_audit_triggers_and_fix_restores_them(run, tmp_path):
    path = tmp_path / "a.db"
    run.ok("init", "--db", path)
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER audit_no_delete")
    conn.commit()
    conn.close()
    result = run("doctor", "--json", db=path)
    import json

    report = json.loads(result.stdout)
    assert result.returncode == 1 and report["audit_triggers_missing"] == ["audit_no_delete"]
    run.ok("doctor", "--fix", db=path)
    assert run.json("doctor", "--json", db=path)["audit_triggers_missing"] == []


def test_a_name_is_one_line_so_it_cannot_become_a_line_of_its_own_in_a_file(run, tmp_path, portfolio_dict):
    db = tmp_path / "n.db"
    key = "Acme\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIplanted attacker@host"
    line = one_line(run("add-client", "x", "--name", key, "--tier", "gold", "--go-live", "2026-01-05", db=db))
    assert "one line" in line
    portfolio_dict["clients"][0]["name"] = key
    source = tmp_path / "p.json"
    import json

    source.write_text(json.dumps(portfolio_dict))
    result = run("import", source, db=db)
    assert result.returncode == 2 and "clients[0].name: must be one line" in result.stderr
