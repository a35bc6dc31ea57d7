"""Validation that does not redo unchanged work: the gate for archives of millions of triples.

Two kinds of constraint, two strategies:

- **Core shapes** (pyshacl, ~140 µs per triple): a resource's results depend only on its
  neighbourhood, that is its own triples and those of the nodes it links to, up to the depth
  :func:`publisher.reach.core_reach` computes from the shapes (1 for ours: the types of
  linked nodes). Results are cached per resource. After an edit, the resources to re-check
  are those whose triples changed (compared per file and subject by digest) and those that
  link to them within that depth; pyshacl runs on their neighbourhood only.
- **SPARQL constraints** (cross-record integrity: links resolve, quotes occur in their
  source, events point at each other both ways, places nest up to a country) are re-run
  every time over the whole graph on pyoxigraph: their reach is unbounded, and a full run
  costs seconds, not minutes.

The cache lives in the project (``.publisher-cache/``, or ``$PUBLISHER_CACHE_DIR``; ``off``
disables it): it describes the inputs, not a release, so ``publisher validate`` uses it too,
and a refused build leaves the build directory untouched. It is keyed by the shapes, the
vocabulary (subclasses decide targets and ``sh:class``), the base IRI and the engine
versions; any change there re-validates everything. Deleting it is always safe.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pyshacl
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.namespace import RDF
from rdflib.term import Node

from publisher import __version__
from publisher.config import Project
from publisher.loading import Inputs, RecordFile, find_subject_line, scan
from publisher.namespaces import SH, bind_prefixes
from publisher.reach import core_reach
from publisher.store import RdflibTerms
from publisher.validation import LABEL_PROPERTIES, Report, group_findings, run_sparql_checks, split_shapes

CACHE_ENV = "PUBLISHER_CACHE_DIR"
WORKERS_ENV = "PUBLISHER_WORKERS"
CACHE_DIR = ".publisher-cache"
STATE_FILE = "validation.json"
FORMAT = 3  # bump when what the cache holds, or how it is computed, changes
CHUNK = 4000  # resources per pyshacl run: bounds memory, and lets two processes share the work
PARALLEL_FROM = 8000  # fewer resources than this are checked in this process

Progress = Callable[[str], None]
EncodedTerm = list  # ["i", iri] | ["b", label] | ["l", lexical, language, datatype]


@dataclass
class ValidationStats:
    """What a validation did, for progress lines, benchmarks and tests."""

    cache: str  # "off", "cold" (nothing reusable) or "warm"
    files: int
    files_changed: int  # added, changed or removed since the cached state
    resources: int  # subjects in the data graph
    rechecked: int  # resources pyshacl re-validated (focus candidates)
    reused: int  # resources whose core results came from the cache
    core_seconds: float = 0.0
    sparql_seconds: float = 0.0


# ---------------------------------------------------------------- entry points


def validate_project(
    project: Project, progress: Progress | None = None, scanned: Callable[[int, int], None] | None = None
) -> tuple[Inputs, Report, ValidationStats]:
    """Scan the project and validate it, reusing what the cache knows."""
    cache = ValidationCache.for_project(project.root)
    inputs = scan_with_cache(project, cache, scanned)
    report, stats = check(inputs, cache, progress)
    return inputs, report, stats


def scan_with_cache(
    project: Project, cache: ValidationCache, scanned: Callable[[int, int], None] | None = None
) -> Inputs:
    """Scan the project, keeping in memory the bytes of the files the cache has not seen."""
    known = cache.known_files(project.base_iri)
    return scan(project, keep=lambda shown_as, sha: known.get(shown_as) != sha, progress=scanned)


def check(
    inputs: Inputs, cache: ValidationCache, progress: Progress | None = None
) -> tuple[Report, ValidationStats]:
    """Validate the scanned inputs against the record shapes; update the cache."""
    say = progress or (lambda message: None)
    core_shapes, sparql_checks = split_shapes(inputs.shapes)
    depth = core_reach(core_shapes)
    key = _cache_key(inputs, depth)
    state = cache.load(key) if depth is not None else None

    started = time.perf_counter()
    plan = _plan(inputs, cache, core_shapes, depth, state)
    if plan.focus:
        say(f"validate: core shapes on {len(plan.focus):,} of {len(plan.every):,} resources")
    plan.results.update(_run_core(inputs, core_shapes, depth or 0, plan.focus, say))
    core_seconds = time.perf_counter() - started
    if depth is not None and (state is None or plan.changed or plan.focus):
        files = {f.shown_as: f.sha256 for f in inputs.files}
        cache.save(
            key,
            inputs.project.base_iri,
            {name: {"sha256": sha, "subjects": plan.subjects[name]} for name, sha in files.items()},
            plan.results,
        )

    started = time.perf_counter()
    report = _report(inputs, plan, sparql_checks)
    stats = ValidationStats(
        cache="off" if not cache.enabled else ("cold" if state is None else "warm"),
        files=len(inputs.files),
        files_changed=len(plan.changed),
        resources=len(plan.every),
        rechecked=len(plan.focus),
        reused=len(plan.every - set(plan.focus)),
        core_seconds=core_seconds,
        sparql_seconds=time.perf_counter() - started,
    )
    return report, stats


@dataclass
class _Plan:
    """What the core shapes must re-check, and the cached results of everything else."""

    subjects: dict[str, dict[str, str]]  # file -> subject -> digest, as of now
    every: set[str]
    changed: set[str]  # files
    focus: list[str]  # resources to re-check, file by file
    results: dict[str, list]  # resource -> encoded core results (the re-checked ones removed)


def _plan(
    inputs: Inputs, cache: ValidationCache, shapes: Graph, depth: int | None, state: dict | None
) -> _Plan:
    base = inputs.project.base_iri
    subjects = _subjects_by_file(inputs.files, cache.known_subjects(base), base)
    changed = _changed_files({f.shown_as: f for f in inputs.files}, state)
    every = {s for per_file in subjects.values() for s in per_file}
    pinned = {_key(node) for node in shapes.objects(None, SH.targetNode)}  # focus nodes whatever changes
    if state is None:
        affected, results = every | pinned, {}
    else:
        touched = _touched(subjects, state["files"], changed)
        affected, results = _affected(inputs.store, touched | pinned, depth), state["results"]
        for node in affected:
            results.pop(node, None)
    ordered = _ordered(subjects, inputs.files)
    focus = [s for s in ordered if s in affected] + sorted(affected - every)
    return _Plan(subjects, every, changed, focus, results)


def _report(inputs: Inputs, plan: _Plan, sparql_checks: list) -> Report:
    """The cached and fresh core results, plus the cross-record checks run now on the whole graph."""
    graph = _report_graph(plan.results)
    violated = run_sparql_checks(sparql_checks, inputs.store, graph)
    nested = set(graph.objects(None, SH.detail))
    conforms = not violated and not any(
        r not in nested for r in graph.subjects(SH.resultSeverity, SH.Violation)
    )
    report_node = graph.value(predicate=RDF.type, object=SH.ValidationReport, any=False)
    graph.set((report_node, SH.conforms, Literal(conforms)))
    resources = group_findings(
        graph,
        inputs.shapes,
        label=lambda node: store_label(inputs.store, node),
        locate=_Locator(inputs, plan.subjects),
        names=bind_prefixes(Graph(), inputs.project.base_iri).namespace_manager,
    )
    return Report(conforms=conforms, resources=resources, graph=graph)


# ---------------------------------------------------------------- what changed


def _subjects_by_file(
    files: list[RecordFile], known: dict[str, dict], base_iri: str
) -> dict[str, dict[str, str]]:
    """Per file, each subject it describes and a digest of what it says about it.

    Files with the content hash the cache knows are not parsed again (their digests do not
    depend on the shapes, so they stay valid when the shapes change).
    """
    by_file = {}
    for record in files:
        cached = known.get(record.shown_as)
        if cached and cached["sha256"] == record.sha256:
            by_file[record.shown_as] = cached["subjects"]
            continue
        content = record.content if record.content is not None else record.path.read_bytes()
        by_file[record.shown_as] = subject_digests(content, base_iri)
    return by_file


def subject_digests(content: bytes, base_iri: str) -> dict[str, str]:
    """Subject (in N-Triples form) -> digest of its triples in one file's content."""
    lines: dict[str, list[str]] = defaultdict(list)
    for triple in ox.parse(content, format=ox.RdfFormat.TURTLE, base_iri=base_iri):
        lines[str(triple.subject)].append(str(triple))
    return {
        subject: hashlib.blake2b("\n".join(sorted(said)).encode(), digest_size=8).hexdigest()
        for subject, said in lines.items()
    }


