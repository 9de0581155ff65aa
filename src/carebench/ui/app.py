"""The carebench workbench: six screens switched by number keys over one database."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import threading
from collections.abc import Iterable
from contextvars import Context, copy_context
from dataclasses import replace
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.app import SystemCommand
from textual.binding import Binding
from textual.content import Content
from textual.screen import ModalScreen, Screen

from ..app.inputs import inert, inert_lines
from .messages import DatabaseChanged
from .navigation import SCREENS, make_screen
from .screens.base import WorkbenchScreen

if TYPE_CHECKING:
    from ..app.session import Session
    from ..core.rules import Rules
from .themes import load_themes, remember_theme, remembered_theme
from .typeahead import KeysInOrder

POLL_SECONDS = 2.0
PALETTE_HELP = "Command palette: go to a client or screen, change date, theme"
M_ARENA_MAX = -8  # glibc's mallopt parameter for the number of malloc heaps
# After SIGHUP or SIGTERM the process is gone within this many seconds, whatever the terminal does.
HANGUP_GRACE_S = 1.0


def share_one_malloc_arena() -> None:
    """Have worker threads allocate from the main thread's heap (glibc only; elsewhere nothing happens).

    glibc gives threads heaps of their own, and memory that SQLite and the loaders free in
    workers mostly stays with the process. One shared heap keeps the workbench about 8 MB
    smaller after every screen; the GIL already serialises the Python work in threads.
    """
    import ctypes

    try:
        ctypes.CDLL(None).mallopt(M_ARENA_MAX, 1)  # the C library the process already runs on
    except (OSError, AttributeError):
        pass


class CarebenchApp(KeysInOrder):
    """The workbench on one database, planning for ``today`` (a frozen date in tests)."""

    TITLE = "carebench"
    CSS_PATH = "app.tcss"
    BINDINGS = [
        *[
            Binding(key, f"switch_mode('{name}')", label, show=False, id=f"app.{name}", tooltip=f"Show {tip}")
            for name, (key, label, tip) in SCREENS.items()
        ],
        Binding("c", "pick_client", "Client", show=False, id="app.client", tooltip="Choose the client shown on screens 3-5"),
        Binding("slash", "search", "Search", key_display="/", id="app.search", tooltip="Search check-in notes and next steps, lessons and decisions"),
        Binding("question_mark", "show_keys", "Keys", key_display="?", show=False, id="app.keys"),
        Binding("q", "quit", "Quit", id="app.quit"),
    ]

    def __init__(
        self,
        db_path: Path | str,
        today: date | None = None,
        theme: str | None = None,
        rules: Rules | None = None,
        user: str | None = None,
        client: str | None = None,
    ) -> None:
        from ..app.session import Session, SharedReader

        super().__init__()
        self.db_path = Path(db_path)
        self.real_today = today or date.today()
        self.plan_day = self.real_today
        self.reader = SharedReader()
        base = Session(self.db_path, self.real_today, on_wait=self._waiting, shared=self.reader)
        self.base_session = replace(base, given_rules=rules, actor=user or base.actor)
        self.user = self.base_session.actor
        self.client_id: str | None = client
        self.clients: list[tuple[str, str]] = []
        self.mine_only = False
        self.requested_theme = theme
        self._data_version: int | None = None  # the newest audit row seen
        self._sqlite_version: int | None = None
        self.shown_screens: set[str] = set()  # the screens shown so far, by name
        self.unshown_screens: dict[str, Screen] = {}  # screens made before they are first shown (warm_up)
        for name in SCREENS:  # a mode per screen, its screen made when it is first shown
            self.add_mode(name, partial(self.first_screen, name))

    # ----- start-up -------------------------------------------------------

    def on_mount(self) -> None:
        themes, problems = load_themes()
        for theme in themes:
            self.register_theme(theme)
        if problems:
            self.notify("\n".join(problems), title="Some theme files were skipped", severity="warning", timeout=8)
        wanted = self.requested_theme or remembered_theme()
        if wanted and wanted in self.available_themes:
            self.theme = wanted
        elif wanted:
            self.notify(f"No theme called '{wanted}'; using {self.theme}", severity="warning")
        self.themed = True
        self.update_header()
        self.switch_mode("today")
        self.load_clients()
        self.poll_changes()  # the baseline that later polls compare with
        self.set_interval(POLL_SECONDS, self.poll_changes)
        if not self.is_headless:
            self.install_hangup_handlers()
            self.warn_about_sqlite()

    @work(thread=True, exit_on_error=False, group="settings")
    def warn_about_sqlite(self) -> None:
        """The old-SQLite warning, once per database and user (it reads and writes the settings file: off the UI thread)."""
        from ..app.errors import sqlite_warning_once

        warning = sqlite_warning_once(self.db_path)
        if warning:
            self.call_from_thread(self.notify, warning, severity="warning", timeout=6)

    # ----- the terminal going away -----------------------------------------

    def install_hangup_handlers(self) -> None:
        """SIGHUP (the SSH connection dropped) and SIGTERM: keep what was typed, then leave."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGHUP, signal.SIGTERM):
            loop.add_signal_handler(sig, self.hang_up, sig)

    def hang_up(self, sig: int) -> None:
        code = 128 + sig
        # Nothing may keep the process alive once the terminal is gone.
        watchdog = threading.Timer(HANGUP_GRACE_S, os._exit, (code,))
        watchdog.daemon = True
        watchdog.start()
        self.after_keys(lambda: self._leave(code))  # the keys read before the hang-up are in what is kept

    def _leave(self, code: int) -> None:
        self.flush_drafts()
        self.reader.close()
        self.exit(return_code=code)

    def user_error(self, exc: BaseException) -> str:
        """One line that says what went wrong, for errors a user can cause (naming this database); other errors name their type."""
        from ..app.errors import one_line

        return one_line(exc, self.db_path)

    def notify(self, message: str, *, title: str = "", severity="information", timeout: float | None = None, markup: bool = True) -> None:
        """Show a notification; its text often names what was stored (a client, a title), so it is inert and never markup."""
        super().notify(inert_lines(str(message)), title=inert(title), severity=severity, timeout=timeout, markup=False)

    def format_title(self, title: str, sub_title: str) -> Content:
        """The header's title and sub-title, inert: a screen's title may name a client."""
        return super().format_title(inert(title), inert(sub_title))

    themed = False  # start-up's theme is set: a theme set from then on is the user's choice

    def watch_theme(self, theme: str) -> None:
        if self.themed and theme != self.requested_theme:
            remember_theme(theme)

    def update_header(self) -> None:
        planned = "" if self.plan_day == self.real_today else " (planning)"
        self.sub_title = f"{self.plan_day:%a %d %b %Y}{planned} · {self.user} · {self.db_path.name}"

    def session(self, day: date | None = None) -> Session:
        """The application session for the planning day (or ``day``); its reads share one read-only connection."""
        return self.base_session.on(day or self.plan_day)

    def _waiting(self, seconds: float) -> None:
        self.call_from_thread(
            self.notify,
            f"Waiting for the database: another user is writing ({seconds:.0f} s). Nothing you typed is lost.",
            severity="warning",
            timeout=3,
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="clients")
    def load_clients(self) -> None:
        from ..app import queries

        clients = queries.client_names(self.session())
        self.call_from_thread(self._clients_loaded, clients)

    def _clients_loaded(self, clients: list[tuple[str, str]]) -> None:
        # The names are only shown (client picker, command palette, dialogs), so they are kept inert.
        self.clients = sorted(((client_id, inert(name)) for client_id, name in clients), key=lambda c: c[1].lower())
        if self.client_id is None and self.clients:
            self.client_id = self.clients[0][0]

    def first_screen(self, name: str) -> Screen:
        """The screen ``name`` as it is first shown: made by ``warm_up`` (its data perhaps read already), or made now."""
        self.shown_screens.add(name)
        screen = self.unshown_screens.pop(name, None) or make_screen(name)
        # Marked as styled by the stylesheet as it stands, the theme included: it is styled when mounted, next.
        # Unmarked, Textual would parse and apply the whole stylesheet again for it on its first two visits
        # (0.05-0.1 s each).
        screen._css_update_count = self._css_update_count
        return screen

    def make_unshown_screen(self, name: str) -> tuple[Context, Screen] | None:
        """The screen ``name`` made now if it was never shown (on the UI thread, as screens are), with the app's
        context: what a screen not shown yet, attached to nothing, finds its app in."""
        if name in self.shown_screens:
            return None
        if name not in self.unshown_screens:
            self.unshown_screens[name] = make_screen(name)
        return copy_context(), self.unshown_screens[name]

    _warmed = False

    def warm_up(self) -> None:
        """Once, after the first screen's data is painted: in a worker, import what the other screens need, then read
        what each will show on its first visit (the visit shows it if it still holds, see WorkbenchScreen.read_ahead)."""
        if not self._warmed:
            self._warmed = True
            self._warm_up()

    @work(thread=True, exit_on_error=False, group="warm")
    def _warm_up(self) -> None:
        from .navigation import screen_class, warm_up

        for name in SCREENS:
            if len(self.shown_screens) > 1:
                break  # the user went on meanwhile: what they open reads its own data, unhindered
            screen_class(name)  # its module imported here, off the UI thread
            made = self.call_from_thread(self.make_unshown_screen, name)
            if made is not None:
                context, screen = made
                if isinstance(screen, WorkbenchScreen):
                    context.run(screen.read_ahead)
        warm_up()  # what the rest needs
        # What is loaded by now (modules, screens, the data read ahead) stays for the session: left to the garbage
        # collector, each of its full passes would walk it all again, pausing a frame for 20-80 ms on 2,000 clients.
        # (On the UI thread, so that it happens only while the app runs: leaving unfreezes it.)
        self.call_from_thread(gc.freeze)

    # ----- live refresh ---------------------------------------------------

    def poll_changes(self) -> None:
        self._poll()

    @work(thread=True, exclusive=True, exit_on_error=False, group="poll")
    def _poll(self) -> None:
        # SQLite's commit counter says some other connection committed; only then is the audit trail
        # asked whether that was a change people see (drafts leave no audit row).
        from ..app import queries

        problem = self.reader.files_problem(self.db_path)
        if problem:
            self.call_from_thread(self.stop_for, problem)
            return
        session = self.session()
        counter = queries.committed_version(session)
        if counter == self._sqlite_version:
            return
        self._sqlite_version = counter
        version = queries.data_version(session)
        if self._data_version is not None and version != self._data_version:
            self.post_message(DatabaseChanged())
        self._data_version = version

    def stop_for(self, problem: str) -> None:
        """The database's files changed under the workbench: keep the drafts (locally) and stop, saying why."""
        self.flush_drafts()
        self.exit(return_code=2, message=f"error: {inert(problem)}")

    def on_database_changed(self, message: DatabaseChanged) -> None:
        self.refresh_all()

    def refresh_all(self) -> None:
        """Reload what is on screen (keeping the cursor) and the client list."""
        if not self.is_running or not self.screen_stack:
            return  # closing down: nothing left to show
        if isinstance(self.screen, WorkbenchScreen):
            self.screen.reload()
        self.load_clients()

    # ----- navigation -----------------------------------------------------

    def set_plan_day(self, day: date) -> None:
        self.plan_day = day
        self.update_header()
        self.refresh_all()

    def set_client(self, client_id: str) -> None:
        self.client_id = client_id
        if isinstance(self.screen, WorkbenchScreen):
            self.screen.reload()

    def open_client(self, client_id: str, mode: str = "health") -> None:
        self.client_id = client_id
        if self.current_mode == mode:
            if isinstance(self.screen, WorkbenchScreen):
                self.screen.reload()
        else:
            self.switch_mode(mode)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "search":
            return getattr(self.screen, "OFFERS_SEARCH", True)
        return True

    def show_client(self, client_id: str) -> None:
        """Close the dialogs and views over the screen, then show the client's health."""
        while isinstance(self.screen, ModalScreen):
            self.pop_screen()
        self.open_client(client_id)

    def action_search(self) -> None:
        """Open the search; from a view opened out of it, go back to it."""
        from .screens.search import SearchScreen

        if not any(isinstance(screen, SearchScreen) for screen in self.screen_stack):
            self.push_screen(SearchScreen())
            return
        while not isinstance(self.screen, SearchScreen):
            self.pop_screen()
        self.screen.focus_text()

    def action_pick_client(self) -> None:
        from .widgets.dialogs import ClientPicker

        if not self.clients:
            self.notify("There are no clients yet: press n on Today (or New client in the palette) to add one", severity="warning")
            return
        self.push_screen(ClientPicker(self.clients), lambda chosen: self.set_client(chosen) if chosen else None)

    def action_change_date(self) -> None:
        from .screens.today import check_date
        from .widgets.dialogs import PromptDialog

        self.push_screen(
            PromptDialog("Plan as of which day? (YYYY-MM-DD)", check_date, value=self.plan_day.isoformat()),
            lambda day: self.set_plan_day(day) if day else None,
        )

    def action_show_keys(self) -> None:
        """Every key that does something here, grouped: the screen's, carebench's own, then moving around."""
        from .widgets.dialogs import KeysDialog

        screen: list[tuple[str, str]] = []
        app: list[tuple[str, str]] = []
        moving: list[tuple[str, str]] = []
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if not binding.description or binding.system:
                continue
            what = PALETTE_HELP if binding.action == "command_palette" else binding.tooltip or binding.description
            row = (binding.key_display or self.get_key_display(binding), what)
            # The screen's and its tables' own keys are carebench's (they carry an id); Textual's (focus, copy,
            # cursor keys) are for moving around.
            (app if active.node is self else screen if binding.id is not None else moving).append(row)
        self.push_screen(KeysDialog([(f"{self.screen.title or 'This screen'}", screen), ("carebench", app), ("Moving around", moving)]))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for name, (key, label, tip) in SCREENS.items():
            yield SystemCommand(f"Screen {key}: {label}", f"Show {tip}", lambda n=name: self.switch_mode(n))
        yield SystemCommand("Search", "Search check-in notes and next steps, lessons and decisions (/)", self.action_search)
        from textual.markup import escape

        yield SystemCommand("Change date", "Plan as if it were another day", self.action_change_date)
        yield SystemCommand("Back to today", "Plan for the real today", lambda: self.set_plan_day(self.real_today))
        from . import upkeep

        yield SystemCommand("New client", "Add a client engagement (n on Today, + on Portfolio)", lambda: upkeep.new_client(self))
        if self.client_id is not None:
            about = f"the client shown on screens 3-5 ({escape(inert(self.client_id))})"
            yield SystemCommand("Edit client", f"Name, owner, money, contacts, status of {about} (e on Health)", lambda: upkeep.edit_client(self))
            yield SystemCommand("Change tier", f"Move {about} to another tier from a day on (e on Health)", lambda: upkeep.edit_client(self))
            yield SystemCommand("New KPI", f"Add a KPI to {about} (n on KPIs)", lambda: upkeep.new_kpi(self))
            yield SystemCommand("Record a reading", f"A KPI reading of {about} (r on KPIs)", lambda: upkeep.record_reading(self))
            yield SystemCommand("Record an assessment", f"The nine sub-scores of {about} (s on Health)", lambda: upkeep.assess(self))
            yield SystemCommand("New action item", f"An action item for {about} (a)", lambda: upkeep.new_action(self))
        # The palette reads titles and help as markup: a client's name is shown as it is.
        for client_id, name in self.clients:
            yield SystemCommand(
                f"Client: {escape(name)}",
                f"Show {escape(inert(client_id))} on screens 3-5",
                lambda c=client_id: self.open_client(c, self.current_mode if self.current_mode in ("kpis", "health", "expansion") else "health"),
            )

    async def action_quit(self) -> None:
        """Quit (q, ctrl+q): with a check-in that has something typed in it, ask first; every draft is kept."""
        from .screens.checkin import CheckinScreen, ChoiceDialog

        if not any(isinstance(s, CheckinScreen) and s.has_unsaved_text() for s in self.screen_stack):
            self.flush_drafts()
            self.exit()
            return

        def answered(choice: str | None) -> None:
            if choice == "k":
                self.flush_drafts()
                self.exit()

        self.push_screen(ChoiceDialog("Quit with a check-in in progress?", {"k": "keep the draft and quit"}), answered)

    def flush_drafts(self) -> None:
        """Write every open check-in's draft now, on this thread (the app is about to end)."""
        from .screens.checkin import CheckinScreen

        for screen in list(self.screen_stack):
            if isinstance(screen, CheckinScreen):
                try:
                    screen.flush_draft_blocking()
                except Exception:  # the draft saved two seconds ago stands
                    pass

    def _handle_exception(self, error: Exception) -> None:
        from textual.css.query import NoMatches

        if self._exit and isinstance(error, NoMatches):
            # A screen still mounting when the user quit finds its widgets already gone: nothing is lost.
            return
        super()._handle_exception(error)

    def _fatal_error(self) -> None:
        """An unexpected error: the traceback goes to a private crash report, the user gets one line."""
        from rich.text import Text

        from ..app.crash import crash_line

        self.flush_drafts()
        error = self._exception or RuntimeError("unknown failure")
        self._exit_renderables.append(Text(f"error: {crash_line(error)}"))
        self._close_messages_no_wait()

    def on_unmount(self) -> None:
        self.reader.close()
        gc.unfreeze()  # what was kept for the session can be collected (a process may run the app again: tests)
