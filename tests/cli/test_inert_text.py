"""Text another member stored never drives the terminal, and bidi controls are refused on the way in.

A member with ``sqlite3`` can store anything: here escape sequences (a window title, an OSC 8 link, an
OSC 52 clipboard write, colours), C1 controls and bidi overrides go straight into the database of the
fixed-date portfolio (see conftest.py), bypassing carebench's checks. Every table, line, report and
screen then shows them written out (``\\x1b``, ``\\u202e``) while JSON keeps them exactly.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carebench.app import inputs
from conftest import settle

# A window title (OSC 0), a link (OSC 8), a clipboard write (OSC 52), colours, a bidi override, then a C1 CSI,
# a C1 OSC ended by ST, and a pair of isolates.
HOSTILE = (
    "\x1b]0;pwned\x07 \x1b]8;;http://evil\x07link\x1b]8;;\x07 \x1b]52;c;ZXZpbA==\x07 \x1b[31mred\x1b[0m \u202eevil \x9b2J\x9d0;c1\x9c \u2066iso\u2069"
)
CLIENT_NAME = "Acme" + HOSTILE
AS_OF = "2026-06-15"

# What must never reach a terminal, written out here on purpose (not taken from carebench): C0 controls
# but the newline, DEL, C1 controls, bidi marks, embeddings, overrides and isolates, line and paragraph separators.
NOT_FOR_A_TERMINAL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def raw_controls(text: str) -> list[str]:
    """The characters of ``text`` that could drive a terminal or reorder what it shows, as code points."""
    return sorted({f"U+{ord(c):04X}" for c in NOT_FOR_A_TERMINAL.findall(text)})


# ----- the inert functions ---------------------------------------------------------

PRINTABLE = st.text(st.characters(categories=("L", "M", "N", "P", "S", "Zs")))
SAMPLES = st.sampled_from(
    [
        "Zoë Müller-Łukasiewicz",
        "東京物流",
        "Ελληνικά",
        "עברית",
        "العربية",
        "हिन्दी",
        "Smile 😀 👍🏽 🇬🇧 👨‍👩‍👧‍👦",
        "a\u00a0b",
        "[bold]x[/] *y* `z` \\ | <b>",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_nothing_that_drives_a_terminal_survives(text):
    assert not raw_controls(inputs.inert(text))
    assert not raw_controls(inputs.inert_lines(text))
    assert "\n" not in inputs.inert(text)
    assert inputs.inert_lines(text).count("\n") == text.count("\n")
    assert inputs.inert(inputs.inert(text)) == inputs.inert(text)


@settings(max_examples=300, deadline=None)
@given(st.one_of(PRINTABLE, SAMPLES, st.lists(SAMPLES).map(" ".join)))
def test_printable_text_is_unchanged(text):
    assert inputs.inert(text) == text
    assert inputs.inert_lines(text) == text
    assert inputs.inert_lines(text + "\n" + text) == text + "\n" + text


def test_controls_are_written_out_as_escapes():
    assert inputs.inert("a\x1b]0;t\x07b") == "a\\x1b]0;t\\x07b"
    assert inputs.inert("\u202eevil\u2066\u061c\u200f") == "\\u202eevil\\u2066\\u061c\\u200f"
    assert inputs.inert("\x9b\x7f\r\t\n\u2028") == "\\x9b\\x7f\\x0d\\x09\\x0a\\u2028"
    assert inputs.inert_lines("one\ntwo\r\n") == "one\ntwo\\x0d\n"


# ----- the command line ---------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_db(base_db, tmp_path_factory, make_runner):
    """The fixed-date portfolio with hostile text written into it with plain sqlite3, behind carebench's back."""
    root = tmp_path_factory.mktemp("hostile")
    path = root / "hostile.db"
    shutil.copy(base_db, path)
    run = make_runner(root / "home")
    run.ok("ticket", "add", "acme", "Printer down", "--impact", "high", "--users", "many", "--opened", "2026-06-14 09:00", db=path)
    run.ok("learning", "acme", "Lesson about the queue", "--why", "it stalls", "--date", "2026-06-10", db=path)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE clients SET name = ? WHERE id = 'acme'", (CLIENT_NAME,))
        conn.execute("UPDATE clients SET name = ? WHERE id = 'cobalt'", ("Cobalt" + HOSTILE,))
        conn.execute("UPDATE kpis SET name = ? WHERE key = 'uptime'", ("Uptime" + HOSTILE,))
        conn.execute("UPDATE kpis SET unit = ? WHERE key = 'cost_per_case'", ("USD\x1b]0;unit\x07\u202e",))
        conn.execute("UPDATE action_items SET text = ?, owner = ? WHERE text = 'Escalate to the CIO'", ("Escalate" + HOSTILE, "ana\x1b[8m"))
        conn.execute("UPDATE action_items SET text = ? WHERE text = 'Fix the report export'", ("Fix" + HOSTILE,))
        conn.execute(
            "UPDATE checkins SET sections = ?, next_steps = ?, author = ? WHERE client_id = 'acme'",
            (json.dumps([{"title": "Opening", "notes": "Stuck\n" + HOSTILE}]), "Call" + HOSTILE, "ana" + HOSTILE),
        )
        conn.execute("UPDATE learnings SET what = ?, why = ?, who = ?", ("Lesson" + HOSTILE, "Why" + HOSTILE, "ana\x1b[2J"))
        conn.execute("UPDATE tickets SET title = ?", ("Printer" + HOSTILE,))
        conn.execute("UPDATE assessments SET note = ? WHERE client_id = 'acme'", ("Note" + HOSTILE,))
        conn.execute(
            "UPDATE opportunities SET title = ?, next_action = ?, next_action_date = '2026-06-20' WHERE title = 'Extra site'",
            ("Site" + HOSTILE, "Demo" + HOSTILE),
        )
        conn.execute("UPDATE contacts SET name = ?", ("Dana" + HOSTILE,))
        conn.execute(
            "INSERT INTO checklist_items (client_id, key, position, label, done, done_on, changed_at, changed_by) "
            "VALUES ('cobalt', 'evil', 9, ?, 0, NULL, '2026-06-01T00:00:00', 'mallory')",
            ("Label" + HOSTILE,),
        )
        draft = {"section": 0, "notes": {"0": "Draft notes\n" + HOSTILE}, "next_steps": "Next" + HOSTILE, "attendees": "Dana" + HOSTILE}
        for author in ("ana", "mallory" + HOSTILE):
            conn.execute(
                "INSERT INTO drafts (client_id, date, kind, author, data, version, changed_at, changed_by) "
                "VALUES ('acme', ?, 'weekly', ?, ?, 1, '2026-06-15T08:00:00', 'mallory')",
                (AS_OF, author, json.dumps(draft)),
            )
        conn.execute(
            "INSERT INTO audit (at, actor, action, client_id, detail) VALUES ('2026-06-15T08:00:00', ?, ?, 'acme', ?)",
            ("mallory" + HOSTILE, "rename" + HOSTILE, json.dumps({"name": CLIENT_NAME})),
        )
    conn.close()
    return path


