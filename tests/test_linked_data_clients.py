"""Clients no one here wrote read our data from a running `publisher serve`: rdflib's
Graph.parse(url) (its own Accept header, Content-Type sniffing, Link-alternate following),
pyld's JSON-LD processor with its own HTTP loader, and urllib against the HTTP rules."""

from __future__ import annotations

import gzip
import urllib.request

import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from tests.web_resources import RESOURCES

MEETING = RESOURCES["meeting"][0]


def fetch(url: str, **headers) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def reference(live_server: str, path: str) -> Graph:
    """What the server says in Turtle, as the graph the other clients must arrive at."""
    _, _, body = fetch(live_server + path, Accept="text/turtle")
    return Graph().parse(data=body, format="turtle")


@pytest.mark.parametrize("kind", ["meeting", "agreement", "person", "place", "dataset", "vocabulary"])
def test_rdflib_parses_our_iris_by_content_negotiation(live_server, kind):
    path, _ = RESOURCES[kind]
    graph = Graph().parse(live_server + path)  # no format: rdflib negotiates and sniffs
    assert len(graph) > 0
    assert isomorphic(graph, reference(live_server, path))


@pytest.mark.parametrize("format_", ["turtle", "xml", "json-ld", "nt"])
def test_rdflib_asks_for_each_format(live_server, format_, base):
    graph = Graph().parse(live_server + MEETING, format=format_)
    assert (URIRef(base + MEETING.lstrip("/")), None, None) in graph
    assert isomorphic(graph, reference(live_server, MEETING))


def test_pyld_reads_our_json_ld(live_server, base):
    """pyld expands and converts the JSON-LD it is given; the fetching is done by requests.

    (pyld's own requests_document_loader, as of pyld 3.3, fails on any response carrying more
    than one Link rel="alternate" — ours lists every format — with an AttributeError of its own.)
    """
    import requests
    from pyld import jsonld

    def loader(url, options=None):
        response = requests.get(url, headers={"Accept": "application/ld+json"}, timeout=10)
        assert response.headers["Content-Type"] == "application/ld+json"
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": response.url,
            "document": response.json(),
        }

    expanded = jsonld.expand(live_server + MEETING, {"documentLoader": loader})
    ids = {node.get("@id") for node in expanded}
    assert base + MEETING.lstrip("/") in ids
    nquads = jsonld.to_rdf(expanded, {"format": "application/n-quads"})
    graph = Graph().parse(data=nquads, format="nt")
    assert isomorphic(graph, reference(live_server, MEETING))


def test_pyld_compacts_back_with_the_context_we_embed(live_server):
    import json

    from pyld import jsonld

    _, _, body = fetch(live_server + MEETING + ".jsonld")
    document = json.loads(body)
    compacted = jsonld.compact(document, {"@context": document["@context"]})
    assert compacted["@context"] == document["@context"]


def test_conditional_get_and_gzip_over_the_wire(live_server):
    status, headers, body = fetch(live_server + MEETING, Accept="text/turtle", **{"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert Graph().parse(data=gzip.decompress(body), format="turtle")
    status, _, body = fetch(
        live_server + MEETING,
        Accept="text/turtle",
        **{"Accept-Encoding": "gzip", "If-None-Match": headers["ETag"]},
    )
    assert status == 304 and body == b""


@pytest.mark.parametrize("path", [MEETING, "/id/meeting/never-held", "/sparql?query=ASK%7B%7D"])
def test_one_date_header_per_response(live_server, path):
    """Date is a single-valued header (RFC 9110 §6.6.1): the development server must not add
    its own beside the one werkzeug's conditional responses carry."""
    request = urllib.request.Request(live_server + path, headers={"Accept": "text/turtle, */*;q=0.1"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            dates = response.headers.get_all("Date")
    except urllib.error.HTTPError as error:
        dates = error.headers.get_all("Date")
    assert dates is not None and len(dates) == 1, dates


def test_unknown_iri_over_the_wire(live_server):
    status, headers, body = fetch(live_server + "/id/meeting/never-held", Accept="text/turtle")
    assert status == 404
    assert headers["Content-Type"].startswith("text/plain")
    assert b"Traceback" not in body


def test_preflight_over_the_wire(live_server):
    request = urllib.request.Request(
        live_server + MEETING,
        method="OPTIONS",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "GET"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 204
        assert response.headers["Access-Control-Allow-Origin"] == "*"
