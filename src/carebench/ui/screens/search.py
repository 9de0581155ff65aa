"""The search of everything people wrote (`/` on every screen, and the palette), and the full view of one record.

Hits come ranked from the full-text index: check-in notes and next steps, lessons and decisions. Enter on a
check-in opens it in full (the view Health opens too); on a lesson or decision it shows that in full.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from ...app.inputs import inert
from ...app.present import plural, snippet_parts, with_unit
from ...core.terms import SUBSCORES
from ..messages import LoadFailed
from ..widgets.chrome import KeyBar

if TYPE_CHECKING:
    from ...app.readmodels import Document
    from ..app import CarebenchApp

SEARCH_LIMIT = 200
"""How many hits the search lists (the best ones)."""

SOURCE_WORDS = {"checkin": "check-in", "lesson": "lesson", "decision": "decision"}
FOUND_ORDER = ("checkin", "lesson", "decision")


# ----- pure helpers (tested without a terminal) ---------------------------------


def highlighted(snippet: str, highlights: Sequence[Sequence[int]]) -> Text:
    """A hit's snippet with the words found in bold reverse; every piece inert."""
    return Text.assemble(*[(inert(part), "bold reverse" if found else "") for part, found in snippet_parts(snippet, highlights)])


def hit_prompt(hit: Mapping) -> Text:
    """A hit in a few lines: when, where, what it is and who; the text around the words found; for a lesson or
    decision also what was learned (when the snippet is not all of it), why and where it came from."""
    what_it_is = f"{inert(hit['kind'])} check-in" if hit["source"] == "checkin" else SOURCE_WORDS.get(hit["source"], inert(hit["source"]))
    head = Text.assemble((inert(hit["date"]), "bold"), "  ", (inert(hit["client_name"]), "bold"), "  ", what_it_is)
    if hit.get("who"):
        head.append(f"  · {inert(hit['who'])}", style="dim")
    lines = [head, Text("  ").append_text(highlighted(hit["snippet"], hit["highlights"]))]
    if hit["source"] != "checkin":
        if hit["snippet"] != hit["what"]:
            lines.append(Text("  " + inert(hit["what"])))
        why, origin = inert(hit.get("why") or ""), inert(hit.get("origin") or "")
        detail = [part for part in (f"why: {why}" if why else "", f"source: {origin}" if origin else "") if part]
        if detail:
            lines.append(Text("  " + "  · ".join(detail), style="dim"))
    return Text("\n").join(lines)


def found_text(hits: Sequence[Mapping]) -> str:
    """How many hits of each source: "4 found (2 check-ins, 1 lesson, 1 decision)"."""
    counts = {source: sum(1 for hit in hits if hit["source"] == source) for source in FOUND_ORDER}
    parts = [plural(n, SOURCE_WORDS[source]) for source, n in counts.items() if n]
    return f"{len(hits)} found ({', '.join(parts)})"


def checkin_text(checkin: Mapping[str, Any] | Document) -> Text:
    """Everything a check-in stored, for reading: who and how long, each section's notes, next steps, readings,
    scores, action items and the lessons and decisions it noted."""
    text = Text()
    text.append(f"{inert(checkin['client_name'])} · {inert(checkin['kind'])} check-in · {inert(checkin['date'])}", style="bold")
    text.append(f"\nby {inert(checkin['author'] or 'unknown')} · {checkin['actual_minutes']} of {checkin['planned_minutes']} minutes planned")
    if checkin["attendees"]:
        text.append(" · with " + ", ".join(inert(name) for name in checkin["attendees"]))

    def heading(title: str) -> None:
        text.append(f"\n\n{title}", style="bold underline")

    def body(value: str) -> None:
        for line in value.strip().splitlines() or [""]:
            text.append("\n  " + inert(line))

    noted = [section for section in checkin["sections"] if (section.get("notes") or "").strip()]
    if not noted:
        heading("Notes")
        text.append("\n  none written", style="dim")
    for section in noted:
        heading(inert(section.get("title") or "Notes"))
        body(section["notes"])
    heading("Next steps")
    if checkin["next_steps"].strip():
        body(checkin["next_steps"])
    else:
        text.append("\n  none", style="dim")
    if checkin["readings"]:
        heading("KPI readings")
        for reading in checkin["readings"]:
            name = inert(reading.get("name") or reading["kpi"])
            text.append(f"\n  {name}: {inert(with_unit(reading['value'], reading.get('unit') or ''))}")
            text.append(f"  ({inert(reading['date'])})", style="dim")
    assessment = checkin["assessment"]
    if assessment:
        heading(f"Scores (assessment of {inert(assessment['date'])})")
        for name in SUBSCORES:
            text.append(f"\n  {name.replace('_', ' '):<20}{assessment['scores'][name]:>3}")
        if assessment.get("note"):
            text.append("\n  note: " + inert(assessment["note"]), style="dim")
    if checkin["action_items"]:
        heading("Action items")
        for item in checkin["action_items"]:
            text.append("\n  • " + inert(item["text"]))
            details = f"{inert(item['owner'] or '')} · due {inert(item['due'])} · {inert(item['priority'])} · {inert(item['status'])}"
            text.append(f"  {details}", style="dim")
    if checkin.get("learnings"):
        heading("Lessons and decisions")
        for learning in checkin["learnings"]:
            text.append(f"\n  • {inert(learning['kind'])}: " + inert(learning["what"]))
            if learning.get("why"):
                text.append("\n    why: " + inert(learning["why"]), style="dim")
    return text


