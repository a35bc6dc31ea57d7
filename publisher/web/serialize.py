"""RDF documents as bytes: deterministic, with the described resource first.

A strong ETag promises the same bytes from every worker for the same representation, but
rdflib's in-memory graph iterates in hash order, which changes from process to process.
So: Turtle is rdflib's (it sorts), told to start with the described resource; JSON-LD is
rdflib's, compacted with our context (embedded, never remote) and put in one fixed order;
N-Triples and RDF/XML, which rdflib writes in hash order, are written by pyoxigraph from
the graph's triples sorted (the resource's own first).
"""

from __future__ import annotations

import io
import json

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.plugins.serializers.turtle import TurtleSerializer

from publisher.namespaces import SPDX, bind_prefixes, prefixes
from publisher.store import from_rdflib
from publisher.web.negotiation import JSONLD, NTRIPLES, RDFXML, TURTLE, Format


def serialize(graph: Graph, fmt: Format, context: dict, base_iri: str, first: str | None = None) -> bytes:
    """The graph in an RDF format (``first``: the resource the document is about).

    Binds our prefixes on the graph (for Turtle): give it a graph no other thread reads."""
    if fmt is JSONLD:
        text = graph.serialize(format="json-ld", context=context["@context"], auto_compact=True)
        return stable_json(json.loads(text))
    if fmt is TURTLE:
        bind_prefixes(graph, base_iri).bind("spdx", SPDX)
        stream = io.BytesIO()
        _SubjectFirstTurtle(graph, URIRef(first) if first else None).serialize(stream, encoding="utf-8")
        return stream.getvalue()
    if fmt is NTRIPLES:
        return ox.serialize(_ordered(graph, first), format=ox.RdfFormat.N_TRIPLES)
    if fmt is RDFXML:
        used = _used(graph, prefixes(base_iri))
        return ox.serialize(_ordered(graph, first), format=ox.RdfFormat.RDF_XML, prefixes=used)
    raise ValueError(f"{fmt.label} is not an RDF format")


def stable_json(document) -> bytes:
    """JSON-LD with every array in one fixed order and keys sorted.

    Order carries no meaning in JSON-LD arrays except under ``@list``, which is kept as is."""
    return json.dumps(_sorted(document), ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")


def _sorted(value, in_list: bool = False):
    if isinstance(value, dict):
        return {key: _sorted(item, in_list=key == "@list") for key, item in value.items()}
    if isinstance(value, list):
        items = [_sorted(item) for item in value]
        if in_list:
            return items
        return sorted(items, key=lambda item: json.dumps(item, ensure_ascii=False, sort_keys=True))
    return value


def _ordered(graph: Graph, first: str | None) -> list[ox.Triple]:
    triples = [ox.Triple(from_rdflib(s), from_rdflib(p), from_rdflib(o)) for s, p, o in graph]
    return sorted(triples, key=lambda t: (t.subject.value != first, str(t)))


def _used(graph: Graph, known: dict[str, str]) -> dict[str, str]:
    """Those of our prefixes that the graph's predicates use (for readable RDF/XML)."""
    terms = {str(p) for p in graph.predicates()}
    return {prefix: ns for prefix, ns in known.items() if any(term.startswith(ns) for term in terms)}


class _SubjectFirstTurtle(TurtleSerializer):
    """rdflib's Turtle, with one subject (the resource a document is about) written first."""

    def __init__(self, graph: Graph, first: URIRef | None):
        super().__init__(graph)
        self._first = first

    def orderSubjects(self):
        subjects = super().orderSubjects()
        if self._first is not None and self._first in subjects:
            subjects.remove(self._first)
            subjects.insert(0, self._first)
        return subjects
