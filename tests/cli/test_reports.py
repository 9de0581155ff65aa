"""Client reports and the portfolio digest: Markdown snapshots, HTML structure, escaping, and the commands.

The snapshots are built in-process from the bundled demo portfolio anchored to
2026-06-15 (owner "ana") and compared exactly with the files in
tests/cli/report_snapshots/. After an intended change to a report, regenerate them with

    CAREBENCH_UPDATE_REPORTS=1 pytest tests/cli/test_reports.py

and review the diff of tests/cli/report_snapshots/ before committing it.
"""

from __future__ import annotations

import os
import re
from datetime import date
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from carebench.app.demo import load_demo_portfolio
from carebench.app.present import money, number, sparkline, thin, with_unit
from carebench.app.scriptbook import bundled_scripts, load_scripts
from carebench.app.session import Session
from carebench.core.models import Portfolio
from carebench.reports import document as d
from carebench.reports.build import AUDIENCES, KINDS, PLAN, client_report, report_sections
from carebench.reports.digest import portfolio_digest
from carebench.reports.render_html import render_html
from carebench.reports.render_md import md, render_markdown
from carebench.store import Store

DAY = date(2026, 6, 15)
SNAPSHOTS = Path(__file__).parent / "report_snapshots"
UPDATE = os.environ.get("CAREBENCH_UPDATE_REPORTS") == "1"
# One client per kind, for variety: red in the handover phase, yellow and backsliding, green with won deals.
CLIENT_OF = {"weekly": "brackenfield-foods", "monthly": "corvane-freight", "qbr": "meridale-health-supplies"}
TEMPLATES = load_scripts([bundled_scripts()])[0]


@pytest.fixture(autouse=True)
def no_locale_currency(monkeypatch):
    """The snapshots read the same under any locale: amounts carry no currency unless the rules name one."""
    from carebench.app import present

    monkeypatch.setattr(present, "locale_currency", lambda: present.NO_CURRENCY)


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    with Store(path, actor="ana") as store:
        store.import_portfolio(load_demo_portfolio(DAY, "ana"))
    return Session(path, today=DAY, actor="ana")


def check_snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if UPDATE:
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no snapshot {path}; run with CAREBENCH_UPDATE_REPORTS=1 to create it"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its snapshot (CAREBENCH_UPDATE_REPORTS=1 to update)"


