"""Tests for the health score rules in carebench.core.health."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carebench.core.health import (
    BAND_ADVICE,
    BAND_LABEL,
    COMPONENTS,
    DEFAULT_WEIGHTS,
    band_of,
    component_score,
    health_history,
    health_report,
    latest_on_or_before,
    overall_score,
    previous_of,
    round_half_up,
    share_to_score,
    suggest_subscores,
    validate_weights,
)
from carebench.core.kpis import KpiStatus
from carebench.core.models import SUBSCORES, Assessment, Scores


def scores(performance=(7, 7, 7), adoption=(7, 7, 7), relationship=(7, 7, 7)) -> Scores:
    """Build Scores from three component triples, in SUBSCORES order."""
    return Scores(**dict(zip(SUBSCORES, (*performance, *adoption, *relationship))))


def weights(performance: str, adoption: str, relationship: str) -> dict[str, Decimal]:
    return {"performance": Decimal(performance), "adoption": Decimal(adoption), "relationship": Decimal(relationship)}


def assessment(day: date, s: Scores, note: str | None = None) -> Assessment:
    return Assessment(date=day, scores=s, note=note)


def test_components_cover_every_subscore_once():
    flat = [name for names in COMPONENTS.values() for name in names]
    assert sorted(flat) == sorted(SUBSCORES)
    assert sum(DEFAULT_WEIGHTS.values()) == 1


# Weighted overall values picked so the exact value sits on a rounding edge;
# float arithmetic gets several of them wrong (0.85*8 + 0.15*23/3 == 7.9499999...).
OVERALL_CASES = [
    ("all-tens", scores((10, 10, 10), (10, 10, 10), (10, 10, 10)), DEFAULT_WEIGHTS, "10.0", "green"),
    ("all-ones", scores((1, 1, 1), (1, 1, 1), (1, 1, 1)), DEFAULT_WEIGHTS, "1.0", "red"),
    ("all-eights", scores((8, 8, 8), (8, 8, 8), (8, 8, 8)), DEFAULT_WEIGHTS, "8.0", "green"),
    ("all-sixes", scores((6, 6, 6), (6, 6, 6), (6, 6, 6)), DEFAULT_WEIGHTS, "6.0", "yellow"),
    # 239/30 = 7.9666... -> 8.0
    ("7.967-rounds-to-green", scores((8, 8, 7), (8, 8, 8), (9, 8, 8)), DEFAULT_WEIGHTS, "8.0", "green"),
    # 238/30 = 7.9333... -> 7.9
    ("7.933-stays-yellow", scores((9, 8, 8), (8, 8, 7), (8, 8, 7)), DEFAULT_WEIGHTS, "7.9", "yellow"),
    # 179/30 = 5.9666... -> 6.0
    ("5.967-rounds-to-yellow", scores((6, 6, 5), (6, 6, 6), (7, 6, 6)), DEFAULT_WEIGHTS, "6.0", "yellow"),
    # 178/30 = 5.9333... -> 5.9
    ("5.933-stays-red", scores((6, 5, 5), (7, 6, 6), (7, 6, 6)), DEFAULT_WEIGHTS, "5.9", "red"),
    # 0.85*8 + 0.15*23/3 = 7.95 exactly -> 8.0
    ("7.95-half-up-green", scores((8, 8, 8), (8, 8, 7), (1, 1, 1)), weights("0.85", "0.15", "0"), "8.0", "green"),
    # 0.94*8 + 0.06*7 = 7.94 -> 7.9
    ("7.94-yellow", scores((8, 8, 8), (7, 7, 7), (1, 1, 1)), weights("0.94", "0.06", "0"), "7.9", "yellow"),
    # 0.85*6 + 0.15*17/3 = 5.95 -> 6.0
    ("5.95-half-up-yellow", scores((6, 6, 6), (6, 6, 5), (1, 1, 1)), weights("0.85", "0.15", "0"), "6.0", "yellow"),
    # 0.94*6 + 0.06*5 = 5.94 -> 5.9
    ("5.94-red", scores((6, 6, 6), (5, 5, 5), (1, 1, 1)), weights("0.94", "0.06", "0"), "5.9", "red"),
    ("only-relationship-counts", scores((1, 1, 1), (1, 1, 1), (9, 9, 9)), weights("0", "0", "1"), "9.0", "green"),
]


@pytest.mark.parametrize(("s", "w", "expected", "band"), [c[1:] for c in OVERALL_CASES], ids=[c[0] for c in OVERALL_CASES])
def test_overall_score_and_band(s, w, expected, band):
    overall = overall_score(s, w)
    assert overall == Decimal(expected)
    assert str(overall) == expected  # always one decimal place
    assert band_of(overall) == band


BAND_CASES = [
    ("10.0", "green"),
    ("8.0", "green"),
    ("7.96", "green"),
    ("7.95", "green"),
    ("7.94", "yellow"),
    ("7.9", "yellow"),
    ("6.0", "yellow"),
    ("5.95", "yellow"),
    ("5.94", "red"),
    ("5.9", "red"),
    ("1.0", "red"),
]


@pytest.mark.parametrize(("overall", "band"), BAND_CASES, ids=[c[0] for c in BAND_CASES])
def test_band_of_reads_the_rounded_value(overall, band):
    assert band_of(Decimal(overall)) == band


def test_band_tables_name_every_band():
    assert set(BAND_ADVICE) == set(BAND_LABEL) == {"green", "yellow", "red"}
    assert BAND_LABEL == {"green": "thriving", "yellow": "at risk", "red": "critical"}
    assert all(len(advice) == 3 for advice in BAND_ADVICE.values())


ROUND_CASES = [
    ("half-up", Fraction(795, 100), 1, "8.0"),
    ("below-half", Fraction(794, 100), 1, "7.9"),
    ("two-places", Fraction(23, 3), 2, "7.67"),
    ("whole", Fraction(5, 2), 0, "3"),
    ("negative-half-away", Decimal("-0.05"), 1, "-0.1"),
]


@pytest.mark.parametrize(("value", "places", "expected"), [c[1:] for c in ROUND_CASES], ids=[c[0] for c in ROUND_CASES])
def test_round_half_up(value, places, expected):
    assert str(round_half_up(value, places)) == expected


COMPONENT_CASES = [
    ("performance-23/3", "performance", "7.67"),
    ("adoption-25/3", "adoption", "8.33"),
    ("relationship-whole", "relationship", "5.00"),
]


@pytest.mark.parametrize(("component", "expected"), [c[1:] for c in COMPONENT_CASES], ids=[c[0] for c in COMPONENT_CASES])
def test_component_score_rounds_to_two_decimals(component, expected):
    s = scores((8, 8, 7), (9, 8, 8), (5, 5, 5))
    assert str(component_score(s, component)) == expected


def test_component_score_rejects_unknown_component():
    with pytest.raises(ValueError, match="unknown component"):
        component_score(scores(), "finance")


WEIGHT_OK = [
    ("decimals", weights("0.4", "0.3", "0.3")),
    ("strings", {"performance": "0.5", "adoption": "0.25", "relationship": "0.25"}),
    ("floats-read-as-written", {"performance": 0.4, "adoption": 0.3, "relationship": 0.3}),
    ("zero-and-one", {"performance": 1, "adoption": 0, "relationship": 0}),
]


@pytest.mark.parametrize("w", [c[1] for c in WEIGHT_OK], ids=[c[0] for c in WEIGHT_OK])
def test_validate_weights_accepts(w):
    checked = validate_weights(w)
    assert list(checked) == list(COMPONENTS)
    assert sum(checked.values()) == 1
    assert all(isinstance(v, Decimal) for v in checked.values())


WEIGHT_BAD = [
    ("missing-key", {"performance": Decimal("0.7"), "adoption": Decimal("0.3")}, "missing relationship"),
    ("unknown-key", {**DEFAULT_WEIGHTS, "finance": Decimal("0")}, "unknown finance"),
    ("sum-below-one", weights("0.4", "0.3", "0.2"), "sum to 1"),
    ("sum-above-one", weights("0.4", "0.4", "0.3"), "sum to 1"),
    ("sum-off-by-tiny", weights("0.4", "0.3", "0.3000001"), "sum to 1"),
    ("negative", weights("1.2", "-0.1", "-0.1"), "between 0 and 1"),
    ("above-one", weights("1.5", "-0.5", "0"), "between 0 and 1"),
    ("not-a-number", {"performance": "abc", "adoption": "0.3", "relationship": "0.3"}, "must be a number"),
    ("nan", {"performance": Decimal("NaN"), "adoption": "0.3", "relationship": "0.3"}, "finite"),
    ("bool", {"performance": True, "adoption": 0, "relationship": 0}, "must be a number"),
]


@pytest.mark.parametrize(("w", "message"), [c[1:] for c in WEIGHT_BAD], ids=[c[0] for c in WEIGHT_BAD])
def test_validate_weights_rejects(w, message):
    with pytest.raises(ValueError, match=message):
        validate_weights(w)


def test_overall_score_validates_weights():
    with pytest.raises(ValueError, match="sum to 1"):
        overall_score(scores(), weights("0.5", "0.5", "0.5"))


def test_health_report_without_previous():
    a = assessment(date(2026, 3, 1), scores((8, 8, 7), (8, 8, 8), (9, 8, 8)), note="solid month")
    report = health_report(a, None)
    assert report.date == date(2026, 3, 1)
    assert report.overall == Decimal("8.0")
    assert report.band == "green"
    assert report.previous_overall is None and report.delta is None
    assert report.drivers == []
    assert report.note == "solid month"
    assert list(report.components) == ["performance", "adoption", "relationship"]
    performance = report.components["performance"]
    assert performance.score == Decimal("7.67")
    assert performance.weight == Decimal("0.40")
    assert performance.subscores == {"achievement": 8, "trend": 8, "sustainability": 7}


def test_health_report_delta_and_drivers():
    before = assessment(date(2026, 2, 1), scores((8, 8, 8), (8, 8, 8), (8, 8, 8)))
    after = assessment(date(2026, 3, 1), scores((6, 8, 9), (8, 10, 8), (6, 8, 8)))
    report = health_report(after, before)
    assert report.previous_overall == Decimal("8.0")
    # performance 23/3, adoption 26/3, relationship 22/3 -> (92 + 78 + 66) / 30 = 7.8666 -> 7.9
    assert report.overall == Decimal("7.9")
    assert report.delta == Decimal("-0.1")
    assert str(report.delta) == "-0.1"
    # three moves of size 2 keep SUBSCORES order, the move of size 1 comes last
    assert [(d.subscore, d.before, d.after, d.change) for d in report.drivers] == [
        ("achievement", 8, 6, -2),
        ("engagement", 8, 10, 2),
        ("communication", 8, 6, -2),
        ("sustainability", 8, 9, 1),
    ]


def test_health_report_no_change():
    a = assessment(date(2026, 2, 1), scores())
    b = assessment(date(2026, 3, 1), scores())
    report = health_report(b, a)
    assert report.delta == Decimal("0.0")
    assert report.drivers == []


def test_health_report_uses_custom_weights():
    a = assessment(date(2026, 3, 1), scores((8, 8, 8), (8, 8, 7), (1, 1, 1)))
    report = health_report(a, None, weights("0.85", "0.15", "0"))
    assert report.overall == Decimal("8.0") and report.band == "green"
    assert report.components["relationship"].weight == Decimal("0")


UNSORTED = [
    assessment(date(2026, 3, 1), scores((9, 9, 9), (9, 9, 9), (9, 9, 9))),
    assessment(date(2026, 1, 1), scores((5, 5, 5), (5, 5, 5), (5, 5, 5))),
    assessment(date(2026, 2, 1), scores((7, 7, 7), (7, 7, 7), (7, 7, 7))),
]

LATEST_CASES = [
    ("before-any", date(2025, 12, 31), None),
    ("on-first", date(2026, 1, 1), date(2026, 1, 1)),
    ("between", date(2026, 2, 15), date(2026, 2, 1)),
    ("on-last", date(2026, 3, 1), date(2026, 3, 1)),
    ("after-last", date(2027, 1, 1), date(2026, 3, 1)),
]


@pytest.mark.parametrize(("day", "expected"), [c[1:] for c in LATEST_CASES], ids=[c[0] for c in LATEST_CASES])
def test_latest_on_or_before(day, expected):
    found = latest_on_or_before(UNSORTED, day)
    assert (found.date if found else None) == expected


PREVIOUS_CASES = [
    ("first-has-none", 1, None),
    ("middle", 2, date(2026, 1, 1)),
    ("last", 0, date(2026, 2, 1)),
]


@pytest.mark.parametrize(("index", "expected"), [c[1:] for c in PREVIOUS_CASES], ids=[c[0] for c in PREVIOUS_CASES])
def test_previous_of(index, expected):
    found = previous_of(UNSORTED, UNSORTED[index])
    assert (found.date if found else None) == expected


def test_latest_and_previous_of_empty():
    assert latest_on_or_before([], date(2026, 1, 1)) is None
    assert previous_of([], UNSORTED[0]) is None


HISTORY_CASES = [
    ("all", None, [(date(2026, 1, 1), "5.0", "red"), (date(2026, 2, 1), "7.0", "yellow"), (date(2026, 3, 1), "9.0", "green")]),
    ("until-inclusive", date(2026, 2, 1), [(date(2026, 1, 1), "5.0", "red"), (date(2026, 2, 1), "7.0", "yellow")]),
    ("until-before-any", date(2025, 1, 1), []),
]


@pytest.mark.parametrize(("until", "expected"), [c[1:] for c in HISTORY_CASES], ids=[c[0] for c in HISTORY_CASES])
def test_health_history_oldest_first(until, expected):
    history = health_history(UNSORTED, DEFAULT_WEIGHTS, until=until)
    assert history == [(d, Decimal(o), b) for d, o, b in expected]


SHARE_CASES = [
    ("zero", 0.0, 1),
    ("one", 1.0, 10),
    ("half-5.5-up", 0.5, 6),
    ("sixth-2.5-up", 1 / 6, 3),
    ("exact-sixth", Fraction(1, 6), 3),
    ("0.05-to-1.45", 0.05, 1),
    ("0.06-to-1.54", 0.06, 2),
    ("four-fifths", 0.8, 8),
    ("above-one-clamped", 1.5, 10),
    ("below-zero-clamped", -0.3, 1),
]


@pytest.mark.parametrize(("share", "expected"), [c[1:] for c in SHARE_CASES], ids=[c[0] for c in SHARE_CASES])
def test_share_to_score(share, expected):
    assert share_to_score(share) == expected


def test_share_to_score_rejects_nan():
    with pytest.raises(ValueError):
        share_to_score(float("nan"))


def status(key: str, on_target: bool | None, retained: float | None = None) -> KpiStatus:
    """A minimal KpiStatus for suggestion tests."""
    return KpiStatus(
        key=key,
        name=key,
        category="lagging",
        unit="",
        direction="higher",
        baseline=0,
        target=10,
        current=None if on_target is None else 5,
        change=None,
        change_unit="%",
        on_target=on_target,
        trend=None,
        backsliding=False,
        retained=retained,
        peak=None,
        previous=None,
        current_date=None,
        readings_count=0 if on_target is None else 1,
    )


def test_suggestions_from_full_evidence():
    statuses = [
        status("a", True, retained=1.0),
        status("b", True, retained=0.5),
        status("c", True),
        status("d", True, retained=-0.4),  # capped to 0
        status("e", False),
        status("f", None),  # no reading: not evidence
    ]
    suggested = suggest_subscores(statuses, on_time_share=0.75)
    assert set(suggested) == {"achievement", "communication", "sustainability"}
    assert suggested["achievement"].score == share_to_score(0.8) == 8
    assert suggested["achievement"].reason == "4 of 5 KPIs on target"
    assert suggested["communication"].score == 8  # 1 + 6.75 = 7.75
    assert "75%" in suggested["communication"].reason
    # mean of 1.0, 0.5, 0.0 = 0.5 -> 5.5 -> 6
    assert suggested["sustainability"].score == 6
    assert "3 improved KPIs" in suggested["sustainability"].reason and "50%" in suggested["sustainability"].reason
    assert all(s.subscore == name for name, s in suggested.items())


SUGGESTION_CASES = [
    ("no-evidence", [], None, set()),
    ("kpis-without-readings", [status("a", None), status("b", None)], None, set()),
    ("only-touchpoints", [], 0.0, {"communication"}),
    ("no-improved-kpis", [status("a", False)], None, {"achievement"}),
    ("one-improved", [status("a", True, retained=0.9)], None, {"achievement", "sustainability"}),
]


@pytest.mark.parametrize(("statuses", "share", "expected"), [c[1:] for c in SUGGESTION_CASES], ids=[c[0] for c in SUGGESTION_CASES])
def test_suggestions_are_omitted_without_evidence(statuses, share, expected):
    assert set(suggest_subscores(statuses, share)) == expected


def test_suggestion_scores_at_the_extremes():
    worst = suggest_subscores([status("a", False), status("b", False)], 0.0)
    assert worst["achievement"].score == 1 and worst["communication"].score == 1
    assert worst["achievement"].reason == "0 of 2 KPIs on target"
    best = suggest_subscores([status("a", True, retained=1.0)], 1.0)
    assert best["achievement"].score == best["communication"].score == best["sustainability"].score == 10
    assert best["achievement"].reason == "1 of 1 KPI on target"


# Property tests: the score stays in range and never rewards a worse sub-score.
score_values = st.integers(min_value=1, max_value=10)
any_scores = st.builds(Scores, **{name: score_values for name in SUBSCORES})
BAND_RANK = {"red": 0, "yellow": 1, "green": 2}


@settings(max_examples=200, deadline=None)
@given(any_scores)
def test_overall_always_in_range(s):
    overall = overall_score(s)
    assert Decimal("1.0") <= overall <= Decimal("10.0")
    assert overall == overall.quantize(Decimal("0.1"))


@settings(max_examples=200, deadline=None)
@given(any_scores, st.sampled_from(SUBSCORES), st.integers(min_value=1, max_value=9))
def test_dropping_a_subscore_never_helps(s, name, drop):
    before = getattr(s, name)
    lowered = s.model_copy(update={name: max(1, before - drop)})
    assert overall_score(lowered) <= overall_score(s)
    assert BAND_RANK[band_of(overall_score(lowered))] <= BAND_RANK[band_of(overall_score(s))]


def test_core_modules_stay_pure():
    """Importing the rule modules must not pull in storage or UI libraries."""
    code = (
        "import sys\n"
        "import carebench.core.health, carebench.core.kpis, carebench.core.finance\n"
        "import carebench.core.phases, carebench.core.pipeline\n"
        "bad = [m for m in ('sqlite3', 'sqlite_utils', 'textual', 'rich') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


# ----- satisfaction from pulse answers --------------------------------------------------------

from carebench.core.models import Pulse  # noqa: E402


def answer(day: str, satisfaction: int, recommend: int = 8) -> Pulse:
    return Pulse(date=date.fromisoformat(day), respondent="r", recommend=recommend, satisfaction=satisfaction)


PULSE_CASES = [
    ("no-pulses-argument", None, date(2026, 6, 30), None),
    ("empty", [], date(2026, 6, 30), None),
    ("in-window", [answer("2026-06-01", 4), answer("2026-06-10", 5)], date(2026, 6, 30), 9),  # 4.5 x 2 = 9
    ("outside-window", [answer("2026-03-01", 4)], date(2026, 6, 30), None),
    # newest answer 03-01: the 90 days up to it (from 2025-12-02) hold both answers, mean 3.5 -> 7
    ("as-of-defaults-to-newest-answer", [answer("2026-03-01", 2), answer("2026-01-01", 5)], None, 7),
]


@pytest.mark.parametrize(("pulses", "as_of", "expected"), [c[1:] for c in PULSE_CASES], ids=[c[0] for c in PULSE_CASES])
def test_satisfaction_suggestion_from_pulses(pulses, as_of, expected):
    found = suggest_subscores([], None, pulses=pulses, as_of=as_of)
    assert (found["satisfaction"].score if "satisfaction" in found else None) == expected
    assert set(found) <= {"satisfaction"}


def test_satisfaction_joins_the_other_suggestions():
    found = suggest_subscores([status("a", True)], 1.0, pulses=[answer("2026-06-01", 3, recommend=10)], as_of=date(2026, 6, 30))
    assert set(found) == {"achievement", "communication", "satisfaction"}
    assert found["satisfaction"].score == 6
    assert found["satisfaction"].reason == "mean satisfaction 3.0 of 5 from 1 answer in 90 days, NPS +100"
