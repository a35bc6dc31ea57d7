"""The server on Virtuoso (Debian's virtuoso-opensource) gives what it gives on the embedded
store: every resource's description and page, every named query's answers; `publisher push`
loads a release (Graph Store Protocol, or Virtuoso's bulk loader); blank nodes and literal
datatypes come back as the embedded store gives them; the endpoint's safety holds.

The web and SPARQL test files run whole on Virtuoso too (the `backend` fixture in
conftest.py); this file compares the two directly and checks what only a remote store has."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time

import pyoxigraph as ox
import pytest
import requests
from click.testing import CliRunner
from rdflib.compare import isomorphic

from publisher.backends import EmbeddedBackend, RemoteBackend
from publisher.cli import main
from publisher.queries import load_queries
from publisher.release import read_manifest
from tests.sparql_support import EXPLOSIVE, Listener
from tests.test_virtuoso_emulation import parameter_sets
from tests.virtuoso_support import PASSWORD, USER

V = ox.Variable


@pytest.fixture(scope="module")
def remote(virtuoso) -> dict:
    return {"BACKEND": "sparql", "SPARQL_ENDPOINT": virtuoso.sparql}


@pytest.fixture(scope="module")
def clients(release, remote):
    from publisher.web import create_app

    return create_app(release).test_client(), create_app(release, **remote).test_client()


def our_paths(store: ox.Store, base: str) -> list[str]:
    subjects = {
        quad.subject.value
        for quad in store.quads_for_pattern(None, None, None)
        if isinstance(quad.subject, ox.NamedNode) and quad.subject.value.startswith(base)
    }
    paths = {"/" + iri[len(base) :].split("#")[0] for iri in subjects}
    return sorted(paths | {"/", "/catalog", "/.well-known/void", "/sitemap.xml", "/sparql"})


# ---------------------------------------------------------------- the same pages, the same answers


def test_every_resource_is_described_and_shown_the_same(clients, store, base):
    """Every description (Turtle) and page (HTML) of the release; the other formats and
    languages for one resource of each kind (they are written from the same graph)."""
    embedded, virtuoso = clients
    paths = our_paths(store, base)
    assert len(paths) > 80
    one_of_each = {path.rsplit("/", 1)[0]: path for path in paths}.values()
    asked = [(path, accept, "en") for path in paths for accept in ("text/turtle", "text/html")]
    asked += [(path, accept, "ru") for path in one_of_each for accept in ("application/ld+json", "text/html")]
    for path, accept, language in asked:
        headers = {"Accept": accept, "Accept-Language": language}
        ours = embedded.get(path, headers=headers)
        _forget_facts()  # each app asks its own store whether the resource exists, in which languages
        theirs = virtuoso.get(path, headers=headers)
        assert (ours.status_code, ours.content_type) == (theirs.status_code, theirs.content_type), path
        assert ours.status_code == 200, (path, ours.status_code)
        assert ours.data == theirs.data, (path, accept, language)


def _forget_facts() -> None:
    """Facts the pages remember per release and process (publisher.web.describe), which two
    apps on the same release in one process would otherwise share."""
    from publisher.web import describe

    facts = getattr(describe, "_facts", None)
    if isinstance(facts, dict):
        facts.clear()


def test_links_to_a_resource_are_paged_the_same(release, remote, base):
    from publisher.web import create_app

    embedded = create_app(release, PAGE_SIZE=7).test_client()
    virtuoso = create_app(release, PAGE_SIZE=7, **remote).test_client()
    path = "/id/source/press-release-akim-working-trip-to-china"
    for page in ("1", "2", "3", "99"):
        ours = embedded.get(path, query_string={"page": page}, headers={"Accept": "text/turtle"})
        theirs = virtuoso.get(path, query_string={"page": page}, headers={"Accept": "text/turtle"})
        assert (ours.status_code, ours.data, ours.headers.get("Link")) == (
            theirs.status_code,
            theirs.data,
            theirs.headers.get("Link"),
        )


def test_every_named_query_with_varied_parameters_answers_the_same(virtuoso, store, release, base):
    embedded = EmbeddedBackend(release / "store")
    remote = RemoteBackend(virtuoso.sparql, base)
    compared = 0
    for named in load_queries(release / "queries").values():
        for values in parameter_sets(store, named, base):
            substitutions = {V(name): term for name, term in values.items()}
            ours = embedded.query(named.text, base_iri=base, substitutions=substitutions)
            theirs = remote.query(named.text, base_iri=base, substitutions=substitutions)
            assert [v.value for v in theirs.variables] == [v.value for v in ours.variables]
            assert _rows(theirs) == _rows(ours), (named.name, values)
            compared += 1
    assert compared > 100


def _rows(solutions: list) -> list:
    return sorted(tuple(str(term) if term is not None else "" for term in row) for row in solutions)


def test_named_queries_over_http_give_the_same_answers_in_order(clients, release):
    embedded, virtuoso = clients
    for name in load_queries(release / "queries"):
        for query in ({"format": "json"}, {"format": "json", "lang": "ru"}):
            ours = embedded.get(f"/queries/{name}", query_string=query)
            theirs = virtuoso.get(f"/queries/{name}", query_string=query)
            assert ours.status_code == theirs.status_code == 200, theirs.data[:300]
            assert json.loads(ours.data) == json.loads(theirs.data), name


def test_a_users_query_with_declared_parameters_answers_the_same(clients, release, base):
    embedded, virtuoso = clients
    text = load_queries(release / "queries")["meetings-of-person"].text
    for person in ("id/person/wu-jingkei", "id/person/chen-yan", f"<{base}id/person/nurdaulet-kilybay>"):
        query = {"query": text, "person": person, "lang": "ru", "format": "csv"}
        ours, theirs = (
            embedded.get("/sparql", query_string=query),
            virtuoso.get("/sparql", query_string=query),
        )
        assert ours.status_code == theirs.status_code == 200
        assert ours.data == theirs.data


# ---------------------------------------------------------------- terms as the embedded store gives them

TERMS = """\
<http://t.example/s> <http://t.example/p> "plain" .
<http://t.example/s> <http://t.example/p> "typed"^^<http://www.w3.org/2001/XMLSchema#string> .
<http://t.example/s> <http://t.example/p> "Аким"@ru .
<http://t.example/s> <http://t.example/p> "colour"@en-GB .
<http://t.example/s> <http://t.example/p> "Ақтау"@kk-Cyrl-KZ .
<http://t.example/s> <http://t.example/date> "XXXX-07-29"^^<http://id.loc.gov/datatypes/edtf/EDTF> .
<http://t.example/s> <http://t.example/p> "--07-29"^^<http://www.w3.org/2001/XMLSchema#gMonthDay> .
<http://t.example/s> <http://t.example/n> "3"^^<http://www.w3.org/2001/XMLSchema#integer> .
<http://t.example/s> <http://t.example/n> "0042"^^<http://www.w3.org/2001/XMLSchema#integer> .
<http://t.example/s> <http://t.example/n> "78051"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger> .
<http://t.example/s> <http://t.example/n> "1.50"^^<http://www.w3.org/2001/XMLSchema#decimal> .
<http://t.example/s> <http://t.example/n> "1.5e3"^^<http://www.w3.org/2001/XMLSchema#double> .
<http://t.example/s> <http://t.example/b> "true"^^<http://www.w3.org/2001/XMLSchema#boolean> .
<http://t.example/s> <http://t.example/b> "0"^^<http://www.w3.org/2001/XMLSchema#boolean> .
<http://t.example/s> <http://t.example/d> "2026-11-24T01:06:13+00:00"^^<http://www.w3.org/2001/XMLSchema#dateTime> .
<http://t.example/s> <http://t.example/d> "2024-07-29T10:00:00"^^<http://www.w3.org/2001/XMLSchema#dateTime> .
<http://t.example/s> <http://t.example/d> "2024-07-29"^^<http://www.w3.org/2001/XMLSchema#date> .
<http://t.example/s> <http://t.example/d> "2024"^^<http://www.w3.org/2001/XMLSchema#gYear> .
<http://t.example/s> <http://t.example/p> "line\\nbreak \\"quoted\\" back\\\\slash \\u00E9 \\U0001F600" .
<http://t.example/s> <http://t.example/p> "x"^^<http://t.example/custom> .
<http://t.example/s> <http://t.example/u> <http://t.example/\\u00FC?a=b#frag> .
<http://t.example/s> <http://t.example/address> _:a .
_:a <http://t.example/street> "Main street 1" .
_:a <http://t.example/geo> _:g .
_:g <http://t.example/lat> "43.65"^^<http://www.w3.org/2001/XMLSchema#decimal> .
<http://t.example/t> <http://t.example/address> _:a .
"""
TERMS_GRAPH = "urn:x-test:terms"


@pytest.fixture(scope="module")
def terms(virtuoso):
    """The same triples in an in-memory pyoxigraph store and in a graph of Virtuoso."""
    response = requests.put(
        virtuoso.graph_store,
        params={"graph": TERMS_GRAPH},
        data=TERMS.encode(),
        headers={"Content-Type": "application/n-triples"},
        auth=requests.auth.HTTPDigestAuth(USER, PASSWORD),
        timeout=30,
    )
    assert response.status_code in (200, 201), response.text
    store = ox.Store()
    store.load(TERMS.encode(), format=ox.RdfFormat.N_TRIPLES)
    return store, RemoteBackend(virtuoso.sparql, TERMS_GRAPH)


def _without_blanks(rows) -> list:
    return sorted(
        tuple("_:" if isinstance(term, ox.BlankNode) else str(term) for term in row) for row in rows
    )


def test_literals_and_datatypes_come_back_as_from_the_embedded_store(terms):
    embedded, remote = terms
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    assert _without_blanks(remote.query(query)) == _without_blanks(embedded.query(query))
    edtf = "SELECT ?d WHERE { ?s <http://t.example/date> ?d FILTER(DATATYPE(?d) = <http://id.loc.gov/datatypes/edtf/EDTF>) }"
    (row,) = remote.query(edtf)
    assert row["d"] == ox.Literal(
        "XXXX-07-29", datatype=ox.NamedNode("http://id.loc.gov/datatypes/edtf/EDTF")
    )


def test_graphs_come_back_as_from_the_embedded_store(terms):
    embedded, remote = terms
    from publisher.store import RdflibTerms

    query = "CONSTRUCT WHERE { ?s ?p ?o }"
    ours, theirs = RdflibTerms().graph(embedded.query(query)), RdflibTerms().graph(remote.query(query))
    assert len(theirs) == len(ours) == len(TERMS.splitlines())
    assert isomorphic(ours, theirs)


def test_a_blank_node_keeps_its_label_from_one_query_to_the_next(terms):
    """Descriptions read a blank node's triples with a second query: the label must hold."""
    _, remote = terms
    (row,) = remote.query("SELECT ?b WHERE { <http://t.example/s> <http://t.example/address> ?b }")
    blank = row["b"]
    assert isinstance(blank, ox.BlankNode)
    graph = list(
        remote.query(
            "CONSTRUCT { ?b ?p ?o } WHERE { <http://t.example/s> <http://t.example/address> ?b . ?b ?p ?o }"
        )
    )
    assert {t.subject for t in graph} == {blank}
    (inner,) = (t.object for t in graph if t.predicate.value == "http://t.example/geo")
    (again,) = remote.query("SELECT ?g WHERE { ?a <http://t.example/geo> ?g }")
    assert again["g"] == inner and isinstance(inner, ox.BlankNode)
    (shared,) = remote.query(
        "SELECT (COUNT(DISTINCT ?who) AS ?n) WHERE { ?who <http://t.example/address> ?a . ?a <http://t.example/street> ?s }"
    )
    assert shared["n"].value == "2"


