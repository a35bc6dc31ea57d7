"""Issue 4's figures: the latency of each named query on the seed data, and the time an
explosive query takes to be stopped (503) with the latency of the query after it.

    /tmp/venv/bin/python benchmarks/seed_queries.py [--runs 30]

The repository's own records are built into a scratch directory and served by a real
``publisher serve`` (as the README's quick start runs it). Each named query is asked for
``--runs`` times two ways: at ``/queries/<name>`` (its defaults) and as its text POSTed to
``/sparql`` with a comment that changes each run (a new text each time: no answer cache, no
remembered guard verdict). Times are client-side wall times, one query at a time; the table
gives median and maximum. Then a four-way cross product is sent with the default time limit
(10 s) and the server's answer to the next query is timed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_phases import machine_facts
from peers import free_port, wait_http

REPO = Path(__file__).resolve().parent.parent
EXPLOSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
JSON = "application/sparql-results+json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="publisher-seed-"))
    env = {k: v for k, v in os.environ.items() if k != "PUBLISHER_BASE_IRI"}
    env["PUBLISHER_CACHE_DIR"] = "off"
    command = [sys.executable, "-m", "publisher", "--project", str(REPO)]
    server = None
    try:
        subprocess.run([*command, "build", "--out", str(work)], env=env, check=True, capture_output=True)
        port = free_port()
        server = subprocess.Popen(
            [*command, "serve", "--release", str(work), "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        wait_http(url + "/healthz", server)
        print(f"machine: {machine_facts()['summary']}")
        print(f"command: {sys.executable} benchmarks/seed_queries.py --runs {args.runs}\n")
        _named_queries(url, work / "current" / "queries", args.runs)
        _explosive(url)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


def _named_queries(url: str, queries: Path, runs: int) -> None:
    print("| named query | rows | /queries/<name>, ms (median / max) | POST /sparql, new text (same) |")
    print("|---|---:|---:|---:|")
    for path in sorted(queries.glob("*.rq")):
        name, text = path.stem, path.read_text("utf-8")
        named, posted = [], []
        for run in range(runs):
            seconds, _ = _timed(f"{url}/queries/{name}?format=json")
            named.append(seconds)
            seconds, _ = _timed(f"{url}/sparql", f"{text}\n# run {run} {time.time_ns()}")
            posted.append(seconds)
        print(f"| {name} | {_rows(url, name)} | {_ms(named)} | {_ms(posted)} |")


def _rows(url: str, name: str) -> int:
    request = urllib.request.Request(f"{url}/queries/{name}?format=csv")
    with urllib.request.urlopen(request, timeout=30) as response:
        return max(0, len(response.read().decode("utf-8").splitlines()) - 1)


def _explosive(url: str) -> None:
    started = time.perf_counter()
    status = _status(f"{url}/sparql?" + urllib.parse.urlencode({"query": EXPLOSIVE}))
    stopped = time.perf_counter() - started
    after, _ = _timed(f"{url}/sparql", "ASK { ?s ?p ?o } # after")
    print(
        f"\nexplosive query (4-way cross product, SPARQL_TIMEOUT 10 s): {status} after {stopped:.2f} s; "
        f"the next query answered in {after * 1000:.1f} ms"
    )


def _timed(url: str, query: str | None = None) -> tuple[float, bytes]:
    data = None if query is None else query.encode("utf-8")
    headers = {"Accept": JSON}
    if data is not None:
        headers["Content-Type"] = "application/sparql-query"
    request = urllib.request.Request(url, data=data, headers=headers)
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        body = response.read()
    return time.perf_counter() - started, body


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": JSON}), timeout=60) as r:
            return r.status
    except urllib.error.HTTPError as error:
        return error.code


def _ms(seconds: list[float]) -> str:
    return f"{statistics.median(seconds) * 1000:.1f} / {max(seconds) * 1000:.1f}"


if __name__ == "__main__":
    main()
