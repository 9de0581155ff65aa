"""The support clock: when a tier's first response and a ticket's resolution are due, and when that was missed."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from carebench.core.models import Ticket
from carebench.core.rules import DEFAULT_RULES, RulesProblem, read_rules
from carebench.core.support import due_soon, resolve_due, response_due, support_kpis, ticket_clock, tickets_by_category

# 2026-06-12 is a Friday, 2026-06-14 a Sunday, 2026-06-15 a Monday.
HOLIDAY_MONDAY = read_rules("[calendar]\nholidays = [2026-06-15]\n")
SILVER_ANY_HOUR = read_rules('[response]\nsilver = { hours = "any", first_response = 24 }\n')
EARLY_HOURS = read_rules('[calendar]\nbusiness_hours = "07:30-15:00"\n')


def ticket(opened: str, *, responded: str | None = None, resolved: str | None = None, impact: str = "low", category: str = "other") -> Ticket:
    return Ticket(
        ref="T-1",
        title="Something broke",
        category=category,
        impact=impact,
        users="few",
        opened=datetime.fromisoformat(opened),
        first_response=datetime.fromisoformat(responded) if responded else None,
        resolved=datetime.fromisoformat(resolved) if resolved else None,
    )


RESPONSE = [
    ("gold, Friday 16:30: closing time that day", "gold", "2026-06-12 16:30", DEFAULT_RULES, "2026-06-12 17:00"),
    ("gold, Friday 18:00: Monday's closing time", "gold", "2026-06-12 18:00", DEFAULT_RULES, "2026-06-15 17:00"),
    ("gold, Friday 17:00 exactly: no time left that day", "gold", "2026-06-12 17:00", DEFAULT_RULES, "2026-06-15 17:00"),
    ("gold, Saturday morning: Monday", "gold", "2026-06-13 10:00", DEFAULT_RULES, "2026-06-15 17:00"),
    ("gold, Friday evening before a holiday Monday: Tuesday", "gold", "2026-06-12 18:00", HOLIDAY_MONDAY, "2026-06-16 17:00"),
    ("gold, on the holiday itself: the next working day", "gold", "2026-06-15 10:00", HOLIDAY_MONDAY, "2026-06-16 17:00"),
    ("gold, before opening: the same day", "gold", "2026-06-12 06:00", DEFAULT_RULES, "2026-06-12 17:00"),
    ("gold, other business hours", "gold", "2026-06-12 15:30", EARLY_HOURS, "2026-06-15 15:00"),
    ("platinum, Sunday 03:00: one hour, any hour", "platinum", "2026-06-14 03:00", DEFAULT_RULES, "2026-06-14 04:00"),
    ("platinum, over a holiday too", "platinum", "2026-06-15 23:30", HOLIDAY_MONDAY, "2026-06-16 00:30"),
    # 24 working hours from Friday 10:00: Fri 7 h, Mon 8 h, Tue 8 h, then 1 h on Wednesday
    ("silver, working hours across a weekend", "silver", "2026-06-12 10:00", DEFAULT_RULES, "2026-06-17 10:00"),
    ("silver, working hours, a holiday Monday adds a day", "silver", "2026-06-12 10:00", HOLIDAY_MONDAY, "2026-06-18 10:00"),
    ("silver, logged on Saturday: counted from Monday's opening", "silver", "2026-06-13 12:00", DEFAULT_RULES, "2026-06-17 17:00"),
    ("silver, any hour across a weekend", "silver", "2026-06-12 10:00", SILVER_ANY_HOUR, "2026-06-13 10:00"),
]


@pytest.mark.parametrize(("tier", "opened", "rules", "due"), [case[1:] for case in RESPONSE], ids=[case[0] for case in RESPONSE])
def test_response_due_per_tier_at_the_edges(tier, opened, rules, due):
    assert response_due(ticket(opened), tier, rules) == datetime.fromisoformat(due)


def test_a_response_exactly_at_the_due_time_is_on_time_and_a_minute_later_is_late():
    on_time = ticket_clock(ticket("2026-06-12 16:30", responded="2026-06-12 17:00"), "gold", DEFAULT_RULES, datetime(2026, 6, 20))
    assert (on_time.response_due, on_time.response_breached) == (datetime(2026, 6, 12, 17), False)
    late = ticket_clock(ticket("2026-06-12 16:30", responded="2026-06-12 17:01"), "gold", DEFAULT_RULES, datetime(2026, 6, 20))
    assert late.response_breached


def test_an_unanswered_ticket_is_breached_once_now_is_past_the_due_time():
    open_one = ticket("2026-06-14 03:00")
    assert not ticket_clock(open_one, "platinum", DEFAULT_RULES, datetime(2026, 6, 14, 4, 0)).response_breached
    assert ticket_clock(open_one, "platinum", DEFAULT_RULES, datetime(2026, 6, 14, 4, 1)).response_breached


def test_resolution_counts_every_hour_of_the_priority_target():
    rules = read_rules("[tickets]\nresolve_within_hours = { P4 = 48 }\n")
    friday = ticket("2026-06-12 16:30")
    assert resolve_due(friday, rules) == datetime(2026, 6, 14, 16, 30)
    clock = ticket_clock(ticket("2026-06-12 16:30", resolved="2026-06-14 16:30"), "silver", rules, datetime(2026, 6, 20))
    assert not clock.resolve_breached
    assert ticket_clock(friday, "silver", rules, datetime(2026, 6, 14, 16, 31)).resolve_breached


DUE_SOON = [
    ("an hour left of a long window", "2026-06-12 10:00", "2026-06-15 17:00", "2026-06-15 16:00", True),
    ("61 minutes left", "2026-06-12 10:00", "2026-06-15 17:00", "2026-06-15 15:59", False),
    ("a 1-hour window warns in its last tenth", "2026-06-14 03:00", "2026-06-14 04:00", "2026-06-14 03:54", True),
    ("a 1-hour window, 7 minutes left", "2026-06-14 03:00", "2026-06-14 04:00", "2026-06-14 03:53", False),
    ("past due is breached, not due soon", "2026-06-14 03:00", "2026-06-14 04:00", "2026-06-14 04:01", False),
]


@pytest.mark.parametrize(("opened", "due", "now", "soon"), [case[1:] for case in DUE_SOON], ids=[case[0] for case in DUE_SOON])
def test_due_soon_is_the_last_hour_or_the_last_tenth_when_shorter(opened, due, now, soon):
    assert due_soon(datetime.fromisoformat(due), datetime.fromisoformat(opened), datetime.fromisoformat(now)) is soon


BAD_HOURS = [
    ("closing before opening", '"17:00-09:00"', "must open before it closes"),
    ("no range", '"09:00"', 'must be opening and closing times like "09:00-17:00", not the text "09:00"'),
    ("not a time", '"9am-5pm"', "must be opening and closing times"),
    ("hour 24", '"09:00-24:00"', "must be opening and closing times"),
    ("a number", "9", 'must be opening and closing times like "09:00-17:00", not 9'),
]


@pytest.mark.parametrize(("value", "said"), [case[1:] for case in BAD_HOURS], ids=[case[0] for case in BAD_HOURS])
def test_bad_business_hours_are_refused_with_their_line(value, said):
    with pytest.raises(RulesProblem) as caught:
        read_rules(f'[calendar]\nworking_days = ["monday"]\nbusiness_hours = {value}\n', "f.toml")
    assert str(caught.value).startswith(f"f.toml:3: calendar.business_hours: {said}"), str(caught.value)


def test_the_bundled_rules_have_business_hours_nine_to_five():
    assert DEFAULT_RULES.business_hours == (datetime(1, 1, 1, 9).time(), datetime(1, 1, 1, 17).time())
    assert 'business_hours = "09:00-17:00"' in DEFAULT_RULES.document


def test_share_of_first_responses_on_time_per_week():
    tickets = [
        ticket("2026-06-08 10:00", responded="2026-06-08 17:00"),  # gold: on time, exactly at closing
        ticket("2026-06-08 10:00", responded="2026-06-09 09:00"),  # late
        ticket("2026-06-09 10:00", responded="2026-06-09 11:00"),
        ticket("2026-06-15 10:00", responded="2026-06-15 18:00"),  # late, next week
    ]
    kpis = {k.key: k for k in support_kpis(tickets, date(2026, 6, 16), response_due=lambda t: response_due(t, "gold", DEFAULT_RULES))}
    on_time = kpis["support-response-on-time"]
    assert [(r.date, r.value) for r in on_time.readings] == [(date(2026, 6, 14), 66.7), (date(2026, 6, 16), 0.0)]
    assert (on_time.direction, on_time.target, on_time.unit) == ("higher", 100.0, "%")
    assert "support-response-on-time" not in {k.key for k in support_kpis(tickets, date(2026, 6, 16))}


def test_tickets_by_category_counts_the_period_most_first():
    tickets = [
        ticket("2026-06-01 10:00", category="access"),
        ticket("2026-06-08 10:00", category="defect"),
        ticket("2026-06-09 10:00", category="defect"),
        ticket("2026-06-10 10:00", category="access"),
        ticket("2026-06-10 11:00", category="question"),
    ]
    assert tickets_by_category(tickets, date(2026, 6, 8), date(2026, 6, 14)) == {"defect": 2, "access": 1, "question": 1}
    assert tickets_by_category(tickets, date(2026, 7, 1), date(2026, 7, 31)) == {}


def gold_client(*tickets: Ticket):
    from carebench.core.models import Client

    return Client(id="acme", name="Acme", tier="gold", go_live=date(2026, 6, 1), owner="ana", tickets=list(tickets))


def clock_findings(client, now: str) -> list[tuple[str, str]]:
    from carebench.core.alerts import ticket_clock_findings

    return [(f.id, f.severity) for f in ticket_clock_findings(client, datetime.fromisoformat(now), DEFAULT_RULES)]


CHECKS = [
    # gold, logged Friday 16:30 (due 17:00, a 30-minute window: due soon from 16:57)
    ("30 min window, 4 min left", "2026-06-12 16:56", []),
    ("30 min window, 3 min left", "2026-06-12 16:57", [("ticket-response-soon:acme:t-1", "low")]),
    ("exactly at the due time", "2026-06-12 17:00", [("ticket-response-soon:acme:t-1", "low")]),
    ("a minute late", "2026-06-12 17:01", [("ticket-response-late:acme:t-1", "medium")]),
    # resolution (P4: 24 h) due Saturday 16:30
    ("resolution due within the hour", "2026-06-13 15:30", [("ticket-response-late:acme:t-1", "medium"), ("ticket-resolve-soon:acme:t-1", "low")]),
    ("resolution late", "2026-06-13 16:31", [("ticket-response-late:acme:t-1", "medium"), ("ticket-resolve-late:acme:t-1", "low")]),
]


@pytest.mark.parametrize(("now", "expected"), [case[1:] for case in CHECKS], ids=[case[0] for case in CHECKS])
def test_check_raises_late_and_about_to_be_late_tickets(now, expected):
    assert clock_findings(gold_client(ticket("2026-06-12 16:30")), now) == expected


def test_check_leaves_answered_and_resolved_tickets_and_p1_resolution_to_its_own_rule():
    answered = ticket("2026-06-12 16:30", responded="2026-06-12 16:40")
    assert clock_findings(gold_client(answered), "2026-06-12 17:30") == []
    resolved = ticket("2026-06-12 16:30", responded="2026-06-12 17:30", resolved="2026-06-12 17:40")
    assert clock_findings(gold_client(resolved), "2026-06-20 09:00") == []
    p1 = ticket("2026-06-12 16:30", responded="2026-06-12 16:40", impact="high").model_copy(update={"users": "many"})
    assert clock_findings(gold_client(p1), "2026-06-20 09:00") == []  # ticket-p1-open says it


def test_an_unanswered_p1_late_for_its_response_is_high():
    p1 = ticket("2026-06-12 16:30", impact="high").model_copy(update={"users": "many"})
    assert clock_findings(gold_client(p1), "2026-06-12 17:05") == [("ticket-response-late:acme:t-1", "high")]


def test_late_findings_can_be_acknowledged_by_ticket():
    from carebench.core.alerts import parse_finding_id

    assert parse_finding_id("ticket-response-late:acme:t-1") == ("ticket-response-late", "acme", "t-1")
    with pytest.raises(ValueError, match="name a ticket after the client"):
        parse_finding_id("ticket-resolve-soon:acme")


CLOCK_TEXT = [
    ("later today", "2026-06-15 17:00", "responds by 17:00"),
    ("exactly now", "2026-06-15 12:00", "responds by 12:00"),
    ("this week", "2026-06-17 10:00", "responds by Wed 10:00"),
    ("further off", "2026-06-30 10:00", "responds by 2026-06-30 10:00"),
    ("minutes late", "2026-06-15 11:15", "response late by 45 min"),
    ("hours late", "2026-06-15 10:00", "response late by 2h"),
    ("days late", "2026-06-12 17:00", "response late by 2d 19h"),
]


@pytest.mark.parametrize(("due", "said"), [case[1:] for case in CLOCK_TEXT], ids=[case[0] for case in CLOCK_TEXT])
def test_the_clock_reads_as_a_time_to_keep_or_how_late(due, said):
    from carebench.app.present import due_clock

    assert due_clock(due, datetime(2026, 6, 15, 12, 0), "responds", "response") == said
