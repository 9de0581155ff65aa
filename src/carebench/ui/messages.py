"""App-wide messages, named for what happened."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message


@dataclass
class DataLoaded(Message):
    """A screen's data arrived from a worker thread; ``token`` says which request it answers.

    ``loaded_for`` names the database version and settings it was loaded for.
    """

    data: Any
    token: int
    loaded_for: tuple = ()


@dataclass
class StillCurrent(Message):
    """A screen shown again asked whether its data is still current, and it is."""

    token: int


@dataclass
class LoadFailed(Message):
    """A worker could not read or write; ``error`` is one line for the user."""

    error: str
    title: str = "Could not load"


@dataclass
class WriteDone(Message):
    """A write from the UI was committed; ``summary`` says what changed."""

    summary: str


@dataclass
class DatabaseChanged(Message):
    """Another process (or this one) changed the database since we last looked."""


@dataclass
class ClientChosen(Message):
    """The client that the KPI, Health and Expansion screens show has changed."""

    client: str
