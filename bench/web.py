"""Server time of each web page on a build (default: the packaged seed data, built in memory).

    .venv/bin/python bench/web.py [--build FOLDER] [--repeat 30]

Each page is requested once to warm up, then ``--repeat`` times through Starlette's TestClient; the server time
is the app's own ``Server-Timing: app;dur=…`` header (routing, queries, templates; no network). Prints a
Markdown table of medians and 90th percentiles, and the start-up time (loading the build and indexing it).
Target (issue 11): each page ≤ 200 ms median on the seed build.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
import warnings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", help="a build folder (default: build the packaged data in memory)")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

    from kg.api import KnowledgeGraph
    from kg.namespaces import KG
    from kg.web.app import create_app

    kg = KnowledgeGraph.load(args.build) if args.build else KnowledgeGraph.build()
    started = time.perf_counter()
    client = TestClient(create_app(kg, freeze_heap=True))  # as `kg web` serves it
    startup = time.perf_counter() - started
    site = client.app.state.site  # type: ignore[attr-defined]
    article = min(i for i, types in site.types.items() if KG.NewsArticle in types)
    article_path = "/id/" + str(article).split("/id/", 1)[1]
    # the seed's meeting, or on generated data (bench/scale.py) the first article's copy of it
    meeting = min((i for i, types in site.types.items() if KG.Meeting in types and "talaat-hanandeh-talks" in i),
                  key=lambda i: (len(i), str(i)))
    meeting_path = "/id/" + str(meeting).split("/id/", 1)[1]
    pages = [
        ("home", "/", {}),
        ("search (Arabic)", "/?q=العقبة&lang=ar", {}),
        ("search (English)", "/?q=telecom", {}),
        ("entity: person", "/id/person/amr-talaat", {}),
        ("entity: point of presence", "/id/infrastructure/telecom-egypt-pop-aqaba", {}),
        ("entity: meeting", meeting_path, {}),
        ("entity: country", "/id/country/JO", {}),
        ("entity as Turtle", "/id/person/amr-talaat", {"Accept": "text/turtle"}),
        ("entity as JSON-LD", "/id/person/amr-talaat", {"Accept": "application/ld+json"}),
        ("article", article_path + "?lang=ar", {}),
        ("timeline", "/timeline", {}),
        ("timeline (country=JO)", "/timeline?country=JO", {}),
        ("map page", "/map", {}),
        ("map data", "/map.geojson", {}),
    ]
    print(f"start-up (load indexes): {startup * 1000:.0f} ms; {len(kg.graphs)} triples")
    print("| page | median ms | p90 ms |")
    print("|---|---:|---:|")
    worst = 0.0
    for name, path, headers in pages:
        durations = []
        for i in range(args.repeat + 1):
            response = client.get(path, headers=headers)
            if response.status_code != 200:
                print(f"{name}: HTTP {response.status_code}", file=sys.stderr)
                return 1
            match = re.search(r"dur=([\d.]+)", response.headers["server-timing"])
            if i and match:
                durations.append(float(match.group(1)))
        median = statistics.median(durations)
        p90 = statistics.quantiles(durations, n=10)[-1]
        worst = max(worst, median)
        print(f"| {name} | {median:.1f} | {p90:.1f} |")
    print(f"worst median: {worst:.1f} ms (target ≤ 200 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
