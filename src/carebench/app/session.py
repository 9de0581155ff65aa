"""One user's carebench on one database: who they are, the day they plan for, the rules in force.

Commands and queries take a ``Session``; it opens the store for them (read-only for
queries), so nothing above the application layer touches the store.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..core.rules import Rules
    from ..store import Store


def _real_login() -> str:
    from ..store.db import current_login

    return current_login()


class LoadedRules:
    """The rules a session works under, once read from its database (shared by the session's copies for other days)."""

    def __init__(self) -> None:
        self.rules: Rules | None = None


def wal_identity(db_path: Path) -> tuple[int, int] | None:
    """The database's -wal file as (device, inode), or None when there is none."""
    try:
        st = os.stat(f"{db_path}-wal")
    except FileNotFoundError:
        return None
    return st.st_dev, st.st_ino


class SharedReader:
    """The read-only connections kept open for a long-running program (the workbench): one for what its screens
    load, one for what it reads ahead (see Session.ahead), so that a screen's own read never waits behind a read
    ahead; each is used by one thread at a time.

    Both are opened together, by the first read, and that read notes the database's -wal file: a -wal removed or
    replaced under an open connection takes with it whatever is written afterwards, so ``files_problem`` says so
    and the program's writes are refused from then on (a connection opened after that would make a new -wal and
    hide it).
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()  # held by a read through ``store``
        self.ahead_lock = threading.Lock()  # held by a read through ``ahead``
        self._opening = threading.Lock()
        self.store: Store | None = None
        self.ahead: Store | None = None
        self.wal: tuple[int, int] | None = None

    def opened(self, open_store: Callable[[], Store], db_path: Path) -> bool:
        """Open both connections with ``open_store`` unless they are open; True when they were opened now."""
        with self._opening:
            if self.store is not None:
                return False
            store = open_store()
            try:
                ahead = open_store()
            except BaseException:
                store.close()
                raise
            self.store, self.ahead, self.wal = store, ahead, wal_identity(db_path)
            return True

    def files_problem(self, db_path: Path) -> str | None:
        """Why writing now would lose data (the -wal went away or was replaced), or None."""
        if self.wal is None or wal_identity(db_path) == self.wal:
            return None
        return (
            f"{Path(db_path).name}-wal was removed or replaced while carebench had the database open; what is "
            "written now could be lost, so nothing more is saved. Quit every carebench on this database and "
            "run `carebench doctor`"
        )

    def close(self) -> None:
        with self.lock, self.ahead_lock, self._opening:
            for store in (self.store, self.ahead):
                if store is not None:
                    store.close()
            self.store = self.ahead = None


@dataclass(frozen=True)
class Session:
    """The database, the planning day and the rules; ``actor`` is the real user (tests may name another).

    The rules are those the database stores for its team, read once per session (the first
    store opened reads them; ``rules`` opens one when none was); ``given_rules`` replaces
    them (tests). ``shared`` (the workbench) keeps one read-only connection open across
    queries instead of opening one per query.
    """

    db_path: Path
    today: date = field(default_factory=date.today)
    given_rules: Rules | None = None
    actor: str = field(default_factory=_real_login)
    on_wait: Callable[[float], None] | None = None
    create: bool = False
    patience: float | None = None  # how long a write waits for another user's lock (None: the store's minute)
    shared: SharedReader | None = None
    ahead: bool = False  # with ``shared``: read through its connection kept for reads ahead
    on_progress: Callable[[int, int], None] | None = None  # follows a rebuild of the derived rows: (clients done, clients)
    loaded: LoadedRules = field(default_factory=LoadedRules, compare=False, repr=False)

    @property
    def rules(self) -> Rules:
        """The rules in force: given, else the database's (read with the first store this session opens)."""
        if self.given_rules is not None:
            return self.given_rules
        if self.loaded.rules is None:
            with self.reading():
                pass
        assert self.loaded.rules is not None
        return self.loaded.rules

    def _noted(self, store: Store) -> Store:
        if self.given_rules is None:
            self.loaded.rules = store.rules
        return store

    def on(self, day: date) -> Session:
        """The same session planning for another day."""
        return replace(self, today=day)

    def writing(self, bring_current: bool = True) -> Store:
        """The store for one command, opened for writing (created when the session may create it).

        ``bring_current`` False: the derived rows are not brought up to date first (the write remakes them all).
        """
        from ..store import Store

        if self.shared is not None and (problem := self.shared.files_problem(self.db_path)):
            from .inputs import UserError

            raise UserError(problem)

        store = Store(
            self.db_path,
            actor=self.actor,
            create=self.create,
            on_wait=self.on_wait,
            rules=self.given_rules,
            today=self.today,
            patience=self.patience,
            on_progress=self.on_progress,
            bring_current=bring_current,
        )
        return self._noted(store)

    @contextmanager
    def reading(self) -> Iterator[Store]:
        """The store for one query, opened read-only: it never takes the write lock."""
        from ..store import Store

        if self.shared is None:
            with Store(
                self.db_path, actor=self.actor, readonly=True, rules=self.given_rules, today=self.today, on_progress=self.on_progress
            ) as store:
                yield self._noted(store)
            return
        shared = self.shared
        with shared.ahead_lock if self.ahead else shared.lock:
            fresh = shared.opened(
                lambda: Store(self.db_path, actor=self.actor, readonly=True, rules=self.given_rules, today=self.today, on_progress=self.on_progress),
                self.db_path,
            )
            kept = shared.ahead if self.ahead else shared.store
            assert kept is not None
            if not fresh:
                kept.fit(self.today)  # a later planning day may need the horizon moved on
            yield self._noted(kept)
