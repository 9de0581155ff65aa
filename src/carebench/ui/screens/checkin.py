"""The guided check-in: one timed section at a time, everything typed kept as a draft until Finish."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from time import monotonic
from typing import TYPE_CHECKING

from pydantic import ValidationError
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.geometry import Region
from textual.screen import ModalScreen, Screen
from textual.strip import Strip
from textual.widgets import Header, Input, Label, OptionList, Select, Static, TextArea
from textual.widgets.option_list import Option

from ...app.drafts import editable
from ...app.inputs import UserError, inert, inert_lines, parse_date, parse_number, validation_message
from ...core.health import band_of, overall_score
from ...core.models import (
    CONTROL_RE,
    MAX_NOTES,
    STAGES,
    SUBSCORES,
    ActionItem,
    Assessment,
    CheckIn,
    Learning,
    Scores,
    Section,
)
from ...core.scripts import LEARNING_CAPTURES, learned
from ..messages import DataLoaded, LoadFailed
from ..widgets.chrome import KeyBar
from ..widgets.scores import ScoresPanel, check_score, typed_scores
from ..widgets.tables import band_text

if TYPE_CHECKING:
    from textual.timer import Timer

    from ...app.readmodels import Document, Upcoming
    from ..app import CarebenchApp

# Everything typed is saved this long after the last keystroke (and on every section change).
DRAFT_DELAY_S = 1.5
CONFIDENCE_HINT = "how confident the team is in the new way of working (leave empty if not asked)"
# From this many characters on, the notes' heading counts them.
NOTES_NEAR = MAX_NOTES * 9 // 10


class NotesArea(TextArea):
    """The notes box. Textual clears a removed TextArea's component styles before the compositor has
    forgotten it; a frame painted in between (a busy machine, a section change) raised KeyError and
    ended the check-in. Such a frame is drawn blank instead."""

    section_index: int  # the section whose notes it holds

    def render_lines(self, crop: Region) -> list[Strip]:
        try:
            return super().render_lines(crop)
        except KeyError:
            if self.is_attached:
                self.refresh()
            return [Strip.blank(crop.width)] * crop.height


def fmt_clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def check_reading(text: str, kpi: Mapping) -> tuple[float | None, str | None]:
    """A KPI reading typed in the runner: empty means none; else a number inside the KPI's plausible range."""
    if not text.strip():
        return None, None
    try:
        value = parse_number(text, kpi["name"])
    except UserError as exc:
        return None, str(exc)
    from ...core.kpis import implausible

    problem = implausible(value, (kpi["low"], kpi["high"]))
    return (None, problem) if problem else (value, None)


def plain(text: str) -> str:
    """Typed or pasted text without control characters (tabs and line breaks stay)."""
    return CONTROL_RE.sub("", text)


class ChoiceDialog(ModalScreen[str | None]):
    """A question answered with one key."""

    DEFAULT_CSS = """
    ChoiceDialog { align: center middle; }
    ChoiceDialog > Vertical { width: 64; max-width: 95%; height: auto; border: round $warning; padding: 0 1; background: $surface; }
    """

    def __init__(self, question: str, choices: dict[str, str]) -> None:
        super().__init__()
        self.question = question
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question)
            yield Label("   ".join(f"[b]{k}[/b] {v}" for k, v in self.choices.items()) + "   [b]escape[/b] back")

    def on_key(self, event) -> None:
        event.stop()
        if event.key == "escape":
            self.dismiss(None)
        elif event.key in self.choices:
            self.dismiss(event.key)


class SummaryDialog(ModalScreen[None]):
    """What a finished check-in stored."""

    DEFAULT_CSS = """
    SummaryDialog { align: center middle; }
    SummaryDialog > Vertical { width: 70; max-width: 95%; height: auto; border: round $success; padding: 0 1; background: $surface; }
    """
    BINDINGS = [Binding("enter,escape", "close", "Back to Today")]

    def __init__(self, lines: list[str]) -> None:
        super().__init__()
        self.lines = lines

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("[b]Check-in saved[/b]")
            for line in self.lines:
                yield Label(Text(inert(line)))
            yield Label("[dim]enter: back to Today[/]")

    def action_close(self) -> None:
        self.dismiss(None)