def learning_text(hit: Mapping) -> Text:
    """A lesson or decision in full: what, why, who, when, where it came from."""
    text = Text()
    text.append(f"{inert(hit['client_name'])} · {SOURCE_WORDS.get(hit['source'], inert(hit['source']))} · {inert(hit['date'])}", style="bold")
    if hit.get("who"):
        text.append(f"\nby {inert(hit['who'])}")
    text.append("\n\nWhat", style="bold underline")
    for line in hit["what"].splitlines() or [""]:
        text.append("\n  " + inert(line))
    text.append("\n\nWhy", style="bold underline")
    if (hit.get("why") or "").strip():
        for line in hit["why"].splitlines():
            text.append("\n  " + inert(line))
    else:
        text.append("\n  not given", style="dim")
    if hit.get("origin"):
        text.append("\n\nSource", style="bold underline")
        text.append("\n  " + inert(hit["origin"]))
    if hit.get("checkin_id"):
        text.append("\n\nNoted during a check-in (c shows it)", style="dim")
    return text


# ----- the full view of one record ----------------------------------------------------


@dataclass
class CheckinLoaded(Message):
    """A check-in to show in full arrived from a worker."""

    checkin: Document


class RecordView(ModalScreen[None]):
    """One check-in, lesson or decision in full, read-only and scrolled; `o` shows its client's health."""

    app: CarebenchApp

    DEFAULT_CSS = """
    RecordView { align: center middle; }
    RecordView > Vertical { width: 100; max-width: 98%; height: 90%; border: round $primary; background: $surface; padding: 0 1; }
    RecordView VerticalScroll { height: 1fr; }
    RecordView #record { height: auto; }
    """
    BINDINGS = [
        Binding("escape", "close", "Close", id="record.close", tooltip="Back to where it was opened"),
        Binding("o", "open_client", "Open client", id="record.client", tooltip="Show the health of the client it belongs to"),
        Binding("c", "open_checkin", "Check-in", id="record.checkin", tooltip="Show the check-in this was noted in"),
        Binding("slash", "app.search", "Search", key_display="/", id="record.search", tooltip="Back to the search, or a new one"),
    ]

    def __init__(self, client: str, text: Text | None = None, *, checkin_id: int | None = None, linked_checkin: int | None = None) -> None:
        super().__init__()
        self.client = client
        self.text = text
        self.checkin_id = checkin_id  # loaded in a worker when no text is given
        self.linked_checkin = linked_checkin

    def compose(self):
        with Vertical():
            with VerticalScroll(id="record-scroll"):
                yield Static(self.text or Text("Loading the check-in…", style="dim"), id="record")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#record-scroll").focus()
        if self.text is None and self.checkin_id is not None:
            self._load(self.checkin_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="record")
    def _load(self, checkin_id: int) -> None:
        from ...app import queries

        try:
            checkin = queries.checkin(self.app.session(), checkin_id)
        except Exception as exc:  # shown as one line; the view says it could not load
            self.post_message(LoadFailed(self.app.user_error(exc)))
            return
        self.post_message(CheckinLoaded(checkin))

    def on_checkin_loaded(self, message: CheckinLoaded) -> None:
        message.stop()
        self.text = checkin_text(message.checkin)
        self.query_one("#record", Static).update(self.text)

    def on_load_failed(self, message: LoadFailed) -> None:
        message.stop()
        self.query_one("#record", Static).update(Text(message.error, style="dim"))
        self.notify(message.error, title=message.title, severity="error")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open_checkin":
            return self.linked_checkin is not None
        return True

    def action_close(self) -> None:
        self.dismiss(None)

    def action_open_client(self) -> None:
        self.app.show_client(self.client)

    def action_open_checkin(self) -> None:
        if self.linked_checkin is not None:
            self.app.push_screen(RecordView(self.client, checkin_id=self.linked_checkin))


def record_view(hit: Mapping) -> RecordView:
    """The full view of a search hit: a check-in loaded from the database, a lesson or decision from the hit."""
    if hit["source"] == "checkin":
        return RecordView(hit["client"], checkin_id=hit["id"])
    return RecordView(hit["client"], learning_text(hit), linked_checkin=hit.get("checkin_id"))


# ----- the search -------------------------------------------------------------------


