"""The DataGrid: a table that draws only the rows in view. What it draws, what it computes, its cursor, its theme."""

from __future__ import annotations

import tracemalloc

import pytest
from rich.color import Color as RichColor
from textual.app import App
from textual.color import Color

from carebench.ui.themes import load_themes
from carebench.ui.widgets.grid import Column, DataGrid, fit
from carebench.ui.widgets.tables import Cell

COLUMNS = [Column("id", 4), Column("name", None, min_width=6), Column("city", 8), Column("score", 5, justify="right")]
ROWS = [
    ("a1", "Acme", "Oslo", "9.5"),
    ("b2", "Beta Health Services Ltd", "Zürich", "10.0"),
    ("c3", "[bold]x[/bold]", "東京都", "7"),
    ("d4", "日本語のクライアント名", "Kyoto", "6.25"),
    ("e5", "a日本語のクライアント名", "Ōsaka", "123456"),
    ("f6", "🚀 Rocket Co", "Houston", "8"),
]


def plain_cells(row) -> list:
    return list(row)


class GridApp(App):
    """A DataGrid filling the screen, with the workbench's themes, that remembers the messages it got."""

    CSS = "DataGrid { height: 1fr; }"

    def __init__(self, rows=ROWS, columns=COLUMNS, cells=plain_cells, theme: str = "carebench-dark", **grid_options):
        super().__init__()
        self.initial = rows, columns, cells, theme
        self.grid_options = {"zebra_stripes": True} | grid_options
        self.highlighted: list[tuple] = []
        self.selected: list[tuple] = []

    def compose(self):
        yield DataGrid(self.initial[1], id="grid", **self.grid_options)

    def on_mount(self) -> None:
        themes, problems = load_themes()
        assert not problems
        for theme in themes:
            self.register_theme(theme)
        rows, _, cells, self.theme = self.initial
        grid = self.query_one(DataGrid)
        grid.set_rows(rows, key=lambda row: row[0], cells=cells)
        grid.focus()

    def on_data_grid_row_highlighted(self, message: DataGrid.RowHighlighted) -> None:
        self.highlighted.append((message.key, message.index))

    def on_data_grid_row_selected(self, message: DataGrid.RowSelected) -> None:
        self.selected.append((message.key, message.index))


def lines(grid: DataGrid) -> list[str]:
    return [grid.render_line(y).text for y in range(grid.size.height)]


async def until(pilot, condition, turns: int = 50) -> None:
    """Let the app run until ``condition()`` holds (a few turns of its event loop at most)."""
    for _ in range(turns):
        if condition():
            return
        await pilot.pause()
    raise AssertionError("the condition never held")


def numbered(count: int) -> list[tuple[str, str, str, str]]:
    return [(f"k{n}", f"Client {n}", "Oslo", str(n)) for n in range(count)]


# ----- what it draws ----------------------------------------------------------------


def test_fit_cuts_with_an_ellipsis_and_counts_wide_characters_as_two_cells():
    assert fit("Acme", 6) == ("Acme", 4)
    assert fit("Acme Logistics", 6) == ("Acme…", 5)
    assert fit("日本語", 6) == ("日本語", 6)
    assert fit("日本語", 5) == ("日本…", 5)
    assert fit("日本語", 4) == ("日…", 3)  # the second wide character would only half fit
    assert fit("abc", 0) == ("", 0)


def test_fit_cuts_text_at_the_end_of_a_word_where_one_fits_as_clip_does():
    from carebench.app.present import clip

    assert fit("Beta Health Services", 15) == ("Beta Health…", 12)  # not "Beta Health Se…"
    assert fit("Restart daily huddles, on the floor", 24) == ("Restart daily huddles…", 22)  # no comma before the ellipsis
    assert fit("supercalifragilistic", 6) == ("super…", 6)  # one word longer than the room is cut inside it
    assert fit("日本 語です", 6) == ("日本…", 5)  # wide characters count as two cells, the cut still at a word
    for text in ("Beta Health Services", "Run a triage refresher for the team", "a b c d e f"):
        for width in range(1, len(text) + 2):
            assert fit(text, width)[0] == clip(text, width)


