"""Validation that does not redo unchanged work: the gate for archives of millions of triples.

Two kinds of constraint, two strategies, one principle: a result is reused only while
nothing it can depend on has changed.

- **Core shapes** (pyshacl): a resource's results depend only on its neighbourhood, that is
  its own triples and those of the nodes it links to, up to the depth
  :func:`publisher.reach.core_reach` computes from the shapes (1 for ours: the types of
  linked nodes). Results are cached per resource. After an edit, the resources to re-check
  are those whose triples changed (compared per file and subject by digest) and those that
  link to them within that depth; pyshacl runs on their neighbourhood only.
- **SPARQL constraints** (cross-record integrity: links resolve, quotes occur in their
  source, events point at each other both ways, places nest up to a country; and the cheap
  whole-graph forms of "has a name in Russian"…) run once over the whole graph on pyoxigraph
  when nothing is cached. Their results are cached per constraint and focus node too: a
  constraint whose rows for a focus node read only triples reachable from it by outgoing
  links (:func:`publisher.reach.sparql_reach`: up to some depth, through some predicates)
  is re-run after an edit for the focus nodes from which an edited subject is so reachable
  (found by walking links backwards from the edited subjects), bound with VALUES; the other
  focus nodes keep their cached results. Why that is enough: if a focus node's rows changed,
  some triple it reads changed, and that triple's subject was reached from the focus node by
  a chain of links in the old or the new graph. Take the first link of that chain that
  changed, or the triple itself if none did: its subject was edited, and the links before it
  are unchanged, so they are in the new graph, where the backward walk from that subject
  follows them back to the focus node. Whether a node is a focus node at all depends on its
  own triples (class and subjects-of targets), the vocabulary (which is in the cache key)
  and any ``rdfs:subClassOf`` a record file declares, so an edited node is re-run, and so
  are the instances of an edited class and of its subclasses (:func:`_instances`). A
  constraint that is not local, one with ``sh:targetObjectsOf`` (targets found through
  links into a node), one touching blank nodes, and one whose affected focus nodes are many
  (``SPARQL_FOCUS_UP_TO``) runs on the whole graph again.

The cache lives in the project (``.publisher-cache/``, or ``$PUBLISHER_CACHE_DIR``; ``off``
disables it): it describes the inputs, not a release, so ``publisher validate`` uses it too,
and a refused build leaves the build directory untouched. It is keyed by the shapes, the
vocabulary (subclasses decide targets and ``sh:class``), the base IRI and the engine
versions; any change there re-validates everything. Beside the results it keeps the data
graph itself on disk (:mod:`publisher.graph_cache`), so that re-validating a few edited
files reads only those files: unchanged files are recognised by their stamp (size, times,
inode) without being read. Deleting the cache is always safe.
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
import rdflib
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node

from publisher import __version__
from publisher.config import Project
from publisher.graph_cache import GraphCache, fingerprint, has_blank_nodes, replace_subjects
from publisher.loading import (
    Inputs,
    RecordFile,
    file_stamp,
    find_subject_line,
    parse_record,
    scan,
    shown_path,
    small_graphs,
    turtle_files,
)
from publisher.namespaces import SH, bind_prefixes
from publisher.reach import SparqlReach, core_reach, sparql_reach
from publisher.store import RdflibTerms
from publisher.validation import (
    LABEL_PROPERTIES,
    Report,
    SparqlCheck,
    SparqlResult,
    Targets,
    add_sparql_results,
    group_findings,
    sparql_results,
    split_shapes,
)

CACHE_ENV = "PUBLISHER_CACHE_DIR"
WORKERS_ENV = "PUBLISHER_WORKERS"
CACHE_DIR = ".publisher-cache"
STATE_FILE = "validation.json"
FORMAT = 4  # bump when what the cache holds, or how it is computed, changes
CHUNK = 4000  # resources per pyshacl run: bounds memory, and lets two processes share the work
PARALLEL_FROM = 8000  # fewer resources than this are checked in this process
#: A SPARQL constraint with more affected focus nodes than this runs on the whole graph.
SPARQL_FOCUS_UP_TO = 10_000
#: With more changed files than this (and than 2% of all), reading everything into memory
#: is faster than updating the cached graph on disk and validating from it.
ON_DISK_CHANGES_UP_TO = 100
DEFAULT = ox.DefaultGraph()

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
    sparql_rechecked: int = 0  # focus nodes the SPARQL constraints re-ran on (bound with VALUES)
    sparql_whole: int = 0  # SPARQL constraints run on the whole graph
    graph: str = "memory"  # where the data graph was read: "memory" (parsed) or "disk" (cached)
    graph_cache: str = "off"  # the cached graph afterwards: "off", "kept" or "stale" (to be made)


# ---------------------------------------------------------------- entry points


def validate_project(
    project: Project, progress: Progress | None = None, scanned: Callable[[int, int], None] | None = None
) -> tuple[Inputs, Report, ValidationStats]:
    """Validate the project, reusing what the cache knows.

    After small edits the data graph comes from the cache (only edited files are read);
    otherwise every file is parsed into memory, and the graph is then kept in the cache for
    the next run.
    """
    say = progress or (lambda message: None)
    cache = ValidationCache.for_project(project.root)
    inputs = open_cached(project, cache) or scan_with_cache(project, cache, scanned)
    report, stats = check(inputs, cache, progress)
    if stats.graph_cache == "stale":
        say("validate: keeping the data graph in the cache for the next run")
        if keep_graph(cache, inputs, inputs.store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=DEFAULT)):
            stats.graph_cache = "kept"
    return inputs, report, stats


def scan_with_cache(
    project: Project, cache: ValidationCache, scanned: Callable[[int, int], None] | None = None
) -> Inputs:
    """Scan the project, keeping in memory the bytes of the files the cache has not seen."""
    known = cache.known_files(project.base_iri)
    return scan(project, keep=lambda shown_as, sha: known.get(shown_as) != sha, progress=scanned)


def open_cached(project: Project, cache: ValidationCache) -> Inputs | None:
    """The inputs with the data graph from the cache, updated with the edited files; or None.

    None (read everything) unless the cached results are usable (same shapes, vocabulary…),
    the cached graph is the one they were computed on, and few files changed. Raises
    InputError, as ``scan`` would, if an edited file does not parse.
    """
    state = cache.state(project.base_iri)
    if state is None:
        return None
    known = state["files"]
    if any(not s.startswith("<") for entry in known.values() for s in entry.get("subjects", {})):
        return None  # blank nodes: see _plan
    vocabulary_paths, record_paths = turtle_files(project.ontology_dir), turtle_files(project.data_dir)
    files, changed = [], {}
    for path in vocabulary_paths + record_paths:
        shown_as = shown_path(project, path)
        entry = known.get(shown_as)
        stamp = file_stamp(path)
        if entry is not None and stamp is not None and entry.get("stamp") == stamp:
            files.append(RecordFile(path, shown_as, entry["sha256"], None, stamp))
            continue
        try:
            raw = path.read_bytes()
        except OSError:
            return None  # let the full scan say what is wrong
        sha = hashlib.sha256(raw).hexdigest()
        files.append(RecordFile(path, shown_as, sha, None, stamp))
        if entry is None or entry["sha256"] != sha:
            files[-1].content = raw
            changed[shown_as] = files[-1]
    removed = set(known) - {f.shown_as for f in files}
    if len(changed) + len(removed) > max(ON_DISK_CHANGES_UP_TO, len(files) // 50):
        return None
    inputs = Inputs(
        project=project,
        store=None,
        vocabulary_files=files[: len(vocabulary_paths)],
        record_files=files[len(vocabulary_paths) :],
        on_disk=True,
        **small_graphs(project, vocabulary_paths),
    )
    core, _ = split_shapes(inputs.shapes)
    depth = core_reach(core)
    if depth is None or state.get("key") != _cache_key(inputs, depth):
        return None  # everything is validated again: faster on a graph in memory
    graph = GraphCache(cache.directory)
    store = graph.open(_known_fingerprint(known, project.base_iri))
    if store is None:
        return None
    parsed = {name: parse_record(record.content, record.path, project) for name, record in changed.items()}
    if (changed or removed) and not _update_graph(graph, store, inputs, known, parsed, removed):
        del store
        graph.discard()
        return None
    inputs.store = store
    return inputs


def keep_graph(cache: ValidationCache, inputs: Inputs, ntriples: bytes | os.PathLike) -> bool:
    """Make the cached graph anew from the N-Triples of the inputs' data graph (bytes or a file).

    Call only after ``check`` saved the state of these inputs; returns whether it was kept.
    """
    if not cache.enabled:
        return False
    graph = GraphCache(cache.directory)
    try:
        if isinstance(ntriples, bytes):
            graph.create(ntriples)
        else:
            graph.clone(ntriples)
        graph.commit(None, _fingerprint(inputs))
    except OSError:  # in use elsewhere, or no room: the next run reads the files
        return False
    return True


def check(
    inputs: Inputs, cache: ValidationCache, progress: Progress | None = None
) -> tuple[Report, ValidationStats]:
    """Validate the inputs against the record shapes; update the cache."""
    say = progress or (lambda message: None)
    core_shapes, sparql_checks = split_shapes(inputs.shapes)
    depth = core_reach(core_shapes)
    key = _cache_key(inputs, depth)
    state = cache.load(key) if depth is not None else None
    known = cache.known_subjects(inputs.project.base_iri)

    started = time.perf_counter()
    plan = _plan(inputs, cache, core_shapes, depth, state)
    if plan.blank:
        state = None  # nothing is reused (see _plan), and the cached graph is not kept either
    if plan.focus:
        say(f"validate: core shapes on {len(plan.focus):,} of {len(plan.every):,} resources")
    plan.results.update(_run_core(inputs, core_shapes, depth or 0, plan.focus, say))
    core_seconds = time.perf_counter() - started

    started = time.perf_counter()
    sparql = _run_sparql(inputs, sparql_checks, state, plan.touched)
    report = _report(inputs, plan, sparql_checks, sparql.results)
    stats = ValidationStats(
        cache="off" if not cache.enabled else ("cold" if state is None else "warm"),
        files=len(inputs.files),
        files_changed=len(plan.changed),
        resources=len(plan.every),
        rechecked=len(plan.focus),
        reused=len(plan.every - set(plan.focus)),
        core_seconds=core_seconds,
        sparql_seconds=time.perf_counter() - started,
        sparql_rechecked=sparql.rechecked,
        sparql_whole=sparql.whole,
        graph="disk" if inputs.on_disk else "memory",
    )
    if depth is None or not cache.enabled:
        return report, stats

    files = {
        f.shown_as: {"sha256": f.sha256, "subjects": plan.subjects[f.shown_as], "stamp": f.stamp}
        for f in inputs.files
    }
    graph, store = GraphCache(cache.directory), inputs.store if inputs.on_disk else None
    if not inputs.on_disk and not plan.blank:  # update the cached graph, if it was the last one validated
        store = graph.open(_known_fingerprint(known, _base(inputs)))
        if store is not None:
            edited = {f.shown_as: f for f in inputs.files if f.sha256 != _known_sha(known, f.shown_as)}
            parsed = {name: parse_record(_content(f), f.path, inputs.project) for name, f in edited.items()}
            removed = set(known) - set(files)
            if (edited or removed) and not _update_graph(graph, store, inputs, known, parsed, removed):
                store = None
    unchanged = state is not None and not plan.changed and not plan.focus and not sparql.changed
    if not unchanged or any(files[name]["stamp"] != known.get(name, {}).get("stamp") for name in files):
        cache.save(key, _base(inputs), files, plan.results, sparql.results, sparql.reaches)
    if store is not None:
        graph.commit(store, _fingerprint(inputs))
        stats.graph_cache = "kept"
    elif not plan.blank:
        stats.graph_cache = "stale"
    return report, stats


def _base(inputs: Inputs) -> str:
    return inputs.project.base_iri


def _fingerprint(inputs: Inputs) -> str:
    return fingerprint({f.shown_as: f.sha256 for f in inputs.files}, _base(inputs))


def _known_fingerprint(known: dict[str, dict], base_iri: str) -> str:
    return fingerprint({name: entry["sha256"] for name, entry in known.items()}, base_iri)


def _known_sha(known: dict[str, dict], name: str) -> str | None:
    return known.get(name, {}).get("sha256")


def _content(record: RecordFile) -> bytes:
    return record.content if record.content is not None else record.path.read_bytes()


def _update_graph(
    graph: GraphCache,
    store: ox.Store,
    inputs: Inputs,
    known: dict[str, dict],
    parsed: dict[str, list[ox.Triple]],
    removed: set[str],
) -> bool:
    """Replace in the cached graph what edited (and removed) files say; False where it cannot.

    See :mod:`publisher.graph_cache`: the subjects the files described before or describe now
    lose their triples and get back those of every file describing them now.
    """
    subjects = {str(t.subject) for triples in parsed.values() for t in triples}
    for name in set(parsed) | removed:
        subjects.update(known.get(name, {}).get("subjects", {}))
    if any(not s.startswith("<") for s in subjects) or any(has_blank_nodes(t) for t in parsed.values()):
        return False
    added = [t for triples in parsed.values() for t in triples]
    by_name = {f.shown_as: f for f in inputs.files}
    for name, entry in known.items():
        if name in parsed or name in removed or subjects.isdisjoint(entry.get("subjects", {})):
            continue
        record = by_name[name]
        triples = parse_record(_content(record), record.path, inputs.project)
        triples = [t for t in triples if str(t.subject) in subjects]
        if has_blank_nodes(triples):
            return False
        added += triples
    graph.begin()
    replace_subjects(store, subjects, added)
    return True


@dataclass
class _Plan:
    """What the core shapes must re-check, and the cached results of everything else."""

    subjects: dict[str, dict[str, str]]  # file -> subject -> digest, as of now
    every: set[str]
    changed: set[str]  # files
    touched: set[str] | None  # subjects whose triples changed (None: nothing is reusable)
    focus: list[str]  # resources to re-check, file by file
    results: dict[str, list]  # resource -> encoded core results (the re-checked ones removed)
    blank: bool = False  # blank nodes are subjects: nothing can be reused


def _plan(
    inputs: Inputs, cache: ValidationCache, shapes: Graph, depth: int | None, state: dict | None
) -> _Plan:
    base = inputs.project.base_iri
    subjects = _subjects_by_file(inputs.files, cache.known_subjects(base), base)
    every = {s for per_file in subjects.values() for s in per_file}
    blank = {s for s in every if not s.startswith("<")}
    if blank:
        # Every parse names blank nodes anew, so the digests' names are not the store's:
        # nothing is reused, and the blank nodes checked are the store's own.
        state = None
        every = (every - blank) | _blank_subjects(inputs.store)
    changed = _changed_files({f.shown_as: f for f in inputs.files}, state)
    pinned = {_key(node) for node in shapes.objects(None, SH.targetNode)}  # focus nodes whatever changes
    if state is None:
        touched, affected, results = None, every | pinned, {}
    else:
        touched = _touched(subjects, state["files"], changed)
        affected, results = linking(inputs.store, touched | pinned, depth), state["results"]
        for node in affected:
            results.pop(node, None)
    listed = [s for s in _ordered(subjects, inputs.files) if s in affected]
    focus = listed + sorted(affected - set(listed))
    return _Plan(subjects, every, changed, touched, focus, results, bool(blank))


def _blank_subjects(store: ox.Store) -> set[str]:
    rows = store.query("SELECT DISTINCT ?s { ?s ?p ?o FILTER(isBLANK(?s)) }")
    return {str(row[0]) for row in rows}


def _report(inputs: Inputs, plan: _Plan, sparql_checks: list[SparqlCheck], sparql: dict) -> Report:
    """The core and cross-record results, cached or fresh, as one report."""
    graph = _report_graph(plan.results)
    violated = False
    for check in sparql_checks:
        found = [_decode_sparql(focus, r) for focus, rows in sparql.get(check.key, {}).items() for r in rows]
        violated = add_sparql_results(graph, check, found) or violated
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
        by_file[record.shown_as] = subject_digests(_content(record), base_iri)
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


def linking(
    store: ox.Store,
    start: set[str],
    depth: int | None,
    predicates: Iterable[URIRef] | None = None,
    limit: int | None = None,
) -> set[str] | None:
    """The nodes in ``start`` and those linking to them within ``depth`` hops (None: any number).

    Links are followed backwards, through ``predicates`` only if given. Returns None as soon
    as more than ``limit`` nodes are found. For the core shapes: a resource's results depend
    on the triples of nodes up to ``depth`` hops away; if any of those changed, some subject
    on the way changed, and walking incoming links back from it finds the resource.
    """
    through = None if predicates is None else [ox.NamedNode(str(p)) for p in predicates]
    found, frontier, hops = set(start), set(start), 0
    while frontier and (depth is None or hops < depth):
        hops += 1
        following = set()
        for key in frontier:
            term = _ox_term(key)
            if term is None:
                continue
            if through is None:
                following.update(str(q.subject) for q in store.quads_for_pattern(None, None, term, DEFAULT))
            else:
                for predicate in through:
                    following.update(
                        str(q.subject) for q in store.quads_for_pattern(None, predicate, term, DEFAULT)
                    )
        frontier = following - found
        found |= following
        if limit is not None and len(found) > limit:
            return None
    return found


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


def _ox_any(key: str):
    """Any term from its N-Triples form (a literal focus node comes from sh:targetObjectsOf)."""
    term = _ox_term(key)
    if term is None:
        (triple,) = ox.parse(f"<x:s> <x:p> {key} .".encode(), format=ox.RdfFormat.N_TRIPLES)
        term = triple.object
    return term


# ---------------------------------------------------------------- the cross-record checks


@dataclass
class _SparqlRun:
    results: dict[str, dict[str, list]]  # check -> focus node -> encoded results
    reaches: dict[str, dict | None]  # check -> its reach, encoded (None: not local)
    rechecked: int = 0
    whole: int = 0
    changed: bool = False


def _run_sparql(
    inputs: Inputs, checks: list[SparqlCheck], state: dict | None, touched: set[str] | None
) -> _SparqlRun:
    """Each check's results: cached ones, re-run where an edit may have changed them (see above)."""
    store = inputs.store
    cached = state.get("sparql", {}) if state else {}
    run = _SparqlRun(results={}, reaches=dict(state.get("reach", {})) if state else {})
    targets: dict[tuple, Targets] = {}
    for check in checks:
        if check.key not in run.reaches:
            run.reaches[check.key] = _encode_reach(sparql_reach(check.query, check.prefixes))
        reach = _decode_reach(run.reaches[check.key])
        shape_targets = targets.setdefault(check.targets, Targets(store, check.targets))
        previous = cached.get(check.key)
        affected = None
        local = reach is not None and not any(kind == SH.targetObjectsOf for kind, _ in check.targets)
        if previous is not None and touched is not None and local:
            affected = linking(store, touched, reach.depth, reach.predicates, SPARQL_FOCUS_UP_TO)
            if affected is not None and any(kind == SH.targetClass for kind, _ in check.targets):
                typed = _instances(store, touched)
                affected = None if typed is None else affected | typed
        found = None
        if affected is not None:
            nodes = [n for n in map(_ox_term, affected) if n is not None and n in shape_targets]
            try:
                found = sparql_results(check, store, shape_targets, focus=nodes) if nodes else []
                kept = {focus: rows for focus, rows in previous.items() if focus not in affected}
                run.rechecked += len(nodes)
            except ValueError:  # blank nodes, which a query cannot name
                found = None
        if found is None:
            found, kept = sparql_results(check, store, shape_targets), {}
            run.whole += 1
        for result in found:
            kept.setdefault(str(result.focus), []).append(_encode_sparql(result))
        run.changed = run.changed or kept != previous
        run.results[check.key] = kept
    return run


