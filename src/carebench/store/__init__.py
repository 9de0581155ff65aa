"""Persistence: the SQLite database behind a team's portfolio."""

from .db import DatabaseBusy, StoreError, current_login
from .store import ALL_PARTS, SCHEDULE_PARTS, Store

__all__ = ["ALL_PARTS", "SCHEDULE_PARTS", "DatabaseBusy", "Store", "StoreError", "current_login"]
