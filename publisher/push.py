"""Load a release into an external SPARQL store, for a server with ``BACKEND = "sparql"``.

The store gets what the release's embedded store holds: the records and vocabulary
(``dumps/data.nt.gz``) and the dataset's description (``dumps/catalog.ttl``), in one graph
(by default the release's base IRI, which the server queries as its default graph).

Two ways in:

- ``push_graph_store``: the SPARQL 1.1 Graph Store HTTP Protocol, which Virtuoso, Fuseki,
  GraphDB and others speak. N-Triples in chunks (a million triples never go in one request):
  the first chunk PUT (it replaces the graph), the others POSTed. Blank nodes are scoped to
  one request, so every triple that names one goes in the last request, together. HTTP
  digest or basic authentication, as the store asks (Virtuoso: ``/sparql-graph-crud-auth``,
  digest, user dba).
- ``bulk_load_virtuoso``: Virtuoso's bulk loader (``ld_dir``, ``rdf_loader_run``,
  ``checkpoint`` through ``isql``), several times faster on large releases; the files go to a
  directory the Virtuoso server reads (listed in its ``DirsAllowed``), so on the same machine.

Either way the graph is replaced while a server may be reading it: load a new release into a
new graph and then point SPARQL_ENDPOINT_GRAPH at it, or load while no server reads.
"""

from __future__ import annotations

import gzip
import re
import secrets
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from publisher.release import DATA_NT_GZ, DESCRIPTION_TTL, read_manifest

CHUNK_TRIPLES = 100_000
NTRIPLES = "application/n-triples"
_BLANK_OBJECT = re.compile(rb"\s_:\S+\s*\.\s*$")

Progress = Callable[[str], None]


class PushError(Exception):
    """The release could not be loaded; the message says why, for the command line."""


@dataclass
class PushResult:
    graph: str
    triples: int
    requests: int
    seconds: float


def release_graph(release: Path, graph: str | None) -> str:
    """The graph a release goes into: the one asked for, else the release's base IRI."""
    iri = graph or read_manifest(release)["base_iri"]
    try:
        return ox.NamedNode(iri).value
    except ValueError:
        raise PushError(f"not an IRI: {iri!r}") from None


def release_lines(release: Path) -> Iterator[bytes]:
    """The N-Triples lines of what the embedded store holds: data, then the description."""
    data = release / DATA_NT_GZ
    description = release / DESCRIPTION_TTL
    for path in (data, description):
        if not path.is_file():
            raise PushError(f"{release} is not a complete release: {path.name} is missing")
    with gzip.open(data, "rb") as lines:
        for line in lines:
            if line.strip():
                yield line if line.endswith(b"\n") else line + b"\n"
    triples = ox.parse(path=str(description), format=ox.RdfFormat.TURTLE)
    for line in ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).splitlines(keepends=True):
        yield line


def chunks(lines: Iterator[bytes], size: int) -> Iterator[list[bytes]]:
    """Lines in chunks of ``size``; every line that names a blank node in the last chunk."""
    chunk: list[bytes] = []
    blank: list[bytes] = []
    for line in lines:
        if line.startswith(b"_:") or _BLANK_OBJECT.search(line):
            blank.append(line)
            continue
        chunk.append(line)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk or blank:
        yield chunk + blank


# ---------------------------------------------------------------- the Graph Store Protocol


def push_graph_store(
    release: Path,
    store: str,
    *,
    graph: str | None = None,
    user: str | None = None,
    password: str | None = None,
    chunk_triples: int = CHUNK_TRIPLES,
    timeout: float = 600,
    progress: Progress | None = None,
) -> PushResult:
    """Replace ``graph`` in the store behind the Graph Store endpoint ``store`` by the release."""
    import requests

    say = progress or (lambda message: None)
    target = release_graph(release, graph)
    started = time.perf_counter()
    session = requests.Session()
    session.headers["User-Agent"] = "publisher-push"
    url = store
    params = {"graph": target}
    try:
        _authenticate(session, url, params, user, password, timeout)
        sent = requests_made = 0
        for number, chunk in enumerate(chunks(release_lines(release), chunk_triples)):
            method = "PUT" if number == 0 else "POST"
            response = session.request(
                method,
                url,
                params=params,
                data=b"".join(chunk),
                headers={"Content-Type": NTRIPLES},
                timeout=timeout,
            )
            requests_made += 1
            if response.status_code not in (200, 201, 204):
                raise PushError(
                    f"{method} of {len(chunk):,} triples to {store} answered {response.status_code}: "
                    + " ".join(response.text.split())[:300]
                )
            sent += len(chunk)
            say(f"push: {sent:,} triples sent ({method} {response.status_code})")
    except requests.RequestException as error:
        raise PushError(f"the graph store {store} could not be reached: {error}") from None
    finally:
        session.close()
    return PushResult(target, sent, requests_made, time.perf_counter() - started)


