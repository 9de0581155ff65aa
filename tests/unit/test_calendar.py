"""`carebench calendar`: an iCalendar file of scheduled touchpoints, read back with the icalendar package."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

import pytest
from icalendar import Calendar

from carebench.app.feeds import event_uid, touchpoint_calendar
from carebench.app.scriptbook import bundled_scripts, load_scripts
from carebench.core.models import Portfolio
from carebench.core.schedule import schedule

D = date(2026, 6, 15)
MINUTES = {"daily": 20, "weekly": 60, "biweekly": 60, "monthly": 60, "quarterly": 80, "intervention": 35, "recovery": 35}
TEMPLATES = load_scripts([bundled_scripts()])[0]


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
            if tp.status == "scheduled":
                found[event_uid(client.id, tp.kind, tp.moved_from or tp.date)] = (client, tp)
    return found


def test_default_range_is_today_to_90_days_later(cal_db, make_portfolio, tmp_path):
    run, database = cal_db
    out = tmp_path / "touchpoints.ics"
    result = run.ok("--date", "2026-06-15", "calendar", "-o", out, db=database)
    assert result.stdout == "" and str(out) in result.stderr
    events = events_of(out.read_bytes())
    expected = expected_touchpoints(make_portfolio(), D, D + timedelta(days=90))
    assert sorted(str(e["UID"]) for e in events) == sorted(expected)
    assert len(events) == len(expected) > 50
    for event in events:
        client, tp = expected[str(event["UID"])]
        start = event.decoded("DTSTART")
        assert start == datetime.combine(tp.date, time(9, 0)) and start.tzinfo is None, "09:00 floating time"
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
    data = run.ok("calendar", "--from", "2026-06-15", "--to", "2026-06-15", "--owner", "ana", db=database).stdout
    events = {str(e["UID"]): e for e in events_of(data.encode())}
    weekly = events["acme-weekly-2026-06-15@carebench"]
    assert "also covering the recovery call and daily check-in" in str(weekly["DESCRIPTION"])
    assert list(events) == ["acme-weekly-2026-06-15@carebench"], "beta is bob's; cobalt has nothing that day"


def test_a_moved_touchpoint_keeps_the_uid_of_its_original_date(cal_db):
    run, database = cal_db
    data = run.ok("calendar", "--from", "2026-05-01", "--to", "2026-05-31", "--owner", "bob", db=database).stdout
    events = {str(e["UID"]): e for e in events_of(data.encode())}
    moved = events["beta-biweekly-2026-05-13@carebench"]
    assert moved.decoded("DTSTART") == datetime(2026, 5, 14, 9, 0)
    assert "Moved from 2026-05-13" in str(moved["DESCRIPTION"])
    assert "beta-biweekly-2026-05-14@carebench" not in events


def test_uids_are_stable_and_unique(cal_db):
    run, database = cal_db
    first = events_of(run.ok("--date", "2026-06-15", "calendar", db=database).stdout.encode())
    second = events_of(run.ok("calendar", "--from", "2026-06-15", db=database).stdout.encode())
    uids = [str(e["UID"]) for e in first]
    assert len(uids) == len(set(uids))
    assert uids == [str(e["UID"]) for e in second]
    assert all(uid.endswith("@carebench") for uid in uids)


def test_done_and_skipped_touchpoints_are_left_out(make_portfolio):
    clients = Portfolio.model_validate(make_portfolio()).clients
    data = touchpoint_calendar(clients, date(2026, 6, 1), date(2026, 6, 8), TEMPLATES, stamp=datetime(2026, 6, 1, 8, 0))
    uids = {str(e["UID"]) for e in events_of(data)}
    assert "acme-daily-2026-06-01@carebench" not in uids  # done
    assert "acme-daily-2026-06-02@carebench" not in uids  # skipped
    assert "acme-weekly-2026-06-08@carebench" not in uids  # skipped
    assert "acme-daily-2026-06-03@carebench" in uids


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
