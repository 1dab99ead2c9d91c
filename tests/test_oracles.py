"""Third-party oracles in Java, from Debian's packages: the OWL API, Apache Jena RIOT and Apache Jena SHACL.

- **OWL 2 profile** (``libowlapi-java``, ``tests/oracles/Profile.java``): the ontology graph the build loads
  (``resources.ontology_files()``, merged as the build merges them) and the ontology file alone (what ontology
  documentation tools read) are in OWL 2 DL and OWL 2 RL by the OWL API's own profile checkers, with nothing the
  OWL API could not parse or had to guess; copies with a non-DL axiom are reported, naming the axiom.
- **Parsing** (``libapache-jena-java``, ``tests/oracles/Riot.java``): every export format of a build, asserted and
  inferred, parses in Jena with checking on and no warning, to as many triples or quads as rdflib reads.
- **SHACL** (``libapache-jena-java``'s ``jena-shacl``, ``tests/oracles/Shacl.java``): the packaged shapes load in
  Jena, the seed's asserted data conforms under Jena, and two bad-data fixtures of ``tests/shapes`` (applied as
  ``tests/test_shapes.py`` applies them) give Jena the (focus, path, constraint) their expected JSON lists.

Each group runs one JVM (module-scoped fixtures), with the Java programs launched from source (``java File.java``:
the source launcher is the ``jdk.compiler`` module, which Debian's ``openjdk-17-jre-headless`` ships in its module
image, so no JDK is needed). Each group is skipped, with the reason, where ``java`` or the Debian jars are missing;
``.ci/run`` installs them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from functools import cache
from pathlib import Path

import pytest
from rdflib import OWL, RDF, Dataset, Graph, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from kg import KnowledgeGraph, resources
from kg.export import FORMATS
from kg.load import union_graph
from kg.namespaces import KG, bind_prefixes
from kg.validate import shapes_graph

from .conftest import invoke

HERE = Path(__file__).parent
ORACLES = HERE / "oracles"
SHAPES_CASES = HERE / "shapes"
SHARE = Path("/usr/share/java")
"""Where Debian's Java library packages put their jars."""

JENA_JARS = ("jena-arq", "jena-base", "jena-core", "jena-iri", "jena-shacl", "commons-cli", "commons-codec",
             "commons-compress", "commons-csv", "commons-io", "commons-lang3", "dexx.collection", "gson", "guava",
             "httpclient", "httpclient-cache", "httpcore", "jackson-annotations", "jackson-core", "jackson-databind",
             "jsonld-java", "titanium-json-ld", "jakarta.json-api", "protobuf", "thrift", "slf4j-api", "slf4j-nop")
"""``libapache-jena-java`` and the jars of the packages it depends on (``slf4j-nop``: no logger binding chatter)."""
OWLAPI_JARS = ("owlapi-distribution", "atinject-jsr330-api", "caffeine", "commons-codec", "commons-io",
               "commons-rdf-api", "guava", "hppcrt", "jsr305", "xz", "slf4j-api", "slf4j-nop")
"""``libowlapi-java`` (its all-modules jar) and the jars of the packages it depends on; plus every rdf4j jar."""
JENA_PACKAGE = "libapache-jena-java"
OWLAPI_PACKAGE = "libowlapi-java"

_XERCES_MOVED = "org/apache/jena/ext/xerces/"


# --- running the Java programs -----------------------------------------------------------------------------------

@cache
def _java_problem() -> str | None:
    """Why the Java programs cannot run here, or None."""
    java = shutil.which("java")
    if java is None:
        return "no Java runtime (java not on PATH; .ci/run installs default-jre-headless)"
    modules = subprocess.run([java, "--list-modules"], check=False, capture_output=True, text=True,
                             timeout=60).stdout
    if "jdk.compiler@" not in modules:
        return "this Java runtime has no jdk.compiler module, which `java File.java` needs"
    return None


