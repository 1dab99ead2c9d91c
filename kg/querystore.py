"""A build folder's query store: its triples in an on-disk Oxigraph store, kept beside its files.

``kg query`` is one process per question. Reading a large build into memory for each one is most of its time: on
1,000 articles, parsing ``dataset.trig`` and making the in-memory store took about 25 s, for a query of about a
second. So a query on a large build runs in an on-disk store kept in the build folder (:data:`STORE_DIR`), made
the first time it is needed from ``asserted.ttl``, ``inferred.ttl`` and the ontology's graph of ``dataset.trig``
— together every triple of the build, each once, in the store's default graph, as the in-memory query store holds
them — and opened read-only, in milliseconds, by every later query. Queries are slower on disk than in memory
(bench/README.md), so a process that asks many questions (the web app, the Python API by default) still reads
the build into memory.

The store is made in a staging folder beside it and swapped into place whole (:func:`kg.fsutil.staged_dir`, as a
build folder is), under a lock on the build's ``dataset.trig``, so that two first queries make it once. It records
the size and modification time of the files it was made from (and the pyoxigraph version that wrote it); when they
differ it is made again. The files are used only while they are the size the build wrote them
(:func:`recorded_sizes`, from its ``manifest.json``): a file emptied or copied from another build would give other
answers than ``dataset.trig``, so the query then reads the build into memory. A build that records no sizes (from
an older ``kg``) is trusted here, as before; ``kg serve`` wants every size (:func:`union_files`). A new build
replaces the build folder whole, store included — except a build that builds on the earlier build in its folder
(:mod:`kg.increment`), which carries the earlier store over with the triples it adds (:func:`carry`). What a
process killed while making it leaves (``.query-store.<pid>.….tmp``) is removed by the next query there
(:func:`kg.fsutil.recover`).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kg.errors import InputError, KGError, OutputError
from kg.namespaces import ONTOLOGY_GRAPH
from kg.terms import PARSER_LIMIT_MESSAGE, is_parser_limit

STORE_DIR = "query-store"
"""The kept store's folder inside a build folder."""

SOURCES = ("asserted.ttl", "inferred.ttl", "dataset.trig")
"""The build's files it is made from: every asserted triple of the data, the inferences (which hold no asserted
one), and the dataset, of which only the ontology's graph is read (the two others leave it out)."""

UNION_FILES = SOURCES[:2]
"""The build's files that hold, with its ontology's graph, every triple of the build once (what a query without
``GRAPH`` reads; :func:`kg.api.serve_build` serves the same union)."""

KEY_FILE = "made-from.json"
"""What the store was made from, inside :data:`STORE_DIR` beside the database folder ``db``."""

FORMAT = 1
"""Bumped when the store's layout changes, so that older stores are made again."""

MODES = ("auto", "disk", "memory")
"""``disk``: the kept store; ``memory``: the build read into memory; ``auto``: the kept store for a build of at
least :data:`AUTO_MIN_BYTES`."""

ENV = "KG_QUERY_STORE"

AUTO_MIN_BYTES = 16 * 2**20
"""From this size of the source files together on (about 45 generated articles), ``auto`` keeps a store: there,
``kg query who-met-whom`` took 1.8 s reading the build into memory, 2.1 s making the store and 0.75 s once it
was made (bench/README.md)."""



class QueryStoreUnavailable(KGError):
    """The store could not be made or opened (a read-only or full disk, missing source files); the caller reads
    the build into memory instead."""


def mode_setting(mode: str | None = None) -> str:
    """``mode``, else ``KG_QUERY_STORE``, else ``auto``; :class:`InputError` for anything but :data:`MODES`."""
    chosen = mode if mode is not None else (os.environ.get(ENV) or "auto")
    if chosen not in MODES:
        raise InputError(f"query store {chosen!r}: give one of {', '.join(MODES)} (--query-store, {ENV})")
    return chosen