class Page(HTMLParser):
    """What the HTML tests look at: tags, section ids and titles, links, and the text of table cells."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.sections: list[str] = []
        self.titles: list[str] = []
        self.links: list[str] = []
        self.cells: list[str] = []
        self._capture: str | None = None
        self._buffer = ""
        self._svg_depth = 0
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attrs = dict(attrs)
        if tag == "section":
            self.sections.append(attrs.get("id"))
        for name in ("src", "href", "xlink:href", "action", "data"):
            if name in attrs:
                self.links.append(attrs[name])
        if tag in ("h2", "td", "th"):
            self._capture, self._buffer = tag, ""

    def handle_endtag(self, tag):
        if tag == self._capture:
            (self.titles if tag == "h2" else self.cells).append(self._buffer)
            self._capture = None

    def handle_data(self, data):
        if self._capture:
            self._buffer += data


def md_cells(text: str) -> list[str]:
    """The cells of every Markdown table, unescaped (header and body; separator rows left out)."""
    cells = []
    for line in text.splitlines():
        if not line.startswith("| ") or re.fullmatch(r"\|( :?-+:? \|)+", line):
            continue
        for cell in re.split(r"(?<!\\) \| ", line[2:-2]):
            cells.append(re.sub(r"\\(.)", r"\1", cell).replace("&amp;", "&"))
    return cells


def md_titles(text: str) -> list[str]:
    return [re.sub(r"\\(.)", r"\1", line[3:]) for line in text.splitlines() if line.startswith("## ")]


# ----- snapshots ---------------------------------------------------------------------


@pytest.mark.parametrize("audience", AUDIENCES)
@pytest.mark.parametrize("kind", KINDS)
def test_report_markdown_snapshot(demo_store, kind, audience):
    doc = client_report(demo_store, CLIENT_OF[kind], DAY, kind, audience, TEMPLATES)
    check_snapshot(f"{kind}-{audience}.md", render_markdown(doc))


def test_internal_report_markdown_snapshot(demo_store):
    doc = client_report(demo_store, CLIENT_OF["monthly"], DAY, "monthly", "operational", TEMPLATES, internal=True)
    check_snapshot("monthly-operational-internal.md", render_markdown(doc))


@pytest.mark.parametrize("owner", [None, "sam"])
def test_digest_markdown_snapshot(demo_store, owner):
    doc = portfolio_digest(demo_store, owner)
    check_snapshot(f"digest-{owner or 'all'}.md", render_markdown(doc))


# ----- HTML ----------------------------------------------------------------------------


def assert_self_contained(html: str, no_urls_at_all: bool = True) -> Page:
    page = Page(html)
    assert html.startswith("<!DOCTYPE html>")
    assert "script" not in page.tags
    assert not [link for link in page.links if re.match(r"\s*(https?:|//)", link, re.I)]
    if no_urls_at_all:
        assert not re.search(r"https?:", html), "no URLs at all: no fonts, images or stylesheets from the network"
    assert "@import" not in html and "url(" not in html
    assert "link" not in page.tags and "img" not in page.tags and "iframe" not in page.tags
    assert "style" in page.tags and "@media print" in html
    return page


@pytest.mark.parametrize("audience", AUDIENCES)
@pytest.mark.parametrize("kind", KINDS)
def test_report_html_is_self_contained_with_its_sections(demo_store, kind, audience):
    doc = client_report(demo_store, CLIENT_OF[kind], DAY, kind, audience, TEMPLATES)
    html = render_html(doc)
    page = assert_self_contained(html)
    # brackenfield-foods (the weekly reports' client) is red: its reports say what is being done about it, after the summary
    red = ["recovery"] if kind == "weekly" else []
    # the demo's clients have no rollout waves, so their operational reports leave the rollout's section out
    expected = [name for name in report_sections(kind, audience) if name != "rollout"]
    assert page.sections == expected[:1] + red + expected[1:]
    assert "svg" in page.tags, "charts are inline SVG"
    internal = Page(render_html(client_report(demo_store, CLIENT_OF[kind], DAY, kind, audience, TEMPLATES, internal=True)))
    planned = [name for name in PLAN[kind][audience] if name != "rollout"]
    assert internal.sections == planned[:1] + red + planned[1:]
    # Both formats carry the same content: the same section titles and the same table cells.
    markdown = render_markdown(doc)
    assert page.titles == md_titles(markdown)
    assert page.cells == md_cells(markdown)


def test_qbr_agenda_follows_the_script(demo_store):
    doc = client_report(demo_store, "corvane-freight", DAY, "qbr", "executive", TEMPLATES)
    agenda = next(s for s in doc["sections"] if s["id"] == "agenda")
    table = next(b for b in agenda["blocks"] if b["type"] == "table")
    assert [row[1:] for row in table["rows"]] == [
        ["Results against targets", "20"],
        ["Competitive position", "15"],
        ["Strategic alignment", "20"],
        ["Expansion exploration", "25"],
    ]
    assert [row[0] for row in table["rows"]] == ["0:00-0:20", "0:20-0:35", "0:35-0:55", "0:55-1:20"]


def test_qbr_expansion_shows_the_opportunities_as_tracked(demo_store):
    client = client_report(demo_store, "corvane-freight", DAY, "qbr", "executive", TEMPLATES)
    offered = next(b for b in next(s for s in client["sections"] if s["id"] == "expansion")["blocks"] if b["type"] == "table")
    # The client's copy: what each would bring, cost and take, and the next step; no stage, chance or weighted value.
    assert offered["columns"] == ["Opportunity", "Annual value", "Investment", "Timeline", "Next step"]
    doc = client_report(demo_store, "corvane-freight", DAY, "qbr", "executive", TEMPLATES, internal=True)
    expansion = next(s for s in doc["sections"] if s["id"] == "expansion")
    table = next(b for b in expansion["blocks"] if b["type"] == "table")
    assert table["columns"] == ["Opportunity", "Stage", "Annual value", "Investment", "Timeline", "Chance", "Weighted value", "Next step"]
    benchmarking = next(row for row in table["rows"] if row[0] == "Carrier rate benchmarking")
    # value, investment range, timeline in months after go-live, chance, weighted value, next step both ways
    assert benchmarking[1:] == [
        "qualified",
        "120,000",
        "25,000–40,000",
        "months 11–13 after go-live",
        "35%",
        "42,000",
        "Month 9 (12 Jun 2026): Send Liam the benchmark scope and data request",
    ]


def test_digest_html_is_self_contained(demo_store):
    html = render_html(portfolio_digest(demo_store))
    page = assert_self_contained(html)
    assert page.sections == ["summary", "bands", "movers", "overdue", "backsliding", "handovers", "actions", "pipeline"]
    assert "svg" in page.tags


def test_reports_show_the_same_numbers_as_the_views(demo_store):
    from carebench.app import queries

    view = queries.client_card(demo_store, "corvane-freight").to_json()
    text = render_markdown(client_report(demo_store, "corvane-freight", DAY, "monthly", "operational", TEMPLATES, internal=True))
    money_view = view["financials"]
    assert f"**Savings since go-live:** {money(money_view['cumulative_savings'])}" in text
    assert f"{number(money_view['roi'])}% against a target of {number(money_view['roi_target'])}%" in text
    for kpi in (k.to_json() for k in queries.kpis(demo_store, "corvane-freight")):
        assert f"| {md(kpi['name'])} | {md(with_unit(kpi['current'], kpi['unit']))} |" in text
    totals = queries.pipeline(demo_store, "corvane-freight").to_json()["totals"]
    assert f"weighted by their chances, {money(totals['weighted'])}" in text


# ----- escaping --------------------------------------------------------------------------

NASTY = "<script>alert(\"x\")</script> & <b>bold</b> | *star* _under_ [link](http://evil.example) 'q'"


@pytest.fixture
def nasty_store(tmp_path, make_portfolio):
    data = make_portfolio()
    acme = data["clients"][0]
    acme["name"] = 'Acme <Logistics> & "Sons" | ltd'
    acme["kpis"][0]["name"] = "Uptime *%* <i>"
    acme["action_items"][0]["text"] = NASTY
    acme["assessments"][0]["note"] = NASTY
    acme["opportunities"][0]["title"] = NASTY
    acme["opportunities"][0]["stage"] = "identified"
    acme["opportunities"][0]["next_action"] = 'call <them> & "close"'
    with Store(tmp_path / "nasty.db", actor="tester") as store:
        store.import_portfolio(Portfolio.model_validate(data))
    return Session(tmp_path / "nasty.db", today=DAY, actor="tester")


@pytest.mark.parametrize("kind", KINDS)
def test_html_escapes_user_text(nasty_store, kind):
    for audience in AUDIENCES:
        html = render_html(client_report(nasty_store, "acme", DAY, kind, audience, TEMPLATES))
        page = assert_self_contained(html, no_urls_at_all=False)
        assert "<b>" not in html and "<i>" not in html and "<Logistics>" not in html
        assert "Acme &lt;Logistics&gt; &amp; &quot;Sons&quot; | ltd" in html
        assert all(tag not in page.tags for tag in ("b", "i", "a"))


@pytest.mark.parametrize("kind", KINDS)
def test_markdown_escapes_user_text(nasty_store, kind):
    doc = client_report(nasty_store, "acme", DAY, kind, "operational", TEMPLATES)
    text = render_markdown(doc)
    assert "<script>" not in text and "[link](http" not in text and "*star*" not in text
    assert 'Acme \\<Logistics\\> & "Sons" \\| ltd' in text
    # Every table row keeps its number of columns despite the '|' in the text.
    widths = {len(b["columns"]) for sec in doc["sections"] for b in sec["blocks"] if b["type"] == "table"}
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    assert rows and all(len(re.split(r"(?<!\\)\|", line)) - 2 in widths for line in rows)


def test_markdown_rows_have_their_column_count_with_pipes_in_the_text():
    doc = d.document("T", "S", [], [d.section("x", "X", d.table(["a", "b"], [["1 | 2", "<3>"], ["x\ny", "&amp;"]]))], "F")
    text = render_markdown(doc)
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    assert all(len(re.split(r"(?<!\\)\|", line)) == 4 for line in rows)
    assert "| 1 \\| 2 | \\<3\\> |" in text
    assert "| x y | &amp;amp; |" in text
    assert md_cells(text) == ["a", "b", "1 | 2", "<3>", "x y", "&amp;"]


def test_html_escapes_every_kind_of_block():
    evil = "<x onload='1'>&"
    doc = d.document(
        evil,
        evil,
        [[evil, evil]],
        [
            d.section(
                "s",
                evil,
                d.text(evil),
                d.callout(evil, "red"),
                d.bullets([evil]),
                d.facts([(evil, evil)]),
                d.table([evil], [[evil]]),
                d.bar_chart(evil, [(evil, 1.0)], evil),
                d.line_chart(evil, [(DAY, 1.0)], evil, unit="%"),
            )
        ],
        evil,
    )
    html = render_html(doc)
    assert "<x" not in html
    assert unescape("&lt;x onload=&#x27;1&#x27;&gt;&amp;") in unescape(html)


# ----- text helpers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "values, expected",
    [
        ([], ""),
        ([5], "▄"),
        ([3, 3, 3], "▄▄▄"),
        ([0, 7], "▁█"),
        ([0, 1, 2, 3, 4, 5, 6, 7], "▁▂▃▄▅▆▇█"),
        ([10, 0, 5], "█▁▅"),
        ([-2, -1], "▁█"),
    ],
)
def test_sparkline(values, expected):
    assert sparkline(values) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        (0, "0"),
        (5.0, "5"),
        (192.35, "192.35"),
        (99.77, "99.77"),
        (1234.5, "1,234.5"),
        (33800.0, "33,800"),
        (-19.9, "-19.9"),
        (0.00012, "0.00012"),
        (None, "–"),
    ],
)
def test_number(value, expected):
    assert number(value) == expected


@pytest.mark.parametrize("value, expected", [(10000.5, "10,000.50"), (0.1 + 0.2, "0.30"), (33800.0, "33,800"), (1.005, "1.01"), (None, "–")])
def test_money_rounds_half_up_to_cents(value, expected):
    assert money(value) == expected


def test_thin_keeps_the_ends():
    points = list(range(100))
    kept = thin(points, 10)
    assert len(kept) == 10 and kept[0] == 0 and kept[-1] == 99
    assert thin([1, 2], 10) == [1, 2]


def test_units_read_naturally():
    assert with_unit(95.5, "%") == "95.5%"
    assert with_unit(5, "count") == "5"
    assert with_unit(2.14, "h") == "2.14 h"


# ----- commands ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory, make_runner):
    root = tmp_path_factory.mktemp("cli")
    runner = make_runner(root / "home")
    database = root / "demo.db"
    runner.ok("demo-data", "--anchor", "2026-06-15", db=database)
    return runner, database


def test_report_command_prints_markdown(demo_db):
    run, database = demo_db
    result = run.ok("report", "corvane-freight", "--kind", "weekly", "--date", "2026-06-15", db=database)
    assert result.stdout.startswith("# Corvane Freight Systems: Weekly report\n")
    assert "## Needs attention" in result.stdout and "| KPI | Now | Target |" in result.stdout
    assert result.stderr == ""


def test_report_command_writes_html_to_a_file(demo_db, tmp_path):
    run, database = demo_db
    out = tmp_path / "qbr.html"
    result = run.ok(
        "--date",
        "2026-06-15",
        "report",
        "meridale-health-supplies",
        "--kind",
        "qbr",
        "--audience",
        "executive",
        "--format",
        "html",
        "-o",
        out,
        db=database,
    )
    assert result.stdout == "" and str(out) in result.stderr
    page = assert_self_contained(out.read_text(encoding="utf-8"))
    assert page.sections == list(report_sections("qbr", "executive"))


@pytest.mark.parametrize(
    "args, message",
    [
        (["ghost", "--kind", "weekly"], "error: unknown client 'ghost'"),
        (["acme", "--kind", "yearly"], "error: Invalid value for '--kind'"),
        (["acme"], "error: Missing option '--kind'"),
        (["corvane-freight", "--kind", "weekly", "--date", "2026-02-30"], "error: Invalid value for '--date'"),
    ],
)
def test_report_command_refuses_bad_input(demo_db, args, message):
    run, database = demo_db
    result = run("report", *args, db=database)
    assert result.returncode == 2
    assert result.stderr.startswith(message) and len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""


def test_report_command_cannot_write_to_a_missing_folder(demo_db, tmp_path):
    run, database = demo_db
    result = run("report", "corvane-freight", "--kind", "weekly", "-o", tmp_path / "no" / "r.md", db=database)
    assert result.returncode == 2 and result.stderr.startswith("error: cannot write")


def test_digest_command_for_one_owner(demo_db):
    run, database = demo_db
    result = run.ok("digest", "--owner", "sam", "--date", "2026-06-15", db=database)
    assert result.stdout.startswith("# Portfolio digest: sam\n")
    assert "Harbourline Insurance Services" in result.stdout and "Brackenfield Foods" not in result.stdout
    html = run.ok("digest", "--date", "2026-06-15", "--format", "html", db=database).stdout
    assert assert_self_contained(html).sections[0] == "summary"


def test_every_report_renders_for_unusual_clients(demo_store, tmp_path):
    """Never assessed (kestrel), handed over (ashgrove), and a client with nothing at all that goes live later."""
    from carebench.core.models import Client

    with Store(tmp_path / "empty.db", actor="tester") as store:
        store.add_client(Client(id="empty", name="Empty & Co", tier="gold", go_live=date(2026, 7, 1), owner="x"))
    empty_store = Session(tmp_path / "empty.db", today=DAY, actor="tester")
    for store, client in ((demo_store, "kestrel-ridge-outfitters"), (demo_store, "ashgrove-print-studio"), (empty_store, "empty")):
        for kind in KINDS:
            for audience in AUDIENCES:
                doc = client_report(store, client, DAY, kind, audience, TEMPLATES)
                assert render_markdown(doc).startswith("# ")
                assert_self_contained(render_html(doc))
    text = render_markdown(client_report(empty_store, "empty", DAY, "monthly", "operational", TEMPLATES))
    assert "Health has not been assessed yet." in text
    assert "No KPI has a reading yet" in text
    assert "Support phase:** before go-live" in text
