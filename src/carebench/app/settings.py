"""The user's settings: the `carebench check` thresholds in config.toml."""

from __future__ import annotations

import tomllib
from pathlib import Path

from ..core.alerts import DEFAULT_SETTINGS, CheckSettings, settings_from
from .inputs import UserError

MAX_CONFIG_BYTES = 1 << 20  # the largest config.toml carebench reads


def config_path() -> Path:
    from .paths import config_dir

    return config_dir() / "config.toml"


def load_settings(path: Path | None = None) -> CheckSettings:
    """The [check] table of the user's config.toml (defaults when the file or the table is absent)."""
    from ..store.files import read_capped

    path = path or config_path()
    if not path.exists():
        return DEFAULT_SETTINGS
    try:
        text = read_capped(path, MAX_CONFIG_BYTES, "a settings file").decode("utf-8")
    except UnicodeDecodeError:
        raise UserError(f"{path}: not a UTF-8 text file") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{path}: not valid TOML ({exc})") from None
    try:
        return settings_from(data.get("check", {}))
    except ValueError as exc:
        raise UserError(f"{path}: [check] {exc}") from None
