"""Benchmark (b) of issue 5: the query mix through our /sparql, Virtuoso's /sparql and rdflib.

    /tmp/venv/bin/python benchmarks/query_mix.py --sizes 100k,1M

For each size: a built archive (as in build_phases.py); our server under gunicorn (2 workers,
as the README says); Virtuoso 7 (Debian's ``virtuoso-opensource-7-bin``) started on free
loopback ports in a temp dir, tuned per its documented NumberOfBuffers table and bulk-loaded
with the same release's dumps (data.nt.gz + catalog.ttl, the same triples as our store); and
rdflib's in-memory engine over a Graph parsed from the same dumps, in a process of its own.

A *run* is the 8 named queries of queries/*.rq, each with parameters picked afresh (another
person, organization, place, topic, and language each run), written into the text (our
server binds them the same way: the variable is the term everywhere), with ``BASE`` set. Every
engine gets the identical text in the same run, one query at a time, engines in rotating
order; our server and Virtuoso over HTTP (SPARQL Protocol POST, JSON results, kept-alive
connection), rdflib with ``Graph.query`` and its JSON serializer. Medians over runs per
query and of the whole mix; the first run warms every engine up and is not counted. Each
answer's row count is compared across engines (our server runs with its row cap raised to
Virtuoso's, so that all return the whole answer).

rdflib is slow: it runs ``--rdflib-runs`` runs (default 5 at 100k, 2 at 1M), each query under a time
limit (``--rdflib-timeout``: 60 s at 100k, 120 s at 1M); a query past it counts as the limit (a
lower bound, marked ≥) and its process is replaced. Results go to stdout and to benchmarks/results/.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_phases import MEETINGS, RESULTS, machine_facts
from peers import (
    OurServer,
    Samples,
    SparqlClient,
    Virtuoso,
    inline,
    load_average,
    manifest,
    named_queries,
    parameters,
    release_of_size,
)

LANGUAGES = ("en", "ru", "kk")
TIMED_OUT = -2  # the row count of a query rdflib did not finish within its time limit
ENGINES = ("ours", "virtuoso", "rdflib")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100k,1M", help=f"comma-separated, of {', '.join(MEETINGS)}")
    parser.add_argument("--runs", type=int, default=15, help="counted runs of the mix (after one warm-up)")
    parser.add_argument(
        "--rdflib-runs", type=int, default=None, help="runs for rdflib (default: 5 at 100k, 2 at 1M)"
    )
    parser.add_argument("--rdflib-timeout", type=float, default=None, help="seconds per rdflib query")
    parser.add_argument("--no-rdflib", action="store_true", help="leave rdflib out")
    parser.add_argument("--workdir", type=Path, default=None, help="keep (and reuse) archives here")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    machine = machine_facts()
    print(f"machine: {machine['summary']}", file=sys.stderr)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="publisher-querymix-"))
    work.mkdir(parents=True, exist_ok=True)
    runs = []
    for size in sizes:
        rdflib_runs = 0 if args.no_rdflib else args.rdflib_runs
        if rdflib_runs is None:
            rdflib_runs = min(args.runs, 5) if size in ("10k", "100k") else min(args.runs, 2)
        timeout = args.rdflib_timeout or (60.0 if size in ("10k", "100k") else 120.0)
        runs.append(bench_size(size, work, args.runs, rdflib_runs, timeout, args.seed))
    report = render(runs, machine, args)
    print(report)
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"query_mix-{stamp}.md").write_text(report + "\n", "utf-8")
    (RESULTS / f"query_mix-{stamp}.json").write_text(
        json.dumps({"machine": machine, "runs": runs}, indent=2) + "\n", "utf-8"
    )
    print(f"written to {RESULTS}/query_mix-{stamp}.md and .json", file=sys.stderr)
    if args.workdir is None:
        import shutil

        shutil.rmtree(work, ignore_errors=True)


def bench_size(size: str, work: Path, runs: int, rdflib_runs: int, rdflib_timeout: float, seed: int) -> dict:
    release = release_of_size(size, work)
    base = manifest(release)["base_iri"]
    samples = Samples.of(release)
    queries = named_queries()
    pick = random.Random(seed)
    plan = [mix(queries, samples, base, pick) for _ in range(runs + 1)]  # run 0 warms up
    times: dict[str, dict[str, list[float]]] = {e: {q: [] for q in queries} for e in ENGINES}
    rows: dict[str, dict[str, list[int]]] = {e: {q: [] for q in queries} for e in ENGINES}
    mix_totals: dict[str, list[float]] = {e: [] for e in ENGINES}
    loads = [load_average()]
    settings = {"SPARQL_MAX_ROWS": 1_000_000, "SPARQL_TIMEOUT": 60, "SPARQL_QUEUE_TIMEOUT": 60}
    rdflib = RdflibEngine(release, rdflib_timeout) if rdflib_runs else None
    try:
        with OurServer(release, settings=settings) as ours, Virtuoso(release, work) as virtuoso:
            clients = {
                "ours": SparqlClient(ours.url + "/sparql"),
                "virtuoso": SparqlClient(virtuoso.url, virtuoso.graph),
            }
            for number, texts in enumerate(plan):
                order = ENGINES[number % 3 :] + ENGINES[: number % 3]
                for engine in order:
                    if engine == "rdflib" and (rdflib is None or number == 0 or number > rdflib_runs):
                        continue  # rdflib has no cache to warm, and is slow: counted runs only
                    total = 0.0
                    for name, text in texts.items():
                        if engine == "rdflib":
                            seconds, count = rdflib.run(text)
                        else:
                            started = time.perf_counter()
                            status, count, body, _ = clients[engine].select(text)
                            seconds = time.perf_counter() - started
                            if status != 200:
                                print(f"{engine} {name}: HTTP {status} {body[:300]!r}", file=sys.stderr)
                                count = -status
                        total += seconds
                        if number > 0:
                            times[engine][name].append(seconds)
                            rows[engine][name].append(count)
                    if number > 0:
                        mix_totals[engine].append(total)
                    print(f"{size} run {number} {engine}: {total * 1000:.0f} ms", file=sys.stderr)
                loads.append(load_average())
            for client in clients.values():
                client.close()
            virtuoso_facts = {
                "load_s": round(virtuoso.load_seconds, 1),
                "triples": virtuoso.triples,
                "buffers": virtuoso.buffers,
                "buffers_why": virtuoso.buffers_why,
            }
    finally:
        if rdflib is not None:
            rdflib.close()
    return {
        "size": size,
        "triples": manifest(release)["store_triples"],
        "runs": runs,
        "rdflib_runs": rdflib_runs,
        "rdflib_parse_s": rdflib.parse_seconds if rdflib else None,
        "virtuoso": virtuoso_facts,
        "times": times,
        "rows": rows,
        "mix": mix_totals,
        "load_averages": loads,
        "example": plan[1],
    }


def mix(queries: dict[str, str], samples: Samples, base: str, pick: random.Random) -> dict[str, str]:
    """One run: every named query with freshly picked parameters, written into its text."""
    choices = {
        "person": samples.people,
        "organization": samples.organizations,
        "place": samples.places,
        "topic": samples.topics,
    }
    texts = {}
    for name, text in queries.items():
        values = {}
        for parameter in parameters(text):
            values[parameter] = (
                pick.choice(LANGUAGES) if parameter == "lang" else pick.choice(choices[parameter])
            )
        texts[name] = inline(text, base, values)
    return texts


# ---------------------------------------------------------------- rdflib, in a process of its own


class RdflibEngine:
    """rdflib's in-memory SPARQL over a Graph parsed from the dumps, in a killable process."""

    def __init__(self, release: Path, timeout: float):
        self.release, self.timeout = release, timeout
        self.context = multiprocessing.get_context("spawn")
        self.parse_seconds = 0.0
        self._start()

    def _start(self) -> None:
        self.here, there = self.context.Pipe()
        self.process = self.context.Process(
            target=_rdflib_worker, args=(there, str(self.release)), daemon=True
        )
        self.process.start()
        there.close()
        self.parse_seconds = self.here.recv()
        print(f"rdflib: parsed the dumps in {self.parse_seconds:.1f} s", file=sys.stderr)

    def run(self, text: str) -> tuple[float, int]:
        started = time.perf_counter()
        self.here.send(text)
        if not self.here.poll(self.timeout):
            self.close()
            self._start()
            return self.timeout, TIMED_OUT
        count = self.here.recv()
        return time.perf_counter() - started, count

    def close(self) -> None:
        self.process.kill()
        self.process.join(timeout=10)
        self.here.close()


