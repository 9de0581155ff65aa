"""How carebench writes numbers, money, percentages and dates, for every screen, command and report.

One function per kind of figure, so a figure reads the same everywhere it is shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")
BLOCKS = "▁▂▃▄▅▆▇█"


def long_date(day: date | str | None, month_letters: int | None = None) -> str:
    """15 June 2026 (independent of the locale); the month cut to ``month_letters`` when given."""
    if day is None:
        return "–"
    if isinstance(day, str):
        day = date.fromisoformat(day)
    return f"{day.day} {MONTHS[day.month - 1][:month_letters]} {day.year}"


def short_date(day: date | str | None) -> str:
    """15 Jun 2026."""
    return long_date(day, 3)


def month_label(month: str) -> str:
    """'2026-05' as 'May 2026'."""
    year, number = month.split("-")
    return f"{MONTHS[int(number) - 1]} {year}"


def number(value: float | None) -> str:
    """A measured value: thousands separated, at most four significant decimals, no trailing zeros."""
    if value is None:
        return "–"
    if abs(value) >= 1000:
        text = f"{value:,.2f}".rstrip("0").rstrip(".")
    else:
        text = f"{value:.6g}"
        if "e" in text:
            text = f"{value:f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


PLAIN_UNITS = {"", "count", "#", "number", "n"}
"""Units that read better left out ("5" rather than "5 count")."""


def with_unit(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    unit = "" if unit.strip().lower() in PLAIN_UNITS else unit.strip()
    if unit == "%":
        return f"{number(value)}%"
    return f"{number(value)} {unit}" if unit else number(value)


def signed(value: float) -> str:
    """A change with its sign: +1.5, −2 (a true minus sign), ±0."""
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    return f"{sign}{number(abs(value))}"


def money(value: float | None, *, whole: bool = False, compact: bool = False) -> str:
    """Money rounded half-up with thousands separators: cents only when there are some (``whole``: never);
    ``compact`` writes it in at most six characters: 950, 82.5k, 328k, 1.25M."""
    if value is None:
        return "–"
    if compact and abs(value) >= 1e3:
        if abs(value) >= 1e6:
            return f"{value / 1e6:.2f}M"
        if abs(value) >= 1e5:
            return f"{value / 1e3:.0f}k"
        return f"{value / 1e3:.1f}k".replace(".0k", "k")
    exact = Decimal(repr(float(value))).quantize(Decimal(1) if whole or compact else Decimal("0.01"), rounding=ROUND_HALF_UP)
    if exact == exact.to_integral_value():
        return f"{exact:,.0f}"
    return f"{exact:,.2f}"


def percent(value: float | None, places: int = 1) -> str:
    if value is None:
        return "–"
    text = f"{value:.{places}f}".rstrip("0").rstrip(".")
    return f"{text}%"


def share(part: int, whole: int) -> str:
    return f"{part} of {whole}"


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else (many or word + 's')}"


def sparkline(values: list[float]) -> str:
    """Values as Unicode blocks, lowest ▁ to highest █ (all equal: a flat middle line)."""
    if not values:
        return ""
    low, high = min(values), max(values)
    if high == low:
        return BLOCKS[3] * len(values)
    span = high - low
    return "".join(BLOCKS[min(len(BLOCKS) - 1, int((v - low) / span * (len(BLOCKS) - 1) + 0.5))] for v in values)


_T = TypeVar("_T")


def thin(points: Sequence[_T], limit: int) -> list[_T]:
    """At most ``limit`` points spread evenly over ``points``, always keeping the first and the last."""
    if len(points) <= limit or limit < 2:
        return list(points)
    step = (len(points) - 1) / (limit - 1)
    return [points[round(i * step)] for i in range(limit)]


def kept(retained: float | None) -> str:
    """The share of a KPI's best gain it still holds, as a percent ("none" once it is worse than its baseline)."""
    if retained is None:
        return "–"
    if retained < 0:
        return "none (worse than baseline)"
    return f"{round(retained * 100)}%"


def clip(text: str, width: int) -> str:
    """``text`` on one line in at most ``width`` characters: cut at the end of a word, with an ellipsis when cut.

    A single word longer than the room is cut inside it (there is no word boundary to cut at).
    """
    line = " ".join(text.split())
    if len(line) <= width:
        return line
    room = line[: width - 1]
    cut = room.rsplit(" ", 1)[0] if " " in room and line[width - 1] != " " else room
    return cut.rstrip(" ,;:.-–—") + "…"


def snippet_parts(snippet: str, highlights: Iterable[Sequence[int]]) -> list[tuple[str, bool]]:
    """A search hit's snippet as (text, whether it is a word found) pieces, from its [start, end) highlights, on one
    line (line breaks and tabs read as spaces)."""
    snippet = snippet.replace("\r", " ").replace("\n", " ").replace("\t", " ")
    parts, at = [], 0
    for start, end in highlights:
        if start > at:
            parts.append((snippet[at:start], False))
        parts.append((snippet[start:end], True))
        at = end
    if at < len(snippet):
        parts.append((snippet[at:], False))
    return parts
