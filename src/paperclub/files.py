"""Writing files so a crash never leaves half of one: a temporary file in the same folder,
flushed to disk, then renamed over the old one."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import IO, Any


def atomic_write(path: Path, data: bytes, *, durable: bool = True) -> bool:
    """Write `data` to `path` atomically; leave the file untouched when it already holds
    exactly these bytes. True when the file changed. `durable=False` for a copy that can be
    made again (a cache): still never half written, but not waited for to reach the disk."""
    try:
        if path.read_bytes() == data:
            return False
    except (FileNotFoundError, IsADirectoryError):
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    try:  # the old file's permissions, else what a plain open() would give (not mkstemp's 0600)
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fchmod(f.fileno(), mode)
            if durable:
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    if durable:
        _fsync_dir(path.parent)  # the rename itself survives a power cut
    return True


def _umask() -> int:
    # os.umask can only be read by setting it: a moment's 0 is harmless in one thread, and
    # paperclub writes files from its main thread only
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # a folder that cannot be opened (Windows): the rename is all we have
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def flock(handle: IO[Any], deadline: float, busy: str, path: Path, pause: float = 0.05) -> None:
    """Take an exclusive flock on the open file `handle`, waiting until `deadline`
    (time.monotonic()) for whoever holds it; past that a PaperclubError saying `busy`. POSIX
    only: the callers skip locking where fcntl is missing."""
    import fcntl

    from paperclub.errors import PaperclubError

    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise PaperclubError(busy, path=path) from None
            time.sleep(pause)
