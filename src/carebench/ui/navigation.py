"""The workbench's screens: their number keys and names, and how each is made when it is first shown."""

from __future__ import annotations

from textual._context import active_app
from textual.screen import Screen

SCREENS = {
    "today": ("1", "Today", "today's touchpoints and action items"),
    "portfolio": ("2", "Portfolio", "every client's health at a glance"),
    "kpis": ("3", "KPIs", "the client's KPI dashboard"),
    "health": ("4", "Health", "the client's health breakdown"),
    "expansion": ("5", "Expansion", "the expansion pipeline"),
    "practice": ("6", "Practice", "practice outcomes across clients"),
}



def screen_loader(name: str):
    """Screens are imported when first shown, so start-up only pays for Today."""

    def build() -> Screen:
        if name == "today":
            from .screens.today import TodayScreen as cls
        elif name == "portfolio":
            from .screens.portfolio import PortfolioScreen as cls
        elif name == "kpis":
            from .screens.kpis import KpiScreen as cls
        elif name == "health":
            from .screens.health import HealthScreen as cls
        elif name == "expansion":
            from .screens.expansion import ExpansionScreen as cls
        else:
            from .screens.practice import PracticeScreen as cls
        screen = cls()
        # Made now, it is styled by the stylesheet as it stands, the theme included. Unmarked,
        # Textual would parse and apply the whole stylesheet again for it on its first two
        # visits (0.05-0.1 s each).
        screen._css_update_count = active_app.get()._css_update_count
        return screen

    return build


