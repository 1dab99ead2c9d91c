"""Small rules about RDF terms that several stages share."""

from __future__ import annotations

import re

from rdflib import XSD, Literal
from rdflib.term import Node

IRI_UNSAFE = re.compile(r'[\x00-\x20<>"{}|^`\\]')
"""Characters an IRI may not hold (RFC 3987 / the SPARQL and Turtle IRIREF production)."""

TERM_MAX_BYTES = 8 * 2**20
"""The most bytes one literal or IRI may take as a build writes it (8 MiB; :func:`written_size`: UTF-8 with the
escapes of N-Triples, Turtle and TriG, so a line break takes 2 bytes and another control character 6, ``\\u0001``).
pyoxigraph, which reads a build back (``kg query``, ``kg serve``, ``kg web``, the kept query store, the article
cache), reads at most 16 MiB in one piece: a build holding a longer term could be written but not read again.
Half of that leaves room for the rest of a line."""

PARSER_LIMIT_MESSAGE = ("holds a piece (a term, a comment or a line) of more than 16 MiB, more than kg's RDF "
                        "parser (pyoxigraph) reads at once")
"""What a file that pyoxigraph refuses for its size is said to hold (see :func:`is_parser_limit`)."""


def is_parser_limit(error: BaseException) -> bool:
    """Whether ``error`` is pyoxigraph's parser refusing a piece of more than 16 MiB (a ``MemoryError`` that says
    so), not the machine running out of memory."""
    return isinstance(error, MemoryError) and "buffer maximal size" in str(error)


def written_size(text: str, *, iri: bool = False) -> int:
    """The bytes ``text`` takes as a build writes it: an IRI between ``<>`` (IRIs hold no character that is
    escaped), or a literal's lexical form between quotes with its escapes, as pyoxigraph writes it."""
    if iri:
        return len(text.encode("utf-8", "surrogatepass")) + 2
    import pyoxigraph as ox

    try:
        return len(str(ox.Literal(text)).encode("utf-8"))
    except UnicodeEncodeError:  # a lone surrogate (rdflib's own parsers let one through): the most it could take
        return len(text) * 6 + 2


def too_long(text: str, *, iri: bool = False) -> bool:
    """Whether ``text`` (a literal's lexical form, or an IRI with ``iri``) takes more than
    :data:`TERM_MAX_BYTES` as written (:func:`written_size`; a character takes at most 6 bytes, so a short text is
    not measured)."""
    return len(text) * 6 + 2 > TERM_MAX_BYTES and written_size(text, iri=iri) > TERM_MAX_BYTES


def canonical_term(term: Node | None) -> Node | None:
    """``"x"^^xsd:string`` as the simple literal ``"x"``: one RDF 1.1 term, which rdflib compares as two.

    Some stores (Oxigraph among them) hand simple literals back with the datatype spelt out.
    """
    if isinstance(term, Literal) and term.datatype == XSD.string and term.language is None:
        return Literal(str(term))
    return term
