"""Small rules about RDF terms that several stages share."""

from __future__ import annotations

import re

from rdflib import XSD, Literal
from rdflib.term import Node

IRI_UNSAFE = re.compile(r'[\x00-\x20<>"{}|^`\\]')
"""Characters an IRI may not hold (RFC 3987 / the SPARQL and Turtle IRIREF production)."""

TERM_MAX_BYTES = 4 * 2**20
"""The most UTF-8 bytes one literal or IRI may hold (4 MiB). pyoxigraph, which reads a build back (``kg query``,
``kg serve``, the kept query store), reads at most 16 MiB in one term or N-Triples line, and a literal written
takes up to twice its bytes (``\\n``, ``\\"``…) beside its subject and predicate: a build holding a longer
term could be written but not read again."""

PARSER_LIMIT_MESSAGE = ("holds a term (a literal or IRI) of more than 16 MiB, more than kg's RDF parser "
                        "(pyoxigraph) reads in one piece")
"""What a file that pyoxigraph refuses for its size is said to hold (its parser raises ``MemoryError``)."""


def too_long(text: str) -> bool:
    """Whether ``text`` (a literal's or IRI's) is more than :data:`TERM_MAX_BYTES` in UTF-8."""
    return len(text) * 4 > TERM_MAX_BYTES and len(text.encode("utf-8", "surrogatepass")) > TERM_MAX_BYTES


def canonical_term(term: Node | None) -> Node | None:
    """``"x"^^xsd:string`` as the simple literal ``"x"``: one RDF 1.1 term, which rdflib compares as two.

    Some stores (Oxigraph among them) hand simple literals back with the datatype spelt out.
    """
    if isinstance(term, Literal) and term.datatype == XSD.string and term.language is None:
        return Literal(str(term))
    return term