def _jars(names: tuple[str, ...], package: str, extra_glob: str | None = None) -> list[Path]:
    """The jars ``names`` from /usr/share/java (skipping the test, naming the Debian package, if one is missing)."""
    problem = _java_problem()
    if problem:
        pytest.skip(problem)
    missing = [n for n in names if not (SHARE / f"{n}.jar").is_file()]
    if missing:
        pytest.skip(f"Debian's {package} is not installed (missing {', '.join(m + '.jar' for m in missing)} in "
                    f"{SHARE}; .ci/run installs it)")
    jars = [SHARE / f"{n}.jar" for n in names]
    if extra_glob:
        seen = {j.resolve() for j in jars}
        for jar in sorted(SHARE.glob(extra_glob)):
            if jar.resolve() not in seen:
                seen.add(jar.resolve())
                jars.append(jar)
    return jars


def _xerces_messages(folder: Path) -> Path | None:
    """A folder with the message bundles Debian's jena-core 4.5.0 misplaces, or None where they are in place.

    Jena bundles Xerces' datatype code as ``org.apache.jena.ext.xerces``; Debian's ``jena-core.jar`` moves the
    classes to ``xerces.*`` but leaves their ``.properties`` bundles under ``org/apache/jena/ext/xerces/``. The
    regular-expression code then cannot find its messages, every XSD pattern facet fails, and Jena cannot even
    initialise (``ExceptionInInitializerError ... RuntimeException: internal error`` in ``XSSimpleTypeDecl``).
    The bundles are copied, from that same jar, to where the moved classes look for them."""
    with zipfile.ZipFile(SHARE / "jena-core.jar") as jar:
        names = set(jar.namelist())
        if "xerces/impl/dv/xs/XSSimpleTypeDecl.class" not in names \
                or "xerces/impl/xpath/regex/message.properties" in names:
            return None
        for name in names:
            if name.startswith(_XERCES_MOVED) and name.endswith(".properties"):
                target = folder / "xerces" / name[len(_XERCES_MOVED):]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(jar.read(name))
    return folder


def _classpath(jars: list[Path], *folders: Path | None) -> str:
    return os.pathsep.join([*(str(f) for f in folders if f is not None), *map(str, jars)])


def _run_java(program: str, classpath: str, args: list[str], ok: tuple[int, ...] = (0,)) -> list[list[str]]:
    """Run ``tests/oracles/<program>.java`` with ``args``; its output records (tab-separated fields)."""
    java = shutil.which("java")
    assert java is not None
    # C1 only: these are short runs, where the optimising compiler costs more than it saves; UTF-8 output whatever
    # the locale (Java 17 reads sun.stdout.encoding, Java 18 and later stdout.encoding)
    cmd = [java, "-XX:TieredStopAtLevel=1", "-Dfile.encoding=UTF-8", "-Dsun.stdout.encoding=UTF-8",
           "-Dstdout.encoding=UTF-8", "-cp", classpath, str(ORACLES / f"{program}.java"), *args]
    proc = subprocess.run(cmd, check=False, capture_output=True, timeout=600)
    out = proc.stdout.decode("utf-8", errors="replace")
    assert proc.returncode in ok, f"{program}.java exited {proc.returncode}:\n{out}\n{proc.stderr.decode()[-4000:]}"
    return [line.split("\t") for line in out.splitlines() if line]


def _short(iri: str) -> str:
    """An IRI as the project's reports write it (``kg:operator``, ``sh:MinCountConstraintComponent``)."""
    names = Graph()
    bind_prefixes(names)
    return names.namespace_manager.normalizeUri(URIRef(iri))


@pytest.fixture(scope="module")
def jena_classpath(tmp_path_factory: pytest.TempPathFactory) -> str:
    jars = _jars(JENA_JARS, JENA_PACKAGE)
    return _classpath(jars, _xerces_messages(tmp_path_factory.mktemp("jena-xerces")))


@pytest.fixture(scope="module")
def owlapi_classpath() -> str:
    return _classpath(_jars(OWLAPI_JARS, OWLAPI_PACKAGE, extra_glob="rdf4j-*.jar"))


# --- OWL 2 profile (OWL API) ----------------------------------------------------------------------------------------

