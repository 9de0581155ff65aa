"""Markdown for a report document: GitHub-flavoured (tables), every piece of text escaped."""

from __future__ import annotations

import re

from ..app.inputs import inert_lines
from ..app.present import sparkline, thin

SPECIAL = re.compile(r"([\\`*_\[\]<>|~#])")
# An ampersand that would start a character reference (&amp; &#60;) is written as &amp; so it shows as typed.
ENTITY = re.compile(r"&(?=#?\w+;)")


def md(value: object) -> str:
    """Text safe inside a Markdown paragraph or table cell, and in a terminal that shows the file.

    One line: tabs and line breaks become spaces, any other control or bidi character is written
    out (\\x1b), and markup characters are escaped.
    """
    flat = " ".join(inert_lines(str(value).replace("\t", " ")).split())
    return ENTITY.sub("&amp;", SPECIAL.sub(r"\\\1", flat))


def _table(block: dict) -> list[str]:
    align = {"l": "---", "r": "---:", "c": ":---:"}
    lines = ["| " + " | ".join(md(c) for c in block["columns"]) + " |", "| " + " | ".join(align[a] for a in block["align"]) + " |"]
    lines += ["| " + " | ".join(md(c) for c in row) + " |" for row in block["rows"]]
    return lines


def _block(block: dict) -> list[str]:
    kind = block["type"]
    if kind == "text":
        return [md(block["text"])]
    if kind == "callout":
        return [f"> **{md(block['text'])}**"]
    if kind == "bullets":
        return [f"- {md(item)}" for item in block["items"]]
    if kind == "facts":
        return [f"- **{md(label)}:** {md(value)}" for label, value in block["items"]]
    if kind == "table":
        return _table(block)
    if kind == "chart":
        spark = sparkline([v for _, v in thin(block["points"], 24)])
        return [f"**{md(block['title'])}:** `{spark}` {md(block['summary'])}"]
    raise ValueError(f"unknown block type {kind!r}")


def render_markdown(doc: dict) -> str:
    lines = [f"# {md(doc['title'])}", "", f"*{md(doc['subtitle'])}*", ""]
    lines += [f"- **{md(label)}:** {md(value)}" for label, value in doc["meta"]]
    for sec in doc["sections"]:
        lines += ["", f"## {md(sec['title'])}"]
        for block in sec["blocks"]:
            lines += [""] + _block(block)
    lines += ["", "---", "", f"*{md(doc['footer'])}*"]
    return "\n".join(lines) + "\n"
