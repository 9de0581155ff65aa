"""The nine health sub-scores as they are typed: one field each with its suggestion, and the live overall and band.

The guided check-in shows them in its scoring section; an assessment outside a check-in shows them in a dialog.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import TYPE_CHECKING

from pydantic import ValidationError
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from ...app.inputs import UserError, inert, parse_date, validation_message
from ...core.health import band_of, overall_score
from ...core.models import SUBSCORES, Assessment, Scores
from .tables import band_text

if TYPE_CHECKING:
    from ..app import CarebenchApp


def check_score(text: str) -> tuple[int | None, str | None]:
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 10:
        return None, "a whole number from 1 to 10"
    return int(text), None


def typed_scores(values: Mapping[str, str]) -> tuple[Scores | None, str | None, str | None]:
    """The nine sub-scores from what was typed, or the first problem and the sub-score it is in."""
    found = {}
    for name in SUBSCORES:
        value, problem = check_score(values.get(name, ""))
        if problem:
            return None, f"{name.replace('_', ' ')}: {problem}", name
        found[name] = value
    return Scores(**found), None, None


class ScoresPanel(Vertical):
    """Sub-score fields (``score-NAME``) over ``values``, the typed text of all nine, which the panel keeps up to date;
    each field shows its suggestion, and the panel the overall and band they make, against the last assessment."""

    DEFAULT_CSS = """
    ScoresPanel { height: auto; }
    ScoresPanel #live-health { height: auto; }
    ScoresPanel .field { height: auto; }
    ScoresPanel .field Label { width: 1fr; padding: 0 1 0 0; }
    ScoresPanel .field Input { width: 12; background: $boost; }
    ScoresPanel .field .hint { width: 1fr; padding: 0 0 0 1; color: $text-muted; }
    """

    def __init__(
        self,
        values: dict[str, str],
        suggestions: Mapping,
        last_scores: Mapping | None,
        last_assessed: str | None,
        names: Iterable[str] | None = None,
        heading: str = "Health sub-scores (1-10)",
    ) -> None:
        super().__init__()
        self.values = values
        self.suggestions = suggestions
        self.last_scores = last_scores
        self.last_assessed = last_assessed
        self.names = list(names or SUBSCORES)
        self.heading = heading

    def compose(self) -> ComposeResult:
        yield Label(self.heading, classes="heading")
        yield Static("", id="live-health")
        for name in self.names:
            suggestion = self.suggestions.get(name)
            hint = f"suggest {suggestion['score']}: {suggestion['reason']}" if suggestion else ""
            yield Horizontal(
                Label(name.replace("_", " ")),
                Input(inert(self.values.get(name, "")), id=f"score-{name}", placeholder="1-10", compact=True),
                Static(Text(inert(hint)), classes="hint", id=f"shint-{name}"),
                classes="field",
            )

    def on_mount(self) -> None:
        self.show_live()

    def on_input_changed(self, event: Input.Changed) -> None:
        # Not stopped: the screen around the panel hears of the change too (the check-in keeps its draft).
        name = (event.input.id or "").removeprefix("score-")
        if name in SUBSCORES:
            self.values[name] = event.value
            self.show_live()

    def capture(self) -> None:
        """Copy what the fields hold into ``values`` (their change events may not have arrived yet)."""
        for field in self.query(Input):
            self.values[(field.id or "").removeprefix("score-")] = field.value

    def show_live(self) -> None:
        """Overall, band and change against the last assessment, from the scores as typed."""
        live = self.query_one("#live-health", Static)
        scores, problem, _ = typed_scores(self.values)
        if scores is None:
            live.update(Text(problem or "", style=self.app.theme_variables.get("error", "")))
            return
        rules = self.app.session().rules  # type: ignore[attr-defined]  # the carebench app's session: its team rules
        overall = overall_score(scores, rules.weights)
        text = Text(f"overall {overall} ")
        text.append_text(band_text(self.app, band_of(overall, rules.bands)))
        if self.last_scores:
            before = overall_score(Scores(**self.last_scores), rules.weights)
            text.append(f"  ({overall - before:+} since {self.last_assessed})")
        live.update(text)


class AssessmentDialog(ModalScreen[str | None]):
    """A health assessment outside a check-in: the nine sub-scores (from the last assessment, with suggestions), the
    day and a note. Saving records it (``commands.record_assessment``); what is refused stays on screen to fix."""

    app: CarebenchApp

    DEFAULT_CSS = """
    AssessmentDialog { align: center middle; }
    AssessmentDialog > VerticalScroll {
        width: 96; max-width: 98%; height: auto; max-height: 98%; border: round $primary; padding: 0 1; background: $surface;
    }
    AssessmentDialog .heading { color: $primary; text-style: bold; }
    AssessmentDialog .field { height: auto; }
    AssessmentDialog .field Label { width: 1fr; padding: 0 1 0 0; }
    AssessmentDialog .field Input { width: 12; background: $boost; }
    AssessmentDialog .field Input.wide { width: 3fr; }
    AssessmentDialog .error { color: $error; height: auto; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "save", "Save")]

    def __init__(self, start: Mapping, day: date) -> None:
        super().__init__()
        self.start = start
        self.day = day
        self.values = {k: str(v) for k, v in (start["last_scores"] or {}).items()}

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Label(Text(inert(f"Health assessment of {self.start['client_name']}"), style="bold"))
            yield ScoresPanel(self.values, self.start["suggestions"], self.start["last_scores"], self.start["last_assessed"])
            yield Horizontal(Label("day (YYYY-MM-DD)"), Input(self.day.isoformat(), id="f-date", compact=True), classes="field")
            yield Horizontal(Label("note"), Input("", id="f-note", compact=True, classes="wide"), classes="field")
            yield Static("", classes="error", id="error")
            yield Label("[dim]tab: next field · enter or ctrl+s: save · escape: cancel[/]")

    AUTO_FOCUS = None  # the first sub-score takes the cursor once the panel's fields are there

    def on_mount(self) -> None:
        self._release_keys = self.app.hold_keys(self.action_cancel)  # what is typed meanwhile goes on to the first field
        self.call_after_refresh(self.focus_first_field)

    def on_unmount(self) -> None:
        self._release_keys()

    def focus_first_field(self) -> None:
        first = self.query_one(f"#score-{SUBSCORES[0]}", Input)
        first.focus()
        self._release_keys()

    def checked(self) -> tuple[Assessment | None, str | None, str]:
        """The assessment typed, or the first problem and the field it is in."""
        panel = self.query_one(ScoresPanel)
        panel.capture()
        scores, problem, name = typed_scores(self.values)
        if scores is None:
            return None, problem, f"#score-{name}"
        try:
            day = parse_date(self.query_one("#f-date", Input).value)
        except UserError as exc:
            return None, f"day: {exc}", "#f-date"
        note = self.query_one("#f-note", Input).value.strip() or None
        try:
            return Assessment(date=day, scores=scores, note=note), None, ""
        except ValidationError as exc:
            return None, validation_message(exc), "#f-note" if exc.errors()[0]["loc"][0] == "note" else "#f-date"

    def on_input_changed(self, event: Input.Changed) -> None:
        _, problem, where = self.checked()
        self.query_one("#error", Static).update(problem if problem and where == f"#{event.input.id}" else "")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        assessment, problem, where = self.checked()
        if assessment is None:
            self.query_one("#error", Static).update(problem or "")
            self.query_one(where, Input).focus()
            return
        self._save(assessment)

    @work(thread=True, exit_on_error=False, group="write")
    def _save(self, assessment: Assessment) -> None:
        from ...app import commands

        try:
            done = commands.record_assessment(
                self.app.session(), self.start["client"], assessment.scores.model_dump(), assessment.date, assessment.note
            )
        except Exception as exc:
            self.app.call_from_thread(self.query_one("#error", Static).update, self.app.user_error(exc))
            return
        replaced = " (replacing that day's)" if done.replaced else ""
        self.app.call_from_thread(self.dismiss, f"{self.start['client_name']}: health {done.overall} {done.band} on {done.date}{replaced}")

    def action_cancel(self) -> None:
        self.dismiss(None)
