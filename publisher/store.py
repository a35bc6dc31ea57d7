"""The query store: pyoxigraph, which the release carries and every server worker opens.

rdflib reads, checks and writes; pyoxigraph answers queries (about 200 times faster on the
query mix measured in DESIGN.md). This module is the one place that converts between the two.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal


def memory_store(graph: Graph) -> ox.Store:
    """An in-memory store holding a copy of an rdflib graph, blank nodes keeping their names."""
    store = ox.Store()
    triples = ox.parse(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)  # load() would rename them
    return store


def write_store(path: Path, ntriples: Path) -> int:
    """Create an on-disk store at ``path`` from an N-Triples file; returns its triple count.

    The bulk loader writes sorted, compacted files directly: an ``optimize()`` afterwards
    cost 1.7 s at a million triples and left the store larger (185 MB instead of 110 MB).
    """
    store = ox.Store(str(path))
    store.bulk_load(path=str(ntriples), format=ox.RdfFormat.N_TRIPLES)
    store.flush()
    count = len(store)
    del store
    return count


def add_to_store(path: Path, ntriples: bytes) -> int:
    """Add a few triples (the dataset's description) to a store written by ``write_store``."""
    store = ox.Store(str(path))
    store.load(ntriples, format=ox.RdfFormat.N_TRIPLES)
    store.flush()
    count = len(store)
    del store
    return count


def open_read_only(path: Path) -> ox.Store:
    """Open a release's store for serving: read-only, shareable by any number of workers."""
    return ox.Store.read_only(str(path))


class RdflibTerms:
    """Converts many pyoxigraph terms to rdflib, creating each distinct term once.

    A graph of a million triples repeats the same few hundred thousand terms; caching them
    halves the conversion time and shares the objects in memory.
    """

    def __init__(self) -> None:
        self._cache: dict[OxTerm, Node] = {}

    def __call__(self, term: OxTerm) -> Node:
        node = self._cache.get(term)
        if node is None:
            node = self._cache[term] = to_rdflib(term)
        return node

    def graph(self, triples, into: Graph | None = None) -> Graph:
        """An rdflib graph of pyoxigraph triples (or quads: their graph name is ignored)."""
        graph = Graph() if into is None else into
        add = graph.add
        for triple in triples:
            add((self(triple.subject), self(triple.predicate), self(triple.object)))
        return graph


XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def to_rdflib(term: OxTerm) -> Node:
    """A pyoxigraph term as the equivalent rdflib term."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype.value == XSD_STRING:
        return Literal(term.value)  # RDF 1.1: the same literal; rdflib would tell them apart
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def from_rdflib(node: Node) -> OxTerm:
    """An rdflib term as the equivalent pyoxigraph term."""
    if isinstance(node, URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, BNode):
        return ox.BlankNode(str(node))
    if isinstance(node, Literal):
        if node.language:
            return ox.Literal(str(node), language=node.language)
        if node.datatype:
            return ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype)))
        return ox.Literal(str(node))
    raise TypeError(f"not an RDF term: {node!r}")