ORG = "http://www.w3.org/ns/org#"
BROKEN = {
    # kg:postIn is an object property; declaring it a datatype property too is punning OWL 2 DL forbids
    "object-and-datatype-property": (URIRef(str(KG._NS) + "postIn"), RDF.type, OWL.DatatypeProperty),
    # org:organization is the super-property of a property chain (kg:heldPost o kg:postIn), so it is not simple,
    # and OWL 2 DL allows no functionality on a non-simple property
    "functional-non-simple-property": (URIRef(ORG + "organization"), RDF.type, OWL.FunctionalProperty),
}
"""Copies of the ontology graph with one non-DL axiom each: what the OWL API must report, naming the IRI."""


def _ontology_graph() -> Graph:
    """The packaged ontology files merged into one graph, as the build's ontology graph merges them."""
    merged = Graph()
    for f in resources.ontology_files():
        merged.parse(data=f.read_bytes(), format="turtle")
    return merged


@pytest.fixture(scope="module")
def profiles(owlapi_classpath: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[list[str]]]:
    """The OWL API's report on each document, by name: ``ontology`` (the ontology graph the build loads),
    ``ontology-file`` (``resources.ontology_file()`` alone) and one per :data:`BROKEN` case."""
    folder = tmp_path_factory.mktemp("owlapi")
    docs = {"ontology": folder / "ontology.ttl", "ontology-file": folder / resources.ONTOLOGY_FILE}
    ontology = _ontology_graph()
    ontology.serialize(docs["ontology"], format="turtle", encoding="utf-8")
    docs["ontology-file"].write_bytes(resources.ontology_file().read_bytes())
    for name, triple in BROKEN.items():
        broken = Graph()
        broken += ontology
        assert triple not in broken
        broken.add(triple)
        docs[name] = folder / f"{name}.ttl"
        broken.serialize(docs[name], format="turtle", encoding="utf-8")
    records = _run_java("Profile", owlapi_classpath, [str(p) for p in docs.values()])
    by_path = {str(p): name for name, p in docs.items()}
    report: dict[str, list[list[str]]] = {name: [] for name in docs}
    for rec in records:
        report[by_path[rec[1]]].append([rec[0], *rec[2:]])
    return report


def _profile(records: list[list[str]], name: str) -> tuple[bool, list[list[str]]]:
    (line,) = [r for r in records if r[0] == "PROFILE" and r[1] == name]
    return line[2] == "true", [r for r in records if r[0] == "VIOLATION" and r[1] == name]


@pytest.mark.parametrize("doc", ["ontology", "ontology-file"])
def test_owl_api_finds_the_ontology_in_owl2_dl_and_rl(profiles: dict[str, list[list[str]]], doc: str,
                                                     record_property):  # type: ignore[no-untyped-def]
    records = profiles[doc]
    (loaded,) = [r for r in records if r[0] == "FILE"]
    assert loaded[1] == "https://w3id.org/ict-coop-kg/ontology" and int(loaded[2]) > 500, loaded
    trouble = [r for r in records if r[0] in ("ERROR", "IMPORT", "UNPARSED", "GUESSED")]
    assert not trouble, "the OWL API could not read everything:\n" + "\n".join("\t".join(r) for r in trouble)
    summary = {}
    for name in ("OWL2_DL", "OWL2_EL", "OWL2_QL", "OWL2_RL"):
        in_profile, violations = _profile(records, name)
        summary[name] = in_profile
        if name in ("OWL2_DL", "OWL2_RL"):
            assert in_profile and not violations, f"{doc} is not in {name}:\n" + "\n".join(
                f"{v[2]}: {v[3]}" for v in violations)
    record_property("owl2_profiles", summary)  # EL and QL are reported, not required


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_owl_api_reports_a_non_dl_axiom_by_name(profiles: dict[str, list[list[str]]], case: str):
    """The profile check can fail: each broken copy is outside OWL 2 DL, and a violation names the axiom."""
    records = profiles[case]
    in_dl, violations = _profile(records, "OWL2_DL")
    assert not in_dl and violations
    iri = str(BROKEN[case][0])
    naming = [v for v in violations if f"<{iri}>" in v[3]]
    assert naming, [v[3] for v in violations]
    if case == "object-and-datatype-property":
        assert {v[2] for v in naming} == {"IllegalPunning"}
        assert any(v[3].startswith(f"ObjectPropertyDomain(<{iri}> ") for v in naming), [v[3] for v in naming]
    else:
        assert any(v[3] == f"FunctionalObjectProperty(<{iri}>)" for v in naming), [v[2:4] for v in naming]
    # the unbroken ontology has none of these
    assert not _profile(profiles["ontology"], "OWL2_DL")[1]


