"""The report document: a plain dict of sections and blocks that both renderers lay out.

    {"title", "subtitle", "meta": [[label, value]], "sections": [section], "footer"}
    section: {"id", "title", "blocks": [block], "page": bool}   (page: it starts a new printed page)
    block:   {"type": "text", "text"}
             {"type": "callout", "tone": "red"|"yellow"|"green"|"plain", "text"}
             {"type": "bullets", "items": [text]}
             {"type": "facts", "items": [[label, value]]}
             {"type": "table", "columns": [text], "align": "lr..", "rows": [[text]]}
             {"type": "chart", "chart": "line"|"bars", "title", "points": [[x, value]], "summary",
              "target": float|None, "unit": str, "health_bands": bool}

Every string is plain text (never markup): the renderers escape it for their format.
Line charts take ISO dates as x, bar charts take labels.
"""

from __future__ import annotations

from datetime import date


def document(title: str, subtitle: str, meta: list[list[str]], sections: list[dict], footer: str) -> dict:
    return {"title": title, "subtitle": subtitle, "meta": meta, "sections": [s for s in sections if s], "footer": footer}


def section(section_id: str, title: str, *blocks: dict | None, page: bool = False) -> dict:
    return {"id": section_id, "title": title, "blocks": [b for b in blocks if b], "page": page}


def text(value: str) -> dict:
    return {"type": "text", "text": value}


def callout(value: str, tone: str | None) -> dict:
    return {"type": "callout", "tone": tone or "plain", "text": value}


def bullets(items: list[str], empty: str | None = None) -> dict | None:
    if not items:
        return text(empty) if empty else None
    return {"type": "bullets", "items": list(items)}


def facts(items: list[tuple[str, str]]) -> dict:
    return {"type": "facts", "items": [[label, value] for label, value in items]}


def table(columns: list[str], rows: list[list[str]], align: str | None = None, empty: str | None = None) -> dict | None:
    if not rows:
        return text(empty) if empty else None
    return {"type": "table", "columns": columns, "align": align or "l" * len(columns), "rows": rows}


def line_chart(
    title: str, points: list[tuple[date, float]], summary: str, *, target: float | None = None, unit: str = "", health_bands: bool = False
) -> dict | None:
    if not points:
        return None
    return {
        "type": "chart",
        "chart": "line",
        "title": title,
        "points": [[d.isoformat(), v] for d, v in points],
        "summary": summary,
        "target": target,
        "unit": unit,
        "health_bands": health_bands,
    }


def bar_chart(title: str, bars: list[tuple[str, float]], summary: str) -> dict | None:
    if not bars:
        return None
    return {
        "type": "chart",
        "chart": "bars",
        "title": title,
        "points": [[label, v] for label, v in bars],
        "summary": summary,
        "target": None,
        "unit": "",
        "health_bands": False,
    }