class CheckinScreen(Screen):
    """Runs the script for one touchpoint (or an expansion conversation on one opportunity)."""

    app: CarebenchApp
    TITLE = "Check-in"
    OFFERS_SEARCH = False  # `/` is typed into the notes here, so the search is not offered
    # Focus is placed by hand once the section's fields exist (see focus_first_field).
    AUTO_FOCUS = None
    BINDINGS = [
        Binding("ctrl+n", "next_section", "Next", id="checkin.next", tooltip="Next section"),
        Binding("ctrl+b", "previous_section", "Previous", id="checkin.previous", tooltip="Previous section"),
        Binding("ctrl+g", "jump", "Sections", id="checkin.jump", tooltip="Jump to any section"),
        Binding("ctrl+o", "add_action", "+Action", id="checkin.action", tooltip="Add an action item"),
        Binding("ctrl+l", "add_learning", "+Lesson", id="checkin.learning", tooltip="Record a lesson learned or a decision"),
        Binding("ctrl+f", "finish", "Finish", id="checkin.finish", tooltip="Store the check-in and mark it done"),
        Binding("escape", "cancel", "Cancel", id="checkin.cancel", tooltip="Leave: keep or discard the draft"),
        # The screen keys would leave the check-in behind on another screen's stack: it is left with escape.
        Binding("1,2,3,4,5,6", "stay", show=False),
    ]
    DEFAULT_CSS = """
    CheckinScreen #runbar { height: 1; background: $panel; padding: 0 1; }
    CheckinScreen #run-what { width: 1fr; text-wrap: nowrap; text-overflow: ellipsis; }
    CheckinScreen #run-clock { width: auto; }
    CheckinScreen #notice { height: auto; color: $warning; padding: 0 1; display: none; }
    CheckinScreen #sections { width: 30; height: 1fr; border: none; border-right: solid $panel; }
    CheckinScreen #body { height: 1fr; padding: 0 1; }
    CheckinScreen #prompts { height: auto; margin-bottom: 1; }
    CheckinScreen TextArea { height: 6; }
    CheckinScreen .field { height: auto; margin-bottom: 0; }
    CheckinScreen .field Label { width: 1fr; padding: 0 1 0 0; }
    CheckinScreen .field Input { width: 12; background: $boost; }
    CheckinScreen .attendees Input { width: 2fr; }
    CheckinScreen .field Select { width: 24; }
    CheckinScreen .field .hint { width: 1fr; padding: 0 0 0 1; color: $text-muted; }
    CheckinScreen .error { color: $error; }
    CheckinScreen .heading { color: $primary; text-style: bold; margin-top: 1; }
    CheckinScreen #live-health { height: auto; }
    """

    def __init__(self, client: str, touchpoint_date: date, kind: str, opportunity_id: int | None = None) -> None:
        super().__init__()
        self.client = client
        self.touchpoint_date = touchpoint_date
        self.kind = kind
        self.opportunity_id = opportunity_id
        self.ctx: Document | None = None  # what app.checkin.context gives; read-only
        self.state: dict = {}
        self.draft_version: int | None = None
        self.section = 0
        self._section_started: float | None = None  # the clock starts when the first section shows
        self._save_timer: Timer | None = None
        self._dirty = False
        self._finished = False
        self._recovered_pending = False  # recovered copies merged into the state, to drop once it is stored
        self._finishing = False  # a finish is in flight: further ctrl+f presses wait for it
        self.wrong_field = "#notes"  # the field a refused finish names (see collect)
        self._release_keys = lambda: None  # let keys typed while a section opens go on to its first field

    # ----- layout and loading --------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        # What is run (cut with an ellipsis when narrow) and, always in full, the section and its clocks.
        with Horizontal(id="runbar"):
            yield Static("Opening the check-in…", id="run-what")
            yield Static("", id="run-clock")
        yield Static("", id="notice")
        with Horizontal():
            yield OptionList(id="sections")
            yield VerticalScroll(id="body")
        yield KeyBar()

    def on_mount(self) -> None:
        self.hold_keys()
        self.load()
        self.set_interval(1.0, self.tick)

    def on_unmount(self) -> None:
        self._release_keys()

    @work(thread=True, exit_on_error=False, group="load")
    def load(self) -> None:
        from ...app import checkin

        try:
            ctx = checkin.context(self.app.session(), self.client, self.touchpoint_date, self.kind, self.opportunity_id)
        except Exception as exc:
            self.post_message(LoadFailed(self.app.user_error(exc)))
            return
        self.post_message(DataLoaded(ctx, 0))

    def on_load_failed(self, message: LoadFailed) -> None:
        message.stop()
        self._release_keys()
        self.notify(message.error, title="Check-in", severity="error", timeout=8)
        if self.ctx is None:
            self.app.pop_screen()

    async def on_data_loaded(self, message: DataLoaded) -> None:
        message.stop()
        ctx = self.ctx = message.data
        self.title = f"Check-in · {ctx['client_name']}"
        draft = editable(ctx["draft"] or {})  # the state is edited as the consultant types
        self.draft_version = ctx["draft_version"]
        merged = 0
        if ctx["recovered"]:
            from ...app.drafts import merge

            draft, merged = merge(draft, ctx["recovered"])
            self._recovered_pending = True
        self.state = {
            "section": 0,
            "notes": {},
            "readings": {},
            "actions": [],
            "learnings": [],
            "next_steps": "",
            "elapsed": {},
            "scores": {k: str(v) for k, v in (ctx["last_scores"] or {}).items()},
            "outcome": {},
            "attendees": ", ".join(ctx["contacts"]),
            "confidence": "",
            **draft,
        }
        notices = []
        if draft:
            notices.append("Resumed your draft of this check-in.")
        if merged:
            notices.append(
                f"Merged {merged} {'copy' if merged == 1 else 'copies'} kept when a session of yours ended: "
                "their text is under the lines marked 'recovered'."
            )
        if ctx["other_drafts"]:
            notices.append(f"{', '.join(ctx['other_drafts'])} also has a draft of this check-in open.")
        notices += ctx["script_problems"]
        if notices:
            notice = self.query_one("#notice", Static)
            notice.update(Text(inert(" ".join(notices))))
            notice.display = True
        sections = self.query_one("#sections", OptionList)
        for index, section in enumerate(ctx["script"]["sections"]):
            sections.add_option(Option(Text(inert(f"{index + 1}. {section['title']} · {section['minutes']}m")), id=str(index)))
        await self.show_section(int(self.state.get("section", 0)))
        if self._recovered_pending:
            self.changed()  # the merged draft is stored (and the copies dropped) as any edit is

    # ----- sections --------------------------------------------------------

    def _bank_time(self) -> None:
        now = monotonic()
        if self._section_started is None:
            self._section_started = now
            return
        key = str(self.section)
        self.state["elapsed"][key] = self.state["elapsed"].get(key, 0) + (now - self._section_started)
        self._section_started = now

    def capture_fields(self) -> None:
        """Copy what the section's fields hold into the state (their change events may not have arrived yet)."""
        for area in self.query("#body TextArea#notes").results(TextArea):
            self.state["notes"][str(self.section)] = area.text
        for field in self.query("#body Input").results(Input):
            name = field.id or ""
            if name.startswith("kpi-"):
                self.state["readings"][name[4:]] = field.value
            elif name.startswith("score-"):
                self.state["scores"][name[6:]] = field.value
            elif name == "next-steps":
                self.state["next_steps"] = field.value
            elif name == "attendees":
                self.state["attendees"] = field.value
            elif name == "confidence":
                self.state["confidence"] = field.value
            elif name in ("outcome-action", "outcome-date"):
                self.state["outcome"]["next_action" if name == "outcome-action" else "next_action_date"] = field.value
        for select in self.query("#body Select#outcome-stage").results(Select):
            self.state["outcome"]["stage"] = select.value

    async def show_section(self, index: int) -> None:
        if self.ctx is None:
            return
        self.capture_fields()
        sections = self.ctx["script"]["sections"]
        index = max(0, min(index, len(sections) - 1))
        if self.state:
            self._bank_time()
        self.section = self.state["section"] = index
        self.query_one("#sections", OptionList).highlighted = index
        body = self.query_one("#body", VerticalScroll)
        self.hold_keys()
        await body.remove_children()
        await body.mount_all(list(self.section_widgets(sections[index])))
        body.scroll_home(animate=False)
        self.call_after_refresh(self.focus_first_field)
        self.tick()

    def focus_first_field(self) -> None:
        """The cursor goes where the consultant types first: the notes (at their end), else the first field."""
        for widget in [*self.query("#body TextArea"), *self.query("#body Input, #body Select")]:
            widget.focus(scroll_visible=False)
            body = self.query_one("#body", VerticalScroll)
            body.scroll_to_widget(widget, animate=False)
            # Once the section's text has wrapped to its final height, the field is brought into view again.
            self.call_after_refresh(body.scroll_to_widget, widget, animate=False)
            if isinstance(widget, TextArea):
                widget.move_cursor(widget.document.end)
            break
        self._release_keys()

    def hold_keys(self) -> None:
        """Keep what is typed from now until the cursor is in the section's first field (see focus_first_field)."""
        self._release_keys()
        # Escape while the check-in loads leaves it; while a section opens, it comes after the keys typed before it.
        self._release_keys = self.app.hold_keys(self.action_cancel if self.ctx is None else None)

    def focus_field(self, selector: str) -> None:
        """Put the cursor in the field ``selector`` names, when this section shows it."""
        for widget in self.query(f"#body {selector}"):
            widget.focus(scroll_visible=False)
            self.query_one("#body", VerticalScroll).scroll_to_widget(widget, animate=False)
            return

    def section_widgets(self, section: dict):
        """The section's prompts and fields; what they show or hold comes from the database (a draft, the client), made inert."""
        from ...app.checkin import prompts

        ctx = self.ctx
        assert ctx is not None  # a section is shown once the context is loaded
        # Filled again each time: the latest achievement counts the readings taken so far.
        yield Static(Text(inert_lines("\n".join(prompts(ctx, self.section, self.readings_taken())))), id="prompts")
        capture = section["capture"]
        if self.section == 0:
            yield Horizontal(
                Label("Attendees"),
                Input(inert(self.state["attendees"]), placeholder="names, separated by commas", id="attendees", compact=True),
                classes="field attendees",
            )
        if "notes" in capture:
            yield Label(self.notes_heading(self.state["notes"].get(str(self.section), ""), capture), classes="heading", id="notes-heading")
            notes = NotesArea(inert_lines(self.state["notes"].get(str(self.section), "")), id="notes", soft_wrap=True)
            notes.section_index = self.section
            yield notes
        if "readings" in capture and section["kpis"]:
            yield Label("KPI readings (leave empty to skip)", classes="heading")
            for key in section["kpis"]:
                kpi = ctx["kpis"][key]
                unit = kpi["unit"]
                last = "none" if kpi["current"] is None else f"{kpi['current']:g}"
                with_units = f"{kpi['name']} [{unit}]" if unit else kpi["name"]
                yield Horizontal(
                    Label(Text(inert(with_units))),
                    Input(inert(self.state["readings"].get(key, "")), id=f"kpi-{key}", placeholder="value", compact=True),
                    Static(f"last {last} · base {kpi['baseline']:g} · target {kpi['target']:g}", classes="hint", id=f"hint-{key}"),
                    classes="field",
                )
        if "scores" in capture:
            yield ScoresPanel(self.state["scores"], ctx["suggestions"], ctx["last_scores"], ctx["last_assessed"], section["scores"])
        if "outcome" in capture and ctx["opportunity"]:
            opportunity = ctx["opportunity"]
            outcome = self.state["outcome"]
            yield Label(Text(inert(f"Outcome for “{opportunity['title']}”")), classes="heading")
            yield Horizontal(
                Label("stage"),
                Select([(s, s) for s in STAGES], value=outcome.get("stage", opportunity["stage"]), allow_blank=False, id="outcome-stage"),
                classes="field",
            )
            yield Horizontal(
                Label("next action"), Input(inert(outcome.get("next_action", opportunity["next_action"] or "")), id="outcome-action"), classes="field"
            )
            yield Horizontal(
                Label("next action date"),
                Input(inert(outcome.get("next_action_date", opportunity["next_action_date"] or "")), id="outcome-date", placeholder="YYYY-MM-DD"),
                classes="field",
            )
        if "actions" in capture:
            yield Label("Action items (ctrl+o adds one)", classes="heading")
            yield Static(self.actions_text(), id="actions")
        if "confidence" in capture:
            yield Horizontal(
                Label("Team confidence (1-10)"),
                Input(inert(self.state.get("confidence", "")), id="confidence", placeholder="1-10", compact=True),
                Static(CONFIDENCE_HINT, classes="hint", id="confidence-hint"),
                classes="field",
            )
        if "next_steps" in capture:
            yield Label("Next steps agreed", classes="heading")
            yield Input(inert(self.state["next_steps"]), id="next-steps", placeholder="what both sides do next")

    def readings_taken(self) -> dict[str, float]:
        """The KPI readings typed so far that the check-in would store, by KPI key."""
        assert self.ctx is not None
        taken = {}
        for key, text in self.state["readings"].items():
            kpi = self.ctx["kpis"].get(key)
            value = check_reading(text, kpi)[0] if kpi is not None else None
            if value is not None:
                taken[key] = value
        return taken

    def actions_text(self) -> Text:
        if not self.state["actions"]:
            return Text("none yet", style="dim")
        return Text("\n".join(inert(f"• {a['text']} — {a['owner']}, due {a['due']} ({a['priority']})") for a in self.state["actions"]))

    async def action_next_section(self) -> None:
        self.save_draft_now()
        await self.show_section(self.section + 1)

    async def action_previous_section(self) -> None:
        self.save_draft_now()
        await self.show_section(self.section - 1)

    def action_jump(self) -> None:
        self.query_one("#sections", OptionList).focus()

    async def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.save_draft_now()
        await self.show_section(event.option_index)  # the options are the sections in their order

    # ----- the clock ---------------------------------------------------------

    def tick(self) -> None:
        if self.ctx is None:
            return
        sections = self.ctx["script"]["sections"]
        running = monotonic() - self._section_started if self._section_started is not None else 0
        in_section = self.state["elapsed"].get(str(self.section), 0) + running
        total = sum(v for k, v in self.state["elapsed"].items() if k != str(self.section)) + in_section
        planned_section = sections[self.section]["minutes"] * 60
        planned_total = self.ctx["script"]["planned_minutes"] * 60
        warn = self.app.theme_variables.get("warning", "")
        # The client and its band first: the script's title is what gives way on a narrow terminal.
        what = Text(inert(f"{self.ctx['client_name']} · "))
        what.append_text(band_text(self.app, self.ctx["band"]))
        what.append(inert(f" · {self.ctx['script']['title']}"))
        self.query_one("#run-what", Static).update(what)
        bar = Text(f" · section {self.section + 1}/{len(sections)} ")
        bar.append(f"{fmt_clock(in_section)}/{fmt_clock(planned_section)}", style=warn if in_section > planned_section else "")
        bar.append(" · total ")
        bar.append(f"{fmt_clock(total)}/{fmt_clock(planned_total)}", style=warn if total > planned_total else "")
        self.query_one("#run-clock", Static).update(bar)

    # ----- typing and drafts -------------------------------------------------

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        # The event may arrive after its section was left: it belongs to the section it was typed in.
        if isinstance(event.text_area, NotesArea) and event.text_area.is_attached:
            index = event.text_area.section_index
            text = self.state["notes"][str(index)] = event.text_area.text
            self.changed()
            capture = self.ctx["script"]["sections"][index]["capture"] if self.ctx else ()
            for heading in self.query("#notes-heading").results(Label):
                heading.update(self.notes_heading(text, capture))

    @staticmethod
    def notes_heading(text: str, capture: Sequence[str] = ()) -> str:
        """The notes' heading: what each line becomes in a section that keeps lessons or decisions; with a count once
        they near the limit, and what to do once past it."""
        kept = next((LEARNING_CAPTURES[c] for c in capture if c in LEARNING_CAPTURES), None)
        heading = f"Notes · each line is kept as a {kept}" if kept else "Notes"
        if len(text) < NOTES_NEAR:
            return heading
        if len(text) <= MAX_NOTES:
            return f"{heading} [$warning]· {len(text):,} of {MAX_NOTES:,} characters[/]"
        return f"{heading} [$error]· {len(text):,} characters, over the {MAX_NOTES:,} a section keeps: move some to the next section[/]"

    def on_input_changed(self, event: Input.Changed) -> None:
        widget_id = event.input.id or ""
        if widget_id.startswith("kpi-"):
            key = widget_id[4:]
            assert self.ctx is not None  # the fields exist once the context is loaded
            self.state["readings"][key] = event.value
            _, problem = check_reading(event.value, self.ctx["kpis"][key])
            kpi = self.ctx["kpis"][key]
            hint = self.query_one(f"#hint-{key}", Static)
            last = "none" if kpi["current"] is None else f"{kpi['current']:g}"
            hint.update(
                Text(inert(problem), style=self.app.theme_variables.get("error", ""))
                if problem
                else f"last {last} · base {kpi['baseline']:g} · target {kpi['target']:g}"
            )
        elif widget_id.startswith("score-"):
            pass  # the scores panel keeps the state's scores and shows what they make
        elif widget_id == "next-steps":
            self.state["next_steps"] = event.value
        elif widget_id == "attendees":
            self.state["attendees"] = event.value
        elif widget_id == "confidence":
            self.state["confidence"] = event.value
            _, problem = check_score(event.value) if event.value.strip() else (None, None)
            self.query_one("#confidence-hint", Static).update(
                Text(problem or CONFIDENCE_HINT, style=self.app.theme_variables.get("error", "") if problem else "")
            )
        elif widget_id in ("outcome-action", "outcome-date"):
            self.state["outcome"]["next_action" if widget_id == "outcome-action" else "next_action_date"] = event.value
        else:
            return
        self.changed()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "outcome-stage":
            self.state["outcome"]["stage"] = event.value
            self.changed()

    def typed_scores(self) -> tuple[Scores | None, str | None]:
        scores, problem, _ = typed_scores(self.state["scores"])
        return scores, problem

    def changed(self) -> None:
        self._dirty = True
        if self._save_timer is not None:
            self._save_timer.stop()
        self._save_timer = self.set_timer(DRAFT_DELAY_S, self.save_draft_now)

    def draft_data(self) -> dict:
        self.capture_fields()
        self._bank_time()
        return {**self.state, "section": self.section}

    def save_draft_now(self, then_leave: bool = False) -> None:
        if self._dirty and not self._finished and self.ctx is not None:
            self._dirty = False
            self._save_draft(self.draft_data(), self.draft_version, then_leave)

    @work(thread=True, exit_on_error=False, group="draft")
    def _save_draft(self, data: dict, version: int | None, then_leave: bool = False) -> None:
        """Store the draft; with ``then_leave`` the runner closes once it is stored (closing first would cancel the
        write with the screen), and stays open, with what was typed, when it could not be."""
        from ...app import commands

        try:
            session = self.app.session()
            new_version = commands.save_draft(session, self.client, self.touchpoint_date, self.kind, data, version)
            if self._recovered_pending:
                from ...app.drafts import forget_local

                commands.clear_recovered(session, self.client, self.touchpoint_date, self.kind, new_version)
                forget_local(session, self.client, self.touchpoint_date, self.kind)
                self._recovered_pending = False
        except Exception as exc:
            self.app.call_from_thread(self._draft_failed, self.app.user_error(exc))
            return
        self.app.call_from_thread(self._draft_saved, new_version)
        if then_leave:
            self.app.call_from_thread(self.leave)

    def _draft_saved(self, version: int) -> None:
        self.draft_version = version

    def _draft_failed(self, error: str) -> None:
        self._dirty = True  # keep what was typed; the next change or section move tries again
        self.notify(f"Draft not saved: {error}", severity="error")

    def flush_draft_blocking(self) -> None:
        """Keep the draft at once, on this thread (the session is ending): a private local copy, then the database
        with the draft's version, never over a newer draft (see app.drafts.flush)."""
        if self.ctx is None or self._finished:
            return
        from ...app.drafts import flush

        flush(self.app.session(), self.client, self.touchpoint_date, self.kind, self.draft_data(), self.draft_version)

    def has_unsaved_text(self) -> bool:
        """Whether leaving now would end a check-in with something typed in it."""
        if self.ctx is None or self._finished:
            return False
        self.capture_fields()
        typed = [*self.state.get("notes", {}).values(), self.state.get("next_steps", "")]
        return any(text.strip() for text in typed) or bool(self.state.get("actions")) or self._dirty

    # ----- actions, finish, cancel --------------------------------------------

    def action_add_action(self) -> None:
        if self.ctx is None:
            return
        from ..widgets.forms import action_item_form

        def added(item: ActionItem | None) -> None:
            if item is None:
                return
            self.state["actions"].append(item.model_dump(mode="json", include={"text", "owner", "due", "priority"}))
            self.changed()
            try:
                self.query_one("#actions", Static).update(self.actions_text())
            except Exception:
                self.notify(f"Action item added: {item.text}")

        self.app.push_screen(action_item_form(self.ctx["client_name"], self.ctx["owner"], self.app.plan_day), added)

    def action_add_learning(self) -> None:
        if self.ctx is None:
            return
        from ..widgets.forms import learning_form

        def added(entry: dict | None) -> None:
            if entry is None:
                return
            self.state["learnings"].append(entry)
            self.changed()
            self.notify(f"{entry['kind'].capitalize()} noted; it is stored with the check-in")

        self.app.push_screen(learning_form(self.ctx["client_name"]), added)

    def collect(self) -> tuple[dict | None, str | None, int]:
        """What Finish stores, or the first problem and the section it is in (``wrong_field``: the field to fix)."""
        self.capture_fields()
        self.wrong_field = "#notes"
        ctx = self.ctx
        assert ctx is not None  # Finish collects only once the context is loaded

        # What the models refuse (bidi controls, say) is a problem shown in the section where it was typed.
        def first_capturing(what: str) -> int:
            return next((i for i, s in enumerate(ctx["script"]["sections"]) if what in s["capture"]), self.section)

        readings = {}
        for index, section in enumerate(ctx["script"]["sections"]):
            for key in section["kpis"]:
                value, problem = check_reading(self.state["readings"].get(key, ""), ctx["kpis"][key])
                if problem:
                    self.wrong_field = f"#kpi-{key}"
                    return None, problem, index
                if value is not None:
                    readings[key] = value
        assessment = None
        score_section = next((i for i, s in enumerate(ctx["script"]["sections"]) if "scores" in s["capture"]), None)
        if score_section is not None:
            scores, problem = self.typed_scores()
            if problem:
                self.wrong_field = next(f"#score-{name}" for name in SUBSCORES if check_score(self.state["scores"].get(name, ""))[1])
                return None, problem, score_section
            assert scores is not None  # every score read
            if scores.model_dump() != ctx["last_scores"]:
                assessment = Assessment(date=self.app.plan_day, scores=scores, author=self.app.user, note=f"from the {self.kind} check-in")
        confidence = None
        if self.state.get("confidence", "").strip():
            confidence, problem = check_score(self.state["confidence"])
            if problem:
                self.wrong_field = "#confidence"
                return None, f"team confidence: {problem}", first_capturing("confidence")
        outcome = None
        if ctx["opportunity"] and self.state["outcome"]:
            out = {**{k: ctx["opportunity"][k] for k in ("stage", "next_action", "next_action_date")}, **self.state["outcome"]}
            try:
                when = parse_date(out["next_action_date"]) if out.get("next_action_date") else None
            except UserError as exc:
                self.wrong_field = "#outcome-date"
                return None, f"next action date: {exc}", len(ctx["script"]["sections"]) - 1
            outcome = {"stage": out["stage"], "next_action": out.get("next_action") or None, "next_action_date": when}

        sections = []
        for index, s in enumerate(ctx["script"]["sections"]):
            try:
                sections.append(Section(title=s["title"], notes=plain(self.state["notes"].get(str(index), ""))))
            except ValidationError as exc:
                return None, validation_message(exc), index
        self._bank_time()
        minutes = round(sum(self.state["elapsed"].values()) / 60)
        attendees = [plain(name).strip()[:200] for name in self.state["attendees"].split(",") if plain(name).strip()]
        try:
            checkin = CheckIn(
                date=self.app.plan_day,
                kind=self.kind,
                author=self.app.user,
                attendees=attendees,
                planned_minutes=ctx["script"]["planned_minutes"],
                actual_minutes=min(minutes, 1440),
                sections=sections,
                next_steps=plain(self.state["next_steps"]),
                confidence=confidence,
            )
        except ValidationError as exc:
            attendees_wrong = exc.errors()[0]["loc"][0] == "attendees"
            self.wrong_field = "#attendees" if attendees_wrong else "#next-steps"
            return None, validation_message(exc), 0 if attendees_wrong else first_capturing("next_steps")
        source = f"{self.kind} check-in {self.app.plan_day}"
        try:
            actions = [ActionItem(**a, source=source) for a in self.state["actions"]]
            learnings = [Learning(**entry, date=self.app.plan_day, who=self.app.user, source=source) for entry in self.state.get("learnings", [])]
        except ValidationError as exc:
            return None, validation_message(exc), first_capturing("actions")
        for index, s in enumerate(ctx["script"]["sections"]):
            try:
                learnings += [
                    Learning(date=self.app.plan_day, kind=kind, what=what, who=self.app.user, source=f"{source}: {s['title']}")
                    for kind, what in learned(sections[index].notes, s["capture"])
                ]
            except ValidationError as exc:
                self.wrong_field = "#notes"
                return None, f"{s['title']}: {validation_message(exc)}", index
        return (
            {
                "checkin": checkin,
                "readings": readings,
                "assessment": assessment,
                "actions": actions,
                "learnings": learnings,
                "outcome": outcome,
                "opportunity_version": ctx["opportunity"]["version"] if ctx["opportunity"] else None,
            },
            None,
            -1,
        )

    async def action_finish(self) -> None:
        if self.ctx is None or self._finished:
            return
        if self._finishing:
            self.notify("Finishing: the check-in is being stored", severity="warning", timeout=2)
            return
        result, problem, section = self.collect()
        if problem:
            await self.show_section(section)
            # The cursor goes to what needs fixing, not into the notes, where the next keys would land.
            self.call_after_refresh(self.focus_field, self.wrong_field)
            self.notify(problem, title="Not finished yet", severity="error")
            return
        self._finishing = True
        self._finish(result)

    @work(thread=True, exit_on_error=False, group="write")
    def _finish(self, result: dict) -> None:
        from ...app import commands, queries

        session = self.app.session()
        try:
            commands.finish_checkin(
                session,
                self.client,
                self.touchpoint_date,
                result["checkin"],
                result["readings"],
                result["assessment"],
                result["actions"],
                result["learnings"],
                opportunity_id=self.opportunity_id if self.kind == "expansion" else None,
                outcome=result["outcome"],
                opportunity_version=result["opportunity_version"],
            )
            after = queries.client_card(session, self.client).next_touchpoint
        except Exception as exc:
            self._finishing = False
            self.app.call_from_thread(self.notify, f"Not saved: {self.app.user_error(exc)}; your draft is kept", severity="error")
            return
        from ...app.drafts import forget_local

        forget_local(session, self.client, self.touchpoint_date, self.kind)
        self.app.call_from_thread(self._finished_ok, result, after)

    def _finished_ok(self, result: dict, next_touchpoint: Upcoming | None) -> None:
        assert self.ctx is not None  # what was finished was loaded
        self._finished = True
        lines = [
            f"{self.ctx['client_name']}: {self.kind} check-in of {self.app.plan_day}, "
            f"{result['checkin'].actual_minutes} of {result['checkin'].planned_minutes} minutes"
        ]
        lines.append(f"{len(result['readings'])} KPI readings recorded")
        if result["learnings"]:
            counts = [(sum(x.kind == kind for x in result["learnings"]), kind) for kind in ("lesson", "decision")]
            lines.append(" and ".join(f"{n} {kind}{'' if n == 1 else 's'}" for n, kind in counts if n) + " recorded")
        if result["assessment"]:
            rules = self.app.session().rules
            overall = overall_score(result["assessment"].scores, rules.weights)
            before = overall_score(Scores(**self.ctx["last_scores"]), rules.weights) if self.ctx["last_scores"] else None
            change = f" ({overall - before:+})" if before is not None else ""
            lines.append(f"health {overall} {band_of(overall, rules.bands)}{change}")
        else:
            lines.append("health unchanged")
        lines.append(f"{len(result['actions'])} new action items")
        if result["checkin"].confidence is not None:
            lines.append(f"team confidence {result['checkin'].confidence}/10")
        if result.get("outcome"):
            lines.append(f"opportunity now {result['outcome']['stage']}")
        tp = next_touchpoint
        lines.append(f"next touchpoint: {tp.kind} on {tp.date}" if tp else "no further touchpoints scheduled")
        self.app.push_screen(SummaryDialog(lines), lambda _: self.leave())

    def leave(self) -> None:
        self.app.pop_screen()
        self.app.refresh_all()

    def action_stay(self) -> None:
        self.notify("Finish the check-in (ctrl+f) or leave it (escape) before switching screens", severity="warning")

    def action_cancel(self) -> None:
        if self.ctx is None:
            self.app.pop_screen()
            return

        def answered(choice: str | None) -> None:
            if choice == "k":
                self._dirty = True
                self.save_draft_now(then_leave=True)
            elif choice == "d":
                self._finished = True
                self._discard()

        self.app.push_screen(ChoiceDialog("Leave this check-in?", {"k": "keep the draft", "d": "discard it"}), answered)

    @work(thread=True, exit_on_error=False, group="write")
    def _discard(self) -> None:
        from ...app import commands
        from ...app.drafts import forget_local

        try:
            commands.discard_draft(self.app.session(), self.client, self.touchpoint_date, self.kind)
            forget_local(self.app.session(), self.client, self.touchpoint_date, self.kind)
        except Exception as exc:
            self.app.call_from_thread(self.notify, self.app.user_error(exc), severity="error")
        self.app.call_from_thread(self.leave)
