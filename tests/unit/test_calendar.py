"""`carebench calendar`: an iCalendar file of touchpoints (scheduled, done, skipped) at the times the rules set, in
the practice's time zone, read back with the icalendar package."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from carebench.app.feeds import event_uid, touchpoint_calendar
from carebench.app.scriptbook import bundled_scripts, load_scripts
from carebench.core.models import Portfolio
from carebench.core.schedule import schedule

D = date(2026, 6, 15)
MINUTES = {"daily": 20, "weekly": 60, "biweekly": 60, "monthly": 60, "retrospective": 30, "quarterly": 80, "intervention": 35, "recovery": 35}
TEMPLATES = load_scripts([bundled_scripts()])[0]
BERLIN = ZoneInfo("Europe/Berlin")
IN_BERLIN = {"TZ": "Europe/Berlin"}


@pytest.fixture(scope="module")
def cal_db(tmp_path_factory, make_runner, make_portfolio):
    root = tmp_path_factory.mktemp("calendar")
    runner = make_runner(root / "home")
    source = root / "portfolio.json"
    source.write_text(json.dumps(make_portfolio()), encoding="utf-8")
    database = root / "cal.db"
    runner.ok("import", source, db=database)
    return runner, database


def events_of(data: bytes) -> list:
    calendar = Calendar.from_ical(data)
    assert str(calendar["VERSION"]) == "2.0" and "carebench" in str(calendar["PRODID"])
    return list(calendar.walk("VEVENT"))


def expected_touchpoints(portfolio: dict, start: date, end: date, owner: str | None = None) -> dict[str, tuple]:
    found = {}
    for client in Portfolio.model_validate(portfolio).clients:
        if owner and client.owner != owner:
            continue
        for tp in schedule(client, start, end):
            found[event_uid(client.id, tp.kind, tp.moved_from or tp.date)] = (client, tp)
    return found


def test_default_range_is_today_to_90_days_later(cal_db, make_portfolio, tmp_path):
    run, database = cal_db
    out = tmp_path / "touchpoints.ics"
    result = run.ok("--date", "2026-06-15", "calendar", "-o", out, db=database, env=IN_BERLIN)
    assert result.stdout == "" and str(out) in result.stderr
    events = events_of(out.read_bytes())
    expected = expected_touchpoints(make_portfolio(), D, D + timedelta(days=90))
    assert sorted(str(e["UID"]) for e in events) == sorted(expected)
    assert len(events) == len(expected) > 50
    for event in events:
        client, tp = expected[str(event["UID"])]
        start = event.decoded("DTSTART")
        assert start.date() == tp.date and start.tzinfo == BERLIN and event["DTSTART"].params["TZID"] == "Europe/Berlin"
        # daily and recovery from 09:00, reviews from 10:00; later only when the consultant's day is taken before
        assert start.time() >= (time(9, 0) if tp.kind in ("daily", "recovery") else time(10, 0))
        assert event.decoded("DURATION") == timedelta(minutes=MINUTES[tp.kind])
        assert str(event["SUMMARY"]) == f"{client.name}: {tp.kind}"
        description = str(event["DESCRIPTION"])
        assert f"Client: {client.name} ({client.id})" in description
        template = TEMPLATES[tp.kind]
        assert f"Agenda: {template.title}, {template.planned_minutes} min" in description
        for section in template.section:
            assert f"- {section.title} ({section.minutes} min)" in description
        assert event.get("DTSTAMP") is not None


def test_events_describe_what_they_cover(cal_db):
    run, database = cal_db
    data = run.ok("calendar", "--from", "2026-06-15", "--to", "2026-06-15", "--owner", "ana", db=database, env=IN_BERLIN).stdout
    events = {str(e["UID"]): e for e in events_of(data.encode())}
    weekly = events["acme-weekly-2026-06-15@carebench"]
    assert "also covering the recovery call and daily check-in" in str(weekly["DESCRIPTION"])
    assert list(events) == ["acme-weekly-2026-06-15@carebench"], "beta is bob's; cobalt has nothing that day"


def test_a_moved_touchpoint_keeps_the_uid_of_its_original_date(cal_db):
    run, database = cal_db
    data = run.ok("calendar", "--from", "2026-05-01", "--to", "2026-05-31", "--owner", "bob", db=database, env=IN_BERLIN).stdout
    events = {str(e["UID"]): e for e in events_of(data.encode())}
    moved = events["beta-biweekly-2026-05-13@carebench"]
    assert moved.decoded("DTSTART") == datetime(2026, 5, 14, 10, 0, tzinfo=BERLIN)
    assert moved["SEQUENCE"] == 1, "one recorded change: the move"
    assert "Moved from 2026-05-13" in str(moved["DESCRIPTION"])
    assert "beta-biweekly-2026-05-14@carebench" not in events


def test_uids_are_stable_and_unique(cal_db):
    run, database = cal_db
    first = events_of(run.ok("--date", "2026-06-15", "calendar", db=database).stdout.encode())
    assert all("SEQUENCE" in e for e in first)
    second = events_of(run.ok("calendar", "--from", "2026-06-15", db=database).stdout.encode())
    uids = [str(e["UID"]) for e in first]
    assert len(uids) == len(set(uids))
    assert uids == [str(e["UID"]) for e in second]
    assert all(uid.endswith("@carebench") for uid in uids)


def test_done_touchpoints_stay_and_skipped_ones_are_cancelled(make_portfolio):
    clients = Portfolio.model_validate(make_portfolio()).clients
    data = touchpoint_calendar(clients, date(2026, 6, 1), date(2026, 6, 8), TEMPLATES, stamp=datetime(2026, 6, 1, 8, 0))
    events = {str(e["UID"]): e for e in events_of(data)}
    done, skipped, weekly = (events[f"acme-{uid}@carebench"] for uid in ("daily-2026-06-01", "daily-2026-06-02", "weekly-2026-06-08"))
    assert str(done["STATUS"]) == "CONFIRMED" and "Done." in str(done["DESCRIPTION"]) and done["SEQUENCE"] == 1
    assert done.decoded("DTSTART") == datetime(2026, 6, 1, 9, 0, tzinfo=ZoneInfo("UTC"))
    assert str(skipped["STATUS"]) == "CANCELLED" and "Skipped: client holiday" in str(skipped["DESCRIPTION"])
    assert str(weekly["STATUS"]) == "CANCELLED" and "Skipped: CIO away" in str(weekly["DESCRIPTION"])
    scheduled = events["acme-daily-2026-06-03@carebench"]
    assert str(scheduled["STATUS"]) == "CONFIRMED" and scheduled["SEQUENCE"] == 0


def test_a_kind_without_script_gets_half_an_hour(make_portfolio):
    clients = Portfolio.model_validate(make_portfolio()).clients
    templates = {k: v for k, v in TEMPLATES.items() if k != "recovery"}
    events = events_of(touchpoint_calendar(clients, date(2026, 6, 9), date(2026, 6, 9), templates))
    (recovery,) = [e for e in events if str(e["UID"]).startswith("acme-recovery")]
    assert recovery.decoded("DURATION") == timedelta(minutes=30)
    assert "No check-in script for recovery touchpoints" in str(recovery["DESCRIPTION"])


def test_empty_range_gives_a_valid_empty_calendar(cal_db):
    run, database = cal_db
    data = run.ok("calendar", "--owner", "nobody", "--from", "2026-06-15", db=database).stdout
    assert events_of(data.encode()) == []


@pytest.mark.parametrize(
    "args, message",
    [
        (["--from", "2026-06-15", "--to", "2026-06-01"], "error: --to 2026-06-01 is before --from 2026-06-15"),
        (["--from", "2026-01-01", "--to", "2036-01-01"], "longer than five years"),
        (["--from", "June"], "error: Invalid value for '--from'"),
    ],
)
def test_bad_ranges_are_refused(cal_db, args, message):
    run, database = cal_db
    result = run("calendar", *args, db=database)
    assert result.returncode == 2 and message in result.stderr and result.stdout == ""


# ----- [calendar_events] in the team rules ---------------------------------------------------------------------

CUSTOM_EVENTS = """
[calendar_events]
time_zone = "America/New_York"
daily = { at = "08:30", minutes = 15 }
weekly = { at = 14:00:00 }
"""


def test_rules_set_times_lengths_and_the_zone(tmp_path, make_runner, portfolio_file):
    run = make_runner(tmp_path / "home")
    database = tmp_path / "cal.db"
    run.ok("import", portfolio_file, db=database)
    assert "[calendar_events]" in run.ok("rules", "export", db=database).stdout
    rules = tmp_path / "rules.toml"
    rules.write_text(CUSTOM_EVENTS, encoding="utf-8")
    run.ok("rules", "import", rules, db=database)
    data = run.ok("calendar", "--from", "2026-06-03", "--to", "2026-06-03", "--owner", "ana", db=database, env=IN_BERLIN).stdout
    events = {str(e["UID"]): e for e in events_of(data.encode())}
    new_york = ZoneInfo("America/New_York")
    daily = events["acme-daily-2026-06-03@carebench"]
    assert daily.decoded("DTSTART") == datetime(2026, 6, 3, 8, 30, tzinfo=new_york) and daily.decoded("DURATION") == timedelta(minutes=15)
    data = run.ok("calendar", "--from", "2026-06-15", "--to", "2026-06-15", "--owner", "ana", db=database).stdout
    (weekly,) = events_of(data.encode())
    assert weekly.decoded("DTSTART") == datetime(2026, 6, 15, 14, 0, tzinfo=new_york), "the script's 60 minutes"
    assert weekly.decoded("DURATION") == timedelta(minutes=60) and weekly["DTSTART"].params["TZID"] == "America/New_York"
    (zone,) = Calendar.from_ical(data).walk("VTIMEZONE")
    assert str(zone["TZID"]) == "America/New_York"


def test_a_practice_on_utc_gets_utc_times_and_no_zone_definition(make_portfolio):
    from carebench.core.rules import read_rules

    clients = Portfolio.model_validate(make_portfolio()).clients
    events = read_rules('[calendar_events]\ntime_zone = "UTC"\ndaily = { at = "07:45", minutes = 15 }\n').events
    data = touchpoint_calendar(clients, date(2026, 6, 3), date(2026, 6, 4), TEMPLATES, events=events, zone="UTC")
    assert b"VTIMEZONE" not in data and b"TZID" not in data
    starts = sorted(e.decoded("DTSTART") for e in events_of(data))
    assert starts and all(start.utcoffset() == timedelta(0) for start in starts)


def test_the_zone_defaults_to_the_computers_own(cal_db):
    run, database = cal_db
    for tz, name in (("Asia/Tokyo", "Asia/Tokyo"), (":Europe/Berlin", "Europe/Berlin")):
        data = run.ok("calendar", "--from", "2026-06-15", "--to", "2026-06-15", db=database, env={"TZ": tz}).stdout
        assert f"DTSTART;TZID={name}:" in data and f"TZID:{name}" in data


@pytest.mark.parametrize(
    "table, said",
    [
        ('time_zone = "Mars/Olympus"', 'calendar_events.time_zone: "Mars/Olympus" is not a time zone name known here'),
        ("time_zone = 3", "calendar_events.time_zone: must be a time zone name, not 3"),
        ('daily = { at = "25:00" }', 'calendar_events.daily.at: must be a time of day like "09:00", not the text "25:00"'),
        ("daily = { minutes = 0 }", "calendar_events.daily.minutes: must be a whole number of minutes (1-480), not 0"),
        ('daily = { at = "09:00", length = 5 }', "calendar_events.daily.length: is not a rule carebench knows"),
        ("lunch = { at = 12:00:00 }", "calendar_events.lunch: is not a rule carebench knows"),
    ],
)
def test_bad_calendar_rules_are_refused_with_their_line(tmp_path, make_runner, table, said, dump_db, portfolio_file):
    run = make_runner(tmp_path / "home")
    database = tmp_path / "cal.db"
    run.ok("import", portfolio_file, db=database)
    before = dump_db(database)
    rules = tmp_path / "rules.toml"
    rules.write_text(f"[calendar_events]\n{table}\n", encoding="utf-8")
    result = run("rules", "import", rules, db=database)
    assert result.returncode == 2 and f"{rules}:2: {said}" in result.stderr and "Traceback" not in result.stderr
    assert dump_db(database) == before
