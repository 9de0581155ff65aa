"""The workbench's kept read-only connections: both opened together at the first read, each read by one thread."""

from __future__ import annotations

import sqlite3
import threading
from datetime import date

import pytest

from carebench.app import queries
from carebench.app.session import Session, SharedReader
from carebench.store import Store

DAY = date(2026, 6, 15)


def test_a_read_ahead_and_a_screens_read_go_through_two_connections_opened_together(demo_db):
    reader = SharedReader()
    session = Session(demo_db, DAY, shared=reader)
    with session.reading() as store:
        assert reader.store is store and reader.ahead is not None and reader.wal is not None
    held, release = threading.Event(), threading.Event()

    def read_ahead() -> None:
        with Session(demo_db, DAY, shared=reader, ahead=True).reading() as store:
            assert store is reader.ahead
            held.set()
            release.wait(10)

    thread = threading.Thread(target=read_ahead)
    thread.start()
    names: list = []
    screens_read = threading.Thread(target=lambda: names.append(queries.client_names(session)))
    try:
        assert held.wait(10)
        screens_read.start()
        screens_read.join(5)
        assert names and names[0]  # read while the read ahead still holds its connection
    finally:
        release.set()
        thread.join()
        if screens_read.is_alive():
            screens_read.join()
    reader.close()
    assert reader.store is None and reader.ahead is None


def test_a_second_connection_that_cannot_open_closes_the_first(demo_db):
    reader = SharedReader()
    opened: list[Store] = []

    def open_store() -> Store:
        if opened:
            raise OSError("too many open files")
        opened.append(Store(demo_db, readonly=True, today=DAY))
        return opened[0]

    with pytest.raises(OSError, match="too many open files"):
        reader.opened(open_store, demo_db)
    assert reader.store is None and reader.ahead is None
    with pytest.raises(sqlite3.ProgrammingError):
        opened[0].conn.execute("SELECT 1")  # closed, not left open
    assert reader.opened(lambda: Store(demo_db, readonly=True, today=DAY), demo_db)  # a later read opens both
    reader.close()
