"""Where carebench keeps things: the database, the user's config and state folders."""

from __future__ import annotations

import os
from pathlib import Path

APP = "carebench"


def _private_dir(path: Path) -> Path:
    """Create ``path`` (owner-only) if needed and return it."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def data_dir() -> Path:
    from platformdirs import user_data_dir

    return _private_dir(Path(user_data_dir(APP, appauthor=False)))


def config_dir() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP, appauthor=False))


def state_dir() -> Path:
    from platformdirs import user_state_dir

    return _private_dir(Path(user_state_dir(APP, appauthor=False)))


def default_db_path() -> Path:
    """``$CAREBENCH_DB`` when set, else ``portfolio.db`` in the user's data folder."""
    env = os.environ.get("CAREBENCH_DB")
    if env:
        return Path(env).expanduser()
    return data_dir() / "portfolio.db"


def demo_db_path() -> Path:
    return data_dir() / "demo.db"


def bundled(name: str) -> Path:
    """A folder shipped with carebench (``sample_data`` or ``themes``).

    The wheel carries both inside the package; a source checkout installed for
    development has them at the top of the checkout, where the design puts them.
    """
    from importlib import resources

    package = Path(str(resources.files("carebench")))
    for candidate in (package / name, package.parent.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"carebench's {name} folder is missing from this installation")
