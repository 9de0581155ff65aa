"""Dates: month arithmetic with month-end clamping and the working-day calendar."""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months, clamped to the month's end (Jan 31 + 1 month = Feb 28/29)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = _calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def months_between(start: date, end: date) -> int:
    """Whole calendar months from ``start`` to ``end`` (clamped the same way as ``add_months``)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if months > 0 and add_months(start, months) > end:
        months -= 1
    elif months < 0 and add_months(start, months) < end:
        months += 1
    return months


def parse_month(text: str) -> tuple[int, int]:
    """(year, month) from ``YYYY-MM``."""
    year, month = text.split("-")
    return int(year), int(month)


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are working days: weekdays (0 = Monday) minus holidays."""

    weekdays: frozenset[int] = frozenset(range(5))
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not self.weekdays or not self.weekdays <= set(range(7)):
            raise ValueError("working weekdays must be a non-empty set of 0 (Monday) .. 6 (Sunday)")

    def is_working(self, day: date) -> bool:
        return day.weekday() in self.weekdays and day not in self.holidays

    def next_working(self, day: date) -> date:
        """``day`` itself when it is a working day, else the next one."""
        while not self.is_working(day):
            day += timedelta(days=1)
        return day

    def working_days(self, start: date, end: date) -> Iterator[date]:
        """Working days from ``start`` to ``end``, both included."""
        day = start
        while day <= end:
            if self.is_working(day):
                yield day
            day += timedelta(days=1)


DEFAULT_CALENDAR = WorkCalendar()
