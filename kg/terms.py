"""Small rules about RDF terms that several stages share."""

from __future__ import annotations

import re

from rdflib import XSD, Literal
from rdflib.term import Node

IRI_UNSAFE = re.compile(r'[\x00-\x20<>"{}|^`\\]')
"""Characters an IRI may not hold (RFC 3987 / the SPARQL and Turtle IRIREF production)."""


def canonical_term(term: Node | None) -> Node | None:
    """``"x"^^xsd:string`` as the simple literal ``"x"``: one RDF 1.1 term, which rdflib compares as two.

    Some stores (Oxigraph among them) hand simple literals back with the datatype spelt out.
    """
    if isinstance(term, Literal) and term.datatype == XSD.string and term.language is None:
        return Literal(str(term))
    return term
