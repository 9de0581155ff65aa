"""Cells of the workbench's tables: text of one style, band cells, changes."""

from __future__ import annotations

from typing import Literal

from rich.cells import cell_len
from rich.text import Text

from ...app.inputs import inert

BAND_STYLE = {"green": "success", "yellow": "warning", "red": "error"}
ARROWS = {1: "▲", 0: "▶", -1: "▼"}


class Cell:
    """A table cell of one line of plain text, with one style and a justification.

    It draws exactly as ``Text(plain, style=style, justify=justify)`` would, made only when a
    row comes into view, and takes about a third of a Text's memory: the tables of large
    portfolios hold tens of thousands of cells. The text is made inert (it is mostly read
    from the database) and never read as markup.
    """

    __slots__ = ("plain", "style", "justify")

    def __init__(self, plain: str, style: str = "", justify: Literal["left", "center", "right"] | None = None) -> None:
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
    """The style of a band in a DataGrid: a theme variable, so it follows a change of theme."""
    return "dim" if band is None else f"${BAND_STYLE[band]}"


def band_grid_cell(band: str | None, after: str = "") -> Cell:
    """The band as a DataGrid cell in its theme colour, ``after`` following the word: "● yellow 6.9"."""
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
