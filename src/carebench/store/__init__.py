"""Persistence: the SQLite database behind a team's portfolio."""

from typing import TYPE_CHECKING

from .errors import DatabaseBusy, StoreError

if TYPE_CHECKING:
    from .db import current_login
    from .store import ALL_PARTS, SCHEDULE_PARTS, Store

__all__ = ["ALL_PARTS", "SCHEDULE_PARTS", "DatabaseBusy", "Store", "StoreError", "current_login"]


def __getattr__(name: str) -> object:
    # The store and its connection code load on first use: `from carebench.store import StoreError` stays cheap.
    if name in ("ALL_PARTS", "SCHEDULE_PARTS", "Store"):
        from . import store

        return getattr(store, name)
    if name == "current_login":
        from .db import current_login

        return current_login
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
