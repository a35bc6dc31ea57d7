"""The dataset's description of itself: DCAT-AP 3 for catalogues, VoID for Linked Data tools,
schema.org Dataset for search engines, all in one graph.

The hand-written part comes from catalog/; this adds what only a build knows: the dumps with
their sizes and checksums, the SPARQL service, counts and dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, VOID, XSD

from publisher.namespaces import ORG, PROV, SCHEMA, SKOS, SPDX, bind_prefixes

IANA = "http://www.iana.org/assignments/media-types/"
FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
LICENCE = URIRef("http://creativecommons.org/licenses/by/4.0/")
DCATAP = Namespace("http://data.europa.eu/r5r/")
# Releases are immutable and kept: the dumps at their URLs stay as long as the release is served.
AVAILABILITY = URIRef("http://publications.europa.eu/resource/authority/planned-availability/STABLE")


@dataclass(frozen=True)
class Dump:
    """A file of the release offered for download."""

    key: str  # names the distribution: {base}id/distribution/{key}
    path: str  # under the release, e.g. dumps/data.ttl
    media_type: str
    file_type: str  # EU file-type authority code
    title_en: str
    title_ru: str
    size: int
    sha256: str
    compression: str | None = None  # media type of the compression, if any


def describe(
    catalog: Graph,
    base_iri: str,
    dumps: list[Dump],
    triples: int,
    subjects: int,
    modified: datetime,
    example: URIRef | None,
) -> Graph:
    """The full description: the hand-written catalogue plus the build's measurements."""
    graph = bind_prefixes(Graph(), base_iri)
    graph.bind("spdx", SPDX)
    graph += catalog
    dataset, catalogue = URIRef(base_iri), URIRef(base_iri + "catalog")
    service = endpoint = URIRef(base_iri + "sparql")  # the endpoint describes itself
    when = Literal(modified.strftime("%Y-%m-%dT%H:%M:%SZ"), datatype=XSD.dateTime)

    for node in (dataset, catalogue):
        graph.add((node, DCTERMS.modified, when))
    graph.add((dataset, SCHEMA.dateModified, when))
    graph.add((catalogue, DCAT.service, service))

    graph.add((dataset, VOID.uriSpace, Literal(base_iri)))
    graph.add((dataset, VOID.triples, Literal(triples)))
    graph.add((dataset, VOID.distinctSubjects, Literal(subjects)))
    graph.add((dataset, VOID.sparqlEndpoint, endpoint))
    graph.add((dataset, VOID.feature, URIRef("http://www.w3.org/ns/formats/Turtle")))
    graph.add((dataset, VOID.feature, URIRef("http://www.w3.org/ns/formats/N-Triples")))
    graph.add((dataset, VOID.feature, URIRef("http://www.w3.org/ns/formats/JSON-LD")))
    for vocabulary in (SCHEMA, ORG, PROV, SKOS, URIRef(base_iri + "ontology#")):
        graph.add((dataset, VOID.vocabulary, URIRef(str(vocabulary))))
    if example is not None:
        graph.add((dataset, VOID.exampleResource, example))

    for dump in dumps:
        _add_distribution(graph, dataset, base_iri, dump)

    graph.add((service, RDF.type, DCAT.DataService))
    graph.add((service, RDF.type, SCHEMA.WebAPI))
    graph.add((service, DCTERMS.title, Literal("SPARQL endpoint", lang="en")))
    graph.add((service, DCTERMS.title, Literal("Точка доступа SPARQL", lang="ru")))
    graph.add((service, SCHEMA.name, Literal("SPARQL endpoint", lang="en")))
    graph.add((service, DCAT.endpointURL, endpoint))
    graph.add((service, DCAT.endpointDescription, endpoint))
    graph.add((service, DCAT.servesDataset, dataset))
    protocol = URIRef("https://www.w3.org/TR/sparql11-protocol/")
    graph.add((service, DCTERMS.conformsTo, protocol))
    graph.add((protocol, RDF.type, DCTERMS.Standard))
    for agent in graph.objects(dataset, DCTERMS.publisher):
        graph.add((service, DCTERMS.publisher, agent))
    for contact in graph.objects(dataset, DCAT.contactPoint):
        graph.add((service, DCAT.contactPoint, contact))
    for keyword in graph.objects(dataset, DCAT.keyword):
        graph.add((service, DCAT.keyword, keyword))
    for theme in graph.objects(dataset, DCAT.theme):
        graph.add((service, DCAT.theme, theme))
    graph.add((service, DCTERMS.license, LICENCE))
    return graph


def _add_distribution(graph: Graph, dataset: URIRef, base_iri: str, dump: Dump) -> None:
    node = URIRef(f"{base_iri}id/distribution/{dump.key}")
    checksum = URIRef(f"{node}#sha256")
    url = URIRef(base_iri + dump.path)
    media_type = URIRef(IANA + dump.media_type)
    graph.add((dataset, DCAT.distribution, node))
    graph.add((dataset, VOID.dataDump, url))
    graph.add((dataset, SCHEMA.distribution, node))
    for kind in (DCAT.Distribution, SCHEMA.DataDownload):
        graph.add((node, RDF.type, kind))
    graph.add((node, DCTERMS.title, Literal(dump.title_en, lang="en")))
    graph.add((node, DCTERMS.title, Literal(dump.title_ru, lang="ru")))
    graph.add((node, DCTERMS.description, Literal(f"{dump.title_en} ({dump.media_type}).", lang="en")))
    graph.add((node, DCTERMS.description, Literal(f"{dump.title_ru} ({dump.media_type}).", lang="ru")))
    graph.add((node, SCHEMA.name, Literal(dump.title_en, lang="en")))
    graph.add((node, DCAT.accessURL, url))
    graph.add((node, DCAT.downloadURL, url))
    graph.add((node, SCHEMA.contentUrl, url))
    graph.add((node, DCAT.mediaType, media_type))
    graph.add((media_type, RDF.type, DCTERMS.MediaType))
    graph.add((node, SCHEMA.encodingFormat, Literal(dump.media_type)))
    file_type = URIRef(FILE_TYPE + dump.file_type)
    graph.add((node, DCTERMS.format, file_type))
    graph.add((file_type, RDF.type, DCTERMS.MediaTypeOrExtent))
    graph.add((file_type, SKOS.inScheme, URIRef(FILE_TYPE.rstrip("/"))))
    graph.add((node, DCATAP.availability, AVAILABILITY))
    graph.add((AVAILABILITY, RDF.type, SKOS.Concept))
    graph.add((AVAILABILITY, SKOS.inScheme, URIRef(AVAILABILITY.rsplit("/", 1)[0])))
    graph.add((AVAILABILITY, SKOS.prefLabel, Literal("stable", lang="en")))
    graph.add((node, DCAT.byteSize, Literal(dump.size, datatype=XSD.nonNegativeInteger)))
    graph.add((node, SCHEMA.contentSize, Literal(f"{dump.size} B")))
    graph.add((node, DCTERMS.license, LICENCE))
    if dump.compression:
        compression = URIRef(IANA + dump.compression)
        graph.add((node, DCAT.compressFormat, compression))
        graph.add((compression, RDF.type, DCTERMS.MediaType))
    graph.add((node, SPDX.checksum, checksum))
    graph.add((checksum, RDF.type, SPDX.Checksum))
    graph.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
    graph.add((SPDX.checksumAlgorithm_sha256, RDF.type, SPDX.ChecksumAlgorithm))
    graph.add((checksum, SPDX.checksumValue, Literal(dump.sha256, datatype=XSD.hexBinary)))
