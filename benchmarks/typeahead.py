"""What handing over one key at a time costs (carebench.ui.typeahead): a plain Textual app against one that waits
for each key to be dealt with before the next, in one process, headless.

`python benchmarks/typeahead.py [--keys 2000] [--repeat 3]`

For each app, a text field nested as deep as the workbench's form fields (a modal screen, a scrolling body, a grid):
- burst: ``--keys`` characters posted at once, as one read from a fast terminal hands them over, until the last is
  in the field (per key);
- single: one key at a time, each posted once the one before is in the field (per key).
Medians of the repeats, and the ratio of the two apps in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
from time import perf_counter

from textual import events
from textual.app import App, ComposeResult
from textual.containers import Grid, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from carebench.ui.typeahead import KeysInOrder


class Body(VerticalScroll, can_focus=False):
    """As the workbench's form body: it scrolls, the field takes the focus."""


class Form(ModalScreen):
    def compose(self) -> ComposeResult:
        with Body(), Grid():
            yield Label("Name")
            yield Input(id="field")


def app_of(base: type[App]) -> App:
    class Measured(base):  # type: ignore[valid-type, misc]
        def on_mount(self) -> None:
            self.push_screen(Form())

    return Measured()


async def per_key(base: type[App], keys: int, burst: bool) -> float:
    """Microseconds per key typed into the field."""
    app = app_of(base)
    async with app.run_test() as pilot:
        await pilot.pause()
        field = app.screen.query_one("#field", Input)
        assert app.focused is field, app.focused
        started = perf_counter()
        for typed in range(1, keys + 1):
            app.post_message(events.Key("x", "x"))
            while not burst and len(field.value) < typed:
                await asyncio.sleep(0)
        while len(field.value) < keys:
            await asyncio.sleep(0.001)
        return (perf_counter() - started) / keys * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keys", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    results = {}
    for way, burst in (("burst", True), ("single", False)):
        for base in (App, KeysInOrder):
            times = [asyncio.run(per_key(base, args.keys if burst else args.keys // 4, burst)) for _ in range(args.repeat)]
            results[way, base.__name__] = statistics.median(times)
    print("| keys | Textual's App | KeysInOrder | ratio |")
    print("|---|---|---|---|")
    for way in ("burst", "single"):
        plain, ordered = results[way, "App"], results[way, "KeysInOrder"]
        print(f"| {way} | {plain:.0f} µs | {ordered:.0f} µs | {ordered / plain:.2f}× |")


if __name__ == "__main__":
    main()