@dataclass
class HitsLoaded(Message):
    """Hits for ``text`` arrived from a worker; ``token`` says which search they answer."""

    hits: list
    text: str
    token: int


class HitList(OptionList):
    """The hits, best first."""

    app: CarebenchApp

    BINDINGS = [
        Binding("enter", "select", "Open", id="search.open", tooltip="Show the check-in, lesson or decision in full"),
        Binding("o", "open_client", "Open client", id="search.client", tooltip="Show the health of the client the hit belongs to"),
    ]

    def action_open_client(self) -> None:
        screen = self.screen
        if isinstance(screen, SearchScreen) and self.highlighted is not None and screen.hits:
            self.app.show_client(screen.hits[self.highlighted]["client"])


class SearchScreen(ModalScreen[None]):
    """Search check-in notes and next steps, lessons and decisions as you type; with nothing typed yet, the
    practice's lessons and decisions, newest first."""

    app: CarebenchApp
    DEFAULT_CSS = """
    SearchScreen { align: center top; }
    SearchScreen > Vertical { width: 110; max-width: 98%; height: 1fr; margin: 1 0; border: round $primary; background: $surface; }
    SearchScreen #search-text { height: 1; border: none; padding: 0 1; }
    SearchScreen #search-summary { height: auto; padding: 0 1; }
    SearchScreen HitList, SearchScreen HitList:focus { height: 1fr; border: none; padding: 0 1; }
    """
    BINDINGS = [
        Binding("escape", "close", "Close", id="search.close", tooltip="Close the search"),
        Binding("down", "to_hits", "Hits", show=False, id="search.hits"),
        Binding("slash", "focus_text", "Search", show=False, id="search.text"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.hits: list = []
        self._token = 0

    def compose(self):
        with Vertical():
            yield Input(placeholder="Search check-in notes, next steps, lessons and decisions (escape closes)", id="search-text")
            yield Static("", id="search-summary", classes="muted")
            yield HitList(id="search-hits")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#search-text", Input).focus()
        self.run_search("")

    def focus_text(self) -> None:
        self.query_one("#search-text", Input).focus()

    def action_focus_text(self) -> None:
        self.focus_text()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.run_search(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the search moves to the hits, where enter opens one."""
        event.stop()
        self.action_to_hits()

    def action_to_hits(self) -> None:
        hits = self.query_one(HitList)
        if hits.option_count:
            hits.focus()

    def action_close(self) -> None:
        self._token += 1  # whatever is still on its way is dropped
        self.dismiss(None)

    def run_search(self, text: str) -> None:
        self._token += 1
        self._search(self._token, text)

    @work(thread=True, exclusive=True, exit_on_error=False, group="search")
    def _search(self, token: int, text: str) -> None:
        from ...app import queries
        from ...core.search import search_words

        try:
            session = self.app.session()
            words = search_words(text)
            if words:
                hits = list(queries.search(session, text, SEARCH_LIMIT))
            else:  # nothing typed yet: the lessons and decisions; only punctuation: nothing
                hits = [] if text.strip() else list(queries.recent_learnings(session, SEARCH_LIMIT))
        except Exception as exc:  # shown as one line; the search keeps what it showed
            self.post_message(LoadFailed(self.app.user_error(exc), title="Could not search"))
            return
        self.post_message(HitsLoaded(hits, text, token))

    def on_load_failed(self, message: LoadFailed) -> None:
        message.stop()
        self.notify(message.error, title=message.title, severity="error")

    def on_hits_loaded(self, message: HitsLoaded) -> None:
        message.stop()
        if message.token != self._token:
            return
        from ...core.search import search_words

        self.hits = message.hits
        hit_list = self.query_one(HitList)
        hit_list.clear_options()
        options: list[Option | None] = []
        for index, hit in enumerate(message.hits):
            if index:
                options.append(None)
            options.append(Option(hit_prompt(hit), id=str(index)))
        hit_list.add_options(options)
        if message.hits:
            hit_list.highlighted = 0
        text = message.text.strip()
        searched = bool(search_words(text))
        summary = self.query_one("#search-summary", Static)
        more = f" (the best {SEARCH_LIMIT})" if len(message.hits) == SEARCH_LIMIT else ""
        if searched and message.hits:
            summary.update(Text(f"{found_text(message.hits)}{more} matching “{inert(text)}”, best first · enter opens one · o its client"))
        elif searched:
            summary.update(Text(f"Nothing matches “{inert(text)}”: every word must be there (a word also finds longer ones it starts)."))
        elif text:
            summary.update(Text(f"“{inert(text)}” has no word to look for: type letters or digits."))
        elif message.hits:
            summary.update(Text(f"Type to search. Meanwhile, the practice's lessons and decisions, newest first: {found_text(message.hits)}{more}."))
        else:
            summary.update(Text("Type to search check-in notes, next steps, lessons and decisions."))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.app.push_screen(record_view(self.hits[int(event.option.id)]))
