"""How far beyond a focus node the core SHACL shapes read the data graph.

Incremental validation re-checks a resource with only its neighbourhood loaded: its own
triples, and the triples of the nodes it links to, up to the depth computed here. A
``sh:class`` on a value reads the value's types (one hop); a ``sh:node`` on a value reads
whatever that shape reads, one hop further. Anything whose reach cannot be bounded this
simply (inverse or sequence paths, recursive shapes, targets found through incoming links,
SHACL-AF rules) makes :func:`core_reach` answer ``None``: validate everything, every time.
"""

from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node

from publisher.namespaces import SH

#: Parameters that test the value node itself or the focus node's own triples: no hop.
_LOCAL = {
    SH[name]
    for name in [
        "datatype",
        "nodeKind",
        "pattern",
        "flags",
        "minLength",
        "maxLength",
        "languageIn",
        "in",
        "hasValue",
        "minInclusive",
        "maxInclusive",
        "minExclusive",
        "maxExclusive",
        "uniqueLang",
        "minCount",
        "maxCount",
        "qualifiedMinCount",
        "qualifiedMaxCount",
        "qualifiedValueShapesDisjoint",
        "closed",
        "ignoredProperties",
        "equals",
        "disjoint",
        "lessThan",
        "lessThanOrEquals",
        "message",
        "severity",
        "name",
        "description",
        "deactivated",
        "order",
        "group",
        "defaultValue",
        "path",
        "targetClass",
        "targetNode",
        "targetSubjectsOf",
        "prefixes",
        "declare",
    ]
}
_ANNOTATIONS = {RDF.type, RDFS.comment, RDFS.label, RDFS.seeAlso, RDFS.isDefinedBy}
_LISTS = (SH["and"], SH["or"], SH.xone)


class Unbounded(Exception):
    """The shapes read further than a fixed number of hops."""


def core_reach(shapes: Graph) -> int | None:
    """Hops beyond the focus node whose triples the shapes read (0: its own), or None if unbounded."""
    if any(shapes.subject_objects(SH.targetObjectsOf)) or any(shapes.subjects(SH.rule, None)):
        return None
    if any(shapes.subjects(SH.target, None)):
        return None
    shapes_with_targets = {
        s
        for s, p, _ in shapes
        if p in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf)
        or (p == RDF.type and (s, RDF.type, RDFS.Class) in shapes and (s, RDF.type, SH.NodeShape) in shapes)
    }
    try:
        deepest = max((_need(shapes, shape, ()) for shape in shapes_with_targets), default=0)
    except Unbounded:
        return None
    return max(deepest, 0)


def _need(shapes: Graph, shape: Node, stack: tuple[Node, ...]) -> int:
    """Deepest hop read when ``shape`` is applied to a node at depth 0 (-1: no triple at all)."""
    if shape in stack:
        raise Unbounded(f"recursive shape {shape}")
    stack = (*stack, shape)
    path = shapes.value(shape, SH.path)
    if path is not None and not isinstance(path, URIRef):
        raise Unbounded(f"complex path on {shape}")
    deepest = -1 if path is None else 0
    for parameter, value in shapes.predicate_objects(shape):
        if parameter in _LOCAL or parameter in _ANNOTATIONS:
            if parameter in (SH.closed, SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals):
                deepest = max(deepest, 0)
            continue
        if parameter == SH["class"]:
            inner = 0  # the types of the node the class is checked on
        elif parameter in (SH.node, SH["not"], SH.qualifiedValueShape, SH.property):
            inner = _need(shapes, value, stack)
        elif parameter in _LISTS:
            inner = max((_need(shapes, member, stack) for member in Collection(shapes, value)), default=-1)
        else:
            raise Unbounded(f"{parameter} is not understood by the reach analysis")
        if parameter == SH.property and path is None:
            deepest = max(deepest, inner)  # a property shape of a node shape: same node
        elif path is None:
            deepest = max(deepest, inner)  # sh:class / sh:node / logic on the node itself
        else:
            deepest = max(deepest, inner + 1)  # on the values of the path: one hop further
    return deepest