def wanted(build_dir: Path, mode: str) -> bool:
    """Whether queries on ``build_dir`` run in the kept store in ``mode`` (see :data:`MODES`)."""
    if mode != "auto":
        return mode == "disk"
    try:
        return sum((Path(build_dir) / name).stat().st_size for name in SOURCES) >= AUTO_MIN_BYTES
    except OSError:
        return False  # a build without these files: read into memory, as ever


def open_store(build_dir: Path | str) -> Any:
    """The kept store of ``build_dir`` opened read-only (a ``pyoxigraph.Store``), made first when it is missing
    or was made from other files. Raises :class:`QueryStoreUnavailable` saying why when it cannot be."""
    import pyoxigraph as ox

    from kg import fsutil

    build_dir = Path(build_dir)
    key = _key(build_dir, ox.__version__)
    fsutil.recover(build_dir / STORE_DIR)  # what a maker killed meanwhile left, as every reader of a build does
    found = _open_if_current(build_dir / STORE_DIR, key)
    if found is not None:
        return found
    try:
        # one maker at a time: a lock on the build's dataset (the swap itself locks the build folder)
        with fsutil.locked(build_dir / SOURCES[2]):
            found = _open_if_current(build_dir / STORE_DIR, key)  # made by another process meanwhile
            if found is None:
                _check_space(build_dir, key)
                _make(build_dir, key)
                found = _open_if_current(build_dir / STORE_DIR, key)
    except (OSError, RuntimeError, OutputError) as exc:  # RuntimeError: what RocksDB reports, a full disk too
        raise QueryStoreUnavailable(f"cannot keep a query store in {build_dir}: {_reason(exc)}") from None
    if found is None:
        raise QueryStoreUnavailable(f"{build_dir / STORE_DIR}: made, but it cannot be opened")
    return found


def _key(build_dir: Path, version: str) -> dict[str, Any]:
    recorded = recorded_sizes(build_dir)
    sources = []
    for name in SOURCES:
        info = _source(build_dir, name, recorded)
        sources.append([name, info.st_size, info.st_mtime_ns])
    return {"format": FORMAT, "pyoxigraph": version, "sources": sources}


MANIFEST_LIMIT = 64 * 2**20
"""A ``manifest.json`` larger than this is not read for sizes (a build of 10,000 articles writes about 2 MB)."""


def read_manifest(build_dir: Path | str) -> dict[str, Any]:
    """The build's ``manifest.json`` as a dict; empty when it is missing, not a regular file (never waited on, as
    a FIFO would be), larger than :data:`MANIFEST_LIMIT`, or not a JSON object."""
    path = Path(build_dir) / "manifest.json"
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode) or info.st_size > MANIFEST_LIMIT:  # never wait on a FIFO
            return {}
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def sizes_in(manifest: dict[str, Any]) -> dict[str, int]:
    """The size of each file as the build wrote it (``sizes`` in a manifest read by :func:`read_manifest`); empty
    when it records none (a build from before it did)."""
    sizes = manifest.get("sizes")
    if not isinstance(sizes, dict):
        return {}
    return {str(name): size for name, size in sizes.items() if type(size) is int}


def recorded_sizes(build_dir: Path) -> dict[str, int]:
    """The size of each file as the build wrote it (``sizes`` in its ``manifest.json``); empty when the manifest
    records none (a build from before it did) or is not a regular file of JSON that a build writes."""
    return sizes_in(read_manifest(build_dir))


