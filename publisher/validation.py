"""The gate: check records and vocabulary against the SHACL shapes before anything is published.

Violations stop the flow; warnings are reported and let it pass. The report is grouped by
resource, because a data steward fixes one record at a time.

The shapes are standard SHACL. pyshacl checks the core constraints; the SPARQL-based ones
(cross-record integrity: links resolve, quotes occur in their source…; and rules that are
cheap as one query but costly as nested core shapes, such as "has a name in Russian") are
run here, each once over the whole graph on pyoxigraph, instead of once per focus node as
pyshacl does (which re-parses the query every time: seconds on the seed, hours on an
archive), or bound to given focus nodes (see ``publisher.incremental``). For that, a SPARQL
constraint must sit on a node shape with targets and bind ``$this`` in a triple pattern;
:func:`split_shapes` refuses any other placement. Their results say what SHACL says they
say: ``?path`` as the result path, ``?value`` as the value, or else the focus node (the value
node of a node shape), as pyshacl reports them too.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field

import pyoxigraph as ox
import pyshacl
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS
from rdflib.term import Node

from publisher.loading import Sources
from publisher.namespaces import SCHEMA, SH
from publisher.store import from_rdflib, memory_store, to_rdflib

SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
LABEL_PROPERTIES = (SCHEMA.name, SKOS.prefLabel, RDFS.label, DCTERMS.title)


class ShapesError(Exception):
    """The shapes themselves are unusable (a bug in shapes/, not in the data)."""


# ---------------------------------------------------------------- the report


@dataclass
class Finding:
    """One validation result, in words a data steward can act on."""

    severity: str
    path: str | None
    value: str | None
    message: str
    shape: str | None


@dataclass
class ResourceFindings:
    iri: str
    label: str | None
    file: str | None
    line: int | None
    findings: list[Finding] = field(default_factory=list)


@dataclass
class Report:
    conforms: bool
    resources: list[ResourceFindings]
    graph: Graph

    def count(self, severity: str) -> int:
        return sum(f.severity == severity for r in self.resources for f in r.findings)

    def as_dict(self) -> dict:
        return {
            "conforms": self.conforms,
            "violations": self.count("Violation"),
            "warnings": self.count("Warning"),
            "resources": [asdict(resource) for resource in self.resources],
        }

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=2)

    def to_text(self) -> str:
        lines = []
        for resource in self.resources:
            where = resource.file or "(described in no file)"
            if resource.line:
                where += f":{resource.line}"
            title = f"{resource.label}  <{resource.iri}>" if resource.label else f"<{resource.iri}>"
            lines += [title, f"  {where}"]
            for finding in resource.findings:
                lines.append(f"  {finding.severity:<9} {finding.path or '(resource)'}: {finding.message}")
            lines.append("")
        verdict = "conforms" if self.conforms else "does NOT conform: nothing will be published"
        lines.append(
            f"{verdict} — {self.count('Violation')} violation(s), "
            f"{self.count('Warning')} warning(s) in {len(self.resources)} resource(s)"
        )
        return "\n".join(lines)


# ---------------------------------------------------------------- validating


def validate(sources: Sources) -> Report:
    """Check records + vocabulary against the shapes (no inference: explicit types are a rule)."""
    return validate_graph(sources.data_graph(), sources.shapes, sources)


def validate_graph(data: Graph, shapes: Graph, sources: Sources | None = None) -> Report:
    """Check any graph against any shapes; ``sources`` only helps to say where things are."""
    core_shapes, checks = split_shapes(shapes)
    conforms, results, _ = pyshacl.validate(
        data, shacl_graph=core_shapes, inference="none", allow_warnings=True
    )
    if checks:
        violated = run_sparql_checks(checks, memory_store(data), results)
        conforms = bool(conforms) and not violated
        report_node = results.value(predicate=RDF.type, object=SH.ValidationReport, any=False)
        results.set((report_node, SH.conforms, Literal(conforms)))
    resources = group_findings(
        results,
        shapes,
        label=lambda node: display_label(data, node),
        locate=sources.locate if sources else lambda node: None,
        names=data.namespace_manager,
    )
    return Report(conforms=bool(conforms), resources=resources, graph=results)


@dataclass(frozen=True)
class SparqlCheck:
    """A SHACL-SPARQL constraint, ready to run once over a whole graph."""

    shape: Node
    constraint: Node
    query: str
    prefixes: dict[str, str]
    message: str | None
    severity: URIRef
    targets: tuple[tuple[URIRef, Node], ...]

    @property
    def key(self) -> str:
        """Names the check across processes (the constraint's blank node is stably named)."""
        said = [str(self.shape), str(self.constraint), self.query, self.message or "", str(self.severity)]
        said += sorted(f"{kind} {target}" for kind, target in self.targets)
        return hashlib.sha256("\n".join(said).encode()).hexdigest()[:24]


TARGETS = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode)