def test_only_the_releases_graph_is_seen_as_in_the_embedded_store(virtuoso, release, base):
    """Virtuoso's default graph is the union of all it holds, its system graphs too."""
    remote = RemoteBackend(virtuoso.sparql, base)
    assert list(remote.query("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 5")) == []
    (count,) = remote.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert int(count["n"].value) == read_manifest(release)["store_triples"]


# ---------------------------------------------------------------- publisher push


def _count(virtuoso, graph: str) -> int:
    (row,) = RemoteBackend(virtuoso.sparql, graph).query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    return int(row["n"].value)


def _same_triples(virtuoso, graph: str, store: ox.Store) -> None:
    remote = RemoteBackend(virtuoso.sparql, graph)
    theirs = sorted(str(t) for t in remote.query("CONSTRUCT WHERE { ?s ?p ?o }"))
    ours = sorted(str(q.triple) for q in store.quads_for_pattern(None, None, None))
    assert theirs == ours


def test_push_loads_what_the_embedded_store_holds_by_the_graph_store_protocol(virtuoso, release, store):
    graph = "urn:x-test:pushed"
    arguments = ["push", "--release", str(release), "--endpoint-graph-store", virtuoso.graph_store]
    arguments += ["--graph", graph, "--user", USER, "--password", PASSWORD, "--chunk-triples", "150"]
    done = CliRunner().invoke(main, arguments)
    assert done.exit_code == 0, done.output
    stored = read_manifest(release)["store_triples"]
    assert f"pushed {stored:,} triples" in done.output
    assert _count(virtuoso, graph) == stored
    _same_triples(virtuoso, graph, store)
    # again, in other chunks: the graph is replaced, not added to
    again = CliRunner().invoke(main, [*arguments[:-1], "1000"], env={"PUBLISHER_PUSH_PASSWORD": PASSWORD})
    assert again.exit_code == 0, again.output
    assert _count(virtuoso, graph) == stored