def _changed_files(files: dict[str, RecordFile], state: dict | None) -> set[str]:
    known = state["files"] if state else {}
    changed = {name for name, f in files.items() if known.get(name, {}).get("sha256") != f.sha256}
    return changed | (set(known) - set(files))


def _touched(subjects: dict[str, dict[str, str]], known: dict[str, dict], changed: set[str]) -> set[str]:
    """Subjects whose triples differ, in any file, from what the cache validated."""
    touched = set()
    for name in changed:
        before = known.get(name, {}).get("subjects", {})
        after = subjects.get(name, {})
        touched.update(s for s in before.keys() | after.keys() if before.get(s) != after.get(s))
    return touched


def _affected(store: ox.Store, touched: set[str], depth: int) -> set[str]:
    """The touched subjects and everything that links to them within ``depth`` hops.

    A resource's core results depend on the triples of nodes up to ``depth`` hops away; if
    any of those changed, some subject on the way changed, and walking incoming links back
    from it finds the resource.
    """
    affected, frontier = set(touched), set(touched)
    for _ in range(depth):
        linking = set()
        for key in frontier:
            term = _ox_term(key)
            if term is None:
                continue
            for quad in store.quads_for_pattern(None, None, term, ox.DefaultGraph()):
                linking.add(str(quad.subject))
        frontier = linking - affected
        affected |= linking
    return affected


