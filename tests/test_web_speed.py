"""What the serving speed-ups must not change: the page queries written for the engine's
indexes answer as their plain forms did, the page graph reads as an rdflib graph does, and
SPARQL JSON written directly is pyoxigraph's own."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from publisher.web import describe, results, views
from publisher.web.describe import PREFIXES, PageGraph

#: The page queries as first written (plain, and slow at a million triples).
PLAIN_TIMELINE = (
    PREFIXES
    + """SELECT ?this ?meeting (COALESCE(MIN(?position), 1000000000) AS ?order)
  (MIN(?start) AS ?date)
WHERE {
  ?this schema:subEvent ?meeting .
  OPTIONAL {
    ?meeting mtg:quote ?quote ; prov:wasDerivedFrom ?source . ?source schema:text ?text .
    FILTER(CONTAINS(STR(?text), STR(?quote)))
    BIND(STRLEN(STRBEFORE(STR(?text), STR(?quote))) AS ?position)
  }
  OPTIONAL { ?meeting schema:startDate ?start }
}
GROUP BY ?this ?meeting ORDER BY ?order ?date ?meeting LIMIT 200"""
)
PLAIN_PLACE_EVENTS = (
    PREFIXES
    + """SELECT DISTINCT ?this ?event WHERE {
  ?event schema:location ?where . ?where schema:containedInPlace* ?this .
} ORDER BY ?event LIMIT 200"""
)
PLAIN_ORGANIZATION_MEETINGS = (
    PREFIXES
    + """SELECT DISTINCT ?this ?meeting WHERE {
  { ?person schema:worksFor ?this }
  UNION { ?membership org:member ?person ; org:organization ?this }
  UNION { ?person org:holds ?post . ?post org:postIn ?this }
  UNION { ?this org:hasPost ?post . ?person org:holds ?post }
  ?meeting schema:attendee ?person .
} ORDER BY ?meeting LIMIT 200"""
)
PLAIN_POINTING = (
    PREFIXES
    + """CONSTRUCT { ?x ?p ?n } WHERE { VALUES ?n { %s } ?x ?p ?n .
  FILTER(?p IN (mtg:signedAt, org:member, org:holds)) } LIMIT 20000"""
)
PLAIN_POINTING_DETAILS = (
    PREFIXES
    + """CONSTRUCT { ?x ?q ?v } WHERE { VALUES ?n { %s } ?x ?p ?n .
  FILTER(?p IN (mtg:signedAt, org:member))
  ?x ?q ?v . FILTER(?q IN (org:organization, org:role, schema:roleName, mtg:agreementKind)) } LIMIT 20000"""
)


def _rows(store: ox.Store, base: str, query: str, this: ox.NamedNode | None = None) -> list:
    substitutions = {ox.Variable("this"): this} if this is not None else None
    answer = store.query(query, base_iri=base, substitutions=substitutions)
    if isinstance(answer, ox.QueryTriples):
        return sorted(str(t) for t in answer)
    return [tuple(str(row[i]) for i in range(len(answer.variables))) for row in answer]


def _of_type(store: ox.Store, iri: str) -> list[ox.NamedNode]:
    return [row["s"] for row in store.query(f"SELECT ?s {{ ?s a <{iri}> }} ORDER BY ?s")]


@pytest.mark.parametrize(
    ("rewritten", "plain", "kinds"),
    [
        (views.TIMELINE, PLAIN_TIMELINE, ("ontology#Trip",)),
        (views.PLACE_EVENTS, PLAIN_PLACE_EVENTS, ("http://schema.org/Country", "http://schema.org/City")),
        (
            views.ORGANIZATION_MEETINGS,
            PLAIN_ORGANIZATION_MEETINGS,
            ("http://www.w3.org/ns/org#FormalOrganization",),
        ),
    ],
)
def test_page_queries_answer_as_their_plain_forms(store, base, rewritten, plain, kinds):
    nodes = [n for kind in kinds for n in _of_type(store, kind if kind.startswith("http") else base + kind)]
    assert nodes
    for node in nodes:
        assert _rows(store, base, rewritten, node) == _rows(store, base, plain, node)


def test_the_neighbourhood_queries_answer_as_their_plain_forms(store, base):
    everything = sorted(
        {str(row["s"]) for row in store.query("SELECT DISTINCT ?s { ?s ?p ?o FILTER(isIRI(?s)) }")}
    )
    everything += ["<http://schema.org/Person>", "<http://schema.org/Event>"]  # types are nodes too
    values = " ".join(everything)
    assert _rows(store, base, describe.NEIGHBOURHOOD[1] % values) == _rows(
        store, base, PLAIN_POINTING % values
    )
    assert _rows(store, base, describe.NEIGHBOURHOOD[2] % values) == _rows(
        store, base, PLAIN_POINTING_DETAILS % values
    )
    assert _rows(store, base, describe.NEIGHBOURHOOD[1] % values)  # not vacuous


def test_a_page_graph_reads_as_an_rdflib_graph():
    a, b, c = URIRef("http://ex/a"), URIRef("http://ex/b"), URIRef("http://ex/c")
    p, q = URIRef("http://ex/p"), URIRef("http://ex/q")
    triples = [(a, p, b), (a, p, c), (a, q, Literal("x", lang="en")), (b, p, c), (c, RDF.type, a), (a, p, b)]
    page, graph = PageGraph(), Graph()
    for triple in triples:
        page.add(triple)
        graph.add(triple)
    assert len(page) == len(graph) == 5
    assert set(page) == set(graph)
    for s in (a, b, c, None):
        for pred in (p, q, RDF.type, None):
            for o in (a, b, c, None):
                pattern = (s, pred, o)
                assert set(page.triples(pattern)) == set(graph.triples(pattern)), pattern
                assert (pattern in page) == (pattern in graph), pattern
            assert set(page.objects(s, pred)) == set(graph.objects(s, pred))
            if s is not None and pred is not None:
                assert page.value(s, pred) in (
                    {None} if (s, pred, None) not in graph else set(graph.objects(s, pred))
                )
            assert set(page.subjects(pred, s)) == set(graph.subjects(pred, s))
        assert set(page.predicates(s, None)) == set(graph.predicates(s, None))
        assert set(page.predicates(None, s)) == set(graph.predicates(None, s))
        assert set(page.predicate_objects(s)) == set(graph.predicate_objects(s))
        assert set(page.subject_predicates(s)) == set(graph.subject_predicates(s))


def test_sparql_json_is_written_as_pyoxigraph_writes_it(store):
    query = "SELECT ?s ?p ?o ?nothing WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 400"
    theirs = store.query(query).serialize(format=ox.QueryResultsFormat.JSON)
    ours = results.write_solutions(store.query(query), "json", 1000)
    assert ours.body == theirs and ours.rows == 400 and not ours.truncated
    capped = results.write_solutions(store.query(query), "json", 10)
    assert capped.rows == 10 and capped.truncated
    assert capped.body == store.query(query.replace("400", "10")).serialize(format=ox.QueryResultsFormat.JSON)