# Every command that shows stored text, each showing some of the hostile text; schedule shows none, but is checked too.
SHOWN = [
    ("today",),
    ("health",),
    ("health", "acme"),
    ("client", "acme"),
    ("kpis", "acme"),
    ("pipeline",),
    ("log",),
    ("checkins", "acme"),
    ("drafts",),
    ("practice",),
    ("ticket", "list"),
    ("search", "lesson"),
    ("search", "stuck"),
    ("check",),
    ("checklist", "show", "cobalt"),
    ("report", "acme", "--kind", "weekly", "--format", "md"),
    ("report", "acme", "--kind", "qbr", "--format", "md"),
    ("report", "cobalt", "--kind", "monthly", "--audience", "executive", "--format", "md"),
    ("digest", "--format", "md"),
    ("calendar", "--from", AS_OF, "--to", "2026-07-15"),
]
SHOWN_NOTHING_STORED = [("schedule", "acme", "--from", "2026-06-01", "--to", "2026-06-20")]


@pytest.mark.parametrize("args", SHOWN + SHOWN_NOTHING_STORED, ids=" ".join)
def test_stored_escape_sequences_are_written_out_in_every_output(run, hostile_db, args):
    result = run("--date", AS_OF, *args, db=hostile_db)
    assert result.returncode in (0, 1), result.stderr  # check exits 1 for its findings
    assert "Traceback" not in result.stderr and "error" not in result.stderr
    # iCalendar ends its lines with CRLF and folds long ones: that is the format, not something stored.
    out = result.stdout.replace("\r\n ", "").replace("\r\n", "\n") if args[0] == "calendar" else result.stdout
    assert not raw_controls(out), f"raw control characters on stdout: {raw_controls(out)}"
    assert not raw_controls(result.stderr)
    if args in SHOWN:
        assert "\\x1b" in out and "\\u202e" in out, "what was stored is shown written out, so the oddity is visible"