def split_shapes(shapes: Graph) -> tuple[Graph, list[SparqlCheck]]:
    """Separate the SPARQL constraints from the core ones, and ready those for pyshacl.

    The core shapes come back with their property shapes given their targets (see
    :func:`hoist_property_shapes`): the same results, in half the time.
    """
    core = Graph()
    core += shapes
    checks = []
    for holder, constraint in shapes.subject_objects(SH.sparql):
        targets = tuple((t, o) for t in TARGETS for o in shapes.objects(holder, t))
        if not targets or shapes.value(holder, SH.path) is not None:
            raise ShapesError(f"the SPARQL constraint on {holder} must sit on a node shape with targets")
        if shapes.value(holder, SH.deactivated) == Literal(True):
            continue
        query = str(shapes.value(constraint, SH.select))
        if not re.search(r"\$this\s+\S", query):
            raise ShapesError(f"the SPARQL constraint on {holder} must bind $this in a triple pattern")
        message = shapes.value(constraint, SH.message) or shapes.value(holder, SH.message)
        checks.append(
            SparqlCheck(
                shape=holder,
                constraint=constraint,
                query=re.sub(r"\$this\b", "?this", query),
                prefixes=_declared_prefixes(shapes, constraint),
                message=str(message) if message is not None else None,
                severity=shapes.value(holder, SH.severity) or SH.Violation,  # a shape's, per SHACL
                targets=targets,
            )
        )
        core.remove((holder, SH.sparql, constraint))
    checks.sort(key=lambda check: check.key)
    return hoist_property_shapes(core), checks


#: How a shape can be used by another shape (a list member: sh:and, sh:or, sh:xone).
_USED_THROUGH = (SH.node, SH["not"], SH.qualifiedValueShape, RDF.first)


def hoist_property_shapes(shapes: Graph) -> Graph:
    """The same shapes, a targeted node shape's property shapes given its targets instead.

    pyshacl validates a node shape's property shapes once per focus node, building the
    constraint checkers anew each time (most of a cold validation); a property shape with
    targets of its own is validated once for all its focus nodes. SHACL gives both the same
    results, which carry the property shape as their source either way, and the node shape
    keeps its targets for its other constraints. Left as they are: node shapes used by other
    shapes (there they apply to other nodes), closed ones (sh:closed reads sh:property),
    deactivated ones, and property shapes that are shared, have targets already, or compare
    themselves with their siblings (sh:qualifiedValueShapesDisjoint).
    """
    hoisted = Graph()
    hoisted += shapes
    holders = {s for target in TARGETS for s in shapes.subjects(target, None)}
    for holder in sorted(holders, key=str):
        if (
            (holder, SH.path, None) in shapes
            or any((None, through, holder) in shapes for through in _USED_THROUGH)
            or (holder, SH.closed, None) in shapes
            or (holder, SH.deactivated, None) in shapes
        ):
            continue
        targets = [(t, o) for t in TARGETS for o in shapes.objects(holder, t)]
        for prop in list(shapes.objects(holder, SH.property)):
            if (
                len(set(shapes.subjects(SH.property, prop))) != 1
                or any((None, through, prop) in shapes for through in _USED_THROUGH)
                or any((prop, target, None) in shapes for target in TARGETS)
                or (prop, SH.qualifiedValueShapesDisjoint, None) in shapes
            ):
                continue
            hoisted.remove((holder, SH.property, prop))
            for target, value in targets:
                hoisted.add((prop, target, value))
    return hoisted


