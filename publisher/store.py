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
    """An in-memory store holding a copy of an rdflib graph."""
    store = ox.Store()
    store.load(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return store


def write_store(path: Path, ntriples: Path) -> int:
    """Create an on-disk store at ``path`` from an N-Triples file; returns its triple count."""
    store = ox.Store(str(path))
    store.bulk_load(path=str(ntriples), format=ox.RdfFormat.N_TRIPLES)
    store.optimize()
    store.flush()
    count = len(store)
    del store
    return count


def open_read_only(path: Path) -> ox.Store:
    """Open a release's store for serving: read-only, shareable by any number of workers."""
    return ox.Store.read_only(str(path))


def to_rdflib(term: OxTerm) -> Node:
    """A pyoxigraph term as the equivalent rdflib term."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
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