def test_markup_in_stored_text_is_shown_literally(run, hostile_db, tmp_path):
    copy = tmp_path / "markup.db"
    shutil.copy(hostile_db, copy)
    with sqlite3.connect(copy) as conn:
        conn.execute("UPDATE clients SET name = '[link=http://evil]Beta[/link] [bold]Health' WHERE id = 'beta'")
    shown = run("--date", AS_OF, "client", "beta", db=copy).stdout
    assert "[link=http://evil]Beta[/link] [bold]Health" in shown


def test_json_and_html_keep_the_stored_text_exactly(run, hostile_db, tmp_path):
    client = run.json("client", "acme", "--json", db=hostile_db)
    assert client["name"] == CLIENT_NAME
    kpis = run.json("kpis", "acme", "--json", db=hostile_db)
    assert kpis[0]["name"] == "Uptime" + HOSTILE
    today = run.json("--date", AS_OF, "today", "--json", db=hostile_db)
    assert "Escalate" + HOSTILE in [a["text"] for a in today["action_items"]]
    hits = run.json("search", "lesson", "--json", db=hostile_db)
    assert hits[0]["what"] == "Lesson" + HOSTILE and hits[0]["why"] == "Why" + HOSTILE
    tickets = run.json("ticket", "list", "--json", db=hostile_db)
    assert tickets[0]["title"] == "Printer" + HOSTILE
    checkins = run.json("checkins", "acme", "--json", db=hostile_db)
    assert checkins[0]["sections"][0]["notes"] == "Stuck\n" + HOSTILE
    exported = json.loads(run.ok("export", db=hostile_db).stdout)
    acme = next(c for c in exported["clients"] if c["id"] == "acme")
    assert acme["name"] == CLIENT_NAME and acme["assessments"][0]["note"] == "Note" + HOSTILE

    page = tmp_path / "acme.html"
    run.ok("--date", AS_OF, "report", "acme", "--kind", "weekly", "--format", "html", "-o", page, db=hostile_db)
    html = page.read_text(encoding="utf-8")
    assert "Acme\x1b]0;pwned\x07" in html and "\u202eevil" in html  # a browser is not a terminal: kept as stored
    assert "\\x1b" not in html


# ----- input refuses bidi controls ------------------------------------------------------


def test_a_bidi_override_in_a_name_is_refused_on_the_command_line(fresh, dump_db):
    run, db = fresh
    before = dump_db(db)
    result = run("add-client", "evil", "--name", "Evil\u202egnp.exe", "--tier", "gold", "--go-live", AS_OF, db=db)
    assert result.returncode == 2
    assert result.stderr.splitlines() == ["error: name: contains bidirectional-text control characters (U+202E); remove them"]
    assert dump_db(db) == before


@pytest.mark.parametrize(
    "args, field",
    [
        (
            [
                "assess",
                "acme",
                "--scores",
                ",".join(
                    f"{s}=5"
                    for s in (
                        "achievement",
                        "trend",
                        "sustainability",
                        "adherence",
                        "engagement",
                        "leadership",
                        "communication",
                        "satisfaction",
                        "expansion_interest",
                    )
                ),
                "--note",
                "ok\u2067",
            ],
            "note",
        ),
        (["add-action", "acme", "Call\u200fback", "--due", AS_OF], "text"),
        (["ticket", "add", "acme", "Down\u202a", "--impact", "low", "--users", "few"], "title"),
        (["learning", "acme", "What", "--why", "because\u2066"], "why"),
        (["skip", "acme", "--date", AS_OF, "--kind", "weekly", "--reason", "away\u202d"], "reason"),
        (["ack", "red-no-recovery:acme", "--until", "2026-06-30", "--reason", "later\u202e"], "--reason"),
    ],
    ids=["assess-note", "action-text", "ticket-title", "learning-why", "skip-reason", "ack-reason"],
)
def test_bidi_controls_in_any_typed_text_are_refused(fresh, dump_db, args, field):
    run, db = fresh
    before = dump_db(db)
    result = run("--date", AS_OF, *args, db=db)
    assert result.returncode == 2, result.stdout
    [line] = result.stderr.splitlines()
    assert line.startswith(f"error: {field}: ") and "bidirectional-text control characters (U+" in line
    assert not raw_controls(line)
    assert dump_db(db) == before


