"""How far beyond a focus node the core SHACL shapes read the data graph.

Incremental validation re-checks a resource with only its neighbourhood loaded: its own
triples, and the triples of the nodes it links to, up to the depth computed here. A
``sh:class`` on a value reads the value's types (one hop); a ``sh:node`` on a value reads
whatever that shape reads, one hop further. Anything whose reach cannot be bounded this
simply (inverse or sequence paths, recursive shapes, targets found through incoming links,
SHACL-AF rules) makes :func:`core_reach` answer ``None``: validate everything, every time.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from rdflib import BNode, Graph, URIRef, Variable
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS
from rdflib.paths import AlternativePath, InvPath, MulPath, NegatedPath, SequencePath
from rdflib.plugins.sparql.algebra import translatePath, translateQuery
from rdflib.plugins.sparql.algebra import triples as algebra_triples
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue
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


# ---------------------------------------------------------------- SPARQL constraints


@dataclass(frozen=True)
class SparqlReach:
    """What a SPARQL constraint's rows for a focus node can depend on.

    The rows for ``?this = x`` read only triples whose subject is reachable from ``x`` by at
    most ``depth`` outgoing links (``None``: any number), each link through one of
    ``predicates`` (``None``: any predicate). Checked once, such a constraint needs re-running
    after an edit only for the nodes from which an edited subject can be reached that way.
    """

    depth: int | None
    predicates: frozenset[URIRef] | None


#: Aggregates are local only when the rows are grouped by the focus node (see sparql_reach).
_AGGREGATED = re.compile(r"\bGROUP\s+BY\b|\b(?:COUNT|SUM|MIN|MAX|AVG|SAMPLE|GROUP_CONCAT)\s*\(", re.I)
THIS = Variable("this")


def sparql_reach(query: str, prefixes: dict[str, str]) -> SparqlReach | None:
    """How far from ``$this`` a SELECT query of a SPARQL constraint reads, or None if unbounded.

    A syntactic, conservative analysis of every triple pattern in the query (in OPTIONAL,
    UNION, MINUS and (NOT) EXISTS too). ``$this`` is at distance 0; a pattern whose subject is
    at distance d puts its object at d + the length of its predicate path (``*`` and ``+``:
    any length), and reads triples of subjects at distance d up to d + length - 1. The query is
    *local* if every pattern's subject is reached that way from ``$this``. A variable reached
    inside a nested group (OPTIONAL, MINUS, a branch of UNION, (NOT) EXISTS) counts as reached
    in that group and the groups inside it only: outside it, it may be unbound, and a pattern
    there would read any node's triples (``FILTER NOT EXISTS { $this ex:p ?x } ?x ex:q ?y``). It is not (None)
    if a pattern reads from a subject not so reached (a constant, a variable bound only by
    VALUES or BIND, or ``$this`` as an object: links *into* the focus node), if a path goes
    backwards (``^p``), or if it names graphs, calls services, holds subqueries, or aggregates
    rows other than per focus node. Distances only grow along cycles of patterns: past as
    many hops as there are patterns, the depth is taken as unbounded.
    """
    try:
        parsed = translateQuery(parseQuery(query), initNs=dict(prefixes))
    except Exception:
        return None
    root = parsed.algebra
    if getattr(root, "datasetClause", None):
        return None
    found = _Patterns()
    try:
        found.walk(root.p, top=True)
    except Unbounded:
        return None
    if found.aggregated and THIS not in found.grouped_by:
        return None
    if not found.aggregated and _AGGREGATED.search(query) and not found.grouped_by:
        return None
    patterns = found.patterns
    distance: dict[tuple[Node, tuple[int, ...]], float] = {(THIS, ()): 0}
    limit = len(patterns) + 1
    changed = True
    while changed:
        changed = False
        for subject, (length, _), obj, scope in patterns:
            at = _visible(distance, subject, scope)
            if at is None or obj == THIS or not isinstance(obj, Variable | BNode):
                continue
            reached = at + length
            reached = math.inf if reached > limit else reached
            if reached > distance.get((obj, scope), -1):
                distance[(obj, scope)] = reached
                changed = True
    subjects = {subject for subject, _, _, _ in patterns}
    depth, predicates = 0.0, set()
    for subject, (length, followed), obj, scope in patterns:
        at = _visible(distance, subject, scope)
        if at is None:
            return None  # reads the triples of a node not reached from the focus node
        depth = max(depth, at + max(length, 1) - 1)
        if length > 1 or obj in subjects:  # a link on the way to triples that are read
            predicates = None if predicates is None or followed is None else predicates | followed
    return SparqlReach(
        depth=None if math.isinf(depth) else int(depth),
        predicates=None if predicates is None else frozenset(predicates),
    )


def _visible(distance: dict, node: Node, scope: tuple[int, ...]) -> float | None:
    """The largest distance at which ``node`` is reached in ``scope`` or a group around it."""
    found = [distance[(node, scope[:n])] for n in range(len(scope) + 1) if (node, scope[:n]) in distance]
    return max(found) if found else None


#: Where a pattern opens a group whose variables may be unbound outside it: the algebra's
#: (LeftJoin's p2 and expr, Minus's p2, Union's p1 and p2) and, inside (NOT) EXISTS, which
#: the algebra leaves untranslated, the parser's.
_NESTED = {
    "LeftJoin": ("p2", "expr"),
    "Minus": ("p2",),
    "Union": ("p1", "p2"),
    "Builtin_EXISTS": ("graph",),
    "Builtin_NOTEXISTS": ("graph",),
    "OptionalGraphPattern": ("graph",),
    "MinusGraphPattern": ("graph",),
}


class _Patterns:
    """Every triple pattern of a translated query: (subject, (path length, predicates), object,
    scope), the scope naming the nested groups the pattern is in (see ``_NESTED``)."""

    def __init__(self) -> None:
        self.patterns: list[tuple[Node, tuple[float, frozenset | None], Node, tuple[int, ...]]] = []
        self.aggregated = False
        self.grouped_by: set = set()
        self._groups = 0

    def _nested(self, scope: tuple[int, ...]) -> tuple[int, ...]:
        self._groups += 1
        return (*scope, self._groups)

    def walk(self, node, top: bool = False, scope: tuple[int, ...] = ()) -> None:
        if isinstance(node, CompValue):
            name = node.name
            if name in ("Graph", "ServiceGraphPattern", "GraphGraphPattern", "SubSelect"):
                raise Unbounded(f"{name} in a SPARQL constraint")
            if name in ("Project", "SelectQuery") and not top:
                raise Unbounded("a subquery in a SPARQL constraint")
            if name == "AggregateJoin":
                self.aggregated = True
            if name == "Group":
                self.grouped_by.update(e for e in (node.get("expr") or []) if isinstance(e, Variable))
            if name == "BGP":
                for triple in node.get("triples") or []:
                    self._add(triple, scope)
            elif name == "TriplesBlock":  # the untranslated form, left inside (NOT) EXISTS
                for triple in algebra_triples(node.get("triples") or []):
                    self._add(triple, scope)
            nested = _NESTED.get(name, ())
            if name == "GroupOrUnionGraphPattern" and len(node.get("graph") or []) > 1:
                nested = ("graph",)  # a UNION, untranslated: each branch a group of its own
            inner = self._nested(scope)  # an OPTIONAL's filter sees the OPTIONAL's variables
            for key, value in node.items():
                if key == "triples" or key.startswith("_"):
                    continue
                top_here = top and name in ("Project", "SelectQuery")
                if key not in nested:
                    self.walk(value, top=top_here, scope=scope)
                elif name == "GroupOrUnionGraphPattern":
                    for branch in value:
                        self.walk(branch, scope=self._nested(scope))
                else:
                    self.walk(value, scope=self._nested(scope) if name == "Union" else inner)
        elif isinstance(node, list | tuple):
            for item in node:
                self.walk(item, top=False, scope=scope)

    def _add(self, triple, scope: tuple[int, ...]) -> None:
        subject, predicate, obj = triple
        if isinstance(predicate, CompValue):
            predicate = translatePath(predicate)
        self.patterns.append((subject, _path(predicate), obj, scope))


def _path(predicate) -> tuple[float, frozenset | None]:
    """(hops, predicates followed) of a predicate or property path; raises Unbounded for ``^p``."""
    if isinstance(predicate, URIRef):
        return 1, frozenset({predicate})
    if isinstance(predicate, Variable | BNode):
        return 1, None
    if isinstance(predicate, InvPath):
        raise Unbounded("an inverse path reads links into a node")
    if isinstance(predicate, NegatedPath):
        if any(isinstance(arg, InvPath) for arg in predicate.args):
            raise Unbounded("an inverse path reads links into a node")
        return 1, None
    if isinstance(predicate, SequencePath | AlternativePath):
        parts = [_path(arg) for arg in predicate.args]
        length = sum(p[0] for p in parts) if isinstance(predicate, SequencePath) else max(p[0] for p in parts)
        return length, _union(p[1] for p in parts)
    if isinstance(predicate, MulPath):
        length, followed = _path(predicate.path)
        return (length if predicate.mod == "?" else math.inf), followed
    raise Unbounded(f"a predicate the reach analysis does not understand: {predicate!r}")


def _union(sets) -> frozenset | None:
    result: set = set()
    for s in sets:
        if s is None:
            return None
        result |= s
    return frozenset(result)
