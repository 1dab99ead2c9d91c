"""The ``kg`` command line. The only module that prints or exits.

Exit codes (the same for every command; see :mod:`kg.errors`): 0 success /
conforms, 1 does not conform, 2 unusable input, 3 remote server failed,
4 output not written, 130 interrupted (SIGINT), 143 terminated (SIGTERM).
"""

from __future__ import annotations

import functools
import signal
import sys
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from kg.errors import EXIT_INTERRUPTED, EXIT_NONCONFORMANT, InputError, KGError

EXIT_TERMINATED = 143

app = typer.Typer(
    name="kg",
    help="The regional ICT cooperation knowledge graph: build, validate, query and export it.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)

F = TypeVar("F", bound=Callable[..., Any])


class Terminated(BaseException):
    """The process received SIGTERM. Like KeyboardInterrupt for SIGINT it is not an Exception, so no
    ``except Exception`` in a library (rdflib's query evaluation, a retry loop) can swallow it."""


def _on_sigterm(_signum: int, _frame: object) -> None:
    raise Terminated()


def _stderr():  # type: ignore[no-untyped-def]
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def _stdout():  # type: ignore[no-untyped-def]
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def handle_errors(fn: F) -> F:
    """Run a command, turning user errors and interrupts into a message and the documented exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
        try:
            return fn(*args, **kwargs)
        except KGError as exc:
            _stderr().print(f"kg: error: {exc}", markup=False)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            _stderr().print("kg: interrupted; nothing was written", markup=False)
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except Terminated:
            _stderr().print("kg: terminated (SIGTERM); nothing was written", markup=False)
            raise typer.Exit(EXIT_TERMINATED) from None
        finally:
            signal.signal(signal.SIGTERM, previous)

    return wrapper  # type: ignore[return-value]


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
    typer.Option("--data", help="A data folder (reference/, articles/<id>/); default: the packaged data."),
]
BuildOpt = Annotated[Path, typer.Option("--build", help="The build folder to read.")]
StoreOpt = Annotated[
    str,
    typer.Option("--store", envvar="KG_STORE", help="rdflib store plugin: 'default' (memory) or 'Oxigraph' (oxrdflib)."),
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


def _print_stats(stats, *, domains: bool) -> None:  # type: ignore[no-untyped-def]
    """Triples per graph and entities per class (and, with ``domains``, facts per cooperation domain)."""
    from rich.table import Table

    console = _stdout()
    graphs = Table(title="Triples per graph", title_justify="left")
    graphs.add_column("graph")
    graphs.add_column("triples", justify="right")
    for name, n in stats.graphs.items():
        graphs.add_row(name, str(n))
    graphs.add_row("total", str(stats.triples), style="bold")
    classes = Table(title="Entities per class (with inferences)", title_justify="left")
    classes.add_column("class")
    classes.add_column("entities", justify="right")
    for name, n in stats.classes.items():
        classes.add_row(name, str(n))
    console.print(graphs)
    console.print(classes)
    if domains:
        table = Table(title="Cooperation domains", title_justify="left")
        for col in ("domain", "المجال", "facts"):
            table.add_column(col, justify="right" if col == "facts" else "left")
        for d in stats.domains:
            table.add_row(d.label_en, d.label_ar, str(d.facts))
        console.print(table)


@app.command()
@handle_errors
def build(
    data: DataOpt = None,
    out: Annotated[Path, typer.Option("--out", help="Output folder, replaced whole on success.")] = Path("build"),
    store: StoreOpt = "default",
    allow_violations: Annotated[
        bool, typer.Option("--allow-violations", help="Write the output even when SHACL validation fails.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing on success.")] = False,
) -> None:
    """Load ontology, reference data and articles; check quotes; reason (OWL-RL); validate (SHACL); write.

    The output folder is replaced atomically: when anything fails, the previous
    output stays exactly as it was. Exit 0 when the data conforms, 1 when it
    does not (nothing is written unless --allow-violations), 2 for unusable
    input, 4 when the output cannot be written.
    """
    from kg.api import KnowledgeGraph

    err = _stderr()
    status, note = _progress(err)
    with status:
        kg = KnowledgeGraph.build(data, store=store, progress=note)
        note("validating (SHACL)")
        report = kg.validate()
        if report.conforms or allow_violations:
            note("writing")
            kg.write(out)
    if not report.conforms:
        err.print(report.to_text(), markup=False)
        if not allow_violations:
            err.print(f"kg: build does not conform; {out}/ was left as it was", markup=False)
        raise typer.Exit(EXIT_NONCONFORMANT)
    if not quiet:
        _print_stats(kg.stats(), domains=False)
        _stdout().print(f"SHACL validation: conforms\nWritten to {out}/", markup=False)


@app.command()
@handle_errors
def validate(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="RDF files to validate (with the packaged ontology); default: the last build."),
    ] = None,
    build_dir: BuildOpt = Path("build"),
    data: DataOpt = None,
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f", help="Report format.")] = ReportFormat.text,
    lang: Annotated[Lang, typer.Option("--lang", help="Language of labels and messages.")] = Lang.en,
) -> None:
    """Validate against the SHACL shapes; report violations grouped by node, with the source sentence.

    Exit 0 when the data conforms, 1 when it does not, 2 for unusable input.
    """
    kg = _load_for_validation(files or [], build_dir, data)
    report = kg.validate()
    if fmt is ReportFormat.json:
        sys.stdout.write(report.to_json())
    elif fmt is ReportFormat.turtle:
        sys.stdout.write(report.to_turtle())
    else:
        sys.stdout.write(report.to_text(lang.value))
    if not report.conforms:
        raise typer.Exit(EXIT_NONCONFORMANT)


def _load_for_validation(files: list[Path], build_dir: Path, data: Path | None):  # type: ignore[no-untyped-def]
    from kg.api import KnowledgeGraph

    if files:  # SHACL checks asserted triples with the ontology; no reasoning needed
        from kg.load import load_ontology, parse_files

        ds = parse_files(files)
        load_ontology(ds)
        return KnowledgeGraph(ds)
    if data is None and (build_dir / "dataset.trig").is_file():
        return KnowledgeGraph.load(build_dir)
    return KnowledgeGraph.build(data)


def _ensure_build(build_dir: Path, data: Path | None = None, store: str = "default"):  # type: ignore[no-untyped-def]
    """The last build in ``build_dir``; when there is none, build (and write) it first."""
    from kg.api import KnowledgeGraph

    if (build_dir / "dataset.trig").is_file():
        return KnowledgeGraph.load(build_dir, store=store)
    _stderr().print(f"kg: no build in {build_dir}/; building it first", markup=False)
    kg = KnowledgeGraph.build(data, store=store)
    report = kg.validate()
    if not report.conforms:
        raise InputError("the data does not conform, so there is nothing to export; run 'kg validate' for details")
    kg.write(build_dir)
    return kg


def _check_output(path: Path, inputs: list[Path]) -> None:
    if path.is_dir():
        raise InputError(f"-o {path}: is a folder; give a file name")
    target = path.resolve()
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
    build_dir: BuildOpt = Path("build"),
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file (atomically).")] = None,
) -> None:
    """Export the last build (building it first if there is none) in an RDF format, deterministically."""
    if output is not None:
        _check_output(output, [build_dir])
    kg = _ensure_build(build_dir)
    data = kg.export(fmt.value, inferred=inferred)
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        from kg.fsutil import write_bytes_atomic

        write_bytes_atomic(output, data)


@app.command()
@handle_errors
def stats(
    build_dir: BuildOpt = Path("build"),
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
) -> None:
    """Counts per graph and per class, and the cooperation domains with how many facts touch each."""
    if fmt not in ("table", "json"):
        raise InputError(f"--format {fmt!r}: use table or json")
    kg = _ensure_build(build_dir)
    result = kg.stats()
    if fmt == "json":
        import dataclasses
        import json

        sys.stdout.write(json.dumps(dataclasses.asdict(result), ensure_ascii=False, indent=2) + "\n")
        return
    _print_stats(result, domains=True)


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
    table = Table(title=title, title_justify="left", show_lines=False)
    for v in columns:
        label_column = v.endswith(f"_{lang}")
        table.add_column(v[:-3] if label_column else v,
                         justify="right" if (lang == "ar" and label_column) else "left", overflow="fold")
    for row in result.rows:
        table.add_row(*(_display(row.get(v)) for v in columns))
    console = _stdout()
    console.print(table)
    console.print(f"{len(result.rows)} row(s)")


@app.command()
@handle_errors
def query(
    name: Annotated[str | None, typer.Argument(help="A packaged query (see --list).")] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the packaged queries and their parameters.")] = False,
    file: Annotated[Path | None, typer.Option("--file", help="Run the SPARQL query in this file instead.")] = None,
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="A parameter, NAME=VALUE (repeatable).")] = None,
    fmt: Annotated[QueryFormat, typer.Option("--format", "-f", help="Output format.")] = QueryFormat.table,
    lang: Annotated[Lang, typer.Option("--lang", help="Label language of the table.")] = Lang.en,
    build_dir: BuildOpt = Path("build"),
    endpoint: Annotated[str | None, typer.Option("--endpoint", help="Run on this SPARQL server instead.")] = None,
    graph: Annotated[list[str] | None, typer.Option("--graph", help="Named graph(s) to query on the server.")] = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for the server.")] = 30.0,
    store: StoreOpt = "default",
) -> None:
    """Ask the graph a question: a packaged query by name, or a SPARQL file. Read-only."""
    from kg import query as q

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
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{file}: cannot read the query: {exc}") from None
        packaged = q.parse_header(file.stem, text)
    else:
        packaged = q.get_query(name or "")
    bindings = q.bind(packaged, _parse_params(param or []))
    if endpoint:
        from kg.endpoint import Endpoint, remote_query

        ep = Endpoint.from_url(endpoint, timeout=timeout)
        result = remote_query(ep, packaged.text, bindings, graphs=graph or None, label=packaged.name)
    else:
        kg = _ensure_build(build_dir, store=store)
        result = q.run_local(kg.union, packaged.text, bindings, label=packaged.name,
                             inline_values=kg.store != "default")
    if result.boolean is not None:
        sys.stdout.write(("yes" if result.boolean else "no") + "\n")
    elif result.graph is not None:
        sys.stdout.write(result.graph.serialize(format="turtle"))
    elif fmt is QueryFormat.table:
        _print_table(result, lang.value, packaged.title_ar if lang is Lang.ar and packaged.title_ar else packaged.title)
    else:
        sys.stdout.write({"csv": result.to_csv, "tsv": result.to_tsv, "json": result.to_json,
                          "markdown": result.to_markdown}[fmt.value]())


def _list_queries(lang: str) -> None:
    from rich.table import Table

    from kg.query import list_queries

    table = Table(title="Packaged queries", title_justify="left")
    table.add_column("name")
    table.add_column("title")
    table.add_column("parameters", overflow="fold")
    for q in list_queries():
        title = q.title_ar if lang == "ar" and q.title_ar else q.title
        params = ", ".join(f"{p.name} ({p.type}{', required' if p.required else ''})" for p in q.parameters)
        table.add_row(q.name, title, params or "—")
    _stdout().print(table)


@app.command()
@handle_errors
def publish(
    endpoint: Annotated[str, typer.Option("--endpoint", help="The server's SPARQL query URL.")],
    update_endpoint: Annotated[str | None, typer.Option("--update-endpoint", help="SPARQL Update URL.")] = None,
    store_endpoint: Annotated[
        str | None, typer.Option("--store-endpoint", help="Graph Store Protocol URL (faster uploads).")
    ] = None,
    graph: Annotated[list[str] | None, typer.Option("--graph", help="Publish only this named graph (repeatable).")] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Replace each graph instead of adding to it.")] = False,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="Triples per request.")] = 50_000,
    build_dir: BuildOpt = Path("build"),
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for each request.")] = 60.0,
    retries: Annotated[int, typer.Option("--retries", min=0, help="Retries of transient failures.")] = 2,
) -> None:
    """Upload the built dataset to a SPARQL 1.1 server, each graph as its own named graph.

    Credentials come from KG_ENDPOINT_USER / KG_ENDPOINT_PASSWORD or a netrc file.
    """
    from kg.endpoint import Endpoint
    from kg.endpoint import publish as do_publish

    ep = Endpoint.from_url(endpoint, update_url=update_endpoint, store_url=store_endpoint, timeout=timeout,
                           retries=retries)
    kg = _ensure_build(build_dir)
    status, note = _progress(_stderr())
    with status:
        report = do_publish(kg.dataset, ep, graphs=graph or None, replace=replace, batch_size=batch_size,
                            progress=note)
    _stdout().print(f"Published {report.triples} triples in {len(report.graphs)} graph(s) to {endpoint} "
                    f"({report.protocol}):", markup=False)
    for name in report.graphs:
        _stdout().print(f"  {name}", markup=False)


@app.command()
@handle_errors
def serve(
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port on 127.0.0.1.")] = 7878,
    build_dir: BuildOpt = Path("build"),
) -> None:
    """Start a local Oxigraph SPARQL server with the built dataset, on 127.0.0.1. Ctrl-C stops it."""
    from kg.endpoint import OxigraphServer
    from kg.endpoint import publish as do_publish

    kg = _ensure_build(build_dir)
    server = OxigraphServer(port)
    try:
        server.start()
        report = do_publish(kg.dataset, server.endpoint, replace=True)
        out = _stdout()
        out.print(f"SPARQL endpoint: {server.endpoint.query_url}", markup=False)
        out.print(f"  update: {server.endpoint.update_url}   graph store: {server.endpoint.store_url}", markup=False)
        out.print(f"  {report.triples} triples in {len(report.graphs)} named graphs; Ctrl-C stops the server",
                  markup=False)
        sys.stdout.flush()
        assert server.process is not None
        server.process.wait()
    except KeyboardInterrupt:
        _stderr().print("kg: server stopped", markup=False)
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    import logging

    # rdflib logs (with tracebacks) what this tool reports itself, as located errors; keep the terminal clean
    logging.getLogger("rdflib").setLevel(logging.CRITICAL)
    try:
        app(args=argv, prog_name="kg")
    except KeyboardInterrupt:  # pragma: no cover - interrupt during argument parsing
        sys.exit(EXIT_INTERRUPTED)


__all__ = ["app", "main"]
