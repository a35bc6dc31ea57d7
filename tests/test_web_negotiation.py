"""Content negotiation on every kind of resource: one IRI, HTML for people, RDF for programs."""

from __future__ import annotations

import pytest
from rdflib import Graph, URIRef

from tests.web_resources import (
    CHROME_ACCEPT,
    FIREFOX_ACCEPT,
    FORMATS,
    RDF_TYPES,
    RESOURCES,
    SAFARI_ACCEPT,
    link_targets,
    parse,
    same_graph,
)

KINDS = sorted(RESOURCES)


def media(response) -> str:
    return response.headers["Content-Type"].split(";")[0]


def vary(response) -> set[str]:
    return {v.strip() for v in response.headers.get("Vary", "").split(",") if v.strip()}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("accept", list(FORMATS))
def test_each_format_by_accept_header(web_client, kind, accept):
    path, stem = RESOURCES[kind]
    response = web_client.get(path, headers={"Accept": accept})
    assert response.status_code == 200
    assert media(response) == accept
    suffix = FORMATS[accept][0]
    location = response.headers["Content-Location"]
    assert location.split("?")[0] == stem + suffix
    assert "Accept" in vary(response)
    if accept != "text/html":
        assert len(parse(response.data, accept)) > 0
    # The representation named by Content-Location is the same bytes.
    again = web_client.get(location)
    assert again.status_code == 200 and again.data == response.data


@pytest.mark.parametrize("kind", KINDS)
def test_link_header_lists_every_format_and_language(web_client, kind):
    path, stem = RESOURCES[kind]
    links = link_targets(web_client.get(path, headers={"Accept": "text/turtle"}).headers["Link"])
    for media_type, (suffix, _) in FORMATS.items():
        assert links[("alternate", media_type)] == stem + suffix
    for language in ("ru", "en"):
        assert links[("alternate", language)] == f"{stem}.html?lang={language}"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("media_type", list(FORMATS))
def test_suffix_urls_fix_the_format_whatever_accept_says(web_client, kind, media_type):
    _, stem = RESOURCES[kind]
    suffix = FORMATS[media_type][0]
    response = web_client.get(stem + suffix, headers={"Accept": "image/png"})
    assert response.status_code == 200
    assert media(response) == media_type
    assert "Accept" not in vary(response)


@pytest.mark.parametrize("kind", KINDS)
def test_the_same_graph_in_every_rdf_format(web_client, kind):
    _, stem = RESOURCES[kind]
    graphs = {m: parse(web_client.get(stem + FORMATS[m][0]).data, m) for m in RDF_TYPES}
    turtle = graphs["text/turtle"]
    assert len(turtle) > 0
    for media_type, graph in graphs.items():
        assert same_graph(graph, turtle), f"{media_type} differs from Turtle for {kind}"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (CHROME_ACCEPT, "text/html"),
        (FIREFOX_ACCEPT, "text/html"),
        (SAFARI_ACCEPT, "text/html"),
        ("*/*", "text/html"),
        ("text/*", "text/html"),
        ("text/turtle;q=0.5, application/ld+json", "application/ld+json"),
        ("application/rdf+xml;q=0.9, text/turtle;q=0.95", "text/turtle"),
        ("text/html;q=0.1, application/n-triples", "application/n-triples"),
        ("text/turtle;q=0, */*;q=0.5", "text/html"),
        ("text/html;q=0, */*;q=0.5", "text/turtle"),
        ("application/rdf+xml, text/html;q=0.9", "application/rdf+xml"),
        # rdflib's Graph.parse(url) asks for all its parsers' types at once
        ("application/rdf+xml, text/n3, text/turtle, application/ld+json, application/n-triples", None),
        ("application/ld+json, application/json;q=0.9, */*;q=0.1", "application/ld+json"),
        ("text/turtle, application/x-turtle, */*;q=0.1", "text/turtle"),
    ],
)
def test_q_values_and_multi_valued_accept(web_client, accept, expected):
    response = web_client.get(RESOURCES["meeting"][0], headers={"Accept": accept})
    assert response.status_code == 200
    if expected is None:
        assert media(response) in RDF_TYPES
    else:
        assert media(response) == expected


def test_no_accept_header_gets_the_page(web_client):
    response = web_client.get(RESOURCES["meeting"][0], headers={"Accept": ""})
    assert media(response) == "text/html"


