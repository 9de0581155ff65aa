"""Tables of the workbench: cells of one style, band cells, and a DataTable that keeps its drawing."""

from __future__ import annotations

from functools import partial
from typing import Any, Callable

from rich.cells import cell_len
from rich.text import Text
from textual.cache import LRUCache
from textual.widget import Widget
from textual.widgets import DataTable

from ...app.inputs import UNSAFE_IN_LINES_RE, inert, inert_lines

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


def band_word(band: str | None) -> str:
    """The band as a word with a dot, so it reads without colour too: "● red", "– none"."""
    return "– none" if band is None else f"● {band}"


def band_style(band: str | None) -> str:
    """The style of a band in a Grid: a theme variable, so it follows a change of theme."""
    return "dim" if band is None else f"${BAND_STYLE[band]}"


def band_grid_cell(band: str | None, after: str = "") -> Cell:
    """The band as a Grid cell in its theme colour, ``after`` following the word: "● yellow 6.9"."""
    return Cell(band_word(band) + after, style=band_style(band))


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


