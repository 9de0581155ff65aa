"""The workbench's screens: their number keys and names, and how each is made when it is first shown."""

from __future__ import annotations

from importlib import import_module

from textual.screen import Screen

SCREENS = {
    "today": ("1", "Today", "today's touchpoints and action items"),
    "portfolio": ("2", "Portfolio", "every client's health at a glance"),
    "kpis": ("3", "KPIs", "the client's KPI dashboard"),
    "health": ("4", "Health", "the client's health breakdown"),
    "expansion": ("5", "Expansion", "the expansion pipeline"),
    "practice": ("6", "Practice", "practice outcomes across clients"),
}

# Each screen's module (under ui.screens) and class.
SCREEN_CLASSES = {
    "today": ("today", "TodayScreen"),
    "portfolio": ("portfolio", "PortfolioScreen"),
    "kpis": ("kpis", "KpiScreen"),
    "health": ("health", "HealthScreen"),
    "expansion": ("expansion", "ExpansionScreen"),
    "practice": ("practice", "PracticeScreen"),
}
# What the other screens' first loads import besides their modules: the core's models and rules (pydantic with them),
# the practice view, and the KPI charts' plotext (about 30 ms).
FIRST_LOADS = (
    "carebench.core.models",
    "carebench.core.health",
    "carebench.core.kpis",
    "carebench.core.finance",
    "carebench.core.support",
    "carebench.core.pipeline",
    "carebench.core.practice",
    "carebench.core.triage",
    "carebench.core.alerts",
    "carebench.app.checkin",
    "carebench.app.practice",
    "carebench.ui.screens.checkin",
    "textual_plotext",
)


def screen_class(name: str) -> type[Screen]:
    module, cls = SCREEN_CLASSES[name]
    return getattr(import_module(f"carebench.ui.screens.{module}"), cls)


def warm_up() -> None:
    """Import what every screen needs (run in a worker once Today is painted): a first visit then pays for its data only."""
    for name in SCREEN_CLASSES:
        screen_class(name)
    for module in FIRST_LOADS:
        import_module(module)


def make_screen(name: str) -> Screen:
    """A new screen ``name``, not shown yet."""
    return screen_class(name)()
