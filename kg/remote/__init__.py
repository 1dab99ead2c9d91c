"""Remote SPARQL servers, in three parts.

* :mod:`kg.remote.client` — talking to a server: :class:`~kg.remote.client.Endpoint`, credentials and URL
  masking, HTTP with one deadline per call, no redirects and ``Retry-After``, :func:`~kg.remote.client.remote_query`.
* :mod:`kg.remote.publisher` — :func:`~kg.remote.publisher.publish`: uploading the build, graph by graph.
* :mod:`kg.remote.server` — :class:`~kg.remote.server.OxigraphServer`: a local Oxigraph server on loopback,
  read-only unless asked otherwise.

The names most callers need are re-exported here.
"""

from __future__ import annotations

from kg.remote.client import (
    Endpoint,
    find_credentials,
    mask_url,
    parse_json_result,
    project_graphs,
    refuse_service,
    remote_query,
    update,
)
from kg.remote.publisher import PublishReport, publish
from kg.remote.server import OxigraphServer, free_port, oxigraph_binary

__all__ = [
    "Endpoint",
    "OxigraphServer",
    "PublishReport",
    "find_credentials",
    "free_port",
    "mask_url",
    "oxigraph_binary",
    "parse_json_result",
    "project_graphs",
    "publish",
    "refuse_service",
    "remote_query",
    "update",
]
