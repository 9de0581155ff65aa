"""Tests for the expansion pipeline rules in carebench.core.pipeline."""

from __future__ import annotations

from dataclasses import asdict

import pytest

from carebench.core.models import STAGES, Opportunity
from carebench.core.pipeline import (
    OPEN_STAGES,
    READINESS,
    can_mark_lost,
    mark_lost,
    next_stage,
    pipeline_totals,
    previous_stage,
    priced_totals,
    readiness,
    weighted_value,
)

WEIGHTED_CASES = [
    ("half", 100000.0, 50, 50000.0),
    ("zero-probability", 100000.0, 0, 0.0),
    ("certain", 100000.0, 100, 100000.0),
    ("cents-half-up", 0.5, 1, 0.01),  # 0.005 -> 0.01
    ("cents-down", 0.4, 1, 0.0),  # 0.004 -> 0.00
    ("thirds", 1000.0, 33, 330.0),
    ("odd-value", 12345.67, 35, 4320.98),  # 4320.9845
    ("zero-value", 0.0, 80, 0.0),
]


@pytest.mark.parametrize(("value", "probability", "expected"), [c[1:] for c in WEIGHTED_CASES], ids=[c[0] for c in WEIGHTED_CASES])
def test_weighted_value(value, probability, expected):
    assert weighted_value(value, probability) == expected


@pytest.mark.parametrize("probability", [-1, 101], ids=["below-zero", "above-hundred"])
def test_weighted_value_rejects_bad_probability(probability):
    with pytest.raises(ValueError, match="between 0 and 100"):
        weighted_value(1000.0, probability)


READINESS_CASES = [
    ("green", "green", "ready to present"),
    ("yellow", "yellow", "nurture"),
    ("red", "red", "hold: recover health first"),
    ("unknown", None, "unknown: no health assessment"),
]


@pytest.mark.parametrize(("band", "expected"), [c[1:] for c in READINESS_CASES], ids=[c[0] for c in READINESS_CASES])
def test_readiness(band, expected):
    assert readiness(band) == expected


def test_readiness_table_covers_every_band():
    assert set(READINESS) == {"green", "yellow", "red"}


NEXT_CASES = [
    ("identified", "qualified"),
    ("qualified", "proposed"),
    ("proposed", "won"),
]


@pytest.mark.parametrize(("stage", "expected"), NEXT_CASES, ids=[c[0] for c in NEXT_CASES])
def test_next_stage(stage, expected):
    assert next_stage(stage) == expected


@pytest.mark.parametrize("stage", ["won", "lost"], ids=["won", "lost"])
def test_closed_stages_have_no_next(stage):
    with pytest.raises(ValueError, match="no next stage"):
        next_stage(stage)


PREVIOUS_CASES = [
    ("qualified", "identified"),
    ("proposed", "qualified"),
    ("won", "proposed"),
    ("lost", "proposed"),
]


@pytest.mark.parametrize(("stage", "expected"), PREVIOUS_CASES, ids=[c[0] for c in PREVIOUS_CASES])
def test_previous_stage(stage, expected):
    assert previous_stage(stage) == expected


def test_identified_has_no_previous():
    with pytest.raises(ValueError, match="first stage"):
        previous_stage("identified")


LOST_CASES = [(stage, stage in OPEN_STAGES) for stage in STAGES]


@pytest.mark.parametrize(("stage", "allowed"), LOST_CASES, ids=[c[0] for c in LOST_CASES])
def test_mark_lost_from_open_stages_only(stage, allowed):
    assert can_mark_lost(stage) is allowed
    if allowed:
        assert mark_lost(stage) == "lost"
    else:
        with pytest.raises(ValueError, match="cannot be marked lost"):
            mark_lost(stage)


@pytest.mark.parametrize("move", [next_stage, previous_stage, can_mark_lost, mark_lost], ids=["next", "previous", "can-lose", "lose"])
def test_unknown_stage_is_rejected(move):
    with pytest.raises(ValueError, match="unknown stage"):
        move("negotiating")


def opportunity(title: str, stage: str, value: float, probability: int) -> Opportunity:
    return Opportunity(title=title, stage=stage, value=value, probability=probability)


def test_pipeline_totals_count_open_stages_only():
    items = [
        opportunity("A", "identified", 10000.0, 10),
        opportunity("B", "identified", 20000.0, 20),
        opportunity("C", "proposed", 50000.0, 60),
        opportunity("D", "won", 40000.0, 100),
        opportunity("E", "lost", 30000.0, 0),
    ]
    totals = pipeline_totals(items)
    assert (totals.count, totals.value, totals.weighted) == (3, 80000.0, 35000.0)
    assert list(totals.by_stage) == ["identified", "proposed", "won", "lost"]  # STAGES order, present only
    assert asdict(totals.by_stage["identified"]) == {"count": 2, "value": 30000.0, "weighted": 5000.0}
    assert asdict(totals.by_stage["proposed"]) == {"count": 1, "value": 50000.0, "weighted": 30000.0}
    assert asdict(totals.by_stage["won"]) == {"count": 1, "value": 40000.0, "weighted": 40000.0}
    assert asdict(totals.by_stage["lost"]) == {"count": 1, "value": 30000.0, "weighted": 0.0}


def test_priced_totals_give_each_row_s_weighted_value_and_the_totals():
    items = [opportunity("A", "identified", 12345.67, 35), opportunity("B", "won", 0.5, 1), opportunity("C", "proposed", 1000.0, 33)]
    weighted, totals = priced_totals(items)
    assert weighted == [weighted_value(o.value, o.probability) for o in items] == [4320.98, 0.01, 330.0]
    assert totals == pipeline_totals(items)


def test_pipeline_totals_empty():
    totals = pipeline_totals([])
    assert (totals.count, totals.value, totals.weighted, totals.by_stage) == (0, 0.0, 0.0, {})


def test_pipeline_totals_only_closed_deals():
    totals = pipeline_totals([opportunity("W", "won", 1000.0, 100)])
    assert (totals.count, totals.value, totals.weighted) == (0, 0.0, 0.0)
    assert totals.by_stage["won"].count == 1


def test_weighted_total_adds_the_rounded_rows():
    # each row is 0.005 -> 0.01, so three rows show 0.01 each and the total 0.03
    items = [opportunity(f"T{i}", "qualified", 0.5, 1) for i in range(3)]
    totals = pipeline_totals(items)
    assert totals.weighted == 0.03
    assert totals.value == 1.5
