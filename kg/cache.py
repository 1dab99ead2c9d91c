"""What the build keeps between processes: the generated OWL-RL rules and each article's assembled graph.

Both live in one folder (:func:`cache_dir`: ``KG_CACHE_DIR``, else ``$XDG_CACHE_HOME`` or ``~/.cache``, under
``ict-coop-kg``; ``KG_CACHE_DIR=""`` turns caching off). A cache is only ever a shortcut: a file that is missing,
unreadable, corrupt or not trusted counts as no cache, and one that cannot be written is skipped. Only a
regular file owned by this user, in a folder owned by this user, neither writable by anyone else, is read
(:func:`read_trusted`): a cache another user can write to could put triples (or, for the pickled rules, code)
into a build. Files are written atomically (:func:`write_atomic`).

**Articles** (:class:`ArticleCache`): assembling an article (parsing its Turtle, locating its quotes, minting
its facts) is most of a build's time. Its result depends only on the article folder's files, the reference data
it is checked against, and the code that assembles it, so the graph is kept under a SHA-256 digest of exactly
those (:meth:`ArticleCache.key`) as zlib-compressed N-Triples, terms as written. A build of a thousand articles
of which one changed assembles that one only. Entries that no build has used for :data:`ARTICLE_DAYS_KEPT` days
are removed. An entry is parsed where the build reads it (:meth:`ArticleCache.get` checks only zlib's checksum
and the header): a build that parses each entry as it loads it (any but one that builds on an earlier build)
assembles again an article whose entry cannot be parsed; one that builds on an earlier build keeps the entries
unparsed (:meth:`kg.dataset.GraphSet.set_document`) and stops with the parser's error, naming the article and this
folder, when one then cannot be parsed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import stat
import tempfile
import time
import zlib
from collections.abc import Iterable
from pathlib import Path

ARTICLE_DAYS_KEPT = 30
"""An article entry no build used for this many days is removed (by the next build that writes the cache)."""
_ARTICLE_FORMAT = b"kg-article-cache 1\n"


def cache_dir() -> Path | None:
    """The cache folder: ``KG_CACHE_DIR``, else ``$XDG_CACHE_HOME`` or ``~/.cache``, under ``ict-coop-kg``;
    None when ``KG_CACHE_DIR=""`` (empty) turns the cache off."""
    configured = os.environ.get("KG_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ict-coop-kg"


def _trusted(info: os.stat_result, kind: int) -> bool:
    return stat.S_IFMT(info.st_mode) == kind and info.st_uid == os.getuid() and not info.st_mode & 0o022


def read_trusted(path: Path) -> bytes | None:
    """The bytes of a cache file, or None when it is missing, unreadable or not trusted (see the module
    docstring): the file itself is checked after it is opened, without following a symbolic link."""
    try:
        if not _trusted(path.parent.lstat(), stat.S_IFDIR):
            return None  # a folder someone else can write to: its files could be swapped at any time
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as cached:
            if not _trusted(os.fstat(cached.fileno()), stat.S_IFREG):
                return None
            return cached.read()
    except (OSError, ValueError):
        return None


def write_atomic(path: Path, data: bytes) -> bool:
    """Write a cache file atomically (a reader sees the old file or the new one); False when it could not be
    written (no space, no permission…), which only costs the next run the work again."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        return False
    return True


def _code_digest() -> str:
    """A digest of the code that assembles an article, and of the versions of the libraries it uses."""
    from importlib.metadata import version

    from kg.resources import source_file

    digest = hashlib.sha256(_ARTICLE_FORMAT)
    for module in ("load.py", "facts.py", "evidence.py", "dataset.py", "namespaces.py", "terms.py", "cache.py"):
        digest.update(source_file(module).read_bytes())
    for package in ("ict-coop-kg", "rdflib", "pyoxigraph"):
        digest.update(f"{package} {version(package)}\n".encode())
    return digest.hexdigest()


def inputs_digest(reference: bytes, files: Iterable[tuple[str, bytes]]) -> str:
    """A digest of what an article's graph is assembled from, the code aside: the reference data's digest
    ``reference`` and the article folder's files (name and bytes, in order). The cache keys the graph by it with
    the code (:meth:`ArticleCache.key`); a build records it to tell an article it built before (:mod:`kg.increment`)."""
    digest = hashlib.sha256(reference)
    for name, data in files:
        digest.update(f"\n{name}\n{len(data)}\n".encode())
        digest.update(data)
    return digest.hexdigest()


