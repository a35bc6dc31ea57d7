"""SPARQL 1.1 Protocol at /sparql, against a running `publisher serve`: one test per rule,
including the negative tests of the W3C protocol test suite
(https://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest)."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, VOID

from publisher.namespaces import SD
from tests.sparql_support import BASE, call, get, post_direct, post_form

PEOPLE = """PREFIX schema: <http://schema.org/>
SELECT ?person ?name WHERE { ?person a schema:Person ; schema:name ?name FILTER(LANG(?name) = "en") }
ORDER BY ?person"""
PEOPLE_GRAPH = """PREFIX schema: <http://schema.org/>
CONSTRUCT { ?person a schema:Person ; schema:name ?name } WHERE { ?person a schema:Person ; schema:name ?name }"""
ASK_PEOPLE = "PREFIX schema: <http://schema.org/> ASK { ?p a schema:Person }"
SRJ, SRX = "application/sparql-results+json", "application/sparql-results+xml"
SPARQL_NS = "{http://www.w3.org/2005/sparql-results#}"


def people(reply) -> list[str]:
    assert reply.status == 200, reply.text
    return [b["person"]["value"] for b in reply.json()["results"]["bindings"]]


@pytest.fixture(scope="module")
def server(live_server):
    return live_server


@pytest.fixture(scope="module")
def expected_people(server):
    found = people(get(server, PEOPLE, accept=SRJ))
    assert len(found) >= 5
    return found


# ---------------------------------------------------------------- three ways to send a query


def test_query_by_get(server, expected_people):
    assert people(get(server, PEOPLE, accept=SRJ)) == expected_people


def test_query_by_post_form(server, expected_people):
    assert people(post_form(server, {"query": PEOPLE}, accept=SRJ)) == expected_people


def test_query_by_post_direct(server, expected_people):
    assert people(post_direct(server, PEOPLE, accept=SRJ)) == expected_people


# ---------------------------------------------------------------- answers and their formats


def test_select_as_sparql_json(server):
    reply = get(server, PEOPLE, accept=SRJ)
    assert reply.headers["Content-Type"] == SRJ  # JSON has no charset parameter (RFC 8259)
    assert reply.json()["head"]["vars"] == ["person", "name"]


def test_select_as_sparql_xml(server, expected_people):
    reply = get(server, PEOPLE, accept=SRX)
    assert reply.headers["Content-Type"] == f"{SRX}; charset=utf-8"
    root = ET.fromstring(reply.body)
    uris = [e.text for e in root.iter(f"{SPARQL_NS}uri")]
    assert uris == expected_people


def test_select_as_csv(server, expected_people):
    reply = get(server, PEOPLE, accept="text/csv")
    assert reply.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(reply.text)))
    assert rows[0] == ["person", "name"]
    assert [r[0] for r in rows[1:]] == expected_people


def test_select_as_tsv(server, expected_people):
    reply = get(server, PEOPLE, accept="text/tab-separated-values")
    assert reply.headers["Content-Type"] == "text/tab-separated-values; charset=utf-8"
    lines = reply.text.strip().split("\n")
    assert lines[0] == "?person\t?name"
    assert [line.split("\t")[0] for line in lines[1:]] == [f"<{p}>" for p in expected_people]


def test_ask_as_json_and_xml(server):
    assert get(server, ASK_PEOPLE, accept=SRJ).json() == {"head": {}, "boolean": True}
    root = ET.fromstring(get(server, ASK_PEOPLE, accept=SRX).body)
    assert root.find(f"{SPARQL_NS}boolean").text == "true"


def test_ask_is_not_offered_as_csv(server):
    reply = get(server, ASK_PEOPLE, accept="text/csv")
    assert reply.status == 406
    assert "application/sparql-results+json" in reply.text


@pytest.mark.parametrize(
    ("media_type", "rdflib_format", "content_type"),
    [
        ("text/turtle", "turtle", "text/turtle; charset=utf-8"),
        ("application/ld+json", "json-ld", "application/ld+json"),
        ("application/n-triples", "nt", "application/n-triples"),
        ("application/rdf+xml", "xml", "application/rdf+xml; charset=utf-8"),
    ],
)
def test_construct_in_every_rdf_format(server, media_type, rdflib_format, content_type, expected_people):
    reply = post_form(server, {"query": PEOPLE_GRAPH}, accept=media_type)
    assert reply.status == 200, reply.text
    assert reply.headers["Content-Type"] == content_type
    graph = Graph().parse(data=reply.body, format=rdflib_format)
    persons = sorted(str(s) for s in graph.subjects(RDF.type, URIRef("http://schema.org/Person")))
    assert persons == sorted(expected_people)


def test_describe_answers_a_graph(server):
    person = f"{BASE}id/person/nurdaulet-kilybay"
    reply = get(server, f"DESCRIBE <{person}>", accept="text/turtle")
    assert reply.status == 200
    graph = Graph().parse(data=reply.body, format="turtle")
    assert (URIRef(person), RDF.type, URIRef("http://schema.org/Person")) in graph


def test_jsonld_is_compacted_with_our_context_inline(server, release):
    reply = post_form(server, {"query": PEOPLE_GRAPH}, accept="application/ld+json")
    document = reply.json()
    ours = json.loads((release / "context.jsonld").read_text())["@context"]
    assert isinstance(document["@context"], dict)  # inline: nothing for a client to fetch
    assert document["@context"]["name"] == ours["name"]
    assert "name" in json.dumps(document["@graph"][0])  # compacted terms, not full IRIs


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("text/csv;q=0.5, application/sparql-results+json;q=0.9", SRJ),
        ("application/sparql-results+json;q=0.2, text/tab-separated-values", "text/tab-separated-values"),
        ("application/json", SRJ),
        ("*/*", SRJ),
        ("text/html;q=0.1, application/sparql-results+xml;q=0.3", SRX),
    ],
)
def test_accept_q_values_choose_the_format(server, accept, expected):
    reply = get(server, PEOPLE, accept=accept)
    assert reply.status == 200
    assert reply.media_type == expected
    assert "Accept" in reply.headers.get("Vary", "")


def test_no_accept_header_gets_json_for_tables_and_turtle_for_graphs(server):
    assert get(server, PEOPLE).media_type == SRJ
    assert get(server, PEOPLE_GRAPH).media_type == "text/turtle"


@pytest.mark.parametrize(
    ("query", "parameter", "expected"),
    [
        (PEOPLE, "csv", "text/csv"),
        (PEOPLE, "xml", SRX),
        (PEOPLE, "application/sparql-results+json", SRJ),
        (PEOPLE_GRAPH, "json", "application/ld+json"),
        (PEOPLE_GRAPH, "xml", "application/rdf+xml"),
        (PEOPLE_GRAPH, "nt", "application/n-triples"),
    ],
)
def test_format_parameter_wins_over_accept(server, query, parameter, expected):
    reply = get(server, query, accept="text/turtle, application/sparql-results+json", format=parameter)
    assert reply.status == 200, reply.text
    assert reply.media_type == expected


def test_unknown_format_parameter_is_a_400(server):
    reply = get(server, PEOPLE, format="pdf")
    assert reply.status == 400 and "unknown format" in reply.text


def test_unacceptable_accept_is_a_406_naming_the_formats(server):
    reply = get(server, PEOPLE, accept="image/png")
    assert reply.status == 406
    assert "text/csv" in reply.text


# ---------------------------------------------------------------- dataset


def test_default_graph_uri_naming_our_dataset_is_the_default_graph(server, expected_people):
    reply = post_direct(server, PEOPLE, accept=SRJ, query_string=f"?default-graph-uri={BASE}")
    assert people(reply) == expected_people


def test_from_naming_our_dataset_is_the_default_graph(server, expected_people):
    query = PEOPLE.replace("SELECT ?person ?name", f"SELECT ?person ?name FROM <{BASE}>")
    assert people(get(server, query, accept=SRJ)) == expected_people


def test_dataset_parameter_naming_another_graph_is_a_400(server):
    reply = get(server, PEOPLE, **{"default-graph-uri": "http://example.org/other"})
    assert reply.status == 400 and "never fetches" in reply.text


def test_named_graph_uri_is_a_400(server):
    reply = get(server, "SELECT * { GRAPH ?g { ?s ?p ?o } }", **{"named-graph-uri": BASE})
    assert reply.status == 400 and "no named graphs" in reply.text


# ---------------------------------------------------------------- errors (W3C negative tests)


def test_syntax_error_is_a_400_with_line_and_column(server):
    reply = get(server, "SELECT ?s\nWHERE { ?s ?p }")
    assert reply.status == 400
    assert reply.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert "line 2, column" in reply.text


def test_a_function_the_engine_does_not_know_is_a_400_not_a_crash(server):
    reply = get(server, "SELECT * { ?s ?p ?o FILTER(<http://example.org/f>(?o)) } LIMIT 1")
    # 400 where the engine does not know it (pyoxigraph); 403 where a remote store's own
    # functions are refused before the query is sent (publisher.backends._check_functions)
    assert reply.status in (400, 403)
    assert "http://example.org/f" in reply.text
    assert get(server, "ASK {}").status == 200  # and the worker that saw it still answers


W3C_NEGATIVE = {
    "bad_query_method": ("PUT", "/sparql?query=ASK%20%7B%7D", None, {}),
    "bad_multiple_queries": ("GET", "/sparql?query=ASK%20%7B%7D&query=SELECT%20%2A%20%7B%7D", None, {}),
    "bad_query_wrong_media_type": ("POST", "/sparql", "ASK {}", {"Content-Type": "text/plain"}),
    "bad_query_missing_form_type": ("POST", "/sparql", "query=ASK%20%7B%7D", {}),
    "bad_query_missing_direct_type": ("POST", "/sparql", "ASK {}", {}),
    "bad_query_non_utf8": (
        "POST",
        "/sparql",
        "ASK {}".encode("utf-16"),
        {"Content-Type": "application/sparql-query; charset=UTF-16"},
    ),
    "bad_query_syntax": ("GET", "/sparql?query=ASK%20%7B", None, {}),
    "bad_update_get": ("GET", "/sparql?update=CLEAR%20ALL", None, {}),
    "bad_multiple_updates": (
        "POST",
        "/sparql",
        "update=CLEAR%20NAMED&update=CLEAR%20DEFAULT",
        {"Content-Type": "application/x-www-form-urlencoded"},
    ),
    "bad_update_wrong_media_type": ("POST", "/sparql", "CLEAR NAMED", {"Content-Type": "text/plain"}),
    "bad_update_missing_form_type": ("POST", "/sparql", "update=CLEAR%20NAMED", {}),
    "bad_update_non_utf8": (
        "POST",
        "/sparql",
        "CLEAR NAMED".encode("utf-16"),
        {"Content-Type": "application/sparql-update; charset=UTF-16"},
    ),
    "bad_update_syntax": (
        "POST",
        "/sparql",
        "update=CLEAR%20XYZ",
        {"Content-Type": "application/x-www-form-urlencoded"},
    ),
    "bad_update_dataset_conflict": (
        "POST",
        "/sparql",
        "using-named-graph-uri=http%3A%2F%2Fexample%2Fpeople&update=WITH%20%3Chttp%3A%2F%2Fexample%2Faddresses%3E"
        "%20DELETE%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D%20WHERE%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D",
        {"Content-Type": "application/x-www-form-urlencoded"},
    ),
}


@pytest.mark.parametrize("name", sorted(W3C_NEGATIVE))
def test_w3c_protocol_negative_tests_get_a_4xx(server, name):
    method, path, body, headers = W3C_NEGATIVE[name]
    reply = call(method, server + path, body, headers)
    assert 400 <= reply.status < 500, (reply.status, reply.text)
    assert reply.text.strip(), "a readable message"
    assert "Traceback" not in reply.text


def test_wrong_method_is_a_405_with_allow(server):
    reply = call("PUT", f"{server}/sparql?query=ASK%20%7B%7D")
    assert reply.status == 405
    assert {"GET", "POST"} <= {m.strip() for m in reply.headers["Allow"].split(",")}


def test_missing_query_in_a_post_is_a_400(server):
    reply = post_form(server, {"default-graph-uri": BASE})
    assert reply.status == 400 and "no query" in reply.text


def test_doubled_query_is_a_400(server):
    reply = post_form(server, [("query", "ASK {}"), ("query", "ASK {}")])
    assert reply.status == 400 and "2 queries" in reply.text


def test_query_in_url_and_body_is_a_doubled_query(server):
    reply = post_direct(server, "ASK {}", query_string="?query=ASK%20%7B%7D")
    assert reply.status == 400


def test_wrong_content_type_is_a_400(server):
    reply = call("POST", f"{server}/sparql", "ASK {}", {"Content-Type": "text/plain"})
    assert reply.status == 400 and "application/sparql-query" in reply.text


def test_body_that_is_not_utf8_is_a_400(server):
    reply = call(
        "POST", f"{server}/sparql", b"ASK { ?s ?p '\xff' }", {"Content-Type": "application/sparql-query"}
    )
    assert reply.status == 400 and "UTF-8" in reply.text
    form = call(
        "POST",
        f"{server}/sparql",
        "query=ASK%20%7B%20%3Fs%20%3Fp%20%27%FF%27%20%7D",
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert form.status == 400 and "UTF-8" in form.text


def test_both_query_and_update_is_a_400(server):
    reply = post_form(server, {"query": "ASK {}", "update": "CLEAR ALL"})
    assert reply.status == 400 and "both" in reply.text


def test_update_sent_as_query_is_a_400_saying_so(server):
    reply = get(server, "INSERT DATA { <http://a> <http://b> <http://c> }")
    assert reply.status == 400 and "SPARQL Update" in reply.text


def test_update_is_refused_as_read_only(server):
    for reply in (
        post_form(server, {"update": "CLEAR ALL"}),
        call("POST", f"{server}/sparql", "CLEAR ALL", {"Content-Type": "application/sparql-update"}),
    ):
        assert reply.status == 403 and "read-only" in reply.text


def test_an_over_long_query_is_refused(server):
    padding = "#" + "x" * 40000 + "\n"
    assert post_direct(server, padding + "ASK {}").status == 413


def test_an_over_large_body_is_refused(server):
    reply = post_direct(server, "#" + "x" * (2 * 1024 * 1024) + "\nASK {}")
    assert reply.status == 413


# ---------------------------------------------------------------- the service description


def test_service_description_without_a_query(server):
    reply = get(server, accept="text/turtle")
    assert reply.status == 200 and reply.media_type == "text/turtle"
    graph = Graph().parse(data=reply.body, format="turtle")
    service, dataset = URIRef(BASE + "sparql"), URIRef(BASE)
    assert (service, RDF.type, SD.Service) in graph
    assert (service, SD.endpoint, service) in graph
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    formats = {str(o) for o in graph.objects(service, SD.resultFormat)}
    assert {
        "http://www.w3.org/ns/formats/SPARQL_Results_JSON",
        "http://www.w3.org/ns/formats/SPARQL_Results_XML",
        "http://www.w3.org/ns/formats/SPARQL_Results_CSV",
        "http://www.w3.org/ns/formats/SPARQL_Results_TSV",
        "http://www.w3.org/ns/formats/Turtle",
        "http://www.w3.org/ns/formats/JSON-LD",
        "http://www.w3.org/ns/formats/N-Triples",
        "http://www.w3.org/ns/formats/RDF_XML",
    } <= formats
    assert (service, SD.defaultDataset, dataset) in graph
    assert (dataset, RDF.type, VOID.Dataset) in graph
    assert (dataset, VOID.sparqlEndpoint, service) in graph
    assert int(graph.value(dataset, VOID.triples)) > 0
    default_graph = graph.value(dataset, SD.defaultGraph)
    assert int(graph.value(default_graph, VOID.triples)) > 0
    named = {str(o) for o in graph.objects(service, URIRef("http://purl.org/dc/terms/hasPart"))}
    assert f"{BASE}queries/meetings" in named


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [("application/ld+json", "json-ld"), ("application/n-triples", "nt"), ("application/rdf+xml", "xml")],
)
def test_service_description_in_other_rdf_formats(server, accept, rdflib_format):
    reply = get(server, accept=accept)
    assert reply.media_type == accept
    graph = Graph().parse(data=reply.body, format=rdflib_format)
    assert (URIRef(BASE + "sparql"), RDF.type, SD.Service) in graph


def test_a_browser_without_a_query_gets_the_query_page(server):
    reply = get(server, accept="text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
    assert reply.status == 200 and reply.media_type == "text/html"
    assert "<textarea" in reply.text


# ---------------------------------------------------------------- CORS, HEAD, caching


def test_cors_on_answers_and_errors(server):
    for reply in (get(server, PEOPLE), post_direct(server, PEOPLE), get(server, "SELECT")):
        assert reply.headers["Access-Control-Allow-Origin"] == "*"
    exposed = get(server, PEOPLE).headers["Access-Control-Expose-Headers"]
    assert "Results-Truncated" in exposed and "ETag" in exposed


def test_cors_preflight_for_a_direct_post(server):
    reply = call(
        "OPTIONS",
        f"{server}/sparql",
        headers={
            "Origin": "https://notebook.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert reply.status in (200, 204)
    assert reply.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in reply.headers["Access-Control-Allow-Methods"]
    assert "content-type" in reply.headers["Access-Control-Allow-Headers"].lower()


def test_head_gives_the_headers_of_get_without_a_body(server):
    url = f"{server}/sparql?query=ASK%7B%7D"
    full, head = call("GET", url, headers={"Accept": SRJ}), call("HEAD", url, headers={"Accept": SRJ})
    assert head.status == 200 and head.body == b""
    for name in ("Content-Type", "Content-Length", "ETag"):
        assert head.headers[name] == full.headers[name]


def test_etag_and_304(server):
    first = get(server, PEOPLE, accept="text/csv")
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')  # weak: blank node labels may differ between two runs
    assert get(server, PEOPLE, accept=SRJ).headers["ETag"] != etag  # another format, another validator
    assert get(server, PEOPLE + " LIMIT 1", accept="text/csv").headers["ETag"] != etag
    url = f"{server}/sparql?{urlencode({'query': PEOPLE})}"
    cached = call("GET", url, headers={"Accept": "text/csv", "If-None-Match": etag})
    assert cached.status == 304 and cached.body == b""
    assert cached.headers["ETag"] == etag
    assert "max-age" in first.headers["Cache-Control"]