async def test_it_draws_the_header_and_rows_cut_to_their_columns():
    app = GridApp()
    async with app.run_test(size=(40, 8)) as pilot:
        grid = app.query_one(DataGrid)
        await pilot.pause()
        # 40 cells: id 4, city 8 and score 5, one space either side of each; the name takes the other 15.
        assert lines(grid) == [
            " id    name             city      score ",
            " a1    Acme             Oslo        9.5 ",
            " b2    Beta Health…     Zürich     10.0 ",  # cut at the end of a word
            " c3    [bold]x[/bold]   東京都        7 ",
            " d4    日本語のクライ…  Kyoto      6.25 ",
            " e5    a日本語のクラ…   Ōsaka     1234… ",  # a wide character that would half fit goes
            " f6    🚀 Rocket Co     Houston       8 ",
            "                                        ",
        ]


async def test_the_flexible_column_takes_what_a_new_width_leaves():
    app = GridApp()
    async with app.run_test(size=(40, 8)) as pilot:
        grid = app.query_one(DataGrid)
        await pilot.pause()
        await pilot.resize_terminal(50, 8)
        await until(pilot, lambda: grid.size.width == 50)
        assert grid.render_line(1).text == " a1    Acme                       Oslo        9.5 "
        # Narrower than the columns at their narrowest: the name keeps its minimum and the grid scrolls sideways.
        await pilot.resize_terminal(25, 8)
        await until(pilot, lambda: grid.size.width == 25)
        assert grid.virtual_size.width == 6 + 8 + 10 + 7
        assert grid.render_line(2).text.startswith(" b2    Beta…   Zürich ")


async def test_cells_with_styles_and_justification_and_hidden_columns():
    def cells(row):
        return [row[0], Cell(row[1], style="bold"), Cell(row[2], justify="center"), Cell(row[3], style="$warning")]

    app = GridApp(rows=ROWS[:2], cells=cells)
    async with app.run_test(size=(40, 5)) as pilot:
        grid = app.query_one(DataGrid)
        await pilot.pause()
        assert grid.render_line(1).text == " a1    Acme               Oslo      9.5 "
        segments = {segment.text: segment.style for segment in grid.render_line(2)}
        assert segments["Beta Health…"].bold
        assert segments["10.0"].color == RichColor.parse(app.theme_variables["warning"])
        # The city column hidden: its room goes to the name, its cells are not drawn.
        grid.set_columns([COLUMNS[0], COLUMNS[1], Column("city", 8, visible=False), COLUMNS[3]])
        await pilot.pause()
        assert grid.render_line(0).text == " id    name                       score "
        assert grid.render_line(2).text == " b2    Beta Health Services Ltd    10.0 "


async def test_a_column_with_nothing_in_view_is_not_drawn_and_comes_back_with_a_row_that_has_something():
    rows = [(f"k{n}", f"Client {n}", "", str(n)) for n in range(30)] + [("z", "Zed", "Oslo", "1")]
    app = GridApp(rows=rows)
    async with app.run_test(size=(40, 8)) as pilot:
        grid = app.query_one(DataGrid)
        await pilot.pause()
        # No city in the rows in view: the column is left out, header included, and the name takes its room.
        # (38 cells beside the scrollbar.)
        assert grid.render_line(0).text == " id    name                     score   "
        assert grid.render_line(1).text == " k0    Client 0                     0   "
        assert grid.virtual_size.width == 6 + 8 + 7
        grid.action_last_row()
        await until(pilot, lambda: "city" in grid.render_line(0).text)
        assert grid.render_line(0).text == " id    name           city      score   "
        assert grid.render_line(grid.size.height - 1).text == " z     Zed            Oslo          1   "
        # No rows at all: every column keeps its label.
        grid.set_rows([])
        await pilot.pause()
        assert grid.render_line(0).text == " id    name             city      score "


