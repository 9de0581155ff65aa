"""The installed `carebench demo` in a real terminal (tmux): every screen, then a clean quit."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

CAREBENCH = Path(sys.executable).parent / "carebench"

pytestmark = [
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (CI installs it when it can)"),
    pytest.mark.skipif(not CAREBENCH.exists(), reason="the carebench command is not installed next to this Python"),
]


class Terminal:
    """One tmux session on a private server, running one command."""

    def __init__(self, name: str, command: str, env: dict[str, str], size=(120, 40)) -> None:
        self.socket = f"carebench-test-{os.getpid()}-{name}"
        self.name = name
        exports = " ".join(f"{k}={v}" for k, v in env.items())
        self.tmux("new-session", "-d", "-s", name, "-x", str(size[0]), "-y", str(size[1]), f"env {exports} {command}")

    def tmux(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.name).stdout

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", self.name, *keys)

    def wait_for(self, text: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.screen()
            if text in shown:
                return shown
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared; the screen shows:\n{self.screen()}")

    def alive(self) -> bool:
        return self.tmux("has-session", "-t", self.name).returncode == 0

    def close(self) -> None:
        self.tmux("kill-server")


@pytest.fixture
def home(tmp_path):
    env = {"HOME": tmp_path, "XDG_DATA_HOME": tmp_path / "data", "XDG_CONFIG_HOME": tmp_path / "config",
           "XDG_STATE_HOME": tmp_path / "state", "TERM": "xterm-256color"}
    return {k: str(v) for k, v in env.items()}


def test_demo_walks_every_screen_and_quits(home):
    term = Terminal("walk", f"{CAREBENCH} demo", home)
    try:
        today = term.wait_for("touchpoints")
        assert "1 Today" in today and "overdue" in today
        for key, marker in (("2", "Portfolio —"), ("3", "KPIs —"), ("4", "Health —"), ("5", "Expansion —"), ("1", "Today —")):
            term.keys(key)
            term.wait_for(marker)
        term.keys("q")
        deadline = time.monotonic() + 10
        while term.alive() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not term.alive(), "the workbench did not exit on q"
    finally:
        term.close()
    assert (Path(home["XDG_DATA_HOME"]) / "carebench" / "demo.db").exists()


@pytest.mark.parametrize("term_name, no_color", [("screen", False), ("xterm-256color", True)], ids=["TERM=screen", "NO_COLOR"])
def test_demo_reads_in_plain_terminals(home, term_name, no_color):
    env = {**home, "TERM": term_name}
    if no_color:
        env["NO_COLOR"] = "1"
    term = Terminal("plain", f"{CAREBENCH} demo", env, size=(80, 24))
    try:
        shown = term.wait_for("touchpoints")
        assert "● red" in shown or "red" in shown  # bands read as words, not only colours
        term.keys("q")
    finally:
        term.close()