#: Up to this many focus nodes, a check is bound to them (VALUES) instead of run over every
#: node and filtered: ~100 places instead of ~100,000 typed resources in a large archive.
BIND_TARGETS_UP_TO = 2000


@dataclass(frozen=True)
class SparqlResult:
    """One row of a SPARQL constraint, as a validation result says it (pyoxigraph terms)."""

    focus: ox.NamedNode | ox.BlankNode | ox.Literal
    path: ox.NamedNode | None
    value: ox.NamedNode | ox.BlankNode | ox.Literal
    message: str | None


def run_sparql_checks(checks: list[SparqlCheck], store: ox.Store, results: Graph) -> bool:
    """Run each check once over the whole graph and add its results to ``results``.

    Returns whether any result is a violation.
    """
    violated = False
    found_targets: dict[tuple, Targets] = {}
    for check in checks:
        if check.targets not in found_targets:
            found_targets[check.targets] = Targets(store, check.targets)
        found = sparql_results(check, store, found_targets[check.targets])
        violated = add_sparql_results(results, check, found) or violated
    return violated


def sparql_results(
    check: SparqlCheck, store: ox.Store, targets: Targets, focus: Iterable | None = None
) -> list[SparqlResult]:
    """The results of one check: on every focus node, or (``focus``) on those given only.

    Rows whose ?this is not a focus node of the shape are dropped: the query runs once, where
    SHACL runs it once per focus node with ?this bound, and keeps the rows per focus node.
    Given focus nodes (which must all be targets) are bound with VALUES; raises ValueError if
    the query cannot be bound without changing its meaning (see ``_bound_to``).
    """
    if focus is not None:
        nodes = sorted(set(focus), key=str)
        queries = []
        for start in range(0, len(nodes), BIND_TARGETS_UP_TO):
            bound = _bound_to(check.query, nodes[start : start + BIND_TARGETS_UP_TO])
            if bound is None:
                raise ValueError(f"the SPARQL constraint on {check.shape} cannot be bound to focus nodes")
            queries.append(bound)
    elif not targets.count:
        return []
    else:
        bound = _bound_to(check.query, targets.nodes) if targets.count <= BIND_TARGETS_UP_TO else None
        queries = [bound or check.query]
    found, seen = [], set()
    for query in queries:
        for row in store.query(query, prefixes=check.prefixes):
            this = row["this"]
            if this is None or this not in targets:
                continue
            path, value = _optional(row, "path"), _optional(row, "value")
            if value is None:
                value = this  # SHACL: the value node, which for a node shape is the focus node
            if (this, path, value) in seen:
                continue
            seen.add((this, path, value))
            message = _fill(check.message, row) if check.message else None
            found.append(SparqlResult(this, path if isinstance(path, ox.NamedNode) else None, value, message))
    return found


def add_sparql_results(results: Graph, check: SparqlCheck, found: Iterable[SparqlResult]) -> bool:
    """Add results of a check to a SHACL validation report; returns whether one is a violation."""
    report = results.value(predicate=RDF.type, object=SH.ValidationReport, any=False)
    violated = False
    for result in found:
        violated = violated or check.severity == SH.Violation
        node = BNode()
        results.add((report, SH.result, node))
        results.add((node, RDF.type, SH.ValidationResult))
        results.add((node, SH.focusNode, to_rdflib(result.focus)))
        results.add((node, SH.resultSeverity, check.severity))
        results.add((node, SH.sourceShape, check.shape))
        results.add((node, SH.sourceConstraint, check.constraint))
        results.add((node, SH.sourceConstraintComponent, SH.SPARQLConstraintComponent))
        if result.path is not None:
            results.add((node, SH.resultPath, to_rdflib(result.path)))
        results.add((node, SH.value, to_rdflib(result.value)))
        if result.message is not None:
            results.add((node, SH.resultMessage, Literal(result.message)))
    return violated


