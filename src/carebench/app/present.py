"""How carebench writes numbers, money, percentages and dates, for every screen, command and report.

One function per kind of figure, so a figure reads the same everywhere it is shown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any, TypeVar

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


def names_currency(unit: str, currency: Currency) -> bool:
    """Whether a measure's unit is the currency amounts are written in ("$", "USD"; case aside): its values are amounts."""
    return bool(currency.symbol) and unit.strip().casefold() == currency.symbol.casefold()


def with_unit(value: float | None, unit: str, currency: Currency | None = None) -> str:
    """A measured value and its unit: "90.4%", "112 h"; in the ``currency`` given, a unit that names it (see
    names_currency) makes the value an amount, written as ``money`` writes it ("$192.35" rather than "192.35 $")."""
    if value is None:
        return "–"
    if currency is not None and names_currency(unit, currency):
        return money(value, currency=currency)
    unit = "" if unit.strip().lower() in PLAIN_UNITS else unit.strip()
    if unit == "%":
        return f"{number(value)}%"
    return f"{number(value)} {unit}" if unit else number(value)


def signed(value: float) -> str:
    """A change with its sign: +1.5, −2 (a true minus sign), ±0."""
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    return f"{sign}{number(abs(value))}"


@dataclass(frozen=True)
class Currency:
    """How an amount names its currency: "$28,500", "28,500 €", "CHF 28,500"; no symbol: "28,500"."""

    symbol: str = ""
    before: bool = True
    space: bool = False

    def written(self, amount: str) -> str:
        if not self.symbol:
            return amount
        sign, digits = ("-", amount[1:]) if amount.startswith("-") else ("", amount)
        gap = " " if self.space else ""
        return f"{sign}{self.symbol}{gap}{digits}" if self.before else f"{sign}{digits}{gap}{self.symbol}"


NO_CURRENCY = Currency()


@lru_cache(maxsize=1)
def locale_currency() -> Currency:
    """The currency the user's locale names (LC_MONETARY from the environment); none for the C locale."""
    import locale

    try:
        previous = locale.setlocale(locale.LC_MONETARY)
        try:
            locale.setlocale(locale.LC_MONETARY, "")
        except locale.Error:
            pass  # a locale the system does not have: the C one stays
        conv = locale.localeconv()
        locale.setlocale(locale.LC_MONETARY, previous)
    except (locale.Error, ValueError):
        return NO_CURRENCY
    symbol = str(conv.get("currency_symbol") or "").strip()
    if not symbol:
        return NO_CURRENCY
    return Currency(symbol, before=conv.get("p_cs_precedes") != 0, space=conv.get("p_sep_by_space") not in (0, 127))


def currency_in_force(symbol: str | None) -> Currency:
    """The team's currency (the rules' ``money.currency``) or, when the rules name none, the locale's.

    A sign ("$", "€") is written before the amount; letters ("CHF", "USD") before it with a space."""
    if symbol is None:
        return locale_currency()
    if not symbol:
        return NO_CURRENCY
    return Currency(symbol, before=True, space=symbol[-1].isalpha())


def money(value: float | None, *, whole: bool = False, compact: bool = False, currency: Currency = NO_CURRENCY) -> str:
    """Money rounded half-up with thousands separators: cents only when there are some (``whole``: never);
    ``compact`` writes it in at most six characters: 950, 82.5k, 328k, 1.25M; ``currency`` names it ($28,500)."""
    if value is None:
        return "–"
    if compact and abs(value) >= 1e3:
        if abs(value) >= 1e6:
            return currency.written(f"{value / 1e6:.2f}M")
        if abs(value) >= 1e5:
            return currency.written(f"{value / 1e3:.0f}k")
        return currency.written(f"{value / 1e3:.1f}k".replace(".0k", "k"))
    exact = Decimal(repr(float(value))).quantize(Decimal(1) if whole or compact else Decimal("0.01"), rounding=ROUND_HALF_UP)
    if exact == exact.to_integral_value():
        return currency.written(f"{exact:,.0f}")
    return currency.written(f"{exact:,.2f}")


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


NO_SHARE = "—"
"""How a retained share that cannot be meaningful reads (core.kpis.retained_note says why)."""


def no_share_notes(kpis: Iterable[Mapping[str, Any]]) -> list[str]:
    """Beneath a table of gains kept, what each "—" means: one line per reason, naming its KPIs (dicts of the JSON form)."""
    notes: dict[str, list[str]] = {}
    for kpi in kpis:
        if kpi["retained"] is None and kpi.get("retained_note"):
            notes.setdefault(kpi["retained_note"], []).append(kpi["name"])
    return [f"{NO_SHARE} {', '.join(names)}: {note}." for note, names in notes.items()]


def kept(retained: float | None) -> str:
    """The share of a KPI's best gain it still holds, as a percent; "—" when there is no meaningful share
    (the read models give None then, and the reason in ``retained_note``)."""
    if retained is None or retained < 0:
        return NO_SHARE
    return f"{round(retained * 100)}%"


def forecast_text(forecast: str | None, forecast_date: date | None, month: Callable[[date], str] | None = None) -> str:
    """What a KPI's forecast (core.kpis.forecast_of) says, in words: "reaches target about 2027-02 at the current slope".

    ``month`` writes the month of the forecast day (default: YYYY-MM).
    """
    if forecast == "reaches" and forecast_date is not None:
        return f"reaches target about {month(forecast_date) if month else f'{forecast_date:%Y-%m}'} at the current slope"
    if forecast == "on_target":
        return "on target now"
    if forecast == "not_at_current_slope":
        return "does not reach target at the current slope"
    return "no forecast: too few readings"


