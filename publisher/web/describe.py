"""What the server says about a resource, fetched with standard, bounded SPARQL 1.1.

A resource's description (the same graph in every RDF format) holds:

1. its own triples (``<r> ?p ?o``), at most ``OWN_LIMIT``;
2. the labels and types of every node it links to, and the triples of its blank nodes and
   of its hash IRIs (``<r#x>``, part of the same document);
3. the links to it (``?s ?p <r>``: the meetings a person attended, the agreements signed at
   a meeting…), ordered by property then subject and paged: ``PAGE_SIZE`` per page (a setting,
   100 by default), page N at ``?page=N``; with the labels and types of their subjects.

Pages for people also read a *neighbourhood* (``neighbourhood``): for every node the
description mentions, the few properties a page shows beside its name (a person's job title
and posts, a meeting's date and place, the agreements signed at a meeting…) and the names
of what those point to. Every query goes through ``Site.query`` and binds the resource as
``?this`` (SEP-0007 substitution), so the same text runs on any SPARQL 1.1 backend.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Graph
from rdflib.namespace import RDF

from publisher.store import to_rdflib
from publisher.web.site import Site

OWN_LIMIT = 5000
LINKED_LIMIT = 20000
NEIGHBOURHOOD_LIMIT = 20000
DEFAULT_PAGE_SIZE = 100

PREFIXES = """PREFIX schema: <http://schema.org/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX mtg: <ontology#>
"""
LABELS = "schema:name, skos:prefLabel, rdfs:label, dcterms:title, foaf:name"

EXISTS = "ASK { ?this ?p ?o }"

OWN = PREFIXES + f"CONSTRUCT {{ ?this ?p ?o }} WHERE {{ ?this ?p ?o }} LIMIT {OWN_LIMIT}"

LINKED = (
    PREFIXES
    + f"""CONSTRUCT {{ ?o ?lp ?label . ?o rdf:type ?type }}
WHERE {{
  ?this ?p ?o .
  {{ ?o ?lp ?label . FILTER(?lp IN ({LABELS})) }} UNION {{ ?o rdf:type ?type }}
}}
LIMIT {LINKED_LIMIT}"""
)
#: The triples of the blank nodes a resource links to, part of its description.
BLANK = (
    f"CONSTRUCT {{ ?b ?p ?o }} WHERE {{ ?this ?link ?b . FILTER(isBlank(?b)) ?b ?p ?o }} LIMIT {OWN_LIMIT}"
)
#: The triples of hash IRIs (``<r#x>``): the same document describes them.
HASHED = "CONSTRUCT { ?n ?p ?o } WHERE { VALUES ?n { %s } ?n ?p ?o } LIMIT %d"

INVERSE_PAGE = "SELECT ?this ?s ?p WHERE {{ ?s ?p ?this }} ORDER BY ?p ?s LIMIT {limit} OFFSET {offset}"
INVERSE_COUNT = "SELECT ?this (COUNT(*) AS ?n) WHERE { ?s ?p ?this } GROUP BY ?this"

NODES_LABELLED = (
    PREFIXES
    + """CONSTRUCT { ?n ?lp ?label . ?n rdf:type ?type }
WHERE {
  VALUES ?n { %s }
  { ?n ?lp ?label . FILTER(?lp IN ("""
    + LABELS
    + """)) }
  UNION { ?n rdf:type ?type }
}"""
)

#: What pages show beside a linked node's name, and what points at it that they show too.
NEIGHBOURHOOD: tuple[str, ...] = tuple(
    PREFIXES + query + f" LIMIT {NEIGHBOURHOOD_LIMIT}"
    for query in (
        # what a page shows beside a node's name: a person's job and posts, an event's date and
        # place, an agreement's kind and meeting, a membership's role…
        """CONSTRUCT { ?n ?p ?v } WHERE { VALUES ?n { %s } ?n ?p ?v .
  FILTER(?p IN (schema:jobTitle, schema:worksFor, org:holds, org:postIn, org:member, org:organization,
                org:role, schema:roleName, mtg:edtfDate, mtg:dateAsStated, schema:startDate,
                schema:endDate, schema:location, schema:containedInPlace, mtg:agreementKind,
                mtg:signedAt, schema:about, mtg:numberOfParties, mtg:unnamedInSource,
                schema:superEvent, mtg:sameDayAs, skos:inScheme)) }""",
        # what points at a node and is shown with it: agreements signed at a meeting, a person's
        # memberships, a post's holders; with the kind, organization and role of each
        """CONSTRUCT { ?x ?p ?n } WHERE { VALUES ?n { %s } ?x ?p ?n .
  FILTER(?p IN (mtg:signedAt, org:member, org:holds)) }""",
        """CONSTRUCT { ?x ?q ?v } WHERE { VALUES ?n { %s } ?x ?p ?n . FILTER(?p IN (mtg:signedAt, org:member))
  ?x ?q ?v . FILTER(?q IN (org:organization, org:role, schema:roleName, mtg:agreementKind)) }""",
        # the body each post held is in
        """CONSTRUCT { ?post org:postIn ?body } WHERE { VALUES ?n { %s } ?n org:holds ?post .
  ?post org:postIn ?body }""",
        # the places each place lies in, up to the country
        """CONSTRUCT { ?a schema:containedInPlace ?b } WHERE { VALUES ?n { %s }
  ?n (schema:location|schema:containedInPlace)/schema:containedInPlace* ?a .
  ?a schema:containedInPlace ?b }""",
    )
)


@dataclass
class Description:
    """A resource's description graph, and where its page of inverse links sits."""

    iri: str
    graph: Graph
    page: int
    page_size: int
    has_next: bool
    inverse_total: int | None  # counted only when the links to it span more than one page
    truncated: bool  # its own triples reached OWN_LIMIT
    nodes: set[ox.NamedNode]  # every IRI it mentions (where a page's neighbourhood starts)

    @property
    def paged(self) -> bool:
        return self.page > 1 or self.has_next


