"""The workbench in a browser: textual-serve runs one workbench per connection, behind a secret token.

Every request (the page, its static files, the websocket, a download) passes ``guard`` first:
without the token, given once as ``?token=`` and then carried by an HttpOnly, SameSite=Strict
cookie, the answer is a bare 403.
"""

from __future__ import annotations

import asyncio
import re
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from textual_serve.server import Server, to_int

from ..app.inputs import UserError
from ..app.serving import token_matches

TEMPLATES = Path(__file__).parent / "templates"
FORBIDDEN = "403: Forbidden"
NARROW_FONT_SIZE = 12  # a phone's 390 px then hold about 50 columns
# Sent with every answer: the token never leaves in a Referer, no other site frames the workbench.
HEADERS = {
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}
_HOST_SHAPE = re.compile(r"[A-Za-z0-9.\-]+(:[0-9]+)?|\[[0-9A-Fa-f:.%a-z]+\](:[0-9]+)?")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class WorkbenchServer(Server):
    """textual-serve's server with the token check, carebench's page and a listener that reports its port."""

    def __init__(self, command: str, host: str, port: int, token: str, ssl_context=None) -> None:
        super().__init__(command, host=host, port=port, title="carebench", templates_path=TEMPLATES)
        self.token = token
        self.ssl_context = ssl_context
        self.cookie = f"carebench-{port}"  # per port: browsers share cookies between the ports of a host

    @property
    def scheme(self) -> str:
        return "https" if self.ssl_context is not None else "http"

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self.guard)
        return app

    @web.middleware
    async def guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """The token (first as ``?token=``, then the cookie) or 403; the websocket also only from this server's page."""
        offered = request.query.get("token")
        allowed = token_matches(offered if offered is not None else request.cookies.get(self.cookie), self.token)
        if allowed and request.path == "/ws" and not self.same_origin(request):
            allowed = False
        if not allowed:
            return web.Response(status=403, text=FORBIDDEN, headers=HEADERS)
        response = await handler(request)
        if not response.prepared:  # the websocket has answered already
            response.headers.update(HEADERS)
            if offered is not None:
                response.set_cookie(self.cookie, self.token, httponly=True, samesite="Strict", secure=self.ssl_context is not None, path="/")
        return response

    def same_origin(self, request: web.Request) -> bool:
        """A browser's websocket says which page opened it: only this server's own is let in."""
        origin = request.headers.get("Origin")
        return origin is None or origin == f"{self.scheme}://{request.host}"

    @aiohttp_jinja2.template("app_index.html")
    async def handle_index(self, request: web.Request) -> dict[str, Any]:
        """The page: its websocket and static files at the address the browser used (an SSH tunnel's port included)."""
        if not _HOST_SHAPE.fullmatch(request.host):
            raise web.HTTPBadRequest(text="400: Bad Request")
        return {
            "font_size": min(max(to_int(request.query.get("fontsize", "16"), 16), 6), 48),
            "narrow_font_size": NARROW_FONT_SIZE,
            "app_websocket_url": f"{'wss' if self.ssl_context is not None else 'ws'}://{request.host}/ws",
            "config": {"static": {"url": "/static/"}},
            "application": {"name": self.title},
        }

    async def on_startup(self, app: web.Application) -> None:
        """Quiet: ``carebench serve`` says itself where it listens."""

    def run(self, ready: Callable[[int], None]) -> None:
        """Listen until SIGINT, SIGTERM or SIGHUP; ``ready(port)`` once listening (the port the system chose for 0)."""
        asyncio.run(self._run(ready))

    async def _run(self, ready: Callable[[int], None]) -> None:
        app = await self._make_app()
        runner = web.AppRunner(app, access_log=None, handle_signals=False)  # no access log: it would hold the token
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port, ssl_context=self.ssl_context)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise UserError(f"cannot listen on {self.host} port {self.port}: {exc.strerror or exc}") from None
        port = runner.addresses[0][1]
        self.cookie = f"carebench-{port}"
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(sig, stop.set)
        ready(port)
        try:
            await stop.wait()
        finally:
            await runner.cleanup()  # closes every session: each workbench keeps its drafts and ends
