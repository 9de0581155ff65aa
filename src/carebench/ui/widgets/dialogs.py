"""Dialogs: a one-line prompt, forms with inline validation, the client picker, the key list.

What they show often names stored things (a client, a ticket's title): it is made inert and never read as markup.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical, VerticalScroll
from textual.fuzzy import Matcher
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from ...app.inputs import inert

if TYPE_CHECKING:
    from ..app import CarebenchApp

_Result = TypeVar("_Result")

# A check takes the typed text and returns (value, None) or (None, "what is wrong").
Check = Callable[[str], tuple[object, str | None]]


class ConfirmDialog(ModalScreen[bool]):
    """A yes/no question: y confirms, n or escape declines."""

    DEFAULT_CSS = """
    ConfirmDialog { align: center middle; }
    ConfirmDialog > Vertical { width: 64; max-width: 95%; height: auto; border: round $primary; padding: 0 1; background: $surface; }
    """
    BINDINGS = [Binding("y", "answer(True)", "Yes"), Binding("n,escape", "answer(False)", "No")]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(inert(self.question), markup=False)
            yield Label("[dim]y: yes · n or escape: no[/]")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class PromptDialog(ModalScreen[object | None]):
    """Ask for one value; enter accepts it once ``check`` passes, escape cancels."""

    DEFAULT_CSS = """
    PromptDialog { align: center middle; }
    PromptDialog > Vertical { width: 64; max-width: 95%; height: auto; border: round $primary; padding: 0 1; background: $surface; }
    PromptDialog .error { color: $error; height: auto; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, question: str, check: Check, value: str = "", placeholder: str = "") -> None:
        super().__init__()
        self.question = question
        self.check = check
        self.initial = value
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(inert(self.question), markup=False)
            yield Input(self.initial, placeholder=self.placeholder, id="answer")
            yield Static("", classes="error", id="error")
            yield Label("[dim]enter: OK · escape: cancel[/]")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value, problem = self.check(event.value)
        if problem:
            self.query_one("#error", Static).update(problem)
            return
        self.dismiss(value)

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#error", Static).update("")

    def action_cancel(self) -> None:
        self.dismiss(None)


# A form's save: given the session and what the form checked, it writes (app.commands) and returns the line to show.
Save = Callable[[Any, Any], str]
# Told of each edit: the form, the field's name and its new text (a field may fill in another, as an id from a name).
Changed = Callable[["FormDialog", str, str], None]
# A line worked out from the form's values as they are typed (a suggestion), shown as the form's last row.
Note = tuple[str, Callable[[dict[str, str]], str]]


class FormBody(VerticalScroll, can_focus=False):
    """A form's fields, scrolled to the one in focus on a short terminal (the first field keeps the cursor)."""


