"""The team rules as the core reads them: first_day for every unit, the working calendar, weights and bands,
and a rules document checked whole with the line of what is wrong."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest

from carebench.core.calendar import WorkCalendar
from carebench.core.health import assessment_figures, band_of
from carebench.core.models import Assessment, Scores
from carebench.core.rules import DEFAULT_RULES, Rules, RulesProblem, bundled_rules_text, read_rules
from carebench.core.schedule import DEFAULT_PLANS, Plans, client_band, plan_occurrences
from carebench.core.weighting import DEFAULT_BANDS, Bands, Scale

GO_LIVE = date(2026, 6, 1)  # a Monday: day 1


def plans(**rule) -> Plans:
    return Plans.model_validate({"rule": [{"tier": "gold", "kind": "weekly", **rule}]})


FIRST_DAY = [
    # unit "working_day": days 1-10 are 06-01..06-10; from day 4 (06-04) on, weekends skipped
    ("working_day", {"unit": "working_day", "kind": "daily", "first_day": 4, "last_day": 10}, ["06-04", "06-05", "06-08", "06-09", "06-10"]),
    # unit "days" every 7: days 8, 15, 22, 29; first_day 20 keeps days 22 and 29
    ("days (weekly)", {"unit": "days", "every": 7, "first_day": 20, "last_day": 30}, ["06-22", "06-29"]),
    # unit "days" every 14: days 15, 29, 43, 57, 71, 85; first_day 31 keeps 43 onwards
    ("days (biweekly)", {"unit": "days", "every": 14, "first_day": 31, "last_day": 90}, ["07-13", "07-27", "08-10", "08-24"]),
    # unit "months": 07-01 (day 31), 08-01 (day 62), 09-01 (day 93); first_day 60 keeps the last two
    ("months", {"unit": "months", "every": 1, "count": 3, "first_day": 60}, ["08-03", "09-01"]),
    # first_day 1 (the default) leaves every one in
    ("months from day 1", {"unit": "months", "every": 1, "count": 2}, ["07-01", "08-03"]),
    # unit "day_numbers": days 30 (06-30), 60 (07-30) and 90 (Saturday 08-29, moved to Monday 08-31)
    ("day_numbers", {"unit": "day_numbers", "kind": "retrospective", "days": [30, 60, 90]}, ["06-30", "07-30", "08-31"]),
    ("day_numbers from day 31", {"unit": "day_numbers", "kind": "retrospective", "days": [90, 30, 60], "first_day": 31}, ["07-30", "08-31"]),
]


@pytest.mark.parametrize(("rule", "expected"), [case[1:] for case in FIRST_DAY], ids=[case[0] for case in FIRST_DAY])
def test_first_day_leaves_out_what_comes_before_it_for_every_unit(rule, expected):
    # 2026-08-01 is a Saturday: that monthly moves to Monday 08-03.
    found = [day.strftime("%m-%d") for day, _ in plan_occurrences("gold", GO_LIVE, plans(**rule), WorkCalendar())]
    assert found == expected


def test_first_day_after_last_day_is_refused():
    with pytest.raises(ValueError, match="first_day"):
        plans(unit="days", every=7, first_day=40, last_day=30)


DAY_NUMBERS_REFUSED = [
    ("no days", {"unit": "day_numbers"}, "needs days"),
    ("empty days", {"unit": "day_numbers", "days": []}, "needs days"),
    ("a day twice", {"unit": "day_numbers", "days": [30, 30]}, "30 twice"),
    ("day 0", {"unit": "day_numbers", "days": [0, 30]}, "from 1 to 3660"),
    ("past ten years", {"unit": "day_numbers", "days": [3661]}, "from 1 to 3660"),
    ("gated", {"unit": "day_numbers", "days": [30], "gated": True}, "cannot be gated"),
    ("with last_day", {"unit": "day_numbers", "days": [30], "last_day": 90}, "not last_day or count"),
    ("with every", {"unit": "day_numbers", "days": [30], "every": 7}, "takes no every"),
    ("days on a days rule", {"unit": "days", "every": 7, "last_day": 30, "days": [30]}, "only a day_numbers rule"),
]


@pytest.mark.parametrize(("rule", "message"), [case[1:] for case in DAY_NUMBERS_REFUSED], ids=[case[0] for case in DAY_NUMBERS_REFUSED])
def test_a_day_numbers_rule_is_checked(rule, message):
    with pytest.raises(ValueError, match=message):
        plans(**{"kind": "retrospective", **rule})


def test_the_bundled_rules_hold_a_retrospective_at_the_end_of_each_phase_for_every_tier():
    for tier in ("platinum", "gold", "silver"):
        found = [day for day, kind in plan_occurrences(tier, GO_LIVE, DEFAULT_PLANS, WorkCalendar()) if kind == "retrospective"]
        assert found == [date(2026, 6, 30), date(2026, 7, 30), date(2026, 8, 31)], tier


CALENDARS = [
    # weekly on day 8 = Monday 06-08
    ("no holidays", WorkCalendar(), "days", "06-08"),
    ("a holiday moves it to the next working day", WorkCalendar(holidays=frozenset({date(2026, 6, 8)})), "days", "06-09"),
    ("two holidays in a row", WorkCalendar(holidays=frozenset({date(2026, 6, 8), date(2026, 6, 9)})), "days", "06-10"),
    ("a Monday that is not a working day", WorkCalendar(weekdays=frozenset({1, 2, 3, 4})), "days", "06-09"),
]


@pytest.mark.parametrize(("calendar", "unit", "expected"), [case[1:] for case in CALENDARS], ids=[case[0] for case in CALENDARS])
def test_holidays_and_working_days_move_a_touchpoint(calendar, unit, expected):
    found = plan_occurrences("gold", GO_LIVE, plans(unit=unit, every=7, last_day=8), calendar)
    assert [day.strftime("%m-%d") for day, _ in found] == [expected]


def test_a_holiday_takes_out_a_daily_touchpoint():
    calendar = WorkCalendar(holidays=frozenset({date(2026, 6, 2)}))
    found = plan_occurrences("gold", GO_LIVE, plans(unit="working_day", kind="daily", last_day=3), calendar)
    assert [day for day, _ in found] == [date(2026, 6, 1), date(2026, 6, 3)]


# Sub-scores whose component sums are 21, 21, 24: means 7, 7, 8.
SCORES = Scores(
    achievement=7, trend=7, sustainability=7, adherence=7, engagement=7, leadership=7, communication=8, satisfaction=8, expansion_interest=8
)
DEFAULT = {"performance": Decimal("0.40"), "adoption": Decimal("0.30"), "relationship": Decimal("0.30")}
RELATIONSHIP_HEAVY = {"performance": Decimal("0.2"), "adoption": Decimal("0.2"), "relationship": Decimal("0.6")}
SCORING = [
    # 0.4*7 + 0.3*7 + 0.3*8 = 7.3: yellow under the bundled bands
    ("bundled", DEFAULT, DEFAULT_BANDS, Decimal("7.3"), "yellow"),
    ("green from 7.0", DEFAULT, Bands(green_from=Decimal("7.0"), yellow_from=Decimal("6.0")), Decimal("7.3"), "green"),
    ("yellow from 7.5", DEFAULT, Bands(green_from=Decimal("9.0"), yellow_from=Decimal("7.5")), Decimal("7.3"), "red"),
    # 0.2*7 + 0.2*7 + 0.6*8 = 7.6
    ("relationship weighs 0.6", RELATIONSHIP_HEAVY, DEFAULT_BANDS, Decimal("7.6"), "yellow"),
    ("relationship weighs 0.6, green from 7.6", RELATIONSHIP_HEAVY, Bands(green_from=Decimal("7.6")), Decimal("7.6"), "green"),
]


@pytest.mark.parametrize(("weights", "bands", "overall", "band"), [case[1:] for case in SCORING], ids=[case[0] for case in SCORING])
def test_weights_and_bands_decide_overall_and_band(weights, bands, overall, band):
    assessment = Assessment(date=date(2026, 6, 10), scores=SCORES)
    found_overall, found_band, *_ = assessment_figures(assessment, None, weights, bands)
    assert (found_overall, found_band) == (overall, band)
    client_like = type("C", (), {"assessments": [assessment]})()
    assert client_band(client_like, date(2026, 6, 10), Scale(weights, bands)) == band


def test_bands_must_leave_yellow_below_green():
    with pytest.raises(ValueError, match="yellow_from < green_from"):
        Bands(green_from=Decimal("6.0"), yellow_from=Decimal("7.0"))
    assert band_of(Decimal("5.95")) == "yellow"  # read after rounding: 6.0


def test_the_bundled_document_holds_what_the_rules_always_were():
    rules = read_rules(bundled_rules_text(), "rules.toml")
    assert rules.fingerprint == DEFAULT_RULES.fingerprint
    assert rules.plans == DEFAULT_PLANS
    assert rules.weights == DEFAULT
    assert rules.bands == DEFAULT_BANDS and rules.retained_threshold == 0.8
    assert rules.calendar == WorkCalendar()
    assert rules.resolve_within_hours == {"P1": 24, "P2": 24, "P3": 24, "P4": 24} and rules.median_resolution_hours == 24
    platinum, gold, silver = (rules.response[tier] for tier in ("platinum", "gold", "silver"))
    assert (platinum.hours, platinum.first_response_hours) == ("any", 1)
    assert (gold.hours, gold.same_business_day) == ("working", True)
    assert silver.first_response_hours == 24


def test_a_document_of_a_few_keys_keeps_the_rest_as_bundled():
    rules = read_rules('[calendar]\nworking_days = ["monday", "tuesday"]\nholidays = [2026-12-25, "2026-12-26"]\n')
    assert rules.calendar == WorkCalendar(weekdays=frozenset({0, 1}), holidays=frozenset({date(2026, 12, 25), date(2026, 12, 26)}))
    assert rules.weights == DEFAULT and rules.plans == DEFAULT_PLANS
    assert rules.fingerprint != DEFAULT_RULES.fingerprint


PROBLEMS = [
    ("TOML syntax", "[calendar]\nholidays = [2026-12-25\n", "f.toml:2: not valid TOML"),
    ("TOML syntax in a line", "[health]\ngreen_from = 8.0.0\n", "f.toml:2: not valid TOML"),
    ("unknown table", "[cadence]\nx = 1\n", "f.toml:1: cadence: is not a rule carebench knows"),
    ("unknown key", "[health]\n\ngreen = 8\n", "f.toml:3: health.green: is not a rule carebench knows"),
    ("text for a number", '[kpis]\nbacksliding_below = "0.8"\n', 'f.toml:2: kpis.backsliding_below: must be a number, not the text "0.8"'),
    ("true for a number", "[health]\ngreen_from = true\n", "f.toml:2: health.green_from: must be a number, not true"),
    (
        "negative weight",
        "[health]\nweights = { performance = -0.4, adoption = 0.7, relationship = 0.7 }\n",
        "f.toml:2: health.weights: weight for performance must be between 0 and 1",
    ),
    (
        "weights not summing to 1",
        "[health]\nweights = { performance = 0.5, adoption = 0.3, relationship = 0.3 }\n",
        "f.toml:2: health.weights: weights must sum to 1",
    ),
    ("unknown weight", "[health]\nweights = { performance = 0.4, adoption = 0.3, social = 0.3 }\n", "f.toml:2: health.weights.social: is not a rule"),
    ("threshold above 1", "[kpis]\nbacksliding_below = 1.5\n", "f.toml:2: kpis.backsliding_below: must be more than 0 and at most 1"),
    ("day name", '[calendar]\nworking_days = ["mon"]\n', "f.toml:2: calendar.working_days: must be a non-empty list of day names"),
    (
        "holiday",
        '[calendar]\nholidays = ["2026-02-30"]\n',
        'f.toml:2: calendar.holidays: item 1 must be a date like 2026-12-25, not the text "2026-02-30"',
    ),
    ("tier", '[response]\nbronze = { hours = "any" }\n', "f.toml:2: response.bronze: is not a rule carebench knows"),
    ("first response", "[response]\ngold = { first_response = 0 }\n", "f.toml:2: response.gold.first_response: must be a whole number of hours"),
    ("priority", "[tickets]\nresolve_within_hours = { P5 = 4 }\n", "f.toml:2: tickets.resolve_within_hours.P5: is not a rule"),
    ("hours", "[tickets]\nmedian_resolution_hours = -1\n", "f.toml:2: tickets.median_resolution_hours: must be more than 0"),
    (
        "second plan rule",
        '[[rule]]\ntier = "gold"\nkind = "weekly"\nunit = "days"\nlast_day = 30\n\n'
        '[[rule]]\ntier = "gold"\nkind = "fortnightly"\nunit = "days"\nlast_day = 30\n',
        "f.toml:9: rule[1].kind: must be one of",
    ),
    (
        "plan rule key",
        '[[rule]]\ntier = "gold"\nkind = "weekly"\nunit = "days"\nlast_day = 30\nstart = 3\n',
        "f.toml:6: rule[0].start: is not a field carebench knows",
    ),
]


@pytest.mark.parametrize(("text", "said"), [case[1:] for case in PROBLEMS], ids=[case[0] for case in PROBLEMS])
def test_a_bad_document_says_its_line_and_what_is_wrong(text, said):
    with pytest.raises(RulesProblem) as caught:
        read_rules(text, "f.toml")
    assert str(caught.value).startswith(said), str(caught.value)


def test_rules_cannot_be_changed_once_made():
    with pytest.raises(AttributeError):
        DEFAULT_RULES.fingerprint = "x"  # type: ignore[misc]
    assert Rules(calendar=WorkCalendar(weekdays=frozenset(range(7)))).fingerprint != DEFAULT_RULES.fingerprint


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_rebuild_progress_shows_only_once_it_took_a_second():
    from carebench.cli.group import RebuildProgress

    now = [0.0]
    stream = _Terminal()
    progress = RebuildProgress(stream, clock=lambda: now[0])
    progress(0, 500)
    now[0] = 0.5
    progress(250, 500)
    assert stream.getvalue() == ""
    now[0] = 1.5
    progress(500, 500)
    assert "500/500 clients" in stream.getvalue() and stream.getvalue().endswith("\n")
    quiet = io.StringIO()  # not a terminal: nothing drawn
    piped = RebuildProgress(quiet, clock=lambda: now[0])
    piped(0, 10)
    now[0] = 10.0
    piped(10, 10)
    assert quiet.getvalue() == ""