def test_a_bidi_control_in_an_imported_portfolio_names_the_field(run, db, tmp_path, portfolio_dict, dump_db):
    portfolio_dict["clients"][0]["assessments"][0]["note"] = "go-live \u202etrouble"
    source = tmp_path / "bidi.json"
    source.write_text(json.dumps(portfolio_dict), encoding="utf-8")
    result = run("import", source, db=db)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"error: {source}: clients[0].assessments[0].note: contains bidirectional-text control characters (U+202E); remove them"
    ]
    assert dump_db(db) is None


def test_a_bidi_control_in_a_readings_file_is_refused_and_shown_written_out(fresh, dump_db, tmp_path):
    run, db = fresh
    before = dump_db(db)
    source = tmp_path / "readings.csv"
    source.write_text("client,kpi,date,value\nacme\u202e,uptime,2026-06-12,98\n", encoding="utf-8")
    result = run("readings", "import", source, db=db)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"error: {source}:2: unknown client 'acme\\u202e'"]
    assert dump_db(db) == before


# ----- the workbench ---------------------------------------------------------------------


def drawn(app) -> list:
    """The text segments the current screen, with the screens under a dialog, sends to the terminal."""
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    return [segment for line in update.strips for strip in line for segment in strip if not segment.control]


class Painted:
    """Everything the workbench drew during a test, checked as it is drawn."""

    def __init__(self, app) -> None:
        self.app, self.seen = app, []

    def check(self, where: str) -> str:
        segments = drawn(self.app)
        text = "".join(segment.text for segment in segments)
        assert not raw_controls(text), f"{where}: raw control characters drawn: {raw_controls(text)}"
        links = {segment.style.link for segment in segments if segment.style and segment.style.link}
        assert not links, f"{where}: links drawn: {links}"
        self.seen.append(text)
        return text


async def test_the_workbench_draws_stored_escape_sequences_written_out(hostile_db, tmp_path, monkeypatch):
    from carebench.ui.app import CarebenchApp

    for name in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    path = tmp_path / "hostile.db"
    shutil.copy(hostile_db, path)
    app = CarebenchApp(path, today=date(2026, 6, 15), user="ana", client="acme")
    async with app.run_test(size=(160, 50), notifications=True, tooltips=True) as pilot:
        painted = Painted(app)

        async def press(*keys: str, where: str) -> str:
            for key in keys:
                await pilot.press(key)
            await settle(app, pilot)
            return painted.check(where)

        async def visit(*keys: str, where: str) -> str:
            """Open a dialog or screen, check it, and leave it with escape."""
            shown = await press(*keys, where=where)
            await press("escape", where=f"{where}, closed")
            return shown

        await settle(app, pilot)
        today = painted.check("Today")
        assert "Acme\\x1b]0;pwned\\x07" in today and "Escalate\\x1b]0;pwned" in today
        agenda = app.screen.query_one("#agenda")
        agenda.move_cursor(key="tp:acme:weekly:due")
        assert "weekly touchpoint of Acme\\x1b]0;" in await visit("s", where="Today: why skip")
        await visit("r", where="Today: move to")
        assert "New action item for Acme\\x1b]0;" in await visit("a", where="Today: new action item")
        assert "Acme\\x1b]0;" in await visit("c", where="client picker")
        await visit("ctrl+p", where="command palette")
        assert "Client: Acme\\x1b]0;" in await visit("ctrl+p", *"Client", where="command palette, clients")

        # The check-in of acme's weekly touchpoint: a draft someone else stored, prompts from the client's data.
        await press("enter", where="check-in")
        checkin = app.screen
        assert type(checkin).__name__ == "CheckinScreen"
        shown = painted.check("check-in")
        assert "Draft notes" in shown and "\\u202eevil" in shown and "mallory\\x1b]0;" in shown
        for index in range(1, len(checkin.ctx["script"]["sections"])):
            await press("ctrl+n", where=f"check-in section {index + 1}")
        await visit("ctrl+g", where="check-in sections")
        await visit("ctrl+o", where="check-in: new action item")
        await press("escape", where="check-in: leave?")
        await press("k", where="check-in left, draft kept")

        await press("2", where="Portfolio")
        for key in "3eot":
            await press(key, where=f"KPIs of acme ({key})")
        await press("4", where="Health of acme")
        await visit("t", where="Health: new ticket")
        assert "Printer\\x1b]0;" in await visit("r", where="Health: tickets to resolve")
        await press("v", where="Health: past check-ins")
        assert "Call\\x1b]0;" in await press("enter", where="Health: a past check-in in full")  # its next steps
        await press("escape", where="Health of acme")
        await press("5", where="Expansion")
        pipeline = app.screen.query_one("#pipeline")
        pipeline.move_cursor(key=next(row.id for row in pipeline.rows if "Site" in row.title))
        await press("down", "up", where="Expansion: the hostile opportunity")
        assert "Mark 'Site\\x1b]0;" in await visit("x", where="Expansion: mark lost?")
        assert "Edit opportunity for Acme\\x1b]0;" in await visit("e", where="Expansion: edit")
        await press("6", where="Practice")
        await press("slash", *"lesson", where="search: lessons found")
        await press("enter", "enter", where="search: a lesson in full")
        await press("escape", "escape", where="Practice")
        found = await press("slash", *"stuck", where="search: check-in notes found")
        assert "Stuck" in found and "\\x1b]0;" in found
        await press("enter", "enter", where="search: a check-in in full")
        await press("escape", "escape", where="Practice")

        app.set_client("cobalt")
        assert "target 40 USD\\x1b]0;unit" in await press("3", where="KPIs of cobalt")  # the chart's label
        await press("4", where="Health of cobalt")
        assert "Label\\x1b]0;" in await visit("k", where="Health: checklist of cobalt")

        # A write names the client in its notification.
        await press("1", where="Today again")
        agenda = app.screen.query_one("#agenda")
        agenda.move_cursor(key="tp:acme:daily:overdue")
        done = await press("d", where="Today: done, notified")
        assert "\\u2066iso\\u2069:" in done and "2026-06-05" in done  # the toast (its lines wrap)

    everything = "".join(painted.seen)
    for shown in (
        "Uptime\\x1b]0;",
        "USD\\x1b]0;unit\\x07\\u202e",
        "Note\\x1b]0;",
        "Printer\\x1b]0;",
        "Site\\x1b]0;",
        "Lesson\\x1b]0;",
        "Label\\x1b]0;",
        "Dana\\x1b]0;",
        "\\x9b2J",
        "\\u2066iso\\u2069",
    ):
        assert shown in everything, f"{shown} is shown written out somewhere"