class FormDialog(ModalScreen[_Result | None]):
    """A small form: labelled fields, one validation over all of them, errors shown inline as the fields are typed.

    ``fields`` is a list of (name, label, initial, choices); choices turn a field into a Select. ``note`` is a
    (label, function of the values) whose line the form shows under its fields, worked out again on every edit.
    ``validate`` returns (result, None) or (None, "field: what is wrong"). Without ``save`` the form closes with the
    result; with it, the result is saved in a worker and the form closes with the line ``save`` returns, or stays
    open showing why it was refused (a taken id, a value out of range), nothing stored. ``_Result`` is what the form
    closes with: the result's type without ``save``, ``str`` with it.
    """

    app: CarebenchApp

    DEFAULT_CSS = """
    FormDialog { align: center middle; }
    FormDialog > FormBody { width: 76; max-width: 98%; height: auto; max-height: 98%; border: round $primary; padding: 0 1; background: $surface; }
    FormDialog Grid { grid-size: 2; grid-columns: 20 1fr; grid-rows: auto; height: auto; }
    FormDialog Grid Label { padding: 1 0 0 0; }
    FormDialog .error { color: $error; height: auto; }
    FormDialog #note { padding: 1 0 0 0; height: auto; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "save", "Save")]

    def __init__(
        self,
        title: str,
        fields: list[tuple[str, str, str, list[str] | None]],
        validate: Callable[[dict[str, str]], tuple[object, str | None]],
        save: Save | None = None,
        changed: Changed | None = None,
        note: Note | None = None,
    ) -> None:
        super().__init__()
        self.form_title = title
        self.fields = fields
        self.validate = validate
        self.save = save
        self.on_edit = changed
        self.note = note
        self.saved: Any = None  # what was saved, once it was
        self._saving = False

    def compose(self) -> ComposeResult:
        with FormBody():
            yield Label(Text(inert(self.form_title), style="bold"))
            with Grid():
                for name, label, initial, choices in self.fields:
                    yield Label(label)
                    if choices:
                        yield Select([(c, c) for c in choices], value=initial or choices[0], allow_blank=False, id=f"f-{name}")
                    else:
                        yield Input(inert(initial), id=f"f-{name}")
                if self.note is not None:
                    yield Label(self.note[0])
                    yield Static("", id="note")
            yield Static("", classes="error", id="error")
            yield Label("[dim]tab: next field · enter or ctrl+s: save · escape: cancel[/]")

    def values(self) -> dict[str, str]:
        result = {}
        for name, _label, _initial, choices in self.fields:
            value = self.query_one(f"#f-{name}", Select).value if choices else self.query_one(f"#f-{name}", Input).value
            result[name] = str(value) if value is not None else ""
        return result

    def show_error(self, problem: str) -> None:
        self.query_one("#error", Static).update(Text(problem))

    def on_mount(self) -> None:
        self.show_note()

    def show_note(self) -> None:
        """The note worked out from the values as they stand (made inert: it may repeat what was typed)."""
        if self.note is not None:
            self.query_one("#note", Static).update(Text(inert(self.note[1](self.values()))))

    def action_save(self) -> None:
        if self._saving:
            return
        result, problem = self.validate(self.values())
        if problem:
            self.show_error(problem)
            return
        if self.save is None:
            self.dismiss(cast("_Result", result))  # without save, what validate checked is what the form closes with
            return
        self._saving = True
        self._save(result)

    @work(thread=True, exit_on_error=False, group="write")
    def _save(self, result: Any) -> None:

        assert self.save is not None
        try:
            summary = self.save(self.app.session(), result)
        except Exception as exc:
            self.app.call_from_thread(self._refused, self.app.user_error(exc))
            return
        self.saved = result
        self.app.call_from_thread(self.dismiss, summary)

    def _refused(self, problem: str) -> None:
        self._saving = False
        self.show_error(problem)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def on_input_changed(self, event: Input.Changed) -> None:
        name = (event.input.id or "").removeprefix("f-")
        if self.on_edit is not None:
            self.on_edit(self, name, event.value)
        self.show_error(self.problem_in(name) or "")
        self.show_note()

    def on_select_changed(self, event: Select.Changed) -> None:
        if self.on_edit is not None:
            self.on_edit(self, (event.select.id or "").removeprefix("f-"), str(event.value))
        self.show_note()

    def problem_in(self, name: str) -> str | None:
        """What the validation says is wrong with the field ``name`` as it stands (None when that field is fine)."""
        _, problem = self.validate(self.values())
        if not problem:
            return None
        label = next((label for field, label, *_ in self.fields if field == name), name)
        where = problem.partition(":")[0].strip().lower()
        return problem if where in (name, name.replace("_", " "), label.lower()) or where.startswith(f"{name}.") else None

    def action_cancel(self) -> None:
        self.dismiss(None)


class ClientPicker(ModalScreen[str | None]):
    """Pick a client by typing part of its name or id (fuzzy)."""

    DEFAULT_CSS = """
    ClientPicker { align: center top; }
    ClientPicker > Vertical { width: 70; max-width: 98%; height: auto; max-height: 80%; margin-top: 2; border: round $primary; background: $surface; }
    ClientPicker OptionList { height: auto; max-height: 20; border: none; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("down", "focus_list", "List", show=False)]

    def __init__(self, clients: list[tuple[str, str]]) -> None:
        super().__init__()
        self.clients = clients

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Input(placeholder="Client name or id…", id="search")
            yield OptionList(*self._options(""), id="choices")

    def _options(self, query: str) -> list[Option]:
        if not query:
            return [Option(Text.assemble(name, (f"  {inert(cid)}", "dim")), id=cid) for cid, name in self.clients]
        matcher = Matcher(query)
        scored = sorted(
            ((max(matcher.match(name), matcher.match(cid)), cid, name) for cid, name in self.clients),
            key=lambda t: -t[0],
        )
        return [Option(matcher.highlight(name), id=cid) for score, cid, name in scored if score > 0]

    def on_input_changed(self, event: Input.Changed) -> None:
        choices = self.query_one(OptionList)
        choices.clear_options()
        choices.add_options(self._options(event.value))
        if choices.option_count:
            choices.highlighted = 0

    def on_input_submitted(self, event: Input.Submitted) -> None:
        choices = self.query_one(OptionList)
        if choices.option_count:
            self.dismiss(choices.get_option_at_index(choices.highlighted or 0).id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_focus_list(self) -> None:
        self.query_one(OptionList).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)


