"""Benchmark (a) of issue 5: build phases at growing sizes, re-validation after one edit, peak memory.

    /tmp/venv/bin/python benchmarks/build_phases.py --sizes 10k,100k,1M

For each size, a scratch copy of the project gets synthetic records (`publisher synth`) until
seed + synthetic reach about that many triples, then, each in a fresh process as a user
would run them:

1. ``publisher build`` with an empty validation cache (cold);
2. ``publisher build`` again, nothing changed (warm);
3. one meeting renamed in one file, then ``publisher validate`` (the re-validation target);
4. ``publisher build`` after that edit.

Phase times come from the build's own progress lines; peak memory is the largest resident
set of the command's process tree, sampled every 50 ms; CPU is the user + system time of the
command and its children (on a shared machine, wall time also measures the neighbours: the
load average is noted before and after each size). Results go to stdout and to
benchmarks/results/ (Markdown and JSON).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"
PROJECT_PARTS = ("pyproject.toml", "ontology", "shapes", "data", "catalog", "queries")
PHASES = ("load", "validate", "dumps", "descriptions", "store", "publish")
SEED = 42
#: Synthetic meetings giving about this many triples together with the seed data (seed 42).
MEETINGS = {"10k": 150, "100k": 1_790, "1M": 18_700}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10k,100k,1M", help=f"comma-separated, of {', '.join(MEETINGS)}")
    parser.add_argument("--workdir", type=Path, default=None, help="scratch space (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch projects")
    args = parser.parse_args()
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in sizes if s not in MEETINGS]
    if unknown:
        parser.error(f"unknown size(s) {unknown}; known: {list(MEETINGS)}")

    work = args.workdir or Path(tempfile.mkdtemp(prefix="publisher-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    machine = machine_facts()
    print(f"machine: {machine['summary']}", file=sys.stderr)
    runs = []
    try:
        for size in sizes:
            print(f"--- {size}", file=sys.stderr)
            runs.append(bench_size(size, work / size))
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    report = render(runs, machine)
    print(report)
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"build_phases-{stamp}.md").write_text(report + "\n", "utf-8")
    (RESULTS / f"build_phases-{stamp}.json").write_text(
        json.dumps({"machine": machine, "runs": runs}, indent=2) + "\n", "utf-8"
    )
    print(f"written to {RESULTS}/build_phases-{stamp}.md and .json", file=sys.stderr)


def bench_size(size: str, project: Path) -> dict:
    make_project(project, MEETINGS[size])
    site = project / "site"
    env = {**os.environ, "PUBLISHER_CACHE_DIR": str(project / ".publisher-cache")}
    env.pop("PUBLISHER_BASE_IRI", None)
    run = {"size": size, "meetings": MEETINGS[size], "load_average_before": os.getloadavg()}
    run["cold"] = timed(["build", "--out", str(site)], project, env)
    run["triples"] = released_triples(run["cold"]["output"])
    run["warm"] = timed(["build", "--out", str(site)], project, env)
    # Each measured step gets an edit of its own (a step that validates updates the cache).
    run["edited_files"] = [rename_one_meeting(project, 1)]
    run["revalidate"] = timed(["validate"], project, env)
    run["edited_files"].append(rename_one_meeting(project, 2))
    run["revalidate"]["in_process"] = in_process_revalidation(project, env)
    run["edited_files"].append(rename_one_meeting(project, 3))
    run["after_edit"] = timed(["build", "--out", str(site)], project, env)
    run["load_average_after"] = os.getloadavg()
    for key in ("cold", "warm", "revalidate", "after_edit"):
        run[key].pop("output", None)
    return run


def make_project(project: Path, meetings: int) -> None:
    if project.exists():
        shutil.rmtree(project)
    project.mkdir(parents=True)
    for part in PROJECT_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, project / part, ignore=shutil.ignore_patterns("synthetic"))
        elif source.is_file():
            shutil.copy2(source, project / part)
    started = time.perf_counter()
    subprocess.run(
        [*publisher(), "--project", str(project), "synth", "--meetings", str(meetings), "--seed", str(SEED)],
        check=True,
        capture_output=True,
    )
    print(f"synth {meetings} meetings: {time.perf_counter() - started:.1f} s", file=sys.stderr)


def rename_one_meeting(project: Path, which: int) -> str:
    """An edit a steward makes: one meeting's English name, in one file of the archive."""
    trips = sorted((project / "data" / "synthetic" / "trips").glob("*.ttl"))
    trip = trips[len(trips) * which // 4]
    text = trip.read_text("utf-8")
    edited = text.replace('"Meeting of the Akim', '"Renamed meeting of the Akim', 1)
    if edited == text:
        raise RuntimeError(f"nothing to rename in {trip}")
    trip.write_text(edited, "utf-8")
    return str(trip.relative_to(project))


def in_process_revalidation(project: Path, env: dict) -> dict:
    """The same re-validation, timed inside the process (no interpreter start or imports)."""
    script = (
        "import json, time\n"
        "from pathlib import Path\n"
        "t0 = time.perf_counter()\n"
        "from publisher.config import load_project\n"
        "from publisher.incremental import validate_project\n"
        "t1 = time.perf_counter()\n"
        f"_, report, stats = validate_project(load_project(Path({str(project)!r})))\n"
        "t2 = time.perf_counter()\n"
        "print(json.dumps({'imports_s': t1 - t0, 'validate_s': t2 - t1, 'core_s': stats.core_seconds,\n"
        "  'cross_record_s': stats.sparql_seconds, 'rechecked': stats.rechecked, 'reused': stats.reused,\n"
        "  'sparql_rechecked': stats.sparql_rechecked, 'sparql_whole': stats.sparql_whole,\n"
        "  'graph': stats.graph, 'files_changed': stats.files_changed, 'cache': stats.cache,\n"
        "  'conforms': report.conforms}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def timed(arguments: list[str], project: Path, env: dict) -> dict:
    command = [*publisher(), "--project", str(project), *arguments]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = PeakMemory(process.pid)
    peak.start()
    output, _ = process.communicate()
    wall = time.perf_counter() - started
    peak.stop()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    phases = {}
    for line in output.splitlines():
        match = re.match(r"^(\w+)\s+([\d.]+) s\b", line)
        if match and match[1] in PHASES:
            phases[match[1]] = float(match[2])
    details = {
        m[1]: m[2] for m in re.finditer(r"^(load|validate|dumps|store)\s+[\d.]+ s\s+(.*)$", output, re.M)
    }
    result = {
        "command": "publisher " + " ".join(a if a != str(project / "site") else "SITE" for a in arguments),
        "exit": process.returncode,
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "phases_s": phases,
        "details": details,
        "peak_rss_mb": round(peak.tree_peak / 2**20),
        "peak_rss_main_mb": round(peak.main_peak / 2**20),
        "output": output,
    }
    print(
        f"{result['command']}: {wall:.1f} s, exit {process.returncode}, peak {result['peak_rss_mb']} MB",
        file=sys.stderr,
    )
    if process.returncode not in (0,):
        print(output[-3000:], file=sys.stderr)
    return result


def publisher() -> list[str]:
    return [sys.executable, "-m", "publisher"]


def released_triples(output: str) -> int | None:
    match = re.search(r"released (\d+) triples", output)
    return int(match[1]) if match else None


class PeakMemory(threading.Thread):
    """Samples the resident memory of a process and its descendants (Linux /proc)."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.tree_peak, self.main_peak = pid, 0, 0
        self.running = True

    def run(self) -> None:
        while self.running:
            main = _rss(self.pid)
            tree = main + sum(_rss(child) for child in _descendants(self.pid))
            self.main_peak, self.tree_peak = max(self.main_peak, main), max(self.tree_peak, tree)
            time.sleep(0.05)

    def stop(self) -> None:
        self.running = False
        self.join()


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        try:
            tasks = Path(f"/proc/{current}/task").iterdir()
            children = [int(c) for t in tasks for c in (t / "children").read_text().split()]
        except OSError:
            children = []
        found += children
        pending += children
    return found


def machine_facts() -> dict:
    memory = next(
        (
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if "MemTotal" in line
        ),
        0,
    )
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    import pyoxigraph
    import pyshacl
    import rdflib

    facts = {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "ram_gib": round(memory / 2**20, 1),
        "load_average_at_start": os.getloadavg(),
        "python": platform.python_version(),
        "rdflib": rdflib.__version__,
        "pyshacl": pyshacl.__version__,
        "pyoxigraph": pyoxigraph.__version__,
        "workers": os.environ.get("PUBLISHER_WORKERS", "auto"),
    }
    facts["summary"] = (
        f"{facts['cpus']} CPUs ({model}), {facts['ram_gib']} GiB RAM, Python {facts['python']}, "
        f"rdflib {facts['rdflib']}, pyshacl {facts['pyshacl']}, pyoxigraph {facts['pyoxigraph']}, "
        f"load average at start {', '.join(f'{x:.2f}' for x in facts['load_average_at_start'])}"
    )
    return facts


def render(runs: list[dict], machine: dict) -> str:
    lines = [
        "# Build phases (issue 5, benchmark a)",
        "",
        "Command: `/tmp/venv/bin/python benchmarks/build_phases.py --sizes "
        + ",".join(r["size"] for r in runs)
        + "`",
        "",
        f"Machine: {machine['summary']}.",
        "",
        "## Build: cold cache, then warm (nothing changed), then after one edited record",
        "",
        "| triples | run | " + " | ".join(PHASES) + " | total (wall) | CPU | peak RSS, tree (main) |",
        "|---:|---|" + "---:|" * len(PHASES) + "---:|---:|---:|",
    ]
    for run in runs:
        for key, name in (("cold", "cold"), ("warm", "warm"), ("after_edit", "1 file edited")):
            r = run[key]
            cells = [f"{r['phases_s'].get(p, float('nan')):.2f}" for p in PHASES]
            lines.append(
                f"| {run['triples']:,} | {name} | "
                + " | ".join(cells)
                + f" | {r['wall_s']:.1f} s | {r.get('cpu_s', float('nan')):.1f} s"
                + f" | {r['peak_rss_mb']} MB ({r['peak_rss_main_mb']} MB) |"
            )
    lines += [
        "",
        "## Re-validation after one changed record (`publisher validate`, fresh process)",
        "",
        "| triples | wall | in process | graph read from | core (pyshacl) | cross-record (SPARQL)"
        " | re-checked (core) | re-checked (SPARQL focus nodes) | whole-graph SPARQL checks | from cache |",
        "|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        r, inner = run["revalidate"], run["revalidate"]["in_process"]
        lines.append(
            f"| {run['triples']:,} | {r['wall_s']:.2f} s | {inner['validate_s']:.2f} s "
            f"| {inner.get('graph', '')} | {inner['core_s']:.2f} s | {inner['cross_record_s']:.2f} s "
            f"| {inner['rechecked']:,} | {inner.get('sparql_rechecked', 0):,} "
            f"| {inner.get('sparql_whole', 0)} | {inner['reused']:,} |"
        )
    lines += ["", "Load average (1, 5, 15 min) before and after each size:", ""]
    for run in runs:
        before, after = run.get("load_average_before"), run.get("load_average_after")
        if before and after:
            said = [", ".join(f"{x:.2f}" for x in loads) for loads in (before, after)]
            lines.append(f"- {run['triples']:,}: {said[0]} → {said[1]}")
    lines += ["", "Validation details per build:", ""]
    for run in runs:
        for key in ("cold", "warm", "after_edit"):
            lines.append(f"- {run['triples']:,} {key}: {run[key]['details'].get('validate', '')}")
    lines += [
        "",
        "The wall times include starting Python and importing rdflib, pyshacl and pyoxigraph"
        " (about 0.5 s); 'in process' is the validation alone.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
