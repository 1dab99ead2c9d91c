"""Lookup and ingest benchmark: ``kg lookup`` on a graph of N labelled entities, ``kg ingest`` of a ~2,000-character
article. Run on demand (not part of the test suite); record results in bench/README.md:

    .venv/bin/python bench/lookup.py --entities 10000

Entities are synthetic people and organisations with an Arabic and an English label each (plus an alternative
Arabic spelling — ه for ة, ا for أ — for every third person), made from a small list of real first and family names in every
combination; the packaged reference data is added, so the known people are among them.
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rdflib import RDF, RDFS, Dataset, Graph, Literal, Namespace, URIRef

from kg import resources
from kg.ingest.duplicates import find_duplicates
from kg.ingest.index import build_index, load_index
from kg.load import load_ontology, new_dataset, parse_into, union_graph

KG = Namespace("https://w3id.org/ict-coop-kg/ontology#")
FIRST = [("أحمد", "Ahmed"), ("محمد", "Mohamed"), ("عمرو", "Amr"), ("سامي", "Sami"), ("خالد", "Khaled"),
         ("علي", "Ali"), ("يوسف", "Youssef"), ("مصطفى", "Mostafa"), ("إبراهيم", "Ibrahim"), ("عمر", "Omar"),
         ("هشام", "Hisham"), ("طارق", "Tarek"), ("ليلى", "Laila"), ("منى", "Mona"), ("رانيا", "Rania"),
         ("هالة", "Hala"), ("نادية", "Nadia"), ("سلمى", "Salma"), ("ياسر", "Yasser"), ("وائل", "Wael")]
FAMILY = [("الخطيب", "Al-Khatib"), ("المصري", "Al-Masri"), ("حداد", "Haddad"), ("النجار", "Al-Najjar"),
          ("العلي", "Al-Ali"), ("الزعبي", "Al-Zoubi"), ("الطراونة", "Al-Tarawneh"), ("المجالي", "Al-Majali"),
          ("عبد الله", "Abdullah"), ("سليمان", "Suleiman"), ("منصور", "Mansour"), ("الشريف", "Al-Sharif"),
          ("فرج", "Farag"), ("عثمان", "Othman"), ("الحسيني", "Al-Husseini"), ("البدور", "Al-Bdour"),
          ("القاسم", "Al-Qasem"), ("عيسى", "Issa"), ("نصر", "Nasr"), ("الروسان", "Al-Rousan"),
          ("الصفدي", "Al-Safadi"), ("العمري", "Al-Omari"), ("جابر", "Jaber"), ("سعيد", "Saeed"), ("خليل", "Khalil")]
SECTORS = [("الاتصالات", "Telecom"), ("البريد", "Post"), ("البيانات", "Data"), ("الشبكات", "Networks"),
           ("التقنية", "Technology")]
PLACES = [("القاهرة", "Cairo"), ("عمان", "Amman"), ("الإسكندرية", "Alexandria"), ("إربد", "Irbid"),
          ("الزرقاء", "Zarqa"), ("طنطا", "Tanta"), ("أسيوط", "Assiut"), ("العقبة", "Aqaba")]


def synthetic_graph(n: int) -> Graph:
    """The packaged ontology and reference data plus ``n`` synthetic people and organisations."""
    ds = new_dataset()
    load_ontology(ds)
    for f in sorted((resources.data_dir() / "reference").iterdir(), key=lambda f: f.name):
        if f.name.endswith(".ttl"):
            parse_into(ds.graph(URIRef("urn:bench:reference")), f, label=f.name)
    g = union_graph(ds, inferred=False)
    base = "https://w3id.org/ict-coop-kg/id/"
    people = itertools.product(FIRST, FIRST, FAMILY)  # first name, father's name, family name
    orgs = itertools.product(PLACES, SECTORS, range(1000))
    for i in range(n):
        if i % 5:
            (f_ar, f_en), (m_ar, m_en), (l_ar, l_en) = next(people)
            s = URIRef(f"{base}person/bench-{i}")
            g.add((s, RDF.type, KG.Person))
            g.add((s, RDFS.label, Literal(f"{f_ar} {m_ar} {l_ar}", lang="ar")))
            g.add((s, RDFS.label, Literal(f"{f_en} {m_en} {l_en}", lang="en")))
            if i % 3 == 0:
                g.add((s, URIRef("http://www.w3.org/2004/02/skos/core#altLabel"),
                       Literal(f"{f_ar} {m_ar} {l_ar}".replace("ة", "ه").replace("أ", "ا"), lang="ar")))
        else:
            (p_ar, p_en), (k_ar, k_en), number = next(orgs)
            s = URIRef(f"{base}organization/bench-{i}")
            g.add((s, RDF.type, KG.TelecomOperator))
            g.add((s, RDFS.label, Literal(f"شركة {p_ar} {k_ar} {number}", lang="ar")))
            g.add((s, RDFS.label, Literal(f"{p_en} {k_en} Company {number}", lang="en")))
    return g


QUERIES = ["احمد الهناندة", "Ahmad Hanandeh", "الدكتور عمرو طلعت", "Amr Tal'at", "سامي سميرات", "Bisher Al-Khasawneh",
           "محمد علي الطراونه", "Mohammed Ali Tarawneh", "هاله منصور", "Cairo Telecom Company 12", "شركة عمان البريد",
           "Jordan", "مصر", "Telecom Egypt", "Laila Khalil", "ياسر وائل الروسان"]


def bench_lookup(n: int, rounds: int) -> None:
    t0 = time.perf_counter()
    g = synthetic_graph(n)
    t1 = time.perf_counter()
    index = build_index(g)
    t2 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "lookup-index.json").write_text(index.to_json(), encoding="utf-8")
        size = (Path(tmp) / "lookup-index.json").stat().st_size
        loads = []
        for _ in range(5):
            a = time.perf_counter()
            loaded = load_index(tmp)
            loads.append(time.perf_counter() - a)
    timings = []
    first = []
    for r in range(rounds):
        fresh = r == 0
        for q in QUERIES:
            a = time.perf_counter()
            loaded.lookup(q, limit=10)
            (first if fresh else timings).append(time.perf_counter() - a)
    print(f"entities indexed: {len(index.entities):,} ({sum(len(e.names) for e in index.entities):,} names); "
          f"graph {t1 - t0:.2f} s, index build {t2 - t1:.2f} s, index file {size / 2**20:.1f} MiB")
    print(f"index load (median of 5): {statistics.median(loads) * 1000:.0f} ms")
    print(f"first round of lookups (imports rapidfuzz, warms caches): max {max(first) * 1000:.1f} ms")
    print(f"lookup median over {len(timings)} queries: {statistics.median(timings) * 1000:.1f} ms; "
          f"p95 {sorted(timings)[int(0.95 * len(timings))] * 1000:.1f} ms")
    a = time.perf_counter()
    warnings = find_duplicates(Dataset(), g)
    print(f"near-duplicate check (what kg build adds): {time.perf_counter() - a:.2f} s, {len(warnings)} pair(s)")


ARTICLE = ("عقد الدكتور عمرو طلعت وزير الاتصالات وتكنولوجيا المعلومات مباحثات مع احمد الهناندة وزير الاقتصاد الرقمي "
           "والريادة في المملكة الاردنية الهاشمية يوم ١٥ يناير ٢٠٢٤، وتناول اللقاء التعاون بين مصر والأردن في مجال "
           "مراكز البيانات والبريد، كما التقى الوزيران ممثلين عن الشركة المصرية للاتصالات في مدينة العقبة.\n")


def bench_ingest() -> None:
    text = ARTICLE
    while len(text) < 2000:
        text += ARTICLE
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        shutil.copytree(str(resources.data_dir()), data, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
        source = Path(tmp) / "article.txt"
        source.write_text(text[:2000], encoding="utf-8")
        kg = Path(sys.executable).with_name("kg")
        runs = []
        for i in range(3):
            a = time.perf_counter()
            subprocess.run([str(kg), "ingest", str(source), "--data", str(data), "--id", f"bench-{i}"], check=True,
                           capture_output=True)
            runs.append(time.perf_counter() - a)
    print(f"kg ingest of a 2,000-character article (whole process, median of 3): {statistics.median(runs):.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entities", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--skip-ingest", action="store_true")
    args = parser.parse_args()
    bench_lookup(args.entities, args.rounds)
    if not args.skip_ingest:
        bench_ingest()


if __name__ == "__main__":
    main()