async def test_markup_in_cells_is_text():
    rows = [("m", "[red]alert[/red] :rocket: [link=x]y[/link]", "", "")]
    app = GridApp(rows=rows, columns=[Column("id", 2), Column("name", None)])
    async with app.run_test(size=(50, 3)) as pilot:
        grid = app.query_one(DataGrid)
        await pilot.pause()
        assert grid.render_line(1).text.rstrip() == " m   [red]alert[/red] :rocket: [link=x]y[/link]"


# ----- what it computes ---------------------------------------------------------------


async def test_only_the_rows_in_view_are_computed():
    asked: list[str] = []

    def cells(row):
        asked.append(row[0])
        return row

    rows = numbered(20_000)
    app = GridApp(rows=rows, cells=cells)
    async with app.run_test(size=(80, 30)) as pilot:
        grid = app.query_one(DataGrid)
        await until(pilot, lambda: len(asked) >= 29)
        await pilot.pause()
        in_view = grid.page_rows
        assert in_view == 29
        assert set(asked) == {f"k{n}" for n in range(in_view)}
        assert len(asked) == in_view  # each once, though lines are drawn again (as a scrollbar appears)

        await pilot.press("pagedown")
        await until(pilot, lambda: grid.scroll_y == in_view)
        await pilot.pause()
        assert set(asked) == {f"k{n}" for n in range(2 * in_view)}
        assert len(asked) == 2 * in_view

        # Moving the cursor within the page computes nothing more.
        await pilot.press("down", "down", "up")
        await pilot.pause()
        assert len(asked) == 2 * in_view

        await pilot.press("end")
        await until(pilot, lambda: grid.scroll_y == grid.max_scroll_y)
        await pilot.pause()
        assert len(asked) <= 3 * in_view + 1
        assert "k19999" in asked


async def test_set_rows_keeps_the_sequence_and_allocates_nothing_per_row():
    app = GridApp(rows=[])
    async with app.run_test(size=(80, 30)) as pilot:
        grid = app.query_one(DataGrid)
        await pilot.pause()
        rows = numbered(20_000)
        tracemalloc.start()
        try:
            grid.set_rows(rows)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert grid.rows is rows
        assert peak < 20_000  # under a byte a row: nothing is made per row
        await pilot.pause()
        assert grid.render_line(1).text.startswith(" k0 ")


# ----- the cursor ------------------------------------------------------------------------


async def test_keys_move_the_cursor_and_the_view_follows():
    app = GridApp(rows=numbered(100))
    async with app.run_test(size=(40, 12)) as pilot:
        grid = app.query_one(DataGrid)
        await until(pilot, lambda: app.highlighted)
        assert app.highlighted == [("k0", 0)]
        await pilot.press("down", "down", "down")
        await until(pilot, lambda: len(app.highlighted) == 4)
        assert (grid.cursor_index, grid.cursor_key) == (3, "k3")
        assert app.highlighted[1:] == [("k1", 1), ("k2", 2), ("k3", 3)]
        assert grid.scroll_y == 0

        page = grid.page_rows  # 11 lines less the header
        await pilot.press("pagedown")
        await pilot.pause()
        assert grid.cursor_index == 3 + page
        assert grid.scroll_y == page  # the view moved a page with the cursor
        await pilot.press("pageup")
        await pilot.pause()
        assert (grid.cursor_index, grid.scroll_y) == (3, 0)

        await pilot.press("end")
        await pilot.pause()
        assert grid.cursor_index == 99
        assert grid.scroll_y == 100 - page
        assert grid.render_line(grid.size.height - 1).text.startswith(" k99 ")
        await pilot.press("up")
        await pilot.pause()
        assert (grid.cursor_index, grid.scroll_y) == (98, 100 - page)

        await pilot.press("home")
        await pilot.pause()
        assert (grid.cursor_index, grid.scroll_y) == (0, 0)
        await pilot.press("up")  # nothing above the first row
        await pilot.pause()
        assert grid.cursor_index == 0

        # Going down past the bottom edge scrolls one row at a time.
        grid.move_cursor(page - 1)
        await pilot.press("down")
        await pilot.pause()
        assert (grid.cursor_index, grid.scroll_y) == (page, 1)

        # Fewer rows than fit: the view goes back to the top.
        await pilot.press("end")
        await pilot.pause()
        grid.set_rows(numbered(5))
        await pilot.pause()
        assert (grid.cursor_index, grid.scroll_y) == (4, 0)
        assert grid.render_line(1).text.startswith(" k0 ")


