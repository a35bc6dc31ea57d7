"""The release's own RDF files, read once per process: the dataset description, the
vocabulary and the shapes (the store holds the first two mixed with the records; the
shapes are only in their dump). A release never changes, so the parsed graphs are kept.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from publisher.namespaces import bind_prefixes
from publisher.release import DESCRIPTION_TTL, ONTOLOGY_TTL, SHAPES_TTL
from publisher.store import from_rdflib
from publisher.web.describe import to_graph
from publisher.web.site import Site

CATALOG = DESCRIPTION_TTL
ONTOLOGY = ONTOLOGY_TTL
SHAPES = SHAPES_TTL

_graphs: dict[tuple[str, str], Graph] = {}
_lock = threading.Lock()


def release_graph(site: Site, relative: str) -> Graph:
    """One of the release's Turtle files as a graph (parsed once per process, then shared
    read-only by every thread)."""
    key = (str(site.path), relative)
    graph = _graphs.get(key)
    if graph is None:
        with _lock:
            graph = _graphs.get(key)
            if graph is None:
                graph = _canonical(Graph().parse(Path(site.path, relative), format="turtle"), site.base_iri)
                _graphs[key] = graph
    return graph


def release_bytes(site: Site, relative: str) -> bytes:
    """The file itself, for the Turtle representation: byte for byte the dump."""
    return Path(site.path, relative).read_bytes()


def _canonical(parsed: Graph, base_iri: str) -> Graph:
    """The same graph with its blank nodes named canonically (RDFC-1.0), so that every process
    serializes it to the same bytes: parsing names blank nodes at random."""
    dataset = ox.Dataset(
        ox.Quad(from_rdflib(s), from_rdflib(p), from_rdflib(o), ox.DefaultGraph()) for s, p, o in parsed
    )
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return bind_prefixes(to_graph([[quad.triple for quad in dataset]]), base_iri)


_serialized: dict[tuple[str, str, str], bytes] = {}


def release_document(site: Site, relative: str, fmt, context: dict) -> bytes:
    """A release file in an RDF format, serialized once per process (Turtle: the file itself).

    Serializing may bind prefixes on the shared graph, so it is done under the lock, once."""
    from publisher.web.negotiation import TURTLE
    from publisher.web.serialize import serialize

    if fmt is TURTLE:
        return release_bytes(site, relative)
    key = (str(site.path), relative, fmt.key)
    body = _serialized.get(key)
    if body is None:
        graph = release_graph(site, relative)
        with _lock:
            body = _serialized.get(key)
            if body is None:
                body = serialize(graph, fmt, context, site.base_iri)
                _serialized[key] = body
    return body
