"""Support intensity calibration (carebench.core.calibration): the touch and tier a client's complexity suggests,
at every boundary of the scoring, and the portfolio model's rules for the complexity fields."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from carebench.core.calibration import GROUPS_HIGH_FROM, GROUPS_MEDIUM_FROM, groups_touch, suggest_touch
from carebench.core.models import Client

# (id, stakeholder groups, cultural change, internal capability, touch, tier, reason)
CASES = [
    ("nothing-recorded", None, None, None, None, None, None),
    (
        "all-simple",
        1,
        "low",
        "high",
        "low",
        "silver",
        "low touch: a single stakeholder group, little cultural change and strong internal capability",
    ),
    ("two-groups-is-medium", 2, "low", "high", "medium", "gold", "medium touch: 2 stakeholder groups"),
    ("three-groups-is-still-medium", 3, "low", "high", "medium", "gold", "medium touch: 3 stakeholder groups"),
    ("four-groups-is-high", 4, "low", "high", "high", "platinum", "high touch: 4 stakeholder groups"),
    ("many-groups", 12, "low", "high", "high", "platinum", "high touch: 12 stakeholder groups"),
    ("medium-change", 1, "medium", "high", "medium", "gold", "medium touch: moderate cultural change"),
    ("significant-change-alone-is-high", 1, "high", "high", "high", "platinum", "high touch: significant cultural change"),
    ("a-capable-team", 1, "low", "medium", "medium", "gold", "medium touch: moderate internal capability"),
    ("a-limited-team-is-high", 1, "low", "low", "high", "platinum", "high touch: limited internal capability"),
    (
        "every-medium-factor-named",
        3,
        "medium",
        "medium",
        "medium",
        "gold",
        "medium touch: 3 stakeholder groups, moderate cultural change and moderate internal capability",
    ),
    ("the-most-demanding-decides", 2, "high", "medium", "high", "platinum", "high touch: significant cultural change"),
    ("two-high-factors", 5, "high", "high", "high", "platinum", "high touch: 5 stakeholder groups and significant cultural change"),
    ("groups-only", 1, None, None, "low", "silver", "low touch: a single stakeholder group (cultural change and internal capability not recorded)"),
    (
        "change-only",
        None,
        "high",
        None,
        "high",
        "platinum",
        "high touch: significant cultural change (stakeholder groups and internal capability not recorded)",
    ),
    (
        "capability-only",
        None,
        None,
        "high",
        "low",
        "silver",
        "low touch: strong internal capability (stakeholder groups and cultural change not recorded)",
    ),
    ("one-missing", 2, "low", None, "medium", "gold", "medium touch: 2 stakeholder groups (internal capability not recorded)"),
]


@pytest.mark.parametrize(("groups", "change", "capability", "touch", "tier", "reason"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_suggested_touch_and_tier(groups, change, capability, touch, tier, reason):
    found = suggest_touch(groups, change, capability)
    if touch is None:
        assert found is None
    else:
        assert found is not None and (found.touch, found.tier, found.reason) == (touch, tier, reason)


@pytest.mark.parametrize(
    ("groups", "touch"),
    [(1, "low"), (GROUPS_MEDIUM_FROM - 1, "low"), (GROUPS_MEDIUM_FROM, "medium"), (GROUPS_HIGH_FROM - 1, "medium"), (GROUPS_HIGH_FROM, "high")],
    ids=["one", "below-medium", "medium-from", "below-high", "high-from"],
)
def test_the_stakeholder_group_boundaries(groups, touch):
    assert groups_touch(groups) == touch


BASE = {"id": "a", "name": "A", "tier": "gold", "go_live": "2026-05-01", "owner": "ana"}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"stakeholder_groups": 0}, "greater than or equal to 1"),
        ({"stakeholder_groups": 1001}, "less than or equal to 1000"),
        ({"stakeholder_groups": 2.5}, "whole number"),
        ({"cultural_change": "huge"}, "'low', 'medium' or 'high'"),
        ({"internal_capability": "strong"}, "'low', 'medium' or 'high'"),
    ],
    ids=["no-groups", "too-many-groups", "groups-not-whole", "change-not-a-level", "capability-not-a-level"],
)
def test_the_complexity_fields_refuse_what_is_not_a_factor(fields, message):
    with pytest.raises(ValidationError, match=message):
        Client.model_validate({**BASE, **fields})


def test_the_complexity_fields_are_optional():
    client = Client.model_validate(BASE)
    assert (client.stakeholder_groups, client.cultural_change, client.internal_capability) == (None, None, None)
