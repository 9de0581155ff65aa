"""A real headless Chromium driven through the DevTools protocol, for the tests of `carebench serve`.

The page draws the terminal on a canvas, so what it shows is read from what it was sent: a
script added before the page's own records every websocket frame both ways, and ``Screen``
replays the frames it received as a terminal would (cursor moves, text, erasing).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import aiohttp

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-port=0",
)

# Before the page's scripts: keep every frame the page's websocket receives (binary: the terminal) and sends.
RECORDER = """
(() => {
  window.__received = [];
  window.__sent = [];
  const Original = window.WebSocket;
  window.WebSocket = function (url, protocols) {
    const socket = protocols === undefined ? new Original(url) : new Original(url, protocols);
    socket.addEventListener("message", (event) => {
      if (typeof event.data !== "string") {
        const bytes = new Uint8Array(event.data);
        let text = "";
        for (let i = 0; i < bytes.length; i += 8192) text += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192));
        window.__received.push(btoa(text));
      }
    });
    const send = socket.send.bind(socket);
    socket.send = (data) => { window.__sent.push(String(data)); return send(data); };
    return socket;
  };
  window.WebSocket.prototype = Original.prototype;
  Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
})();
"""


def find_browser() -> str | None:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


class Screen:
    """A terminal's cells, made by replaying what the app wrote (enough of VT100 for Textual's output)."""

    CONTROL = re.compile(r"\x1b\[([0-9;?<>=]*)([ -/]*)([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1bP.*?\x1b\\|\x1b[()][0-9A-Za-z]|\x1b[=>78M]")

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.cells = [[" "] * width for _ in range(height)]
        self.x = self.y = 0

    def feed(self, text: str) -> None:
        at = 0
        for match in self.CONTROL.finditer(text):
            self._write(text[at : match.start()])
            at = match.end()
            if match.group(3):
                self._csi(match.group(1), match.group(3))
        self._write(text[at:])

    def _csi(self, params: str, final: str) -> None:
        if params.startswith(("?", "<", ">", "=")):
            return
        numbers = [int(p) if p else 0 for p in params.split(";")] if params else []
        first = numbers[0] if numbers else 0
        if final in "Hf":
            self.y = max(1, first) - 1
            self.x = max(1, numbers[1] if len(numbers) > 1 else 1) - 1
        elif final == "G":
            self.x = max(1, first) - 1
        elif final == "A":
            self.y -= max(1, first)
        elif final == "B":
            self.y += max(1, first)
        elif final == "C":
            self.x += max(1, first)
        elif final == "D":
            self.x -= max(1, first)
        elif final == "J" and first == 2:
            self.cells = [[" "] * self.width for _ in range(self.height)]
        elif final == "K" and 0 <= self.y < self.height:
            row = self.cells[self.y]
            start, end = {0: (self.x, self.width), 1: (0, self.x + 1), 2: (0, self.width)}.get(first, (0, 0))
            row[start:end] = [" "] * (max(0, min(end, self.width) - start))
        self.x = min(max(self.x, 0), self.width - 1)
        self.y = min(max(self.y, 0), self.height - 1)

    def _write(self, text: str) -> None:
        for character in text:
            if character == "\r":
                self.x = 0
            elif character == "\n":
                self.y = min(self.y + 1, self.height - 1)
            elif character >= " ":
                if 0 <= self.y < self.height and 0 <= self.x < self.width:
                    self.cells[self.y][self.x] = character
                self.x += 1

    @property
    def lines(self) -> list[str]:
        return ["".join(row).rstrip() for row in self.cells]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


class Page:
    """One page of a headless Chromium, spoken to over its DevTools websocket."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        self.socket = socket
        self._next = 0

    async def send(self, method: str, **params):
        self._next += 1
        ask = self._next
        await self.socket.send_str(json.dumps({"id": ask, "method": method, "params": params}))
        while True:
            reply = json.loads((await self.socket.receive(timeout=60)).data)
            if reply.get("id") == ask:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    async def evaluate(self, expression: str):
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def open(self, url: str, width: int, height: int, scale: float = 1, mobile: bool = False) -> None:
        await self.send("Page.enable")
        await self.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=scale, mobile=mobile)
        await self.send("Emulation.setTouchEmulationEnabled", enabled=mobile, maxTouchPoints=5 if mobile else 1)
        await self.send("Page.addScriptToEvaluateOnNewDocument", source=RECORDER)
        await self.send("Page.navigate", url=url)

    async def status(self, url: str) -> int:
        """The HTTP status of a request the page makes itself (with its cookies)."""
        return await self.evaluate(f"fetch({json.dumps(url)}, {{credentials: 'same-origin'}}).then(r => r.status)")

    async def terminal_size(self) -> tuple[int, int] | None:
        """The terminal's columns and rows, as the page last told the server."""
        sent = await self.evaluate("window.__sent || []")
        for frame in reversed(sent or []):
            message = json.loads(frame)
            if message[0] == "resize":
                return message[1]["width"], message[1]["height"]
        return None

    async def screen(self) -> Screen | None:
        size = await self.terminal_size()
        if size is None:
            return None
        screen = Screen(*size)
        for frame in await self.evaluate("window.__received || []"):
            screen.feed(base64.b64decode(frame).decode("utf-8", "replace"))
        return screen

    async def wait_for_text(self, text: str, timeout: float = 40.0) -> Screen:
        """The screen once it shows ``text`` (polled: the app draws when it is ready)."""
        deadline = time.monotonic() + timeout
        shown = None
        while time.monotonic() < deadline:
            shown = await self.screen()
            if shown is not None and text in shown.text:
                return shown
            await asyncio.sleep(0.2)
        raise AssertionError(f"{text!r} never appeared; the page shows:\n{shown.text if shown else '(nothing yet)'}")

    async def cell_box(self) -> dict:
        """Where the terminal's cells are on the page, in CSS pixels: the left and top of the grid and one cell's size."""
        size = await self.terminal_size()
        assert size is not None
        box = await self.evaluate(
            "(() => { const r = document.querySelector('.xterm-screen').getBoundingClientRect();"
            " return {left: r.left, top: r.top, width: r.width, height: r.height,"
            " page: document.documentElement.scrollWidth, window: window.innerWidth}; })()"
        )
        box["cell_width"] = box["width"] / size[0]
        box["cell_height"] = box["height"] / size[1]
        return box

    async def tap(self, column: int, row: int, touch: bool) -> None:
        """A tap (or a click) in the middle of a terminal cell."""
        box = await self.cell_box()
        x = box["left"] + (column + 0.5) * box["cell_width"]
        y = box["top"] + (row + 0.5) * box["cell_height"]
        if touch:
            await self.send("Input.dispatchTouchEvent", type="touchStart", touchPoints=[{"x": x, "y": y}])
            await self.send("Input.dispatchTouchEvent", type="touchEnd", touchPoints=[])
        else:
            for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
                await self.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    async def screenshot(self, path: Path) -> Path:
        shot = await self.send("Page.captureScreenshot", format="png")
        path.write_bytes(base64.b64decode(shot["data"]))
        return path


class Browser:
    """A headless Chromium with a fresh profile; ``async with Browser(path) as page``."""

    def __init__(self, executable: str) -> None:
        self.executable = executable
        self.profile = Path(tempfile.mkdtemp(prefix="carebench-browser-"))
        self.process: subprocess.Popen | None = None
        self.http: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Page:
        self.process = subprocess.Popen(
            [self.executable, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        port_file = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and port_file.read_text().count("\n") >= 1):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("Chromium did not start")
            await asyncio.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        self.http = aiohttp.ClientSession()
        pages = []
        while not pages:
            async with self.http.get(f"http://127.0.0.1:{port}/json/list") as answer:
                pages = [p for p in await answer.json() if p.get("type") == "page"]
            if not pages:
                await asyncio.sleep(0.1)
        socket = await self.http.ws_connect(pages[0]["webSocketDebuggerUrl"], max_msg_size=0)
        return Page(socket)

    async def __aexit__(self, *exc) -> None:
        if self.http is not None:
            await self.http.close()
        if self.process is not None:
            os.killpg(self.process.pid, 15)
            self.process.wait(timeout=30)
        shutil.rmtree(self.profile, ignore_errors=True)
