"""Tests for the phase rules in carebench.core.phases."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from carebench.core.calendar import add_months
from carebench.core.handover import handover_gate
from carebench.core.kpis import KpiStatus
from carebench.core.phases import ADOPTION_LABEL, PHASE_LABEL, adoption_phase, day_number, month_index, support_phase
from carebench.core.terms import Gate

GO_LIVE = date(2026, 3, 2)

DAY_CASES = [
    ("day-before-go-live", -1, 0, "pre_go_live"),
    ("go-live-is-day-1", 0, 1, "stabilization"),
    ("day-30", 29, 30, "stabilization"),
    ("day-31", 30, 31, "optimization"),
    ("day-60", 59, 60, "optimization"),
    ("day-61", 60, 61, "scaling_handover"),
    ("day-90", 89, 90, "scaling_handover"),
    ("day-91", 90, 91, "steady_state"),
    ("long-before", -100, -99, "pre_go_live"),
]


@pytest.mark.parametrize(("offset", "number", "phase"), [c[1:] for c in DAY_CASES], ids=[c[0] for c in DAY_CASES])
def test_day_number_and_support_phase(offset, number, phase):
    assert day_number(GO_LIVE, GO_LIVE + timedelta(days=offset)) == number
    assert support_phase(number) == phase


def test_labels_cover_every_phase():
    assert set(PHASE_LABEL) == {"pre_go_live", "stabilization", "optimization", "scaling_handover", "steady_state"}
    assert PHASE_LABEL["scaling_handover"] == "Scaling & handover"
    assert set(ADOPTION_LABEL) == {"pre_go_live", "honeymoon", "reality", "integration", "sustainability"}


ADD_MONTHS_CASES = [
    ("plain", date(2026, 3, 15), 1, date(2026, 4, 15)),
    ("jan31-to-feb28", date(2027, 1, 31), 1, date(2027, 2, 28)),
    ("jan31-to-feb29-leap", date(2028, 1, 31), 1, date(2028, 2, 29)),
    ("jan31-to-apr30", date(2026, 1, 31), 3, date(2026, 4, 30)),
    ("over-year-end", date(2026, 11, 30), 3, date(2027, 2, 28)),
    ("leap-day-plus-year", date(2028, 2, 29), 12, date(2029, 2, 28)),
    ("zero", date(2026, 5, 31), 0, date(2026, 5, 31)),
    ("backwards", date(2026, 3, 31), -1, date(2026, 2, 28)),
    ("backwards-over-year", date(2026, 1, 15), -2, date(2025, 11, 15)),
]


@pytest.mark.parametrize(("start", "months", "expected"), [c[1:] for c in ADD_MONTHS_CASES], ids=[c[0] for c in ADD_MONTHS_CASES])
def test_add_months_clamps_to_month_end(start, months, expected):
    assert add_months(start, months) == expected


MONTH_INDEX_CASES = [
    ("before-go-live", date(2026, 1, 15), date(2026, 1, 14), 0, "pre_go_live"),
    ("go-live-day", date(2026, 1, 15), date(2026, 1, 15), 1, "honeymoon"),
    ("day-before-first-month", date(2026, 1, 15), date(2026, 2, 14), 1, "honeymoon"),
    ("one-month", date(2026, 1, 15), date(2026, 2, 15), 2, "honeymoon"),
    ("jan31-feb27", date(2027, 1, 31), date(2027, 2, 27), 1, "honeymoon"),
    ("jan31-feb28-counts-a-month", date(2027, 1, 31), date(2027, 2, 28), 2, "honeymoon"),
    ("leap-jan31-feb28-not-yet", date(2028, 1, 31), date(2028, 2, 28), 1, "honeymoon"),
    ("leap-jan31-feb29", date(2028, 1, 31), date(2028, 2, 29), 2, "honeymoon"),
    ("jan31-mar30-still-one", date(2026, 1, 31), date(2026, 3, 30), 2, "honeymoon"),
    ("jan31-mar31", date(2026, 1, 31), date(2026, 3, 31), 3, "honeymoon"),
    ("month-3-last-day", date(2026, 1, 15), date(2026, 4, 14), 3, "honeymoon"),
    ("month-4-reality", date(2026, 1, 15), date(2026, 4, 15), 4, "reality"),
    ("month-8", date(2026, 1, 15), date(2026, 9, 14), 8, "reality"),
    ("month-9-integration", date(2026, 1, 15), date(2026, 9, 15), 9, "integration"),
    ("month-18", date(2026, 1, 15), date(2027, 7, 14), 18, "integration"),
    ("month-19-sustainability", date(2026, 1, 15), date(2027, 7, 15), 19, "sustainability"),
    ("years-later", date(2026, 1, 15), date(2030, 1, 15), 49, "sustainability"),
]


@pytest.mark.parametrize(("go_live", "day", "index", "phase"), [c[1:] for c in MONTH_INDEX_CASES], ids=[c[0] for c in MONTH_INDEX_CASES])
def test_month_index_and_adoption_phase(go_live, day, index, phase):
    assert month_index(go_live, day) == index
    assert adoption_phase(go_live, day) == phase


def status(key: str, on_target: bool | None) -> KpiStatus:
    """A minimal KpiStatus: only on_target matters to the gate."""
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
        retained=None,
        peak=None,
        previous=None,
        current_date=None,
        readings_count=0 if on_target is None else 1,
    )


def kpis(on: int, off: int, unmeasured: int = 0) -> list[KpiStatus]:
    return (
        [status(f"on{i}", True) for i in range(on)]
        + [status(f"off{i}", False) for i in range(off)]
        + [status(f"none{i}", None) for i in range(unmeasured)]
    )


GATE_CASES = [
    ("ready", 61, "green", kpis(4, 1), 0, []),
    ("ready-all-on-target", 120, "green", kpis(3, 0), 0, []),
    ("ready-ignores-kpis-without-values", 61, "green", kpis(4, 1, unmeasured=3), 0, []),
    ("too-early-alone", 60, "green", kpis(5, 0), 0, ["handover is considered from day 61, this is day 60"]),
    ("yellow-band", 75, "yellow", kpis(5, 0), 0, ["band is yellow, needs green"]),
    ("red-band", 75, "red", kpis(5, 0), 0, ["band is red, needs green"]),
    ("no-assessment", 75, None, kpis(5, 0), 0, ["no health assessment yet"]),
    ("kpis-below-share", 75, "green", kpis(3, 2), 0, ["3 of 5 KPIs on target (60%), needs 80%"]),
    ("kpis-two-thirds", 75, "green", kpis(2, 1), 0, ["2 of 3 KPIs on target (67%), needs 80%"]),
    ("single-kpi-off", 75, "green", kpis(0, 1), 0, ["0 of 1 KPI on target (0%), needs 80%"]),
    ("no-kpis", 75, "green", [], 0, ["no KPI has a current value yet"]),
    ("only-unmeasured-kpis", 75, "green", kpis(0, 0, unmeasured=2), 0, ["no KPI has a current value yet"]),
    ("one-high-priority", 75, "green", kpis(5, 0), 1, ["1 high-priority action item open"]),
    ("two-high-priority", 75, "green", kpis(5, 0), 2, ["2 high-priority action items open"]),
    (
        "everything-missing",
        10,
        "yellow",
        kpis(3, 2),
        2,
        [
            "handover is considered from day 61, this is day 10",
            "band is yellow, needs green",
            "3 of 5 KPIs on target (60%), needs 80%",
            "2 high-priority action items open",
        ],
    ),
]


@pytest.mark.parametrize(("day", "band", "statuses", "high", "reasons"), [c[1:] for c in GATE_CASES], ids=[c[0] for c in GATE_CASES])
def test_handover_gate(day, band, statuses, high, reasons):
    gate = handover_gate(day, band, statuses, high)
    assert gate.reasons == reasons
    assert gate.ready is (reasons == [])


SHARE_CASES = [
    ("lower-threshold-passes", 0.5, kpis(1, 1), True),
    ("higher-threshold-fails", 0.9, kpis(4, 1), False),
    ("full-threshold-needs-all", 1.0, kpis(9, 1), False),
]


@pytest.mark.parametrize(("share", "statuses", "ready"), [c[1:] for c in SHARE_CASES], ids=[c[0] for c in SHARE_CASES])
def test_handover_gate_custom_share(share, statuses, ready):
    gate = handover_gate(70, "green", statuses, 0, Gate(kpis_on_target=share))
    assert gate.ready is ready


def test_handover_gate_names_a_custom_share():
    gate = handover_gate(70, "green", kpis(9, 1), 0, Gate(kpis_on_target=1.0))
    assert gate.reasons == ["9 of 10 KPIs on target (90%), needs 100%"]


# ----- knowledge-transfer checklist --------------------------------------------------------

from carebench.core import alerts  # noqa: E402
from carebench.core.handover import checklist_of, default_checklist  # noqa: E402
from carebench.core.models import Assessment, ChecklistItem, Client, Kpi, Reading, Scores  # noqa: E402

DEFAULT_KEYS = [
    "runbook",
    "troubleshooting-guide",
    "decision-log",
    "internal-owner",
    "shadowing",
    "reverse-shadowing",
    "escalation-path",
    "governance-cadence",
]


def test_default_checklist_comes_from_the_bundled_file():
    items = default_checklist()
    assert [i.key for i in items] == DEFAULT_KEYS
    assert not any(i.done for i in items)
    assert all(i.label for i in items)


def test_default_checklist_copies_are_independent():
    first = default_checklist()
    first[0].done = True
    assert not default_checklist()[0].done


def item(key: str, done: bool = False) -> ChecklistItem:
    return ChecklistItem(key=key, label=f"{key} label", done=done, done_on=date(2026, 5, 1) if done else None)


def checklist_client(checklist: list[ChecklistItem]) -> Client:
    return Client(id="acme", name="Acme", tier="gold", go_live=date(2026, 1, 5), owner="ana", checklist=checklist)


def test_checklist_of_falls_back_to_the_defaults():
    assert [i.key for i in checklist_of(checklist_client([]))] == DEFAULT_KEYS


def test_checklist_of_uses_the_stored_items():
    stored = [item("runbook", done=True), item("own-step")]
    assert checklist_of(checklist_client(stored)) == stored


CHECKLIST_GATE_CASES = [
    ("not-given-keeps-todays-rule", None, []),
    ("empty-list", [], []),
    ("all-done", [item("runbook", True), item("shadowing", True)], []),
    ("one-missing", [item("runbook", True), item("shadowing")], ["knowledge transfer not done: shadowing label"]),
    ("two-missing-in-order", [item("runbook"), item("x", True), item("shadowing")], ["knowledge transfer not done: runbook label, shadowing label"]),
]


@pytest.mark.parametrize("checklist, reasons", [c[1:] for c in CHECKLIST_GATE_CASES], ids=[c[0] for c in CHECKLIST_GATE_CASES])
def test_handover_gate_checklist(checklist, reasons):
    gate = handover_gate(75, "green", kpis(5, 0), 0, checklist=checklist)
    assert gate.reasons == reasons
    assert gate.ready is (reasons == [])


def test_default_checklist_lists_every_item_in_the_gate():
    gate = handover_gate(75, "green", kpis(5, 0), 0, checklist=default_checklist())
    assert gate.reasons == ["knowledge transfer not done: " + ", ".join(i.label for i in default_checklist())]


def test_checklist_reason_comes_after_the_others():
    gate = handover_gate(10, "yellow", kpis(5, 0), 1, checklist=[item("runbook")])
    assert gate.reasons == [
        "handover is considered from day 61, this is day 10",
        "band is yellow, needs green",
        "1 high-priority action item open",
        "knowledge transfer not done: runbook label",
    ]


@pytest.mark.parametrize(
    "checklist, expected",
    [
        ([], ["handover-gate:acme"]),  # nothing stored yet: the defaults, none done
        ([item("runbook", True)], []),
        ([item("runbook", True), item("shadowing")], ["handover-gate:acme"]),
    ],
    ids=["none-stored", "all-done", "one-open"],
)
def test_check_counts_the_checklist(checklist, expected):
    green = Assessment(date=date(2026, 5, 1), scores=Scores(**{name: 9 for name in Scores.model_fields}))
    c = checklist_client(checklist).model_copy(update={"assessments": [green]})
    # day 147, green, and its one KPI on target: only the checklist can hold it back
    c.kpis = [
        Kpi(key="k", name="k", category="lagging", direction="higher", baseline=0, target=1, readings=[Reading(date=date(2026, 5, 1), value=2)])
    ]
    found = alerts.handover_due(c, date(2026, 5, 31))
    assert [f.id for f in found] == expected
    if checklist:
        assert not found or found[0].message.endswith("knowledge transfer not done: shadowing label")
    else:
        assert found[0].message.endswith("escalation path agreed, governance meetings scheduled")
