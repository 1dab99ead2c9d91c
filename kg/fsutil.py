"""Atomic output: a file or a whole folder appears complete, or not at all.

Files are written to a temporary sibling and renamed into place. A build
folder is filled as a temporary sibling folder and swapped in under an
exclusive lock on the parent folder, so concurrent builds never interleave:
the last one to finish wins, whole. Nothing temporary is left behind, even
when the process is interrupted (``SIGINT`` / ``SIGTERM`` become exceptions
in the CLI, so ``finally`` clauses run); what a ``kill -9`` leaves is cleaned
up (and, if need be, put back) by the next run (:func:`recover`).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from kg.errors import InputError, OutputError
from kg.signals import SignalsDeferred, Terminated, fault_point


def reason(exc: OSError) -> str:
    """Why ``exc`` happened, in plain words (``no space left on the device``, ``permission denied`` …)."""
    return {
        errno.ENOSPC: "no space left on the device",
        errno.EROFS: "the file system is read-only",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.ENOENT: "the folder does not exist",
        errno.ENOTDIR: "a part of the path is not a folder",
        errno.EDQUOT: "disk quota exceeded",
    }.get(exc.errno or 0, exc.strerror or str(exc))


def _explain(exc: OSError, target: Path) -> OutputError:
    return OutputError(f"cannot write {target}: {reason(exc)}; what was there before is unchanged")


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
        os.fchmod(fd, 0o666 & ~umask())
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


def umask() -> int:
    """The process's file mode creation mask (read by setting it, then putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path``, a folder or a file (``flock`` on it: no lock file), while in the
    block."""
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


_RENAME_NOREPLACE = 1  # linux/fs.h: fail with EEXIST rather than replace the target
_RENAME_EXCHANGE = 2  # linux/fs.h: swap the two names atomically


def _exchange(a: Path, b: Path) -> bool:
    """Swap the folders ``a`` and ``b`` in one atomic ``renameat2(RENAME_EXCHANGE)``.

    Returns False where the system cannot (not Linux/glibc, or a file system without it), so the caller falls
    back to two renames; raises ``OSError`` for any other failure.
    """
    if os.environ.get("KG_FAULT_NO_EXCHANGE"):
        return False
    return _renameat2(a, b, _RENAME_EXCHANGE)


def _rename_new(a: Path, b: Path) -> None:
    """Rename the folder ``a`` to ``b``, which must not exist: one ``renameat2(RENAME_NOREPLACE)``, so a folder
    that appeared at ``b`` meanwhile is never replaced (``FileExistsError``). Where the system cannot, a plain
    rename, which fails on a folder that is not empty, after a check."""
    if _renameat2(a, b, _RENAME_NOREPLACE):
        return
    if b.exists():
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(b))
    os.rename(a, b)


def _renameat2(a: Path, b: Path, flags: int) -> bool:
    """``renameat2(a, b, flags)``: False where the system cannot (not Linux/glibc, or a file system without
    it); ``OSError`` (``FileExistsError`` for ``EEXIST``) for any other failure."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd = -100
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), flags) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b if err == errno.EEXIST else a))


