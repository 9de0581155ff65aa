"""The user's settings: the `carebench check` thresholds and the name reports are signed with in config.toml,
and what the workbench remembers."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .inputs import UserError

if TYPE_CHECKING:
    from ..core.alerts import CheckSettings

MAX_CONFIG_BYTES = 1 << 20  # the largest config.toml carebench reads


def config_path() -> Path:
    from .paths import config_dir

    return config_dir() / "config.toml"


def read_text(path: Path, limit: int, what: str) -> str:
    """A small UTF-8 text file of the user's (``what``: "a theme"), read without following a link and up to ``limit`` bytes.

    UserError says what is wrong with it, in one line.
    """
    from ..store.errors import StoreError
    from ..store.files import read_capped

    try:
        return read_capped(path, limit, what).decode("utf-8")
    except StoreError as exc:
        raise UserError(str(exc)) from None
    except UnicodeDecodeError:
        raise UserError(f"{path}: not a UTF-8 text file") from None


def _config(path: Path) -> dict[str, Any]:
    """The user's config.toml read whole ({} when there is none)."""
    if not path.exists():
        return {}
    text = read_text(path, MAX_CONFIG_BYTES, "a settings file")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{path}: not valid TOML ({exc})") from None


def load_settings(path: Path | None = None) -> CheckSettings:
    """The [check] table of the user's config.toml (defaults when the file or the table is absent)."""
    from ..core.alerts import DEFAULT_SETTINGS, settings_from

    path = path or config_path()
    data = _config(path)
    if not data:
        return DEFAULT_SETTINGS
    try:
        return settings_from(data.get("check", {}))
    except ValueError as exc:
        raise UserError(f"{path}: [check] {exc}") from None


MAX_NAME = 120


def full_name(login: str) -> str:
    """A login's full name from the password database (the first field of its GECOS), else the login itself."""
    import pwd

    try:
        gecos = pwd.getpwnam(login).pw_gecos
    except KeyError:
        return login
    return gecos.split(",")[0].strip() or login


def display_name(path: Path | None = None) -> str:
    """The name the user signs reports with: ``[profile] display_name`` of config.toml, else their full name
    from the password database, else their login."""
    import os
    import pwd

    path = path or config_path()
    profile = _config(path).get("profile", {})
    name = profile.get("display_name") if isinstance(profile, dict) else None
    if name is not None:
        if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME or not name.isprintable():
            raise UserError(f"{path}: [profile] display_name must be a name on one line of at most {MAX_NAME} characters")
        return name.strip()
    entry = pwd.getpwuid(os.getuid())
    return entry.pw_gecos.split(",")[0].strip() or entry.pw_name


# ----- what the workbench remembers for its user (settings.json, owner-only) ----------------------


def _remembered_path() -> Path:
    from .paths import config_dir

    return config_dir() / "settings.json"


def remembered(key: str) -> str | None:
    """What the workbench last kept under ``key`` for this user (None when nothing or unreadable)."""
    import json

    try:
        found = json.loads(_remembered_path().read_text(encoding="utf-8")).get(key)
    except (OSError, ValueError, AttributeError):
        return None
    return found if isinstance(found, str) else None


def remember(key: str, value: str) -> None:
    """Keep ``value`` under ``key`` in the user's private settings file (a read-only home only costs the choice)."""
    import json

    from ..store.files import FileRefused, write_file

    path = _remembered_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            settings = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(settings, dict):
                settings = {}
        except (OSError, ValueError):
            settings = {}
        settings[key] = value
        write_file(path, json.dumps(settings))  # a new owner-only file renamed over the old one
    except (OSError, FileRefused):
        pass
