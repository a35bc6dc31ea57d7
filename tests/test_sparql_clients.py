"""Real SPARQL clients that no one here wrote, querying a running `publisher serve`."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, POST, TURTLE, XML, SPARQLWrapper

from tests.sparql_support import BASE

SCHEMA = "http://schema.org/"
PERSON = URIRef(f"{BASE}id/person/nurdaulet-kilybay")
NAMES = f"""PREFIX schema: <{SCHEMA}>
SELECT ?person ?name WHERE {{ ?person a schema:Person ; schema:name ?name FILTER(LANG(?name) = "en") }}
ORDER BY ?person"""
GRAPH = f"PREFIX schema: <{SCHEMA}> CONSTRUCT WHERE {{ ?person a schema:Person ; schema:name ?name }}"


@pytest.fixture(scope="module")
def endpoint(live_server) -> str:
    return f"{live_server}/sparql"


def wrapper(endpoint: str, query: str, return_format: str, method: str | None = None) -> SPARQLWrapper:
    client = SPARQLWrapper(endpoint)
    client.setQuery(query)
    client.setReturnFormat(return_format)
    if method:
        client.setMethod(method)
    return client


@pytest.mark.parametrize("method", [None, POST])
def test_sparqlwrapper_select_json(endpoint, method):
    answer = wrapper(endpoint, NAMES, JSON, method).queryAndConvert()
    rows = answer["results"]["bindings"]
    assert len(rows) >= 5
    assert {"person", "name"} <= set(rows[0])
    assert any(r["person"]["value"] == str(PERSON) for r in rows)


def test_sparqlwrapper_select_xml(endpoint):
    document = wrapper(endpoint, NAMES, XML).queryAndConvert()  # an xml.dom.minidom document
    uris = [node.firstChild.data for node in document.getElementsByTagName("uri")]
    assert str(PERSON) in uris


def test_sparqlwrapper_select_csv(endpoint):
    text = wrapper(endpoint, NAMES, CSV).queryAndConvert().decode("utf-8")
    assert text.splitlines()[0] == "person,name"
    assert str(PERSON) in text


def test_sparqlwrapper_ask(endpoint):
    assert (
        wrapper(endpoint, f"ASK {{ <{PERSON}> a <{SCHEMA}Person> }}", JSON).queryAndConvert()["boolean"]
        is True
    )


@pytest.mark.parametrize("return_format", [TURTLE, XML, JSONLD])
def test_sparqlwrapper_construct(endpoint, return_format):
    converted = wrapper(endpoint, GRAPH, return_format).queryAndConvert()
    graph = converted if isinstance(converted, Graph) else Graph().parse(data=converted, format="turtle")
    assert (PERSON, RDF.type, URIRef(f"{SCHEMA}Person")) in graph


def test_sparqlwrapper_sees_an_error_as_an_error(endpoint):
    from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

    with pytest.raises(QueryBadFormed) as error:
        wrapper(endpoint, "SELECT * WHERE { ?s ?p }", JSON).queryAndConvert()
    assert "line 1, column" in str(error.value)


@pytest.mark.parametrize("method", ["GET", "POST", "POST_FORM"])
def test_rdflib_sparqlstore(endpoint, method):
    """rdflib's default: SPARQL XML for tables, RDF/XML for graphs."""
    graph = Graph(store=SPARQLStore(endpoint, method=method))
    people = set(graph.subjects(RDF.type, URIRef(f"{SCHEMA}Person")))
    assert PERSON in people
    names = {row.name for row in graph.query(NAMES) if row.person == PERSON}
    assert names and all(isinstance(n, Literal) and n.language == "en" for n in names)
    assert graph.query(f"ASK {{ <{PERSON}> ?p ?o }}").askAnswer is True
    described = graph.query(f"DESCRIBE <{PERSON}>").graph
    assert (PERSON, RDF.type, URIRef(f"{SCHEMA}Person")) in described


def test_rdflib_sparqlstore_with_json_results(endpoint):
    graph = Graph(store=SPARQLStore(endpoint, returnFormat="json"))
    assert PERSON in {row.person for row in graph.query(NAMES)}
    assert len(graph) > 0  # a COUNT query under the hood


def test_rdflib_update_store_is_refused_and_changes_nothing(endpoint):
    import urllib.error

    from rdflib.plugins.stores.sparqlstore import SPARQLUpdateStore

    graph = Graph(store=SPARQLUpdateStore(endpoint, endpoint), identifier=URIRef(BASE))
    before = len(graph)
    with pytest.raises(urllib.error.HTTPError) as refused:
        graph.update(f"INSERT DATA {{ <{PERSON}> a <{SCHEMA}Thing> }}")
    assert refused.value.code == 403
    with pytest.raises(urllib.error.HTTPError):
        graph.add((PERSON, RDF.type, URIRef(f"{SCHEMA}Thing")))
    assert len(graph) == before
