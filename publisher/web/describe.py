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

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Graph
from rdflib.namespace import RDF
from rdflib.term import Node

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
        # memberships, a post's holders; with the kind, organization and role of each. One
        # branch per property, so that each is a lookup of (property, node) in an index: with
        # the property in a FILTER, a node such as schema:Person (the type of a linked node)
        # made the engine read every triple pointing at it.
        """CONSTRUCT { ?x ?p ?n } WHERE { VALUES ?n { %s }
  { ?x mtg:signedAt ?n BIND(mtg:signedAt AS ?p) } UNION { ?x org:member ?n BIND(org:member AS ?p) }
  UNION { ?x org:holds ?n BIND(org:holds AS ?p) } }""",
        """CONSTRUCT { ?x ?q ?v } WHERE { VALUES ?n { %s } { ?x mtg:signedAt ?n } UNION { ?x org:member ?n }
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
    graph: PageGraph  # what a page reads (widened in place for it by ``neighbourhood``)
    page: int
    page_size: int
    has_next: bool
    inverse_total: int | None  # counted only when the links to it span more than one page
    truncated: bool  # its own triples reached OWN_LIMIT
    nodes: set[ox.NamedNode]  # every IRI it mentions (where a page's neighbourhood starts)
    groups: tuple[list[ox.Triple], ...] = ()  # the description's own triples, as fetched

    @property
    def paged(self) -> bool:
        return self.page > 1 or self.has_next

    def rdf_graph(self) -> Graph:
        """The description as an rdflib graph, for the RDF serializations (never widened)."""
        return to_graph(self.groups)


#: Facts about resources a request needs before its representation can come from the cache
#: (whether the resource exists, which languages its page comes in): the same for the whole
#: life of the served release and backend, so each Site (one per app) remembers up to
#: FACTS_KEPT of them.
FACTS_KEPT = 50_000


def _remembered(site: Site, iri: str, fact: str, ask) -> bool:
    facts: dict[tuple[str, str], bool] = vars(site).setdefault("_resource_facts", {})
    found = facts.get((iri, fact))
    if found is None:
        found = bool(ask())
        if len(facts) >= FACTS_KEPT:
            facts.clear()
        facts[(iri, fact)] = found
    return found


def exists(site: Site, iri: str) -> bool:
    return _remembered(site, iri, "exists", lambda: site.query(EXISTS, substitutions=_this(iri)))


def has_language(site: Site, iri: str, language: str) -> bool:
    """Whether the resource has any text in a language (pages offer that language if so)."""
    if not language.isalpha():
        raise ValueError(f"not a language tag: {language!r}")
    query = f'ASK {{ ?this ?p ?o FILTER(isLiteral(?o) && LANGMATCHES(LANG(?o), "{language}")) }}'
    return _remembered(site, iri, "lang:" + language, lambda: site.query(query, substitutions=_this(iri)))


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
    return Description(iri, page_graph(groups), page, page_size, has_next, total, truncated, nodes, groups)


def labelled(site: Site, nodes: Iterable[ox.NamedNode | ox.BlankNode]) -> list[ox.Triple]:
    """The labels and types of some nodes."""
    values = _values(nodes)
    if not values:
        return []
    return list(site.query(NODES_LABELLED % values))


def neighbourhood(site: Site, graph: PageGraph, nodes: Iterable[ox.NamedNode]) -> PageGraph:
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
    return _filled(Graph(bind_namespaces="none"), groups)


def page_graph(groups: Iterable[Iterable[ox.Triple]]) -> PageGraph:
    """A PageGraph of groups of pyoxigraph triples, filled group by group in sorted order."""
    return _filled(PageGraph(), groups)


def _filled(graph, groups: Iterable[Iterable[ox.Triple]]):
    for group in groups:
        _add(graph, group)
    return graph


class PageGraph:
    """The reads a page makes of its description graph (rdflib's ``Graph`` methods that take
    a pattern: ``triples``, ``objects``, ``subjects``, ``predicates``, ``predicate_objects``,
    ``subject_predicates``, ``value``, ``in``), on two plain dicts.

    An rdflib graph costs some 40 µs per triple to fill and several µs per lookup, and a page
    fills hundreds of triples and looks up thousands of times; the RDF serializations, which
    need rdflib's graph, get one from ``Description.rdf_graph``. Iterates in insertion order.
    """

    def __init__(self) -> None:
        self._triples: dict[tuple[Node, Node, Node], None] = {}
        self._out: dict[Node, dict[Node, dict[Node, None]]] = {}
        self._in: dict[Node, dict[Node, dict[Node, None]]] = {}

    def add(self, triple: tuple[Node, Node, Node]) -> PageGraph:
        if triple not in self._triples:
            self._triples[triple] = None
            s, p, o = triple
            self._out.setdefault(s, {}).setdefault(p, {})[o] = None
            self._in.setdefault(o, {}).setdefault(p, {})[s] = None
        return self

    def __len__(self) -> int:
        return len(self._triples)

    def __iter__(self) -> Iterator[tuple[Node, Node, Node]]:
        return iter(list(self._triples))

    def __contains__(self, pattern: tuple) -> bool:
        return next(self.triples(pattern), None) is not None

    def triples(self, pattern: tuple) -> Iterator[tuple[Node, Node, Node]]:
        s, p, o = pattern
        if s is not None:
            for prop, objects in self._by(self._out, s, p):
                if o is None:
                    yield from ((s, prop, value) for value in objects)
                elif o in objects:
                    yield (s, prop, o)
        elif o is not None:
            for prop, subjects in self._by(self._in, o, p):
                yield from ((subject, prop, o) for subject in subjects)
        else:
            yield from (t for t in list(self._triples) if p is None or t[1] == p)

    @staticmethod
    def _by(index: dict, node: Node, prop: Node | None) -> list[tuple[Node, list[Node]]]:
        found = index.get(node)
        if not found:
            return []
        if prop is not None:
            values = found.get(prop)
            return [(prop, list(values))] if values else []
        return [(key, list(values)) for key, values in found.items()]

    def objects(self, subject: Node | None = None, predicate: Node | None = None) -> Iterator[Node]:
        if subject is not None and predicate is not None:
            return iter(list(self._out.get(subject, {}).get(predicate, ())))
        return (o for _, _, o in self.triples((subject, predicate, None)))

    def subjects(self, predicate: Node | None = None, object: Node | None = None) -> Iterator[Node]:
        if object is not None and predicate is not None:
            return iter(list(self._in.get(object, {}).get(predicate, ())))
        return (s for s, _, _ in self.triples((None, predicate, object)))

    def predicates(self, subject: Node | None = None, object: Node | None = None) -> Iterator[Node]:
        return (p for _, p, _ in self.triples((subject, None, object)))

    def predicate_objects(self, subject: Node | None = None) -> Iterator[tuple[Node, Node]]:
        return ((p, o) for _, p, o in self.triples((subject, None, None)))

    def subject_predicates(self, object: Node | None = None) -> Iterator[tuple[Node, Node]]:
        return ((s, p) for s, p, _ in self.triples((None, None, object)))

    def value(self, subject: Node | None = None, predicate: Node | None = None, object: Node | None = None):
        for s, p, o in self.triples((subject, predicate, object)):
            return o if object is None else s if subject is None else p
        return None


#: pyoxigraph terms as rdflib terms, shared by every request of the process: pages of the
#: same archive name the same classes, properties, places and people again and again, and
#: making an rdflib term (a Literal above all) costs more than looking it up. Up to TERMS_KEPT.
TERMS_KEPT = 100_000
_terms: dict = {}


def _add(graph: Graph | PageGraph, triples: Iterable[ox.Triple]) -> None:
    converted = _terms
    if len(converted) >= TERMS_KEPT:
        converted.clear()

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
