"""One self-contained HTML file for a report document: inline CSS and SVG, no scripts, no links, prints well."""

from __future__ import annotations

from datetime import date
from html import escape

from . import svg

CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f5f7fa; color: #1f2933;
       font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 960px; margin: 0 auto; padding: 32px 24px 48px; background: #fff; }
header { border-bottom: 3px solid #2f6fab; padding-bottom: 12px; margin-bottom: 8px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 1px solid #d9e2ec; }
.subtitle { color: #52606d; margin: 0 0 10px; }
dl.meta, dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 8px 0; }
dt { color: #52606d; }
dd { margin: 0; font-weight: 600; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; font-size: 14px; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #e4e7eb; vertical-align: top; }
th { background: #f0f4f8; font-weight: 600; }
td.r, th.r { text-align: right; font-variant-numeric: tabular-nums; }
td.c, th.c { text-align: center; }
ul { margin: 8px 0; padding-left: 22px; }
li { margin: 3px 0; }
.callout { border-left: 6px solid #9aa5b1; background: #f0f4f8; padding: 10px 14px; font-weight: 600; margin: 8px 0; }
.callout.red { border-color: #c62828; background: #fde2e1; }
.callout.yellow { border-color: #d99a00; background: #fff4cc; }
.callout.green { border-color: #2e7d32; background: #e3f4e4; }
figure { margin: 12px 0; }
figure svg { max-width: 100%; height: auto; }
figcaption { color: #52606d; font-size: 13px; }
footer { margin-top: 32px; color: #7b8794; font-size: 13px; border-top: 1px solid #d9e2ec; padding-top: 8px; }
@media print {
  @page { size: A4; margin: 14mm 14mm 16mm; }
  body { background: #fff; font-size: 10pt; line-height: 1.35; }
  main { max-width: none; padding: 0; }
  h1 { font-size: 18pt; }
  h2 { font-size: 13pt; margin: 14pt 0 6pt; }
  section.page-start { break-before: page; page-break-before: always; }
  h2, figcaption, p:has(+ table), p:has(+ ul) { break-after: avoid; page-break-after: avoid; }
  table { font-size: 9pt; }
  th, td { padding: 3pt 5pt; }
  thead { display: table-header-group; }
  tr, figure, .callout, dl, li { break-inside: avoid; page-break-inside: avoid; }
  figure svg { max-height: 55mm; width: auto; }
  .callout, th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


PAGE_START = ' class="page-start"'  # a section that begins a printed page


def h(value: object) -> str:
    return escape(str(value), quote=True)


def _chart(block: dict) -> str:
    if block["chart"] == "line":
        points = [(date.fromisoformat(x), float(v)) for x, v in block["points"]]
        drawing = svg.line_chart(points, block["title"], target=block["target"], unit=block["unit"], health_bands=block["health_bands"])
    else:
        drawing = svg.bar_chart([(str(x), float(v)) for x, v in block["points"]], block["title"])
    return f"<figure>{drawing}<figcaption><strong>{h(block['title'])}:</strong> {h(block['summary'])}</figcaption></figure>"


def _table(block: dict) -> str:
    cls = {"l": "", "r": ' class="r"', "c": ' class="c"'}
    head = "".join(f"<th{cls[a]}>{h(c)}</th>" for c, a in zip(block["columns"], block["align"]))
    body = "".join("<tr>" + "".join(f"<td{cls[a]}>{h(c)}</td>" for c, a in zip(row, block["align"])) + "</tr>" for row in block["rows"])
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _block(block: dict) -> str:
    kind = block["type"]
    if kind == "text":
        return f"<p>{h(block['text'])}</p>"
    if kind == "callout":
        return f'<p class="callout {h(block["tone"])}">{h(block["text"])}</p>'
    if kind == "bullets":
        return "<ul>" + "".join(f"<li>{h(item)}</li>" for item in block["items"]) + "</ul>"
    if kind == "facts":
        return '<dl class="facts">' + "".join(f"<dt>{h(k)}</dt><dd>{h(v)}</dd>" for k, v in block["items"]) + "</dl>"
    if kind == "table":
        return _table(block)
    if kind == "chart":
        return _chart(block)
    raise ValueError(f"unknown block type {kind!r}")


def render_html(doc: dict) -> str:
    meta = "".join(f"<dt>{h(k)}</dt><dd>{h(v)}</dd>" for k, v in doc["meta"])
    sections = "\n".join(
        f'<section id="{h(sec["id"])}"{PAGE_START if sec.get("page") else ""}>\n<h2>{h(sec["title"])}</h2>\n'
        + "\n".join(_block(b) for b in sec["blocks"])
        + "\n</section>"
        for sec in doc["sections"]
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{h(doc['title'])}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
        f'<header>\n<h1>{h(doc["title"])}</h1>\n<p class="subtitle">{h(doc["subtitle"])}</p>\n'
        f'<dl class="meta">{meta}</dl>\n</header>\n'
        f"{sections}\n"
        f"<footer>{h(doc['footer'])}</footer>\n</main>\n</body>\n</html>\n"
    )
