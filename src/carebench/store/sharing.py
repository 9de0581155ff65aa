"""A team database for a Unix group: the folder setgid so SQLite's -wal/-shm files join the group too."""

from __future__ import annotations

import grp
import os
from pathlib import Path

from .db import StoreError, connect

SHARED_DIR_MODE = 0o2770
SHARED_DB_MODE = 0o660
SHARED_NAME = "portfolio.db"


def init_shared(group: str, folder: Path) -> Path:
    """Create (or repair) ``folder`` and its database so that every member of ``group`` can use them."""
    try:
        gid = grp.getgrnam(group).gr_gid
    except KeyError:
        raise StoreError(f"there is no Unix group called '{group}'") from None
    if folder.exists() and not folder.is_dir():
        raise StoreError(f"{folder} is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        os.chown(folder, -1, gid)
        os.chmod(folder, SHARED_DIR_MODE)
        path = folder / SHARED_NAME
        if not path.exists():
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, SHARED_DB_MODE)
            os.close(fd)
        for name in (SHARED_NAME, f"{SHARED_NAME}-wal", f"{SHARED_NAME}-shm"):
            member = folder / name
            if member.exists():
                os.chown(member, -1, gid)
                os.chmod(member, SHARED_DB_MODE)
    except PermissionError as exc:
        raise StoreError(f"not allowed to set up {folder} for group {group} ({exc.strerror}); "
                         "you must own the folder and belong to the group") from None
    connect(path).close()
    return path
