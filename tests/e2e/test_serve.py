"""`carebench serve`: the workbench in a browser, behind a secret token, on loopback unless told otherwise and TLS.

The HTTP tests speak to a real server process; the browser tests drive a real headless Chromium
through the DevTools protocol at a desktop size and at a phone's (390x844, three device pixels
per CSS pixel, touch), and keep their screenshots in the test's folder.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import ssl
import stat
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from browser import Browser, find_browser

CAREBENCH = Path(sys.executable).parent / "carebench"
URL = re.compile(r"(https?://\S+)/\?token=(\S+)")

needs_browser = pytest.mark.skipif(find_browser() is None, reason="no Chromium to drive (CI installs the chromium package when it can)")


class Served:
    """A running `carebench serve` on a port the system picked, and the address with its token."""

    def __init__(self, runner, db: Path, *args: str) -> None:
        self.process = subprocess.Popen(
            [str(CAREBENCH), "serve", "--db", str(db), "--date", "2026-06-15", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=runner.env,
            cwd=str(runner.home),
        )
        self.output = []
        for line in self.process.stdout:  # the three lines it prints once listening
            self.output.append(line)
            found = URL.search(line)
            if found:
                self.base, self.token = found.groups()
                break
        else:
            raise AssertionError(f"serve did not start: {self.process.stderr.read()}")

    @property
    def url(self) -> str:
        return f"{self.base}/?token={self.token}"

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


@pytest.fixture
def served(run, demo_db):
    started: list[Served] = []

    def serve(*args: str) -> Served:
        started.append(Served(run, demo_db, *args))
        return started[-1]

    yield serve
    for server in started:
        if server.process.poll() is None:
            server.stop()


async def status(url: str, cookies: dict | None = None, websocket: bool = False, ssl_context=None) -> int:
    tls = ssl_context if ssl_context is not None else True
    async with aiohttp.ClientSession(cookies=cookies, cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        if websocket:
            try:
                async with http.ws_connect(url, ssl=tls):
                    return 101
            except aiohttp.WSServerHandshakeError as refused:
                return refused.status
        async with http.get(url, allow_redirects=False, ssl=tls) as answer:
            return answer.status


def test_every_request_without_the_token_gets_403_and_nothing_else(served):
    server = served()

    async def check() -> None:
        for path in ("/", "/static/js/textual.js", "/static/", "/download/x", "/nothing-here"):
            async with aiohttp.ClientSession() as http, http.get(server.base + path) as answer:
                assert answer.status == 403, path
                assert await answer.text() == "403: Forbidden"
                assert "Set-Cookie" not in answer.headers
        assert await status(server.base.replace("http", "ws") + "/ws", websocket=True) == 403
        wrong = "x" * len(server.token)
        for path in ("/", "/static/js/textual.js"):
            assert await status(f"{server.base}{path}?token={wrong}") == 403
        cookie = {f"carebench-{server.base.rsplit(':', 1)[1]}": wrong}
        assert await status(server.base + "/", cookies=cookie) == 403
        assert await status(server.base.replace("http", "ws") + "/ws", cookies=cookie, websocket=True) == 403

    asyncio.run(check())


def test_the_token_opens_the_page_and_a_strict_cookie_carries_it_on(served):
    server = served()

    async def check() -> None:
        # (an address, not a name: the jar keeps its cookies only when told to)
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            async with http.get(server.url) as answer:
                assert answer.status == 200
                page = await answer.text()
                cookie = answer.headers["Set-Cookie"]
                assert answer.headers["Referrer-Policy"] == "no-referrer"
            assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
            assert 'name="viewport"' in page and "fonts.googleapis" not in page
            # the cookie alone from here on: the page again, its script, the websocket
            async with http.get(server.base + "/") as answer:
                assert answer.status == 200
            async with http.get(server.base + "/static/js/textual.js") as answer:
                assert answer.status == 200
            async with http.ws_connect(server.base.replace("http", "ws") + "/ws?width=80&height=24") as socket:
                await socket.send_json(["ping", "1"])
                while (message := await socket.receive(timeout=60)).type != aiohttp.WSMsgType.TEXT:
                    pass
                assert message.json() == ["pong", "1"]
            # a websocket that another site's page opens is refused, cookie or not
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(server.base.replace("http", "ws") + "/ws", origin="http://elsewhere.example")
            assert refused.value.status == 403

    asyncio.run(check())


def test_the_token_is_kept_owner_only_and_new_token_replaces_it(served, run):
    first = served()
    token_file = run.home / ".local" / "state" / "carebench" / "serve-token"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert token_file.read_text().strip() == first.token
    first.stop()
    again = served()
    assert again.token == first.token and "a new token" not in "".join(again.output)
    again.stop()
    rotated = served("--new-token")
    assert rotated.token != first.token
    assert rotated.token == token_file.read_text().strip()
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert asyncio.run(status(f"{rotated.base}/?token={first.token}")) == 403
    assert asyncio.run(status(rotated.url)) == 200


def test_a_token_file_others_can_read_is_refused(run, demo_db):
    token_file = run.home / ".local" / "state" / "carebench" / "serve-token"
    token_file.parent.mkdir(parents=True)
    token_file.write_text("A" * 43)
    token_file.chmod(0o644)
    result = run("serve", "--port", "0", db=demo_db, real=True)
    assert result.returncode == 2
    assert "can be read by others" in result.stderr and "--new-token" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args, words",
    [
        (["--host", "0.0.0.0"], "is not this machine's loopback"),
        (["--host", "0.0.0.0", "--public"], "needs TLS"),
        (["--host", "0.0.0.0", "--cert", "c.pem"], "give --cert and --key together"),
        (["--host", "0.0.0.0", "--public", "--cert", "missing.pem", "--key", "missing.key"], "no such file"),
        (["--host", "no-such-host.invalid"], "no such host"),
    ],
    ids=["no-public", "public-without-tls", "cert-without-key", "missing-files", "unknown-host"],
)
def test_an_address_beyond_loopback_needs_public_and_tls(run, demo_db, args, words):
    result = run("serve", "--port", "0", *args, db=demo_db)
    assert result.returncode == 2, result.stdout
    assert words in result.stderr
    assert "Traceback" not in result.stderr and not result.stdout


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed to make a test certificate")
def test_tls_serves_over_https_with_a_secure_cookie(served, tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", cert],
        check=True,
        capture_output=True,
    )
    server = served("--cert", str(cert), "--key", str(key))
    assert server.base.startswith("https://")
    trusting = ssl.create_default_context(cafile=str(cert))
    trusting.check_hostname = False

    async def check() -> None:
        async with aiohttp.ClientSession() as http, http.get(server.url, ssl=trusting) as answer:
            assert answer.status == 200
            assert "Secure" in answer.headers["Set-Cookie"]
            assert "wss://" in await answer.text()
        assert await status(server.base + "/", ssl_context=trusting) == 403
        assert await status(server.base.replace("https", "wss") + "/ws", websocket=True, ssl_context=trusting) == 403

    asyncio.run(check())


# ----- in a real browser -----------------------------------------------------------------------


async def tap_screen(page, label: str, expect: str, touch: bool):
    """Tap the screen tab named ``label`` (found on the screen as drawn) and wait for text of that screen."""
    shown = await page.screen()
    row = next(i for i, line in enumerate(shown.lines) if label in line)
    column = shown.lines[row].index(label) + 2
    await page.tap(column, row, touch=touch)
    return await page.wait_for_text(expect)


@needs_browser
@pytest.mark.parametrize(
    "name, width, height, scale, mobile",
    [("desktop", 1280, 800, 1, False), ("phone", 390, 844, 3, True)],
)
def test_the_workbench_in_a_browser(served, tmp_path, name, width, height, scale, mobile):
    server = served()

    async def check() -> None:
        async with Browser(find_browser()) as page:
            # without the token the browser gets the bare 403
            await page.open(server.base + "/", width, height, scale, mobile)
            await page.send("Runtime.enable")
            loaded = "new Promise(ok => { const wait = () => document.readyState === 'complete' ? ok(document.body.innerText)"
            assert await page.evaluate(loaded + " : setTimeout(wait, 50); wait(); })") == "403: Forbidden"

            await page.send("Page.navigate", url=server.url)
            # the agenda's rows come after the screen's frame: wait for the first of them
            shown = await page.wait_for_text("overdue ×1 · 12 Jun")
            assert "Action items due" in shown.text
            assert "token" not in await page.evaluate("window.location.href")  # the cookie carries it now
            assert await page.status("/static/js/textual.js") == 200
            columns, _rows = await page.terminal_size()
            box = await page.cell_box()
            # nothing cut off at the right: the page is no wider than the window, the terminal inside it
            assert box["page"] <= box["window"] and box["left"] + box["width"] <= box["window"]
            canvas = await page.evaluate(
                "(() => { const c = document.querySelector('.xterm-screen canvas'); return [c.width, c.getBoundingClientRect().width]; })()"
            )
            assert abs(canvas[0] - canvas[1] * scale) <= scale  # drawn at the screen's own density
            await page.screenshot(tmp_path / f"{name}-today.png")
            if mobile:
                assert columns < 60
                assert "5 Expansion" in shown.text and "6 Practice" in shown.text  # every screen's tab is there to tap
            # every screen, each within the width (stacked on the phone)
            for label, expect, screen in (
                ("2 Portfolio", "most critical first", "portfolio"),
                ("3 KPIs", "Financial impact", "kpis"),
                ("5 Expansion", "Next actions", "expansion"),
                ("6 Practice", "Ask for a testimonial", "practice"),
                ("4 Health", "Components", "health"),
            ):
                shown = await tap_screen(page, label, expect, touch=mobile)
                await page.screenshot(tmp_path / f"{name}-{screen}.png")
                assert all(len(line) <= columns for line in shown.lines), screen

    asyncio.run(check())
    if os.environ.get("CAREBENCH_KEEP_SHOTS"):
        keep = Path(os.environ["CAREBENCH_KEEP_SHOTS"])
        keep.mkdir(parents=True, exist_ok=True)
        for shot in tmp_path.glob("*.png"):
            shutil.copy(shot, keep / shot.name)
