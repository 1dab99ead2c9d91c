"""Publishing the build to a SPARQL 1.1 server, graph by graph, each replaced (or extended) in one step.

:func:`publish` uploads each named graph in batches, first into a staging graph,
then moves it into place with one SPARQL Update ``MOVE`` (or ``ADD``): on a server
that runs each update atomically, a reader sees the old graph or the new one, never
half of it. Batches go through the Graph Store HTTP Protocol when a store URL is
known, SPARQL Update ``INSERT DATA`` otherwise. Triples with blank nodes go together in one
last batch, so each blank node stays one node. Each request has its own deadline
(``Endpoint.timeout``, retries included) and follows no redirect
(see :mod:`kg.remote.client`).
"""

from __future__ import annotations

import dataclasses
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from rdflib import BNode, Dataset, Graph, URIRef

from kg.errors import EndpointError, InputError
from kg.signals import Terminated
from kg.load import graph_names
from kg.namespaces import GRAPH, SERVED_UNION_MARK
from kg.remote.client import Endpoint, post, project_graphs, update

__all__ = ["PublishReport", "project_graphs", "publish", "update"]


@dataclass
class PublishReport:
    """What :func:`publish` did: the graphs written and the triples sent."""

    graphs: list[str] = field(default_factory=list)
    triples: int = 0
    protocol: str = "update"


def _batches(graph: Graph, size: int) -> Iterator[tuple[bytes, bool]]:
    """N-Triples batches of ``graph``, each with whether it holds blank nodes.

    A server makes the blank nodes of each request fresh, so every triple with a blank node goes into one
    last batch (whatever ``size`` says): a blank node split over two requests would become two nodes.
    """
    batch, with_blanks = Graph(), Graph()
    for triple in graph:
        if any(isinstance(term, BNode) for term in triple):
            with_blanks.add(triple)
            continue
        batch.add(triple)
        if len(batch) >= size:
            yield batch.serialize(format="nt", encoding="utf-8"), False
            batch = Graph()
    if len(batch):
        yield batch.serialize(format="nt", encoding="utf-8"), False
    if len(with_blanks):
        yield with_blanks.serialize(format="nt", encoding="utf-8"), True


def _store_url(endpoint: Endpoint, graph: str) -> str:
    assert endpoint.store_url
    return endpoint.store_url + ("&" if "?" in endpoint.store_url else "?") + urllib.parse.urlencode({"graph": graph})


def _done_and_left(report: PublishReport, names: list[str]) -> tuple[str, str]:
    """The graphs a stopped publish wrote completely, and the others, in words."""
    return ", ".join(report.graphs) or "none", ", ".join(n for n in names if n not in report.graphs)


def _drop(endpoint: Endpoint, staging: str) -> bool:
    """Drop the staging graph ``staging`` (an N-Triples IRI) of a stopped publish; whether the server did."""
    try:
        update(endpoint, f"DROP SILENT GRAPH {staging}")
    except EndpointError:
        return False
    return True


def _stopped(err: EndpointError, report: PublishReport, names: list[str]) -> EndpointError:
    """``err`` with what a publish that it stopped wrote and left: each graph is whole on the server, old or new."""
    done, left = _done_and_left(report, names)
    err.message = (f"{err.message}\npublish stopped: graphs written completely: {done}; not written "
                   f"(left as they were on the server): {left}")
    err.args = (err.message,)
    return err


CLEANUP_TIMEOUT = 5.0
"""How long an interrupted publish waits for the server to drop the staging graph it was filling (seconds)."""


def _left(report: PublishReport, names: list[str], staging: str | None) -> str:
    """What an interrupted publish left on the server, in words (``staging``: a staging graph that could not be
    dropped)."""
    done, left = _done_and_left(report, names)
    sent = ("the one being sent dropped" if staging is None else
            f"the staging graph of the one being sent could not be dropped: drop {staging} on the server")
    return (f"the server holds the graphs published completely ({done}); the others were left as they were "
            f"there ({left}), {sent}")


def publish(ds: Dataset, endpoint: Endpoint, *, graphs: list[str] | None = None, replace: bool = False,
            batch_size: int = 50_000, progress: Callable[[str], None] | None = None) -> PublishReport:
    """Upload the named graphs of ``ds`` (or only ``graphs``) to the server, each as its own named graph.

    Each graph goes to a staging graph in batches, then replaces (``replace``) or is added to the target
    in one update. If a step fails, the staging graph is dropped and the error says which graphs were
    written and which were not.
    """
    note = progress or (lambda _m: None)
    names = [str(n) for n in graph_names(ds) if str(n).startswith(str(GRAPH))]
    if graphs:
        unknown = sorted(set(graphs) - set(names))
        if unknown:
            raise InputError(f"--graph: the build has no graph {', '.join(unknown)}; it has: {', '.join(names)}")
        names = [n for n in names if n in graphs]
    report = PublishReport(protocol="graph-store" if endpoint.store_url else "update")
    # a server whose default graph was a copy of the union of its graphs (kg serve's, or a dump of one) no longer
    # has that union once a graph changes: the mark that says so goes first, so that clients name the graphs
    try:
        update(endpoint, f"DROP SILENT GRAPH {SERVED_UNION_MARK.n3()}")
    except EndpointError as err:
        raise _stopped(err, report, names) from None
    for name in names:
        target = URIRef(name).n3()
        staging_iri = f"{name}/staging-{uuid.uuid4().hex}"
        staging = URIRef(staging_iri).n3()
        try:
            sent = 0
            for chunk, blanks in _batches(ds.graph(URIRef(name)), batch_size):
                if endpoint.store_url:
                    post(endpoint, _store_url(endpoint, staging_iri), chunk, "application/n-triples")
                elif blanks:  # a template, not INSERT DATA: some servers (Virtuoso) refuse blank nodes in DATA
                    update(endpoint, f"INSERT {{ GRAPH {staging} {{\n{chunk.decode('utf-8')}\n}} }} WHERE {{ }}")
                else:
                    update(endpoint, f"INSERT DATA {{ GRAPH {staging} {{\n{chunk.decode('utf-8')}\n}} }}")
                sent += chunk.count(b"\n")
                note(f"{name}: {sent} triples sent")
            if replace:
                update(endpoint, f"MOVE SILENT GRAPH {staging} TO GRAPH {target}")
            else:
                update(endpoint, f"ADD SILENT GRAPH {staging} TO GRAPH {target} ; DROP SILENT GRAPH {staging}")
        except EndpointError as err:
            _drop(endpoint, staging)
            raise _stopped(err, report, names) from None
        except (KeyboardInterrupt, Terminated) as stop:  # the staging graph would stay, under the build's prefix
            # a few seconds at most: a server that hangs is when people press Ctrl-C
            dropped = _drop(dataclasses.replace(endpoint, timeout=min(endpoint.timeout, CLEANUP_TIMEOUT), retries=0),
                            staging)
            stop.written_to = _left(report, names, None if dropped else staging_iri)  # type: ignore[attr-defined]
            raise
        report.graphs.append(name)
        report.triples += sent
    return report