def _ordered(subjects: dict[str, dict[str, str]], files: list[RecordFile]) -> list[str]:
    """Every subject once, file by file: chunks then hold neighbouring records."""
    seen: dict[str, None] = {}
    for record in files:
        for subject in subjects[record.shown_as]:
            seen.setdefault(subject, None)
    return list(seen)


def _ox_term(key: str) -> ox.NamedNode | ox.BlankNode | None:
    if key.startswith("<"):
        return ox.NamedNode(key[1:-1])
    if key.startswith("_:"):
        return ox.BlankNode(key[2:])
    return None


# ---------------------------------------------------------------- running pyshacl on neighbourhoods

_WORK: dict = {}  # what forked workers inherit: the store, the vocabulary, the shapes


def _run_core(inputs: Inputs, shapes: Graph, depth: int, focus: list[str], say: Progress) -> dict[str, list]:
    if not focus:
        return {}
    chunks = [focus[i : i + CHUNK] for i in range(0, len(focus), CHUNK)]
    _WORK.update(store=inputs.store, vocabulary=inputs.vocabulary, shapes=shapes, depth=depth)
    workers = _workers(len(focus))
    results: dict[str, list] = {}
    done = 0
    try:
        if workers > 1 and len(chunks) > 1:
            context = multiprocessing.get_context("fork")
            with context.Pool(workers) as pool:
                for part in pool.imap_unordered(_check_chunk, chunks):
                    results.update(part)
                    done += 1
                    say(f"validate: core shapes, {done}/{len(chunks)} parts done")
        else:
            for chunk in chunks:
                results.update(_check_chunk(chunk))
                done += 1
                if len(chunks) > 1:
                    say(f"validate: core shapes, {done}/{len(chunks)} parts done")
    finally:
        _WORK.clear()
    return results


def _workers(resources: int) -> int:
    configured = os.environ.get(WORKERS_ENV)
    if configured:
        return max(1, int(configured))
    if resources < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(os.cpu_count() or 1, 4))


