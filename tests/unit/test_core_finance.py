"""Tests for the financial rules in carebench.core.finance."""

from __future__ import annotations

from datetime import date

import pytest

from carebench.core.finance import Financials, financials, month_of
from carebench.core.models import Savings


def savings(*entries: tuple[str, float]) -> list[Savings]:
    return [Savings(month=month, amount=amount) for month, amount in entries]


# Entered out of order on purpose, spanning a year boundary.
LEDGER = savings(("2026-02", 3000.0), ("2025-11", 1000.0), ("2026-01", 2500.0), ("2025-12", 1500.0), ("2026-03", 4000.0))

CASES = [
    # name, as_of, monthly, ytd, cumulative, latest_month
    ("before-any-savings", date(2025, 10, 31), None, 0.0, 0.0, None),
    ("first-month", date(2025, 11, 1), 1000.0, 1000.0, 1000.0, "2025-11"),
    ("end-of-first-year", date(2025, 12, 31), 1500.0, 2500.0, 2500.0, "2025-12"),
    ("new-year-resets-ytd", date(2026, 1, 1), 2500.0, 2500.0, 5000.0, "2026-01"),
    ("mid-month-counts-that-month", date(2026, 2, 14), 3000.0, 5500.0, 8000.0, "2026-02"),
    ("after-last-entry", date(2026, 6, 30), 4000.0, 9500.0, 12000.0, "2026-03"),
    ("next-year-without-entries", date(2027, 2, 1), 4000.0, 0.0, 12000.0, "2026-03"),
]


@pytest.mark.parametrize(("as_of", "monthly", "ytd", "cumulative", "latest"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_savings_figures(as_of, monthly, ytd, cumulative, latest):
    result = financials(LEDGER, investment=10000.0, roi_target=150.0, as_of=as_of)
    assert (result.monthly_savings, result.ytd_savings, result.cumulative_savings, result.latest_month) == (
        monthly,
        ytd,
        cumulative,
        latest,
    )
    assert result.investment == 10000.0 and result.roi_target == 150.0


ROI_CASES = [
    ("zero-investment-none", 0.0, 12000.0, None),
    ("break-even", 12000.0, 12000.0, 0.0),
    ("gain", 10000.0, 12000.0, 20.0),
    ("loss", 10000.0, 4000.0, -60.0),
    ("nothing-saved", 10000.0, 0.0, -100.0),
    ("rounds-half-up-to-one-decimal", 8000.0, 8001.0, 0.0),  # 0.0125% -> 0.0
    ("rounds-up", 3000.0, 4000.0, 33.3),  # 33.333...
    ("rounds-two-thirds", 3000.0, 5000.0, 66.7),  # 66.666...
    ("exact-half-rounds-up", 2000.0, 2001.0, 0.1),  # 0.05 -> 0.1
]


@pytest.mark.parametrize(("investment", "saved", "roi"), [c[1:] for c in ROI_CASES], ids=[c[0] for c in ROI_CASES])
def test_roi(investment, saved, roi):
    result = financials(savings(("2026-01", saved)), investment=investment, roi_target=100.0, as_of=date(2026, 1, 31))
    assert result.roi == roi


def test_money_is_summed_exactly_and_rounded_to_cents():
    ledger = savings(("2026-01", 0.1), ("2026-02", 0.2), ("2026-03", 0.005))
    result = financials(ledger, investment=0.0, roi_target=0.0, as_of=date(2026, 3, 1))
    assert result.ytd_savings == 0.31  # 0.305 rounds half-up; a float sum would give 0.30500000000000005 or 0.3
    assert result.monthly_savings == 0.01
    assert result.roi is None


def test_negative_month_reduces_totals():
    ledger = savings(("2026-01", 1000.0), ("2026-02", -250.0))
    result = financials(ledger, investment=500.0, roi_target=50.0, as_of=date(2026, 2, 28))
    assert (result.monthly_savings, result.ytd_savings, result.cumulative_savings, result.roi) == (-250.0, 750.0, 750.0, 50.0)


def test_no_savings_at_all():
    assert financials([], investment=1000.0, roi_target=20.0, as_of=date(2026, 5, 1)) == Financials(
        monthly_savings=None,
        ytd_savings=0.0,
        cumulative_savings=0.0,
        roi=-100.0,
        roi_target=20.0,
        investment=1000.0,
        latest_month=None,
    )


MONTH_CASES = [
    ("january", date(2026, 1, 31), "2026-01"),
    ("december", date(2025, 12, 1), "2025-12"),
    ("small-year-padded", date(999, 3, 1), "0999-03"),
]


@pytest.mark.parametrize(("day", "expected"), [c[1:] for c in MONTH_CASES], ids=[c[0] for c in MONTH_CASES])
def test_month_of(day, expected):
    assert month_of(day) == expected