async def test_the_cursor_stays_on_its_row_through_new_rows():
    rows = numbered(50)
    app = GridApp(rows=rows)
    async with app.run_test(size=(40, 12)) as pilot:
        grid = app.query_one(DataGrid)
        await pilot.pause()
        grid.move_cursor(key="k5")
        assert grid.cursor_index == 5

        grid.set_rows(rows[::-1])  # reordered: the cursor follows k5 down to index 44, and the view with it
        await pilot.pause()
        assert (grid.cursor_index, grid.cursor_key) == (44, "k5")
        assert grid.scroll_y <= 44 < grid.scroll_y + grid.page_rows
        assert app.highlighted[-1] == ("k5", 44)

        grid.set_rows(rows, keep="k7")  # an explicit row to keep
        await pilot.pause()
        assert (grid.cursor_index, grid.cursor_key) == (7, "k7")

        grid.set_rows([row for row in rows if row[0] != "k7"])  # its row gone: the same index
        assert (grid.cursor_index, grid.cursor_key) == (7, "k8")

        grid.set_rows(rows[:4])  # and clamped to the rows there are
        assert (grid.cursor_index, grid.cursor_key) == (3, "k3")

        grid.set_rows([])
        assert (grid.cursor_index, grid.cursor_key, grid.row_count) == (0, None, 0)
        await pilot.pause()
        assert grid.render_line(1).text.strip() == ""

        grid.move_cursor(key="nowhere")  # a key not there leaves the cursor be
        grid.set_rows(rows)
        assert (grid.cursor_index, grid.cursor_key) == (0, "k0")


async def test_enter_and_a_click_select_a_row():
    app = GridApp(rows=numbered(40))
    async with app.run_test(size=(40, 12)) as pilot:
        grid = app.query_one(DataGrid)
        await pilot.pause()
        await pilot.press("down", "enter")
        await until(pilot, lambda: app.selected)
        assert app.selected == [("k1", 1)]

        await pilot.click(DataGrid, offset=(3, 4))  # the header's line, then rows 0, 1, 2, 3
        await until(pilot, lambda: len(app.selected) == 2)
        assert app.selected[-1] == ("k3", 3)
        assert grid.cursor_index == 3
        assert app.highlighted[-1] == ("k3", 3)

        # Scrolled down, a click means the row drawn there.
        await pilot.press("pagedown")
        await pilot.pause()
        top = int(grid.scroll_y)
        await pilot.click(DataGrid, offset=(3, 1))
        await until(pilot, lambda: len(app.selected) == 3)
        assert app.selected[-1] == (f"k{top}", top)

        await pilot.click(DataGrid, offset=(3, 0))  # the header selects nothing
        await pilot.pause()
        assert len(app.selected) == 3


async def test_the_scroll_wheel_scrolls_the_view_not_the_cursor():
    app = GridApp(rows=numbered(100))
    async with app.run_test(size=(40, 12)) as pilot:
        grid = app.query_one(DataGrid)
        await pilot.pause()
        await pilot.mouse_down(DataGrid, offset=(3, 3))  # focus without moving anything
        grid.scroll_down(animate=False, immediate=True)
        await until(pilot, lambda: grid.scroll_y > 0)
        assert grid.cursor_index == 0


