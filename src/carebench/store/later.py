"""Modules imported when first used, so that commands and screens that never need them start faster."""

from __future__ import annotations

import importlib
from types import ModuleType


class Later:
    """Stands for the module ``name``: the first attribute asked for imports it, and later ones are plain lookups.

    The store reads most of what screens show as plain rows; the core's models (and pydantic
    with them) are only needed by writes and by reads that build models.
    """

    def __init__(self, name: str) -> None:
        self.__dict__["_name"] = name

    def __getattr__(self, attribute: str):
        module: ModuleType = importlib.import_module(self.__dict__["_name"])
        self.__dict__.update(vars(module))
        return getattr(module, attribute)
