"""The site's own pages: the landing page (the trips as timelines, the agreements, counts, the
ways in), and the pages of the dataset description, the vocabulary and the shapes.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from flask import render_template
from markupsafe import Markup
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import DCAT, OWL, RDF, RDFS, SKOS

from publisher.namespaces import SH, SPDX, vocabulary
from publisher.web import downloads
from publisher.web.describe import PREFIXES, labelled, neighbourhood, page_graph
from publisher.web.documents import DocumentLinks
from publisher.web.i18n import translator
from publisher.web.labels import Lens
from publisher.web.release_files import CATALOG, ONTOLOGY, SHAPES, release_graph
from publisher.web.schema_org import island
from publisher.web.site import Site
from publisher.web.views import TIMELINE, ResourceView, template_namespaces

TRIPS_SHOWN = 10
AGREEMENTS_SHOWN = 50

COUNTS = (
    PREFIXES
    + """SELECT ?category (COUNT(DISTINCT ?s) AS ?n) WHERE {
  VALUES (?class ?category) {
    (mtg:Trip "trips") (mtg:Meeting "meetings") (mtg:Agreement "agreements") (schema:Person "people")
    (org:FormalOrganization "organizations") (schema:Corporation "organizations")
    (schema:GovernmentOrganization "organizations")
    (schema:Place "places") (schema:City "places") (schema:Country "places")
    (schema:AdministrativeArea "places") (mtg:Topic "topics") (schema:NewsArticle "sources")
  }
  ?s rdf:type ?class .
} GROUP BY ?category"""
)
TRIPS = PREFIXES + f"SELECT ?trip WHERE {{ ?trip rdf:type mtg:Trip }} ORDER BY ?trip LIMIT {TRIPS_SHOWN}"
AGREEMENTS = (
    PREFIXES + f"SELECT ?agreement WHERE {{ ?agreement rdf:type mtg:Agreement }} "
    f"ORDER BY ?agreement LIMIT {AGREEMENTS_SHOWN}"
)


@dataclass
class Timeline:
    trip: URIRef
    meetings: list[URIRef]


def landing_page(site: Site, language: str, links: DocumentLinks) -> str:
    counts = {row["category"].value: int(row["n"].value) for row in site.query(COUNTS)}
    trips = [URIRef(row["trip"].value) for row in site.query(TRIPS)]
    timelines = []
    for trip in trips:
        rows = site.query(TIMELINE, substitutions={ox.Variable("this"): ox.NamedNode(str(trip))})
        timelines.append(Timeline(trip, [URIRef(row["meeting"].value) for row in rows]))
    agreements = [URIRef(row["agreement"].value) for row in site.query(AGREEMENTS)]
    meetings = [m for timeline in timelines for m in timeline.meetings]
    nodes = [ox.NamedNode(str(n)) for n in (*trips, *agreements, *meetings)]
    graph = page_graph([labelled(site, nodes)])
    neighbourhood(site, graph, nodes)
    lens = Lens(graph, language, site.base_iri)
    view = ResourceView(lens, URIRef(site.base_iri), None, "landing", vocabulary(site.base_iri))
    catalog = Lens(release_graph(site, CATALOG), language, site.base_iri)
    dataset = URIRef(site.base_iri)
    return render_template(
        "landing.html",
        lang=language,
        t=translator(language),
        links=links,
        lens=lens,
        view=view,
        catalog=catalog,
        dataset=dataset,
        counts=counts,
        timelines=timelines,
        agreements=agreements,
        agreements_total=counts.get("agreements", 0),
        dumps=_dumps(site),
        manifest=site.manifest,
        island=_island(catalog, dataset),
        **_namespaces(site),
    )


def catalog_page(site: Site, language: str, links: DocumentLinks) -> str:
    graph = release_graph(site, CATALOG)
    lens = Lens(graph, language, site.base_iri)
    dataset = URIRef(site.base_iri)
    catalog = URIRef(site.base_iri + "catalog")
    distributions = lens.objects(dataset, DCAT.distribution)
    services = lens.objects(catalog, DCAT.service)
    return render_template(
        "catalog.html",
        lang=language,
        t=translator(language),
        links=links,
        lens=lens,
        dataset=dataset,
        catalog=catalog,
        distributions=distributions,
        services=services,
        manifest=site.manifest,
        island=_island(lens, dataset),
        checksum=lambda d: _checksum(graph, d),
        **_namespaces(site),
    )


def ontology_page(site: Site, language: str, links: DocumentLinks) -> str:
    graph = release_graph(site, ONTOLOGY)
    lens = Lens(graph, language, site.base_iri)
    mtg = str(vocabulary(site.base_iri))
    ours = sorted({s for s in graph.subjects() if isinstance(s, URIRef) and str(s).startswith(mtg)}, key=str)
    classes = [s for s in ours if lens.is_a(s, OWL.Class, RDFS.Class)]
    properties = [s for s in ours if s not in classes]
    schemes = lens.subjects(RDF.type, SKOS.ConceptScheme)
    return render_template(
        "ontology.html",
        lang=language,
        t=translator(language),
        links=links,
        lens=lens,
        ontology=URIRef(site.base_iri + "ontology"),
        classes=classes,
        properties=properties,
        schemes=schemes,
        anchor=lambda term: str(term)[len(mtg) :],
        **_namespaces(site),
    )


def shapes_page(site: Site, language: str, links: DocumentLinks) -> str:
    graph = release_graph(site, SHAPES)
    lens = Lens(graph, language, site.base_iri)
    node_shapes = sorted(
        set(graph.subjects(RDF.type, SH.NodeShape)) | set(graph.subjects(SH.targetClass, None)), key=str
    )
    return render_template(
        "shapes.html",
        lang=language,
        t=translator(language),
        links=links,
        lens=lens,
        shapes=node_shapes,
        property_shapes=lambda shape: sorted(
            graph.objects(shape, SH.property), key=lambda p: str(graph.value(p, SH.path) or p)
        ),
        path_of=lambda prop: _path_text(lens, graph.value(prop, SH.path)),
        anchor=lambda shape: _anchor(shape),
        **_namespaces(site),
    )


def _path_text(lens: Lens, path) -> str:
    """A SHACL path in SPARQL-like words: a predicate, ^inverse, or a sequence a/b."""
    if path is None:
        return ""
    if isinstance(path, URIRef):
        return lens.curie(path)
    graph = lens.graph
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + _path_text(lens, inverse)
    for kind, joiner in ((SH.alternativePath, "|"),):
        options = graph.value(path, kind)
        if options is not None:
            return "(" + joiner.join(_path_text(lens, o) for o in graph.items(options)) + ")"
    for modifier, mark in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        inner = graph.value(path, modifier)
        if inner is not None:
            return _path_text(lens, inner) + mark
    items = list(graph.items(path))
    if items:
        return "/".join(_path_text(lens, i) for i in items)
    return str(path)


def _anchor(shape) -> str:
    text = str(shape)
    if isinstance(shape, BNode):
        return "shape-" + text
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _checksum(graph: Graph, distribution) -> str | None:
    for checksum in graph.objects(distribution, SPDX.checksum):
        value = graph.value(checksum, SPDX.checksumValue)
        if value is not None:
            return str(value)
    return None


def _dumps(site: Site) -> list[dict]:
    return [
        {
            "key": key,
            "href": "/" + d["path"],
            "media_type": downloads.media_type(d["path"]).split(";")[0],
            "size": d["size"],
            "sha256": d["sha256"],
        }
        for key, d in site.manifest.get("dumps", {}).items()
    ]


def _island(lens: Lens, node: URIRef) -> Markup | None:
    text = island(lens, node, str(node))
    return Markup(text) if text else None


def _namespaces(site: Site) -> dict:
    return template_namespaces(site.base_iri)