def _source(build_dir: Path, name: str, recorded: dict[str, int]) -> os.stat_result:
    """The status of the build's file ``name``; :class:`QueryStoreUnavailable` when it cannot be read, is not a
    regular file, or is not the size the build wrote (changed since: its triples would not be the build's)."""
    path = build_dir / name
    try:
        info = path.stat()
    except OSError as exc:
        raise QueryStoreUnavailable(f"{build_dir}: cannot read {path}: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):  # a FIFO would block the loading, a device never end it
        raise QueryStoreUnavailable(f"{path}: is not a regular file")
    if name in recorded and recorded[name] != info.st_size:
        raise QueryStoreUnavailable(f"{path}: {info.st_size:,} bytes, where the build wrote {recorded[name]:,} "
                                    "(changed since the build)")
    return info


def union_files(build_dir: Path | str) -> list[Path]:
    """The files of :data:`UNION_FILES` in ``build_dir``, checked to be what the build wrote: each of
    :data:`SOURCES` (``dataset.trig`` too, whose graphs are served beside them) a regular file of the size its
    ``manifest.json`` records. Raises :class:`QueryStoreUnavailable` saying why not — also for a build that
    records no sizes (one from before they were recorded), whose Turtle files nothing vouches for."""
    build_dir = Path(build_dir)
    check_sources(build_dir, recorded_sizes(build_dir))
    return [build_dir / name for name in UNION_FILES]


def check_sources(build_dir: Path, recorded: dict[str, int]) -> None:
    """Check that each of :data:`SOURCES` in ``build_dir`` is a regular file of the size ``recorded`` (sizes as
    its manifest gave them) says; :class:`QueryStoreUnavailable` saying why not, also when a size is not recorded
    (a build from before they were)."""
    missing = [name for name in SOURCES if name not in recorded]
    if missing:
        raise QueryStoreUnavailable(f"{build_dir / 'manifest.json'} records no size of {', '.join(missing)} (a "
                                    "build from an older kg?)")
    for name in SOURCES:
        _source(build_dir, name, recorded)


def carry(earlier: Path, build_dir: Path, added: Iterable[Any]) -> None:
    """Give the build in ``build_dir`` (its files all written) a kept store made from that of the build in
    ``earlier``, when the new build holds what the earlier one held and the triples ``added``
    (``pyoxigraph.Triple`` s: the triples of the articles added since, and the new inferences). The earlier store
    is checkpointed into ``build_dir`` (``Store.backup``: hard links to its files, in milliseconds) and the added
    triples are inserted there: the same triples, each once, as a store made from the new build's files, without
    loading those files again (13 s on 1,000 articles). Nothing is done when ``earlier`` has no store made from
    its files as they are; :class:`QueryStoreUnavailable` says why when one could not be carried (what was begun
    is removed)."""
    import pyoxigraph as ox

    try:
        found = _open_if_current(earlier / STORE_DIR, _key(earlier, ox.__version__))
    except QueryStoreUnavailable:
        return
    if found is None:
        return
    target = build_dir / STORE_DIR
    try:
        target.mkdir()
        found.backup(str(target / "db"))
        del found
        store = ox.Store(str(target / "db"))
        store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in added)
        store.flush()
        del store  # closed: the folder is complete on disk
        (target / KEY_FILE).write_text(json.dumps(_key(build_dir, ox.__version__)) + "\n", encoding="utf-8")
    except (OSError, RuntimeError) as exc:  # RuntimeError: what RocksDB reports, a full disk too
        shutil.rmtree(target, ignore_errors=True)
        raise QueryStoreUnavailable(f"the earlier build's query store could not be carried over: {_reason(exc)}"
                                    ) from None


def _open_if_current(folder: Path, key: dict[str, Any]) -> Any:
    import pyoxigraph as ox

    try:
        path = folder / KEY_FILE
        info = path.stat()
        if not stat.S_ISREG(info.st_mode) or info.st_size > MANIFEST_LIMIT:  # never wait on a FIFO
            return None
        if json.loads(path.read_text(encoding="utf-8")) != key:
            return None
        return ox.Store.read_only(str(folder / "db"))
    except (OSError, ValueError, RuntimeError):  # missing, half there, or damaged (RocksDB's "Corruption"): made again
        return None


