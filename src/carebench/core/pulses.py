"""Pulse survey rules: NPS, mean satisfaction and the satisfaction sub-score suggested from the answers.

Worked out from the stored pulse answers; nothing here is stored, reads the database or prints.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from .models import Pulse, Suggestion
from .weighting import round_half_up


def nps(pulses: Iterable[Pulse]) -> int | None:
    """Net promoter score: % promoters (9-10) minus % detractors (0-6) of all answers, in -100..100.

    The difference is worked out exactly and rounded once to a whole number, halves
    away from zero (1 promoter in 8 answers is 12.5, so 13). None without answers.
    """
    return net_promoter([p.recommend for p in pulses])


def net_promoter(answers: Sequence[int]) -> int | None:
    """``nps`` of the would-recommend answers themselves."""
    if not answers:
        return None
    promoters = sum(1 for value in answers if value >= 9)
    detractors = sum(1 for value in answers if value <= 6)
    return int(round_half_up(Fraction(promoters - detractors, len(answers)) * 100))


def nps_by_period(pulses: Iterable[Pulse], periods: list[tuple[date, date]]) -> list[int | None]:
    """NPS of the answers dated in each (start, end) period, both days included, in the order given."""
    answers = list(pulses)
    return [nps(p for p in answers if start <= p.date <= end) for start, end in periods]


nps_by_quarter = nps_by_period


def signed(value: int) -> str:
    """An NPS written with its sign: +33, 0, -20."""
    return f"+{value}" if value > 0 else str(value)


def mean_satisfaction(pulses: Iterable[Pulse]) -> Fraction | None:
    """The exact mean of the 1-5 satisfaction answers (None without answers)."""
    answers = [p.satisfaction for p in pulses]
    return Fraction(sum(answers), len(answers)) if answers else None


def pulse_summary(pulses: Iterable[Pulse], day: date, periods: list[tuple[date, date]]) -> dict[str, Any]:
    """A client's pulse answers up to ``day``: how many, NPS, mean satisfaction (one decimal) and NPS per period."""
    answers = [p for p in pulses if p.date <= day]
    mean = mean_satisfaction(answers)
    return {
        "answers": len(answers),
        "nps": nps(answers),
        "satisfaction": None if mean is None else float(round_half_up(mean, 1)),
        "quarters": [{"from": a.isoformat(), "to": b.isoformat(), "nps": value} for (a, b), value in zip(periods, nps_by_period(answers, periods))],
    }


def satisfaction_suggestion(pulses: Iterable[Pulse], as_of: date, window_days: int = 90) -> Suggestion | None:
    """Suggest the satisfaction sub-score from the pulse answers of the ``window_days`` days ending on ``as_of``.

    The mean satisfaction (1-5) is doubled and rounded half-up, so a mean of 1 gives
    2, 3 gives 6, 4.25 gives 9 (8.5 rounded up) and 5 gives 10. None when there is no
    answer in the window.
    """
    first = as_of - timedelta(days=window_days - 1)
    answers = [p for p in pulses if first <= p.date <= as_of]
    if not answers:
        return None
    mean, promoters = mean_satisfaction(answers), nps(answers)
    assert mean is not None and promoters is not None  # there are answers
    score = max(1, min(10, int(round_half_up(mean * 2))))
    noun = "answer" if len(answers) == 1 else "answers"
    return Suggestion(
        subscore="satisfaction",
        score=score,
        reason=(f"mean satisfaction {round_half_up(mean, 1)} of 5 from {len(answers)} {noun} in {window_days} days, NPS {signed(promoters)}"),
    )