def forecast_cell(forecast: str | None, forecast_date: date | None, month: Callable[[date], str] | None = None) -> str:
    """The forecast in a table cell: "about 2027-02", "on target", "not at this slope", "–"."""
    if forecast == "reaches" and forecast_date is not None:
        return f"about {month(forecast_date) if month else f'{forecast_date:%Y-%m}'}"
    return {"on_target": "on target", "not_at_current_slope": "not at this slope"}.get(forecast or "", "–")


def against_benchmark(direction: str, unit: str, benchmark: float | None, current: float | None, vs_benchmark: float | None) -> str | None:
    """How the current value compares with the benchmark, the KPI's good way: "3 pp worse", "2.5% better", "level";
    None without both."""
    if benchmark is None or current is None:
        return None
    if current == benchmark:
        return "level"
    better = (current > benchmark) == (direction == "higher")
    gap = "" if vs_benchmark is None else f"{number(abs(vs_benchmark))}{' pp' if unit.strip() == '%' else '%'} "
    return f"{gap}{'better' if better else 'worse'}"


def benchmark_text(direction: str, unit: str, benchmark: float | None, current: float | None, vs_benchmark: float | None) -> str | None:
    """A KPI's benchmark against its current value: "benchmark 75%, now 3 pp worse"; None without a benchmark."""
    if benchmark is None:
        return None
    text = f"benchmark {with_unit(benchmark, unit)}"
    compared = against_benchmark(direction, unit, benchmark, current, vs_benchmark)
    return f"{text}, now {compared}" if compared else text


def clip(text: str, width: int) -> str:
    """``text`` on one line in at most ``width`` terminal cells: cut at the end of a word, with an ellipsis when cut.

    A single word longer than the room is cut inside it (there is no word boundary to cut at). Wide characters
    (CJK, emoji) take two cells; one that would only half fit goes with the rest.
    """
    from rich.cells import cell_len, get_character_cell_size

    line = " ".join(text.split())
    if cell_len(line) <= width:
        return line
    if width <= 0:
        return ""
    end = used = 0
    for character in line:
        used += get_character_cell_size(character)
        if used > width - 1:
            break
        end += 1
    room = line[:end]
    cut = room.rsplit(" ", 1)[0] if " " in room and line[end] != " " else room
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


def engagement_when(day: date | None, month: int | None, short: bool = False, written: Callable[[date], str] | None = None) -> str:
    """A next action's day, also as the month of the engagement: "Month 3 (2026-09-14)", short "Month 3 (09-14)"
    (``written`` formats the day otherwise); a day in the first month after go-live is only its date."""
    if day is None:
        return ""
    shown = written(day) if written else f"{day:%m-%d}" if short else day.isoformat()
    return f"Month {month} ({shown})" if month else shown


def next_action_text(action: str | None, day: date | None, month: int | None, written: Callable[[date], str] | None = None) -> str:
    """A next action with its day: "Month 3 (2026-09-14): present the supply-chain opportunity"."""
    when = engagement_when(day, month, written=written)
    return f"{when}: {action}" if when and action else when or action or ""


def investment_range(low: float | None, high: float | None, compact: bool = False, currency: Currency = NO_CURRENCY) -> str:
    """What an opportunity would cost the client: "45,000–65,000" (compact "45k–65k"), one end alone, or "–"."""
    ends = [money(v, whole=True, compact=compact, currency=currency) for v in (low, high) if v is not None]
    if len(ends) == 2 and ends[0] == ends[1]:
        return ends[0]
    return "–".join(ends) if ends else "–"


def timeline(start: int | None, end: int | None, compact: bool = False) -> str:
    """When an opportunity would run, in months after go-live: "months 6–8 after go-live" (compact "m 6–8")."""
    if start is None and end is None:
        return "–"
    if start is None or end is None or start == end:
        months = f"month {start if end is None else end}"
    else:
        months = f"months {start}–{end}"
    if compact:
        return months.replace("months ", "m ").replace("month ", "m ")
    return f"{months} after go-live"


def span(minutes: int) -> str:
    """A length of time in whole units: 45 min, 2h, 3d 4h (days from 48 hours on)."""
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours}h"
    return f"{hours // 24}d {hours % 24}h" if hours % 24 else f"{hours // 24}d"


def due_clock(due: datetime | str, now: datetime, on_time: str, late: str) -> str:
    """A support target as a clock: "<on_time> by 17:00" (with the day when it is not today), or "<late> late by 2h"."""
    due = datetime.fromisoformat(due) if isinstance(due, str) else due
    if now > due:
        return f"{late} late by {span(int((now - due).total_seconds() // 60))}"
    if due.date() == now.date():
        return f"{on_time} by {due:%H:%M}"
    if (due.date() - now.date()).days < 7:
        return f"{on_time} by {due:%a %H:%M}"
    return f"{on_time} by {due:%Y-%m-%d %H:%M}"


def adoption_text(rollout: Mapping[str, Any]) -> str:
    """A rollout's adoption share in words, from its JSON form (``Rollout.to_json()``):
    "40% adopted: 80 of 200 users live (1 wave not sized yet, 30 live in it)"."""
    if rollout["adoption_share"] is None:
        line = "no adoption share yet: no wave is sized" if rollout["waves"] else "no rollout waves yet"
    else:
        line = f"{percent(rollout['adoption_share'])} adopted: {rollout['live']:,} of {rollout['planned']:,} {rollout['unit']} live"
    count = rollout["not_sized"]
    if count and rollout["adoption_share"] is not None:
        line += f" ({plural(count, 'wave')} not sized yet, {rollout['live_not_sized']:,} live in {'it' if count == 1 else 'them'})"
    return line
