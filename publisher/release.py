"""Build a release: an immutable directory the server reads and never writes.

    DIR/releases/<id>/   one release: dumps, descriptions, validation report, query store
    DIR/current          symlink to the release being served, swapped with an atomic rename

A build writes its release beside the previous ones and only then repoints ``current``,
so a failure at any step leaves what is being served untouched. The same input gives
byte-identical dumps (no timestamps in them; gzip without a name or date).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import secrets
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rdflib import Graph, URIRef

from publisher import __version__
from publisher.config import Project
from publisher.description import Dump, describe
from publisher.jsonld import load_context
from publisher.loading import load
from publisher.namespaces import bind_prefixes, vocabulary
from publisher.store import write_store
from publisher.validation import Report, validate, validate_graph

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


Progress = Callable[[str], None]


def build(project: Project, out: Path, progress: Progress | None = None) -> BuildResult:
    """Load, validate and write a release under ``out``, then make it current."""
    say = progress or (lambda message: None)
    timings: dict[str, float] = {}
    clock = _Clock(timings, say)

    with clock("load"):
        sources = load(project)
    with clock("validate"):
        report = validate(sources)
    if not report.conforms:
        raise BuildRefused(report)

    releases = out / RELEASES
    releases.mkdir(parents=True, exist_ok=True)
    staging = releases / f".staging-{secrets.token_hex(6)}"
    staging.mkdir()
    try:
        base = project.base_iri
        data = sources.data_graph()
        with clock("dumps"):
            dumps = _write_dumps(staging, data, load_context(project.ontology_dir, base))
        with clock("descriptions"):
            description = describe(
                sources.catalog,
                base,
                dumps,
                triples=len(data),
                subjects=len(set(data.subjects())),
                modified=_build_time(),
                example=_example_resource(data, base),
            )
            checked = validate_graph(description, sources.catalog_shapes)
            if not checked.conforms:
                raise BuildError(
                    "the generated dataset description violates shapes/catalog.ttl:\n" + checked.to_text()
                )
            _write(staging / DESCRIPTION_TTL, description.serialize(format="turtle").encode())
            vocab = bind_prefixes(Graph(), base)
            vocab += sources.vocabulary
            _write(staging / ONTOLOGY_TTL, vocab.serialize(format="turtle").encode())
            shapes = bind_prefixes(Graph(), base)
            shapes += sources.shapes
            shapes += sources.catalog_shapes
            _write(staging / SHAPES_TTL, shapes.serialize(format="turtle").encode())
            _write(staging / REPORT_TTL, report.graph.serialize(format="turtle").encode())
        _copy_queries(project.queries_dir, staging / QUERIES_DIR)
        with clock("store"):
            stored = _write_query_store(staging, description)
        _write_manifest(staging, project, dumps, len(data), stored, report)
        with clock("publish"):
            release = _publish(staging, out, dumps)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _prune(releases, keep=KEEP_RELEASES)
    return BuildResult(release=release, triples=len(data), report=report, timings=timings)


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


def _write_dumps(staging: Path, data: Graph, context: dict) -> list[Dump]:
    """Turtle, gzipped N-Triples and JSON-LD, each byte-identical for identical input."""
    ntriples = "".join(sorted(set(data.serialize(format="nt", encoding="utf-8").decode().splitlines(True))))
    turtle = data.serialize(format="turtle", encoding="utf-8")
    jsonld = stable_jsonld(data.serialize(format="json-ld", context=context["@context"], auto_compact=True))
    gzipped = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=gzipped, mtime=0, compresslevel=9) as handle:
        handle.write(ntriples.encode("utf-8"))
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
            gzipped.getvalue(),
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
    dumps = []
    for key, relative, content, media_type, file_type, compression, title_en, title_ru in files:
        _write(staging / relative, content)
        dumps.append(
            Dump(
                key=key,
                path=relative,
                media_type=media_type,
                file_type=file_type,
                title_en=title_en,
                title_ru=title_ru,
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                compression=compression,
            )
        )
    _write(staging / CONTEXT_JSONLD, json.dumps(context, ensure_ascii=False, indent=2).encode())
    return dumps


def stable_jsonld(text: str) -> bytes:
    """JSON-LD in one fixed order: nodes by id, values sorted, keys sorted.

    rdflib emits nodes and values in an order that varies between processes; order carries
    no meaning in our JSON-LD (no @list), so sorting makes the dump reproducible.
    """
    document = json.loads(text)
    nodes = document.get("@graph", [])
    for node in nodes:
        for key, value in node.items():
            if isinstance(value, list):
                node[key] = sorted(value, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
            elif isinstance(value, dict) and key not in ("@context",):
                for language, texts in value.items():
                    if isinstance(texts, list):
                        value[language] = sorted(texts)
    nodes.sort(key=lambda node: str(node.get("id", node.get("@id", ""))))
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")


def _write_query_store(staging: Path, description: Graph) -> int:
    """The store the server queries: the records, the vocabulary and the description."""
    plain = staging / "store-input.nt"
    with gzip.open(staging / DATA_NT_GZ, "rb") as source, plain.open("wb") as target:
        shutil.copyfileobj(source, target)
        target.write(description.serialize(format="nt", encoding="utf-8"))
    try:
        return write_store(staging / STORE_DIR, plain)
    finally:
        plain.unlink()


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
    current = (releases.parent / CURRENT).resolve()
    finished = sorted((p for p in releases.iterdir() if not p.name.startswith(".")), key=lambda p: p.name)
    for old in finished[:-keep]:
        if old.resolve() != current:
            shutil.rmtree(old, ignore_errors=True)


# ---------------------------------------------------------------- helpers


def _example_resource(data: Graph, base_iri: str) -> URIRef | None:
    meetings = sorted(data.subjects(predicate=None, object=vocabulary(base_iri).Meeting))
    return meetings[0] if meetings else None


def _build_time() -> datetime:
    """Now, or SOURCE_DATE_EPOCH where set (the reproducible-builds convention)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    return moment.replace(microsecond=0)


def _write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


class _Clock:
    """Times the phases of a build and reports each as it ends."""

    def __init__(self, timings: dict[str, float], say: Progress):
        self.timings, self.say = timings, say

    def __call__(self, phase: str):
        clock = self

        class _Phase:
            def __enter__(self):
                self.start = time.perf_counter()

            def __exit__(self, *exc):
                clock.timings[phase] = time.perf_counter() - self.start
                if exc[0] is None:
                    clock.say(f"{phase:<13} {clock.timings[phase]:6.2f} s")

        return _Phase()
