"""Benchmark (d) of issue 5: peak memory per serving worker, under a mixed load.

    /tmp/venv/bin/python benchmarks/worker_memory.py --sizes 100k,1M

For each size, a scratch project gets synthetic records and is built (as in
build_phases.py); gunicorn then serves the release with 2 workers, as the README says, and
a bounded concurrent load (8 client threads) asks for resource pages in every format, named
queries and SPARQL (a lookup by IRI and a 3-hop join), parameters varied per request.
Every 50 ms the resident (RSS) and proportional (PSS: shared pages divided among the
processes sharing them, such as the read-only store's files) memory of each worker, and of
the query processes each worker starts, is sampled. Not a throughput benchmark: the request
rate is printed for context only. Results go to stdout and to benchmarks/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_phases import MEETINGS, RESULTS, machine_facts
from peers import descendants, free_port, manifest, release_of_size, wait_http

GUNICORN = Path(sys.executable).with_name("gunicorn")
WORKERS = 2
MTG = "https://meetings.example.org/ontology#"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100k,1M", help=f"comma-separated, of {', '.join(MEETINGS)}")
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args()
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    machine = machine_facts()
    print(f"machine: {machine['summary']}", file=sys.stderr)
    work = Path(tempfile.mkdtemp(prefix="publisher-memory-"))
    runs = []
    try:
        for size in sizes:
            runs.append(bench_size(size, work, args.requests))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report = render(runs, machine, args.requests)
    print(report)
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"worker_memory-{stamp}.md").write_text(report + "\n", "utf-8")
    (RESULTS / f"worker_memory-{stamp}.json").write_text(
        json.dumps({"machine": machine, "runs": runs}, indent=2) + "\n", "utf-8"
    )


def bench_size(size: str, workdir: Path, requests: int) -> dict:
    release = release_of_size(size, workdir)
    env = {k: v for k, v in os.environ.items() if k != "PUBLISHER_BASE_IRI"}
    port = free_port()
    server = subprocess.Popen(
        [
            str(GUNICORN),
            "-w",
            str(WORKERS),
            "--threads",
            "4",
            "-b",
            f"127.0.0.1:{port}",
            "publisher.web:create_app()",
        ],
        env={**env, "PUBLISHER_RELEASE": str(release)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url + "/healthz", server)
        sampler = Sampler(server.pid)
        sampler.start()
        idle = sampler.snapshot()
        started = time.perf_counter()
        outcome = load(url, requests)
        elapsed = time.perf_counter() - started
        time.sleep(0.3)
        sampler.stop()
    finally:
        server.terminate()
        server.wait(timeout=30)
    triples = manifest(release)["triples"]
    run = {"size": size, "triples": triples, "requests": outcome, "seconds": round(elapsed, 1)}
    run["idle"] = idle
    run["peak"] = sampler.peaks()
    print(f"{size}: {json.dumps(run['peak'])}", file=sys.stderr)
    return run


def load(url: str, requests: int) -> dict:
    """A mix of what readers and programs ask for, each with other parameters."""
    meetings = _select(url, f"SELECT ?s {{ ?s a <{MTG}Meeting> }} LIMIT 400")
    people = _select(url, "SELECT ?s { ?s a <http://schema.org/Person> } LIMIT 400")
    organizations = _select(url, "SELECT ?s { ?s a <http://www.w3.org/ns/org#FormalOrganization> } LIMIT 200")
    pick = random.Random(5)

    def path(iri: str) -> str:
        return urllib.parse.urlsplit(iri).path

    def one(_: int) -> int:
        kind = pick.randrange(6)
        if kind == 0:
            target = path(pick.choice(meetings))
        elif kind == 1:
            target = path(pick.choice(people)) + ".ttl"
        elif kind == 2:
            target = path(pick.choice(organizations)) + ".jsonld"
        elif kind == 3:
            target = "/sparql?" + urllib.parse.urlencode(
                {"query": f"SELECT ?p ?o {{ <{pick.choice(people)}> ?p ?o }}", "format": "json"}
            )
        elif kind == 4:
            person = pick.choice(people)
            query = (
                f"SELECT ?meeting ?trip ?place {{ ?meeting <http://schema.org/attendee> <{person}> ; "
                "<http://schema.org/superEvent> ?trip . ?trip <http://schema.org/location> ?place . "
                "?place <http://schema.org/name> ?name }"
            )
            target = "/sparql?" + urllib.parse.urlencode({"query": query, "format": "json"})
        else:
            target = "/queries/meetings-of-person?" + urllib.parse.urlencode(
                {"person": path(pick.choice(people)).lstrip("/"), "format": "json"}
            )
        try:
            with urllib.request.urlopen(url + target, timeout=30) as response:
                response.read()
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            return 0

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(one, range(requests)))
    return {str(code): statuses.count(code) for code in sorted(set(statuses))}


def _select(url: str, query: str) -> list[str]:
    target = url + "/sparql?" + urllib.parse.urlencode({"query": query, "format": "json"})
    with urllib.request.urlopen(target, timeout=60) as response:
        rows = json.loads(response.read())["results"]["bindings"]
    return [row["s"]["value"] for row in rows]


class Sampler(threading.Thread):
    """Peak RSS and PSS of each gunicorn worker, alone and with the query processes it started."""

    def __init__(self, master: int):
        super().__init__(daemon=True)
        self.master, self.running = master, True
        self.samples: list[dict] = []

    def snapshot(self) -> dict:
        workers = _children(self.master)
        per_worker = {}
        for worker in workers:
            helpers = descendants(worker)
            per_worker[worker] = {
                "rss_mb": _memory(worker, "Rss"),
                "pss_mb": _memory(worker, "Pss"),
                "with_query_processes_rss_mb": _memory(worker, "Rss")
                + sum(_memory(h, "Rss") for h in helpers),
                "with_query_processes_pss_mb": _memory(worker, "Pss")
                + sum(_memory(h, "Pss") for h in helpers),
            }
        return per_worker

    def run(self) -> None:
        while self.running:
            self.samples.append(self.snapshot())
            time.sleep(0.05)

    def stop(self) -> None:
        self.running = False
        self.join()

    def peaks(self) -> dict:
        keys = ("rss_mb", "pss_mb", "with_query_processes_rss_mb", "with_query_processes_pss_mb")
        return {
            key: round(max((w[key] for s in self.samples for w in s.values()), default=0)) for key in keys
        }


def _memory(pid: int, field: str) -> float:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _children(pid: int) -> list[int]:
    try:
        return [
            int(c) for t in Path(f"/proc/{pid}/task").iterdir() for c in (t / "children").read_text().split()
        ]
    except OSError:
        return []


def render(runs: list[dict], machine: dict, requests: int) -> str:
    lines = [
        "# Memory per serving worker (issue 5, benchmark d)",
        "",
        "Command: `/tmp/venv/bin/python benchmarks/worker_memory.py --sizes "
        + ",".join(r["size"] for r in runs)
        + f" --requests {requests}`",
        "",
        f"Machine: {machine['summary']}. gunicorn, {WORKERS} workers × 4 threads; 8 client threads.",
        "",
        "| triples | requests (status: count) | seconds | worker RSS | worker PSS "
        "| worker + its query processes, RSS | same, PSS |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        peak = run["peak"]
        lines.append(
            f"| {run['triples']:,} | {run['requests']} | {run['seconds']} "
            f"| {peak['rss_mb']} MB | {peak['pss_mb']} MB "
            f"| {peak['with_query_processes_rss_mb']} MB | {peak['with_query_processes_pss_mb']} MB |"
        )
    lines += [
        "",
        "Peaks over the run, of the largest worker. RSS counts the read-only store's pages in"
        " every process that maps them; PSS divides shared pages among the processes sharing them.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
