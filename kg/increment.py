"""What a build takes from the previous build in its output folder: which of its articles are new.

Each build records in its ``manifest.json`` what it was made from (:data:`MANIFEST_KEY`, from :func:`inputs`): a
digest of the code, ontology, shapes and queries that made it (:func:`code_digest`), the engine, and for each
article a digest of its files and of the reference data (:attr:`kg.load.Article.inputs`). The next build into the
same folder compares (:func:`added_since`). When the previous build *conformed* and everything it was made from is
unchanged, the new build holds the same triples plus those of the articles added since, and builds on the earlier
results: the rules run from the added triples over its inferences (:func:`kg.engine.rules.infer_added`), the shapes
run only on the focus nodes those triples can affect (:mod:`kg.engine.reach`), and the large files are made from
its files (:mod:`kg.engine.splice`) — each giving what a whole run gives. Anything else — an article changed or
removed, other reference data, another version of ``kg`` or of its libraries, another engine, a previous build that
did not conform, or a manifest that records no inputs — and the build does everything, as a first build does.

The previous build is only read, never trusted further than its manifest: a manifest edited by hand to claim
inputs it was not made from would make a build skip checks. The build folder is the build's own.
"""

from __future__ import annotations

import hashlib
from importlib.metadata import version
from typing import Any

MANIFEST_KEY = "inputs"
"""The manifest's entry recording what the build was made from."""

FORMAT = 1
"""Bumped when what :func:`inputs` records changes meaning, so that older records are not compared."""

_LIBRARIES = ("ict-coop-kg", "rdflib", "pyoxigraph", "owlrl", "pyshacl")


def code_digest() -> str:
    """A digest of what turns data into a build besides the data: every module of the ``kg`` package, the
    packaged ontology, shapes and queries, and the versions of the libraries that read and check them."""
    from kg import resources

    digest = hashlib.sha256(f"kg-inputs {FORMAT}\n".encode())
    folders = [resources.package_dir(), resources.package_dir() / "engine", resources.ontology_dir(),
               resources.queries_dir()]
    for folder in folders:
        for item in sorted(folder.iterdir(), key=lambda f: f.name):
            if item.is_file() and item.name.endswith((".py", ".ttl", ".rq")):
                data = item.read_bytes()
                digest.update(f"{folder.name}/{item.name}\n{len(data)}\n".encode() + data)
    for package in _LIBRARIES:
        digest.update(f"{package} {version(package)}\n".encode())
    return digest.hexdigest()


def inputs(articles: list[Any], engine: str) -> dict[str, Any]:
    """What a build of ``articles`` (:class:`kg.load.Article`) with ``engine`` is made from, for its manifest."""
    return {"format": FORMAT, "code": code_digest(), "engine": engine,
            "articles": {a.id: a.inputs for a in articles}}


def added_since(previous: dict[str, Any], current: dict[str, Any]) -> list[str] | None:
    """The ids of the articles of ``current`` (:func:`inputs`) that the previous build, whose manifest is
    ``previous``, did not hold — when that build conformed and was made from the same code, engine and reference
    data, with each of its articles unchanged and still there. Otherwise None: nothing can be taken from it."""
    recorded = previous.get(MANIFEST_KEY)
    if previous.get("conforms") is not True or not isinstance(recorded, dict):
        return None
    if any(recorded.get(key) != current[key] for key in ("format", "code", "engine")):
        return None
    before, now = recorded.get("articles"), current["articles"]
    if not isinstance(before, dict) or not all(isinstance(v, str) and v for v in now.values()):
        return None
    if any(now.get(article) != digest for article, digest in before.items()):
        return None  # an article changed or removed
    return [article for article in now if article not in before]


__all__ = ["FORMAT", "MANIFEST_KEY", "added_since", "code_digest", "inputs"]