def test_aliases_are_served_under_the_type_asked_for(web_client):
    path = RESOURCES["meeting"][0]
    as_json = web_client.get(path, headers={"Accept": "application/json"})
    assert media(as_json) == "application/json"
    assert as_json.json["@context"]
    as_text = web_client.get(path, headers={"Accept": "text/plain"})
    assert media(as_text) == "text/plain"
    assert len(Graph().parse(data=as_text.data, format="nt")) > 0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ttl", "text/turtle"),
        ("turtle", "text/turtle"),
        ("jsonld", "application/ld+json"),
        ("nt", "application/n-triples"),
        ("rdf", "application/rdf+xml"),
        ("html", "text/html"),
        ("application/ld+json", "application/ld+json"),
    ],
)
def test_format_parameter_overrides_accept(web_client, value, expected):
    response = web_client.get(
        RESOURCES["meeting"][0], query_string={"format": value}, headers={"Accept": "text/html"}
    )
    assert response.status_code == 200
    assert media(response) == expected
    assert "Accept" not in vary(response)


def test_unknown_format_parameter_is_a_readable_400(web_client):
    response = web_client.get(RESOURCES["meeting"][0] + "?format=yaml")
    assert response.status_code == 400
    assert b"yaml" in response.data and b"turtle" in response.data


def test_format_parameter_contradicting_the_suffix_is_400(web_client):
    response = web_client.get(RESOURCES["meeting"][1] + ".ttl?format=rdf")
    assert response.status_code == 400


@pytest.mark.parametrize("kind", ["meeting", "dataset", "vocabulary", "catalog"])
def test_406_lists_the_formats_on_offer(web_client, kind):
    path, stem = RESOURCES[kind]
    response = web_client.get(path, headers={"Accept": "image/png, application/pdf"})
    assert response.status_code == 406
    text = response.data.decode()
    for media_type, (suffix, _) in FORMATS.items():
        assert media_type in text and stem + suffix in text
    assert vary(response) == {"Accept"}
    assert ("alternate", "text/turtle") in link_targets(response.headers["Link"])


def test_jsonld_is_compacted_with_our_context_inline(web_client, release):
    import json

    response = web_client.get(RESOURCES["meeting"][0], headers={"Accept": "application/ld+json"})
    document = response.json
    context = json.loads((release / "context.jsonld").read_text())["@context"]
    assert document["@context"] == context  # embedded, never a URL to fetch
    nodes = {node["id"]: node for node in document["@graph"]}
    meeting = nodes["https://meetings.example.org/id/meeting/chengli-and-hua-an-suizhou"]
    assert meeting["edtfDate"] == "XXXX-07-29"  # compact terms from our context
    assert meeting["dateAsStated"] == {"ru": "29 июля"}
    assert set(meeting["type"]) == {"Event", "mtg:Meeting"}


def test_vocabulary_terms_dereference_to_the_vocabulary_document(web_client, base):
    graph = parse(web_client.get("/ontology", headers={"Accept": "text/turtle"}).data, "text/turtle")
    for term in ("Meeting", "Agreement", "signedAt", "edtfDate", "quote"):
        assert (URIRef(f"{base}ontology#{term}"), None, None) in graph
    page = web_client.get("/ontology", headers={"Accept": "text/html"}).data.decode()
    for term in ("Meeting", "Agreement", "signedAt", "edtfDate", "quote"):
        assert f'id="{term}"' in page  # /ontology#Term lands on the term


def test_dataset_description_at_the_root(web_client, base):
    graph = parse(web_client.get("/", headers={"Accept": "text/turtle"}).data, "text/turtle")
    dataset = URIRef(base)
    assert (dataset, URIRef("http://rdfs.org/ns/void#sparqlEndpoint"), URIRef(base + "sparql")) in graph
    assert (dataset, URIRef("http://www.w3.org/ns/dcat#distribution"), None) in graph


def test_well_known_void_prefers_rdf_but_gives_browsers_a_page(web_client):
    plain = web_client.get("/.well-known/void", headers={"Accept": "*/*"})
    assert media(plain) == "text/turtle"
    assert plain.headers["Content-Location"] == "/.well-known/void.ttl"
    assert media(web_client.get("/.well-known/void")) == "text/turtle"
    browser = web_client.get("/.well-known/void", headers={"Accept": CHROME_ACCEPT})
    assert media(browser) == "text/html"
    assert "void:" in plain.data.decode() or "rdfs.org/ns/void" in plain.data.decode()
