"""Two successive `carebench calendar` exports, read as calendar apps read them: a moved touchpoint keeps its UID
with a higher SEQUENCE, a skipped one is cancelled, a done one stays as it was, one consultant's events never
overlap, and times carry their time zone. Read back with icalendar, vobject, and (when installed) khal and calcurse."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import vobject
from icalendar import Calendar

BERLIN = ZoneInfo("Europe/Berlin")
IN_BERLIN = {"TZ": "Europe/Berlin"}
RANGE = ("--from", "2026-06-15", "--to", "2026-06-26")
DONE, SKIPPED, MOVED = "2026-06-15", "2026-06-16", "2026-06-17"
MOVED_TO = "2026-06-20"  # a Saturday: nothing else of acme's stands there


@pytest.fixture
def exports(tmp_path, make_runner, make_portfolio):
    """The calendar before and after a done, a skip and a move (ana's clients, the practice in Berlin)."""
    run = make_runner(tmp_path / "home")
    source = tmp_path / "portfolio.json"
    source.write_text(json.dumps(make_portfolio()), encoding="utf-8")
    database = tmp_path / "cal.db"
    run.ok("import", source, db=database)

    def export(name: str) -> bytes:
        out = tmp_path / name
        run.ok("--date", "2026-06-15", "calendar", *RANGE, "--owner", "ana", "-o", out, db=database, env=IN_BERLIN)
        return out.read_bytes()

    before = export("before.ics")
    run.ok("--date", "2026-06-15", "done", "acme", "--date", DONE, db=database)
    run.ok("--date", "2026-06-15", "skip", "acme", "--date", SKIPPED, "--reason", "client away", db=database)
    run.ok("--date", "2026-06-15", "move", "acme", "--date", MOVED, "--to", MOVED_TO, db=database)
    after = export("after.ics")
    return run, database, export, before, after


def by_uid(data: bytes) -> dict:
    """UID -> (start, end, status, sequence), read with icalendar."""
    calendar = Calendar.from_ical(data)
    found = {}
    for event in calendar.walk("VEVENT"):
        start = event.decoded("DTSTART")
        found[str(event["UID"])] = (start, start + event.decoded("DURATION"), str(event["STATUS"]), int(event["SEQUENCE"]))
    return found


def by_uid_vobject(data: bytes) -> dict:
    """The same, read with vobject, an independent parser."""
    calendar = vobject.readOne(data.decode("utf-8"))
    found = {}
    for event in calendar.vevent_list:
        start = event.dtstart.value
        found[event.uid.value] = (start, start + event.duration.value, event.status.value, int(event.sequence.value))
    return found


def uid(kind: str, day: str) -> str:
    return f"acme-{kind}-{day}@carebench"


@pytest.mark.parametrize("read", [by_uid, by_uid_vobject], ids=["icalendar", "vobject"])
def test_a_second_export_updates_the_events_of_the_first(exports, read):
    _, _, _, before, after = exports
    old, new = read(before), read(after)
    assert set(old) <= set(new), "no event disappears from one export to the next"
    done, skipped, moved = uid("weekly", DONE), uid("recovery", SKIPPED), uid("recovery", MOVED)
    assert {done, skipped, moved} <= set(old)

    assert new[moved][0] == datetime(2026, 6, 20, 9, 0, tzinfo=BERLIN), "the moved touchpoint at its new day, same UID"
    assert new[moved][3] > old[moved][3]
    assert new[skipped][2] == "CANCELLED" and new[skipped][:2] == old[skipped][:2] and new[skipped][3] > old[skipped][3]
    assert new[done][2] == "CONFIRMED" and new[done][:2] == old[done][:2]
    assert old[skipped][2] == old[moved][2] == "CONFIRMED"
    # The move left its place empty: every other event stands where it stood. (The daily check-in it covered
    # stands on its own now, in the next free slot.)
    assert {k: v[:2] for k, v in new.items() if k in old and k != moved} == {k: v[:2] for k, v in old.items() if k != moved}
    assert set(new) - set(old) == {uid("daily", MOVED)} and new[uid("daily", MOVED)][0] == old[moved][1]
    for events in (old, new):
        assert all(start.utcoffset() == timedelta(hours=2) for start, *_ in events.values()), "Berlin summer time"


def test_no_two_events_of_one_consultant_overlap(exports):
    run, database, *_ = exports
    for owner in ("ana", "bob"):
        data = run.ok("calendar", "--from", "2026-04-01", "--to", "2026-09-30", "--owner", owner, db=database, env=IN_BERLIN).stdout
        spans = sorted((start, end) for start, end, *_ in by_uid(data.encode()).values())
        assert len(spans) > 20
        assert all(end <= following for (_, end), (following, _) in zip(spans, spans[1:])), owner
        # the whole export places each consultant's events as the one-consultant export does
        everyone = by_uid(run.ok("calendar", "--from", "2026-04-01", "--to", "2026-09-30", db=database, env=IN_BERLIN).stdout.encode())
        assert {k: v for k, v in everyone.items() if k in by_uid(data.encode())} == by_uid(data.encode())


def test_the_same_data_gives_the_same_sequence_and_a_reopen_raises_it(exports):
    run, database, export, _, after = exports
    assert by_uid(export("again.ics")) == by_uid(after)
    run.ok("reopen", "acme", "--date", SKIPPED, db=database)
    reopened = by_uid(export("reopened.ics"))[uid("recovery", SKIPPED)]
    skipped = by_uid(after)[uid("recovery", SKIPPED)]
    assert reopened[2] == "CONFIRMED" and reopened[3] > skipped[3]


def test_times_carry_their_zone_with_its_definition(exports):
    *_, after = exports
    calendar = Calendar.from_ical(after)
    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Berlin"
    assert all(event["DTSTART"].params["TZID"] == "Europe/Berlin" for event in calendar.walk("VEVENT"))


@pytest.mark.parametrize("read", [by_uid, by_uid_vobject], ids=["icalendar", "vobject"])
def test_summer_and_winter_times_read_back_at_their_offsets(exports, read):
    run, database, *_ = exports
    data = run.ok("calendar", "--from", "2026-03-20", "--to", "2026-11-05", "--owner", "ana", db=database, env=IN_BERLIN).stdout
    offsets = {start.date(): start.utcoffset() for start, *_ in read(data.encode()).values()}
    summer, winter = timedelta(hours=2), timedelta(hours=1)
    assert {offset for day, offset in offsets.items() if day.month in (4, 5, 6, 7, 8, 9)} == {summer}
    assert {offset for day, offset in offsets.items() if day < date(2026, 3, 29) or day > date(2026, 10, 25)} == {winter}


# ----- real calendar programs ------------------------------------------------------------------------------------

KHAL_CONFIG = """[calendars]
[[touchpoints]]
path = {path}
[locale]
timeformat = %H:%M
dateformat = %Y-%m-%d
longdateformat = %Y-%m-%d
datetimeformat = %Y-%m-%d %H:%M
longdatetimeformat = %Y-%m-%d %H:%M
local_timezone = America/New_York
default_timezone = America/New_York
[sqlite]
path = {db}
"""


def run_tool(*argv: str, env: dict | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=env, check=False)
    assert result.returncode == 0, f"{argv}: {result.stderr}"
    return result


@pytest.mark.skipif(shutil.which("khal") is None, reason="khal is not installed (CI installs it when it can)")
def test_khal_takes_the_second_export_over_the_first(exports, tmp_path):
    *_, before, after = exports
    vdir = tmp_path / "khal" / "touchpoints"
    vdir.mkdir(parents=True)
    config = tmp_path / "khal.conf"
    config.write_text(KHAL_CONFIG.format(path=vdir, db=tmp_path / "khal" / "khal.db"), encoding="utf-8")
    for export in (before, after):
        ics = tmp_path / "import.ics"
        ics.write_bytes(export)
        imported = run_tool("khal", "-c", str(config), "import", "--batch", str(ics))
        assert "Cannot find timezone" not in imported.stderr
    listed = run_tool("khal", "-c", str(config), "list", "--format", "{start} {end} {status}|{uid}", "--day-format", "", "2026-06-15", "14d")
    rows = [line.rsplit("|", 1) for line in listed.stdout.splitlines() if "|" in line]
    events = {key: what.strip() for what, key in rows}
    assert len(rows) == len(events) == len(by_uid(after)), "one event per UID: the second import replaced the first"
    # Berlin 09:00 is 03:00 in New York in June
    assert events[uid("recovery", MOVED)].startswith("2026-06-20 03:00")
    assert events[uid("recovery", SKIPPED)].endswith("CANCELLED")
    assert events[uid("weekly", DONE)].startswith("2026-06-15 04:00")
    spans = sorted((" ".join(what.split()[:2]), " ".join(what.split()[2:4])) for what in events.values())
    assert all(end <= following for (_, end), (following, _) in zip(spans, spans[1:])), spans


@pytest.mark.skipif(shutil.which("calcurse") is None, reason="calcurse is not installed (CI installs it when it can)")
def test_calcurse_reads_each_export_at_the_right_local_times(exports, tmp_path):
    *_, before, after = exports
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "TZ": "America/New_York"}
    shown = {}
    for name, export in (("before", before), ("after", after)):
        folder = tmp_path / f"calcurse-{name}"
        folder.mkdir()
        ics = tmp_path / f"{name}.ics"
        ics.write_bytes(export)
        run_tool("calcurse", "-D", str(folder), "-i", str(ics), env=env)
        listed = run_tool(
            "calcurse",
            "-D",
            str(folder),
            "-Q",
            "--input-datefmt",
            "4",
            "--from",
            "2026-06-15",
            "--days",
            "12",
            "--filter-type",
            "apt",
            "--format-apt",
            "%(start:%Y-%m-%d %H:%M) %(end:%Y-%m-%d %H:%M) %m\\n",
            env=env,
        )
        shown[name] = sorted(line.split(" ", 4) for line in listed.stdout.splitlines() if line[:4] == "2026")
    for name, export in (("before", before), ("after", after)):
        expected = sorted(
            [
                start.astimezone(ZoneInfo("America/New_York")).strftime("%Y-%m-%d %H:%M"),
                end.astimezone(ZoneInfo("America/New_York")).strftime("%Y-%m-%d %H:%M"),
            ]
            for start, end, *_ in by_uid(export).values()
        )
        assert [[f"{a} {b}", f"{c} {d}"] for a, b, c, d, _ in shown[name]] == expected, name
    assert ["2026-06-20", "03:00"] in [row[:2] for row in shown["after"]]
    assert ["2026-06-20", "03:00"] not in [row[:2] for row in shown["before"]]
