"""The rule settings in force: cadence plans, working calendar, health weights, backsliding threshold."""

from __future__ import annotations

import json
from decimal import Decimal
from hashlib import sha256

from .calendar import DEFAULT_CALENDAR, WorkCalendar
from .health import DEFAULT_WEIGHTS
from .schedule import DEFAULT_PLANS, Plans


class Rules:
    """The settings every rule of the core reads; ``fingerprint`` names their content.

    Rows worked out under one set of rules are only valid under the same one: the
    fingerprint changes with any plan, working day, holiday, weight or threshold.
    """

    def __init__(self, plans: Plans = DEFAULT_PLANS, calendar: WorkCalendar = DEFAULT_CALENDAR,
                 weights: dict[str, Decimal] = DEFAULT_WEIGHTS, retained_threshold: float = 0.8) -> None:
        self.plans = plans
        self.calendar = calendar
        self.weights = weights
        self.retained_threshold = retained_threshold
        content = json.dumps([plans.model_dump(mode="json"), sorted(calendar.weekdays),
                              sorted(map(str, calendar.holidays)), {k: str(v) for k, v in weights.items()},
                              repr(float(retained_threshold))], sort_keys=True)
        self.fingerprint = sha256(content.encode()).hexdigest()[:16]


DEFAULT_RULES = Rules()