class ArticleCache:
    """Assembled article graphs kept by :meth:`key` as N-Triples documents; see the module docstring."""

    def __init__(self, folder: Path | None) -> None:
        self.root = folder
        """The cache folder (:func:`cache_dir`), None when caching is off."""
        self.folder = folder / "articles" if folder is not None else None
        self._code = _code_digest() if folder is not None else ""
        self.used: set[str] = set()
        self.hits = 0
        self.misses = 0

    @classmethod
    def default(cls) -> ArticleCache:
        """The cache in :func:`cache_dir` (a cache that does nothing when caching is off)."""
        return cls(cache_dir())

    def key(self, inputs: str) -> str:
        """The digest an article's graph is kept under: the code, and what the graph is assembled from
        (``inputs``, :func:`inputs_digest`)."""
        return hashlib.sha256(f"{self._code}\n{inputs}".encode()).hexdigest()

    def _path(self, key: str) -> Path | None:
        return None if self.folder is None else self.folder / f"{key}.nt.z"

    def has(self, key: str) -> bool:
        """Whether an entry is kept under ``key`` (:meth:`get` may still find it unusable)."""
        path = self._path(key)
        return path is not None and path.is_file()

    def get(self, key: str) -> bytes | None:
        """The N-Triples document kept under ``key`` (one line per triple, as :func:`pyoxigraph.serialize` wrote
        the graph's set), or None. It is not parsed here: its integrity is zlib's checksum, and a build parses it
        when a stage reads its triples (:meth:`kg.dataset.GraphSet.set_document`); one that then cannot be read
        is reported with :meth:`unreadable`."""
        path = self._path(key)
        if path is None:
            return None
        data = read_trusted(path)
        if data is None:
            self.misses += 1
            return None
        try:
            text = zlib.decompress(data)
        except zlib.error:
            self.misses += 1
            return None
        if not text.startswith(_ARTICLE_FORMAT):
            self.misses += 1
            return None
        self.used.add(key)
        self.hits += 1
        return text[len(_ARTICLE_FORMAT):]

    def unreadable(self, key: str) -> None:
        """Count the document :meth:`get` gave for ``key`` as a miss: it could not be parsed (the article is
        assembled again, and its entry written anew)."""
        if key in self.used:
            self.used.discard(key)
            self.hits -= 1
        self.misses += 1

    def usable(self) -> bool:
        """Whether entries can be kept here and read back (a file written as an entry is, and is trusted)."""
        if self.folder is None:
            return False
        probe = self.folder / f".probe-{os.getpid()}"
        try:
            return write_atomic(probe, b"probe") and read_trusted(probe) == b"probe"
        finally:
            with contextlib.suppress(OSError):
                probe.unlink()

    def put(self, key: str, ntriples: bytes) -> None:
        """Keep a graph given as N-Triples under ``key`` (skipped when it cannot be written)."""
        path = self._path(key)
        if path is not None and write_atomic(path, zlib.compress(_ARTICLE_FORMAT + ntriples, 1)):
            self.used.add(key)

    def prune(self, now: float | None = None) -> None:
        """Mark the entries this build used, and remove those no build used for :data:`ARTICLE_DAYS_KEPT` days."""
        if self.folder is None or not self.folder.is_dir():
            return
        now = time.time() if now is None else now
        limit = now - ARTICLE_DAYS_KEPT * 86400
        try:
            for entry in os.scandir(self.folder):
                if not _ENTRY.fullmatch(entry.name):  # only the cache's own entries: never a file someone put there
                    continue
                key = entry.name.removesuffix(".nt.z")
                try:
                    if key in self.used:
                        os.utime(entry.path, (now, now), follow_symlinks=False)
                    elif entry.is_file(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_mtime < limit:
                        os.unlink(entry.path)
                except OSError:
                    continue
        except OSError:
            return


_ENTRY = re.compile(r"[0-9a-f]{64}\.nt\.z|\.tmp-[^/]+|\.probe-[0-9]+")
"""The names of the cache's own files: an entry (the SHA-256 of the article's inputs, hexadecimal:
:meth:`ArticleCache.key`), and what a killed build left of :func:`write_atomic`'s temporary files and the folder's
write probe."""

__all__ = ["ARTICLE_DAYS_KEPT", "ArticleCache", "cache_dir", "inputs_digest", "read_trusted", "write_atomic"]
