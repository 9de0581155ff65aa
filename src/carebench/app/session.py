"""One user's carebench on one database: who they are, the day they plan for, the rules in force.

Commands and queries take a ``Session``; it opens the store for them (read-only for
queries), so nothing above the application layer touches the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from ..core.rules import Rules
    from ..store import Store


def _real_login() -> str:
    from ..store.db import current_login

    return current_login()


def _default_rules() -> Rules:
    from ..views import DEFAULT_RULES

    return DEFAULT_RULES


@dataclass
class Session:
    """The database, the planning day and the rules; ``actor`` is the real user (tests may name another)."""

    db_path: Path
    today: date = field(default_factory=date.today)
    rules: Rules = field(default_factory=_default_rules)
    actor: str = field(default_factory=_real_login)
    on_wait: Callable[[float], None] | None = None
    create: bool = False

    def writing(self) -> Store:
        """The store for one command, opened for writing (created when the session may create it)."""
        from ..store import Store

        return Store(self.db_path, actor=self.actor, create=self.create, on_wait=self.on_wait)

    def reading(self) -> Store:
        """The store for one query, opened read-only: it never takes the write lock."""
        from ..store import Store

        return Store(self.db_path, actor=self.actor, readonly=True)
