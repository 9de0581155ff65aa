"""The handover gate and the knowledge-transfer checklist behind it."""

from __future__ import annotations

import math
import tomllib
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from importlib import resources
from typing import Protocol

from pydantic import TypeAdapter

from .kpis import exact
from .models import Band, ChecklistItem, Client, Result
from .phases import HANDOVER_FROM_DAY


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
    text = resources.files("carebench.resources").joinpath("handover.toml").read_text(encoding="utf-8")
    items = TypeAdapter(list[ChecklistItem]).validate_python(tomllib.loads(text)["item"])
    return tuple(items)


def default_checklist() -> list[ChecklistItem]:
    """The knowledge-transfer items every client starts with, none done (fresh copies, safe to change)."""
    return [item.model_copy() for item in _default_items()]


def checklist_of(client: Client) -> list[ChecklistItem]:
    """The client's stored checklist, or the default items (none done) when nothing is stored yet."""
    return list(client.checklist) if client.checklist else default_checklist()


def handover_gate(
    day_number: int,
    band: Band | None,
    kpi_statuses: Sequence[OnTarget],
    open_high_priority: int,
    min_on_target_share: float = 0.8,
    *,
    checklist: list[ChecklistItem] | None = None,
) -> HandoverGate:
    """Decide whether handover may start and list every unmet condition, so the team knows what is left.

    Handover needs day 61 or later, a green latest band, at least ``min_on_target_share``
    of the KPIs that have a current value on target (no such KPIs counts as unmet) and
    no open high-priority action item. When a knowledge-transfer ``checklist`` is given,
    every item on it must also be done; the ones that are not are named in one reason.
    """
    reasons: list[str] = []
    if day_number < HANDOVER_FROM_DAY:
        reasons.append(f"handover is considered from day {HANDOVER_FROM_DAY}, this is day {day_number}")

    if band is None:
        reasons.append("no health assessment yet")
    elif band != "green":
        reasons.append(f"band is {band}, needs green")

    needed = exact(min_on_target_share)
    measured = [status for status in kpi_statuses if status.on_target is not None]
    if not measured:
        reasons.append("no KPI has a current value yet")
    else:
        on_target = sum(1 for status in measured if status.on_target)
        share = Fraction(on_target, len(measured))
        if share < needed:
            noun = "KPI" if len(measured) == 1 else "KPIs"
            needed_text = format((Decimal(repr(float(min_on_target_share))) * 100).normalize(), "f")
            reasons.append(f"{on_target} of {len(measured)} {noun} on target ({_percent(share)}), needs {needed_text}%")

    if open_high_priority > 0:
        noun = "item" if open_high_priority == 1 else "items"
        reasons.append(f"{open_high_priority} high-priority action {noun} open")

    if checklist is not None:
        missing = [item.label for item in checklist if not item.done]
        if missing:
            reasons.append("knowledge transfer not done: " + ", ".join(missing))

    return HandoverGate(ready=not reasons, reasons=reasons)
