"""A table that draws only the rows in view, for tables of tens of thousands of rows.

Textual's DataTable makes an object for every row and measures every cell when rows are
added, so its cost in time and memory grows with the whole table. A DataGrid keeps the
caller's sequence as it is, and asks for the cells of a row only when that row is drawn:
showing 40 rows of 20,000 costs about 40 rows.

It is built on Textual's line API alone (``ScrollView``, ``render_line``, ``virtual_size``,
``scroll_to_region``): no private attribute of Textual or Rich.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from operator import indexOf
from typing import ClassVar, Generic, Literal, NamedTuple, TypeVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size, Spacing
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...app.inputs import inert
from ...app.present import clip
from .tables import Cell

RowT = TypeVar("RowT")
Justify = Literal["left", "center", "right"]
CellType = Cell | str


@dataclass(frozen=True, slots=True)
class Column:
    """A column of a DataGrid: its label, its width and how its cells line up.

    ``width`` is a number of cells, or None for a flexible column, which takes the width
    the other columns leave (shared with any other flexible column), never less than
    ``min_width``. A column with ``visible=False`` takes no room and its cells are not drawn;
    nor does one whose cells are all empty in the rows in view (its room goes to the flexible columns).
    """

    label: str
    width: int | None = None
    justify: Justify = "left"
    min_width: int = 1
    visible: bool = True


def fit(text: str, width: int) -> tuple[str, int]:
    """``text`` cut to at most ``width`` cells as :func:`~carebench.app.present.clip` cuts it (at the end of a word,
    with an ellipsis), and the cells it then takes; text that fits is kept as it is.

    Wide characters (CJK, emoji) count as two cells; one that would only half fit goes
    with the rest, so the text may end a cell short of ``width``.
    """
    length = cell_len(text)
    if length <= width:
        return text, length
    text = clip(text, width)
    return text, cell_len(text)


@dataclass(frozen=True, slots=True)
class _Placed:
    """A visible column at its width in the current layout (``index`` is its place in ``DataGrid.columns``)."""

    index: int
    width: int
    justify: Justify


class _LineStyles(NamedTuple):
    """The styles of a grid's lines at one time: its own, and its header's, cursor's and stripes' on top.

    ``over_cells`` goes over the cells of the cursor's row (its colours win over theirs, as in
    a DataTable), so the row under the cursor reads whatever colours its cells have.
    """

    base: Style
    header: Style
    cursor: Style
    stripe: Style
    over_cells: Style


class DataGrid(ScrollView, Generic[RowT], can_focus=True):
    """A table of one-line rows that computes and draws only the rows in view.

    Rows are whatever the caller has (dicts, tuples, records) in a sequence the DataGrid keeps
    as given; ``key(row)`` names a row (the cursor follows it through new rows) and
    ``cells(row)`` gives its cells, one per column, when it comes into view. A cell is a
    plain string or a :class:`~carebench.ui.widgets.tables.Cell` (text, one style, a justification):
    its text is data, shown literally (no markup), made inert (controls written out, as
    ``\\x1b``) and cut with an ellipsis to its column.

    A cell's style is a Rich style string; words in it that start with ``$`` are the app
    theme's variables (``"$warning"``, ``"bold $error"``), so cells follow a change of theme.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Previous row", id="grid.cursor_up", show=False),
        Binding("down", "cursor_down", "Next row", id="grid.cursor_down", show=False),
        Binding("pageup", "page_up", "Page up", id="grid.page_up", show=False),
        Binding("pagedown", "page_down", "Page down", id="grid.page_down", show=False),
        Binding("home", "first_row", "First row", id="grid.first_row", show=False),
        Binding("end", "last_row", "Last row", id="grid.last_row", show=False),
        Binding("enter", "select_row", "Select row", id="grid.select_row", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {"grid--header", "grid--cursor", "grid--stripe"}
    """
    | Class | Description |
    | :- | :- |
    | `grid--header` | The line of column labels. |
    | `grid--cursor` | The row under the cursor (styled apart when the grid has focus). |
    | `grid--stripe` | Every other row, when `zebra_stripes` is on. |
    """

    DEFAULT_CSS = """
    DataGrid {
        background: $surface;
        color: $foreground;
        height: auto;
        max-height: 100%;
        &:focus {
            background-tint: $foreground 5%;
            & > .grid--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
        }
        & > .grid--header {
            background: $panel;
            color: $text-primary;
            text-style: bold;
        }
        & > .grid--stripe {
            background: $surface-lighten-1 50%;
        }
        &:dark > .grid--stripe {
            background: $surface-darken-1 40%;
        }
        & > .grid--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """

    class RowHighlighted(Message):
        """Posted when the cursor comes to a row: by a key, a click, ``move_cursor`` or new rows."""

        def __init__(self, grid: DataGrid, key: Hashable, index: int) -> None:
            super().__init__()
            self.grid, self.key, self.index = grid, key, index

        @property
        def control(self) -> DataGrid:
            """The grid the row is in (so ``@on(DataGrid.RowHighlighted, "#id")`` works)."""
            return self.grid

    class RowSelected(Message):
        """Posted when a row is chosen: enter on the cursor's row, or a click on a row."""

        def __init__(self, grid: DataGrid, key: Hashable, index: int) -> None:
            super().__init__()
            self.grid, self.key, self.index = grid, key, index

        @property
        def control(self) -> DataGrid:
            """The grid the row is in (so ``@on(DataGrid.RowSelected, "#id")`` works)."""
            return self.grid

    def __init__(
        self,
        columns: Sequence[Column] = (),
        *,
        zebra_stripes: bool = False,
        show_header: bool = True,
        show_cursor: bool = True,
        cell_padding: int = 1,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._columns: tuple[Column, ...] = tuple(columns)
        self._zebra_stripes = zebra_stripes
        self._show_header = show_header
        self._show_cursor = show_cursor
        self._cell_padding = max(0, cell_padding)
        self._rows: Sequence[RowT] = ()
        self._key: Callable[[RowT], Hashable] | None = None
        self._cells: Callable[[RowT], Sequence[CellType]] | None = None
        self._cursor = 0
        self._highlighted: tuple[Hashable, int] | None = None  # what the latest RowHighlighted said
        # The layout for one content width: the visible columns placed, and the width they take.
        self._layout_width = -1
        self._placed: tuple[_Placed, ...] = ()
        self._layout_total = 0
        self._empty: frozenset[int] = frozenset()  # the columns left out: all their cells in view are empty
        # Only rows in view are kept, each bounded to a few screenfuls, oldest use dropped first.
        self._row_cells: OrderedDict[int, Sequence[CellType]] = OrderedDict()
        self._row_strips: OrderedDict[tuple[int, Style, Style | None], Strip] = OrderedDict()
        self._cell_styles: dict[str, Style] = {}
        self._theme_variables: dict[str, str] | None = None

    # ----- what it shows -------------------------------------------------------

    @property
    def columns(self) -> tuple[Column, ...]:
        """The columns, hidden ones included (``cells(row)`` gives one cell for each)."""
        return self._columns

    def set_columns(self, columns: Sequence[Column]) -> None:
        """Show these columns from now on (the rows stay; ``cells(row)`` must match the new columns)."""
        self._columns = tuple(columns)
        self._layout_width = -1
        self._forget_drawn(cells=True)
        self._update_virtual_size()
        self.refresh()

    @property
    def rows(self) -> Sequence[RowT]:
        """The sequence of rows, as given to ``set_rows``."""
        return self._rows

    @property
    def row_count(self) -> int:
        """How many rows there are."""
        return len(self._rows)

    def row_cells(self, index: int) -> Sequence[CellType]:
        """The cells of the row at ``index`` as ``cells(row)`` gives them: what the row shows, before it is cut to its columns."""
        if not 0 <= index < len(self._rows):
            raise IndexError(f"no row {index} of {len(self._rows)}")
        return self._cells_of(index)

    def set_rows(
        self,
        rows: Sequence[RowT],
        key: Callable[[RowT], Hashable] | None = None,
        cells: Callable[[RowT], Sequence[CellType]] | None = None,
        *,
        keep: Hashable | None = None,
    ) -> None:
        """Show ``rows``, keeping the cursor on the row of key ``keep`` (by default the row it is on now).

        The sequence is kept as given, not copied: nothing is done per row here, so 20,000
        rows cost what 20 do. ``key`` and ``cells`` default to those of the previous call.
        When the kept row is gone, the cursor stays at the same index (or the last row).
        """
        if keep is None:
            keep = self.cursor_key  # the old row's key, by the old key function
        if key is not None:
            self._key = key
        if cells is not None:
            self._cells = cells
        if self._key is None or self._cells is None:
            raise TypeError("the first set_rows needs key and cells")
        old_index = self._cursor
        self._rows = rows
        self._forget_drawn(cells=True)
        index = self._index_of(keep, hint=old_index) if keep is not None else None
        self._cursor = self._clamp(old_index if index is None else index)
        self._update_virtual_size()
        self.refresh()
        self._highlight()
        self._scroll_to_cursor()

    def redraw(self) -> None:
        """Draw every row again, asking ``cells`` anew: after a change the grid cannot see (rows changed in place)."""
        self._forget_drawn(cells=True)
        self.refresh()

    @property
    def zebra_stripes(self) -> bool:
        """Whether every other row is drawn with the ``grid--stripe`` style."""
        return self._zebra_stripes

    @zebra_stripes.setter
    def zebra_stripes(self, value: bool) -> None:
        self._zebra_stripes = value
        self.refresh()

    @property
    def show_header(self) -> bool:
        """Whether the line of column labels is drawn above the rows."""
        return self._show_header

    @show_header.setter
    def show_header(self, value: bool) -> None:
        self._show_header = value
        self._update_virtual_size()
        self.refresh()

    @property
    def show_cursor(self) -> bool:
        """Whether the cursor's row is drawn with the ``grid--cursor`` style (off for a table only to read)."""
        return self._show_cursor

    @show_cursor.setter
    def show_cursor(self, value: bool) -> None:
        self._show_cursor = value
        self.refresh()

    @property
    def header_height(self) -> int:
        """Lines the header takes: 1, or 0 when it is hidden."""
        return 1 if self._show_header else 0

    # ----- the cursor ------------------------------------------------------------

    @property
    def cursor_index(self) -> int:
        """The index of the row under the cursor (0 when there are no rows)."""
        return self._cursor

    @property
    def cursor_key(self) -> Hashable | None:
        """The key of the row under the cursor, or None when there are no rows."""
        if not self._rows or self._key is None:
            return None
        return self._key(self._rows[self._cursor])

    def move_cursor(self, index: int | None = None, key: Hashable | None = None, *, scroll: bool = True) -> None:
        """Put the cursor on the row at ``index`` (clamped), or on the row of ``key`` if there is one.

        A key not among the rows leaves the cursor where it is. The grid scrolls to show
        the cursor's row unless ``scroll`` is False; a new row posts ``RowHighlighted``.
        """
        if key is not None:
            index = self._index_of(key, hint=self._cursor)
        if index is None or not self._rows:
            return
        index = self._clamp(index)
        if index != self._cursor:
            self._refresh_row(self._cursor)
            self._cursor = index
            self._refresh_row(index)
        self._highlight()
        if scroll:
            self._scroll_to_cursor()

    def action_cursor_up(self) -> None:
        """Move the cursor to the row above."""
        self.move_cursor(self._cursor - 1)

    def action_cursor_down(self) -> None:
        """Move the cursor to the row below."""
        self.move_cursor(self._cursor + 1)

    def action_page_up(self) -> None:
        """Move the cursor and the view a screenful of rows up."""
        self._page(-1)

    def action_page_down(self) -> None:
        """Move the cursor and the view a screenful of rows down."""
        self._page(+1)

    def action_first_row(self) -> None:
        """Move the cursor to the first row."""
        self.move_cursor(0)

    def action_last_row(self) -> None:
        """Move the cursor to the last row."""
        self.move_cursor(len(self._rows) - 1)

    def action_select_row(self) -> None:
        """Post ``RowSelected`` for the row under the cursor."""
        if self._rows:
            self.post_message(self.RowSelected(self, self.cursor_key, self._cursor))

    def on_click(self, event: events.Click) -> None:
        """A click on a row puts the cursor there and selects it."""
        offset = event.get_content_offset(self)
        if offset is None or offset.y < self.header_height:
            return
        index = int(self.scroll_y) + offset.y - self.header_height
        if 0 <= index < len(self._rows):
            event.stop()
            self.move_cursor(index)
            self.post_message(self.RowSelected(self, self.cursor_key, self._cursor))

    @property
    def page_rows(self) -> int:
        """How many rows fit in view below the header (at least one)."""
        return max(1, self.scrollable_content_region.height - self.header_height)

    def _page(self, direction: int) -> None:
        # The view moves a page, and the cursor with it, so it stays on the same line of the screen.
        page = self.page_rows
        target = self._clamp(self._cursor + direction * page)
        self.scroll_to(y=self.scroll_y + direction * page, animate=False, immediate=True)
        self.move_cursor(target)

    def _clamp(self, index: int) -> int:
        return max(0, min(index, len(self._rows) - 1))

    def _index_of(self, key: Hashable, hint: int) -> int | None:
        """The index of the row of ``key``: looked for at ``hint`` first, then from the top; None if absent."""
        rows, key_of = self._rows, self._key
        if not rows or key_of is None:
            return None
        if 0 <= hint < len(rows) and key_of(rows[hint]) == key:
            return hint
        try:
            return indexOf(map(key_of, rows), key)  # the loop in C: a few ms for 20,000 rows
        except ValueError:
            return None

    def _highlight(self) -> None:
        """Post ``RowHighlighted`` when the cursor's row (key or index) is not the one last said."""
        highlighted = (self.cursor_key, self._cursor) if self._rows else None
        if highlighted != self._highlighted:
            self._highlighted = highlighted
            if highlighted is not None:
                self.post_message(self.RowHighlighted(self, *highlighted))

    def _scroll_to_cursor(self) -> None:
        if self._rows:
            region = Region(int(self.scroll_x), self._cursor + self.header_height, 1, 1)
            self.scroll_to_region(region, spacing=Spacing(top=self.header_height), animate=False, x_axis=False, force=True, immediate=True)

    def _refresh_row(self, index: int) -> None:
        self.refresh_line(index + self.header_height)

    # ----- layout --------------------------------------------------------------------

    def _drawn_columns(self) -> list[tuple[int, Column]]:
        """The columns drawn, with their index: the visible ones, less those with nothing in view."""
        return [(index, column) for index, column in enumerate(self._columns) if column.visible and index not in self._empty]

    def _update_virtual_size(self) -> None:
        # As wide as the columns at their narrowest: flexible columns then widen to fill the view.
        padding = 2 * self._cell_padding
        narrowest = sum((column.width if column.width is not None else column.min_width) + padding for _, column in self._drawn_columns())
        self.virtual_size = Size(narrowest, len(self._rows) + self.header_height)

    def _empty_in_view(self) -> frozenset[int]:
        """The visible columns whose cells are all empty (or blank) in the rows in view; none when no row is in view."""
        first = int(self.scroll_y)
        last = min(len(self._rows), first + self.page_rows)
        empty = {index for index, column in enumerate(self._columns) if column.visible}
        if first >= last:
            return frozenset()
        for row in range(first, last):
            cells = self._cells_of(row)
            empty -= {index for index in empty if index < len(cells) and str(cells[index]).strip()}
            if not empty:
                break
        return frozenset(empty)

    def _follow_empty_columns(self) -> None:
        """Leave out the columns with nothing in view, and bring back those that now have something."""
        empty = self._empty_in_view()
        if empty != self._empty:
            self._empty = empty
            self._layout_width = -1
            self._update_virtual_size()

    def _layout(self, width: int) -> tuple[_Placed, ...]:
        """The visible columns at their widths for a view ``width`` cells wide (worked out once per width)."""
        if width == self._layout_width:
            return self._placed
        padding = 2 * self._cell_padding
        visible = self._drawn_columns()
        flexible = [index for index, column in visible if column.width is None]
        fixed = sum(column.width + padding for _, column in visible if column.width is not None)
        left = width - fixed - padding * len(flexible)
        share, extra = divmod(max(0, left), len(flexible)) if flexible else (0, 0)
        widths = {}
        for place, index in enumerate(flexible):
            widths[index] = max(self._columns[index].min_width, share + (1 if place < extra else 0))
        self._placed = tuple(
            _Placed(index, max(0, column.width if column.width is not None else widths[index]), column.justify) for index, column in visible
        )
        self._layout_total = sum(placed.width + padding for placed in self._placed)
        self._layout_width = width
        self._forget_drawn(cells=False)
        return self._placed

    def on_resize(self, event: events.Resize) -> None:
        """A new size: the flexible columns get a new width, and the cursor stays in view."""
        self.refresh()
        self.call_after_refresh(self._scroll_to_cursor)

    # ----- styles ----------------------------------------------------------------------

    def notify_style_update(self) -> None:
        """Styles were applied again; rows drawn with other styles than the new ones will not be used again.

        Drawn rows are kept per line style, so a focus change or a screen shown again costs
        nothing; a new theme also renews the styles cells name through ``$`` variables.
        """
        super().notify_style_update()
        if self.is_attached and self.app.theme_variables != self._theme_variables:
            self._theme_variables = dict(self.app.theme_variables)
            self._cell_styles.clear()
            self._forget_drawn(cells=False)
        self.refresh()

    def cell_style(self, style: str | Style) -> Style:
        """The Rich style for a cell's style: a Rich style string whose ``$`` words are theme variables."""
        if isinstance(style, Style):
            return style
        parsed = self._cell_styles.get(style)
        if parsed is None:
            if "$" in style:
                variables = self.app.theme_variables
                words = [variables.get(word[1:], "") if word.startswith("$") else word for word in style.split()]
                parsed = Style.parse(" ".join(word for word in words if word))
            else:
                parsed = Style.parse(style)
            self._cell_styles[style] = parsed
        return parsed

    def _line_styles(self) -> _LineStyles:
        """The styles lines are drawn with now: the grid's own, and each part's on top of it."""
        base = self.rich_style
        cursor = self.get_component_rich_style("grid--cursor")
        return _LineStyles(
            base, base + self.get_component_rich_style("grid--header"), base + cursor, base + self.get_component_rich_style("grid--stripe"), cursor
        )

    def _line_style(self, index: int, styles: _LineStyles) -> Style:
        """The style a row is drawn with: the grid's, striped or under the cursor."""
        if index == self._cursor and self._show_cursor:
            return styles.cursor
        if self._zebra_stripes and index % 2:
            return styles.stripe
        return styles.base

    # ----- drawing -------------------------------------------------------------------------

    _drawing: _LineStyles | None = None  # the styles of the lines being drawn, worked out once for all of them

    def render_lines(self, crop: Region) -> list[Strip]:
        """Draw the lines in ``crop``, working out the styles they share once (a widget's style walks its ancestors)."""
        self._drawing = self._line_styles()
        self._follow_empty_columns()
        try:
            return super().render_lines(crop)
        finally:
            self._drawing = None

    def render_line(self, y: int) -> Strip:
        """Line ``y`` of the view: the header, a row, or blank below the last row."""
        width = self.size.width  # the scrollbars, when shown, are drawn over the right and bottom edges
        scroll_x, scroll_y = self.scroll_offset
        placed = self._layout(self.scrollable_content_region.width)
        styles = self._drawing or self._line_styles()
        if y < self.header_height:
            labels = [column.label for column in self._columns]
            return self._strip(labels, placed, styles.header).crop_extend(scroll_x, scroll_x + width, styles.header)
        index = scroll_y + y - self.header_height
        if index >= len(self._rows):
            return Strip.blank(width, styles.base)
        style = self._line_style(index, styles)
        over = styles.over_cells if index == self._cursor and self._show_cursor else None
        return self._row_strip(index, style, over).crop_extend(scroll_x, scroll_x + width, style)

    def _row_strip(self, index: int, style: Style, over: Style | None = None) -> Strip:
        """Row ``index`` drawn with ``style`` (and ``over`` its cells' styles), from the cache of rows in view when it is there."""
        key = (index, style, over)
        strip = self._row_strips.get(key)
        if strip is not None:
            self._row_strips.move_to_end(key)
            return strip
        strip = self._strip(self._cells_of(index), self._placed, style, over)
        self._row_strips[key] = strip
        if len(self._row_strips) > self._kept_rows():
            self._row_strips.popitem(last=False)
        return strip

    def _cells_of(self, index: int) -> Sequence[CellType]:
        """The cells of row ``index``, asked of ``cells`` once while the row stays in view."""
        cells = self._row_cells.get(index)
        if cells is None:
            assert self._cells is not None
            cells = self._cells(self._rows[index])
            self._row_cells[index] = cells
            if len(self._row_cells) > self._kept_rows():
                self._row_cells.popitem(last=False)
        else:
            self._row_cells.move_to_end(index)
        return cells

    def _kept_rows(self) -> int:
        # A few screenfuls: the rows in view with both cursor styles, and the page before and after.
        return max(64, 4 * self.size.height)

    def _forget_drawn(self, cells: bool) -> None:
        self._row_strips.clear()
        if cells:
            self._row_cells.clear()

    def _strip(self, cells: Sequence[CellType], placed: Sequence[_Placed], style: Style, over: Style | None = None) -> Strip:
        """One line of cells, each cut or padded to its column, padding on either side.

        Text in the line's own style runs on into one segment; a cell with a style of its own
        is one segment, in the line's style, the cell's on top, and ``over`` (if any) on top of that.
        """
        pad = " " * self._cell_padding
        segments: list[Segment] = []
        run: list[str] = []  # text in the line's style not yet made a segment
        for column in placed:
            cell = cells[column.index] if column.index < len(cells) else ""
            if isinstance(cell, str):  # often read from the database: made inert as a Cell's text is
                text, cell_style, justify = inert(cell), "", column.justify
            else:
                text, cell_style, justify = cell.plain, cell.style, cell.justify or column.justify
            text, used = fit(text, column.width)
            room = column.width - used
            lead = room if justify == "right" else room // 2 if justify == "center" else 0
            if cell_style:
                run.append(pad + " " * lead)
                segments.append(Segment("".join(run), style))
                own = style + self.cell_style(cell_style)
                segments.append(Segment(text, own if over is None else own + over))
                run = [" " * (room - lead) + pad]
            else:
                run.append(pad + " " * lead + text + " " * (room - lead) + pad)
        segments.append(Segment("".join(run), style))
        return Strip(segments, self._layout_total)
