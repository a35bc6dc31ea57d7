"""Safe by default, against running servers: no outbound request ever, no update ever, a hard
time limit that kills the query and not the server, a row cap that says so, one log line per
query."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.sparql_support import (
    BASE,
    COUNT_ALL,
    EXPLOSIVE,
    Listener,
    LoggedServer,
    call,
    count_triples,
    get,
    post_direct,
    post_form,
)

TIMEOUT = 2
MAX_ROWS = 7
PAGE_ROWS = 3
MEMORY_MB = 1000


@pytest.fixture
def listener():
    listening = Listener()
    yield listening
    listening.close()


@pytest.fixture(scope="module")
def limited(build_dir, backend_settings):
    """A server with small limits (2 s, 7 rows, 3 on the page), whose log the tests read."""
    server = LoggedServer.start(
        build_dir,
        **backend_settings,
        SPARQL_TIMEOUT=TIMEOUT,
        SPARQL_MAX_ROWS=MAX_ROWS,
        SPARQL_PAGE_ROWS=PAGE_ROWS,
        SPARQL_MAX_QUERY_LENGTH=2000,
        SPARQL_WORKER_MEMORY_MB=MEMORY_MB,
    )
    yield server
    server.stop()


# ---------------------------------------------------------------- no outbound request, ever


@pytest.mark.parametrize(
    "template",
    [
        "SELECT * WHERE {{ SERVICE <{url}sparql> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ SERVICE SILENT <{url}sparql> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ VALUES ?endpoint {{ <{url}> }} SERVICE ?endpoint {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ ?a ?b ?c FILTER EXISTS {{ SERVICE <{url}> {{ ?a ?p ?o }} }} }} LIMIT 1",
        "ASK {{ \\u0053ERVICE <{url}> {{ ?s ?p ?o }} }}",
    ],
)
def test_service_never_reaches_the_named_server(live_server, listener, template):
    reply = get(live_server, template.format(url=listener.url))
    assert reply.status == 403 and "SERVICE" in reply.text
    listener.close()
    assert listener.connections == []


def test_load_never_reaches_the_named_server(live_server, listener):
    load = f"LOAD <{listener.url}data.ttl>"
    replies = [
        post_form(live_server, {"update": load}),
        call("POST", f"{live_server}/sparql", load, {"Content-Type": "application/sparql-update"}),
        get(live_server, load),
    ]
    assert [r.status for r in replies] == [403, 403, 400]
    listener.close()
    assert listener.connections == []


def test_from_and_dataset_parameters_never_reach_the_named_server(live_server, listener):
    graph = f"{listener.url}graph.ttl"
    replies = [
        get(live_server, f"SELECT * FROM <{graph}> WHERE {{ ?s ?p ?o }}"),
        get(live_server, f"SELECT * FROM NAMED <{graph}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"),
        get(live_server, "SELECT * WHERE { ?s ?p ?o } LIMIT 1", **{"default-graph-uri": graph}),
        post_direct(live_server, "ASK { ?s ?p ?o }", query_string=f"?named-graph-uri={graph}"),
    ]
    assert [r.status for r in replies] == [400, 400, 400, 400]
    listener.close()
    assert listener.connections == []


def test_jsonld_answers_carry_their_context_inline(live_server):
    reply = get(
        live_server, "CONSTRUCT WHERE { ?s a <http://schema.org/Person> }", accept="application/ld+json"
    )
    context = reply.json()["@context"]
    assert isinstance(context, dict)
    assert not any(isinstance(v, str) and v.startswith("http") and k == "@import" for k, v in context.items())


# ---------------------------------------------------------------- no update, ever


UPDATES = [
    "INSERT DATA { <http://evil.example/s> <http://evil.example/p> <http://evil.example/o> }",
    "DELETE WHERE { ?s ?p ?o }",
    "DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }",
    "LOAD <http://127.0.0.1:9/data.ttl>",
    "CLEAR ALL",
    "CLEAR DEFAULT",
    "DROP ALL",
    "CREATE GRAPH <http://evil.example/g>",
    "ADD DEFAULT TO <http://evil.example/g>",
]


@pytest.mark.parametrize("update", UPDATES)
def test_every_update_is_refused_and_the_data_is_unchanged(live_server, update):
    before = count_triples(live_server)
    replies = [
        post_form(live_server, {"update": update}),
        call("POST", f"{live_server}/sparql", update, {"Content-Type": "application/sparql-update"}),
        get(live_server, update),
        post_form(live_server, {"query": update}),
        post_direct(live_server, update),
        call("GET", f"{live_server}/sparql?update=" + update.replace(" ", "%20").replace("#", "%23")),
    ]
    for reply in replies:
        assert 400 <= reply.status < 500, (reply.status, reply.text)
        assert "read-only" in reply.text
    assert count_triples(live_server) == before


# ---------------------------------------------------------------- the time limit


def test_an_explosive_query_gets_a_503_within_the_limit_and_the_next_query_is_answered(limited):
    started = time.monotonic()
    reply = get(limited.url, EXPLOSIVE, accept="application/sparql-results+json")
    took = time.monotonic() - started
    assert reply.status == 503
    assert f"limit of {TIMEOUT} s" in reply.text
    assert TIMEOUT - 0.1 <= took <= TIMEOUT + 1, took

    started = time.monotonic()
    after = get(limited.url, COUNT_ALL, accept="application/sparql-results+json")
    assert after.status == 200
    assert time.monotonic() - started < 1


def test_other_requests_are_served_while_a_query_runs_away(limited):
    with ThreadPoolExecutor(max_workers=1) as pool:
        runaway = pool.submit(get, limited.url, EXPLOSIVE)
        time.sleep(0.5)
        for _ in range(3):
            started = time.monotonic()
            assert call("GET", f"{limited.url}/healthz").status == 200
            assert get(limited.url, "ASK { ?s ?p ?o }").status == 200
            assert time.monotonic() - started < 1
        assert not runaway.done()
        assert runaway.result().status == 503


def test_the_worker_of_a_killed_query_is_replaced(limited):
    with ThreadPoolExecutor(max_workers=2) as pool:  # as many runaways as there are workers
        assert [r.status for r in pool.map(lambda _: get(limited.url, EXPLOSIVE), range(2))] == [503, 503]
    answers = [get(limited.url, "ASK {}").status for _ in range(4)]
    assert answers == [200, 200, 200, 200]


@pytest.mark.embedded_only("the worker's memory ceiling: with a remote store the query runs in the store")
def test_a_query_that_wants_too_much_memory_gets_a_503_and_the_server_lives_on(limited):
    """Each CONCAT multiplies the string tenfold: 8 GB at ?s8, far past the worker's ceiling."""
    steps = ['BIND("0123456789" AS ?s0)'] + [
        f"BIND(CONCAT({', '.join([f'?s{i}'] * 10)}) AS ?s{i + 1})" for i in range(9)
    ]
    query = f"SELECT (STRLEN(?s9) AS ?n) WHERE {{ {' '.join(steps)} }}"
    started = time.monotonic()
    reply = get(limited.url, query)
    assert reply.status == 503 and "memory" in reply.text
    assert time.monotonic() - started <= TIMEOUT + 1
    assert get(limited.url, "ASK {}").status == 200


