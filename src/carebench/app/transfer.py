"""Files that users hand carebench or ask it for: portfolios, CSV, documents; read within caps, written owner-only."""

from __future__ import annotations

import json
from pathlib import Path

from .inputs import UserError, inert
from .session import Session

MAX_IMPORT_ERRORS = 20
# The largest files carebench reads (a larger one is refused before it is read).
MAX_PORTFOLIO_BYTES = 1 << 30  # an export of 2,000 clients with a million readings or two is well over 100 MB
MAX_CSV_BYTES = 50 << 20


def read_input(path: Path, cap: int, what: str) -> bytes:
    """The bytes of an input file (``-``: standard input), refused unless it is a regular file within ``cap``."""
    from ..store.files import read_capped

    return read_capped(path, cap, what)


def write_output(path: Path, data: str | bytes) -> None:
    """Write a file for the user: a new owner-only file, renamed over a regular file only (never through a link)."""
    from ..store.files import write_file

    write_file(path, data)


def read_portfolio(path: Path):
    """A whole portfolio file, validated; UserError lists what is wrong (up to 20 problems, each with its place)."""
    from pydantic import ValidationError

    from ..core.models import Portfolio

    label = "<stdin>" if str(path) == "-" else str(path)
    raw = read_input(path, MAX_PORTFOLIO_BYTES, "a portfolio")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UserError(f"{label}: not a UTF-8 text file") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(f"{label}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except RecursionError:
        raise UserError(f"{label}: nested too deeply to be a portfolio") from None
    try:
        return Portfolio.model_validate(data)
    except ValidationError as exc:
        lines = []
        for error in exc.errors()[:MAX_IMPORT_ERRORS]:
            where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"]).lstrip(".")
            message = error["msg"].removeprefix("Value error, ")
            lines.append(inert(f"{label}: {where}: {message}" if where else f"{label}: {message}"))
        if exc.error_count() > MAX_IMPORT_ERRORS:
            lines.append(f"{label}: ... and {exc.error_count() - MAX_IMPORT_ERRORS} more problems")
        raise UserError("\n".join(lines)) from None


def export_portfolio(session: Session) -> str:
    """The whole portfolio as the JSON text ``import`` reads."""
    with session.reading() as store:
        return store.export_portfolio().model_dump_json(indent=2, exclude_none=True) + "\n"


def portfolio_schema() -> dict:
    """The JSON Schema of the portfolio file."""
    from ..core.models import Portfolio

    return Portfolio.model_json_schema()