def _make(build_dir: Path, key: dict[str, Any]) -> None:
    """Make the store in a staging folder beside :data:`STORE_DIR` and swap it into place whole
    (:func:`kg.fsutil.staged_dir`, which also removes what a killed maker left)."""
    import pyoxigraph as ox

    from kg import fsutil

    with fsutil.staged_dir(build_dir / STORE_DIR, marker=False, announce=False) as staging:
        store = ox.Store(str(staging / "db"))
        ontology = ox.NamedNode(str(ONTOLOGY_GRAPH))
        failed: list[BaseException] = []

        def load_data(into: Any) -> None:
            try:
                for name in UNION_FILES:
                    into.bulk_load(path=str(build_dir / name), format=ox.RdfFormat.TURTLE,
                                   to_graph=ox.DefaultGraph())
            except BaseException as exc:  # noqa: BLE001  raised by the thread that waits
                failed.append(exc)

        # the two data files load in a daemon thread (Oxigraph lets go of the interpreter) while this one parses
        # the whole dataset for the ontology's graph: on 1,000 articles, 15.6 s instead of 19.7 s one after the
        # other; and a Ctrl-C stops this thread at once, where a bulk load holds it until the load ends
        loader = threading.Thread(target=load_data, args=(store,), name="kg-query-store", daemon=True)
        loader.start()
        try:
            ontology_quads = [ox.Quad(q.subject, q.predicate, q.object)
                              for q in ox.parse(path=str(build_dir / SOURCES[2]), format=ox.RdfFormat.TRIG)
                              if q.graph_name == ontology]
        except (SyntaxError, OSError, MemoryError) as exc:
            failed.insert(0, exc)
        loader.join()  # not after a Ctrl-C: the folder is removed, and the process ends
        if failed:
            if isinstance(failed[0], SyntaxError):
                raise QueryStoreUnavailable(f"{build_dir}: a file is not what a build writes: {failed[0]}")
            if is_parser_limit(failed[0]):  # a build from before kg refused terms too long to be read back
                raise QueryStoreUnavailable(f"{build_dir}: a file {PARSER_LIMIT_MESSAGE}")
            raise failed[0]
        store.bulk_extend(ontology_quads)
        # one compaction of the files the loads wrote: on 1,000 articles 6 s, and the queries then take half the
        # time (who-met-whom 5.3 → 2.1 s, meeting-timeline 12.8 → 5.3 s)
        store.optimize()
        store.flush()
        del store  # closed: the folder is complete on disk
        (staging / KEY_FILE).write_text(json.dumps(key) + "\n", encoding="utf-8")


def _check_space(build_dir: Path, key: dict[str, Any]) -> None:
    """Refuse to start a store the disk cannot hold: it takes about 1.75 times the two Turtle files (311 MB for
    177 MB on 1,000 articles), more while it is compacted. Refused at once, a query on a nearly full disk is not
    made slower by a store that would fail each time."""
    needed = 2 * sum(size for name, size, _mtime in key["sources"] if name in SOURCES[:2])
    free = shutil.disk_usage(build_dir).free
    if free < needed:
        raise QueryStoreUnavailable(f"cannot keep a query store in {build_dir}: it needs about {needed / 2**20:,.0f} "
                                    f"MiB, and {free / 2**20:,.0f} MiB are free")


def _reason(exc: BaseException) -> str:
    from kg.fsutil import reason

    if isinstance(exc, OutputError) and isinstance(exc.__context__, OSError):
        exc = exc.__context__  # staged_dir's message names its folder; the note says why alone
    if isinstance(exc, OSError) and exc.errno:
        return reason(exc)
    text = str(exc)
    if "No space left on device" in text:  # RocksDB's message, which names a file of the removed folder
        return "no space left on the device"
    return text.splitlines()[0] if text else type(exc).__name__


__all__ = ["AUTO_MIN_BYTES", "ENV", "MODES", "UNION_FILES", "QueryStoreUnavailable", "STORE_DIR", "carry",
           "mode_setting", "open_store", "recorded_sizes", "union_files", "wanted"]