def _check_chunk(focus: list[str]) -> dict[str, list]:
    """pyshacl on the neighbourhood of some resources; their results, encoded for the cache."""
    store, depth = _WORK["store"], _WORK["depth"]
    terms = RdflibTerms()
    graph = Graph()
    graph += _WORK["vocabulary"]
    terms.graph(neighbourhood(store, (_ox_term(k) for k in focus), depth), into=graph)
    _, results, _ = pyshacl.validate(
        graph, shacl_graph=_WORK["shapes"], inference="none", allow_warnings=True
    )
    wanted = set(focus)
    nested = set(results.objects(None, SH.detail))
    found: dict[str, list] = {key: [] for key in focus}
    for result in results.subjects(RDF.type, SH.ValidationResult):
        if result in nested:
            continue
        key = _key(results.value(result, SH.focusNode))
        if key in wanted:
            found[key].append(_encode_result(results, result))
    return {key: sorted(found[key], key=json.dumps) for key in focus if found[key]}


def neighbourhood(store: ox.Store, focus: Iterable, depth: int) -> list[ox.Quad]:
    """The triples of the focus nodes and of every node within ``depth`` links of them."""
    quads, seen = [], set()
    frontier = {term for term in focus if term is not None}
    for level in range(depth + 1):
        following = set()
        for subject in frontier:
            if subject in seen:
                continue
            seen.add(subject)
            for quad in store.quads_for_pattern(subject, None, None, ox.DefaultGraph()):
                quads.append(quad)
                if level < depth and isinstance(quad.object, ox.NamedNode | ox.BlankNode):
                    following.add(quad.object)
        frontier = following
    return quads


# ---------------------------------------------------------------- results, encoded for the cache


def _key(node: Node) -> str:
    return f"<{node}>" if isinstance(node, URIRef) else f"_:{node}"


#: Links from a result into the shapes graph, whose blank nodes have stable names (see
#: ``loading.stable_blank_nodes``): kept as they are, not taken for part of the result.
_INTO_SHAPES = (SH.sourceShape, SH.resultPath, SH.sourceConstraint)


def _encode_result(results: Graph, result: Node) -> list:
    """A result and the blank nodes under it (sh:detail…), as triples of plain JSON values."""
    labels: dict[Node, str] = {}
    triples, pending, done = [], [result], set()
    while pending:
        node = pending.pop()
        if node in done:
            continue
        done.add(node)
        for predicate, value in sorted(results.predicate_objects(node)):
            if predicate in _INTO_SHAPES and isinstance(value, BNode):
                encoded = ["s", str(value)]
            else:
                if isinstance(value, BNode):
                    pending.append(value)
                encoded = _encode(value, labels)
            triples.append([_encode(node, labels), str(predicate), encoded])
    return triples


def _encode(node: Node, labels: dict[Node, str]) -> EncodedTerm:
    if isinstance(node, BNode):
        return ["b", labels.setdefault(node, f"r{len(labels)}")]
    if isinstance(node, URIRef):
        return ["i", str(node)]
    return ["l", str(node), node.language or "", str(node.datatype or "")]


def _decode(value: EncodedTerm, bnodes: dict[str, BNode]) -> Node:
    if value[0] == "b":
        return bnodes.setdefault(value[1], BNode())
    if value[0] == "s":
        return BNode(value[1])
    if value[0] == "i":
        return URIRef(value[1])
    return Literal(value[1], lang=value[2] or None, datatype=URIRef(value[3]) if value[3] else None)


def _report_graph(results: dict[str, list]) -> Graph:
    """A SHACL validation report holding every cached core result."""
    graph = Graph()
    report = BNode()
    graph.add((report, RDF.type, SH.ValidationReport))
    for key in sorted(results):
        for triples in results[key]:
            bnodes: dict[str, BNode] = {}
            for s, p, o in triples:
                graph.add((_decode(s, bnodes), URIRef(p), _decode(o, bnodes)))
            graph.add((report, SH.result, bnodes["r0"]))
    return graph


# ---------------------------------------------------------------- saying where and what