def test_the_workbench_forms_refuse_bidi_controls_naming_the_field():
    from datetime import datetime

    from carebench.ui.widgets.forms import action_item_form, learning_form, opportunity_form, ticket_form

    bidi = "contains bidirectional-text control characters (U+202E); remove them"
    _, problem = action_item_form("Acme", "ana", date(2026, 6, 15)).validate(
        {"text": "Call\u202eback", "owner": "", "due": AS_OF, "priority": "high"}
    )
    assert problem == f"text: {bidi}"
    _, problem = opportunity_form("Acme").validate(
        {
            "title": "Site",
            "value": "1000",
            "probability": "20",
            "stage": "identified",
            "source": "performance_gap",
            "investment": "",
            "timeline": "",
            "next_action": "Demo \u202e",
            "next_action_date": "",
        }
    )
    assert problem == f"next_action: {bidi}"
    _, problem = ticket_form("Acme", datetime(2026, 6, 15, 9)).validate(
        {"title": "\u202eDown", "impact": "high", "users": "many", "category": "other", "opened": "2026-06-15 09:00"}
    )
    assert problem == f"title: {bidi}"
    _, problem = learning_form("Acme").validate({"what": "Lesson", "why": "because \u202e", "kind": "lesson"})
    assert problem == f"why: {bidi}"


async def test_a_check_in_with_a_bidi_control_in_its_notes_is_not_finished(base_db, tmp_path, monkeypatch):
    from textual.widgets import TextArea

    from carebench.ui.app import CarebenchApp
    from carebench.ui.screens.checkin import CheckinScreen
    from conftest import record_notifications

    for name in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    path = tmp_path / "copy.db"
    shutil.copy(base_db, path)
    stored = "SELECT COUNT(*) FROM checkins"
    with sqlite3.connect(path) as conn:
        before = conn.execute(stored).fetchone()
    app = CarebenchApp(path, today=date(2026, 6, 15), user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        notes = record_notifications(app, monkeypatch)
        await settle(app, pilot)
        await app.push_screen(CheckinScreen("acme", date(2026, 6, 15), "weekly"))
        await settle(app, pilot)
        app.screen.query_one(TextArea).insert("pasted \u202eevil")
        await pilot.press("ctrl+f")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "CheckinScreen", "the check-in stays open"
        assert ("error", "notes: contains bidirectional-text control characters (U+202E); remove them") in notes
    with sqlite3.connect(path) as conn:
        assert conn.execute(stored).fetchone() == before
