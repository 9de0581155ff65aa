"""Files that users hand carebench or ask it for: portfolios, CSV, documents; read within caps, written owner-only."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .inputs import UserError, inert
from .session import Session

if TYPE_CHECKING:
    from pydantic import ValidationError

    from ..core.models import Client, Portfolio

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


class _Malformed(Exception):
    """The file is not the JSON object the scanner expects; ``json`` itself says where and why."""


_SPACE = re.compile(r"[ \t\n\r]*")


def _skip(text: str, at: int) -> int:
    found = _SPACE.match(text, at)  # matches everywhere (possibly nothing)
    return found.end() if found else at


def _top_level(text: str) -> Iterator[tuple[str, Any]]:
    """The members of the JSON object ``text`` holds, as (key, value); the value of "clients", when it is an array,
    comes as an iterator over its elements, each decoded only when it is reached."""
    decoder = json.JSONDecoder()
    at = _skip(text, 0)
    if text[at : at + 1] != "{":
        value, at = decoder.raw_decode(text, at)
        if _skip(text, at) != len(text):
            raise _Malformed
        yield "", value
        return
    at = _skip(text, at + 1)
    if text[at : at + 1] == "}":
        at += 1
    else:
        while True:
            key, at = decoder.raw_decode(text, at)
            at = _skip(text, at)
            if not isinstance(key, str) or text[at : at + 1] != ":":
                raise _Malformed
            at = _skip(text, at + 1)
            if key == "clients" and text[at : at + 1] == "[":
                ends: list[int] = []
                yield key, _elements(text, at + 1, decoder, ends)
                at = ends[0]
            else:
                value, at = decoder.raw_decode(text, at)
                yield key, value
            at = _skip(text, at)
            if text[at : at + 1] == ",":
                at = _skip(text, at + 1)
                continue
            if text[at : at + 1] != "}":
                raise _Malformed
            at += 1
            break
    if _skip(text, at) != len(text):
        raise _Malformed


def _elements(text: str, at: int, decoder: json.JSONDecoder, ends: list[int]) -> Iterator[Any]:
    """The elements of the array opened just before ``at``; ``ends`` gets the position after its closing bracket."""
    at = _skip(text, at)
    if text[at : at + 1] == "]":
        ends.append(at + 1)
        return
    while True:
        value, at = decoder.raw_decode(text, at)
        yield value
        at = _skip(text, at)
        if text[at : at + 1] == ",":
            at = _skip(text, at + 1)
        elif text[at : at + 1] == "]":
            ends.append(at + 1)
            return
        else:
            raise _Malformed


def _problems(exc: ValidationError, label: str, prefix: tuple[int | str, ...] = ()) -> list[str]:
    from ..core.models import error_text

    lines = []
    for error in exc.errors():
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in (*prefix, *error["loc"])).lstrip(".")
        message = error_text(error)
        lines.append(inert(f"{label}: {where}: {message}" if where else f"{label}: {message}"))
    return lines


def portfolio_text(path: Path) -> tuple[str, str]:
    """A portfolio file's name as messages give it and its text (``-``: standard input), within the size cap."""
    label = "<stdin>" if str(path) == "-" else str(path)
    try:
        return label, read_input(path, MAX_PORTFOLIO_BYTES, "a portfolio").decode("utf-8")
    except UnicodeDecodeError:
        raise UserError(f"{label}: not a UTF-8 text file") from None


def portfolio_clients(text: str, label: str, top: dict[str, Any] | None = None) -> Iterator[Client]:
    """Each client of a portfolio's text, validated as it is decoded: memory holds the text and one client.

    Once every client is read, the file's other members are checked (and put in ``top``);
    then, if anything was wrong, UserError lists it (up to 20 problems, each with its place)
    and no client is yielded after the first problem.
    """
    from pydantic import ValidationError

    from ..core.models import FILE_REQUIRED, Client, Portfolio

    members: dict[str, Any] = {}
    read: set[str] = set()  # the members seen, "clients" among them when it was an array read client by client
    problems: list[str] = []
    seen: set[str] = set()
    try:
        for key, value in _top_level(text):
            read.add(key)
            if not (key == "clients" and isinstance(value, Iterator)):
                members[key] = value
                continue
            for index, data in enumerate(value):
                try:
                    client = Client.model_validate(data)
                except ValidationError as exc:
                    problems += _problems(exc, label, ("clients", index))
                    continue
                if client.id in seen:
                    problems.append(inert(f"{label}: clients: duplicate client id {client.id}"))
                seen.add(client.id)
                if not problems:
                    yield client
    except (_Malformed, json.JSONDecodeError, RecursionError):
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            raise UserError(f"{label}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
        except RecursionError:
            raise UserError(f"{label}: nested too deeply to be a portfolio") from None
        raise UserError(f"{label}: not valid JSON") from None
    if "" not in members:
        problems = [inert(f"{label}: {key}: is required") for key in FILE_REQUIRED if key not in members and key not in read] + problems
    try:
        checked = Portfolio.model_validate(members.get("", {**members, "clients": members.get("clients", [])}))
        if top is not None:
            top.update(as_of=checked.as_of)
    except ValidationError as exc:
        problems = _problems(exc, label) + problems
    if problems:
        shown = problems[:MAX_IMPORT_ERRORS]
        if len(problems) > MAX_IMPORT_ERRORS:
            shown.append(f"{label}: ... and {len(problems) - MAX_IMPORT_ERRORS} more problems")
        raise UserError("\n".join(shown))


def read_portfolio(path: Path) -> Portfolio:
    """A whole portfolio file, validated (every client in memory at once: for small files and tests)."""
    from ..core.models import Portfolio

    top: dict[str, Any] = {}
    label, text = portfolio_text(path)
    clients = list(portfolio_clients(text, label, top))
    return Portfolio(clients=clients, as_of=top.get("as_of"))


def export_portfolio(session: Session) -> str:
    """The whole portfolio as the JSON text ``import`` reads."""
    with session.reading() as store:
        return store.export_portfolio().model_dump_json(indent=2, exclude_none=True) + "\n"


def portfolio_schema() -> dict[str, Any]:
    """The JSON Schema of the portfolio file."""
    from ..core.models import portfolio_schema

    return portfolio_schema()
