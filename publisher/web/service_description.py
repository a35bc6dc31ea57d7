"""The endpoint's description of itself (SPARQL 1.1 Service Description), served at /sparql.

A client that fetches /sparql without a query and asks for RDF learns: the endpoint IRI,
the language (SPARQL 1.1 Query, no Update), the result formats on offer, the default dataset
(our dataset IRI, the base IRI, with its VoID description from the release), the named
queries (each a small data service with a title, a description and its own URL), and, in
words, the limits a query runs under.
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, RDFS, VOID

from publisher.namespaces import SCHEMA, SD, bind_prefixes
from publisher.store import to_rdflib
from publisher.web.result_formats import OFFERED
from publisher.web.site import Site

ENTAILMENT_SIMPLE = URIRef("http://www.w3.org/ns/entailment/Simple")
_ABOUT = """
CONSTRUCT { ?thing ?property ?value }
WHERE { ?thing ?property ?value }
"""
#: Properties of the dataset and of the endpoint worth repeating from the release's description.
_REPEATED = (
    str(VOID),
    str(DCTERMS.title),
    str(DCTERMS.description),
    str(DCTERMS.license),
    str(DCTERMS.publisher),
    str(DCTERMS.modified),
    str(RDF.type),
    str(DCAT),
)


def describe_service(site: Site, limits: dict) -> Graph:
    """The service description graph for a site; ``limits`` as in the app's settings."""
    base = site.base_iri
    service, dataset = URIRef(base + "sparql"), URIRef(base)
    graph = bind_prefixes(Graph(), base)
    graph.bind("sd", SD)
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, service))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    graph.add((service, SD.defaultEntailmentRegime, ENTAILMENT_SIMPLE))
    for iri in sorted({f.iri for formats in OFFERED.values() for f in formats if f.iri}):
        graph.add((service, SD.resultFormat, URIRef(iri)))
    graph.add((service, DCTERMS.title, Literal("SPARQL endpoint", lang="en")))
    graph.add((service, DCTERMS.title, Literal("Точка доступа SPARQL", lang="ru")))
    graph.add((service, DCTERMS.description, Literal(_limits_en(limits), lang="en")))
    graph.add((service, DCTERMS.description, Literal(_limits_ru(limits), lang="ru")))

    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    graph.add((dataset, RDF.type, VOID.Dataset))
    default_graph = BNode()
    graph.add((dataset, SD.defaultGraph, default_graph))
    graph.add((default_graph, RDF.type, SD.Graph))
    graph.add((default_graph, VOID.triples, Literal(int(site.manifest.get("store_triples", 0)))))
    graph.add((dataset, VOID.sparqlEndpoint, service))
    for node in (dataset, service):
        _repeat_description(graph, site, node)

    for name, named in site.queries.items():
        node = URIRef(f"{base}queries/{name}")
        graph.add((service, DCTERMS.hasPart, node))
        graph.add((node, RDF.type, DCAT.DataService))
        graph.add((node, RDF.type, SCHEMA.WebAPI))
        graph.add((node, DCTERMS.isPartOf, service))
        graph.add((node, DCAT.endpointURL, node))
        graph.add((node, DCAT.servesDataset, dataset))
        graph.add((node, RDFS.seeAlso, URIRef(f"{node}.rq")))
        for language, title in named.titles.items():
            graph.add((node, DCTERMS.title, Literal(title, lang=language)))
        for language, description in named.descriptions.items():
            graph.add((node, DCTERMS.description, Literal(description, lang=language)))
    return graph


def _repeat_description(graph: Graph, site: Site, node: URIRef) -> None:
    """The VoID (and title, licence…) statements the release makes about the dataset or service."""
    answer = site.query(_ABOUT, substitutions={ox.Variable("thing"): ox.NamedNode(str(node))})
    for triple in answer:
        if triple.predicate.value.startswith(_REPEATED):
            graph.add((to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)))


def _limits_en(limits: dict) -> str:
    return (
        "Read-only SPARQL 1.1 Query over this dataset. Each query may run "
        f"{limits['SPARQL_TIMEOUT']:g} s and return {limits['SPARQL_MAX_ROWS']} rows at most (a "
        "truncated answer says so in the Results-Truncated header); SERVICE, and FROM naming "
        "other graphs, are refused: this endpoint never sends requests to other servers."
    )


def _limits_ru(limits: dict) -> str:
    return (
        "SPARQL 1.1 Query только для чтения. Запрос выполняется не дольше "
        f"{limits['SPARQL_TIMEOUT']:g} с и возвращает не более {limits['SPARQL_MAX_ROWS']} строк "
        "(усечённый ответ отмечен заголовком Results-Truncated); SERVICE и FROM с чужими графами "
        "отклоняются: сервер никогда не обращается к другим серверам."
    )
