"""What a resource page shows: the kind of resource, and the facts its template lays out.

The description graph (describe.py) is widened with a neighbourhood and, for a few kinds,
one more query (a trip's meetings in the order the source tells them, the events in a place
and the places inside it, the meetings of an organization's people). Templates then read
it through ``ResourceView``; nothing here writes or validates anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, OWL, RDF, RDFS, SKOS, VOID
from rdflib.term import Node

from publisher.namespaces import ORG, PROV, SCHEMA, SH, vocabulary
from publisher.web.dates import format_date
from publisher.web.describe import PREFIXES, Description, neighbourhood
from publisher.web.labels import Lens, Text
from publisher.web.site import Site

EXTRA_LIMIT = 200

#: A trip's meetings in the order the source tells them (the position of their first quote
#: in the source's text), then by date: press releases tell a trip in order, and most dates
#: in them are partial or missing. The OPTIONAL repeats the trip's own pattern (it changes
#: no answer: every row it extends already matches it) so that the engine starts from the
#: bound trip there too, instead of reading every quote of the archive (6 s at 1M triples).
TIMELINE = (
    PREFIXES
    + f"""SELECT ?this ?meeting (COALESCE(MIN(?position), 1000000000) AS ?order) (MIN(?start) AS ?date)
WHERE {{
  ?this schema:subEvent ?meeting .
  OPTIONAL {{
    ?this schema:subEvent ?meeting .
    ?meeting mtg:quote ?quote ; prov:wasDerivedFrom ?source . ?source schema:text ?text .
    FILTER(CONTAINS(STR(?text), STR(?quote)))
    BIND(STRLEN(STRBEFORE(STR(?text), STR(?quote))) AS ?position)
  }}
  OPTIONAL {{ ?meeting schema:startDate ?start }}
}}
GROUP BY ?this ?meeting ORDER BY ?order ?date ?meeting LIMIT {EXTRA_LIMIT}"""
)

#: Events at a place or anywhere inside it: the places first (a subquery, so that the engine
#: walks the path from the bound place rather than from every event's location).
PLACE_EVENTS = (
    PREFIXES
    + f"""SELECT DISTINCT ?this ?event WHERE {{
  {{ SELECT DISTINCT ?this ?where WHERE {{ ?where schema:containedInPlace* ?this }} }}
  ?event schema:location ?where .
}} ORDER BY ?event LIMIT {EXTRA_LIMIT}"""
)
PLACES_INSIDE = (
    PREFIXES
    + f"""SELECT DISTINCT ?this ?inner WHERE {{ ?inner schema:containedInPlace+ ?this }}
ORDER BY ?inner LIMIT {EXTRA_LIMIT}"""
)

#: Meetings attended by an organization's people: those working for it, its members, the
#: holders of its posts. Each branch starts from the bound organization and joins the
#: meetings itself (the same answers as joining the union: a join distributes over it), so
#: that no branch reads every person of the archive.
ORGANIZATION_MEETINGS = (
    PREFIXES
    + f"""SELECT DISTINCT ?this ?meeting WHERE {{
  {{ ?person schema:worksFor ?this . ?meeting schema:attendee ?person }}
  UNION {{ ?membership org:organization ?this . ?membership org:member ?person .
           ?meeting schema:attendee ?person }}
  UNION {{ ?post org:postIn ?this . ?person org:holds ?post . ?meeting schema:attendee ?person }}
  UNION {{ ?this org:hasPost ?post . ?person org:holds ?post . ?meeting schema:attendee ?person }}
}} ORDER BY ?meeting LIMIT {EXTRA_LIMIT}"""
)

ORGANIZATION_TYPES = (
    SCHEMA.Organization,
    SCHEMA.GovernmentOrganization,
    SCHEMA.Corporation,
    ORG.FormalOrganization,
    ORG.Organization,
)
PLACE_TYPES = (SCHEMA.Place, SCHEMA.City, SCHEMA.Country, SCHEMA.AdministrativeArea, SCHEMA.State)


@dataclass
class ResourceView:
    """One resource's page: its description in the reader's language, and its extras."""

    lens: Lens
    this: URIRef
    description: Description | None  # None on pages that are not one resource (the landing page)
    kind: str
    mtg: Namespace  # our vocabulary under this release's base IRI
    ordered: dict[str, list[URIRef]] = field(default_factory=dict)
    own: list[tuple[URIRef, list[Node]]] = field(default_factory=list)
    links_here: list[tuple[URIRef, list[Node]]] = field(default_factory=list)

    # ------------------------------------------------------------ reading for templates

    def when(self, event: Node) -> dict:
        """When an event took place, as far as the source says: a date in words (or None),
        the source's own words, and the events the source puts on the same day."""
        start = self.lens.value(event, SCHEMA.startDate)
        edtf = self.lens.value(event, self.mtg.edtfDate)
        date = None
        if start is not None:
            date = format_date(str(start), self.lens.lang)
        elif edtf is not None:
            date = format_date(str(edtf), self.lens.lang)
        return {
            "date": date,
            "stated": self.lens.texts(event, self.mtg.dateAsStated),
            "same_day": self.lens.objects(event, self.mtg.sameDayAs),
        }

    def place_chain(self, place: Node) -> list[Node]:
        """A place and the places it lies in, innermost first (Suizhou, Hubei, China)."""
        chain: list[Node] = [place]
        while len(chain) < 12:
            parent = self.lens.value(chain[-1], SCHEMA.containedInPlace)
            if parent is None or parent in chain:
                break
            chain.append(parent)
        return chain

    def roles(self, person: Node) -> list[dict]:
        """A person's posts and memberships: what they are, and where."""
        found = []
        for post in self.lens.objects(person, ORG.holds):
            found.append({"role": post, "at": self.lens.value(post, ORG.postIn), "kind": "post"})
        for membership in self.lens.subjects(ORG.member, person):
            found.append(
                {
                    "role": membership,
                    "name": self.lens.text(membership, SCHEMA.roleName),
                    "at": self.lens.value(membership, ORG.organization),
                    "kind": "membership",
                }
            )
        return found

    def job_title(self, person: Node) -> Text | None:
        return self.lens.text(person, SCHEMA.jobTitle)

    def inverse(self) -> list[tuple[URIRef, list[Node]]]:
        """The links to this resource on this page, grouped by property."""
        return self.links_here

    def statements(self) -> list[tuple[URIRef, list[Node]]]:
        """The resource's own triples, grouped by property (the table of all statements)."""
        return self.own


