"""A team database for a Unix group: the folder setgid so SQLite's -wal/-shm files join the group too.

Everything is done on the objects opened (never through a name a member could have
replaced with a link): the folder and each file are opened with O_NOFOLLOW, checked
with fstat, and changed with fchown/fchmod. Every check runs before anything changes.
"""

from __future__ import annotations

import grp
import os
import stat
from pathlib import Path

from .db import connect, initialise
from .errors import StoreError
from .files import kind_of

SHARED_DIR_MODE = 0o2770
SHARED_DB_MODE = 0o660
SHARED_NAME = "portfolio.db"
MEMBER_FILES = (SHARED_NAME, f"{SHARED_NAME}-wal", f"{SHARED_NAME}-shm")


def _login(uid: int) -> str:
    import pwd

    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def _open_folder(folder: Path) -> int:
    """The folder, opened without following a link (made owner-only first when it does not exist)."""
    if os.path.islink(folder):
        raise StoreError(f"{folder} is a symbolic link; give the real folder (nothing was changed)")
    if folder.exists() and not folder.is_dir():
        raise StoreError(f"{folder} is a file, not a folder (nothing was changed)")
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        return os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        raise StoreError(f"cannot use the folder {folder}: {exc.strerror} (nothing was changed)") from None


def _open_member(folder_fd: int, folder: Path, name: str) -> int | None:
    """An existing member file opened without following a link, checked to be a regular file of the caller's; None when absent."""
    path = folder / name
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=folder_fd)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if os.path.islink(path):
            raise StoreError(f"{path} is a symbolic link; remove it before setting up the folder (nothing was changed)") from None
        raise StoreError(f"cannot open {path}: {exc.strerror} (nothing was changed)") from None
    st = os.fstat(fd)
    problem = None
    if not stat.S_ISREG(st.st_mode):
        problem = f"{path} is {kind_of(st.st_mode)}, not a database file; remove it"
    elif st.st_nlink != 1:
        problem = f"{path} has {st.st_nlink} names (hard links); remove it"
    elif st.st_uid != os.geteuid():
        problem = f"{path} belongs to {_login(st.st_uid)}, not you; ask them to run `carebench init --shared` or remove it"
    if problem:
        os.close(fd)
        raise StoreError(f"{problem} (nothing was changed)")
    return fd


def init_shared(group: str, folder: Path) -> Path:
    """Create (or repair) ``folder`` and its database so that every member of ``group`` can use them, nobody else."""
    try:
        gid = grp.getgrnam(group).gr_gid
    except KeyError:
        raise StoreError(f"there is no Unix group called '{group}'") from None
    if os.geteuid() != 0 and gid not in os.getgroups() and gid != os.getegid():
        raise StoreError(f"you are not a member of the group {group} (nothing was changed)")
    folder = Path(folder)
    folder_fd = _open_folder(folder)
    opened: list[int] = []
    try:
        st = os.fstat(folder_fd)
        if st.st_uid != os.geteuid():
            raise StoreError(f"{folder} belongs to {_login(st.st_uid)}; only its owner can set it up for the team (nothing was changed)")
        database = None
        for name in MEMBER_FILES:
            fd = _open_member(folder_fd, folder, name)
            if fd is not None:
                opened.append(fd)
                database = fd if name == SHARED_NAME else database
        created = None
        if database is None:  # no database yet: a new one, made with O_EXCL in the folder just checked
            try:
                created = os.open(SHARED_NAME, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, SHARED_DB_MODE, dir_fd=folder_fd)
            except OSError as exc:
                raise StoreError(f"cannot create {folder / SHARED_NAME}: {exc.strerror}") from None
            opened.append(created)
        try:
            os.fchown(folder_fd, -1, gid)
            os.fchmod(folder_fd, SHARED_DIR_MODE)
            for fd in opened:
                os.fchown(fd, -1, gid)
                os.fchmod(fd, SHARED_DB_MODE)
        except PermissionError as exc:
            raise StoreError(f"not allowed to give {folder} to the group {group} ({exc.strerror})") from None
    finally:
        for fd in opened:
            os.close(fd)
        os.close(folder_fd)
    path = folder / SHARED_NAME
    if created is not None:
        initialise(path)
    else:
        connect(path).close()  # migrated to this carebench's schema if it is older
    return path