class Targets:
    """The focus nodes of a shape in a store: counted, listed, or asked about one by one.

    Listing 100,000 focus nodes into Python costs a second at a million triples; most checks
    return no row at all, so large target sets are only counted, and a returned row is
    checked against the targets' definitions directly. Nothing is counted or listed until
    asked for: a re-validation only asks about a few nodes.
    """

    def __init__(self, store: ox.Store, targets: tuple[tuple[URIRef, Node], ...]):
        self.store = store
        self.explicit = {from_rdflib(o) for kind, o in targets if kind == SH.targetNode}
        self.classes = set()
        for kind, target in targets:
            if kind == SH.targetClass:
                rows = store.query(f"SELECT DISTINCT ?c {{ ?c <{RDFS.subClassOf}>* <{target}> }}")
                self.classes.update(row[0] for row in rows)
        self.subjects_of = [ox.NamedNode(str(o)) for kind, o in targets if kind == SH.targetSubjectsOf]
        self.objects_of = [ox.NamedNode(str(o)) for kind, o in targets if kind == SH.targetObjectsOf]
        self._nodes: set | None = None
        self._count: int | None = None

    @property
    def count(self) -> int:
        """How many focus nodes there are (an upper bound: an explicit one may be counted twice)."""
        if self._count is None:
            patterns = [f"{{ ?this a {c} }}" for c in self.classes]
            patterns += [f"{{ ?this {p} ?o }}" for p in self.subjects_of]
            patterns += [f"{{ ?s {p} ?this }}" for p in self.objects_of]
            found = 0
            if patterns:
                query = f"SELECT (COUNT(DISTINCT ?this) AS ?n) {{ {' UNION '.join(patterns)} }}"
                (row,) = self.store.query(query)
                found = int(row[0].value)
            self._count = found + len(self.explicit)
        return self._count

    @property
    def nodes(self) -> set:
        if self._nodes is None:
            default, nodes = ox.DefaultGraph(), set(self.explicit)
            for c in self.classes:
                nodes.update(q.subject for q in self.store.quads_for_pattern(None, RDF_TYPE, c, default))
            for p in self.subjects_of:
                nodes.update(q.subject for q in self.store.quads_for_pattern(None, p, None, default))
            for p in self.objects_of:
                nodes.update(q.object for q in self.store.quads_for_pattern(None, p, None, default))
            self._nodes = nodes
        return self._nodes

    def __contains__(self, node) -> bool:
        if self._nodes is not None:
            return node in self._nodes
        if node in self.explicit:
            return True
        default = ox.DefaultGraph()
        if isinstance(node, ox.Literal):
            return any(
                True for p in self.objects_of for _ in self.store.quads_for_pattern(None, p, node, default)
            )
        return (
            any(q.object in self.classes for q in self.store.quads_for_pattern(node, RDF_TYPE, None, default))
            or any(
                True for p in self.subjects_of for _ in self.store.quads_for_pattern(node, p, None, default)
            )
            or any(
                True for p in self.objects_of for _ in self.store.quads_for_pattern(None, p, node, default)
            )
        )


RDF_TYPE = ox.NamedNode(str(RDF.type))
_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
_AGGREGATE = re.compile(r"\bGROUP\s+BY\b|\b(?:COUNT|SUM|MIN|MAX|AVG|SAMPLE|GROUP_CONCAT)\s*\(", re.I)
_GROUPED_BY_THIS = re.compile(r"\bGROUP\s+BY\s+(?:[?$]\w+\s+)*\?this\b", re.I)


def _bound_to(query: str, targets: Iterable) -> str | None:
    """The query with ?this bound to the focus nodes, or None where that could change its meaning.

    Binding ?this up front is what SHACL itself prescribes (pre-binding $this). It is not done
    for blank nodes (not writable in a query), subqueries (whose own ?this is another
    variable), or aggregates other than per focus node (GROUP BY ?this, where the join with
    VALUES keeps exactly the groups of the given nodes).
    """
    if any(isinstance(t, ox.BlankNode) for t in targets):
        return None
    where = _WHERE.search(query)
    subquery = len(re.findall(r"\bSELECT\b", query, re.I)) > 1
    if where is None or subquery or (_AGGREGATE.search(query) and not _GROUPED_BY_THIS.search(query)):
        return None
    values = " ".join(sorted(str(t) for t in targets))
    return f"{query[: where.end()]} VALUES ?this {{ {values} }} {query[where.end() :]}"


