"""The vocabularies the publisher speaks, and the prefixes its outputs use."""

from __future__ import annotations

from rdflib import Graph, Namespace
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, VOID, XSD

SCHEMA = Namespace("http://schema.org/")
ORG = Namespace("http://www.w3.org/ns/org#")
SH = Namespace("http://www.w3.org/ns/shacl#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
EDTF = Namespace("http://id.loc.gov/datatypes/edtf/")
WD = Namespace("http://www.wikidata.org/entity/")
VANN = Namespace("http://purl.org/vocab/vann/")
ADMS = Namespace("http://www.w3.org/ns/adms#")

#: Path of our vocabulary's namespace relative to the base IRI.
VOCABULARY_PATH = "ontology#"


def vocabulary(base_iri: str) -> Namespace:
    """Our vocabulary's namespace under a given base IRI."""
    return Namespace(base_iri + VOCABULARY_PATH)


def prefixes(base_iri: str) -> dict[str, str]:
    """Prefix -> namespace for every output we write and every query page we show."""
    return {
        "schema": str(SCHEMA),
        "org": str(ORG),
        "prov": str(PROV),
        "skos": str(SKOS),
        "rdf": str(RDF),
        "rdfs": str(RDFS),
        "owl": str(OWL),
        "xsd": str(XSD),
        "dcterms": str(DCTERMS),
        "dcat": str(DCAT),
        "foaf": str(FOAF),
        "void": str(VOID),
        "edtf": str(EDTF),
        "wd": str(WD),
        "mtg": base_iri + VOCABULARY_PATH,
        "trip": base_iri + "id/trip/",
        "meeting": base_iri + "id/meeting/",
        "agreement": base_iri + "id/agreement/",
        "person": base_iri + "id/person/",
        "organization": base_iri + "id/organization/",
        "place": base_iri + "id/place/",
        "topic": base_iri + "id/topic/",
        "post": base_iri + "id/post/",
        "membership": base_iri + "id/membership/",
        "role": base_iri + "id/role/",
        "kind": base_iri + "id/agreement-kind/",
        "source": base_iri + "id/source/",
    }


def bind_prefixes(graph: Graph, base_iri: str) -> Graph:
    """Give a graph our prefixes (replacing rdflib's defaults) so every dump reads alike."""
    for prefix, namespace in prefixes(base_iri).items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph
