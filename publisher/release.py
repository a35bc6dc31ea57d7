"""Build a release: an immutable directory the server reads and never writes.

    DIR/releases/<id>/   one release: dumps, descriptions, validation report, query store
    DIR/current          symlink to the release being served, swapped with an atomic rename

A build writes its release beside the previous ones and only then repoints ``current``,
so a failure at any step leaves what is being served untouched. The same input gives
byte-identical dumps (no timestamps in them; gzip without a name or date).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef

from publisher import __version__
from publisher.config import Project
from publisher.description import Dump, describe
from publisher.dumps import sorted_ntriples, write_ntriples, write_readable
from publisher.incremental import ValidationCache, ValidationStats, check, keep_graph, scan_with_cache
from publisher.jsonld import load_context
from publisher.loading import Inputs
from publisher.namespaces import bind_prefixes, prefixes, vocabulary
from publisher.store import add_to_store, write_store
from publisher.validation import Report, validate_graph

MANIFEST = "release.json"
CURRENT = "current"
RELEASES = "releases"
KEEP_RELEASES = 3  # older releases are pruned; running servers may still read the last few

DATA_TTL = "dumps/data.ttl"
DATA_NT_GZ = "dumps/data.nt.gz"
DATA_JSONLD = "dumps/data.jsonld"
DESCRIPTION_TTL = "dumps/catalog.ttl"
ONTOLOGY_TTL = "dumps/ontology.ttl"
SHAPES_TTL = "dumps/shapes.ttl"
REPORT_TTL = "dumps/validation-report.ttl"
CONTEXT_JSONLD = "context.jsonld"
STORE_DIR = "store"
QUERIES_DIR = "queries"  # the named queries, copied so that the server reads only the release
STORE_INPUT = "store-input.nt"  # the query store's input, removed once loaded


class BuildRefused(Exception):
    """The records violate the shapes: nothing was written."""

    def __init__(self, report: Report):
        super().__init__("the records do not conform to the shapes")
        self.report = report


class BuildError(Exception):
    """The release could not be written; the previous release is untouched."""


@dataclass
class BuildResult:
    release: Path
    triples: int
    report: Report
    timings: dict[str, float]
    validation: ValidationStats | None = None


Progress = Callable[[str], None]


def build(project: Project, out: Path, progress: Progress | None = None) -> BuildResult:
    """Load, validate and write a release under ``out``, then make it current.

    Each phase reports its time and counts through ``progress`` (the CLI prints them on
    stderr). The data graph lives in one pyoxigraph store from loading to the dumps; rdflib
    handles only the small graphs (vocabulary, shapes, description, report).
    """
    say = progress or (lambda message: None)
    timings: dict[str, float] = {}
    clock = _Clock(timings, say)
    with clock("load") as phase:
        cache = ValidationCache.for_project(project.root)
        inputs = scan_with_cache(project, cache, lambda done, total: _files_parsed(say, done, total))
        phase.detail = f"{len(inputs.files):,} files, {inputs.triples:,} triples"
    with clock("validate") as phase:
        report, stats = check(inputs, cache, say)
        phase.detail = (
            f"cache {stats.cache}: {stats.files_changed:,} of {stats.files:,} files changed, "
            f"{stats.rechecked:,} resources re-checked, {stats.reused:,} from cache; "
            f"core {stats.core_seconds:.2f} s, cross-record {stats.sparql_seconds:.2f} s"
        )
    if not report.conforms:
        raise BuildRefused(report)
    releases = out / RELEASES
    releases.mkdir(parents=True, exist_ok=True)
    inputs.forget_contents()

    def keep(store: Path) -> None:
        if keep_graph(cache, inputs, store):
            stats.graph_cache = "kept"

    stale = stats.graph_cache == "stale"
    release, triples = _write_release(releases, project, inputs, report, clock, keep if stale else None)
    _prune(releases, keep=KEEP_RELEASES)
    return BuildResult(release=release, triples=triples, report=report, timings=timings, validation=stats)


def _files_parsed(say: Progress, done: int, total: int) -> None:
    if total > 250:
        say(f"load: {done:,}/{total:,} files parsed")


def _write_release(
    releases: Path,
    project: Project,
    inputs: Inputs,
    report: Report,
    clock: _Clock,
    keep_graph: Callable[[Path], object] | None = None,
) -> tuple[Path, int]:
    """Write the release beside the others and make it current; on any failure, leave no trace.

    ``keep_graph(store)`` is given the query store while it holds the data graph alone (the
    validation cache copies it, instead of loading a million triples once more).
    """
    staging = releases / f".staging-{secrets.token_hex(6)}"
    staging.mkdir()
    loading = None
    try:
        with clock("dumps") as phase:
            base = project.base_iri
            example = _example_resource(inputs.store, base)
            lines = sorted_ntriples(inputs.store)
            inputs.store = None  # a million triples in memory, no longer needed: the lines hold them
            write_ntriples(staging / STORE_INPUT, lines, compress=False)
            # The query store loads in the background (pyoxigraph's bulk loader releases the GIL).
            loading = _InBackground(write_store, staging / STORE_DIR, staging / STORE_INPUT)
            dumps, subjects = _write_dumps(staging, lines, load_context(project.ontology_dir, base), base)
            triples = len(lines)
            del lines
            phase.detail = f"{triples:,} triples, {subjects:,} subjects"
        with clock("descriptions"):
            description = describe(
                inputs.catalog,
                base,
                dumps,
                triples=triples,
                subjects=subjects,
                modified=_build_time(),
                example=example,
            )
            _write_descriptions(staging, inputs, description, report)
        _copy_queries(project.queries_dir, staging / QUERIES_DIR)
        with clock("store") as phase:
            loading.wait()
            (staging / STORE_INPUT).unlink()
            if keep_graph is not None:
                keep_graph(staging / STORE_DIR)
            stored = add_to_store(staging / STORE_DIR, description.serialize(format="nt", encoding="utf-8"))
            phase.detail = f"{stored:,} triples (bulk load overlapped with the dumps; this is the wait)"
        _write_manifest(staging, project, dumps, triples, stored, report)
        with clock("publish"):
            return _publish(staging, releases.parent, dumps), triples
    except BaseException:
        if loading is not None:
            loading.thread.join()
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _write_descriptions(staging: Path, inputs: Inputs, description: Graph, report: Report) -> None:
    """The dataset description (checked against shapes/catalog.ttl), vocabulary, shapes, report."""
    checked = validate_graph(description, inputs.catalog_shapes)
    if not checked.conforms:
        raise BuildError(
            "the generated dataset description violates shapes/catalog.ttl:\n" + checked.to_text()
        )
    base = inputs.project.base_iri
    _write(staging / DESCRIPTION_TTL, description.serialize(format="turtle").encode())
    vocab = bind_prefixes(Graph(), base)
    vocab += inputs.vocabulary
    _write(staging / ONTOLOGY_TTL, vocab.serialize(format="turtle").encode())
    shapes = bind_prefixes(Graph(), base)
    shapes += inputs.shapes
    shapes += inputs.catalog_shapes
    _write(staging / SHAPES_TTL, shapes.serialize(format="turtle").encode())
    _write(staging / REPORT_TTL, report.graph.serialize(format="turtle").encode())


def resolve_release(path: Path) -> Path:
    """The release directory a path designates: a release itself, or a build's ``current``."""
    if (path / MANIFEST).is_file():
        return path.resolve()
    current = path / CURRENT
    if (current / MANIFEST).is_file():
        return current.resolve()
    raise FileNotFoundError(f"{path} holds no release (no {MANIFEST}, no {CURRENT}/{MANIFEST})")


def read_manifest(release: Path) -> dict:
    return json.loads((release / MANIFEST).read_text("utf-8"))


# ---------------------------------------------------------------- dumps


def _write_dumps(staging: Path, lines: list[bytes], context: dict, base_iri: str) -> tuple[list[Dump], int]:
    """Turtle, gzipped N-Triples and JSON-LD, each byte-identical for identical input.

    Returns the dumps and the number of distinct subjects.
    """
    # zlib lets go of the GIL while it compresses: the gzip dump is written beside the others.
    gzipping = _InBackground(write_ntriples, staging / DATA_NT_GZ, lines, True)
    try:
        turtle, jsonld, subjects = write_readable(
            lines, staging / DATA_TTL, staging / DATA_JSONLD, prefixes(base_iri), context
        )
    finally:
        gzipping.thread.join()
    gzipped = gzipping.wait()
    files = [
        (
            "turtle",
            DATA_TTL,
            turtle,
            "text/turtle",
            "RDF_TURTLE",
            None,
            "All records as Turtle",
            "Все записи в формате Turtle",
        ),
        (
            "n-triples",
            DATA_NT_GZ,
            gzipped,
            "application/n-triples",
            "RDF_N_TRIPLES",
            "gzip",
            "All records as N-Triples, gzip-compressed",
            "Все записи в формате N-Triples, сжатые gzip",
        ),
        (
            "json-ld",
            DATA_JSONLD,
            jsonld,
            "application/ld+json",
            "JSON_LD",
            None,
            "All records as JSON-LD",
            "Все записи в формате JSON-LD",
        ),
    ]
    dumps = [
        Dump(
            key=key,
            path=relative,
            media_type=media_type,
            file_type=file_type,
            title_en=title_en,
            title_ru=title_ru,
            size=written.size,
            sha256=written.sha256,
            compression=compression,
        )
        for key, relative, written, media_type, file_type, compression, title_en, title_ru in files
    ]
    _write(staging / CONTEXT_JSONLD, json.dumps(context, ensure_ascii=False, indent=2).encode())
    return dumps, subjects


class _InBackground:
    """A function run in a thread, its result or exception collected by ``wait``."""

    def __init__(self, function, *args):
        self.result, self.error = None, None
        self.thread = threading.Thread(target=self._run, args=(function, args), daemon=True)
        self.thread.start()

    def _run(self, function, args) -> None:
        try:
            self.result = function(*args)
        except BaseException as error:  # re-raised in the building thread by wait()
            self.error = error

    def wait(self):
        self.thread.join()
        if self.error is not None:
            raise self.error
        return self.result


def _copy_queries(source: Path, target: Path) -> None:
    target.mkdir()
    for query in sorted(source.glob("*.rq")) if source.is_dir() else []:
        shutil.copy2(query, target / query.name)


def _write_manifest(
    staging: Path, project: Project, dumps: list[Dump], triples: int, stored: int, report: Report
) -> None:
    manifest = {
        "publisher": __version__,
        "base_iri": project.base_iri,
        "built": _build_time().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "triples": triples,
        "store_triples": stored,
        "warnings": report.count("Warning"),
        "dumps": {
            d.key: {"path": d.path, "media_type": d.media_type, "size": d.size, "sha256": d.sha256}
            for d in dumps
        },
    }
    _write(staging / MANIFEST, json.dumps(manifest, indent=2).encode())


# ---------------------------------------------------------------- swapping in


def _publish(staging: Path, out: Path, dumps: list[Dump]) -> Path:
    """Name the staged release and repoint ``current`` at it with one atomic rename."""
    digest = hashlib.sha256("".join(d.sha256 for d in dumps).encode()).hexdigest()[:12]
    name = f"{_build_time():%Y%m%dT%H%M%SZ}-{digest}"
    final = staging.parent / name
    suffix = 1
    while final.exists():
        suffix += 1
        final = staging.parent / f"{name}-{suffix}"
    staging.rename(final)
    link = out / f".{CURRENT}-{secrets.token_hex(6)}"
    os.symlink(Path(RELEASES) / final.name, link)
    os.replace(link, out / CURRENT)
    return final


def _prune(releases: Path, keep: int) -> None:
    """Remove all but the ``keep`` newest releases (never the current one).

    Newest by when they were written, not by name: a name freed by pruning can be taken again
    by a later build of the same data in the same second (or with SOURCE_DATE_EPOCH set).
    """
    current = (releases.parent / CURRENT).resolve()
    finished = sorted(
        (p for p in releases.iterdir() if not p.name.startswith(".")),
        key=lambda p: (p.stat().st_mtime_ns, p.name),
    )
    for old in finished[:-keep]:
        if old.resolve() != current:
            shutil.rmtree(old, ignore_errors=True)


# ---------------------------------------------------------------- helpers


def _example_resource(store: ox.Store, base_iri: str) -> URIRef | None:
    """The first meeting by IRI: the dataset's example resource (VoID)."""
    meeting = vocabulary(base_iri).Meeting
    rows = store.query(f"SELECT ?meeting {{ ?meeting a <{meeting}> }} ORDER BY STR(?meeting) LIMIT 1")
    return next((URIRef(row["meeting"].value) for row in rows), None)


def _build_time() -> datetime:
    """Now, or SOURCE_DATE_EPOCH where set (the reproducible-builds convention)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    return moment.replace(microsecond=0)


def _write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


class _Clock:
    """Times the phases of a build and reports each as it ends, with what it counted."""

    def __init__(self, timings: dict[str, float], say: Progress):
        self.timings, self.say = timings, say

    def __call__(self, phase: str):
        clock = self

        class _Phase:
            detail = ""

            def __enter__(self):
                self.start = time.perf_counter()
                return self

            def __exit__(self, *exc):
                clock.timings[phase] = time.perf_counter() - self.start
                if exc[0] is None:
                    line = f"{phase:<13} {clock.timings[phase]:6.2f} s"
                    clock.say(f"{line}  {self.detail}" if self.detail else line)

        return _Phase()
