"""Rollout waves of the scaling phase and the adoption share they add up to.

The adoption share is the live count over the planned count, summed across the waves that are sized (have a
planned count). A wave not sized yet is left out of both sums, and said apart: its live count cannot be a share
of nothing. A wave may be above its plan (more joined than planned): its live count counts in full, so the share
can pass 100%. No wave sized: no share.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Literal, Protocol

from .weighting import round_half_up

WaveState = Literal["not_sized", "planned", "late", "rolling_out", "complete"]
WAVE_STATE_LABEL: dict[str, str] = {
    "not_sized": "not sized",
    "planned": "planned",
    "late": "late",
    "rolling_out": "rolling out",
    "complete": "complete",
}


class Wave(Protocol):
    """What the rule reads of a wave (core.models.RolloutWave has it)."""

    @property
    def name(self) -> str: ...
    @property
    def unit(self) -> str: ...
    @property
    def planned(self) -> int | None: ...
    @property
    def live(self) -> int: ...
    @property
    def planned_date(self) -> date | None: ...
    @property
    def live_on(self) -> date | None: ...


@dataclass(frozen=True)
class WaveStanding:
    """Wave ``number`` (1 for the first added) on a day: its counts, its own share and its state."""

    number: int
    name: str
    unit: str
    planned: int | None
    live: int
    planned_date: date | None
    live_on: date | None
    share: float | None  # live over planned in %, one decimal (None when not sized)
    state: WaveState


@dataclass(frozen=True)
class Adoption:
    """The rollout of one client on a day: the adoption share across its sized waves and each wave's standing."""

    share: float | None  # live over planned across the sized waves, in %, one decimal; None when no wave is sized
    live: int  # live across the sized waves
    planned: int  # planned across the sized waves
    unit: str | None  # what the waves count (None without waves)
    not_sized: int  # waves without a planned count
    live_not_sized: int  # live in those waves, outside the share
    waves: tuple[WaveStanding, ...]


def percent(part: int, whole: int) -> float:
    """``part`` of ``whole`` in %, rounded half-up to one decimal (exactly)."""
    return float(round_half_up(Fraction(part, whole) * 100, 1))


def wave_state(wave: Wave, day: date) -> WaveState:
    """complete (live reached the plan), rolling out (some live), late (none live after its planned day), planned;
    not sized without a planned count."""
    if wave.planned is None:
        return "not_sized"
    if wave.live >= wave.planned:
        return "complete"
    if wave.live > 0:
        return "rolling_out"
    if wave.planned_date is not None and wave.planned_date < day:
        return "late"
    return "planned"


def adoption_share(waves: Iterable[Wave], day: date) -> Adoption:
    """The adoption share of a client's rollout waves (in the order added) on ``day``; see the module's docstring."""
    standings = tuple(
        WaveStanding(
            number,
            w.name,
            w.unit,
            w.planned,
            w.live,
            w.planned_date,
            w.live_on,
            None if w.planned is None else percent(w.live, w.planned),
            wave_state(w, day),
        )
        for number, w in enumerate(waves, 1)
    )
    sized = [w for w in standings if w.planned is not None]
    planned = sum(w.planned or 0 for w in sized)
    live = sum(w.live for w in sized)
    unsized = [w for w in standings if w.planned is None]
    return Adoption(
        percent(live, planned) if planned else None,
        live,
        planned,
        standings[0].unit if standings else None,
        len(unsized),
        sum(w.live for w in unsized),
        standings,
    )
