"""Themes: TOML files (bundled, then the user's own folder) -> validated model -> Textual theme."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from textual.color import Color, ColorParseError
from textual.theme import Theme

from ..app.paths import bundled, config_dir

THEME_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
COLOURS = ("primary", "secondary", "accent", "foreground", "background", "surface", "panel", "boost", "warning", "error", "success")


def theme_from(data: dict) -> Theme:
    """A Textual theme from a theme file's table: a name, ``dark``, and colours (``primary`` required); ValueError otherwise.

    The file names only these keys; Textual derives every other colour from them.
    """
    unknown = sorted(set(data) - {"name", "dark", *COLOURS})
    if unknown:
        raise ValueError(f"{unknown[0]}: not a theme setting (expected name, dark or one of {', '.join(COLOURS)})")
    name = data.get("name")
    if not isinstance(name, str) or not THEME_NAME.fullmatch(name):
        raise ValueError("name: 1-40 lower-case letters, digits or dashes, starting with a letter or digit")
    dark = data.get("dark", True)
    if not isinstance(dark, bool):
        raise ValueError("dark: true or false")
    if "primary" not in data:
        raise ValueError("primary: a colour is required")
    colours: dict[str, Any] = {}  # Theme's colour keywords (not all its keywords take text)
    for key in COLOURS:
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            raise ValueError(f"{key}: a colour such as '#336699'")
        try:
            Color.parse(value)
        except ColorParseError:
            raise ValueError(f"{key}: '{value}' is not a colour") from None
        colours[key] = value
    return Theme(name=name, dark=dark, **colours)


MAX_THEME_BYTES = 1 << 20  # the largest theme file carebench reads


def theme_folders() -> list[Path]:
    return [bundled("themes"), config_dir() / "themes"]


def read_theme(path: Path) -> Theme:
    """A Textual theme from one file; ValueError says what is wrong with it."""
    from ..app.inputs import UserError
    from ..app.settings import read_text

    try:
        data = tomllib.loads(read_text(path, MAX_THEME_BYTES, "a theme"))
    except UserError as exc:
        raise ValueError(str(exc).removeprefix(f"{path}: ")) from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"not valid TOML ({exc})") from None
    return theme_from(data)


def load_themes(folders: list[Path] | None = None) -> tuple[list[Theme], list[str]]:
    """Every readable theme (a user's file overrides a bundled one of the same name) and one line per broken file."""
    themes: dict[str, Theme] = {}
    problems: list[str] = []
    for folder in folders or theme_folders():
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            try:
                theme = read_theme(path)
            except ValueError as exc:
                problems.append(f"{path.name}: {exc}")
                continue
            themes[theme.name] = theme
    return list(themes.values()), problems


def remembered_theme() -> str | None:
    from ..app.settings import remembered

    return remembered("theme")


def remember_theme(name: str) -> None:
    """Keep the chosen theme in the user's private settings file."""
    from ..app.settings import remember

    remember("theme", name)
