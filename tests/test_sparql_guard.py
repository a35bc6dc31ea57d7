"""The guard that refuses unsafe queries before the engine sees them, and the worker sandbox."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest

from publisher import sparql_guard
from publisher.sparql_guard import QueryRefused, check_dataset, check_query
from tests.conftest import REPO
from tests.sparql_support import BASE

SERVICE_QUERIES = {
    "plain": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "silent": "SELECT * WHERE { SERVICE SILENT <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "lower case": "select * where { service <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "variable endpoint": "SELECT * WHERE { VALUES ?e { <http://127.0.0.1:9/> } SERVICE ?e { ?s ?p ?o } }",
    "codepoint escape": "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "in OPTIONAL": "SELECT * WHERE { ?a ?b ?c OPTIONAL { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } }",
    "in MINUS": "SELECT * WHERE { ?a ?b ?c MINUS { SERVICE <http://127.0.0.1:9/> { ?a ?p ?o } } }",
    "in UNION": "SELECT * WHERE { { ?a ?b ?c } UNION { SERVICE <http://127.0.0.1:9/> { ?a ?p ?o } } }",
    "in FILTER EXISTS": "SELECT * WHERE { ?a ?b ?c FILTER EXISTS { SERVICE <http://127.0.0.1:9/> { ?a ?p ?o } } }",
    "in BIND EXISTS": "SELECT * WHERE { BIND(EXISTS { SERVICE <http://127.0.0.1:9/> { ?a ?p ?o } } AS ?x) }",
    "in a subquery": "SELECT * WHERE { { SELECT ?a WHERE { SERVICE <http://127.0.0.1:9/> { ?a ?p ?o } } } }",
    "in GRAPH": "SELECT * WHERE { GRAPH ?g { SERVICE <http://127.0.0.1:9/> { ?a ?p ?o } } }",
    "CONSTRUCT": "CONSTRUCT { ?a ?p ?o } WHERE { SERVICE <http://127.0.0.1:9/> { ?a ?p ?o } }",
    "ASK": "ASK { SERVICE <http://127.0.0.1:9/> { ?a ?p ?o } }",
    "DESCRIBE": "DESCRIBE ?a WHERE { SERVICE <http://127.0.0.1:9/> { ?a ?p ?o } }",
    # A naive lexer reads <?b)SERVICE?x#> as one IRI; SPARQL reads a comparison, SERVICE, a comment.
    "lexer trap": "SELECT * WHERE { ?a ?b ?c FILTER(?a<?b)SERVICE?x#>\n{ ?d ?e ?f } }",
}

HARMLESS = {
    "the word in a comment": "SELECT * WHERE { ?s ?p ?o # SERVICE <http://127.0.0.1:9/> { }\n}",
    "the word in a string": 'SELECT * WHERE { ?s ?p "SERVICE <http://127.0.0.1:9/> { ?a ?b ?c }" }',
    "the word in an IRI": "SELECT * WHERE { ?s <http://example.org/SERVICE> ?o }",
    "the word as a variable": "SELECT ?service WHERE { ?service ?p ?o }",
    "the word as a prefixed name": "PREFIX ex: <http://ex/> SELECT * WHERE { ?s ex:SERVICE ?o }",
    "FROM our dataset": f"SELECT * FROM <{BASE}> WHERE {{ ?s ?p ?o }}",
    "FROM our dataset, relative": "SELECT * FROM <> WHERE { ?s ?p ?o }",
}


def check(text: str):
    return check_query(text, base_iri=BASE, dataset_iri=BASE)


@pytest.mark.parametrize("name", sorted(SERVICE_QUERIES))
def test_service_is_refused_wherever_it_hides(name):
    with pytest.raises(QueryRefused) as refused:
        check(SERVICE_QUERIES[name])
    assert refused.value.status == 403
    assert "SERVICE" in refused.value.message


@pytest.mark.parametrize("name", sorted(HARMLESS))
def test_the_word_service_elsewhere_is_harmless(name):
    assert check(HARMLESS[name]).form in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM <http://127.0.0.1:9/graph> WHERE { ?s ?p ?o }",
        "PREFIX ex: <http://127.0.0.1:9/> SELECT * FROM ex:graph WHERE { ?s ?p ?o }",
        "BASE <http://127.0.0.1:9/> SELECT * FROM <> WHERE { ?s ?p ?o }",  # our base, overridden
        "ASK FROM <http://127.0.0.1:9/graph> { ?s ?p ?o }",
        "CONSTRUCT { ?s ?p ?o } FROM <http://127.0.0.1:9/graph> WHERE { ?s ?p ?o }",
    ],
)
def test_from_naming_another_graph_is_refused(query):
    with pytest.raises(QueryRefused) as refused:
        check(query)
    assert refused.value.status == 400
    assert "127.0.0.1:9" in refused.value.message and "never fetches" in refused.value.message


def test_from_named_is_refused_even_for_our_dataset():
    with pytest.raises(QueryRefused) as refused:
        check(f"SELECT * FROM NAMED <{BASE}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}")
    assert refused.value.status == 400 and "no named graphs" in refused.value.message


def test_dataset_parameters_accept_only_our_dataset():
    check_dataset([BASE], [], BASE)
    with pytest.raises(QueryRefused):
        check_dataset(["http://127.0.0.1:9/g"], [], BASE)
    with pytest.raises(QueryRefused):
        check_dataset([], [BASE], BASE)


@pytest.mark.parametrize(
    "update",
    [
        "INSERT DATA { <http://a> <http://b> <http://c> }",
        "DELETE WHERE { ?s ?p ?o }",
        "LOAD <http://127.0.0.1:9/data.ttl>",
        "CLEAR ALL",
        "DROP ALL",
        "CREATE GRAPH <http://a>",
        "COPY DEFAULT TO <http://a>",
    ],
)
def test_an_update_sent_as_a_query_is_named_as_such(update):
    with pytest.raises(QueryRefused) as refused:
        check(update)
    assert refused.value.status == 400
    assert "SPARQL Update" in refused.value.message and "read-only" in refused.value.message


def test_a_syntax_error_says_where():
    with pytest.raises(QueryRefused) as refused:
        check_query("SELECT ?s\nWHERE { ?s ?p }", base_iri=BASE, dataset_iri=BASE, fast=False)
    assert refused.value.status == 400
    assert "line 2, column" in refused.value.message


def test_forms_are_told_apart():
    assert check("SELECT * { ?s ?p ?o }").form == "SELECT"
    assert check("ASK { ?s ?p ?o }").form == "ASK"
    assert check("CONSTRUCT WHERE { ?s ?p ?o }").form == "CONSTRUCT"
    assert check(f"DESCRIBE <{BASE}>").form == "DESCRIBE"


def test_the_worker_sandbox_blocks_outbound_sockets_even_if_the_guard_were_bypassed():
    """The second wall: in a confined process, pyoxigraph's SERVICE cannot open a socket."""
    script = textwrap.dedent(
        """
        import socket, threading, time
        import pyoxigraph as ox
        from publisher.web import sandbox
        listener = socket.socket(); listener.bind(("127.0.0.1", 0)); listener.listen(5)
        port = listener.getsockname()[1]
        connections = []
        def accept():
            while True:
                connection, _ = listener.accept(); connections.append(1); connection.close()
        threading.Thread(target=accept, daemon=True).start()
        assert sandbox.confine(memory_mb=0) == [], "not confined"
        try:
            list(ox.Store().query(f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}"))
            outcome = "answered"
        except OSError as error:
            outcome = type(error).__name__
        a, b = socket.socketpair(); a.send(b"x"); assert b.recv(1) == b"x"  # pipes still work
        time.sleep(0.3)
        print(outcome, len(connections))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["PermissionError", "0"]


def test_a_worker_whose_guard_missed_service_still_sends_nothing(release):
    """Should the guard ever miss a SERVICE, the worker's sandbox stops it: a 403, no connection."""
    script = textwrap.dedent(
        f"""
        import socket, threading, time
        from pathlib import Path
        from publisher.backends import open_backend
        from publisher.sparql_guard import CheckedQuery
        from publisher.web import query_worker, sandbox
        listener = socket.socket(); listener.bind(("127.0.0.1", 0)); listener.listen(5)
        port = listener.getsockname()[1]
        connections = []
        def accept():
            while True:
                connection, _ = listener.accept(); connections.append(1); connection.close()
        threading.Thread(target=accept, daemon=True).start()
        assert sandbox.confine(memory_mb=0) == []
        query_worker._check = lambda text, base: CheckedQuery("SELECT")  # a guard that misses it
        env = query_worker.WorkerEnv(Path({str(release)!r}), {{}}, {BASE!r}, {{}}, {{}}, 0)
        job = query_worker.Job(
            text=f"SELECT * WHERE {{{{ SERVICE <http://127.0.0.1:{{port}}/> {{{{ ?s ?p ?o }}}} }}}}",
            formats={{"solutions": "json", "boolean": "json", "graph": "ttl"}},
            max_rows=10, page_rows=10, timeout=5,
        )
        outcome = query_worker.execute(job, open_backend(env.release, env.settings), env)
        time.sleep(0.3)
        print(outcome.status, len(connections))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["403", "0"]


# ---------------------------------------------------------------- the fast path (no rdflib parse)


ORDINARY = {
    "a lookup": f"SELECT ?p ?o WHERE {{ <{BASE}id/person/x> ?p ?o }}",
    "a named query, headers and all": (REPO / "queries" / "meetings-of-person.rq").read_text("utf-8"),
    "a word with 'from' inside": "PREFIX prov: <http://www.w3.org/ns/prov#> SELECT * { ?s prov:wasDerivedFrom ?o }",
    "Cyrillic in a string": 'SELECT * { ?s ?p "Ахметов"@ru }',
    "a long string": 'ASK { ?s ?p """two\nlines""" }',
    "relative IRIs": "BASE <http://other.example/> PREFIX mtg: <ontology#> CONSTRUCT WHERE { ?s a mtg:Meeting }",
    "DESCRIBE": f"DESCRIBE <{BASE}id/person/x>",
}

#: Texts the fast path leaves to the full parse: each could hide SERVICE or FROM from a lexer,
#: or needs the full parse's message.
DEFERRED = {
    **{f"service: {name}": text for name, text in SERVICE_QUERIES.items()},
    **{f"harmless: {name}": text for name, text in HARMLESS.items()},
    "a codepoint escape anywhere": 'SELECT * { ?s ?p "\\u0041" }',
    "long s upper-cases to S": "SELECT * WHERE { ſERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "dotless i upper-cases to I": "SELECT * WHERE { SERVıCE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "a form feed (white space to some lexers)": "SELECT * WHERE {\x0c?s ?p ?o }",
    "a line separator in a comment": "SELECT * WHERE { ?s ?p ?o # x\u2028FROM <http://127.0.0.1:9/> }",
    "a keyword run into FROM": "SELECT * { ?s aFROM <http://127.0.0.1:9/> }",
    "FROM after a digit": "SELECT * { ?s ?p 1FROM }",
    "FROM as a variable": "SELECT ?from { ?from ?p ?o }",
    "FROM in a string": 'SELECT * { ?s ?p "from" }',
    "FROM NAMED": f"SELECT * FROM NAMED <{BASE}> {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "an update": "INSERT DATA { <http://a> <http://b> <http://c> }",
    "not a form keyword": "PREFIX ex: <http://ex/> SELECTED * { ?s ?p ?o }",
}


@pytest.mark.parametrize("name", sorted(ORDINARY))
def test_ordinary_queries_are_accepted_without_rdflib(name, monkeypatch):
    def no_rdflib(*args, **kwargs):
        raise AssertionError("rdflib's parser was used")

    monkeypatch.setattr(sparql_guard.parser, "parseQuery", no_rdflib)
    assert check(ORDINARY[name]).form in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


@pytest.mark.parametrize("name", sorted(DEFERRED))
def test_the_fast_path_leaves_doubtful_texts_to_the_full_parse(name):
    assert sparql_guard._quick_check(DEFERRED[name]) is None


@pytest.mark.parametrize("name", sorted(ORDINARY) + sorted(DEFERRED))
def test_the_fast_path_agrees_with_the_full_parse_where_it_answers(name, monkeypatch):
    text = {**ORDINARY, **DEFERRED}[name]
    quick = sparql_guard._quick_check(text)
    try:
        full = check_query(text, base_iri=BASE, dataset_iri=BASE, fast=False).form
    except QueryRefused as refused:
        full = refused.status
    if quick is not None:
        assert quick.form == full


def test_the_forms_of_the_fast_path():
    assert sparql_guard._quick_check("ASK {}").form == "ASK"
    assert sparql_guard._quick_check("construct where { ?s ?p ?o }").form == "CONSTRUCT"
    assert sparql_guard._quick_check(f"# a comment\nDESCRIBE <{BASE}>").form == "DESCRIBE"
    assert sparql_guard._quick_check("PREFIX : <http://ex/> SELECT * { ?s :p ?o }").form == "SELECT"


def test_the_fast_path_never_evaluates_a_query():
    """An ASK over a product of VALUES blocks costs the same on an empty store as on a full
    one: a guard that "parsed" by running the query would do the engine's work outside the
    killable worker's time limit. The fast path reads the text only."""
    values = " ".join(str(i) for i in range(1500))
    text = (
        f"ASK {{ VALUES ?a {{ {values} }} VALUES ?b {{ {values} }} VALUES ?c {{ {values} }} FILTER(?a < 0) }}"
    )
    started = time.perf_counter()
    assert sparql_guard._quick_check(text).form == "ASK"
    assert time.perf_counter() - started < 10  # reading the text takes ms; 1500³ solutions, minutes
