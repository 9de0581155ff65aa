"""The bundled demo portfolio, moved in time so that any day can play its 'today'."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from ..core.models import Client, Portfolio
from ..core.schedule import schedule
from .paths import bundled

DEMO_FILE = "demo_portfolio.json"
# Owner name in the sample data that stands for whoever loads it.
YOU = "you"
# How far a stored touchpoint outcome may travel to meet its touchpoint after the shift.
SNAP_DAYS = 3


def read_demo_portfolio() -> Portfolio:
    return Portfolio.model_validate_json((bundled("sample_data") / DEMO_FILE).read_text(encoding="utf-8"))


# A day written inside a text ("QBR 2026-06-03"): it moves with the dates around it.
WRITTEN_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def _shift_written(text: str, days: int) -> str:
    def moved(found: re.Match[str]) -> str:
        try:
            return (date.fromisoformat(found.group()) + timedelta(days=days)).isoformat()
        except ValueError:  # digits that only look like a day
            return found.group()

    return WRITTEN_DAY.sub(moved, text)


def _shift(value: Any, days: int, months: int) -> Any:
    if isinstance(value, date):
        return value + timedelta(days=days)
    if isinstance(value, str):
        return _shift_written(value, days) if WRITTEN_DAY.search(value) else value
    if isinstance(value, list):
        return [_shift(v, days, months) for v in value]
    if isinstance(value, dict):
        shifted = {k: _shift(v, days, months) for k, v in value.items()}
        if isinstance(shifted.get("month"), str):
            year, month = map(int, shifted["month"].split("-"))
            index = year * 12 + month - 1 + months
            shifted["month"] = f"{index // 12:04d}-{index % 12 + 1:02d}"
        return shifted
    return value


def _snap_exceptions(client: Client) -> Client:
    """Re-attach each stored outcome to the touchpoint of its kind nearest its shifted date.

    Shifting by days that are not whole weeks moves weekend-sensitive touchpoints
    (monthly ones, for example) differently from the stored outcomes.
    """
    plain = client.model_copy(update={"exceptions": []})
    placed: dict[tuple[date, str], object] = {}
    for exc in sorted(client.exceptions, key=lambda e: e.date):
        window = schedule(plain, exc.date - timedelta(days=SNAP_DAYS), exc.date + timedelta(days=SNAP_DAYS))
        candidates = sorted((abs((tp.date - exc.date).days), tp.date) for tp in window if tp.kind == exc.kind)
        for _, day in candidates:
            if (day, exc.kind) not in placed:
                update = {"date": day}
                if exc.moved_to is not None:
                    update["moved_to"] = exc.moved_to + (day - exc.date)
                placed[(day, exc.kind)] = exc.model_copy(update=update)
                break
    return client.model_copy(update={"exceptions": sorted(placed.values(), key=lambda e: (e.date, e.kind))})


def _claim(value: object, login: str) -> None:
    """Give every owner or author called ``you`` in the sample to whoever loads it."""
    if isinstance(value, list):
        for item in value:
            _claim(item, login)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key in ("owner", "author") and item == YOU:
                value[key] = login
            else:
                _claim(item, login)


def load_demo_portfolio(anchor: date, login: str) -> Portfolio:
    """The demo portfolio with every date shifted so ``anchor`` plays the day it was written for."""
    demo = read_demo_portfolio()
    written_for = demo.as_of
    assert written_for is not None, "the demo portfolio says the day it was written for"
    days = (anchor - written_for).days
    months = (anchor.year * 12 + anchor.month) - (written_for.year * 12 + written_for.month)
    data = _shift(demo.model_dump(), days, months)
    _claim(data, login)
    shifted = Portfolio.model_validate(data)
    shifted.clients = [_snap_exceptions(c) for c in shifted.clients]
    return shifted
