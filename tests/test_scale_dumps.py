"""The dump writers (Turtle and JSON-LD streamed from sorted N-Triples) lose and invent nothing."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from publisher.dumps import sorted_ntriples, write_ntriples, write_readable
from publisher.jsonld import load_context
from publisher.namespaces import prefixes

from .conftest import REPO

BASE = "https://meetings.example.org/"

# Literals and terms a compactor can get wrong: escapes, datatypes a term does not declare,
# values of the wrong kind for a term (an IRI name, a text location), blank nodes, IRIs
# that are no prefixed name, names clashing with terms of the context.
TRICKY = """
@prefix schema: <http://schema.org/> .
@prefix mtg: <https://meetings.example.org/ontology#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://meetings.example.org/id/meeting/x> a mtg:Meeting , schema:Event ;
    schema:name "Кавычки \\" и обратная \\\\ черта"@ru , "Line\\nbreak\\tand tab"@en , "no language" ,
        <https://meetings.example.org/id/person/a-name-that-is-an-iri> ;
    schema:location "somewhere, as text" , <https://meetings.example.org/id/place/p> ;
    schema:startDate "2024-07-29"^^xsd:date ;
    mtg:numberOfParties 3 , "three"^^xsd:token ;
    mtg:edtfDate "XXXX-07-29"^^<http://id.loc.gov/datatypes/edtf/EDTF> , "1999"^^xsd:gYear ;
    schema:identifier "id:with:colons" ;
    schema:about [ rdfs:label "a blank node"@en ; schema:name "anonymous" ] ;
    <http://example.org/no/prefix#for-this> "x" ;
    <https://meetings.example.org/ontology#name> "a local name that is a term elsewhere" ;
    schema:sameAs <http://www.wikidata.org/entity/Q232> .
"""


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    store = ox.Store()
    store.load(TRICKY.encode(), format=ox.RdfFormat.TURTLE, base_iri=BASE)
    lines = sorted_ntriples(store)
    out = tmp_path_factory.mktemp("dumps")
    context = load_context(REPO / "ontology", BASE)
    turtle, jsonld, subjects = write_readable(lines, out / "d.ttl", out / "d.jsonld", prefixes(BASE), context)
    write_ntriples(out / "d.nt.gz", lines, compress=True)
    expected = Graph().parse(data=TRICKY, format="turtle")
    return out, expected, subjects, (turtle, jsonld)


def test_turtle_holds_exactly_the_triples(written):
    out, expected, _, _ = written
    assert isomorphic(Graph().parse(out / "d.ttl", format="turtle"), expected)
    assert len(list(ox.parse(path=str(out / "d.ttl"), format=ox.RdfFormat.TURTLE))) == len(expected)


def test_jsonld_holds_exactly_the_triples_for_rdflib_and_pyld(written):
    from pyld import jsonld

    out, expected, _, _ = written
    assert isomorphic(Graph().parse(out / "d.jsonld", format="json-ld"), expected)

    def offline(url, options=None):
        raise AssertionError(f"fetched {url}")

    document = json.loads((out / "d.jsonld").read_text("utf-8"))
    nquads = jsonld.to_rdf(document, {"format": "application/n-quads", "documentLoader": offline})
    assert isomorphic(Graph().parse(data=nquads, format="nt"), expected)


def test_sizes_and_checksums_are_those_of_the_files(written):
    import hashlib

    out, _, subjects, files = written
    assert subjects == 2  # the meeting and the blank node
    for path, file in zip(("d.ttl", "d.jsonld"), files, strict=True):
        content = (out / path).read_bytes()
        assert (file.size, file.sha256) == (len(content), hashlib.sha256(content).hexdigest())
