"""What `carebench serve` decides before anything listens: the secret token, the address, the command each browser runs."""

from __future__ import annotations

import hmac
import ipaddress
import os
import re
import secrets
import shlex
import socket
import stat
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from .inputs import UserError

if TYPE_CHECKING:
    import ssl

TOKEN_FILE = "serve-token"
TOKEN_BYTES = 32  # 256 bits, written as 43 URL-safe characters
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,128}")


def token_path() -> Path:
    from .paths import state_dir

    return state_dir() / TOKEN_FILE


def serve_token(*, new: bool = False, path: Path | None = None) -> tuple[str, bool]:
    """The token every request must carry, and whether it was made just now.

    Kept owner-only (0600) in the user's state folder; made on first use and again with ``new``
    (the old one stops working). A token file others can read, or that is not the one carebench
    wrote, is refused with what to do.
    """
    from ..store.errors import StoreError
    from ..store.files import read_capped, write_file

    path = path or token_path()
    if not new and os.path.lexists(path):
        try:
            st = os.lstat(path)
            if stat.S_ISREG(st.st_mode) and (st.st_mode & 0o077 or st.st_uid != os.getuid()):
                raise UserError(f"{path} can be read by others or is not yours; `carebench serve --new-token` makes a new one")
            token = read_capped(path, 4096, "a token").decode("ascii", "replace").strip()
        except StoreError as exc:
            raise UserError(str(exc)) from None
        if not _TOKEN_SHAPE.fullmatch(token):
            raise UserError(f"{path} does not hold a token carebench made; `carebench serve --new-token` makes a new one")
        return token, False
    token = secrets.token_urlsafe(TOKEN_BYTES)
    try:
        write_file(path, token + "\n")  # a new owner-only file renamed over the old one, never through a link
    except StoreError as exc:
        raise UserError(str(exc)) from None
    return token, True


def token_matches(offered: str | None, token: str) -> bool:
    """Whether ``offered`` is the token, compared in constant time."""
    return offered is not None and hmac.compare_digest(offered.encode("utf-8", "replace"), token.encode("ascii"))


def is_loopback(host: str) -> bool:
    """Whether every address ``host`` names is this machine's loopback (127.0.0.0/8, ::1)."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise UserError(f"--host {host}: no such host name or address") from None
    return bool(found) and all(ipaddress.ip_address(str(info[4][0]).split("%")[0]).is_loopback for info in found)


@dataclass(frozen=True)
class ServePlan:
    """Where to listen and how: checked before anything listens."""

    host: str
    port: int
    certificate: Path | None
    key: Path | None

    @property
    def tls(self) -> bool:
        return self.certificate is not None


def plan_serving(host: str, port: int, public: bool, certificate: Path | None, key: Path | None) -> ServePlan:
    """Loopback by default; any other address only with ``public`` and TLS (both a certificate and its key)."""
    if (certificate is None) != (key is None):
        raise UserError("give --cert and --key together (the TLS certificate and its private key)")
    if not 0 <= port <= 65535:
        raise UserError(f"--port {port}: a port is a number from 0 to 65535")
    if not is_loopback(host):
        if not public:
            raise UserError(f"--host {host} is not this machine's loopback: serving beyond it needs --public with --cert and --key (TLS)")
        if certificate is None:
            raise UserError(f"--public on {host} needs TLS: give --cert FILE and --key FILE")
    for what, path in (("--cert", certificate), ("--key", key)):
        if path is not None and not path.is_file():
            raise UserError(f"{what} {path}: no such file")
    return ServePlan(host, port, certificate, key)


def tls_context(plan: ServePlan) -> ssl.SSLContext | None:
    """The server's TLS context, or None without TLS; a certificate or key that does not load is one line."""
    import ssl

    if plan.certificate is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(plan.certificate, plan.key)
    except (ssl.SSLError, OSError) as exc:
        raise UserError(f"--cert {plan.certificate} / --key {plan.key}: not a certificate and its key ({exc.strerror or exc})") from None
    return context


def session_command(db_path: Path, day: date | None) -> str:
    """The command line each browser connection runs: this Python, this carebench, this database (quoted, never interpreted)."""
    argv = [sys.executable, "-m", "carebench", "--db", str(db_path.absolute())]
    if day is not None:
        argv += ["--date", day.isoformat()]
    return shlex.join(argv)