def _rdflib_worker(connection, release: str) -> None:
    import gzip

    from rdflib import Graph

    started = time.perf_counter()
    graph = Graph()
    with gzip.open(Path(release) / "dumps" / "data.nt.gz", "rb") as data:
        graph.parse(data, format="nt")
    graph.parse(Path(release) / "dumps" / "catalog.ttl", format="turtle")
    connection.send(time.perf_counter() - started)
    while True:
        try:
            text = connection.recv()
        except EOFError:
            return
        try:
            result = graph.query(text)
            body = result.serialize(format="json")
            count = len(json.loads(body)["results"]["bindings"])
        except Exception as error:
            print(f"rdflib: {error}", file=sys.stderr)
            count = -1
        connection.send(count)


# ---------------------------------------------------------------- the table


def render(runs: list[dict], machine: dict, args) -> str:
    lines = [
        "# Query mix (issue 5, benchmark b)",
        "",
        f"Command: `/tmp/venv/bin/python benchmarks/query_mix.py --sizes {','.join(r['size'] for r in runs)}"
        f" --runs {args.runs}`",
        "",
        f"Machine: {machine['summary']}. Our server: gunicorn, 2 workers × 4 threads, query row cap"
        " raised to 1,000,000 (Virtuoso's ResultSetMaxRows). Times are client-side wall times"
        " of one query at a time, medians over runs with other parameters each run.",
    ]
    for run in runs:
        v = run["virtuoso"]
        lines += [
            "",
            f"## {run['triples']:,} triples ({run['size']})",
            "",
            f"Virtuoso: {v['triples']:,} triples bulk-loaded in {v['load_s']} s, NumberOfBuffers"
            f" {v['buffers']:,} ({v['buffers_why']}). rdflib: dumps parsed in"
            f" {run['rdflib_parse_s'] or 0:.1f} s, {run['rdflib_runs']} runs"
            f" (ours and Virtuoso: {run['runs']}). Load average during the runs:"
            f" {run['load_averages'][0]} … {run['load_averages'][-1]}.",
            "",
            "| query | rows | ours, ms | Virtuoso, ms | rdflib, ms | ours / Virtuoso | rdflib / ours |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for name in run["times"]["ours"]:
            ours, virtuoso = (_median(run["times"][e][name]) for e in ("ours", "virtuoso"))
            rdflib, at_least = _rdflib(run, name)
            lines.append(
                f"| {name} | {_rows(run['rows'], name)} | {_ms(ours)} | {_ms(virtuoso)} "
                f"| {at_least}{_ms(rdflib)} | {_ratio(ours, virtuoso)} | {at_least}{_ratio(rdflib, ours)} |"
            )
        ours, virtuoso = (_median(run["mix"][e]) for e in ("ours", "virtuoso"))
        rdflib = _median(run["mix"]["rdflib"])
        at_least = "≥ " if any(TIMED_OUT in counts for counts in run["rows"]["rdflib"].values()) else ""
        lines.append(
            f"| **the mix (sum of 8)** | | **{_ms(ours)}** | **{_ms(virtuoso)}** "
            f"| **{at_least}{_ms(rdflib)}** | **{_ratio(ours, virtuoso)}** "
            f"| **{at_least}{_ratio(rdflib, ours)}** |"
        )
        lines += ["", "Row counts: " + _agreement(run["rows"])]
    lines += [
        "",
        "Targets at 1M: ours / Virtuoso ≤ 1.0, rdflib / ours ≥ 100. rows: the median row count"
        " of our answers (parameters differ between runs). ≥: rdflib did not finish some query"
        " within its time limit, which is counted as its time (so the real figure is larger).",
    ]
    return "\n".join(lines)


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _rdflib(run: dict, name: str) -> tuple[float | None, str]:
    """rdflib's median for a query, and "≥ " when a run of it hit the time limit."""
    times = run["times"]["rdflib"][name]
    timed_out = TIMED_OUT in run["rows"]["rdflib"][name]
    return _median(times), ("≥ " if timed_out else "")


def _ms(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value * 1000:,.1f}" if value < 10 else f"{value * 1000:,.0f}"


def _ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b == 0:
        return "–"
    return f"{a / b:,.2f}" if a / b < 10 else f"{a / b:,.0f}"


def _rows(rows: dict, name: str) -> str:
    ours = [r for r in rows["ours"][name] if r >= 0]
    return f"{statistics.median(ours):,.0f}" if ours else "–"


def _agreement(rows: dict) -> str:
    """Whether every engine gave as many rows as ours, query by query and run by run."""
    differences = []
    for engine in ("virtuoso", "rdflib"):
        for name, counts in rows[engine].items():
            for run, count in enumerate(counts):
                ours = rows["ours"][name][run]
                if count != ours and count != TIMED_OUT:
                    differences.append(f"{engine} {name} run {run + 1}: {count} vs ours {ours}")
    return "the same in every answer of every engine." if not differences else "; ".join(differences[:12])


if __name__ == "__main__":
    main()