def _instances(store: ox.Store, touched: set[str]) -> set[str] | None:
    """The nodes typed with a touched node or with a subclass of one (None: too many).

    Whether a node is a target of ``sh:targetClass`` depends on its class's triples too, and
    a record file may declare a subclass (``ex:Special rdfs:subClassOf org:Post``): adding or
    removing that line changes the targets without touching their own triples.
    """
    classes = linking(store, touched, None, [RDFS.subClassOf], SPARQL_FOCUS_UP_TO)
    return None if classes is None else linking(store, classes, 1, [RDF.type], SPARQL_FOCUS_UP_TO)


def _encode_reach(reach: SparqlReach | None) -> dict | None:
    if reach is None:
        return None
    predicates = None if reach.predicates is None else sorted(str(p) for p in reach.predicates)
    return {"depth": reach.depth, "predicates": predicates}


def _decode_reach(encoded: dict | None) -> SparqlReach | None:
    if encoded is None:
        return None
    predicates = encoded["predicates"]
    return SparqlReach(encoded["depth"], None if predicates is None else frozenset(map(URIRef, predicates)))


def _encode_sparql(result: SparqlResult) -> list:
    return [None if result.path is None else result.path.value, _encode_ox(result.value), result.message]


def _decode_sparql(focus: str, encoded: list) -> SparqlResult:
    path, value, message = encoded
    path = None if path is None else ox.NamedNode(path)
    return SparqlResult(focus=_ox_any(focus), path=path, value=_decode_ox(value), message=message)