def _authenticate(session, url: str, params: dict, user: str | None, password: str | None, timeout: float):
    """Learn how the store authenticates with an empty POST (it adds nothing), so that no large
    body is ever sent twice to be told who may send it."""
    from requests.auth import HTTPBasicAuth, HTTPDigestAuth

    def empty_post():
        return session.post(url, params=params, data=b"", headers={"Content-Type": NTRIPLES}, timeout=timeout)

    response = empty_post()
    if response.status_code != 401:
        _accepted(response, url)
        return
    if user is None:
        raise PushError(f"{url} asks for a user and password (--user, --password)")
    challenge = response.headers.get("WWW-Authenticate", "")
    if challenge.lower().startswith("digest"):
        session.auth = HTTPDigestAuth(user, password or "")
    else:
        session.auth = HTTPBasicAuth(user, password or "")
    response = empty_post()
    if response.status_code == 401:
        raise PushError(f"{url} refused the user {user!r} and its password")
    _accepted(response, url)


def _accepted(response, url: str) -> None:
    if response.status_code not in (200, 201, 204):
        raise PushError(
            f"{url} is not a Graph Store endpoint that accepts N-Triples (it answered "
            f"{response.status_code}: {' '.join(response.text.split())[:200]})"
        )


# ---------------------------------------------------------------- Virtuoso's bulk loader


def bulk_load_virtuoso(
    release: Path,
    isql_address: str,
    load_dir: Path,
    *,
    graph: str | None = None,
    user: str = "dba",
    password: str = "dba",
    isql: str | None = None,
    timeout: float = 3600,
    progress: Progress | None = None,
) -> PushResult:
    """Replace ``graph`` in a Virtuoso server by the release, with its bulk loader.

    ``load_dir`` must be readable by the Virtuoso server under the same path and listed in its
    ``DirsAllowed``; the files written there are removed afterwards.
    """
    say = progress or (lambda message: None)
    target = release_graph(release, graph)
    if re.search(r"[;'\\]", target):
        raise PushError(f"the bulk loader cannot name the graph {target!r}: use the Graph Store Protocol")
    executable = isql or shutil.which("isql-vt") or shutil.which("isql")
    if not executable:
        raise PushError("Virtuoso's isql was not found (isql-vt: apt-get install virtuoso-opensource-7-bin)")
    load_dir = load_dir.resolve()
    if not load_dir.is_dir():
        raise PushError(f"{load_dir} is not a directory")
    started = time.perf_counter()
    stem = f"publisher-{secrets.token_hex(6)}"
    files = [load_dir / f"{stem}-data.nt.gz", load_dir / f"{stem}-description.nt"]
    try:
        shutil.copyfile(release / DATA_NT_GZ, files[0])
        description = ox.parse(path=str(release / DESCRIPTION_TTL), format=ox.RdfFormat.TURTLE)
        files[1].write_bytes(ox.serialize(description, format=ox.RdfFormat.N_TRIPLES))
        for path in files:
            path.chmod(0o644)
        pattern = f"{load_dir}/{stem}-%"
        script = "; ".join(
            [
                f"SPARQL CLEAR GRAPH <{target}>",
                f"ld_dir({_sql(str(load_dir))}, {_sql(stem + '-*')}, {_sql(target)})",
                "rdf_loader_run()",
                "checkpoint",
                f"SELECT 'LOADERROR', ll_file, ll_error FROM DB.DBA.LOAD_LIST "
                f"WHERE ll_file LIKE {_sql(pattern)} AND ll_error IS NOT NULL",
                f"DELETE FROM DB.DBA.LOAD_LIST WHERE ll_file LIKE {_sql(pattern)}",
                f"SPARQL SELECT COUNT(*) AS ?LOADED WHERE {{ GRAPH <{target}> {{ ?s ?p ?o }} }}",
            ]
        )
        say(f"push: bulk loading {files[0].name} and {files[1].name} into <{target}>")
        try:
            done = subprocess.run(
                [executable, isql_address, user, password, f"exec={script};"],
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise PushError(f"isql failed: {error}") from None
        output = done.stdout + done.stderr
        if done.returncode != 0 or "*** Error" in output:
            errors = [line for line in output.splitlines() if "Error" in line]
            raise PushError(f"Virtuoso's bulk loader failed: {' '.join(errors)[:500] or output[-500:]}")
        if "LOADERROR" in output:
            failed = [line for line in done.stdout.splitlines() if "LOADERROR" in line]
            raise PushError(f"Virtuoso could not load: {' '.join(failed)[:500]}")
        counted = re.findall(r"^\s*(\d+)\s*$", done.stdout, re.M)
        triples = int(counted[-1]) if counted else 0
    finally:
        for path in files:
            path.unlink(missing_ok=True)
    return PushResult(target, triples, 1, time.perf_counter() - started)


def _sql(text: str) -> str:
    """A SQL string literal."""
    if "\x00" in text:
        raise PushError("a NUL character cannot be passed to isql")
    return "'" + text.replace("'", "''") + "'"
