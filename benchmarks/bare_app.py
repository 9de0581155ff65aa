"""The floors for the workbench measurements: a bare Textual app.

`python bare_app.py`          one Label; `x` changes its text (first paint and key-to-paint floor).
`python bare_app.py --modes`  two screens (modes) of one Label each; `1` / `2` switch between them
                              (what Textual itself takes to switch screens, for context).
"""

import sys

from textual.app import App
from textual.screen import Screen
from textual.widgets import Label


class BareApp(App):
    BINDINGS = [("x", "press", "Press"), ("q", "quit", "Quit")]

    def __init__(self) -> None:
        super().__init__()
        self.presses = 0

    def compose(self):
        yield Label("bare app ready", id="label")

    def action_press(self) -> None:
        self.presses += 1
        self.query_one(Label).update(f"bare app pressed {self.presses}")


class OneLabel(Screen):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self):
        yield Label(self.text)


class BareModesApp(App):
    MODES = {"one": lambda: OneLabel("bare screen one"), "two": lambda: OneLabel("bare screen two")}
    BINDINGS = [("1", "switch_mode('one')", "One"), ("2", "switch_mode('two')", "Two"), ("q", "quit", "Quit")]

    def on_mount(self) -> None:
        self.switch_mode("one")


if __name__ == "__main__":
    (BareModesApp() if "--modes" in sys.argv else BareApp()).run()
