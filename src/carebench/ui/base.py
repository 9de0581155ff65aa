"""What every workbench screen shares: data loaded off the UI thread and writes through the store."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from rich.text import Text
from textual import work
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from .messages import DataLoaded, LoadFailed, WriteDone

if TYPE_CHECKING:
    from ..store import Store
    from .app import CarebenchApp

BAND_STYLE = {"green": "success", "yellow": "warning", "red": "error"}
ARROWS = {1: "▲", 0: "▶", -1: "▼"}


def band_text(app, band: str | None) -> Text:
    """The band as a word with a coloured dot, so it reads without colour too."""
    if band is None:
        return Text("– none", style="dim")
    colour = app.theme_variables.get(BAND_STYLE[band], "")
    return Text(f"● {band}", style=colour)


def delta_text(delta: float | None) -> str:
    if delta is None:
        return ""
    sign = (delta > 0) - (delta < 0)
    return f"{ARROWS[sign]} {delta:+.1f}"


def user_error(exc: BaseException) -> str:
    """One line that says what went wrong, for errors a user can cause; other errors name their type."""
    from pydantic import ValidationError

    from ..store import StoreError

    from ..inputs import UserError, validation_message

    if isinstance(exc, ValidationError):
        return validation_message(exc)
    if isinstance(exc, (StoreError, UserError, ValueError)):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


class ScreenTabs(Static):
    """The line of screens and their number keys, the current one highlighted."""

    DEFAULT_CSS = "ScreenTabs { height: 1; background: $panel; padding: 0 1; }"

    def __init__(self, current: str) -> None:
        from .app import SCREENS

        parts = []
        for name, (key, label, _) in SCREENS.items():
            text = f" {key} {label} "
            parts.append(f"[reverse b]{text}[/]" if name == current else text)
        super().__init__(" ".join(parts) + "   [dim]c client · ? keys · ctrl+p commands[/]")


class WorkbenchScreen(Screen):
    """A screen whose data comes from ``fetch(store, day, client)`` in a worker and goes to ``show(data)`` on the UI thread."""

    app: CarebenchApp
    _token = 0
    _shown: Any = object()  # nothing shown yet (None is data: "no client chosen")

    def compose(self):
        yield Header()
        yield ScreenTabs(self.app.current_mode)
        yield from self.compose_body()
        yield Footer(compact=True)

    def compose_body(self):
        yield from ()

    def on_mount(self) -> None:
        """Nothing to load yet: a screen loads when it is shown (ScreenResume, the first time too)."""

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Ask for fresh data; what arrives for an older request is dropped."""
        self._token += 1
        self._load(self._token, self.app.plan_day, self.app.client_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="load")
    def _load(self, token: int, day, client_id) -> None:
        try:
            with self.app.open_store() as store:
                data = self.fetch(store, day, client_id)
        except Exception as exc:  # shown as one line; the screen keeps what it had
            self.post_message(LoadFailed(user_error(exc)))
            return
        self.post_message(DataLoaded(data, token))

    def on_data_loaded(self, message: DataLoaded) -> None:
        message.stop()
        # Unchanged data is not drawn again: no flicker on refresh, and the cursor stays put.
        if message.token == self._token and message.data != self._shown:
            self._shown = message.data
            self.show(message.data)

    def on_load_failed(self, message: LoadFailed) -> None:
        message.stop()
        self.notify(message.error, title=message.title, severity="error")

    def fetch(self, store: Store, day, client_id) -> Any:
        raise NotImplementedError

    def show(self, data: Any) -> None:
        raise NotImplementedError

    def write(self, change: Callable[[Store], str]) -> None:
        """Run ``change(store)`` in a worker; it returns a summary line, or raises with what was wrong."""
        self._write(change)

    @work(thread=True, exit_on_error=False, group="write")
    def _write(self, change: Callable[[Store], str]) -> None:
        try:
            with self.app.open_store() as store:
                summary = change(store)
        except Exception as exc:
            self.post_message(LoadFailed(user_error(exc), title="Not saved"))
            self.app.call_from_thread(self.reload)
            return
        self.post_message(WriteDone(summary))

    def on_write_done(self, message: WriteDone) -> None:
        message.stop()
        self.notify(message.summary)
        self.app.refresh_all()