def test_a_server_reads_the_graph_it_is_told_to(virtuoso, release, remote):
    from publisher.web import create_app

    graph = "urn:x-test:elsewhere"
    arguments = ["push", "--release", str(release), "--endpoint-graph-store", virtuoso.graph_store]
    done = CliRunner().invoke(main, [*arguments, "--graph", graph, "--user", USER, "--password", PASSWORD])
    assert done.exit_code == 0, done.output
    count = {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "format": "csv"}
    counted = {}
    for name in ("urn:x-test:nothing", graph, None):
        settings = {**remote, "SPARQL_ENDPOINT_GRAPH": name} if name else remote
        reply = create_app(release, **settings).test_client().get("/sparql", query_string=count)
        assert reply.status_code == 200, reply.data
        counted[name] = int(reply.data.decode().split()[-1])
    stored = read_manifest(release)["store_triples"]
    assert counted == {"urn:x-test:nothing": 0, graph: stored, None: stored}


def test_push_by_virtuosos_bulk_loader(virtuoso, release, store):
    graph = "urn:x-test:bulk"
    arguments = ["push", "--release", str(release), "--virtuoso-isql", virtuoso.isql_address]
    arguments += [
        "--load-dir",
        str(virtuoso.load_dir),
        "--graph",
        graph,
        "--user",
        USER,
        "--password",
        PASSWORD,
    ]
    done = CliRunner().invoke(main, arguments)
    assert done.exit_code == 0, done.output
    assert _count(virtuoso, graph) == read_manifest(release)["store_triples"]
    _same_triples(virtuoso, graph, store)
    assert list(virtuoso.load_dir.iterdir()) == []  # its files are removed