def exists(site: Site, iri: str) -> bool:
    return bool(site.query(EXISTS, substitutions=_this(iri)))


def has_language(site: Site, iri: str, language: str) -> bool:
    """Whether the resource has any text in a language (pages offer that language if so)."""
    if not language.isalpha():
        raise ValueError(f"not a language tag: {language!r}")
    query = f'ASK {{ ?this ?p ?o FILTER(isLiteral(?o) && LANGMATCHES(LANG(?o), "{language}")) }}'
    return bool(site.query(query, substitutions=_this(iri)))


def describe(site: Site, iri: str, page: int = 1, page_size: int = DEFAULT_PAGE_SIZE) -> Description:
    """The description of one resource (``page`` > 1: a later page of the links to it)."""
    this = _this(iri)
    own = list(site.query(OWN, substitutions=this))
    truncated = len(own) >= OWN_LIMIT
    linked = list(site.query(LINKED, substitutions=this))
    objects = [t.object for t in own]
    if any(isinstance(o, ox.BlankNode) for o in objects):
        linked += site.query(BLANK, substitutions=this)
    hashed = [o for o in objects if isinstance(o, ox.NamedNode) and o.value.startswith(iri + "#")]
    if hashed:
        linked += site.query(HASHED % (_values(hashed), OWN_LIMIT))
    query = INVERSE_PAGE.format(limit=page_size + 1, offset=(page - 1) * page_size)
    rows = list(site.query(query, substitutions=this))
    has_next = len(rows) > page_size
    rows = rows[:page_size]
    node = ox.NamedNode(iri)
    inverse = [ox.Triple(row["s"], row["p"], node) for row in rows]
    inverse_labels = labelled(site, (row["s"] for row in rows))
    total = None
    if has_next or page > 1:
        counted = list(site.query(INVERSE_COUNT, substitutions=this))
        total = int(counted[0]["n"].value) if counted else 0
    groups = (own, linked, inverse, inverse_labels)
    nodes = {
        term
        for group in groups
        for triple in group
        for term in (triple.subject, triple.object)
        if isinstance(term, ox.NamedNode)
    }
    return Description(iri, to_graph(groups), page, page_size, has_next, total, truncated, nodes)


def labelled(site: Site, nodes: Iterable[ox.NamedNode | ox.BlankNode]) -> list[ox.Triple]:
    """The labels and types of some nodes."""
    values = _values(nodes)
    if not values:
        return []
    return list(site.query(NODES_LABELLED % values))


def neighbourhood(site: Site, graph: Graph, nodes: Iterable[ox.NamedNode]) -> Graph:
    """Widen a graph for a page (see NEIGHBOURHOOD) around some nodes; adds to ``graph``."""
    nodes = set(nodes)
    values = _values(nodes)
    if not values:
        return graph
    found = [triple for query in NEIGHBOURHOOD for triple in site.query(query % values)]
    mentioned = {t.subject for t in found} | {t.object for t in found if isinstance(t.object, ox.NamedNode)}
    known = {term for term in nodes if (to_rdflib(term), RDF.type, None) in graph}
    found += labelled(site, (mentioned | nodes) - known)
    _add(graph, found)
    return graph


def to_graph(groups: Iterable[Iterable[ox.Triple]]) -> Graph:
    """An rdflib graph of groups of pyoxigraph triples, filled group by group, each in sorted
    order, so that the order of the graph (which some serializations follow) is the same in
    every process and on every backend.

    No prefixes are bound (binding is slow, and only Turtle needs them: serialize.py binds)."""
    graph = Graph(bind_namespaces="none")
    for group in groups:
        _add(graph, group)
    return graph


def _add(graph: Graph, triples: Iterable[ox.Triple]) -> None:
    converted: dict = {}

    def term(value):
        found = converted.get(value)
        if found is None:
            found = converted[value] = to_rdflib(value)
        return found

    for triple in sorted(set(triples), key=str):
        graph.add((term(triple.subject), term(triple.predicate), term(triple.object)))


def _this(iri: str) -> dict[ox.Variable, ox.NamedNode]:
    return {ox.Variable("this"): ox.NamedNode(iri)}


def _values(nodes: Iterable[ox.NamedNode | ox.BlankNode]) -> str:
    """A VALUES block of IRIs (blank nodes cannot be named across queries, so they are left out)."""
    return " ".join(sorted({str(n) for n in nodes if isinstance(n, ox.NamedNode)}))