def store_label(store: ox.Store, node: Node, languages: tuple[str, ...] = ("en", "ru")) -> str | None:
    """The best human label of a node, read from the store (as ``display_label`` does from a graph)."""
    if not isinstance(node, URIRef):
        return None
    subject = ox.NamedNode(str(node))
    for prop in LABEL_PROPERTIES:
        values = sorted(
            (
                q.object
                for q in store.quads_for_pattern(subject, ox.NamedNode(str(prop)), None, ox.DefaultGraph())
            ),
            key=str,
        )
        for language in languages:
            for value in values:
                if isinstance(value, ox.Literal) and value.language == language:
                    return value.value
        if values:
            return values[0].value
    return None


class _Locator:
    """The file (and line) describing a resource, looked up only for resources with findings."""

    def __init__(self, inputs: Inputs, subjects: dict[str, dict[str, str]]):
        self.inputs, self.subjects = inputs, subjects

    def __call__(self, node: Node) -> tuple[str, int | None] | None:
        key = _key(node)
        for record in self.inputs.files:
            if key in self.subjects.get(record.shown_as, {}):
                return record.shown_as, find_subject_line(record.path, node, self.inputs.project.base_iri)
        return None


# ---------------------------------------------------------------- the cache on disk


def _cache_key(inputs: Inputs, depth: int | None) -> str:
    """Everything besides the records that the core results depend on."""
    digest = hashlib.sha256()
    for part in (
        f"format {FORMAT}",
        f"publisher {__version__}",
        f"pyshacl {pyshacl.__version__}",
        f"depth {depth}",
        inputs.project.base_iri,
        f"shapes {inputs.shapes_sha256 or _canonical(inputs.shapes)}",
        *(f"{f.shown_as} {f.sha256}" for f in inputs.vocabulary_files),
    ):
        digest.update(part.encode() + b"\n")
    return digest.hexdigest()


def _canonical(shapes: Graph) -> str:
    """A digest of a shapes graph given without its files (slow: blank nodes are canonicalized)."""
    lines = sorted(to_canonical_graph(shapes).serialize(format="nt").splitlines())
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


class ValidationCache:
    """The state of the last validation: files, subject digests, core results per resource."""

    def __init__(self, directory: Path | None):
        self.directory = directory

    @classmethod
    def for_project(cls, root: Path) -> ValidationCache:
        configured = os.environ.get(CACHE_ENV)
        if configured is not None and configured.strip().lower() in ("", "off", "none", "0"):
            return cls(None)
        return cls(Path(configured) if configured else root / CACHE_DIR)

    @property
    def enabled(self) -> bool:
        return self.directory is not None

    def known_subjects(self, base_iri: str) -> dict[str, dict]:
        """File -> {sha256, subjects} of the last validation under this base IRI, whatever its key."""
        state = self._read()
        if not state or state.get("base") != base_iri:
            return {}
        return state.get("files", {})

    def known_files(self, base_iri: str) -> dict[str, str]:
        """File -> content hash the cache knows (files whose bytes need not be kept in memory)."""
        return {name: entry["sha256"] for name, entry in self.known_subjects(base_iri).items()}

    def load(self, key: str) -> dict | None:
        """The last state if it was computed under the same shapes, vocabulary and engine."""
        state = self._read()
        if not state or state.get("key") != key:
            return None
        return state

    def save(self, key: str, base_iri: str, files: dict, results: dict) -> None:
        """Write the new state atomically; a cache that cannot be written is only a slower next run."""
        if self.directory is None:
            return
        state = {"format": FORMAT, "key": key, "base": base_iri, "files": files, "results": results}
        self._state = state
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            (self.directory / ".gitignore").write_text("*\n", "utf-8")
            handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".state-", suffix=".json")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(state, out, ensure_ascii=False)
            os.replace(temporary, self.directory / STATE_FILE)
        except OSError:
            pass

    def _read(self) -> dict | None:
        if self.directory is None:
            return None
        if not hasattr(self, "_state"):
            try:
                self._state = json.loads((self.directory / STATE_FILE).read_text("utf-8"))
            except (OSError, ValueError):
                self._state = None
            if not isinstance(self._state, dict) or self._state.get("format") != FORMAT:
                self._state = None
        return self._state