@pytest.mark.parametrize(
    ("extra", "code", "message"),
    [
        (["--user", USER, "--password", "wrong"], 3, "refused the user 'dba'"),
        ([], 3, "asks for a user and password"),
        (["--graph", "not an iri"], 3, "not an IRI"),
    ],
)
def test_push_failures_are_one_clear_line(virtuoso, release, extra, code, message):
    done = CliRunner().invoke(
        main, ["push", "--release", str(release), "--endpoint-graph-store", virtuoso.graph_store, *extra]
    )
    assert done.exit_code == code, done.output
    assert message in done.output and "Traceback" not in done.output


def test_push_to_nowhere_or_without_a_target_fails_clearly(release, tmp_path):
    from tests.conftest import free_port

    runner = CliRunner()
    nowhere = runner.invoke(
        main,
        ["push", "--release", str(release), "--endpoint-graph-store", f"http://127.0.0.1:{free_port()}/gsp"],
    )
    assert nowhere.exit_code == 3 and "could not be reached" in nowhere.output
    neither = runner.invoke(main, ["push", "--release", str(release)])
    assert neither.exit_code == 2 and "--endpoint-graph-store" in neither.output
    no_release = runner.invoke(
        main, ["push", "--release", str(tmp_path), "--endpoint-graph-store", "http://x/"]
    )
    assert no_release.exit_code == 2 and "holds no release" in no_release.output
    for result in (nowhere, neither, no_release):
        assert "Traceback" not in result.output


