"""The lines around every screen: the screen tabs at the top, the keys at work at the bottom."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget


class KeyBar(Widget):
    """The keys at work on the screen, on one line at the bottom, drawn as Textual's compact footer draws them.

    One widget instead of one per key: a screen shown again applies its styles to every widget
    it holds, and a footer of a dozen key widgets cost more than the rest of the screen.
    Help, quit and the command palette stand at the right end, so a narrow terminal crops the
    screen's own keys, never those.
    """

    # The keys shown at the right end at every width (by binding id), in this order, then the palette's.
    ALWAYS = ("app.keys", "app.quit")

    COMPONENT_CLASSES = {"keybar--key", "keybar--description"}
    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: 1; color: $footer-foreground; background: $footer-background; }
    KeyBar > .keybar--key { color: $footer-key-foreground; background: $footer-key-background; text-style: bold; }
    KeyBar > .keybar--description { color: $footer-description-foreground; background: $footer-description-background; }
    """

    _shown: object = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen) -> None:
        if self.keys() != self._shown:
            self.refresh()

    def keys(self) -> tuple[list[tuple[str, str, bool]], list[tuple[str, str, bool]]]:
        """(key, what it does, enabled) of each action with a shown key, and of those at the right end."""
        shown, actions, always, palette = [], set(), {}, []
        for key, (_, binding, enabled, _tooltip) in self.screen.active_bindings.items():
            entry = (binding.key_display or self.app.get_key_display(binding), binding.description, enabled)
            if key == self.app.COMMAND_PALETTE_BINDING:
                palette = [entry]
            elif binding.id in self.ALWAYS:
                always[binding.id] = entry
            elif binding.show and binding.action not in actions:
                actions.add(binding.action)
                shown.append(entry)
        return shown, [always[name] for name in self.ALWAYS if name in always] + palette

    def render(self) -> Text:
        self._shown = shown, right_end = self.keys()
        key_style = self.get_component_rich_style("keybar--key")
        description_style = self.get_component_rich_style("keybar--description")

        def part(entry: tuple[str, str, bool]) -> Text:
            key, description, enabled = entry
            text = Text.assemble((key, key_style), " ", (description, description_style))
            if not enabled:
                text.stylize("dim")
            return text

        line = Text(" ").join(part(entry) for entry in shown)
        if right_end:
            right = Text.assemble(("▏", "dim"), Text(" ").join(part(entry) for entry in right_end), " ")
            line.truncate(max(0, self.size.width - right.cell_len), pad=True)
            line.append_text(right)
        line.no_wrap, line.overflow = True, "crop"
        return line


class ScreenTabs(Widget):
    """The line of screens and their number keys, the current one highlighted, and the keys that work everywhere.

    The hint at the end gets shorter on a narrow terminal, and goes when even that does not fit.
    """

    DEFAULT_CSS = "ScreenTabs { height: 1; background: $panel; padding: 0 1; }"
    HINTS = ("c client · ? keys · ctrl+p commands", "c client · ? keys", "c · ? · ^p")

    def __init__(self, current: str) -> None:
        super().__init__()
        self.current = current

    def render(self) -> Text:
        from ..navigation import SCREENS

        line = Text(no_wrap=True, overflow="crop")
        for name, (key, label, _) in SCREENS.items():
            line.append(f" {key} {label} ", style="reverse bold" if name == self.current else "")
            line.append(" ")
        room = self.content_size.width - line.cell_len
        hint = next((h for h in self.HINTS if len(h) + 2 <= room), None)
        if hint:
            line.append("  " + hint, style="dim")
        return line