async def test_the_cursor_is_drawn_apart_with_and_without_focus():
    app = GridApp(rows=numbered(5))
    async with app.run_test(size=(40, 8)) as pilot:
        grid = app.query_one(DataGrid)
        await pilot.pause()
        focused = grid.render_line(1)
        other = grid.render_line(2)
        assert next(iter(focused)).style.bgcolor != next(iter(other)).style.bgcolor
        grid.blur()
        await until(pilot, lambda: not grid.has_focus)
        await pilot.pause()
        blurred = grid.render_line(1)
        assert next(iter(blurred)).style != next(iter(focused)).style
        # A grid only to read draws no cursor: the first row is drawn as the third (neither is striped).
        grid.show_cursor = False
        await pilot.pause()
        assert next(iter(grid.render_line(1))).style == next(iter(grid.render_line(3))).style


# ----- the theme ----------------------------------------------------------------------------


def background(strip) -> Color:
    return Color.from_rich_color(next(iter(strip)).style.bgcolor)


@pytest.mark.parametrize("theme", ["carebench-light", "high-contrast"])
async def test_a_new_theme_redraws_with_its_colours(theme):
    def cells(row):
        return [row[0], row[1], row[2], Cell(row[3], style="$warning")]

    app = GridApp(rows=ROWS, cells=cells)
    async with app.run_test(size=(40, 8)) as pilot:
        grid = app.query_one(DataGrid)
        await pilot.pause()
        before = [grid.render_line(y) for y in range(4)]
        app.theme = theme
        await until(pilot, lambda: app.theme_variables["warning"] != "#E8C547")
        await pilot.pause()
        variables = app.theme_variables
        header, cursor, row, stripe = (grid.render_line(y) for y in range(4))
        assert background(header) == Color.parse(variables["panel"])
        assert background(header) != background(before[0])
        assert background(cursor) != background(before[1])
        assert background(row) != background(before[2])
        assert next(iter(header)).style.bold
        score = {segment.text: segment.style for segment in row}["10.0"]
        assert score.color == RichColor.parse(variables["warning"])


# ----- a picture --------------------------------------------------------------------------------


def test_grid_snapshot(snap_compare):
    def cells(row):
        return [row[0], row[1], Cell(row[2], style="dim"), Cell(row[3], style="$warning" if row[0] == "b2" else "")]

    rows = ROWS + [(f"z{n}", f"Filler client {n}", "Bergen", f"{n / 3:.2f}") for n in range(30)]

    async def run_before(pilot) -> None:
        await pilot.pause()
        await pilot.press("down", "down")
        await pilot.pause()

    assert snap_compare(GridApp(rows=rows, cells=cells), terminal_size=(80, 24), run_before=run_before)


def test_the_grid_uses_no_private_name_of_textual_or_rich():
    """Every ``_name`` the module reads is one it defines itself, and it imports only public modules."""
    import ast
    from pathlib import Path

    import carebench.ui.widgets.grid as module

    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    defined = {node.name for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    defined |= {
        target.attr
        for node in ast.walk(tree)
        if isinstance(node, (ast.Assign, ast.AnnAssign))
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Attribute)
    }
    private = {
        node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
    }
    assert private and private <= defined, private - defined
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert not {name for name in imported if any(part.startswith("_") and not part.startswith("__") for part in name.split("."))}


async def test_the_tables_rules_leave_textuals_grid_container_alone():
    """The table's own rules (height, background) match its own name only, not Textual's ``containers.Grid``."""
    from textual.app import App
    from textual.containers import Grid

    class Both(App):
        def compose(self):
            yield DataGrid([Column("a", 4)], id="table")
            yield Grid(id="container")

    app = Both()
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        table, container = app.query_one("#table"), app.query_one("#container")
        assert table.styles.max_height is not None
        assert container.styles.max_height is None
