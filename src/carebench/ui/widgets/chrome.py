"""The lines around every screen: the screen tabs at the top, the keys at work at the bottom."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.widget import Widget

NARROW_WIDTH = 60
"""Below this many columns (a phone's browser) screens stack what stands side by side, and these lines wrap."""


class Tappable:
    """Spans of a widget's lines that do something when clicked or tapped: (line, start, end) -> what to do."""

    def __init__(self) -> None:
        self.spans: list[tuple[int, int, int, object]] = []

    def add(self, line: int, start: int, end: int, target: object) -> None:
        self.spans.append((line, start, end, target))

    def at(self, x: int, y: int) -> object | None:
        return next((target for line, start, end, target in self.spans if line == y and start <= x < end), None)


def wrap(parts: list[tuple[Text, object]], width: int, separator: str = " ") -> list[list[tuple[Text, object]]]:
    """``parts`` in lines of at most ``width`` cells, never breaking a part (one too wide has a line of its own)."""
    lines: list[list[tuple[Text, object]]] = [[]]
    used = 0
    for text, target in parts:
        needed = text.cell_len + (len(separator) if lines[-1] else 0)
        if lines[-1] and used + needed > width:
            lines.append([])
            used, needed = 0, text.cell_len
        lines[-1].append((text, target))
        used += needed
    return lines


class KeyBar(Widget):
    """The keys at work on the screen, on one line at the bottom, drawn as Textual's compact footer draws them.

    One widget instead of one per key: a screen shown again applies its styles to every widget
    it holds, and a footer of a dozen key widgets cost more than the rest of the screen.
    Help, quit and the command palette stand at the right end, so a narrow terminal crops the
    screen's own keys, never those; below NARROW_WIDTH columns the keys wrap onto more lines
    instead, so that each can be tapped. A click or tap on a key presses it.
    """

    # The keys shown at the right end at every width (by binding id), in this order, then the palette's.
    ALWAYS = ("app.keys", "app.quit")

    COMPONENT_CLASSES = {"keybar--key", "keybar--description"}
    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: auto; color: $footer-foreground; background: $footer-background; }
    KeyBar > .keybar--key { color: $footer-key-foreground; background: $footer-key-background; text-style: bold; }
    KeyBar > .keybar--description { color: $footer-description-foreground; background: $footer-description-background; }
    """

    _shown: object = None

    def __init__(self) -> None:
        super().__init__()
        self.tappable = Tappable()

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen) -> None:
        if self.keys() != self._shown:
            self.refresh(layout=self.size.width < NARROW_WIDTH)

    def keys(self) -> tuple[list[tuple[str, str, bool, str]], list[tuple[str, str, bool, str]]]:
        """(key shown, what it does, enabled, key pressed) of each action with a shown key, and of those at the right end."""
        shown, actions, always, palette = [], set(), {}, []
        for key, (_, binding, enabled, _tooltip) in self.screen.active_bindings.items():
            entry = (binding.key_display or self.app.get_key_display(binding), binding.description, enabled, key)
            if key == self.app.COMMAND_PALETTE_BINDING:
                palette = [entry]
            elif binding.id in self.ALWAYS:
                always[binding.id] = entry
            elif binding.show and binding.action not in actions:
                actions.add(binding.action)
                shown.append(entry)
        return shown, [always[name] for name in self.ALWAYS if name in always] + palette

    def _part(self, entry: tuple[str, str, bool, str]) -> Text:
        key, description, enabled, _ = entry
        text = Text.assemble(
            (key, self.get_component_rich_style("keybar--key")), " ", (description, self.get_component_rich_style("keybar--description"))
        )
        if not enabled:
            text.stylize("dim")
        return text

    def _lines(self, width: int) -> list[list[tuple[Text, object]]]:
        """Below NARROW_WIDTH: every key, wrapped (the right end's on the last lines)."""
        shown, right_end = self.keys()
        return wrap([(self._part(entry), entry[3]) for entry in shown + right_end], width)

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(self._lines(width)) if width < NARROW_WIDTH else 1

    def render(self) -> Text:
        self._shown = shown, right_end = self.keys()
        self.tappable = tappable = Tappable()
        width = self.size.width
        if width < NARROW_WIDTH:
            lines = []
            for row, parts in enumerate(self._lines(width)):
                line, at = Text(), 0
                for text, key in parts:
                    if line:
                        line.append(" ")
                        at += 1
                    tappable.add(row, at, at + text.cell_len, key)
                    line.append_text(text)
                    at += text.cell_len
                lines.append(line)
            return Text("\n").join(lines)
        # The screen's keys that fit whole before the right end (the others are in `?`), never one cut in two.
        start = max(0, width - sum(self._part(e).cell_len + 1 for e in right_end) - 1) if right_end else width
        line, at = Text(), 0
        for entry in shown:
            part = self._part(entry)
            if at + (1 if line else 0) + part.cell_len > start:
                break
            if line:
                line.append(" ")
                at += 1
            tappable.add(0, at, at + part.cell_len, entry[3])
            line.append_text(part)
            at += part.cell_len
        if right_end:
            right = Text.assemble(("▏", "dim"))
            line.truncate(start, pad=True)
            tappable.spans = [(r, a, min(b, start), k) for r, a, b, k in tappable.spans if a < start]
            at = start + 1
            for index, entry in enumerate(right_end):
                if index:
                    right.append(" ")
                    at += 1
                part = self._part(entry)
                tappable.add(0, at, at + part.cell_len, entry[3])
                right.append_text(part)
                at += part.cell_len
            right.append(" ")
            line.append_text(right)
        line.no_wrap, line.overflow = True, "crop"
        return line

    def on_click(self, event: events.Click) -> None:
        """A click or tap on a key presses it."""
        offset = event.get_content_offset(self)
        key = offset and self.tappable.at(offset.x, offset.y)
        if isinstance(key, str):
            event.stop()
            self.app.simulate_key(key)


class ScreenTabs(Widget):
    """The line of screens and their number keys, the current one highlighted, and the keys that work everywhere.

    The hint at the end gets shorter on a narrow terminal, and goes when even that does not fit.
    When the screens themselves do not fit on one line they wrap onto a second. A click or tap on
    a screen shows it; on a hint, does what its key does.
    """

    DEFAULT_CSS = "ScreenTabs { height: auto; background: $panel; padding: 0 1; }"
    HINTS = ("c client · ? keys · ctrl+p commands", "c client · ? keys", "c · ? · ^p")
    # What each hint's words do (the keys they name).
    HINT_KEYS = {"c client": "c", "? keys": "question_mark", "ctrl+p commands": "ctrl+p", "c": "c", "?": "question_mark", "^p": "ctrl+p"}

    def __init__(self, current: str) -> None:
        super().__init__()
        self.current = current
        self.tappable = Tappable()

    def _tabs(self) -> list[tuple[Text, object]]:
        from ..navigation import SCREENS

        return [
            (Text(f" {key} {label} ", style="reverse bold" if name == self.current else ""), ("screen", name))
            for name, (key, label, _) in SCREENS.items()
        ]

    def _lines(self, width: int) -> list[list[tuple[Text, object]]]:
        return wrap(self._tabs(), width)

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(self._lines(width))

    def render(self) -> Text:
        width = self.content_size.width
        self.tappable = tappable = Tappable()
        rows = []
        for row, parts in enumerate(self._lines(width)):
            line, at = Text(no_wrap=True, overflow="crop"), 0
            for text, target in parts:
                tappable.add(row, at, at + text.cell_len, target)
                line.append_text(text)
                line.append(" ")
                at += text.cell_len + 1
            rows.append((line, at))
        line, at = rows[-1]
        room = width - at
        hint = next((h for h in self.HINTS if len(h) + 2 <= room), None)
        if hint:
            line.append("  " + hint, style="dim")
            at += 2
            for index, words in enumerate(hint.split(" · ")):
                if index:
                    at += 3
                tappable.add(len(rows) - 1, at, at + len(words), ("key", self.HINT_KEYS[words]))
                at += len(words)
        return Text("\n", no_wrap=True, overflow="crop").join(line for line, _ in rows)

    def on_click(self, event: events.Click) -> None:
        """A click or tap on a screen's name shows it; on a hint, presses its key."""
        offset = event.get_content_offset(self)
        target = offset and self.tappable.at(offset.x, offset.y)
        if isinstance(target, tuple):
            event.stop()
            kind, what = target
            if kind == "screen":
                self.app.switch_mode(what)
            else:
                self.app.simulate_key(what)
