"""What every workbench screen shares: data loaded off the UI thread and writes through the store."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any, Callable

from rich.cells import cell_len
from rich.text import Text
from textual import work
from textual.cache import LRUCache
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Header

from ..app.inputs import UNSAFE_IN_LINES_RE, inert, inert_lines
from .messages import DataLoaded, LoadFailed, StillCurrent, WriteDone

if TYPE_CHECKING:
    from ..store import Store
    from .app import CarebenchApp

BAND_STYLE = {"green": "success", "yellow": "warning", "red": "error"}
ARROWS = {1: "▲", 0: "▶", -1: "▼"}
# A large table gets its first rows at once and the rest in chunks between turns of the event loop.
FIRST_ROWS, CHUNK_ROWS, CHUNK_PAUSE = 200, 400, 0.01
# The DataTable caches that DataTable._clear_caches empties (Textual 8.2.8).
RING_CACHES = ("_row_render_cache", "_cell_render_cache", "_row_renderable_cache", "_line_cache", "_offset_cache",
               "_ordered_row_cache")


class Cell:
    """A table cell of one line of plain text, with one style and a justification.

    It draws exactly as ``Text(plain, style=style, justify=justify)`` would, made only when a
    row comes into view, and takes about a third of a Text's memory: the tables of large
    portfolios hold tens of thousands of cells. The text is made inert (it is mostly read
    from the database) and never read as markup.
    """

    __slots__ = ("plain", "style", "justify")

    def __init__(self, plain: str, style: str = "", justify: str | None = None) -> None:
        self.plain, self.style, self.justify = inert(plain), style, justify

    def __str__(self) -> str:
        return self.plain

    @property
    def cell_len(self) -> int:
        return cell_len(self.plain)

    def __repr__(self) -> str:
        return f"Cell({self.plain!r}, {self.style!r}, {self.justify!r})"

    def text(self) -> Text:
        return Text(self.plain, style=self.style, justify=self.justify)

    def __rich_console__(self, console, options):
        yield self.text()

    def __rich_measure__(self, console, options):
        return self.text().__rich_measure__(console, options)


def band_cell(app, band: str | None) -> Cell:
    """The band as a word with a coloured dot, so it reads without colour too."""
    if band is None:
        return Cell("– none", style="dim")
    return Cell(f"● {band}", style=app.theme_variables.get(BAND_STYLE[band], ""))


def band_text(app, band: str | None) -> Text:
    return band_cell(app, band).text()


def cycle(options: tuple, current):
    """The option after ``current``, wrapping round."""
    return options[(options.index(current) + 1) % len(options)]


def delta_text(delta: float | None) -> str:
    if delta is None:
        return ""
    sign = (delta > 0) - (delta < 0)
    return f"{ARROWS[sign]} {delta:+.1f}"


def user_error(exc: BaseException) -> str:
    """One line that says what went wrong, for errors a user can cause; other errors name their type."""
    from pydantic import ValidationError

    from ..store import StoreError

    from ..app.inputs import UserError, validation_message

    import sqlite3

    if isinstance(exc, ValidationError):
        return validation_message(exc)
    if isinstance(exc, (StoreError, UserError, ValueError)):
        return str(exc)
    if isinstance(exc, sqlite3.Error):
        from ..store.db import explain, is_environmental

        if is_environmental(exc):
            return str(explain(exc, app_database()))
    return f"{type(exc).__name__}: {exc}"


def app_database():
    """The database the running workbench uses (for messages about it)."""
    from pathlib import Path

    from textual._context import active_app

    try:
        return active_app.get().db_path
    except LookupError:
        return Path("the database")


class CachedTable(DataTable):
    """A DataTable that keeps its rendered rows while its styles stay the same.

    Textual applies the stylesheet again whenever a screen is shown, and a plain DataTable
    then throws away every rendered cell and renders the visible ones again through Rich
    (most of the cost of switching screens). Here the caches go only when a style the table
    draws with (its own, or one of its parts') really changed, as with a new theme.
    """

    _drawn_with: dict | None = None  # the styles the cached rows were drawn with, per pseudo-class state

    def notify_style_update(self) -> None:
        Widget.notify_style_update(self)
        try:
            styles = (self.rich_style, tuple(self.get_component_rich_style(name, partial=True)
                                             for name in sorted(DataTable.COMPONENT_CLASSES)))
        except KeyError:  # the parts' styles are not set up yet
            styles = None
        # Cached rows are kept per pseudo-class state (focus, hover), so a table losing and regaining
        # focus keeps both; a state drawn with other styles than before means a new theme.
        state = self._pseudo_class_state
        if styles is None or self._drawn_with is None or self._drawn_with.get(state, styles) != styles:
            self._drawn_with = {}
            super().notify_style_update()
        else:
            self.refresh()
        if styles is not None:
            self._drawn_with[state] = styles

    def add_row(self, *cells, **kwargs):
        """Add a row, its text made inert whatever it holds (text read from the database goes in as a Cell, never as markup)."""
        return super().add_row(*map(_inert_cell, cells), **kwargs)

    _fills = 0  # the number of the latest fill: a newer one stops what is left of an older one

    def fill(self, items: list, row_of: Callable[[Any], tuple[list, str]], keep: str | None = None) -> None:
        """Add ``row_of(item)`` (cells, key) for each item: a screenful at once, the rest a chunk per turn of the event loop.

        So a large table is on screen at once and keys keep working while the rest is added.
        The cursor goes to the ``keep`` row once it is in (unless it was moved meanwhile).
        """
        self._fills += 1
        self._add_rows(self._fills, items, row_of, keep, self.cursor_row, 0, FIRST_ROWS)

    def _clear_caches(self) -> None:
        # Textual's LRU caches keep their entries in a ring, and a cleared ring (with the row
        # lists and renderings in it) waits for a full garbage collection, a pass over every
        # object of the process. Emptying the entries first lets them go at once.
        for name in RING_CACHES:
            cache = getattr(self, name)
            if isinstance(cache, LRUCache):
                for entry in cache._cache.values():
                    entry.clear()
        super()._clear_caches()

    def _add_rows(self, generation: int, items: list, row_of: Callable, keep: str | None, start_row: int,
                  start: int, count: int) -> None:
        # A method, not a closure calling itself: such a closure is a reference cycle, and the
        # rows it holds would wait for a full garbage collection to go.
        if self._fills != generation or not self.is_attached:
            return
        for item in items[start:start + count]:
            cells, key = row_of(item)
            self.add_row(*cells, key=key)
        if keep is not None and keep in self.rows and self.cursor_row == start_row:
            self.move_cursor(row=self.get_row_index(keep), animate=False)
        if start + count < len(items):
            self.set_timer(CHUNK_PAUSE, partial(self._add_rows, generation, items, row_of, keep, start_row,
                                                start + count, CHUNK_ROWS))

    def _update_dimensions(self, new_rows) -> None:
        """Column widths from new rows, measuring plain text directly.

        A DataTable measures every cell of every new row through Rich, even for columns of a
        fixed width; here only the columns sized by their content are measured, and a cell of
        plain text by its length (as Rich would). Rows with anything else go the usual way.
        """
        auto = [column for column in self.ordered_columns if column.auto_width]
        usual = []
        for row_key in new_rows:
            row = self.rows.get(row_key)
            if row is None:  # removed meanwhile
                continue
            if row.label is not None or row.auto_height:
                usual.append(row_key)
                continue
            cells = self._data[row_key]
            widths = [_plain_width(cells.get(column.key)) for column in auto]
            if None in widths:
                usual.append(row_key)
                continue
            for column, width in zip(auto, widths):
                if width > column.content_width:
                    column.content_width = width
        super()._update_dimensions(usual)


def _inert_cell(cell):
    """A table cell that cannot drive the terminal: a string made inert, a Text with control characters made plain and inert.

    Their line breaks stay, as a DataTable draws them on lines of their own; a Cell is inert already.
    """
    if isinstance(cell, str):
        return inert_lines(cell)
    if isinstance(cell, Text) and UNSAFE_IN_LINES_RE.search(cell.plain):
        return Text(inert_lines(cell.plain), style=cell.style, justify=cell.justify)
    return cell


def current_minute() -> str:
    """The minute it is now, as YYYYMMDDHHMM: a TIMED screen's data holds for that minute."""
    from datetime import datetime

    return datetime.now().strftime("%Y%m%d%H%M")


def _plain_width(cell) -> int | None:
    """The width Rich measures for a cell of plain text; None for anything else."""
    if isinstance(cell, (Text, Cell)):
        text = cell.plain
    elif isinstance(cell, str) and not any(c in cell for c in "[:"):  # no markup or emoji codes
        text = cell
    else:
        return None
    if "\n" in text or "\r" in text:
        return max((cell_len(line) for line in text.splitlines()), default=0)
    return cell_len(text)


class KeyBar(Widget):
    """The keys at work on the screen, on one line at the bottom, drawn as Textual's compact footer draws them.

    One widget instead of one per key: a screen shown again applies its styles to every widget
    it holds, and a footer of a dozen key widgets cost more than the rest of the screen.
    The command palette's key stands at the right end.
    """

    COMPONENT_CLASSES = {"keybar--key", "keybar--description"}
    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: 1; color: $footer-foreground; background: $footer-background; }
    KeyBar > .keybar--key { color: $footer-key-foreground; background: $footer-key-background; text-style: bold; }
    KeyBar > .keybar--description { color: $footer-description-foreground; background: $footer-description-background; }
    """

    _shown: object = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen) -> None:
        if self.keys() != self._shown:
            self.refresh()

    def keys(self) -> tuple[list[tuple[str, str, bool]], tuple[str, str, bool] | None]:
        """(key, what it does, enabled) of each action with a shown key, and of the command palette."""
        shown, actions, palette = [], set(), None
        for key, (_, binding, enabled, _tooltip) in self.screen.active_bindings.items():
            entry = (self.app.get_key_display(binding), binding.description, enabled)
            if key == self.app.COMMAND_PALETTE_BINDING:
                palette = entry
            elif binding.show and binding.action not in actions:
                actions.add(binding.action)
                shown.append(entry)
        return shown, palette

    def render(self) -> Text:
        self._shown = shown, palette = self.keys()
        key_style = self.get_component_rich_style("keybar--key")
        description_style = self.get_component_rich_style("keybar--description")

        def part(entry: tuple[str, str, bool]) -> Text:
            key, description, enabled = entry
            text = Text.assemble((key, key_style), " ", (description, description_style))
            if not enabled:
                text.stylize("dim")
            return text

        line = Text(" ").join(part(entry) for entry in shown)
        if palette is not None:
            right = Text.assemble(("▏", "dim"), part(palette), " ")
            line.truncate(max(0, self.size.width - right.cell_len), pad=True)
            line.append_text(right)
        line.no_wrap, line.overflow = True, "crop"
        return line


class ScreenTabs(Widget):
    """The line of screens and their number keys, the current one highlighted, and the keys that work everywhere.

    The hint at the end gets shorter on a narrow terminal, and goes when even that does not fit.
    """

    DEFAULT_CSS = "ScreenTabs { height: 1; background: $panel; padding: 0 1; }"
    HINTS = ("c client · ? keys · ctrl+p commands", "c client · ? keys", "c · ? · ^p")

    def __init__(self, current: str) -> None:
        super().__init__()
        self.current = current

    def render(self) -> Text:
        from .app import SCREENS

        line = Text(no_wrap=True, overflow="crop")
        for name, (key, label, _) in SCREENS.items():
            line.append(f" {key} {label} ", style="reverse bold" if name == self.current else "")
            line.append(" ")
        room = self.content_size.width - line.cell_len
        hint = next((h for h in self.HINTS if len(h) + 2 <= room), None)
        if hint:
            line.append("  " + hint, style="dim")
        return line


class WorkbenchScreen(Screen):
    """A screen whose data comes from ``fetch(store, day, client)`` in a worker and goes to ``show(data)`` on the UI thread."""

    app: CarebenchApp
    SHOWS_CLIENT = True  # whether the data depends on the client chosen (screens 3-5)
    TIMED = False  # whether the data depends on the time of day (findings such as a P1 ticket open for a day)
    _token = 0  # the latest request for data
    _delivered = -1  # the latest request answered (a screen shown again with nothing newer asked may skip loading)
    _loaded_for: tuple | None = None  # what the data shown was loaded for (see loaded_for)
    _shown: Any = object()  # nothing shown yet (None is data: "no client chosen")

    def compose(self):
        yield Header()
        yield ScreenTabs(self.app.current_mode)
        yield from self.compose_body()
        yield KeyBar()

    def compose_body(self):
        yield from ()

    def on_mount(self) -> None:
        """Nothing to load yet: a screen loads when it is shown (ScreenResume, the first time too)."""

    def on_screen_resume(self) -> None:
        # Shown again: its data is loaded again only if the database or the settings it depends on moved on.
        self._token += 1
        unless = self._loaded_for if self._delivered == self._token - 1 else None
        self._load(self._token, self.app.plan_day, self.app.client_id, unless)

    def reload(self) -> None:
        """Ask for fresh data; what arrives for an older request is dropped."""
        self._token += 1
        self._load(self._token, self.app.plan_day, self.app.client_id)

    def loaded_for(self, version: int, day, client_id) -> tuple:
        """What the data shown depends on besides the screen's own settings (which reload when changed).

        For a TIMED screen the minute is part of it (a P1 ticket open for a day is a finding
        from one minute to the next), so it loads again when shown in a later minute.
        """
        return (version, day, client_id if self.SHOWS_CLIENT else None, self.app.mine_only,
                current_minute() if self.TIMED else None)

    @work(thread=True, exclusive=True, exit_on_error=False, group="load")
    def _load(self, token: int, day, client_id, unless: tuple | None = None) -> None:
        try:
            with self.app.open_store(readonly=True) as store:
                loaded_for = self.loaded_for(store.data_version(), day, client_id)
                if unless is not None and loaded_for == unless:
                    self.post_message(StillCurrent(token))
                    return
                data = self.fetch(store, day, client_id)
        except Exception as exc:  # shown as one line; the screen keeps what it had
            self.post_message(LoadFailed(user_error(exc)))
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
        # Unchanged data is not drawn again: no flicker on refresh, and the cursor stays put.
        if message.data != self._shown:
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
