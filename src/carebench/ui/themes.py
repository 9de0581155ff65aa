"""Themes: TOML files (bundled, then the user's own folder) -> validated model -> Textual theme."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from textual.color import Color, ColorParseError
from textual.theme import Theme

from ..app.paths import bundled, config_dir


class ThemeFile(BaseModel):
    """One theme file: a name and the colours Textual derives the rest from."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")
    dark: bool = True
    primary: str
    secondary: str | None = None
    accent: str | None = None
    foreground: str | None = None
    background: str | None = None
    surface: str | None = None
    panel: str | None = None
    boost: str | None = None
    warning: str | None = None
    error: str | None = None
    success: str | None = None

    @field_validator("primary", "secondary", "accent", "foreground", "background", "surface", "panel", "boost",
                     "warning", "error", "success")
    @classmethod
    def _colour(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                Color.parse(value)
            except ColorParseError:
                raise ValueError(f"'{value}' is not a colour") from None
        return value


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
    try:
        spec = ThemeFile.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        raise ValueError(f"{'.'.join(map(str, error['loc']))}: {error['msg'].removeprefix('Value error, ')}") from None
    return Theme(**spec.model_dump())


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
