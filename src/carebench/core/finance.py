"""Financial impact rules: monthly, year-to-date and cumulative savings and ROI."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from carebench.core.models import Result, Savings

CENT = Decimal("0.01")
TENTH = Decimal("0.1")


class Financials(Result):
    """The money figures the executive dashboard shows for one client on one date."""

    monthly_savings: float | None
    ytd_savings: float
    cumulative_savings: float
    roi: float | None
    roi_target: float
    investment: float
    latest_month: str | None


def month_of(day: date) -> str:
    """Write a date's month as YYYY-MM, the form savings are entered in."""
    return f"{day.year:04d}-{day.month:02d}"


def _money(value: float) -> Decimal:
    """Read a float amount as the decimal it was written as, so sums of cents stay exact."""
    return Decimal(repr(float(value)))


def _round(value: Decimal, step: Decimal) -> float:
    """Round half-up to the given step and hand back a float for display and JSON."""
    return float(value.quantize(step, rounding=ROUND_HALF_UP))


def financials(savings: list[Savings], investment: float, roi_target: float, as_of: date) -> Financials:
    """Sum savings up to ``as_of``'s month and work out ROI against the investment.

    Months after ``as_of``'s month are ignored. Monthly savings is the latest counted
    month's amount (None when there is none); year-to-date covers ``as_of``'s calendar
    year up to its month; ROI % = (cumulative - investment) / investment x 100, None
    when nothing was invested. Money is rounded half-up to cents, ROI to one decimal.
    """
    cutoff = month_of(as_of)
    by_month: dict[str, Decimal] = {}
    for entry in savings:
        if entry.month <= cutoff:
            by_month[entry.month] = by_month.get(entry.month, Decimal(0)) + _money(entry.amount)

    latest_month = max(by_month) if by_month else None
    year_prefix = f"{as_of.year:04d}-"
    ytd = sum((amount for month, amount in by_month.items() if month.startswith(year_prefix)), Decimal(0))
    cumulative = sum(by_month.values(), Decimal(0))

    invested = _money(investment)
    roi = None if invested == 0 else _round((cumulative - invested) / invested * 100, TENTH)

    return Financials(
        monthly_savings=None if latest_month is None else _round(by_month[latest_month], CENT),
        ytd_savings=_round(ytd, CENT),
        cumulative_savings=_round(cumulative, CENT),
        roi=roi,
        roi_target=roi_target,
        investment=investment,
        latest_month=latest_month,
    )
