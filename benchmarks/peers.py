"""Shared helpers of the serving benchmarks (query_mix.py, http_load.py): a built archive of a
given size, our server under gunicorn, Virtuoso started on the same data, a SPARQL client, and
the named queries with their parameters written into the text.

Not a benchmark itself. Every process started here is stopped by its PID when its ``with``
block ends; scratch files live in a temp dir (or ``--workdir``), never in the repository.
"""

from __future__ import annotations

import contextlib
import gzip
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_phases import MEETINGS, ROOT, make_project, publisher

GUNICORN = Path(sys.executable).with_name("gunicorn")
VIRTUOSO = Path("/usr/bin/virtuoso-t")
ISQL = Path("/usr/bin/isql-vt")
VIRTUOSO_INSTALL = (
    "DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends virtuoso-opensource-7-bin"
)
MTG = "https://meetings.example.org/ontology#"
SCHEMA = "http://schema.org/"
ORG = "http://www.w3.org/ns/org#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
JSON_RESULTS = "application/sparql-results+json"


# ---------------------------------------------------------------- the archive


def release_of_size(size: str, workdir: Path) -> Path:
    """A built release of about ``size`` triples (seed data + synthetic), made once per workdir."""
    project = workdir / size
    site = project / "site"
    if (site / "current" / "release.json").exists():
        print(f"{size}: reusing the release in {site}", file=sys.stderr)
        return (site / "current").resolve()
    make_project(project, MEETINGS[size])
    env = {**os.environ, "PUBLISHER_CACHE_DIR": "off"}
    env.pop("PUBLISHER_BASE_IRI", None)
    started = time.perf_counter()
    built = subprocess.run(
        [*publisher(), "--project", str(project), "build", "--out", str(site)],
        env=env,
        capture_output=True,
        text=True,
    )
    if built.returncode:
        raise RuntimeError(built.stdout[-3000:] + built.stderr[-3000:])
    print(f"{size}: built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return (site / "current").resolve()


def manifest(release: Path) -> dict:
    return json.loads((release / "release.json").read_text("utf-8"))


@dataclass
class Samples:
    """IRIs of the archive to vary parameters with, read from the release's store."""

    meetings: list[str]
    people: list[str]
    organizations: list[str]
    places: list[str]
    topics: list[str]
    trips: list[str]
    agreements: list[str]
    resources: list[str]  # every /id/ resource (for pages across the whole archive)

    @classmethod
    def of(cls, release: Path) -> Samples:
        store = ox.Store.read_only(str(release / "store"))

        def of_type(*classes: str) -> list[str]:
            found: set[str] = set()
            for cls_iri in classes:
                found |= {row["s"].value for row in store.query(f"SELECT ?s {{ ?s a <{cls_iri}> }}")}
            return sorted(found)

        base = manifest(release)["base_iri"]
        resources = sorted(
            {
                row["s"].value
                for row in store.query("SELECT DISTINCT ?s { ?s ?p ?o FILTER(isIRI(?s)) }")
                if row["s"].value.startswith(base + "id/")
            }
        )
        samples = cls(
            meetings=of_type(MTG + "Meeting"),
            people=of_type(SCHEMA + "Person"),
            organizations=of_type(ORG + "FormalOrganization"),
            places=of_type(
                SCHEMA + "Place", SCHEMA + "City", SCHEMA + "AdministrativeArea", SCHEMA + "Country"
            ),
            topics=of_type(MTG + "Topic"),
            trips=of_type(MTG + "Trip"),
            agreements=of_type(MTG + "Agreement"),
            resources=resources,
        )
        return samples


# ---------------------------------------------------------------- named queries, written out


def named_queries() -> dict[str, str]:
    return {path.stem: path.read_text("utf-8") for path in sorted((ROOT / "queries").glob("*.rq"))}


_PARAM = re.compile(r'^#\s*param\s*:\s*(\w+)\s*=\s*(<[^>\s]*>|"[^"]*")\s*$')


def parameters(text: str) -> dict[str, str]:
    """The ``# param:`` headers of a named query: name -> 'iri' or 'literal'."""
    found = {}
    for line in text.splitlines():
        if match := _PARAM.match(line):
            found[match[1]] = "iri" if match[2].startswith("<") else "literal"
    return found


def inline(text: str, base_iri: str, values: dict[str, str]) -> str:
    """The query as any SPARQL 1.1 engine runs it: an explicit BASE, the comment headers gone,
    each parameter written in as its term (what our server's SEP-0007 substitution binds:
    the variable is that term everywhere, also inside OPTIONAL filters), and projected as
    ``(term AS ?name)`` so that the answer has the same columns."""
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    kinds = parameters(text)
    terms = {}
    for name, kind in kinds.items():
        value = values[name]
        terms[name] = f"<{value}>" if kind == "iri" else json.dumps(value)
    head, _, rest = body.partition("WHERE")
    if not rest:
        raise ValueError("a named query without WHERE")
    for name, term in terms.items():
        head = re.sub(rf"\?{name}\b", f"({term} AS ?{name})", head)
        rest = re.sub(rf"\?{name}\b", term, rest)
    return f"BASE <{base_iri}>\n{head}WHERE{rest}"


# ---------------------------------------------------------------- a SPARQL client


class SparqlClient:
    """SPARQL 1.1 Protocol over one kept-alive HTTP connection (POST of a form, JSON results)."""

    def __init__(self, url: str, default_graph: str | None = None):
        parts = urllib.parse.urlsplit(url)
        self.host, self.port, self.path = parts.hostname, parts.port, parts.path
        self.default_graph = default_graph
        self.connection: http.client.HTTPConnection | None = None

    def select(self, query: str, timeout: float = 120) -> tuple[int, int, bytes, dict]:
        """(status, rows, body, headers) of one query, rows counted from the JSON answer."""
        fields = [("query", query)]
        if self.default_graph:
            fields.append(("default-graph-uri", self.default_graph))
        body = urllib.parse.urlencode(fields).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": JSON_RESULTS}
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
            try:
                self.connection.request("POST", self.path, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
                break
            except (OSError, http.client.HTTPException):
                self.close()
                if attempt == 2:
                    raise
        rows = -1
        if response.status == 200:
            parsed = json.loads(data)
            rows = len(parsed["results"]["bindings"]) if "results" in parsed else 1
        return response.status, rows, data, dict(response.getheaders())

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


# ---------------------------------------------------------------- our server


class OurServer:
    """gunicorn serving a release, as the README says (2 workers × 4 threads by default)."""

    def __init__(self, release: Path, *, workers: int = 2, threads: int = 4, settings: dict | None = None):
        self.release, self.workers, self.threads = release, workers, threads
        self.settings = settings or {}
        self.process: subprocess.Popen | None = None
        self.url = ""

    def __enter__(self) -> OurServer:
        port = free_port()
        env = {**os.environ, "PUBLISHER_RELEASE": str(self.release), "PYTHONPATH": str(ROOT)}
        env.pop("PUBLISHER_BASE_IRI", None)
        env.update({f"PUBLISHER_{k}": str(v) for k, v in self.settings.items()})
        command = [str(GUNICORN), "-w", str(self.workers), "--threads", str(self.threads)]
        command += ["-b", f"127.0.0.1:{port}", "--log-level", "warning", "publisher.web:create_app()"]
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=self.log)
        self.url = f"http://127.0.0.1:{port}"
        wait_http(self.url + "/healthz", self.process)
        return self

    def __exit__(self, *exc) -> None:
        stop(self.process)
        self.log.close()

    def pids(self) -> list[int]:
        return [self.process.pid, *descendants(self.process.pid)] if self.process else []


# ---------------------------------------------------------------- Virtuoso


#: NumberOfBuffers / MaxDirtyBuffers by the free memory they are for, as Virtuoso's own
#: virtuoso.ini documents them ("Uncomment next two lines if there is N GB system memory free").
VIRTUOSO_BUFFERS = (
    (2, 170_000, 130_000),
    (4, 340_000, 250_000),
    (8, 680_000, 500_000),
    (16, 1_360_000, 1_000_000),
)


def virtuoso_buffers() -> tuple[int, int, str]:
    """The documented setting for this machine: the largest tier that fits in half of the
    memory now available (the machine is shared; the data needs far less anyway)."""
    available_gib = _meminfo("MemAvailable") / 2**20
    chosen = VIRTUOSO_BUFFERS[0]
    for tier in VIRTUOSO_BUFFERS:
        if tier[0] <= available_gib / 2:
            chosen = tier
    why = f"the {chosen[0]} GB tier of virtuoso.ini's table ({available_gib:.0f} GiB available)"
    return chosen[1], chosen[2], why


class Virtuoso:
    """Virtuoso 7 (Debian's) on free loopback ports in a temp dir, bulk-loaded with a release's dumps."""

    def __init__(self, release: Path, workdir: Path | None = None, threads: int = 10):
        self.release = release
        self.graph = manifest(release)["base_iri"]
        self.dir = Path(tempfile.mkdtemp(prefix="virtuoso-", dir=workdir))
        self.threads = threads
        self.process: subprocess.Popen | None = None
        self.load_seconds = 0.0
        self.triples = 0

    def __enter__(self) -> Virtuoso:
        if not VIRTUOSO.exists():
            raise SystemExit(f"Virtuoso is not installed: {VIRTUOSO_INSTALL}")
        self.sql_port, self.http_port = free_port(), free_port()
        buffers, dirty, self.buffers_why = virtuoso_buffers()
        self.buffers = buffers
        load = self.dir / "load"
        load.mkdir()
        with (
            gzip.open(self.release / "dumps" / "data.nt.gz", "rb") as source,
            open(load / "data.nt", "wb") as out,
        ):
            shutil.copyfileobj(source, out, 1 << 20)
        catalog = ox.parse(path=str(self.release / "dumps" / "catalog.ttl"), format=ox.RdfFormat.TURTLE)
        (load / "catalog.nt").write_bytes(ox.serialize(catalog, format=ox.RdfFormat.N_TRIPLES))
        d = self.dir
        (d / "virtuoso.ini").write_text(
            f"""[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{self.sql_port}
DisableUnixSocket = 1
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
DirsAllowed = ., {load}
[HTTPServer]
ServerPort = 127.0.0.1:{self.http_port}
ServerThreads = {self.threads}
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 60
""",
            "utf-8",
        )
        self.process = subprocess.Popen(
            [str(VIRTUOSO), "+foreground", "+configfile", str(d / "virtuoso.ini")],
            cwd=d,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.url = f"http://127.0.0.1:{self.http_port}/sparql"
        deadline = time.monotonic() + 120
        while not self._isql("status();", check=False, quiet=True):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("Virtuoso did not start:\n" + self.log_tail())
            time.sleep(0.5)
        started = time.perf_counter()
        self._isql(f"ld_dir('{load}', '*.nt', '{self.graph}'); rdf_loader_run(); checkpoint;")
        self.load_seconds = time.perf_counter() - started
        wait_http(f"http://127.0.0.1:{self.http_port}/sparql?query=ASK%7B%7D", self.process)
        client = SparqlClient(self.url, self.graph)
        status, _, body, _ = client.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        client.close()
        self.triples = int(json.loads(body)["results"]["bindings"][0]["n"]["value"]) if status == 200 else -1
        print(
            f"Virtuoso: {self.triples:,} triples loaded in {self.load_seconds:.1f} s, "
            f"NumberOfBuffers {buffers} ({self.buffers_why})",
            file=sys.stderr,
        )
        return self

    def __exit__(self, *exc) -> None:
        try:
            if self.process is not None and self.process.poll() is None:
                self._isql("shutdown;", check=False, quiet=True)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.process.wait(timeout=60)
        finally:
            stop(self.process)
            shutil.rmtree(self.dir, ignore_errors=True)

    def _isql(self, statements: str, *, check: bool = True, quiet: bool = False) -> bool:
        done = subprocess.run(
            [str(ISQL), f"127.0.0.1:{self.sql_port}", "dba", "dba", f"exec={statements}"],
            capture_output=True,
            text=True,
            timeout=3600,
        )
        failed = done.returncode != 0 or "*** Error" in done.stdout + done.stderr
        if failed and check:
            raise RuntimeError(
                f"isql {statements!r} failed:\n{done.stdout}\n{done.stderr}\n{self.log_tail()}"
            )
        if failed and not quiet:
            print(done.stdout + done.stderr, file=sys.stderr)
        return not failed

    def log_tail(self) -> str:
        try:
            return (self.dir / "virtuoso.log").read_text("utf-8", "replace")[-3000:]
        except OSError:
            return ""

    def pids(self) -> list[int]:
        return [self.process.pid] if self.process else []


# ---------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_http(url: str, process: subprocess.Popen, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    parts = urllib.parse.urlsplit(url)
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
            connection.request("GET", parts.path + ("?" + parts.query if parts.query else ""))
            status = connection.getresponse().status
            connection.close()
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer in {seconds:g} s")


def stop(process: subprocess.Popen | None) -> None:
    """Stop one process we started (TERM, then KILL), by its PID."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def descendants(pid: int) -> list[int]:
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        try:
            children = [
                int(c)
                for task in Path(f"/proc/{current}/task").iterdir()
                for c in (task / "children").read_text().split()
            ]
        except OSError:
            children = []
        found += children
        pending += children
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of some processes so far (Linux /proc)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            pass
    return total


def _meminfo(field: str) -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def load_average() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())
