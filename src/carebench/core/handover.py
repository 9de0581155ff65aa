"""The handover gate and the knowledge-transfer checklist behind it."""

from __future__ import annotations

import math
import tomllib
from bisect import bisect_right
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Protocol

from pydantic import TypeAdapter

from .health import assessment_band
from .kpis import exact, is_on_target
from .models import Assessment, Band, ChecklistItem, Client, Kpi, Result
from .phases import HANDOVER_FROM_DAY
from .terms import BAND_ORDER, DEFAULT_GATE, Gate, bundled_text
from .weighting import DEFAULT_SCALE, Scale


class OnTarget(Protocol):
    """What the gate reads of a KPI's standing (a ``KpiStatus`` or a stored one): on target, off it, or None unmeasured."""

    @property
    def on_target(self) -> bool | None: ...


class HandoverGate(Result):
    """Whether a client may be handed over, and every condition still missing if not."""

    ready: bool
    reasons: list[str]


def _percent(share: Fraction) -> str:
    """Write a share in 0..1 as a whole percent, halves rounded up."""
    return f"{math.floor(share * 100 + Fraction(1, 2))}%"


@lru_cache(maxsize=1)
def _default_items() -> tuple[ChecklistItem, ...]:
    """The bundled knowledge-transfer items, read once."""
    text = bundled_text("handover.toml")
    items = TypeAdapter(list[ChecklistItem]).validate_python(tomllib.loads(text)["item"])
    return tuple(items)


def default_checklist() -> list[ChecklistItem]:
    """The knowledge-transfer items every client starts with, none done (fresh copies, safe to change)."""
    return [item.model_copy() for item in _default_items()]


def checklist_of(client: Client) -> list[ChecklistItem]:
    """The client's stored checklist, or the default items (none done) when nothing is stored yet."""
    return list(client.checklist) if client.checklist else default_checklist()


def gate_reasons(band: Band | None, measured: int, on_target: int, gate: Gate = DEFAULT_GATE) -> list[str]:
    """What keeps a client's latest results from passing ``gate`` (none: it passes).

    ``band`` is the latest band (None: never assessed); ``measured`` how many KPIs have a
    reading, ``on_target`` how many of those stand on target.
    """
    return list(_gate_reasons(band, measured, on_target, gate))


@lru_cache(maxsize=4096)
def _gate_reasons(band: Band | None, measured: int, on_target: int, gate: Gate) -> tuple[str, ...]:
    # Worked out once per set of results: a schedule asks again on every day its results changed.
    reasons: list[str] = []
    if band is None:
        reasons.append("no health assessment yet")
    elif BAND_ORDER[band] < BAND_ORDER[gate.band]:
        reasons.append(f"band is {band}, needs {gate.band}" + (" or green" if gate.band != "green" else ""))
    if not measured:
        reasons.append("no KPI has a current value yet")
    else:
        share = Fraction(on_target, measured)
        if share < exact(gate.kpis_on_target):
            noun = "KPI" if measured == 1 else "KPIs"
            needed_text = format((Decimal(repr(float(gate.kpis_on_target))) * 100).normalize(), "f")
            reasons.append(f"{on_target} of {measured} {noun} on target ({_percent(share)}), needs {needed_text}%")
    return tuple(reasons)


def handover_gate(
    day_number: int,
    band: Band | None,
    kpi_statuses: Sequence[OnTarget],
    open_high_priority: int,
    gate: Gate = DEFAULT_GATE,
    *,
    checklist: list[ChecklistItem] | None = None,
) -> HandoverGate:
    """Decide whether handover may start and list every unmet condition, so the team knows what is left.

    Handover needs day 61 or later, results that pass ``gate`` (a green latest band and at
    least 80% of the KPIs that have a current value on target, by default; no such KPIs
    counts as unmet) and no open high-priority action item. When a knowledge-transfer
    ``checklist`` is given, every item on it must also be done; the ones that are not are
    named in one reason.
    """
    reasons: list[str] = []
    if day_number < HANDOVER_FROM_DAY:
        reasons.append(f"handover is considered from day {HANDOVER_FROM_DAY}, this is day {day_number}")
    measured = [status.on_target for status in kpi_statuses if status.on_target is not None]
    reasons += gate_reasons(band, len(measured), sum(measured), gate)

    if open_high_priority > 0:
        noun = "item" if open_high_priority == 1 else "items"
        reasons.append(f"{open_high_priority} high-priority action {noun} open")

    if checklist is not None:
        missing = [item.label for item in checklist if not item.done]
        if missing:
            reasons.append("knowledge transfer not done: " + ", ".join(missing))

    return HandoverGate(ready=not reasons, reasons=reasons)


# The client's results from a day on: (day, latest band, KPIs with a reading, of those on target).
GateState = tuple[date, Band | None, int, int]


class GateTimeline:
    """Whether a client's results pass a gate on any day.

    Results change only on the days an assessment or a reading was taken: ``states`` holds
    them from each such day on (as they stand at its end), oldest first. ``of`` works them
    out from a client's whole history; the store reads the same from its standing rows.
    """

    def __init__(self, states: Sequence[GateState], gate: Gate = DEFAULT_GATE) -> None:
        self.gate = gate
        self._states = sorted(states, key=lambda state: state[0])
        self._days = [state[0] for state in self._states]

    @classmethod
    def of(cls, assessments: Sequence[Assessment], kpis: Sequence[Kpi], gate: Gate = DEFAULT_GATE, scale: Scale = DEFAULT_SCALE) -> GateTimeline:
        assessed = sorted((a.date, assessment_band(a.scores, scale)) for a in assessments)
        series = [(k.direction, k.target, sorted((r.date, r.value) for r in k.readings)) for k in kpis if k.readings]
        days = sorted({day for day, _ in assessed} | {day for *_, readings in series for day, _ in readings})
        states: list[GateState] = []
        for day in days:
            at = bisect_right(assessed, (day, "~"))
            flags = []
            for direction, target, readings in series:
                seen = bisect_right(readings, (day, math.inf))
                if seen:
                    flags.append(is_on_target(direction, readings[seen - 1][1], target))
            states.append((day, assessed[at - 1][1] if at else None, len(flags), sum(flags)))
        return cls(states, gate)

    def reasons_on(self, day: date) -> list[str]:
        """What keeps the client from passing the gate at the end of ``day`` (none: it passes)."""
        at = bisect_right(self._days, day)
        _, band, measured, on_target = self._states[at - 1] if at else (day, None, 0, 0)
        return gate_reasons(band, measured, on_target, self.gate)

    def first_pass(self, day: date) -> date | None:
        """The first day from ``day`` on at whose end the client passes the gate (None: not up to its latest data)."""
        if not self.reasons_on(day):
            return day
        for later in self._days[bisect_right(self._days, day) :]:
            if not self.reasons_on(later):
                return later
        return None