def kind_of(lens: Lens, node: URIRef, mtg: Namespace) -> str:
    """Which page layout fits the resource, from its types."""
    types = lens.types(node)
    checks = (
        ("trip", (mtg.Trip,)),
        ("meeting", (mtg.Meeting,)),
        ("agreement", (mtg.Agreement,)),
        ("person", (SCHEMA.Person,)),
        ("post", (ORG.Post,)),
        ("membership", (ORG.Membership,)),
        ("organization", ORGANIZATION_TYPES),
        ("place", PLACE_TYPES),
        ("scheme", (SKOS.ConceptScheme,)),
        ("concept", (SKOS.Concept,)),
        ("source", (SCHEMA.NewsArticle, SCHEMA.Article)),
        ("distribution", (DCAT.Distribution,)),
        ("event", (SCHEMA.Event,)),
        ("term", (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, RDF.Property, RDFS.Class)),
    )
    for kind, classes in checks:
        if not types.isdisjoint(classes):
            return kind
    return "resource"


def build_view(site: Site, description: Description, language: str) -> ResourceView:
    """The page of a described resource: widen the graph for it and run its kind's extras."""
    mtg = vocabulary(site.base_iri)
    this = URIRef(description.iri)
    lens = Lens(description.graph, language, site.base_iri)
    own = _grouped(lens, description.graph.predicate_objects(this), key=lens.curie)
    links_here = _grouped(lens, ((p, s) for s, p in description.graph.subject_predicates(this)), key=str)
    kind = kind_of(lens, this, mtg)
    ordered: dict[str, list[URIRef]] = {}
    substitutions = {ox.Variable("this"): ox.NamedNode(description.iri)}

    def run(name: str, query: str, column: str) -> None:
        rows = site.query(query, substitutions=substitutions)
        ordered[name] = [URIRef(row[column].value) for row in rows if isinstance(row[column], ox.NamedNode)]

    if kind == "trip":
        run("meetings", TIMELINE, "meeting")
    elif kind == "place":
        run("events", PLACE_EVENTS, "event")
        run("inside", PLACES_INSIDE, "inner")
    elif kind == "organization":
        run("meetings", ORGANIZATION_MEETINGS, "meeting")
    extra = {ox.NamedNode(str(n)) for nodes in ordered.values() for n in nodes}
    # The page reads the description widened in place: it is not serialized after this.
    neighbourhood(site, description.graph, description.nodes | extra)
    lens.graph_changed()
    return ResourceView(lens, this, description, kind, mtg, ordered, own, links_here)


def _grouped(lens: Lens, pairs, key) -> list[tuple[URIRef, list[Node]]]:
    """(property, value) pairs as [(property, sorted values)], properties in ``key`` order."""
    grouped: dict[URIRef, list[Node]] = {}
    for prop, value in pairs:
        grouped.setdefault(prop, []).append(value)
    return [
        (prop, sorted(set(values), key=lens.sort_key))
        for prop, values in sorted(grouped.items(), key=lambda item: key(item[0]))
    ]


def template_namespaces(base_iri: str) -> dict:
    """The vocabularies templates read properties from (``lens.objects(this, S.attendee)``)."""
    return {
        "S": SCHEMA,
        "ORG": ORG,
        "PROV": PROV,
        "MTG": vocabulary(base_iri),
        "DCT": DCTERMS,
        "DCAT": DCAT,
        "VOID": VOID,
        "RDFS": RDFS,
        "SKOS": SKOS,
        "OWL": OWL,
        "SH": SH,
        "RDF": RDF,
    }