def test_a_query_waiting_for_a_busy_pool_is_answered_too(limited):
    """Four queries at once on two workers: each gets an answer, none waits past its limit."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        replies = list(pool.map(lambda _: get(limited.url, COUNT_ALL), range(4)))
    assert [r.status for r in replies] == [200] * 4


# ---------------------------------------------------------------- the row cap


def test_a_capped_answer_says_so(limited):
    reply = get(limited.url, "SELECT * WHERE { ?s ?p ?o }", accept="text/csv")
    assert reply.status == 200
    assert reply.headers["Results-Truncated"] == "true"
    assert reply.headers["Results-Row-Limit"] == str(MAX_ROWS)
    assert len(reply.text.strip().split("\r\n")) == 1 + MAX_ROWS


def test_a_capped_graph_says_so(limited):
    reply = get(limited.url, "CONSTRUCT WHERE { ?s ?p ?o }", accept="application/n-triples")
    assert reply.headers["Results-Truncated"] == "true"
    assert len(reply.text.strip().split("\n")) == MAX_ROWS


def test_an_answer_under_the_cap_is_not_marked(limited):
    reply = get(limited.url, "SELECT * WHERE { ?s ?p ?o } LIMIT 2", accept="text/csv")
    assert "Results-Truncated" not in reply.headers


def test_the_page_says_when_it_shows_part_of_the_answer(limited):
    reply = get(limited.url, "SELECT * WHERE { ?s ?p ?o }", accept="text/html", lang="en")
    assert reply.status == 200
    table = reply.text.split('<table class="sparql-table">')[1].split("</table>")[0]
    assert table.split("<tbody>")[1].count("<tr>") == PAGE_ROWS
    assert f"Only the first {PAGE_ROWS} rows are shown" in reply.text
    assert reply.headers["Results-Truncated"] == "true"


def test_the_query_length_is_bounded(limited):
    long_query = "# " + "x" * 2100 + "\nASK {}"
    assert post_direct(limited.url, long_query).status == 413
    assert get(limited.url, long_query).status == 414


# ---------------------------------------------------------------- one log line per query


def test_one_log_line_per_query_with_duration_status_and_rows(limited):
    marker = f"log-{threading.get_ident()}-{time.time_ns()}"
    get(limited.url, f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT 2 # {marker}", accept="text/csv")
    get(limited.url, f"SELECT * WHERE {{ ?s ?p }} # {marker}")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        mine = [line for line in limited.query_lines() if marker in line]
        if len(mine) >= 2:
            break
        time.sleep(0.1)
    assert len(mine) == 2, limited.lines[-10:]
    ok, bad = mine
    assert "status=200" in ok and "rows=2" in ok and "duration_ms=" in ok
    assert "status=400" in bad and "rows=0" in bad and "duration_ms=" in bad


def test_a_revalidated_answer_is_not_run_again(limited):
    marker = f"etag-{time.time_ns()}"
    query = f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT 1 # {marker}"
    first = get(limited.url, query, accept="text/csv")
    from urllib.parse import urlencode

    again = call(
        "GET",
        f"{limited.url}/sparql?{urlencode({'query': query})}",
        headers={"Accept": "text/csv", "If-None-Match": first.headers["ETag"]},
    )
    assert again.status == 304
    time.sleep(0.3)
    lines = [line for line in limited.query_lines() if marker in line]
    assert len(lines) == 2
    assert "status=304" in lines[1] and "run_ms" not in lines[1]


def test_data_unchanged_and_base_intact_after_all_of_this(live_server):
    reply = get(live_server, f"ASK {{ <{BASE}> a <http://rdfs.org/ns/void#Dataset> }}")
    assert reply.json()["boolean"] is True
