"""Atomic output: a file or a whole folder appears complete, or not at all.

Files are written to a temporary sibling and renamed into place. A build
folder is filled as a temporary sibling folder and swapped in under an
exclusive lock on the parent folder, so concurrent builds never interleave:
the last one to finish wins, whole. Nothing temporary is left behind, even
when the process is interrupted (``SIGINT`` / ``SIGTERM`` become exceptions
in the CLI, so ``finally`` clauses run).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path

from kg.errors import OutputError


def _explain(exc: OSError, target: Path) -> OutputError:
    reason = {
        errno.ENOSPC: "no space left on the device",
        errno.EROFS: "the file system is read-only",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.ENOENT: "the folder does not exist",
        errno.ENOTDIR: "a part of the path is not a folder",
        errno.EDQUOT: "disk quota exceeded",
    }.get(exc.errno or 0, exc.strerror or str(exc))
    return OutputError(f"cannot write {target}: {reason}; what was there before is unchanged")


def write_bytes_atomic(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` through a temporary sibling and a rename.

    Raises :class:`OutputError` when the folder is missing or not writable or
    the disk is full; ``target`` is then as it was.
    """
    target = Path(target)
    if target.is_dir():
        raise OutputError(f"cannot write {target}: it is a folder")
    tmp_name = None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp_name, target)
        tmp_name = None
    except OSError as exc:
        raise _explain(exc, target) from None
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


@contextlib.contextmanager
def staged_dir(target: Path) -> Iterator[Path]:
    """Yield a new empty folder beside ``target``; on success it replaces ``target`` whole.

    If the body raises (or the process is interrupted), the staging folder is
    removed and ``target`` is left exactly as it was.
    """
    target = Path(target).absolute()
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent))
        os.chmod(staging, 0o777 & ~_umask())
    except OSError as exc:
        raise _explain(exc, target) from None
    if target.exists() and not target.is_dir():
        shutil.rmtree(staging, ignore_errors=True)
        raise OutputError(f"cannot write {target}: it exists and is not a folder")
    old = None
    try:
        yield staging
        # no SIGINT / SIGTERM between the two renames: the target is never missing when we stop
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        try:
            with _locked(parent):
                if target.exists():
                    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=parent))
                    os.rename(target, old / "previous")
                os.rename(staging, target)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    except OSError as exc:
        if old is not None and not target.exists():
            os.rename(old / "previous", target)
        raise _explain(exc, target) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