def _declared_prefixes(shapes: Graph, constraint: Node) -> dict[str, str]:
    prefixes = {}
    for holder in shapes.objects(constraint, SH.prefixes):
        for declaration in shapes.objects(holder, SH.declare):
            prefix = shapes.value(declaration, SH.prefix)
            namespace = shapes.value(declaration, SH.namespace)
            if prefix is not None and namespace is not None:
                prefixes[str(prefix)] = str(namespace)
    return prefixes


def _optional(row, name):
    try:
        return row[name]
    except KeyError:
        return None


def _fill(message: str, row) -> str:
    """Substitute {?var} and {$var} in a SHACL message with the row's values."""

    def value(match: re.Match) -> str:
        term = _optional(row, "this" if match.group(1) == "this" else match.group(1))
        return "" if term is None else term.value

    return re.sub(r"\{[?$](\w+)\}", value, message)


# ---------------------------------------------------------------- grouping


def group_findings(
    results: Graph,
    shapes: Graph,
    label: Callable[[Node], str | None],
    locate: Callable[[Node], tuple[str, int | None] | None],
    names,
) -> list[ResourceFindings]:
    """One entry per resource at fault, each finding in the words of the shape that failed.

    A nested shape (sh:node) fails twice: generically on the resource that links ("does not
    conform to shape X") and specifically on the linked node (sh:detail). The steward must
    fix the resource that links, so the finding keeps its focus, path and value, and takes
    the specific message and shape from the details.
    """
    by_focus: dict[Node, ResourceFindings] = {}
    nested = set(results.objects(None, SH.detail))
    for result in results.subjects(SH.resultSeverity, None):
        if result in nested:
            continue
        focus = results.value(result, SH.focusNode)
        if focus not in by_focus:
            located = locate(focus)
            by_focus[focus] = ResourceFindings(
                iri=str(focus),
                label=label(focus),
                file=located[0] if located else None,
                line=located[1] if located else None,
            )
        explained = _leaves(results, result)
        path = results.value(result, SH.resultPath) or results.value(explained[0], SH.resultPath)
        messages = sorted({str(m) for leaf in explained for m in results.objects(leaf, SH.resultMessage)})
        by_focus[focus].findings.append(
            Finding(
                severity=SEVERITIES.get(results.value(result, SH.resultSeverity), "Violation"),
                path=_short(path, names),
                value=_short(results.value(result, SH.value), names),
                message="; ".join(messages) or "does not satisfy the shape",
                shape=_owning_shape(results.value(explained[0], SH.sourceShape), shapes),
            )
        )
    ordered = sorted(by_focus.values(), key=lambda r: (r.file or "~", r.line or 0, r.iri))
    for resource in ordered:
        resource.findings.sort(key=lambda f: (f.severity != "Violation", f.path or "", f.message))
    return ordered


def _leaves(results: Graph, result: Node) -> list[Node]:
    """The innermost results explaining a result (itself, if it has no sh:detail)."""
    details = list(results.objects(result, SH.detail))
    if not details:
        return [result]
    return [leaf for detail in details for leaf in _leaves(results, detail)]


def _owning_shape(shape: Node | None, shapes: Graph) -> str | None:
    """The named shape behind a result: property shapes are blank nodes inside a named one."""
    if isinstance(shape, URIRef):
        return str(shape)
    if shape is None:
        return None
    for owner in shapes.subjects(SH.property, shape):
        if isinstance(owner, URIRef):
            return str(owner)
    return None


def display_label(graph: Graph, node: Node, languages: tuple[str, ...] = ("en", "ru")) -> str | None:
    """The best human label of a node: a name in a preferred language, else any name.

    Of several equally good names, the first in code point order (as ``store_label`` does), so
    that the report says the same in every process.
    """
    for prop in LABEL_PROPERTIES:
        values = sorted(graph.objects(node, prop), key=str)
        for language in languages:
            for value in values:
                if getattr(value, "language", None) == language:
                    return str(value)
        if values:
            return str(values[0])
    return None


def _short(node: Node | None, names) -> str | None:
    if node is None:
        return None
    if isinstance(node, URIRef):
        try:
            return names.normalizeUri(node)
        except Exception:
            return f"<{node}>"
    return str(node)