def _encode_ox(term) -> EncodedTerm:
    if isinstance(term, ox.NamedNode):
        return ["i", term.value]
    if isinstance(term, ox.BlankNode):
        return ["b", term.value]
    return ["l", term.value, term.language or "", "" if term.language else term.datatype.value]


def _decode_ox(value: EncodedTerm):
    if value[0] == "i":
        return ox.NamedNode(value[1])
    if value[0] == "b":
        return ox.BlankNode(value[1])
    if value[2]:
        return ox.Literal(value[1], language=value[2])
    return ox.Literal(value[1], datatype=ox.NamedNode(value[3]))


# ---------------------------------------------------------------- running pyshacl on neighbourhoods

_WORK: dict = {}  # what forked workers inherit: the store, the vocabulary, the shapes


def _run_core(inputs: Inputs, shapes: Graph, depth: int, focus: list[str], say: Progress) -> dict[str, list]:
    if not focus:
        return {}
    chunks = [focus[i : i + CHUNK] for i in range(0, len(focus), CHUNK)]
    workers = _workers(len(focus))
    store = inputs.store
    if inputs.on_disk and workers > 1 and len(chunks) > 1:
        # Forked workers must not share an open on-disk store: give them what they read, in memory.
        store = ox.Store()
        store.extend(neighbourhood(inputs.store, (_ox_term(k) for k in focus), depth))
    _WORK.update(store=store, vocabulary=inputs.vocabulary, shapes=shapes, depth=depth)
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
#: Links to nodes named outside the result: into the shapes, or into the data graph (a blank
#: focus node keeps the store's name, so that all its results stay one resource).
_NAMED = (*_INTO_SHAPES, SH.focusNode, SH.value)


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
            if predicate in _NAMED and isinstance(value, BNode):
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
    """Everything besides the records that the cached results depend on."""
    digest = hashlib.sha256()
    for part in (
        f"format {FORMAT}",
        f"publisher {__version__}",
        f"pyshacl {pyshacl.__version__}",
        f"rdflib {rdflib.__version__}",
        f"pyoxigraph {ox.__version__}",  # runs the SPARQL constraints
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
    """The state of the last validation: files (hash, stamp, subject digests), core results per
    resource, SPARQL results per constraint and focus node; and the data graph (``graph/``)."""

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

    def state(self, base_iri: str) -> dict | None:
        """The last state under this base IRI, whatever its key."""
        state = self._read()
        if not state or state.get("base") != base_iri:
            return None
        return state

    def known_subjects(self, base_iri: str) -> dict[str, dict]:
        """File -> {sha256, subjects, stamp} of the last validation under this base IRI, whatever its key."""
        state = self.state(base_iri)
        return state.get("files", {}) if state else {}

    def known_files(self, base_iri: str) -> dict[str, str]:
        """File -> content hash the cache knows (files whose bytes need not be kept in memory)."""
        return {name: entry["sha256"] for name, entry in self.known_subjects(base_iri).items()}

    def load(self, key: str) -> dict | None:
        """The last state if it was computed under the same shapes, vocabulary and engine."""
        state = self._read()
        if not state or state.get("key") != key:
            return None
        return state

    def save(
        self,
        key: str,
        base_iri: str,
        files: dict,
        results: dict,
        sparql: dict | None = None,
        reach: dict | None = None,
    ) -> None:
        """Write the new state atomically; a cache that cannot be written is only a slower next run."""
        if self.directory is None:
            return
        state = {
            "format": FORMAT,
            "key": key,
            "base": base_iri,
            "files": files,
            "results": results,
            "sparql": sparql or {},
            "reach": reach or {},
        }
        self._state = state
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            (self.directory / ".gitignore").write_text("*\n", "utf-8")
            text = json.dumps(state, ensure_ascii=False)  # dumps, unlike dump, runs the C encoder
            handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".state-", suffix=".json")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
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
