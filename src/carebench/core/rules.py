"""The rule settings in force: cadence plans, working calendar, health weights, backsliding threshold.

Only the plans need pydantic, so the bundled ones are read on first use: a program that
only checks whether stored rows were made under these rules never loads the models.
"""

from __future__ import annotations

import json
from decimal import Decimal
from hashlib import sha256
from importlib import resources
from typing import TYPE_CHECKING

from .calendar import DEFAULT_CALENDAR, WorkCalendar
from .terms import DEFAULT_WEIGHTS

if TYPE_CHECKING:
    from .schedule import Plans


def bundled_plans_text() -> str:
    """The cadence plans carebench ships (TOML)."""
    return resources.files("carebench.resources").joinpath("plans.toml").read_text(encoding="utf-8")


class Rules:
    """The settings every rule of the core reads; ``fingerprint`` names their content.

    Rows worked out under one set of rules are only valid under the same one: the
    fingerprint changes with any plan, working day, holiday, weight or threshold.
    ``plans`` None means the bundled plans.
    """

    def __init__(
        self,
        plans: Plans | None = None,
        calendar: WorkCalendar = DEFAULT_CALENDAR,
        weights: dict[str, Decimal] = DEFAULT_WEIGHTS,
        retained_threshold: float = 0.8,
    ) -> None:
        self._plans = plans
        self.calendar = calendar
        self.weights = weights
        self.retained_threshold = retained_threshold
        plans_content = bundled_plans_text() if plans is None else plans.model_dump(mode="json")
        content = json.dumps(
            [
                plans_content,
                sorted(calendar.weekdays),
                sorted(map(str, calendar.holidays)),
                {k: str(v) for k, v in weights.items()},
                repr(float(retained_threshold)),
            ],
            sort_keys=True,
        )
        self.fingerprint = sha256(content.encode()).hexdigest()[:16]

    @property
    def plans(self) -> Plans:
        if self._plans is None:
            from .schedule import DEFAULT_PLANS

            self._plans = DEFAULT_PLANS
        return self._plans


DEFAULT_RULES = Rules()
