"""One resource of every kind the server publishes, for the web tests (not a test module)."""

from __future__ import annotations

from rdflib import Graph

#: kind -> (negotiated path, suffix stem: what .ttl etc. attach to)
RESOURCES: dict[str, tuple[str, str]] = {
    "trip": ("/id/trip/akim-working-trip-to-china", "/id/trip/akim-working-trip-to-china"),
    "meeting": ("/id/meeting/chengli-and-hua-an-suizhou", "/id/meeting/chengli-and-hua-an-suizhou"),
    "agreement": (
        "/id/agreement/trilateral-protocol-of-intent",
        "/id/agreement/trilateral-protocol-of-intent",
    ),
    "person": ("/id/person/nurdaulet-kilybay", "/id/person/nurdaulet-kilybay"),
    "organization": (
        "/id/organization/akimat-of-mangystau-region",
        "/id/organization/akimat-of-mangystau-region",
    ),
    "post": ("/id/post/akim-of-mangystau-region", "/id/post/akim-of-mangystau-region"),
    "membership": ("/id/membership/wu-jingkei-china-huadian", "/id/membership/wu-jingkei-china-huadian"),
    "place": ("/id/place/suizhou", "/id/place/suizhou"),
    "topic": ("/id/topic/aquaculture", "/id/topic/aquaculture"),
    "source": (
        "/id/source/press-release-akim-working-trip-to-china",
        "/id/source/press-release-akim-working-trip-to-china",
    ),
    "agreement-kind": ("/id/agreement-kind/protocol-of-intent", "/id/agreement-kind/protocol-of-intent"),
    "role": ("/id/role/chairman", "/id/role/chairman"),
    "scheme": ("/id/scheme/topics", "/id/scheme/topics"),
    "distribution": ("/id/distribution/turtle", "/id/distribution/turtle"),
    "vocabulary": ("/ontology", "/ontology"),
    "dataset": ("/", "/index"),
    "catalog": ("/catalog", "/catalog"),
    "shapes": ("/shapes", "/shapes"),
}

#: media type -> (suffix, rdflib parser name; None for HTML)
FORMATS: dict[str, tuple[str, str | None]] = {
    "text/html": (".html", None),
    "text/turtle": (".ttl", "turtle"),
    "application/ld+json": (".jsonld", "json-ld"),
    "application/n-triples": (".nt", "nt"),
    "application/rdf+xml": (".rdf", "xml"),
}
RDF_TYPES = [media for media, (_, parser) in FORMATS.items() if parser]

CHROME_ACCEPT = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,"
    "*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
)
FIREFOX_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
SAFARI_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def parse(body: bytes, media_type: str, base: str = "http://localhost/") -> Graph:
    """A response body as a graph, read by rdflib's own parser for its media type."""
    return Graph().parse(data=body, format=FORMATS[media_type][1], publicID=base)


def link_targets(header: str) -> dict[tuple[str, str | None], str]:
    """A Link header as {(rel, type or hreflang): target}."""
    found = {}
    for part in header.split(","):
        part = part.strip()
        if not part:
            continue
        target, _, params = part.partition(";")
        attributes = dict(
            (key.strip(), value.strip().strip('"'))
            for key, _, value in (p.partition("=") for p in params.split(";"))
            if key.strip()
        )
        key = attributes.get("hreflang") or attributes.get("type")
        found[(attributes.get("rel", ""), key)] = target.strip().strip("<>")
    return found


def same_graph(first: Graph, second: Graph) -> bool:
    """Whether two graphs are the same up to blank node names (RDFC-1.0 canonical forms compared;
    rdflib's isomorphism test is very slow on the shapes' many blank nodes)."""
    import pyoxigraph as ox

    from publisher.store import from_rdflib

    def canonical(graph: Graph) -> set[str]:
        dataset = ox.Dataset(
            ox.Quad(from_rdflib(s), from_rdflib(p), from_rdflib(_plain(o)), ox.DefaultGraph())
            for s, p, o in graph
        )
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        return {str(quad) for quad in dataset}

    return len(first) == len(second) and canonical(first) == canonical(second)


def _plain(term):
    """rdflib keeps "x" and "x"^^xsd:string apart; RDF 1.1 says they are one literal."""
    from rdflib import Literal
    from rdflib.namespace import XSD

    if isinstance(term, Literal) and term.datatype == XSD.string:
        return Literal(str(term))
    return term
