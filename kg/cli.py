"""The ``kg`` command line. The only module that prints or exits.

Exit codes (the same for every command; see :mod:`kg.errors`): 0 success /
conforms, 1 does not conform, 2 unusable input, 3 remote server failed,
4 output not written, 130 interrupted (SIGINT), 143 terminated (SIGTERM).
"""

from __future__ import annotations

import errno
import functools
import io
import os
import sys
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from kg.errors import (
    EXIT_INPUT,
    EXIT_INTERRUPTED,
    EXIT_NONCONFORMANT,
    EXIT_OUTPUT,
    EXIT_TERMINATED,
    InputError,
    KGError,
)
from kg.signals import Terminated

app = typer.Typer(
    name="kg",
    help="The regional ICT cooperation knowledge graph: build, validate, query and export it.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)

F = TypeVar("F", bound=Callable[..., Any])


def _standard_error() -> Any:
    """``sys.stderr`` as it is now (tests swap it), under the proxy rich puts in its place while a progress
    display runs on a terminal: that proxy writes into the display's console, whose file is :class:`_Diagnostics`,
    which would write into the proxy again, for ever."""
    stream = sys.stderr
    while stream is not None and hasattr(stream, "rich_proxied_file"):
        stream = stream.rich_proxied_file
    return stream


class _Diagnostics(io.TextIOBase):
    """Standard error as the messages go to it: ``sys.stderr`` as it is at each write (tests swap it; see
    :func:`_standard_error`), except that a message it cannot take (a full device, a closed pipe, standard error
    closed) is dropped and standard error is pointed at ``/dev/null`` (:func:`_silence`), so that nothing fails
    again at exit. There is nowhere left to report such a failure; the exit code stays the command's own."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        stream = _standard_error()
        if stream is not None:
            try:
                stream.write(text)
            except (OSError, ValueError):  # ValueError: a stream closed from inside the program
                _silence(stream)
        return len(text)

    def flush(self) -> None:
        stream = _standard_error()
        if stream is not None:
            try:
                stream.flush()
            except (OSError, ValueError):
                _silence(stream)

    def isatty(self) -> bool:
        stream = _standard_error()
        try:
            return stream is not None and stream.isatty()
        except (OSError, ValueError):
            return False

    def fileno(self) -> int:
        stream = _standard_error()
        if stream is None:
            raise io.UnsupportedOperation("standard error is closed")
        return stream.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(_standard_error(), "encoding", None) or "utf-8"


def _silence(stream: Any) -> None:
    """Point the file under ``stream`` at ``/dev/null`` and flush what it still holds there, so that no later
    write or the interpreter's flush at exit fails again (which would end a finished command with 120)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, stream.fileno())
        finally:
            os.close(devnull)
        stream.flush()
    except (OSError, ValueError):
        pass


class _ClosedOutput(io.TextIOBase):
    """``sys.stdout`` when the program was started with standard output closed (``kg … >&-``, where Python sets
    it to None): writing fails as on a closed descriptor (``EBADF``), so it is reported as any failed standard
    output (exit 4) rather than lost silently or ending in a traceback; a command that writes nothing there
    (``kg build -q``) is not affected."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "standard output is closed")

    def flush(self) -> None:
        return None

    @property
    def buffer(self) -> _ClosedOutput:  # what _emit writes bytes to
        return self


def _stderr():  # type: ignore[no-untyped-def]
    from rich.console import Console

    return Console(file=_Diagnostics(), highlight=False, soft_wrap=True, markup=False)


def _stdout():  # type: ignore[no-untyped-def]
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:  # rich's own answer is a silent exit 1, the "does not conform" code
            raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))

    # markup off: labels, queries and values from the data are shown as they are ("[/]" in a label made rich
    # raise MarkupError, "[mcit]" vanished, "[link=…]" made a link)
    return _Console(highlight=False, soft_wrap=True, markup=False)


def handle_errors(fn: F) -> F:
    """Run a command, turning user errors and interrupts into a message and the documented exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from kg.fsutil import forget_swapped

        forget_swapped()  # what an earlier command in this process put in place is not this one's (tests)
        try:
            return fn(*args, **kwargs)
        except OSError as exc:
            if _is_path_failure(exc):  # a path given on the command line that cannot be used as it is
                _stderr().print(f"kg: error: {os.fsdecode(exc.filename)}: {os.strerror(exc.errno).lower()}",
                                markup=False)
                raise typer.Exit(EXIT_INPUT) from None
            if not _is_output_failure(exc):
                raise
            _output_failed(exc)
        except KGError as exc:
            _stderr().print(f"kg: error: {exc}", markup=False)
            raise typer.Exit(exc.exit_code) from None
        except UnicodeEncodeError:
            encoding = getattr(sys.stdout, "encoding", None) or "?"
            if encoding.lower().replace("-", "").replace("_", "") in ("utf8", "utf8sig"):
                raise
            _stderr().print(f"kg: error: standard output cannot hold these characters (its encoding is {encoding}); "
                            "set PYTHONIOENCODING=utf-8 or a UTF-8 locale, or ask for -f json", markup=False)
            raise typer.Exit(EXIT_OUTPUT) from None
        except KeyboardInterrupt as exc:
            _stderr().print(f"kg: interrupted; {_what_was_written(exc)}", markup=False)
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except Terminated as exc:
            _stderr().print(f"kg: terminated (SIGTERM); {_what_was_written(exc)}", markup=False)
            raise typer.Exit(EXIT_TERMINATED) from None

    return wrapper  # type: ignore[return-value]


def _what_was_written(stop: BaseException) -> str:
    """What an interrupted command left: nothing, unless the signal came once its output folder was in place
    (during the swap, which signals wait for, :func:`kg.fsutil.staged_dir` names the folder; after it,
    :func:`kg.fsutil.last_swapped` does) or, for a publish, once some graphs were on the server
    (:func:`kg.remote.publisher.publish` says which, in words)."""
    from kg.fsutil import last_swapped

    written_to = getattr(stop, "written_to", None) or last_swapped()
    if written_to is None:
        return "nothing was written"
    if isinstance(written_to, str):  # said in words (kg.remote.publisher: what the server holds)
        return written_to
    return f"{written_to}/ had already been written in full and replaced the previous one"


def _emit(data: str | bytes) -> None:
    """Write ``data`` whole to standard output (UTF-8 for text).

    It loops over short writes: with ``PYTHONUNBUFFERED`` (or ``python -u``) ``sys.stdout.buffer`` is the raw
    file, whose ``write`` may take only part of a large export when the reader goes away; the next write then
    raises ``BrokenPipeError``, which is reported as exit 4 instead of a silently cut output.
    """
    sys.stdout.flush()  # whatever rich or print already wrote goes first
    view = memoryview(data.encode("utf-8") if isinstance(data, str) else data)
    out = sys.stdout.buffer
    while view:
        written = out.write(view)
        view = view[written if written is not None else 0:]
    out.flush()


_OUTPUT_ERRNOS = {errno.ENOSPC, errno.EPIPE, errno.EIO, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EBADF}
"""What writing to standard output can fail with (``kg export > /dev/full``, a closed pipe)."""


_PATH_ERRNOS = {errno.ENAMETOOLONG, errno.ELOOP, errno.ENOTDIR}
"""What looking at a path can fail with that says the path itself is unusable (a name too long, a loop of
symbolic links, a file where a folder should be): input errors (exit 2), wherever the command met them."""


def _is_path_failure(exc: OSError) -> bool:
    return exc.errno in _PATH_ERRNOS and exc.filename is not None


def _is_output_failure(exc: OSError) -> bool:
    return isinstance(exc, BrokenPipeError) or exc.errno in _OUTPUT_ERRNOS


def _output_failed(exc: OSError) -> None:
    """Report that standard output could not be written, and exit 4 without a second failure at exit."""
    reason = ("the reader closed the pipe" if isinstance(exc, BrokenPipeError) or exc.errno == errno.EPIPE
              else "it is closed" if exc.errno == errno.EBADF
              else os.strerror(exc.errno or errno.EIO).lower())
    _silence(sys.stdout)  # nothing more may go to the broken stdout, not even Python's flush at exit
    _stderr().print(f"kg: error: cannot write to standard output: {reason}", markup=False)
    raise typer.Exit(EXIT_OUTPUT)


class ExportFormat(str, Enum):
    turtle = "turtle"
    trig = "trig"
    nt = "nt"
    nquads = "nquads"
    jsonld = "jsonld"
    xml = "xml"


class ReportFormat(str, Enum):
    text = "text"
    turtle = "turtle"
    json = "json"


class Lang(str, Enum):
    en = "en"
    ar = "ar"


DataOpt = Annotated[
    Path | None,
    typer.Option("--data", metavar="FOLDER", help="A data folder (reference/, articles/<id>/); default: the packaged data."),
]
BuildOpt = Annotated[
    Path | None,
    typer.Option("--build", metavar="FOLDER",
                 help="The build folder to read [default: ./build, which is built first if it is missing]."),
]
DEFAULT_BUILD = Path("build")
StoreOpt = Annotated[
    str,
    typer.Option("--store", envvar="KG_STORE", metavar="STORE", help="rdflib store plugin: 'default' (memory) or 'Oxigraph' (oxrdflib)."),
]


def _version(value: bool) -> None:
    if value:
        from kg import __version__

        typer.echo(f"kg {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """The regional ICT cooperation knowledge graph."""


def _progress(console):  # type: ignore[no-untyped-def]
    status = console.status("starting…")

    def note(stage: str) -> None:
        status.update(f"{stage}…")

    return status, note


def _print_stats(stats, *, domains: bool, lang: str = "en") -> None:  # type: ignore[no-untyped-def]
    """Triples per graph and entities per class (and, with ``domains``, facts per cooperation domain)."""
    from rich.table import Table

    from kg.i18n import text

    console = _stdout()
    graphs = Table(title=text("graphs", lang), title_justify="left")
    graphs.add_column(text("graph", lang))
    graphs.add_column(text("triples", lang), justify="right")
    for name, n in stats.graphs.items():
        graphs.add_row(name, str(n))
    graphs.add_row(text("total", lang), str(stats.triples), style="bold")
    classes = Table(title=text("classes", lang), title_justify="left")
    classes.add_column(text("class", lang))
    classes.add_column(text("entities", lang), justify="right")
    for name, n in stats.classes.items():
        classes.add_row(name, str(n))
    console.print(graphs)
    console.print(classes)
    if domains:
        table = Table(title=text("domains", lang), title_justify="left")
        table.add_column(text("domain-en", lang))
        table.add_column(text("domain", "ar"))
        table.add_column(text("facts", lang), justify="right")
        for d in stats.domains:
            table.add_row(d.label_en, d.label_ar, str(d.facts))
        console.print(table)


EngineOpt = Annotated[
    str | None,
    typer.Option("--engine", envvar="KG_ENGINE", metavar="ENGINE", show_default="fast",
                 help="How to reason and validate: 'fast' (OWL-RL rules and compiled shapes in Oxigraph) or "
                      "'reference' (owlrl and pySHACL)."),
]


@app.command()
@handle_errors
def build(
    data: DataOpt = None,
    out: Annotated[Path, typer.Option("--out", metavar="FOLDER",
                                      help="Output folder, replaced whole on success: a new or empty folder, or a "
                                           "previous build.")] = Path("build"),
    store: StoreOpt = "default",
    engine: EngineOpt = None,
    allow_violations: Annotated[
        bool, typer.Option("--allow-violations", help="Write the output even when SHACL validation fails.")
    ] = False,
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", envvar="KG_JOBS", min=1, metavar="N", show_default="the CPUs available",
                                 help="Processes that assemble articles not in the article cache (1: this one alone).")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing on success.")] = False,
) -> None:
    """Load ontology, reference data and articles; check quotes; reason (OWL-RL); validate (SHACL); write.

    The output folder is replaced atomically: when anything fails, the previous
    output stays exactly as it was. Exit 0 when the data conforms, 1 when it
    does not (nothing is written unless --allow-violations), 2 for unusable
    input, 4 when the output cannot be written.
    """
    from kg.api import KnowledgeGraph, check_build_output, collector_paused
    from kg.load import available_cpus

    check_build_output(out, data)  # before anything is read: never replace the input or a foreign folder
    err = _stderr()
    status, note = _progress(err)
    # the collector stays paused while the build is reported on too: each full collection would walk its millions
    # of objects again (on 1,000 articles, 3 s for the table)
    with collector_paused():
        with status:
            kg, _written = KnowledgeGraph.build_to(out, data, store=store, engine=engine,
                                                   allow_violations=allow_violations,
                                                   jobs=jobs if jobs is not None else available_cpus(), progress=note,
                                                   keep_store=_LEFT_FOR_EXIT is not None)
            _leave_for_exit(kg)
            report = kg.report
            assert report is not None
        for fallback in [*kg.notes, *kg.engine.fallbacks]:  # how the load went; what the fast engine left to others
            err.print(f"kg: note: {fallback}", markup=False)
        for warning in kg.duplicates:  # near-duplicate people / organisations: warnings, not violations
            err.print(f"kg: warning: {warning.message()}", markup=False)
        if not report.conforms:
            err.print(report.to_text(), markup=False)
            if not allow_violations:
                err.print(f"kg: build does not conform; {out}/ was left as it was", markup=False)
            raise typer.Exit(EXIT_NONCONFORMANT)
        if not quiet:
            _print_stats(kg.stats(domains=False), domains=False)
            _stdout().print(f"SHACL validation: conforms\nWritten to {out}/", markup=False)
        del kg  # let go of before the collector is back (unless left for the process's end): its first collection
        # would walk everything still held


_LEFT_FOR_EXIT: list[Any] | None = None
"""What commands leave for the end of the process to let go of, when the console script runs them
(:func:`kg.__main__.console` sets a list, see :func:`leave_for_exit`; None when the command line runs inside another
program, as in tests). The script then ends without the interpreter's teardown, which would let go of each object
one by one: on 1,000 articles, 2.8 s for a build (its millions of pyoxigraph terms and Oxigraph's store) after
its files were written."""


def leave_for_exit() -> list[Any]:
    """Have the commands run from now on leave what they hold at their end (a build) for the process's end, and
    give the list they leave it in: the console script ends at once when it is not empty
    (:func:`kg.__main__.console`)."""
    global _LEFT_FOR_EXIT
    if _LEFT_FOR_EXIT is None:
        _LEFT_FOR_EXIT = []
    return _LEFT_FOR_EXIT


def _leave_for_exit(value: Any) -> None:
    """Keep ``value`` until the process ends, when :func:`leave_for_exit` was asked for; the collector no longer
    walks what is held then (``gc.freeze``)."""
    if _LEFT_FOR_EXIT is None:
        return
    import gc

    _LEFT_FOR_EXIT.append(value)
    gc.freeze()


@app.command()
@handle_errors
def validate(
    files: Annotated[
        list[Path] | None,
        typer.Argument(metavar="FILE", help="RDF files to validate (with the packaged ontology); default: the last build."),
    ] = None,
    build_dir: BuildOpt = None,
    data: DataOpt = None,
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f", help="Report format.")] = ReportFormat.text,
    lang: Annotated[Lang, typer.Option("--lang", help="Language of labels and messages.")] = Lang.en,
    engine: EngineOpt = None,
) -> None:
    """Validate against the SHACL shapes; report violations grouped by node, with the source sentence.

    Exit 0 when the data conforms, 1 when it does not, 2 for unusable input.
    """
    from kg.api import choose_engine

    chosen = choose_engine(engine)  # a wrong name is exit 2 before anything is read
    kg = _load_for_validation(files or [], build_dir, data, chosen)
    report = kg.validate()
    for fallback in kg.chosen_engine().fallbacks:  # constructs the fast engine left to pySHACL
        _stderr().print(f"kg: note: {fallback}", markup=False)
    if fmt is ReportFormat.json:
        _emit(report.to_json())
    elif fmt is ReportFormat.turtle:
        _emit(report.to_turtle())
    else:
        _emit(report.to_text(lang.value))
    if not report.conforms:
        raise typer.Exit(EXIT_NONCONFORMANT)


def _load_for_validation(files: list[Path], build_dir: Path | None, data: Path | None,  # type: ignore[no-untyped-def]
                         engine: Any = None):
    from kg.api import KnowledgeGraph

    given = [name for name, value in (("FILE", files), ("--build", build_dir), ("--data", data)) if value]
    if len(given) > 1:  # one was silently ignored
        raise InputError(f"give one of FILE, --build and --data to validate, not {' and '.join(given)}")
    if files:  # SHACL checks asserted triples with the ontology; no reasoning needed
        from kg.load import load_ontology, parse_files

        ds = parse_files(files)
        load_ontology(ds)
        return KnowledgeGraph(ds, engine=engine)
    if data is None:
        if build_dir is not None or KnowledgeGraph.has_build(DEFAULT_BUILD):
            loaded = KnowledgeGraph.load(build_dir or DEFAULT_BUILD)
            loaded.engine = engine
            return loaded
        _stderr().print(f"kg: no build in {DEFAULT_BUILD}/; validating a fresh build of the packaged data",
                        markup=False)
    return KnowledgeGraph.build(data, engine=engine)


def _ensure_build(build_dir: Path | None, data: Path | None = None, store: str = "default",  # type: ignore[no-untyped-def]
                  query_store: str = "memory"):
    """The last build in ``build_dir`` (its queries run where ``query_store`` says: see
    :meth:`KnowledgeGraph.load`). An explicit ``--build`` folder without a build is an error (exit 2); when
    the default ``./build`` is missing, the packaged data is built (and written) first, saying so."""
    from kg.api import KnowledgeGraph

    if build_dir is not None or KnowledgeGraph.has_build(DEFAULT_BUILD):
        return KnowledgeGraph.load(build_dir or DEFAULT_BUILD, store=store, query_store=query_store)
    return _build_default(data, store)


def _ensure_build_folder(build_dir: Path | None) -> Path:
    """The folder of the last build (``build_dir``, else ``./build``, where the packaged data is built first when
    there is none, as :func:`_ensure_build` does), for a command that hands the build's files to another program."""
    from kg.api import KnowledgeGraph

    if build_dir is not None or KnowledgeGraph.has_build(DEFAULT_BUILD):
        return build_dir or DEFAULT_BUILD
    _build_default(None, "default")
    return DEFAULT_BUILD


def _build_default(data: Path | None, store: str):  # type: ignore[no-untyped-def]
    """Build the packaged data (or ``data``) into ``./build``, saying so; the knowledge graph built."""
    from kg.api import KnowledgeGraph

    _stderr().print(f"kg: no build in {DEFAULT_BUILD}/; building the packaged data into it first", markup=False)
    kg = KnowledgeGraph.build(data, store=store)
    report = kg.validate()
    if not report.conforms:
        raise InputError("the data does not conform, so there is nothing to export; run 'kg validate' for details")
    kg.write(DEFAULT_BUILD)
    return kg


def _check_output(path: Path, inputs: list[Path]) -> None:
    """Refuse an ``-o`` target that is not a regular file or a new path (a folder, symbolic link, device or
    FIFO: the atomic rename would replace the link itself, or never reach the device), or that is an input."""
    if path.is_symlink():
        raise InputError(f"-o {path}: is a symbolic link; give the path of a regular file (or a new one)")
    if path.is_dir():
        raise InputError(f"-o {path}: is a folder; give a file name")
    if path.exists() and not path.is_file():
        raise InputError(f"-o {path}: is not a regular file (a device, FIFO or socket); write to a regular "
                         "file, or leave out -o to write to standard output")
    target = path.resolve()
    from kg.fsutil import packaged_folders

    for folder in packaged_folders():
        if folder.resolve() in target.parents:
            raise InputError(f"-o {path}: that is inside {folder}, which kg is installed as; choose another place")
    for item in inputs:
        if item.exists() and item.resolve() == target:
            raise InputError(f"-o {path}: that is an input file; choose another output file")
        if item.is_dir() and item.resolve() in target.parents:
            raise InputError(f"-o {path}: that is inside the input folder {item}; choose another place")
    if not path.parent.exists():
        raise InputError(f"-o {path}: the folder {path.parent} does not exist")
    if not path.parent.is_dir():
        raise InputError(f"-o {path}: {path.parent} is not a folder")


@app.command()
@handle_errors
def export(
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="RDF format.")] = ExportFormat.turtle,
    inferred: Annotated[
        bool, typer.Option("--inferred", help="Include the ontology and the OWL-RL inferences (the public view).")
    ] = False,
    build_dir: BuildOpt = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", metavar="FILE", help="Write to this file (atomically).")] = None,
) -> None:
    """Export the last build (building it first if there is none) in an RDF format, deterministically."""
    if output is not None:
        _check_output(output, [build_dir or DEFAULT_BUILD])
    kg = _ensure_build(build_dir)
    data = kg.export(fmt.value, inferred=inferred)
    if output is None:
        _emit(data)
    else:
        from kg.fsutil import write_bytes_atomic

        write_bytes_atomic(output, data)


@app.command()
@handle_errors
def stats(
    build_dir: BuildOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", metavar="table|json", help="Output format.")] = "table",
    lang: Annotated[Lang, typer.Option("--lang", help="Language of the tables.")] = Lang.en,
) -> None:
    """Counts per graph and per class, and the cooperation domains with how many facts touch each."""
    if fmt not in ("table", "json"):
        raise InputError(f"--format {fmt!r}: use table or json")
    kg = _ensure_build(build_dir)
    result = kg.stats()
    if fmt == "json":
        import dataclasses
        import json

        _emit(json.dumps(dataclasses.asdict(result), ensure_ascii=False, indent=2) + "\n")
        return
    _print_stats(result, domains=True, lang=lang.value)


class QueryFormat(str, Enum):
    table = "table"
    csv = "csv"
    tsv = "tsv"
    json = "json"
    markdown = "markdown"


def _parse_params(items: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--param {item!r}: write it as NAME=VALUE")
        if key.strip() in params:
            raise InputError(f"--param {key.strip()} is given twice")
        params[key.strip()] = value
    return params


def _display(term) -> str:  # type: ignore[no-untyped-def]
    from rdflib import URIRef

    from kg.namespaces import ID

    if term is None:
        return ""
    text = str(term)
    if isinstance(term, URIRef) and text.startswith(str(ID)):
        return text[len(str(ID)):]
    return text


def _print_table(result, lang: str, title: str) -> None:  # type: ignore[no-untyped-def]
    from rich.table import Table

    other = "_ar" if lang == "en" else "_en"
    labelled = {v[:-3] for v in result.variables if v.endswith(f"_{lang}")}
    # the table shows labels; an IRI column with a label column beside it only adds width (csv/json keep it)
    columns = [v for v in result.variables if not v.endswith(other) and v not in labelled]
    from kg.i18n import column, text

    table = Table(title=title, title_justify="left", show_lines=False)
    for v in columns:
        label_column = v.endswith(f"_{lang}")
        table.add_column(column(v[:-3] if label_column else v, lang),
                         justify="right" if (lang == "ar" and label_column) else "left", overflow="fold")
    for row in result.rows:
        table.add_row(*(_display(row.get(v)) for v in columns))
    console = _stdout()
    console.print(table)
    console.print(text("rows", lang, n=len(result.rows)))


@app.command()
@handle_errors
def query(
    name: Annotated[str | None, typer.Argument(metavar="NAME", help="A packaged query (see --list).")] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the packaged queries and their parameters.")] = False,
    file: Annotated[Path | None, typer.Option("--file", metavar="FILE", help="Run the SPARQL query in this file instead.")] = None,
    param: Annotated[list[str] | None, typer.Option("--param", "-p", metavar="KEY=VALUE", help="A parameter, NAME=VALUE (repeatable).")] = None,
    fmt: Annotated[QueryFormat, typer.Option("--format", "-f", help="Output format.")] = QueryFormat.table,
    lang: Annotated[Lang, typer.Option("--lang", help="Label language of the table.")] = Lang.en,
    build_dir: BuildOpt = None,
    endpoint: Annotated[str | None, typer.Option("--endpoint", metavar="URL", help="Run on this SPARQL server instead.")] = None,
    graph: Annotated[list[str] | None, typer.Option("--graph", metavar="IRI", help="Named graph(s) to query on the server.")] = None,
    timeout: Annotated[
        float | None,
        typer.Option("--timeout", metavar="SECONDS",
                     help="Time limit of the whole query: on a server (default 30), or locally (default none)."),
    ] = None,
    allow_service: Annotated[
        bool, typer.Option("--allow-service", help="Let a --file query call other servers with SERVICE.")
    ] = False,
    live: Annotated[
        bool, typer.Option("--live", help="Run the query even when the build kept its answer (kg build keeps "
                                          "each packaged query's answer without parameters).")
    ] = False,
    store: StoreOpt = "default",
    query_store: Annotated[
        str | None,
        typer.Option("--query-store", envvar="KG_QUERY_STORE", metavar="<auto|disk|memory>", show_default="auto",
                     help="Where a local query runs: an on-disk store kept in the build folder, made on first use "
                          "(disk), the build read into memory (memory), or the kept store for builds of 16 MiB "
                          "or more (auto). A query with --timeout runs in memory."),
    ] = None,
) -> None:
    """Ask the graph a question: a packaged query by name, or a SPARQL file. Read-only (the graph never changes;
    on a large build the first query that runs keeps a query store in the build folder). A packaged query without
    parameters is answered from the answer the build kept, unless --live."""
    from kg import query as q
    from kg import api

    mode = api.query_store_setting(query_store)  # a wrong value is exit 2 before anything else

    if list_:
        if name or file:
            raise InputError("--list takes no query name or --file")
        _list_queries(lang.value)
        return
    if name and file:
        raise InputError("give a query name or --file, not both")
    if not name and not file:
        raise InputError("give a query name (see 'kg query --list') or --file QUERY.rq")
    if file is not None:
        from kg.api import read_text_file

        packaged = q.parse_header(file.stem, read_text_file(file))
    else:
        packaged = q.get_query(name or "")
    bindings = q.bind(packaged, _parse_params(param or []))
    if timeout is not None and not 0 < timeout < float("inf"):
        raise InputError(f"--timeout {timeout:g}: give a positive number of seconds")
    if graph and not endpoint:
        raise InputError("--graph names graphs on a server: give --endpoint too (locally every graph is queried)")
    for named in graph or []:
        q.safe_iri(named, "--graph")  # an absolute IRI, or exit 2 before anything is sent
    if endpoint:
        ep = api.remote_endpoint(endpoint, timeout=30.0 if timeout is None else timeout)
        result = api.query_endpoint(ep, packaged.text, bindings, graphs=graph or None, label=packaged.name,
                                    allow_service=allow_service)
    else:
        api.refuse_service(packaged.text, packaged.name, allow=allow_service)  # before any build
        kg = _ensure_build(build_dir, store=store, query_store=mode)
        result = kg.run_query(packaged.text, bindings, label=packaged.name, timeout=timeout,
                              allow_service=allow_service, live=live)
        for note in kg.notes:  # e.g. a query store that could not be kept
            _stderr().print(f"kg: note: {note}", markup=False)
    if result.boolean is not None:
        _emit(("yes" if result.boolean else "no") + "\n")
    elif result.graph is not None:
        _emit(result.graph.serialize(format="turtle"))
    elif fmt is QueryFormat.table:
        _print_table(result, lang.value, packaged.title_ar if lang is Lang.ar and packaged.title_ar else packaged.title)
    else:
        _emit({"csv": result.to_csv, "tsv": result.to_tsv, "json": result.to_json,
                          "markdown": result.to_markdown}[fmt.value]())


def _list_queries(lang: str) -> None:
    from rich.table import Table

    from kg.i18n import text
    from kg.query import list_queries

    table = Table(title=text("queries", lang), title_justify="left")
    table.add_column(text("name", lang))
    table.add_column(text("title", lang))
    table.add_column(text("parameters", lang), overflow="fold")
    required = text("required", lang)
    for q in list_queries():
        title = q.title_ar if lang == "ar" and q.title_ar else q.title
        params = ", ".join(f"{p.name} ({p.type}{', ' + required if p.required else ''})" for p in q.parameters)
        table.add_row(q.name, title, params or "—")
    _stdout().print(table)


@app.command()
@handle_errors
def publish(
    endpoint: Annotated[str, typer.Option("--endpoint", metavar="URL", help="The server's SPARQL query URL.")],
    update_endpoint: Annotated[str | None, typer.Option("--update-endpoint", metavar="URL", help="SPARQL Update URL.")] = None,
    store_endpoint: Annotated[
        str | None, typer.Option("--store-endpoint", metavar="URL", help="Graph Store Protocol URL (faster uploads).")
    ] = None,
    graph: Annotated[list[str] | None, typer.Option("--graph", metavar="IRI", help="Publish only this named graph (repeatable).")] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Replace each graph instead of adding to it.")] = False,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, metavar="N", help="Triples per request.")] = 50_000,
    build_dir: BuildOpt = None,
    timeout: Annotated[float, typer.Option("--timeout", metavar="SECONDS", help="Seconds to wait for each request.")] = 60.0,
    retries: Annotated[int, typer.Option("--retries", min=0, metavar="N", help="Retries of transient failures.")] = 2,
) -> None:
    """Upload the built dataset to a SPARQL 1.1 server, each graph as its own named graph.

    Credentials come from KG_ENDPOINT_USER / KG_ENDPOINT_PASSWORD or a netrc file, never from a URL.
    Redirects are not followed (exit 3, naming the target).
    """
    from kg import api

    ep = api.remote_endpoint(endpoint, update_url=update_endpoint, store_url=store_endpoint, timeout=timeout,
                             retries=retries)
    kg = _ensure_build(build_dir)
    status, note = _progress(_stderr())
    with status:
        report = kg.publish(ep, graphs=graph or None, replace=replace, batch_size=batch_size, progress=note)
    _stdout().print(f"Published {report.triples} triples in {len(report.graphs)} graph(s) to "
                    f"{api.mask_url(endpoint)} ({report.protocol}):", markup=False)
    for name in report.graphs:
        _stdout().print(f"  {name}", markup=False)


@app.command()
@handle_errors
def serve(
    port: Annotated[int, typer.Option("--port", min=1, max=65535, metavar="PORT", help="Port on 127.0.0.1.")] = 7878,
    build_dir: BuildOpt = None,
    writable: Annotated[
        bool, typer.Option("--writable", help="Accept SPARQL Update and Graph Store writes (default: read-only).")
    ] = False,
) -> None:
    """Serve the built dataset with Oxigraph on 127.0.0.1, read-only unless --writable. Ctrl-C stops it.

    Exit 3 when the port is already in use (nothing is started or sent), 130 on Ctrl-C, 143 on SIGTERM.
    """
    from kg import api
    from kg.errors import EndpointError

    if api.port_in_use(port):
        raise EndpointError(f"port {port} on 127.0.0.1 is already in use by another program; choose another "
                            "with --port (nothing was started or sent)")
    server = api.serve_build(_ensure_build_folder(build_dir), port, writable=writable)
    try:
        ep = server.endpoint
        out = _stdout()
        out.print(f"SPARQL endpoint: {ep.query_url}", markup=False)
        out.print(f"  query page (Oxigraph's own, in a browser): {server.ui_url}", markup=False)
        if writable:
            out.print(f"  WRITABLE: SPARQL Update at {ep.update_url} and Graph Store writes at {ep.store_url} "
                      "change the data; anyone who can reach this port can change it", markup=False)
        else:
            out.print(f"  read-only: updates and Graph Store writes are refused; graph store (read): {ep.store_url}",
                      markup=False)
        out.print("  Ctrl-C stops the server", markup=False)
        for note in server.notes:
            _stderr().print(f"kg: note: {note}", markup=False)
        sys.stdout.flush()
        code = server.wait()
        raise EndpointError(f"the Oxigraph server stopped by itself (exit status {code})")
    except KeyboardInterrupt:
        _stderr().print("kg: server stopped (interrupted)", markup=False)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    finally:
        server.stop()


@app.command()
@handle_errors
def docs(
    out: Annotated[Path, typer.Option("--out", metavar="FOLDER", help="Output folder, replaced whole.")] = Path(
        "ontology-docs"),
) -> None:
    """Write HTML documentation of the ontology, its SHACL shapes, concept schemes and the queries using each term.

    The folder is replaced atomically (exit 4, and the old folder left as it was, when it cannot be written).
    """
    from kg.web.docs import write_docs

    names = write_docs(out)
    _stdout().print(f"Ontology documentation written to {out}/ ({', '.join(names)})", markup=False)


@app.command()
@handle_errors
def web(
    build_dir: BuildOpt = None,
    port: Annotated[int, typer.Option("--port", min=0, max=65535, metavar="PORT", help="Port on 127.0.0.1 (0: any free port).")] = 8000,
    sparql_url: Annotated[
        str, typer.Option("--sparql-url", metavar="URL", help="Where the pages link the SPARQL query UI (see 'kg serve').")
    ] = "http://127.0.0.1:7878/",
) -> None:
    """Serve a read-only web app on 127.0.0.1: search, entity and article pages with highlighted evidence,
    a timeline and an offline map; entity IRIs resolve at their own path (HTML, Turtle or JSON-LD).

    Exit 3 when the port is already in use; Ctrl-C stops the server.
    """
    from kg import api
    from kg.web.app import create_app

    sock = api.loopback_socket(port)  # bound first: another program cannot take the port while the build loads
    try:
        application = create_app(_ensure_build(build_dir), sparql_url=sparql_url, freeze_heap=True)
        _stdout().print(f"Web app: http://127.0.0.1:{sock.getsockname()[1]}/  (read-only; Ctrl-C stops it)",
                        markup=False)
        sys.stdout.flush()
        try:  # uvicorn returns only when a signal stopped it (it shuts down gracefully on Ctrl-C)
            api.serve_web(application, sock)
        except KeyboardInterrupt:
            pass
    finally:
        sock.close()
    _stderr().print("kg: web server stopped (interrupted)", markup=False)
    raise typer.Exit(EXIT_INTERRUPTED)


class LookupType(str, Enum):
    person = "person"
    organization = "organization"
    country = "country"
    city = "city"
    post = "post"
    infrastructure = "infrastructure"
    concept = "concept"


def _lookup_index(build_dir: Path | None):  # type: ignore[no-untyped-def]
    """The lookup index of a build (``lookup-index.json``); an older build without one is indexed in memory."""
    from kg.api import load_lookup_index
    from kg.ingest.index import INDEX_FILE

    folder = build_dir or DEFAULT_BUILD
    if (folder / INDEX_FILE).is_file():
        return load_lookup_index(folder)
    kg = _ensure_build(build_dir)
    if (folder / INDEX_FILE).is_file():
        return load_lookup_index(folder)
    return kg.lookup_index


@app.command()
@handle_errors
def lookup(
    text: Annotated[str, typer.Argument(metavar="TEXT", help="A name or phrase, in Arabic or English (or an entity id).")],
    type_: Annotated[LookupType | None, typer.Option("--type", help="Only entities of this type.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, metavar="N", help="At most this many candidates.")] = 10,
    fmt: Annotated[str, typer.Option("--format", "-f", metavar="table|json", help="Output format.")] = "table",
    build_dir: BuildOpt = None,
) -> None:
    """Find known entities by name, across spellings: ranked candidates with a score (0-1).

    A score of 0.90 or more with every name token matched means the same name ("same"); 0.60 to 0.90 is
    "maybe" (a curator decides); below is "weak".
    """
    import json

    if fmt not in ("table", "json"):
        raise InputError(f"--format {fmt!r}: use table or json")
    index = _lookup_index(build_dir)
    if not text.strip():
        raise InputError("TEXT is empty: give a name or phrase to look up")
    found = index.lookup(text, type=type_.value if type_ else None, limit=limit)
    if fmt == "json":
        _emit(json.dumps([c.to_dict() for c in found], ensure_ascii=False, indent=2) + "\n")
        return
    from rich.table import Table

    table = Table(title=f"Lookup: {text}", title_justify="left")
    for col in ("score", "match", "type", "entity", "English", "العربية", "matched name"):
        table.add_column(col, justify="right" if col in ("score", "العربية") else "left", overflow="fold")
    for c in found:
        table.add_row(f"{c.score:.2f}", c.match, c.type, _display(_uri(c.iri)), c.labels.get("en", ""),
                      c.labels.get("ar", ""), c.matched)
    console = _stdout()
    console.print(table)
    console.print(f"{len(found)} candidate(s)")


def _uri(iri: str):  # type: ignore[no-untyped-def]
    from rdflib import URIRef

    return URIRef(iri)


@app.command()
@handle_errors
def ingest(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="The article text (UTF-8).")],
    data: Annotated[Path, typer.Option("--data", metavar="FOLDER", help="The data folder to add the article to.")],
    article_id: Annotated[str, typer.Option("--id", metavar="ID", help="The article id (the folder name; part of IRIs).")],
    lang: Annotated[Lang | None, typer.Option("--lang", help="The article's language [default: detected].")] = None,
    published: Annotated[str | None, typer.Option("--published", metavar="YYYY-MM-DD",
                                                  help="Publication date.")] = None,
    publisher: Annotated[str | None, typer.Option("--publisher", metavar="NAME", help="The publisher's name.")] = None,
    url: Annotated[str | None, typer.Option("--url", metavar="URL", help="The article's URL.")] = None,
) -> None:
    """Add an article: FOLDER/articles/ID/ with the text (NFC, LF) and a draft article.ttl that builds as is.

    Known entities are linked as mentions only when unambiguous; unknown and ambiguous names, dates and draft
    events are listed as comments for the curator. An existing article folder is never overwritten (exit 2).
    """
    from kg.api import ingest_article

    result = ingest_article(file, data, article_id, lang=lang.value if lang else None, published=published,
                            publisher=publisher, url=url)
    out = _stdout()
    out.print(f"Wrote {result.folder}/article.txt and article.ttl ({result.lang})", markup=False)
    out.print(f"  {len(result.mentions)} mention(s) linked, {len(result.candidates)} candidate(s) to review, "
              f"{len(result.dates)} date(s), {len(result.drafts)} draft event(s)", markup=False)
    for c in result.candidates:
        out.print(f"  candidate {c.kind}: {c.text} ({c.start}-{c.end})", markup=False)
    out.print(f"Next: review {result.folder}/article.ttl, add facts with kg:quote, then "
              f"'kg build --data {data}'", markup=False)


@app.command()
@handle_errors
def reconcile(
    build_dir: BuildOpt = None,
    port: Annotated[int, typer.Option("--port", min=0, max=65535, metavar="PORT", help="Port on 127.0.0.1 (0: any free one).")] = 8000,
) -> None:
    """Serve a W3C Reconciliation Service API (v0.2) on 127.0.0.1 for OpenRefine. Ctrl-C stops it.

    Exit 3 when the port is already in use (nothing is started).
    """
    from kg.api import loopback_socket, serve_reconciliation

    index = _lookup_index(build_dir)
    sock = loopback_socket(port)
    try:
        host, bound = sock.getsockname()[:2]
        _stdout().print(f"Reconciliation service: http://{host}:{bound}/\n  {len(index.entities)} entities; "
                        "add it in OpenRefine (Reconcile → Add standard service); Ctrl-C stops it", markup=False)
        sys.stdout.flush()
        serve_reconciliation(index, sock)
    finally:
        sock.close()
    _stderr().print("kg: reconciliation service stopped", markup=False)


def _click_exceptions():  # type: ignore[no-untyped-def]
    """Click's exception classes: typer ≥ 0.24 vendors click as ``typer._click``; older typer uses click."""
    try:
        from typer._click import exceptions
    except ImportError:  # pragma: no cover - older typer
        from click import exceptions
    return exceptions


def command():  # type: ignore[no-untyped-def]
    """The click command behind :data:`app`, with help that names values by their role (``FILE``,
    ``KEY=VALUE``, ``URL``): where an argument has a metavar, typer's Python type (``<list[Path]>``) is not
    shown beside it (options show their metavar instead of the type already)."""
    import typer.main

    cmd = typer.main.get_command(app)
    for sub in [cmd, *getattr(cmd, "commands", {}).values()]:
        for param in sub.params:
            if param.param_type_name == "argument" and param.metavar is not None and hasattr(param, "display_type"):
                param.display_type = lambda ctx: ""  # type: ignore[method-assign]
                param.display_type_rich = lambda ctx: ""  # type: ignore[method-assign]
    return cmd


def _call(cmd, argv: list[str] | None):  # type: ignore[no-untyped-def]
    """Run the click command; a failure to write standard output anywhere (``--help > /dev/full``) is exit 4."""
    try:
        return cmd(args=argv, prog_name="kg", standalone_mode=False)
    except OSError as exc:
        if not _is_output_failure(exc):
            raise
        _output_failed(exc)


def run(argv: list[str] | None = None) -> None:
    """Run the command line (exits the process with the command's code).

    :func:`kg.__main__.console` (the console script) and :func:`kg.__main__.main` install the signal handlers
    first and then call this.
    Usage errors (an unknown option, a value not among the choices) read like every other error:
    ``kg: error: …`` and exit 2. Standard output is flushed before exit, so a full disk or a closed pipe is
    reported (exit 4) instead of ending in a traceback.
    """
    import logging

    click = _click_exceptions()

    # rdflib logs (with tracebacks) what this tool reports itself, as located errors; keep the terminal clean
    logging.getLogger("rdflib").setLevel(logging.CRITICAL)
    if sys.stdout is None:  # started with standard output closed
        sys.stdout = _ClosedOutput()
    code: int | str | None = 0
    try:
        code = _call(command(), argv)
    except typer.Exit as exc:
        code = exc.exit_code
    except typer.Abort:
        _stderr().print("kg: interrupted", markup=False)
        code = EXIT_INTERRUPTED
    except click.NoArgsIsHelpError as exc:
        exc.show()
        code = exc.exit_code
    except click.UsageError as exc:
        path = exc.ctx.command_path if exc.ctx is not None else "kg"
        message = exc.format_message().replace("Value error, ", "")
        _stderr().print(f"kg: error: {message}\n(see '{path} --help')", markup=False)
        code = exc.exit_code
    except click.ClickException as exc:
        _stderr().print(f"kg: error: {exc.format_message()}", markup=False)
        code = exc.exit_code
    try:
        sys.stdout.flush()
    except OSError as exc:
        if not _is_output_failure(exc):
            raise
        try:
            _output_failed(exc)
        except typer.Exit as stop:
            code = stop.exit_code
    sys.exit(code if isinstance(code, int) else 0)


def main(argv: list[str] | None = None) -> None:
    """:func:`kg.__main__.main` (kept for a console script made as ``kg.cli:main`` by an older ``kg``)."""
    from kg.__main__ import main as entry

    entry(argv)


__all__ = ["app", "main", "run"]
