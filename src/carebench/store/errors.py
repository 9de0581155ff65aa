"""The store's errors: problems a user can act on, each one plain line."""

from __future__ import annotations


class StoreError(Exception):
    """A problem a user can act on; the message is one plain line."""


class DatabaseBusy(StoreError):
    pass
