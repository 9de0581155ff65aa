"""The rollout panel of the operational dashboard: the adoption share and each wave of the scaling phase's rollout."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from ...app.inputs import inert
from ...app.present import adoption_text, percent
from ...core.rollout import WAVE_STATE_LABEL

if TYPE_CHECKING:
    from ...app.readmodels import Rollout

# A wave's line fits an 80-column terminal: the panel leaves it 74 columns beside the dashboard's scroll bar.
NAME_WIDTH = 18


class AdoptionPanel(Static):
    """The adoption share across the client's rollout waves, then one line per wave: counts, share, planned day, state."""

    DEFAULT_CSS = """
    AdoptionPanel { height: auto; }
    """

    def show(self, rollout: Rollout | None) -> None:
        colours = self.app.theme_variables
        text = Text.assemble(("Rollout adoption", "bold"), "\n")
        if rollout is None or not rollout.waves:
            text.append("no rollout waves yet · carebench rollout CLIENT add NAME --planned N", style="dim")
            self.update(text)
            return
        text.append(inert(adoption_text(rollout.to_json())))
        state_style = {"complete": colours.get("success", ""), "late": colours.get("error", ""), "not_sized": "dim"}
        for wave in rollout.waves:
            name = inert(wave.name)
            name = name if len(name) <= NAME_WIDTH else name[: NAME_WIDTH - 1] + "…"
            planned = "–" if wave.planned is None else f"{wave.planned:,}"
            text.append(f"\n{wave.number:>2} {name:<{NAME_WIDTH}} {wave.live:>6,} of {planned:<6} {percent(wave.share):>6} ")
            text.append(f"{WAVE_STATE_LABEL[wave.state]:<11}", style=state_style.get(wave.state, ""))
            if wave.planned_date is not None:
                text.append(f" for {wave.planned_date}", style="dim")
        self.update(text)
