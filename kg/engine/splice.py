"""A build's large files made from the previous build's, where only articles were added: what did not change is
copied, byte for byte, and only the rest is written.

Both files are written by :func:`kg.engine.store.serialize_lines` in an order that makes this possible:

- ``dataset.trig`` is a ``@prefix`` header, then one block per graph in the order of the graphs' names, each block
  (``<graph> {`` … ``}``) written from that graph's triples alone. A graph of the earlier build that is unchanged
  (an article whose files did not change, the ontology, the reference data) has the same block: :func:`trig`
  copies it, and writes the blocks of the other graphs (the added articles, the inferences).
- ``asserted.ttl`` is a ``@prefix`` header, then one block per subject (its line at the start of a line, its other
  lines indented, ending with `` .``), in the order of the subjects' N-Triples forms, each written from that
  subject's triples alone. Adding triples changes the blocks of their subjects only: :func:`turtle` finds each
  such block by binary search and writes it again from its triples and the added ones, or inserts a new one.

Each function gives the new file as :data:`Parts`: pieces of the earlier file (views of its bytes, not copies) and
the bytes written anew, whose concatenation is the file. The caller writes them one after the other
(:func:`write`), so the file is never assembled in memory: on 1,000 articles that saves making 330 MB of new
memory (80,000 page faults) and copying into it. Each function returns None where its file cannot be made this
way, and the caller writes the file whole: blank nodes (they are labelled over the whole file), a block or a
subject it cannot read back, a header that differs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from rdflib import URIRef

from kg.engine.store import WRITE_PREFIXES, _after_prefix_lines, _lines, serialize_lines


Parts = list[bytes | memoryview]
"""A file as the pieces it is made of, in order (see the module docstring)."""


def joined(parts: Sequence[bytes | memoryview]) -> bytes:
    """The bytes of a file given as :data:`Parts`."""
    return b"".join(parts)


def write(path: Path, parts: Sequence[bytes | memoryview]) -> None:
    """Write the file made of ``parts`` (:data:`Parts`) to ``path``, one piece after the other."""
    with open(path, "wb") as out:
        for part in parts:
            out.write(part)


class _Unreadable(Exception):
    """The earlier file is not as the writer writes it: the caller writes the file whole."""


def header() -> bytes:
    """The ``@prefix`` lines every Turtle and TriG file of a build starts with."""
    import pyoxigraph as ox

    term = ox.NamedNode("urn:x-kg:splice")
    one = ox.Triple(term, term, term)
    data = serialize_lines([(None, _lines([one]), [one])], "turtle")
    return data[:_after_prefix_lines(data)]


def trig(old: bytes, old_names: list[URIRef], new_names: list[URIRef], unchanged: set[URIRef],
         opening: Callable[[URIRef], bytes], block: Callable[[URIRef], bytes]) -> Parts | None:
    """``dataset.trig`` of the graphs ``new_names`` (in that order), from the earlier one (``old``, of the graphs
    ``old_names``): the block of each graph of ``unchanged`` copied, ``block(name)`` for the others.
    ``opening(name)`` is the line a graph's block starts with."""
    start = _after_prefix_lines(old)
    if old[:start] != header() or not old_names:
        return None
    bounds: dict[URIRef, tuple[int, int]] = {}
    position = start
    for k, name in enumerate(old_names):
        if not old.startswith(opening(name), position):
            return None
        if k + 1 < len(old_names):
            # a block ends with "}" on a line of its own; a literal's line breaks are escaped, so this is the end
            found = old.find(b"\n}\n" + opening(old_names[k + 1]), position)
            if found < 0:
                return None
            end = found + 3
        else:
            end = len(old)
            if not old.endswith(b"\n}\n"):
                return None
        if old.find(b"\n}\n", position, end - 3) >= 0:
            return None  # a block of a graph the manifest does not list: not the file it describes
        bounds[name] = (position, end)
        position = end
    view = memoryview(old)
    parts: Parts = [view[:start]]
    for name in new_names:
        if name in unchanged and name in bounds:
            parts.append(view[slice(*bounds[name])])
        else:
            parts.append(block(name))
    return parts


def turtle(old: bytes, added: Iterable[Any]) -> Parts | None:
    """``asserted.ttl`` (the union of the asserted graphs) after ``added`` (``pyoxigraph.Triple`` s, with no blank
    node) joined the graphs, from the earlier file ``old``."""
    import pyoxigraph as ox

    start = _after_prefix_lines(old)
    head = old[:start]
    if head != header() or b"_:" in old:
        return None
    prefixes = {f"{prefix}:".encode(): iri.encode() for prefix, iri in WRITE_PREFIXES.items()}
    by_subject: dict[bytes, set[Any]] = {}
    for t in added:
        if type(t.subject) is ox.BlankNode or type(t.object) is ox.BlankNode:
            return None
        by_subject.setdefault(str(t.subject).encode(), set()).add(t)
    end = len(old)

    def subject_line(position: int) -> int:
        """The first line at or after ``position`` that starts a subject's block (``end`` if none)."""
        if position > start:
            position = old.find(b"\n", position - 1)
            if position < 0:
                return end
            position += 1
        while position < end and old[position] == 0x09:  # an indented line: the block of the subject above
            position = old.find(b"\n", position)
            if position < 0:
                return end
            position += 1
        return position

    def subject(position: int) -> bytes:
        """The N-Triples form of the subject whose block starts at ``position``."""
        token = old[position:old.index(b" ", position)]
        if token.startswith(b"<"):
            return token
        prefix, colon, local = token.partition(b":")
        namespace = prefixes.get(prefix + colon)
        if namespace is None or not local or b"\\" in local or b"%" in local:
            raise _Unreadable(token.decode("utf-8", "replace"))
        return b"<" + namespace + local + b">"

    def first_from(target: bytes) -> int:
        """Where the first block whose subject is not below ``target`` starts (``end`` if none)."""
        low, high = start, end
        while low < high:
            middle = (low + high) // 2
            found = subject_line(middle)
            if found < end and subject(found) < target:
                low = middle + 1
            else:
                high = middle
        return subject_line(low)

    def written(triples: set[Any]) -> bytes:
        listed = list(triples)
        data = serialize_lines([(None, _lines(listed), listed)], "turtle")
        return data[_after_prefix_lines(data):]

    view = memoryview(old)
    parts: Parts = []
    copied = 0
    try:
        for form in sorted(by_subject):
            position = first_from(form)
            if position < copied:
                return None
            triples = by_subject[form]
            finish = position
            if position < end and subject(position) == form:
                finish = subject_line(position + 1)
                earlier = {q.triple for q in ox.parse(head + old[position:finish], format=ox.RdfFormat.TURTLE)}
                if any(type(t.subject) is ox.BlankNode or type(t.object) is ox.BlankNode for t in earlier):
                    return None
                triples = triples | earlier
            parts += [view[copied:position], written(triples)]
            copied = finish
    except (_Unreadable, SyntaxError, ValueError):
        return None
    parts.append(view[copied:])
    return parts  # the header is the first part's start


__all__ = ["Parts", "header", "joined", "trig", "turtle", "write"]