_LEFTOVER = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[^.]+\.(?P<kind>tmp|old)$")


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` runs (this one, or any other, also another user's)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def remove_dead_temp_folders(prefix: str, *, idle_seconds: float = 0, now: float | None = None) -> None:
    """Remove the temporary folders ``<prefix><pid>-…`` (in :func:`tempfile.gettempdir`) that processes killed
    without a chance to clean up (``kill -9``) left behind: this user's folders (not links), whose process is
    gone, and in which (or in a folder directly inside) nothing was written for ``idle_seconds`` — a process in
    another PID namespace that shares the temporary folder (a container) looks gone from here."""
    import time

    now = time.time() if now is None else now
    for folder in Path(tempfile.gettempdir()).glob(f"{prefix}*-*"):
        pid = folder.name[len(prefix):].split("-", 1)[0]
        try:
            info = folder.lstat()
            if not pid.isdigit() or info.st_uid != os.getuid() or not stat.S_ISDIR(info.st_mode):
                continue
            if idle_seconds:
                inner = [entry.stat(follow_symlinks=False).st_mtime for entry in os.scandir(folder)
                         if entry.is_dir(follow_symlinks=False)]
                if now - max([info.st_mtime, *inner]) < idle_seconds:
                    continue
            if not process_alive(int(pid)):
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:  # gone meanwhile, or unreadable
            continue


def _recover_locked(target: Path) -> None:
    leftovers = []
    for entry in target.parent.iterdir():
        match = _LEFTOVER.match(entry.name)
        if match and match["name"] == target.name and entry.is_dir() and not process_alive(int(match["pid"])):
            leftovers.append((match["kind"], entry))
    for kind, entry in sorted(leftovers, key=lambda item: item[1].name):
        previous = entry / "previous"
        if kind == "old" and not target.exists() and previous.is_dir():
            os.rename(previous, target)  # killed between the two renames of the fallback swap: put it back
        shutil.rmtree(entry, ignore_errors=True)


def recover(target: Path) -> None:
    """Repair what a crashed (even ``kill -9``-ed) swap into ``target`` left behind.

    If ``target`` is missing and a dead process's ``.old`` folder holds the previous content, that content
    is put back; the staging (``.tmp``) and ``.old`` folders of dead processes are removed. Folders of
    live processes are left alone; the work is done under the same lock as the swap.
    """
    target = Path(target).absolute()
    if not target.parent.is_dir():
        return
    try:
        with locked(target.parent):
            _recover_locked(target)
    except OSError:  # a read-only parent or one we may not lock: nothing we could repair anyway
        return


def remove_staging_leftovers(folder: Path) -> None:
    """Remove the staging (``.tmp``) folders that dead (``kill -9``-ed) processes left in ``folder``, whatever
    they were to become (:func:`recover` repairs one target, ``.old`` folders included). A new folder's staging
    holds nothing worth keeping: it was never in place. Folders of live processes are left alone."""
    folder = Path(folder).absolute()
    try:
        with locked(folder):
            for entry in folder.iterdir():
                match = _LEFTOVER.match(entry.name)
                if match and match["kind"] == "tmp" and entry.is_dir() and not process_alive(int(match["pid"])):
                    shutil.rmtree(entry, ignore_errors=True)
    except OSError:  # a folder we may not lock or list: nothing we could remove anyway
        return


def _sibling(target: Path, kind: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f".{target.name}.{os.getpid()}.", suffix=f".{kind}", dir=target.parent))


OUTPUT_MARKER = ".kg-output"
"""Written into every folder :func:`staged_dir` puts in place, so a later run knows the folder is its own."""


def packaged_folders() -> list[Path]:
    """The installed ontology, data and queries folders and the ``kg`` package itself (what no output may
    replace or write into: ``kg docs --out`` wrote into ``kg/web/static``)."""
    from kg import resources

    return [Path(str(d)) for d in (resources.data_dir(), resources.ontology_dir(), resources.queries_dir(),
                                   resources.package_dir()) if isinstance(d, Path)]


def check_replaceable(target: Path, *, reads: Iterable[Path] = (), option: str = "--out",
                      also_ours: Callable[[Path], bool] | None = None) -> None:
    """Refuse an output folder whose whole replacement (:func:`staged_dir`) would destroy something.

    ``target`` may not be, hold or lie inside the packaged ontology, data or queries or any folder of
    ``reads`` (the inputs) nor be a symbolic link; an existing ``target`` must be an empty folder or one this tool
    wrote (it holds :data:`OUTPUT_MARKER`, or ``also_ours`` says so). Raises :class:`InputError` (exit 2), naming
    ``option``.
    """
    if Path(target).is_symlink():  # the swap would replace the link by a folder and leave what it names as it was
        raise InputError(f"{option} {target}: is a symbolic link; give the folder itself ({Path(target).resolve()})")
    out = Path(target).resolve()
    for folder in [*reads, *packaged_folders()]:
        real = Path(folder).resolve()
        if out == real or out in real.parents:
            raise InputError(f"{option} {target}: that would replace {folder}, which kg reads; "
                             "choose a new folder")
        if real in out.parents:
            raise InputError(f"{option} {target}: that is inside {folder}, which kg reads; choose a folder outside it")
    if out.exists() and not out.is_dir():
        raise InputError(f"{option} {target}: exists and is not a folder; choose a folder")
    if out.is_dir() and any(out.iterdir()) and not ((out / OUTPUT_MARKER).is_file() or (also_ours and also_ours(out))):
        raise InputError(f"{option} {target}: the folder exists, is not empty and was not written by kg; kg "
                         "replaces its output folder whole, so choose a new or empty folder")


_swapped: list[Path] = []
"""The output folder :func:`staged_dir` last put in place in this process (at most one), see :func:`last_swapped`."""


def last_swapped() -> Path | None:
    """The output folder :func:`staged_dir` last put in place in this process since :func:`forget_swapped`: an
    interrupt that comes after the swap (while a command still reports, or removes the previous folder) must not
    be told as if nothing was written."""
    return _swapped[-1] if _swapped else None


def forget_swapped() -> None:
    """Start afresh for :func:`last_swapped` (a command does, as it starts)."""
    _swapped.clear()


@contextlib.contextmanager
def staged_dir(target: Path, *, marker: bool = True, replace: bool = True, announce: bool = True
               ) -> Iterator[Path]:
    """Yield a new empty folder beside ``target``; on success it replaces ``target`` whole.

    If the body raises (or the process is interrupted), the staging folder is removed and ``target`` is left
    exactly as it was. The swap is one atomic ``renameat2(RENAME_EXCHANGE)`` where the system has it, so
    ``target`` is never missing, not even under ``kill -9``; elsewhere it is two renames, and :func:`recover`
    (run here first, and by every reader of a build) repairs a crash between them. SIGINT and SIGTERM wait for
    the swap (:class:`kg.signals.SignalsDeferred`); one that came during it is raised once the new folder is in
    place, its exception's ``written_to`` naming ``target``. With ``marker`` (outputs, not data folders) the
    folder gets :data:`OUTPUT_MARKER`. Without ``replace``, a ``target`` that exists when the new folder is put
    in place (made meanwhile by another process) is left as it is, and ``FileExistsError`` is raised. With
    ``announce`` (a command's output, not a folder it keeps for itself), the folder in place is
    :func:`last_swapped`.
    """
    target = Path(target).absolute()
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        recover(target)
        staging = _sibling(target, "tmp")
        os.chmod(staging, 0o777 & ~umask())
    except OSError as exc:
        raise _explain(exc, target) from None
    if target.exists() and not target.is_dir():
        shutil.rmtree(staging, ignore_errors=True)
        raise OutputError(f"cannot write {target}: it exists and is not a folder")
    old = None
    try:
        yield staging
        if marker:
            (staging / OUTPUT_MARKER).write_text("written by ict-coop-kg; replaced whole by the next run\n",
                                                 encoding="utf-8")
        fault_point("staged")
        # SIGINT / SIGTERM wait for the swap: it completes or never starts
        with SignalsDeferred() as deferred, locked(parent):
            if not replace:
                _rename_new(staging, target)
            elif not target.exists():
                os.rename(staging, target)
            elif _exchange(staging, target):
                fault_point("exchanged")  # the new build is in place; staging holds the old one
            else:
                old = _sibling(target, "old")
                os.rename(target, old / "previous")
                fault_point("between-renames")
                os.rename(staging, target)
            if announce:
                _swapped[:] = [target]
        try:
            deferred.deliver()  # a signal that came during the swap
        except (KeyboardInterrupt, Terminated) as stop:
            stop.written_to = target  # type: ignore[attr-defined]  # the message must not say nothing was written
            raise
    except OSError as exc:
        if old is not None and not target.exists():
            os.rename(old / "previous", target)
        if isinstance(exc, FileExistsError) and not replace:
            raise
        raise _explain(exc, target) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