class ChoiceDialog(ModalScreen[str | None]):
    """Pick one of a few options (id, text) with the arrow keys and enter; escape cancels."""

    DEFAULT_CSS = """
    ChoiceDialog { align: center middle; }
    ChoiceDialog > Vertical { width: 76; max-width: 98%; height: auto; max-height: 90%; border: round $primary; background: $surface; padding: 0 1; }
    ChoiceDialog OptionList { height: auto; max-height: 20; border: none; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, options: list[tuple[str, str]], hint: str = "enter: choose · escape: close") -> None:
        super().__init__()
        self.choice_title = title
        self.options = options
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(inert(self.choice_title), style="bold"))
            yield OptionList(*[Option(Text(inert(text)), id=ident) for ident, text in self.options])
            yield Label(f"[dim]{self.hint}[/]")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class KeysDialog(ModalScreen[None]):
    """Every key that does something here, with what it does, in groups: this screen's first, then carebench's
    (screens, client, palette, help, quit), then moving around. It scrolls when the terminal is short."""

    DEFAULT_CSS = """
    KeysDialog { align: center middle; }
    KeysDialog > Vertical { width: 70; max-width: 98%; height: auto; max-height: 95%; border: round $primary; background: $surface; padding: 0 1; }
    KeysDialog VerticalScroll { height: auto; max-height: 100%; }
    """
    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close"),
        Binding("up", "scroll(-1)", show=False),
        Binding("down", "scroll(1)", show=False),
        Binding("pageup", "scroll(-10)", show=False),
        Binding("pagedown", "scroll(10)", show=False),
    ]

    def __init__(self, groups: list[tuple[str, list[tuple[str, str]]]]) -> None:
        super().__init__()
        self.groups = [(title, rows) for title, rows in groups if rows]

    @property
    def rows(self) -> list[tuple[str, str]]:
        """Every (key, what it does), in the order shown."""
        return [row for _, rows in self.groups for row in rows]

    def compose(self) -> ComposeResult:
        from rich.table import Table
        from textual.containers import VerticalScroll

        table = Table(box=None, show_header=False, padding=(0, 1, 0, 0))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for index, (title, rows) in enumerate(self.groups):
            if index:
                table.add_row("", "")
            table.add_row(Text(title, style="bold underline"), "")
            for key, description in rows:
                table.add_row(key, description)
        with Vertical():
            yield Label("[b]Keys[/b]  (escape closes · ↑↓ scroll)")
            with VerticalScroll():
                yield Static(table)

    def action_scroll(self, lines: int) -> None:
        from textual.containers import VerticalScroll

        self.query_one(VerticalScroll).scroll_relative(y=lines, animate=False)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(None)
