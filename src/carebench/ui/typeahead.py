"""Keys typed ahead land where the keys before them would have put the cursor.

Textual hands each key from the terminal to the widget in focus at the moment the app reads it, while what the
key does (a tab moving to the next field, ``n`` opening a form) happens later, once the key has bubbled up to the
screen's bindings. Keys that come in one read, as they do when someone types fast or over a slow SSH link, would
all go to the widget that had the focus before the first of them: ``8<tab>7`` put "87" in the first field of a
form, and a name typed right after the key that opens a form went to the screen behind it.

So the app hands over one key at a time. It follows each key from the widget it went to through every node it
can bubble to, then lets the screen in front (perhaps one the key just opened) finish what it had queued, such as
mounting and taking the focus, and only then hands over the next key. Something that opens after loading (a form
that reads its defaults, a check-in reading its client) holds the keys typed meanwhile until it can take them
(``hold_keys``), however long that takes; escape meanwhile gives up on it: the keys typed for it are dropped,
what asked for the hold is told (``on_escape``), and the keys after escape go on at once. A key that never comes
back (its widget was removed on the way) holds the rest for no longer than ``STALL_S``. A key is followed once the
next one comes, or ``FOLLOW_AFTER_S`` after it was handed over: a key typed alone is painted first, its followers
after.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable

from textual import events
from textual.app import App
from textual.dom import DOMNode

STALL_S = 1.0
# A key is followed this long after it was handed over, or at once when the next key comes: a key typed alone is
# painted before its followers' messages pass through the screen's queue.
FOLLOW_AFTER_S = 0.02


class KeysInOrder(App):
    """An app that hands over each key typed only once the key before it has been dealt with."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._typed: deque[events.Key] = deque()  # keys read from the terminal and not handed over yet
        self._on_its_way: events.Key | None = None
        self._from: DOMNode | None = None  # the node where following the key on its way starts, until it does
        self._holds: dict[object, Callable[[], object] | None] = {}  # each hold's on_escape, until it is released
        self._then: list[Callable[[], object]] = []  # to call once every key read has been dealt with

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            self._typed.append(event)
            self._start_following()
            await self._hand_over()
            return
        await super().on_event(event)

    def hold_keys(self, on_escape: Callable[[], object] | None) -> Callable[[], None]:
        """Keep the keys typed from now on until the function returned is called (on the UI thread), once what
        is opening can take them; escape before then calls ``on_escape`` instead (see _give_up_holds). A hold
        with no ``on_escape`` (one that always ends soon) keeps the escape in its place among the keys."""
        token = object()
        self._holds[token] = on_escape

        def release() -> None:
            if token in self._holds:
                del self._holds[token]
                self._after_screen(self._hand_over)

        return release

    def _give_up_holds(self) -> None:
        """Escape typed while something opens: the keys typed for it (up to the escape) go, it is told to give
        up, and the keys after the escape go on."""
        given_up = [on_escape for on_escape in self._holds.values() if on_escape]
        self._holds = {token: on_escape for token, on_escape in self._holds.items() if not on_escape}
        while self._typed.popleft().key != "escape":
            pass
        for on_escape in given_up:
            on_escape()
        self._after_screen(self._hand_over)

    def after_keys(self, then: Callable[[], object]) -> None:
        """Call ``then`` once every key read from the terminal so far has been dealt with (at once when none is
        waiting), holds or not: the session is ending, and what was typed goes with what it keeps."""
        if self._on_its_way is None and not self._typed:
            then()
            return
        self._then.append(then)
        if self._on_its_way is None:
            self.call_later(self._hand_over)
        self._start_following()

    async def _hand_over(self) -> None:
        if any(self._holds.values()) and any(key.key == "escape" for key in self._typed):
            self._give_up_holds()
            return
        if self._on_its_way is not None or (self._holds and not self._then):
            return
        if not self._typed:
            while self._then:
                self._then.pop(0)()
            return
        if not self.screen_stack:  # closing down: nothing left to type into
            self._typed.clear()
            return
        key = self._on_its_way = self._typed.popleft()
        target = self.focused or self.screen
        await super().on_event(key)  # a priority binding, or on to the widget in focus
        self._from = target if key.is_forwarded else self
        loop = asyncio.get_running_loop()
        loop.call_later(FOLLOW_AFTER_S, self._start_following, key)
        loop.call_later(STALL_S, self._done, key)
        if self._typed or self._then:
            self._start_following()

    def _start_following(self, key: events.Key | None = None) -> None:
        """Follow the key on its way (if it is ``key``, when given), unless that has begun. Whenever it begins, it
        is right: each node's marker is posted after the node has passed the key on."""
        if self._from is not None and key in (None, self._on_its_way):
            node, self._from = self._from, None
            assert self._on_its_way is not None
            self._follow(self._on_its_way, node)

    def _follow(self, key: events.Key, node: DOMNode | None) -> None:
        """Wait for ``node`` to deal with ``key``, then for the node it bubbles to; past the app, for the screen."""
        if key is not self._on_its_way:
            return  # given up on: it stalled
        if node is None or node is self:
            self._after_screen(lambda: self._done(key))
        elif not node.call_later(self._follow, key, node.parent):
            self._follow(key, node.parent)  # the node is closing: it will not pass the key on

    def _after_screen(self, then: Callable[[], object]) -> None:
        """Call ``then`` on the app once the screen in front has dealt with what it had queued."""
        if not self.screen_stack or not self.screen.call_later(self.call_later, then):
            self.call_later(then)

    def _done(self, key: events.Key) -> None:
        """``key`` has been dealt with (or stalled): on to the next one."""
        if key is self._on_its_way:
            self._on_its_way = self._from = None
            self.call_later(self._hand_over)