# --- parsing every export format (Jena RIOT) -------------------------------------------------------------------------

BAD_TURTLE = """@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://example.org/talks> <https://example.org/date> "2024-13-45"^^xsd:date .
"""
"""An ill-typed literal: Jena warns about it, which shows the no-warning check can fail."""


@pytest.fixture(scope="module")
def exports(build_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``kg export --format F [--inferred]`` of the session's build, for every format: by ``F`` or ``F+inferred``."""
    folder = tmp_path_factory.mktemp("exports")
    files = {}
    for fmt, spec in FORMATS.items():
        for inferred in (False, True):
            key = f"{fmt}+inferred" if inferred else fmt
            out = folder / f"{fmt}{'-inferred' if inferred else ''}{spec.extension}"
            args = ["export", "--build", str(build_dir), "--format", fmt, "--output", str(out)]
            result = invoke(*args, *(["--inferred"] if inferred else []), cwd=folder)
            assert result.code == 0, result.err
            files[key] = out
    return files


@pytest.fixture(scope="module")
def riot(exports: dict[str, Path], jena_classpath: str, tmp_path_factory: pytest.TempPathFactory) \
        -> dict[str, list[list[str]]]:
    """Jena's records for each export (and for ``bad``, a Turtle file with an ill-typed literal), by key."""
    bad = tmp_path_factory.mktemp("riot-bad") / "bad.ttl"
    bad.write_text(BAD_TURTLE, encoding="utf-8")
    files = {**exports, "bad": bad}
    records = _run_java("Riot", jena_classpath, [str(p) for p in files.values()])
    by_path = {str(p): key for key, p in files.items()}
    report: dict[str, list[list[str]]] = {key: [] for key in files}
    for rec in records:
        report[by_path[rec[1]]].append([rec[0], *rec[2:]])
    return report


def _rdflib_counts(path: Path, fmt: str) -> tuple[int, int]:
    """(quads or triples, non-empty named graphs) as rdflib reads the file."""
    spec = FORMATS[fmt]
    if not spec.quads:
        return len(Graph().parse(path, format=spec.rdflib_name)), 0
    ds = Dataset()
    ds.parse(path, format=spec.rdflib_name)
    graphs = [g for g in ds.graphs() if len(g)]
    return sum(len(g) for g in graphs), sum(1 for g in graphs if g.identifier != DATASET_DEFAULT_GRAPH_ID)


@pytest.mark.parametrize("inferred", [False, True], ids=["asserted", "inferred"])
@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_export_parses_in_jena_without_warnings_to_rdflibs_count(riot: dict[str, list[list[str]]],
                                                                      exports: dict[str, Path], fmt: str,
                                                                      inferred: bool):
    key = f"{fmt}+inferred" if inferred else fmt
    records = riot[key]
    complaints = [r for r in records if r[0] != "PARSED"]
    assert not complaints, f"Jena on kg export --format {fmt}:\n" + "\n".join("\t".join(r) for r in complaints)
    (parsed,) = records
    _, _lang, quads, _default, named = parsed
    expected, expected_named = _rdflib_counts(exports[key], fmt)
    assert expected > 1000
    assert (int(quads), int(named)) == (expected, expected_named)


def test_jena_warns_about_an_ill_typed_literal(riot: dict[str, list[list[str]]]):
    """The no-warning check can fail: Jena reports the bad literal, with its line."""
    warnings = [r for r in riot["bad"] if r[0] == "WARNING"]
    assert warnings and warnings[0][1] == "2" and "2024-13-45" in warnings[0][3], riot["bad"]


# --- SHACL (Jena SHACL) ---------------------------------------------------------------------------------------------

JENA_CASES = ("pop-without-operator", "meeting-with-one-side")
"""Two bad-data fixtures of tests/shapes: a core constraint on a path (sh:minCount) and a SHACL-SPARQL one."""


@pytest.fixture(scope="module")
def jena_shacl(built: KnowledgeGraph, jena_classpath: str, tmp_path_factory: pytest.TempPathFactory) \
        -> dict[str, list[list[str]]]:
    """Jena SHACL's records: ``shapes`` (loading the packaged shapes), ``seed`` (the asserted data of the build)
    and one per :data:`JENA_CASES` fixture."""
    folder = tmp_path_factory.mktemp("jena-shacl")
    shapes = folder / "shapes.ttl"
    shapes_graph().serialize(shapes, format="turtle", encoding="utf-8")
    asserted = union_graph(built.dataset, inferred=False)
    files = {"seed": folder / "seed.nt"}
    asserted.serialize(files["seed"], format="nt", encoding="utf-8")
    for case in JENA_CASES:
        broken = Graph()
        broken += asserted
        broken.update((SHAPES_CASES / "input" / f"{case}.ru").read_text(encoding="utf-8"))
        assert set(broken) != set(asserted), f"{case}: the update changed nothing"
        files[case] = folder / f"{case}.nt"
        broken.serialize(files[case], format="nt", encoding="utf-8")
    records = _run_java("Shacl", jena_classpath, [str(shapes), *map(str, files.values())], ok=(0, 2))
    report: dict[str, list[list[str]]] = {"shapes": [], **{key: [] for key in files}}
    by_path = {str(shapes): "shapes", **{str(p): key for key, p in files.items()}}
    for rec in records:
        report[by_path[rec[1]]].append([rec[0], *rec[2:]])
    return report


def _shapes_loaded(jena_shacl: dict[str, list[list[str]]]) -> None:
    refused = [r for r in jena_shacl["shapes"] if r[0] == "SHAPES-ERROR"]
    assert not refused, f"Jena SHACL refuses the packaged shapes: {refused[0][1]}"


def test_jena_shacl_loads_the_packaged_shapes(jena_shacl: dict[str, list[list[str]]]):
    _shapes_loaded(jena_shacl)
    (loaded,) = jena_shacl["shapes"]
    shapes = shapes_graph()
    targeted = {s for p in (URIRef("http://www.w3.org/ns/shacl#targetClass"),
                            URIRef("http://www.w3.org/ns/shacl#targetNode"),
                            URIRef("http://www.w3.org/ns/shacl#targetSubjectsOf"),
                            URIRef("http://www.w3.org/ns/shacl#targetObjectsOf"))
                for s in shapes.subjects(p, None)}
    # every shape with a target is a root shape for Jena: none was dropped while parsing
    assert int(loaded[2]) == len(targeted) > 10, (loaded, len(targeted))


def test_the_seed_conforms_under_jena_shacl(jena_shacl: dict[str, list[list[str]]]):
    _shapes_loaded(jena_shacl)
    records = jena_shacl["seed"]
    parse = [r for r in records if r[0] == "PARSE"]
    assert not parse, parse
    results = [r for r in records if r[0] == "RESULT"]
    assert [r for r in records if r[0] == "DATA"] == [["DATA", "true", "0"]], "\n".join(
        f"{_short(r[3]) if r[3] else ''} <{r[2]}> {r[4]}" for r in results[:20])


@pytest.mark.parametrize("case", JENA_CASES)
def test_jena_shacl_gives_the_fixtures_expected_violations(jena_shacl: dict[str, list[list[str]]], case: str):
    _shapes_loaded(jena_shacl)
    records = jena_shacl[case]
    (data,) = [r for r in records if r[0] == "DATA"]
    assert data[1] == "false"
    actual = {(r[2], _short(r[3]) if r[3] else None, _short(r[4])) for r in records if r[0] == "RESULT"}
    expected = {(v["focus"], v["path"], v["constraint"])
                for v in json.loads((SHAPES_CASES / "output" / f"{case}.json").read_text(encoding="utf-8"))}
    assert actual == expected
