"""Files in places other users may write to: made without following links, owner-only, replaced only by rename.

Every file carebench creates goes through ``create_new`` (``O_CREAT|O_EXCL|O_NOFOLLOW``,
then ``fstat`` to be sure it is the regular file just made) or ``write_file`` (a fresh
temporary file beside the target, renamed over it). Nothing here follows a link at the
name it creates, and nothing swallows ``FileExistsError``.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import StoreError

PRIVATE = 0o600

# What an existing name can be, in words (for messages that name what is in the way).
_KINDS = (
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class FileRefused(StoreError):
    """A file carebench will not create, replace or read; the message is one line naming it."""


def kind_of(mode: int) -> str:
    """What a file of this ``st_mode`` is, in words ("a regular file", "a symbolic link", ...)."""
    for test, words in _KINDS:
        if test(mode):
            return words
    return "a regular file" if stat.S_ISREG(mode) else "not a regular file"


def describe(path: Path) -> str:
    """What ``path`` is, for a message: its kind, and where a symbolic link points."""
    st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode):
        target = os.readlink(path)
        exists = os.path.exists(path)
        return f"a symbolic link to {target}" + ("" if exists else " (which does not exist)")
    return kind_of(st.st_mode)


def reason(exc: OSError) -> str:
    """The plain words of an OS error ("No space left on device")."""
    return exc.strerror or str(exc)


def create_new(path: Path, mode: int = PRIVATE, *, shown: Path | None = None) -> int:
    """Create ``path`` as a new empty file with exactly ``mode`` and return its descriptor, open for writing.

    Refused (FileRefused) when anything at all is at that name, a dangling link included.
    Messages name ``shown`` (the file the user asked for) when given, else ``path``.
    """
    path = Path(path)
    name = shown or path
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, mode)
    except FileExistsError:
        raise FileRefused(f"{path} already exists ({describe(path)}); nothing was written") from None
    except OSError as exc:
        raise FileRefused(f"cannot write {name}: {reason(exc)}; nothing was written") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_nlink != 1 or st.st_uid != os.geteuid():
            raise FileRefused(f"{name} is not the file carebench just created; nothing was written")
        os.fchmod(fd, mode)  # exactly this mode, whatever the umask
    except BaseException:
        os.close(fd)
        raise
    return fd


def check_replaceable(path: Path) -> bool:
    """Whether ``path`` exists; refused (FileRefused) when it is anything but a regular file."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise FileRefused(f"cannot look at {path}: {reason(exc)}") from None
    if not stat.S_ISREG(st.st_mode):
        raise FileRefused(f"{path} is {describe(path)}, not a regular file; refusing to replace it")
    return True


def _temporary_beside(path: Path, mode: int) -> tuple[Path, int]:
    """A new private file in ``path``'s folder, under a name nobody can have guessed."""
    temporary = path.with_name(f".{path.name}.{os.urandom(8).hex()}.tmp")  # as secrets.token_hex(8)
    return temporary, create_new(temporary, mode, shown=path)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


@contextmanager
def new_file(path: Path, *, mode: int = PRIVATE, replace: bool = True) -> Iterator[int]:
    """Yield the descriptor of a fresh temporary file that becomes ``path`` when the block ends without error.

    With ``replace``, an existing regular file at ``path`` is replaced by renaming over it;
    anything else there (a link, a directory, a device, a FIFO) is refused. Without it,
    ``path`` must not exist: the file is linked in only if the name is still free. On any
    error the temporary file goes and ``path`` is as it was.
    """
    path = Path(path)
    exists = check_replaceable(path)
    if exists and not replace:
        raise FileRefused(f"{path} exists; nothing was written")
    temporary, fd = _temporary_beside(path, mode)
    try:
        try:
            yield fd
            os.fsync(fd)
        finally:
            os.close(fd)
        if replace:
            check_replaceable(path)
            os.rename(temporary, path)  # replaces the name itself, never what a link points at
        else:
            try:
                os.link(temporary, path, follow_symlinks=False)  # fails if the name was taken meanwhile
            except FileExistsError:
                raise FileRefused(f"{path} appeared meanwhile ({describe(path)}); nothing was written") from None
            os.unlink(temporary)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise


def write_file(path: Path, data: bytes | str, *, mode: int = PRIVATE, replace: bool = True) -> None:
    """Write ``data`` as ``path`` (see ``new_file``): owner-only unless ``mode`` says otherwise."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        with new_file(path, mode=mode, replace=replace) as fd:
            _write_all(fd, payload)
    except OSError as exc:
        raise FileRefused(f"cannot write {path}: {reason(exc)}; nothing was written") from None


@contextmanager
def private_folder() -> Iterator[Path]:
    """A new folder only this user can enter (mode 0700), removed afterwards."""
    import shutil  # here, not at the top: every command imports this module, few make a folder
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="carebench-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def copy_into(source: Path, fd: int) -> None:
    """Copy the bytes of the file ``source`` (a private one) into the open descriptor ``fd``."""
    with open(source, "rb") as reader:
        while chunk := reader.read(1 << 20):
            _write_all(fd, chunk)


def read_capped(path: Path, cap: int, what: str) -> bytes:
    """The bytes of an input file, refused before reading when it is not a regular file or is larger than ``cap``.

    ``-`` reads standard input, up to the same cap.
    """
    import sys

    label = "standard input" if str(path) == "-" else str(path)
    too_big = f"{label}: larger than {cap // (1 << 20)} MB, the most carebench reads as {what}; nothing was read"
    if str(path) == "-":
        data = sys.stdin.buffer.read(cap + 1)
        if len(data) > cap:
            raise FileRefused(too_big)
        return data
    try:
        # Non-blocking, so that opening a FIFO does not wait for a writer; a directory opens too.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise FileRefused(f"{label}: cannot read it (no such file)") from None
    except OSError as exc:
        raise FileRefused(f"{label}: cannot read it ({reason(exc)})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise FileRefused(f"{label}: is {kind_of(st.st_mode)}, not a regular file; nothing was read")
        if st.st_size > cap:
            raise FileRefused(too_big)
        chunks, total = [], 0
        while chunk := os.read(fd, 1 << 20):
            total += len(chunk)
            if total > cap:
                raise FileRefused(too_big)
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as exc:
        if exc.errno == errno.EISDIR:
            raise FileRefused(f"{label}: is a directory, not a regular file; nothing was read") from None
        raise FileRefused(f"{label}: cannot read it ({reason(exc)})") from None
    finally:
        os.close(fd)
