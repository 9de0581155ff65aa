"""What every workbench screen shares: data loaded off the UI thread and writes through the application layer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from threading import Event, Lock
from typing import TYPE_CHECKING, Any

from textual import events, work
from textual.screen import Screen
from textual.widgets import Header

from ..messages import DataLoaded, LoadFailed, StillCurrent, WriteDone
from ..widgets.chrome import NARROW_WIDTH, KeyBar, ScreenTabs

if TYPE_CHECKING:
    from ...app.session import Session
    from ..app import CarebenchApp


def current_minute() -> str:
    """The minute it is now, as YYYYMMDDHHMM: a TIMED screen's data holds for that minute."""
    from datetime import datetime

    return datetime.now().strftime("%Y%m%d%H%M")


# Between reading a screen's data ahead of its first visit and that visit.
_AHEAD = Lock()
# How long a first visit waits for its data being read ahead before it reads the data itself.
AHEAD_WAIT_S = 30.0


class WorkbenchScreen(Screen):
    """A screen whose data comes from ``fetch(session, client)`` in a worker and goes to ``show(data)`` on the UI thread.

    ``session`` plans for the app's planning day and reads through the application layer.
    """

    app: CarebenchApp
    SHOWS_CLIENT = True  # whether the data depends on the client chosen (screens 3-5)
    TIMED = False  # whether the data depends on the time of day (findings such as a P1 ticket open for a day)
    _token = 0  # the latest request for data
    _delivered = -1  # the latest request answered (a screen shown again with nothing newer asked may skip loading)
    _loaded_for: tuple | None = None  # what the data shown was loaded for (see loaded_for)
    _shown: Any = object()  # nothing shown yet (None is data: "no client chosen")
    _visited = False  # shown at least once
    _ahead: tuple | None = None  # (loaded_for, data) read before the first visit (read_ahead)
    _ahead_read: Event | None = None  # set once the data being read ahead is in (None: none was)
    _ahead_dropped = False  # data was delivered or the screen's settings changed: nothing read ahead is used any more
    stacked = False  # narrower than NARROW_WIDTH (a phone): what stands side by side is shown one above the other
    _suspended = False  # left for another screen at least once

    def on_resize(self, event: events.Resize) -> None:
        stacked = event.size.width < NARROW_WIDTH
        if stacked != self.stacked:
            self.stacked = stacked
            self.set_class(stacked, "-stacked")
            self.stacking_changed()

    def stacking_changed(self) -> None:
        """The screen became narrower or wider than NARROW_WIDTH: a screen whose layout is drawn in code draws it again."""

    def compose(self):
        yield Header()
        yield ScreenTabs(self.app.current_mode)
        yield from self.compose_body()
        yield KeyBar()

    def compose_body(self):
        yield from ()

    def on_mount(self) -> None:
        """Nothing to load yet: a screen loads when it is shown (ScreenResume, the first time too)."""

    def on_screen_suspend(self) -> None:
        self._suspended = True

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        if not self._suspended:
            # Never left since it was mounted: each widget was styled as it was mounted, under the stylesheet and
            # theme of now, so the whole screen is not styled over again (about 30 of the 35 ms of Today's first resume).
            event.refresh_styles = False
        # Shown again: its data is loaded again only if the database or the settings it depends on moved on.
        with _AHEAD:
            self._visited = True
        self._token += 1
        unless = self._loaded_for if self._delivered == self._token - 1 else None
        self._load(self._token, self.app.plan_day, self.app.client_id, unless, resumed=True)

    def reload(self) -> None:
        """Ask for fresh data; what arrives for an older request is dropped."""
        self._drop_ahead()  # read for the screen's settings as they were
        self._token += 1
        self._load(self._token, self.app.plan_day, self.app.client_id)

    def read_ahead(self) -> None:
        """Read, before the screen is first shown (in a worker), the data its first visit would load.

        The first visit shows it at once if it was read for what that visit would load for (the
        same data version, day, client and the rest of ``loaded_for``); otherwise it loads as usual.
        A first visit while it is being read waits for it instead of reading it a second time.
        """
        from ...app import queries

        read = Event()
        with _AHEAD:
            if self._visited:
                return
            self._ahead_read = read
        try:
            day, client_id = self.app.plan_day, self.app.client_id
            # The connection kept for reads ahead: a screen opened meanwhile reads through its own, not after this read.
            session = replace(self.app.session(day), ahead=True)
            ahead: tuple | None = (self.loaded_for(queries.data_version(session), day, client_id), self.fetch(session, client_id))
        except Exception:  # noqa: BLE001  (the first visit loads it again, and says what went wrong)
            ahead = None
        with _AHEAD:
            if not self._ahead_dropped:
                self._ahead = ahead
        read.set()

    def _drop_ahead(self) -> None:
        with _AHEAD:
            self._ahead, self._ahead_dropped = None, True

    def loaded_for(self, version: int, day, client_id) -> tuple:
        """What the data shown depends on besides the screen's own settings (which reload when changed).

        For a TIMED screen the minute is part of it (a P1 ticket open for a day is a finding
        from one minute to the next), so it loads again when shown in a later minute.
        """
        return (version, day, client_id if self.SHOWS_CLIENT else None, self.app.mine_only, current_minute() if self.TIMED else None)

    @work(thread=True, exclusive=True, exit_on_error=False, group="load")
    def _load(self, token: int, day, client_id, unless: tuple | None = None, *, resumed: bool = False) -> None:
        from ...app import queries

        # The data read ahead is not an argument: Textual writes a worker's arguments out in its description.
        read = self._ahead_read
        if resumed and read is not None:
            read.wait(AHEAD_WAIT_S)
        ahead = self._ahead if resumed else None

        try:
            session = self.app.session(day)
            loaded_for = self.loaded_for(queries.data_version(session), day, client_id)
            if unless is not None and loaded_for == unless:
                self.post_message(StillCurrent(token))
                return
            data = ahead[1] if ahead is not None and ahead[0] == loaded_for else self.fetch(session, client_id)
        except Exception as exc:  # shown as one line; the screen keeps what it had
            self.post_message(LoadFailed(self.app.user_error(exc)))
            return
        self.post_message(DataLoaded(data, token, loaded_for))

    def on_still_current(self, message: StillCurrent) -> None:
        message.stop()
        if message.token == self._token:
            self._delivered = message.token

    def on_data_loaded(self, message: DataLoaded) -> None:
        message.stop()
        if message.token != self._token:
            return
        self._delivered, self._loaded_for = message.token, message.loaded_for
        self._drop_ahead()
        # Unchanged data is not drawn again: no flicker on refresh, and the cursor stays put.
        if message.data != self._shown:
            self._shown = message.data
            self.show(message.data)
        self.app.warm_up()  # the first screen is painted: what the others need can load meanwhile

    def on_load_failed(self, message: LoadFailed) -> None:
        message.stop()
        self.notify(message.error, title=message.title, severity="error")

    def fetch(self, session: Session, client_id) -> Any:
        raise NotImplementedError

    def show(self, data: Any) -> None:
        raise NotImplementedError

    def write(self, change: Callable[[Session], str]) -> None:
        """Run ``change(session)`` (app.commands) in a worker; it returns a summary line, or raises with what was wrong."""
        self._write(change)

    @work(thread=True, exit_on_error=False, group="write")
    def _write(self, change: Callable[[Session], str]) -> None:
        try:
            summary = change(self.app.session())
        except Exception as exc:
            self.post_message(LoadFailed(self.app.user_error(exc), title="Not saved"))
            self.app.call_from_thread(self.reload)
            return
        self.post_message(WriteDone(summary))

    def on_write_done(self, message: WriteDone) -> None:
        message.stop()
        self.notify(message.summary)
        self.app.refresh_all()
