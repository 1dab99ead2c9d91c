"""The one place that locates the packaged files: ontology, shapes, data and queries.

Everything is found through :mod:`importlib.resources`, so it works the same
from a checkout (editable install) and from an installed wheel. The top-level
folders ``ontology/``, ``data/`` and ``queries/`` are installed as the packages
``kg.ontology``, ``kg.data`` and ``kg.queries`` (see ``pyproject.toml``).
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

ONTOLOGY_FILE = "ictkg.ttl"
SCHEMES_FILE = "ictkg.schemes.ttl"
SHAPES_SUFFIX = ".shapes.ttl"
SHAPE_MESSAGES_FILE = "ictkg.shapes-messages.ttl"


def ontology_dir() -> Traversable:
    """The packaged ``ontology/`` folder."""
    return files("kg.ontology")


def ontology_file() -> Traversable:
    """The OWL ontology (Turtle): the file whose header documentation tools read."""
    return ontology_dir() / ONTOLOGY_FILE


def schemes_file() -> Traversable:
    """The SKOS concept schemes (Turtle), kept apart from the ontology's header."""
    return ontology_dir() / SCHEMES_FILE


def ontology_files() -> list[Traversable]:
    """What the build loads into the ontology graph: the OWL ontology, then the concept schemes."""
    return [ontology_file(), schemes_file()]


def shape_messages_file() -> Traversable:
    """The translations of the shapes' messages (``sh:message`` in Arabic, keyed by the shape's IRI): a separate
    graph, so that the shapes file has one message per constraint, as Apache Jena SHACL requires."""
    return ontology_dir() / SHAPE_MESSAGES_FILE


def shapes_files() -> list[Traversable]:
    """The SHACL shapes files (``*.shapes.ttl``), sorted by name."""
    return sorted(
        (f for f in ontology_dir().iterdir() if f.name.endswith(SHAPES_SUFFIX)),
        key=lambda f: f.name,
    )


def data_dir() -> Traversable:
    """The packaged ``data/`` folder: ``reference/*.ttl`` and ``articles/<id>/``."""
    return files("kg.data")


def queries_dir() -> Traversable:
    """The packaged ``queries/`` folder of ``*.rq`` files."""
    return files("kg.queries")


def query_files() -> list[Traversable]:
    """Every packaged SPARQL query, sorted by name."""
    return sorted((f for f in queries_dir().iterdir() if f.name.endswith(".rq")), key=lambda f: f.name)


def package_dir() -> Traversable:
    """The installed ``kg`` package itself (what no output may be written into)."""
    return files("kg")


def source_file(module: str) -> Traversable:
    """A module of the ``kg`` package by file name (``facts.py``): what the article cache's digest reads."""
    return files("kg") / module
