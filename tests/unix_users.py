"""Real Unix users for the shared-server tests: a team group, its members and an outsider, made and removed as root.

Each user's commands run in a forked child that drops to the user's uid, gid and groups
before running carebench's command line (``carebench.cli.main``), so the kernel checks
every file access as that user. The child does not exec; what most commands import is
imported once before the fork, so each child starts at once. What is left (modules imported
on first use, the bundled scripts and plans) the child reads as the user, so the installed
carebench must be reachable by other users, as on a team server (``unreachable_folder``).
"""

from __future__ import annotations

import grp
import importlib
import os
import pkgutil
import pwd
import secrets
import select
import shutil
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import carebench

PRELOAD = (
    "sqlite_utils",
    "rich.console",
    "rich.table",
    "rich.markup",
    "platformdirs",
    "click",
    "tempfile",
    "secrets",
    "urllib.parse",
    "shlex",
    "csv",
    "difflib",
    "tomllib",
    "icalendar",
    "hashlib",
    "zoneinfo",
    "encodings.idna",
    "encodings.utf_8_sig",
)


def preload() -> None:
    """Import every module of carebench but the workbench, and what its commands import lazily."""
    for module in pkgutil.walk_packages(carebench.__path__, "carebench."):
        if not module.name.startswith(("carebench.ui", "carebench.__main__")):
            importlib.import_module(module.name)
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    # pydantic builds its validators on first use: build them now, once for every child.
    from carebench.core.models import Client, Portfolio

    Portfolio.model_validate({"clients": [{"id": "x", "name": "X", "tier": "gold", "go_live": "2026-01-01", "owner": "o"}]})
    Client.model_json_schema()


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


@dataclass
class User:
    name: str
    uid: int
    gid: int
    groups: list[int]
    home: Path
    env: dict[str, str] = field(default_factory=dict)

    def environment(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {
            "HOME": str(self.home),
            "PATH": "/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "COLUMNS": "200",
            "NO_COLOR": "1",
            "XDG_DATA_HOME": str(self.home / ".local/share"),
            "XDG_CONFIG_HOME": str(self.home / ".config"),
            "XDG_STATE_HOME": str(self.home / ".local/state"),
            "LOGNAME": self.name,
            "USER": self.name,
        }
        env.update(self.env)
        env.update(extra or {})
        return env

    def run(self, *args, env: dict[str, str] | None = None, umask: int = 0o022, input: bytes | None = None, timeout: float = 60) -> Result:
        """``carebench ARGS`` as this user."""

        def command() -> None:
            from carebench.cli import main

            sys.argv = ["carebench", *map(str, args)]
            main()

        return self.call(command, env=env, umask=umask, input=input, timeout=timeout)

    def call(
        self,
        function: Callable[[], object],
        *,
        env: dict[str, str] | None = None,
        umask: int = 0o022,
        input: bytes | None = None,
        timeout: float = 60,
    ) -> Result:
        """``function()`` in a child process running as this user; what it prints comes back."""
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        in_r, in_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: become the user, run, and leave without running the parent's cleanup
            code = 1
            try:
                os.dup2(in_r, 0)
                os.dup2(out_w, 1)
                os.dup2(err_w, 2)
                for fd in (out_r, out_w, err_r, err_w, in_r, in_w):
                    os.close(fd)
                os.setgroups(self.groups)
                os.setresgid(self.gid, self.gid, self.gid)
                os.setresuid(self.uid, self.uid, self.uid)
                os.umask(umask)
                os.environ.clear()
                os.environ.update(self.environment(env))
                os.chdir(self.home)
                sys.stdin = open(0, closefd=False)
                sys.stdout = open(1, "w", closefd=False)
                sys.stderr = open(2, "w", closefd=False)
                try:
                    function()
                    code = 0
                except SystemExit as exit_:
                    code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
            except BaseException:
                traceback.print_exc()
                code = 99
            finally:
                try:
                    sys.stdout.flush()
                    sys.stderr.flush()
                finally:
                    os._exit(code)
        for fd in (out_w, err_w, in_r):
            os.close(fd)
        if input:
            os.write(in_w, input)
        os.close(in_w)
        chunks: dict[int, list[bytes]] = {out_r: [], err_r: []}
        open_fds = [out_r, err_r]
        while open_fds:
            ready, _, _ = select.select(open_fds, [], [], timeout)
            if not ready:
                os.kill(pid, 9)
                raise TimeoutError(f"{self.name}: no answer within {timeout} s")
            for fd in ready:
                data = os.read(fd, 65536)
                if data:
                    chunks[fd].append(data)
                else:
                    open_fds.remove(fd)
                    os.close(fd)
        _, status = os.waitpid(pid, 0)
        return Result(
            os.waitstatus_to_exitcode(status), b"".join(chunks[out_r]).decode("utf-8", "replace"), b"".join(chunks[err_r]).decode("utf-8", "replace")
        )


def unreachable_folder() -> Path | None:
    """The first folder on the way to the installed carebench that other users cannot pass through (None: all can).

    The commands read bundled files (scripts, plans) as the test users, as they would on a team server.
    """
    package = Path(carebench.__file__).resolve().parent
    for folder in [*reversed(package.parents), package]:
        if not folder.stat().st_mode & 0o001:
            return folder
    return None


class Team:
    """A Unix group with two members (``lead``, ``mallory``), an ``outsider`` who is not in it, and a folder for them."""

    def __init__(self) -> None:
        tag = secrets.token_hex(3)
        self.group = f"cbteam{tag}"
        self.base = Path(tempfile.mkdtemp(prefix="carebench-team-"))
        self.base.chmod(0o755)  # everyone may pass through; what is inside decides the rest
        self.users: dict[str, User] = {}
        subprocess.run(["groupadd", self.group], check=True)
        self.gid = grp.getgrnam(self.group).gr_gid
        try:
            for role in ("lead", "mallory", "outsider"):
                name = f"cb{role[:4]}{tag}"
                home = self.base / f"home-{role}"
                member = [] if role == "outsider" else ["-G", self.group]
                subprocess.run(["useradd", "-M", "-U", "-s", "/bin/false", "-d", str(home), *member, name], check=True)
                entry = pwd.getpwnam(name)
                home.mkdir(mode=0o700)
                os.chown(home, entry.pw_uid, entry.pw_gid)
                groups = [entry.pw_gid] + ([] if role == "outsider" else [self.gid])
                self.users[role] = User(name, entry.pw_uid, entry.pw_gid, groups, home)
        except BaseException:
            self.remove()
            raise
        self.lead, self.mallory, self.outsider = self.users["lead"], self.users["mallory"], self.users["outsider"]
        self.folder = self.base / "team"
        self.root = User("root", 0, 0, [0], self.base)

    def remove(self) -> None:
        for user in self.users.values():
            subprocess.run(["userdel", user.name], check=False, capture_output=True)
        subprocess.run(["groupdel", self.group], check=False, capture_output=True)
        shutil.rmtree(self.base, ignore_errors=True)
