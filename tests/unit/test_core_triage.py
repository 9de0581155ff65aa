"""core.triage: the reason a client stands where it does, and the order of "most critical first"."""

from __future__ import annotations

import pytest

from carebench.core.triage import SHORT_WIDTH, TriageFacts, biggest_drop, critical_order, triage_reason


def facts(drivers=(), **kw) -> TriageFacts:
    """TriageFacts of ``kw``, the drop from the assessment's sub-score moves ``drivers``."""
    return TriageFacts(**{"tier": "gold", "day": 50, "band": "yellow", "overall": 7.0, "drop": biggest_drop(drivers), **kw})


@pytest.mark.parametrize(
    ("given", "text", "short"),
    [
        ({"open_p1": 1, "backsliding": 3, "overdue": 2}, "1 open P1 ticket", "P1 open"),
        ({"open_p1": 2}, "2 open P1 tickets", "2 P1 open"),
        ({"band": "red", "overdue": 1, "overdue_kind": "recovery", "backsliding": 2}, "recovery call overdue", "recov. late"),
        ({"drivers": (("engagement", 7, 4), ("trend", 6, 5)), "backsliding": 2}, "engagement down 3 (7 → 4)", "engag. −3"),
        ({"drivers": (("trend", 6, 5),), "backsliding": 2}, "2 KPIs slipping back", "2 KPIs ↘"),
        ({"backsliding": 1}, "1 KPI slipping back", "1 KPI ↘"),
        ({"overdue": 1, "overdue_kind": "monthly"}, "monthly optimization session overdue", "1 overdue"),
        ({"overdue": 4, "overdue_kind": "weekly"}, "4 touchpoints overdue", "4 overdue"),
        ({"drivers": (("expansion_interest", 9, 8), ("trend", 5, 7))}, "expansion interest down 1 (9 → 8)", "exp. int. −1"),
        ({"open_p2": 1, "open_tickets": 3}, "1 open P2 ticket", "1 P2 open"),
        ({"band": "red", "overall": 5.0}, "critical: scored 5.0, under 6.0", "critical 5.0"),
        ({}, "at risk: scored 7.0, under 8.0", "at risk 7.0"),
        ({"band": "green", "overall": 8.5}, "on track: nothing overdue or slipping", "on track"),
        ({"band": None, "overall": None, "day": 4, "tier": "platinum", "backsliding": 1}, "not assessed, day 4; 1 KPI slipping back", "not assessed"),
        ({"band": None, "overall": None, "day": 9, "open_tickets": 2}, "not assessed, day 9 of support, 2 open tickets", "not assessed"),
        ({"status": "handed_over", "overdue": 3}, "engagement handed over: no support touchpoints", "handed over"),
    ],
    ids=[
        "open-p1-first",
        "p1-plural",
        "missed-escalation",
        "big-subscore-drop",
        "backsliding-before-small-drop",
        "one-kpi",
        "one-overdue",
        "many-overdue",
        "small-drop",
        "open-p2",
        "red-band",
        "yellow-band",
        "green",
        "not-assessed-with-a-risk",
        "not-assessed-quiet",
        "inactive",
    ],
)
def test_reason(given, text, short):
    reason = triage_reason(facts(**given))
    assert (reason.text, reason.short) == (text, short)
    assert len(reason.short) <= SHORT_WIDTH


def order(rows: dict[str, TriageFacts]) -> list[str]:
    return [name for name, _ in sorted(rows.items(), key=lambda item: (critical_order(item[1]), item[0]))]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (
            {
                "red": facts(band="red", overall=5.0),
                "yellow": facts(band="yellow", overall=6.9),
                "green": facts(band="green", overall=9.0),
                # Platinum, four days after go-live, a KPI slipping back: not last, but right after the reds.
                "new-platinum": facts(band=None, overall=None, tier="platinum", day=4, backsliding=1),
            },
            ["red", "new-platinum", "yellow", "green"],
        ),
        (
            {
                "yellow": facts(band="yellow", overall=7.5),
                "green": facts(band="green", overall=8.1),
                "quiet-old": facts(band=None, overall=None, day=200),  # nothing known against it: between yellow and green
            },
            ["yellow", "quiet-old", "green"],
        ),
        (
            {
                "silver-p1": facts(band=None, overall=None, tier="silver", day=100, open_p1=1),
                "platinum-day-9": facts(band=None, overall=None, tier="platinum", day=9),
                "platinum-day-3": facts(band=None, overall=None, tier="platinum", day=3),
                "gold-day-3-tickets": facts(band=None, overall=None, tier="gold", day=3, open_tickets=4),
                "gold-day-3": facts(band=None, overall=None, tier="gold", day=3),
                "gold-overdue": facts(band=None, overall=None, tier="gold", day=3, overdue=2),
            },
            ["silver-p1", "platinum-day-3", "platinum-day-9", "gold-day-3-tickets", "gold-overdue", "gold-day-3"],
        ),
        (
            {"a": facts(band="red", overall=5.5), "b": facts(band="red", overall=4.0), "c": facts(band="yellow", overall=6.0)},
            ["b", "a", "c"],
        ),
    ],
    ids=["unassessed-at-risk-after-red", "unassessed-quiet-before-green", "unassessed-among-themselves", "lower-score-first"],
)
def test_critical_order(rows, expected):
    assert order(rows) == expected