# ---------------------------------------------------------------- safety with a remote store


def test_an_answer_the_store_wrote_wrongly_is_its_failure_not_the_users(release, remote):
    """Virtuoso writes IRI("http://x/a b") as an IRI with a space: a 502 saying the store's
    answer could not be read, not a syntax error of the query (it has none)."""
    from publisher.web import create_app

    client = create_app(release, **remote).test_client()
    reply = client.get(
        "/sparql",
        query_string={"query": 'SELECT (IRI("http://x/a b") AS ?i) {}'},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert reply.status_code == 502, reply.data[:300]
    assert b"could not be read" in reply.data


def test_a_graph_answer_as_large_as_the_stores_row_cap_is_a_503(release, remote):
    """Virtuoso cuts CONSTRUCT answers at its ResultSetMaxRows without a word: an answer of
    SPARQL_ENDPOINT_MAX_ROWS triples is taken as cut short, never passed on as complete."""
    from publisher.web import create_app

    client = create_app(release, SPARQL_ENDPOINT_MAX_ROWS=50, **remote).test_client()
    reply = client.get(
        "/sparql",
        query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
        headers={"Accept": "application/n-triples"},
    )
    assert reply.status_code == 503, reply.data[:300]
    assert b"row cap" in reply.data
    small = client.get(
        "/sparql",
        query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 10"},
        headers={"Accept": "application/n-triples"},
    )
    assert small.status_code == 200 and len(small.data.splitlines()) == 10


def test_the_stores_own_time_limit_is_a_503_never_a_partial_answer(release, remote):
    """Virtuoso stops the query at its MaxQueryExecutionTime (3 s here), before our 10 s."""
    from publisher.web import create_app

    client = create_app(release, SPARQL_TIMEOUT=10, **remote).test_client()
    started = time.monotonic()
    reply = client.get(
        "/sparql", query_string={"query": EXPLOSIVE}, headers={"Accept": "application/sparql-results+json"}
    )
    assert reply.status_code == 503, reply.data[:300]
    assert b"own time limit" in reply.data
    assert time.monotonic() - started < 10


def test_a_service_the_guard_missed_is_refused_by_the_store_and_reaches_no_one(
    virtuoso, release, base, monkeypatch
):
    """The second wall with a remote store is the store's: Debian's Virtuoso lets its SPARQL
    user run no SERVICE, LOAD or update."""
    from publisher.sparql_guard import CheckedQuery
    from publisher.web import query_worker

    listener = Listener()
    monkeypatch.setattr(query_worker, "_check", lambda text, base_iri: CheckedQuery("SELECT"))
    env = query_worker.WorkerEnv(release, {}, base, {}, {}, 0)
    backend = RemoteBackend(virtuoso.sparql, base)
    statuses = []
    for text in (
        f"SELECT * WHERE {{ SERVICE <{listener.url}sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE SILENT <{listener.url}sparql> {{ ?s ?p ?o }} }}",
    ):
        job = query_worker.Job(text=text, formats={"solutions": "json"}, max_rows=5, page_rows=5, timeout=5)
        statuses.append(query_worker.execute(job, backend, env).status)
    assert statuses[0] >= 400
    listener.close()
    assert listener.connections == []


def test_a_confined_worker_reaches_the_store_only_through_its_server(virtuoso, base):
    """The worker sandbox still forbids internet sockets: a confined process cannot connect to
    the store itself, and answers with the connection its server lends it."""
    script = textwrap.dedent(
        f"""
        import os, socket
        from multiprocessing import reduction
        from publisher.backends import RemoteBackend, StoreUnavailable
        from publisher.web import sandbox
        server_end, worker_end = socket.socketpair()
        if os.fork() == 0:
            server_end.close()
            assert sandbox.confine(memory_mb=0) == [], "not confined"
            try:
                RemoteBackend({virtuoso.sparql!r}, {base!r}).query("ASK {{ ?s ?p ?o }}")
                print("direct: answered", flush=True)
            except StoreUnavailable as error:
                print("direct: blocked" if "not permitted" in error.message else error.message, flush=True)
            def borrow(timeout):
                worker_end.send(b"?")
                return socket.socket(fileno=reduction.recvfds(worker_end, 1)[0])
            lent = RemoteBackend({virtuoso.sparql!r}, {base!r}, connect=borrow)
            print("lent:", bool(lent.query("ASK {{ ?s ?p ?o }}")), flush=True)
            os._exit(0)
        worker_end.close()
        while server_end.recv(1) == b"?":
            with socket.create_connection(("127.0.0.1", {virtuoso.http_port})) as connection:
                reduction.sendfds(server_end, [connection.fileno()])
        os.wait()
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["direct: blocked", "lent: True"], done.stdout


def test_the_stores_own_functions_never_reach_another_server(live_server, backend, virtuoso):
    """Through /sparql on Virtuoso: bif:http_get would make Virtuoso send a request (its
    SPARQL user may call it); the server refuses the query before the store sees it."""
    from tests.sparql_support import get

    listener = Listener()
    for query in (
        f'SELECT (bif:http_get("{listener.url}") AS ?x) WHERE {{}}',
        f'PREFIX v: <bif:> SELECT ?s WHERE {{ ?s ?p ?o FILTER(v:http_get("{listener.url}")) }}',
        # where an expression was not expected: a subquery's projection, ORDER BY, GROUP BY
        f"SELECT * {{ {{ SELECT ?s (bif:http_get('{listener.url}') AS ?y) {{ BIND(1 AS ?s) }} }} }}",
        f"SELECT * {{ {{ SELECT ?s {{ BIND(1 AS ?s) }} ORDER BY bif:http_get('{listener.url}') }} }}",
        f"SELECT ?s {{ BIND(1 AS ?s) }} GROUP BY bif:http_get('{listener.url}') ?s",
        # Virtuoso reads xsd:a:http_get as xsd:a, then :http_get, that is bif:http_get
        "PREFIX : <bif:> PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> "
        f"SELECT ?x xsd:a:http_get('{listener.url}') WHERE {{ BIND(1 AS ?x) }}",
    ):
        reply = get(live_server, query, accept="application/sparql-results+json")
        assert reply.status >= 400, (backend, reply.status, reply.text)
    listener.close()
    assert listener.connections == []
