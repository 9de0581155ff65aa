"""The rollout waves of the scaling phase (carebench.core.rollout) and the portfolio model's rules for them."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from carebench.core.models import Client, RolloutWave
from carebench.core.rollout import adoption_share, wave_state

DAY = date(2026, 6, 15)


def wave(name: str, planned: int | None, live: int = 0, planned_date: str | None = None, unit: str = "users") -> RolloutWave:
    return RolloutWave(name=name, planned=planned, live=live, unit=unit, planned_date=planned_date and date.fromisoformat(planned_date))


# (id, waves, share %, live, planned, not sized, live outside the share)
SHARE_CASES = [
    ("no-waves", [], None, 0, 0, 0, 0),
    ("one-wave-none-live", [wave("Pilot", 50)], 0.0, 0, 50, 0, 0),
    ("one-wave-half-live", [wave("Pilot", 50, 25)], 50.0, 25, 50, 0, 0),
    ("one-wave-complete", [wave("Pilot", 50, 50)], 100.0, 50, 50, 0, 0),
    ("summed-across-waves", [wave("Pilot", 50, 50), wave("Wave 2", 150, 30)], 40.0, 80, 200, 0, 0),
    ("above-plan-counts-in-full", [wave("Pilot", 100, 120), wave("Wave 2", 400)], 24.0, 120, 500, 0, 0),
    ("share-can-pass-100", [wave("Pilot", 100, 130)], 130.0, 130, 100, 0, 0),
    ("not-sized-is-left-out", [wave("Pilot", 40, 10), wave("Later", None, 30)], 25.0, 10, 40, 1, 30),
    ("only-not-sized-has-no-share", [wave("Later", None, 30)], None, 0, 0, 1, 30),
    ("rounded-half-up-to-a-tenth", [wave("Pilot", 8, 1)], 12.5, 1, 8, 0, 0),  # exactly 12.5
    ("a-third", [wave("Pilot", 3, 1)], 33.3, 1, 3, 0, 0),
    ("two-thirds", [wave("Pilot", 3, 2)], 66.7, 2, 3, 0, 0),
    ("one-in-two-thousand", [wave("Pilot", 2000, 1)], 0.1, 1, 2000, 0, 0),  # 0.05 rounds up, not to even
]


@pytest.mark.parametrize(("waves", "share", "live", "planned", "not_sized", "outside"), [c[1:] for c in SHARE_CASES], ids=[c[0] for c in SHARE_CASES])
def test_adoption_share(waves, share, live, planned, not_sized, outside):
    found = adoption_share(waves, DAY)
    assert (found.share, found.live, found.planned, found.not_sized, found.live_not_sized) == (share, live, planned, not_sized, outside)
    assert [w.number for w in found.waves] == list(range(1, len(waves) + 1))


def test_each_wave_keeps_its_own_share_and_the_unit_is_the_waves():
    found = adoption_share([wave("Pilot", 4, 5, unit="sites"), wave("Later", None, unit="sites")], DAY)
    assert [(w.name, w.share) for w in found.waves] == [("Pilot", 125.0), ("Later", None)]
    assert found.unit == "sites"
    assert adoption_share([], DAY).unit is None


# (id, planned, live, planned date, state on DAY)
STATE_CASES = [
    ("not-sized", None, 0, None, "not_sized"),
    ("not-sized-with-live", None, 5, "2026-06-01", "not_sized"),
    ("planned-no-date", 10, 0, None, "planned"),
    ("planned-ahead", 10, 0, "2026-06-16", "planned"),
    ("planned-today-is-not-late", 10, 0, "2026-06-15", "planned"),
    ("late-the-day-after", 10, 0, "2026-06-14", "late"),
    ("rolling-out", 10, 1, "2026-06-01", "rolling_out"),
    ("one-short-of-complete", 10, 9, None, "rolling_out"),
    ("complete-at-plan", 10, 10, None, "complete"),
    ("complete-above-plan", 10, 11, None, "complete"),
]


@pytest.mark.parametrize(("planned", "live", "planned_date", "state"), [c[1:] for c in STATE_CASES], ids=[c[0] for c in STATE_CASES])
def test_wave_state(planned, live, planned_date, state):
    assert wave_state(wave("W", planned, live, planned_date), DAY) == state


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"planned": 0}, "greater than or equal to 1"),
        ({"planned": -5}, "greater than or equal to 1"),
        ({"planned": 2.5}, "whole number"),
        ({"live": -1}, "greater than or equal to 0"),
        ({"unit": ""}, "at least 1 character"),
        ({"unit": "users\nsites"}, "one line"),
        ({"name": ""}, "at least 1 character"),
    ],
    ids=["planned-zero", "planned-negative", "planned-not-whole", "live-negative", "unit-empty", "unit-two-lines", "name-empty"],
)
def test_a_wave_refuses_bad_counts_and_labels(fields, message):
    with pytest.raises(ValidationError, match=message):
        RolloutWave.model_validate({"name": "Pilot", "planned": 10, **fields})


def test_a_clients_waves_have_distinct_names_and_one_unit():
    base = {"id": "a", "name": "A", "tier": "gold", "go_live": "2026-05-01", "owner": "ana"}
    with pytest.raises(ValidationError, match="duplicate rollout wave Pilot"):
        Client.model_validate({**base, "rollout": [{"name": "Pilot"}, {"name": "Pilot"}]})
    with pytest.raises(ValidationError, match=r"one unit, not several \(sites, users\)"):
        Client.model_validate({**base, "rollout": [{"name": "Pilot"}, {"name": "Stores", "unit": "sites"}]})
    kept = Client.model_validate({**base, "rollout": [{"name": "Pilot", "planned": 5, "live": 6}]})
    assert kept.rollout[0].live == 6, "live above planned is kept: more joined than planned"
