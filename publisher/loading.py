"""Read the project's Turtle: vocabulary, shapes, records and the dataset's own description.

Every file is parsed against the base IRI, so records written with relative IRIs publish
under whatever domain the project is configured for. A file that does not parse stops the
flow with an :class:`InputError` naming the file, line and column.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.plugins.parsers.notation3 import BadSyntax
from rdflib.term import Node

from publisher.config import Project, resolve_iri
from publisher.namespaces import SH, bind_prefixes

#: The shapes for the dataset's own description (checked on the release); the other files
#: in shapes/ check the records.
CATALOG_SHAPES = "catalog.ttl"


class InputError(Exception):
    """An input file cannot be read as Turtle; says where and why."""

    def __init__(self, path: str, message: str, line: int | None = None, column: int | None = None):
        super().__init__(path, message, line, column)
        self.path, self.message, self.line, self.column = path, message, line, column

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}" + (f":{self.column}" if self.column is not None else "")
        return f"{where}: {self.message}"

    def as_dict(self) -> dict:
        return {"file": self.path, "line": self.line, "column": self.column, "message": self.message}


@dataclass
class Sources:
    """Everything the flow reads, parsed, with a note of which file described what."""

    project: Project
    vocabulary: Graph
    records: Graph
    shapes: Graph
    catalog_shapes: Graph
    catalog: Graph
    described_in: dict[Node, list[Path]] = field(default_factory=dict)

    def data_graph(self) -> Graph:
        """Records and vocabulary together: what the shapes check and the dumps publish."""
        graph = bind_prefixes(Graph(), self.project.base_iri)
        graph += self.vocabulary
        graph += self.records
        return graph

    def locate(self, node: Node) -> tuple[str, int | None] | None:
        """The file (and line, where found) in which a resource is described."""
        files = self.described_in.get(node)
        if not files:
            return None
        path = files[0]
        return self.project.relative(path), find_subject_line(path, node, self.project.base_iri)


def load(project: Project) -> Sources:
    """Parse all of the project's Turtle; raises InputError on the first unreadable file."""
    described_in: dict[Node, list[Path]] = defaultdict(list)
    graphs = {}
    catalog_shapes = project.shapes_dir / CATALOG_SHAPES
    groups = {
        "vocabulary": turtle_files(project.ontology_dir),
        "records": turtle_files(project.data_dir),
        "shapes": [p for p in turtle_files(project.shapes_dir) if p != catalog_shapes],
        "catalog_shapes": [catalog_shapes] if catalog_shapes.is_file() else [],
        "catalog": turtle_files(project.catalog_dir),
    }
    graphs = {}
    for name, paths in groups.items():
        combined = Graph()
        for path in paths:
            graph = parse_turtle(path, project.base_iri, shown_as=project.relative(path))
            for subject in set(graph.subjects()):
                described_in[subject].append(path)
            combined += graph
        graphs[name] = combined
    for shapes in (graphs["shapes"], graphs["catalog_shapes"]):
        resolve_shape_namespaces(shapes, project.base_iri)
    return Sources(project=project, described_in=dict(described_in), **graphs)


@dataclass
class RecordFile:
    """One Turtle file of the data graph (records or vocabulary), known by its content hash."""

    path: Path
    shown_as: str  # as users see it: relative to the project
    sha256: str
    content: bytes | None = None  # kept only when the caller asked for it (see ``scan``)
    stamp: list[int] | None = None  # see ``file_stamp``: lets a cache trust the hash without reading


#: A file changed less than this long before it was read may change again without its
#: modification time moving (timestamps are coarse): its stamp is not trusted later.
SETTLED_NS = 2_000_000_000


def file_stamp(path: Path) -> list[int] | None:
    """Size, modification and change times and inode of a file, taken *before* reading it.

    Equal stamps mean the same bytes, as for git's index and make: every write moves the
    change time, which no tool sets back. A file written in the last two seconds gets no
    stamp (None), so that a second write in the same clock tick cannot go unnoticed.
    """
    try:
        info = os.stat(path)
    except OSError:
        return None
    if time.time_ns() - max(info.st_mtime_ns, info.st_ctime_ns) < SETTLED_NS:
        return None
    return [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino]


@dataclass
class Inputs:
    """Everything a build reads, in the form that scales to an archive.

    The data graph (records + vocabulary) is parsed by pyoxigraph into one in-memory store,
    about ten times faster than rdflib; the small graphs (vocabulary, shapes, the catalogue)
    are rdflib graphs as in :class:`Sources`. Nothing here is validated yet.
    """

    project: Project
    store: ox.Store | None  # None once a build no longer needs it
    vocabulary_files: list[RecordFile]
    record_files: list[RecordFile]
    vocabulary: Graph
    shapes: Graph
    catalog_shapes: Graph
    catalog: Graph
    shapes_sha256: str = ""  # of the record shapes' files: what a validation cache is keyed on
    on_disk: bool = False  # the store is the validation cache's copy of the graph (not in memory)

    @property
    def files(self) -> list[RecordFile]:
        """Vocabulary first, then records: the order in which resources are located."""
        return self.vocabulary_files + self.record_files

    @property
    def triples(self) -> int:
        return len(self.store)

    def forget_contents(self) -> None:
        """Drop the file contents kept for validation (a hundred megabytes at a million triples)."""
        for record in self.files:
            record.content = None


def scan(
    project: Project,
    keep: Callable[[str, str], bool] = lambda shown_as, sha256: False,
    progress: Callable[[int, int], None] | None = None,
) -> Inputs:
    """Read the project for a build; raises InputError on the first unreadable file.

    ``keep(shown_as, sha256)`` says which files' bytes to hand back (the ones a cache has not
    seen), so that they are read once; ``progress(done, total)`` is told as files are parsed.
    """
    store = ox.Store()
    vocabulary_paths, record_paths = turtle_files(project.ontology_dir), turtle_files(project.data_dir)
    total, done = len(vocabulary_paths) + len(record_paths), 0
    loaded = {}
    for name, paths in (("vocabulary", vocabulary_paths), ("records", record_paths)):
        files = []
        for path in paths:
            files.append(_load_into(store, path, project, keep))
            done += 1
            if progress and (done % 250 == 0 or done == total):
                progress(done, total)
        loaded[name] = files
    return Inputs(
        project=project,
        store=store,
        vocabulary_files=loaded["vocabulary"],
        record_files=loaded["records"],
        **small_graphs(project, vocabulary_paths),
    )


def small_graphs(project: Project, vocabulary_paths: list[Path]) -> dict:
    """The vocabulary, shapes and catalogue as rdflib graphs, and the digest of the shapes' files."""
    catalog_shapes = project.shapes_dir / CATALOG_SHAPES
    vocabulary = Graph()
    for path in vocabulary_paths:
        vocabulary += parse_turtle(path, project.base_iri, shown_as=project.relative(path))
    graphs = {}
    shapes_digest = hashlib.sha256()
    for path in [p for p in turtle_files(project.shapes_dir) if p != catalog_shapes]:
        shapes_digest.update(project.relative(path).encode() + b"\0" + _read(path, project) + b"\0")
    for name, paths in (
        ("shapes", [p for p in turtle_files(project.shapes_dir) if p != catalog_shapes]),
        ("catalog_shapes", [catalog_shapes] if catalog_shapes.is_file() else []),
        ("catalog", turtle_files(project.catalog_dir)),
    ):
        combined = Graph()
        for path in paths:
            combined += parse_turtle(path, project.base_iri, shown_as=project.relative(path))
        graphs[name] = combined
    for name in ("shapes", "catalog_shapes"):
        resolve_shape_namespaces(graphs[name], project.base_iri)
        graphs[name] = stable_blank_nodes(graphs[name], prefix=name)
    return {"vocabulary": vocabulary, "shapes_sha256": shapes_digest.hexdigest(), **graphs}


def shown_path(project: Project, path: Path) -> str:
    """``project.relative`` without resolving every path: files found under the root are inside it."""
    try:
        return str(path.relative_to(project.root))
    except ValueError:
        return project.relative(path)


def _read(path: Path, project: Project) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise InputError(project.relative(path), f"cannot read the file: {error.strerror}") from error


def _load_into(store: ox.Store, path: Path, project: Project, keep: Callable[[str, str], bool]) -> RecordFile:
    """Parse one file into the store; on failure, report it exactly as rdflib's parser would."""
    shown_as = shown_path(project, path)
    stamp = file_stamp(path)
    raw = _read(path, project)
    digest = hashlib.sha256(raw).hexdigest()
    try:
        store.load(raw, format=ox.RdfFormat.TURTLE, base_iri=project.base_iri)
    except (SyntaxError, ValueError) as error:
        _unreadable(path, shown_as, project, error)
    return RecordFile(path, shown_as, digest, raw if keep(shown_as, digest) else None, stamp)


def parse_record(raw: bytes, path: Path, project: Project) -> list[ox.Triple]:
    """The triples of one file's bytes, or the InputError ``scan`` would raise for them."""
    try:
        return list(ox.parse(raw, format=ox.RdfFormat.TURTLE, base_iri=project.base_iri))
    except (SyntaxError, ValueError) as error:
        _unreadable(path, shown_path(project, path), project, error)


def _unreadable(path: Path, shown_as: str, project: Project, error: Exception):
    # The messages users know (and tests pin) come from rdflib: let it find the fault.
    parse_turtle(path, project.base_iri, shown_as=shown_as)
    line = getattr(error, "lineno", None)
    column = getattr(error, "offset", None)
    raise InputError(shown_as, f"cannot parse: {error}", line, column) from error


def turtle_files(directory: Path) -> list[Path]:
    """The Turtle files under a directory, in a stable order (builds must be reproducible)."""
    if not directory.is_dir():
        return []
    return sorted(path for path in directory.rglob("*.ttl") if path.is_file())


def parse_turtle(path: Path, base_iri: str, shown_as: str | None = None) -> Graph:
    """Parse one Turtle file against the base IRI, turning every failure into an InputError."""
    shown_as = shown_as or str(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise InputError(shown_as, f"cannot read the file: {error.strerror}") from error
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line, column = _position(raw[: error.start].decode("utf-8", "replace"), error.start)
        raise InputError(shown_as, "not valid UTF-8", line, column) from error
    graph = Graph()
    try:
        graph.parse(data=text, format="turtle", publicID=base_iri)
    except BadSyntax as error:
        consumed = error._str.decode("utf-8", "replace") if isinstance(error._str, bytes) else error._str
        line, column = _position(consumed, error._i)
        raise InputError(shown_as, f"bad Turtle syntax: {error._why}", line, column) from error
    except Exception as error:  # rdflib raises plain exceptions for bad terms (IRIs, literals)
        raise InputError(shown_as, f"cannot parse: {error}") from error
    return graph


def resolve_shape_namespaces(shapes: Graph, base_iri: str) -> None:
    """Resolve relative ``sh:namespace`` values against the base IRI.

    SPARQL-based constraints cannot contain relative IRIs, so shapes declare prefixes for
    our own namespaces relatively (``"ontology#"``); this gives them the same base as
    every other IRI in our Turtle.
    """
    for declaration, namespace in list(shapes.subject_objects(SH.namespace)):
        resolved = resolve_iri(base_iri, str(namespace))
        if resolved != str(namespace):
            shapes.set((declaration, SH.namespace, Literal(resolved, datatype=namespace.datatype)))


def stable_blank_nodes(graph: Graph, prefix: str) -> Graph:
    """The same graph, its blank nodes named after what they say and what points at them.

    Parsers name blank nodes at random; validation results refer to property shapes by
    their blank node, so a cache of results outlives a process only if the names are the
    same each time the same shapes are read. Blank nodes that say and are told exactly the
    same are interchangeable; they are told apart by a counter. The prefix keeps the names
    of two graphs apart when they are merged (the record and catalogue shapes share parts).
    """
    content: dict[BNode, str] = {}

    def digest(node: BNode, path: frozenset) -> str:
        if node in content:
            return content[node]
        if node in path:
            return "cycle"
        said = sorted(
            f"{p.n3()} {digest(o, path | {node}) if isinstance(o, BNode) else o.n3()}"
            for p, o in graph.predicate_objects(node)
        )
        content[node] = hashlib.sha256("\n".join(said).encode()).hexdigest()
        return content[node]

    blanks = {t for triple in graph for t in triple if isinstance(t, BNode)}
    keys = {}
    for node in blanks:
        told = sorted(
            f"{p.n3()} {digest(s, frozenset()) if isinstance(s, BNode) else s.n3()}"
            for s, p in graph.subject_predicates(node)
        )
        keys[node] = hashlib.sha256((digest(node, frozenset()) + "\n".join(told)).encode()).hexdigest()[:20]
    names, seen = {}, defaultdict(int)
    for node in sorted(blanks, key=lambda n: (keys[n], str(n))):
        seen[keys[node]] += 1
        names[node] = BNode(
            f"{prefix}{keys[node]}" + (f"n{seen[keys[node]]}" if seen[keys[node]] > 1 else "")
        )
    stable = Graph()
    for prefix, namespace in graph.namespaces():
        stable.bind(prefix, namespace, override=True, replace=True)
    for triple in graph:
        stable.add(tuple(names.get(t, t) for t in triple))
    return stable


def _position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


_PREFIX = re.compile(r"^\s*(?:@prefix|PREFIX)\s+([\w.-]*):\s*<([^>]*)>", re.IGNORECASE | re.MULTILINE)


def find_subject_line(path: Path, node: Node, base_iri: str) -> int | None:
    """The line where a Turtle file starts describing ``node``, found by its written forms.

    rdflib keeps no positions, so this looks for the IRI as the file writes it: in full,
    relative to the base, or as a prefixed name declared in that file.
    """
    if not isinstance(node, URIRef):
        return None
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    iri = str(node)
    forms = {f"<{iri}>"}
    if iri.startswith(base_iri):
        forms.add(f"<{iri[len(base_iri) :]}>")
    for prefix, namespace in _PREFIX.findall(text):
        namespace = resolve_iri(base_iri, namespace)
        local = iri[len(namespace) :]
        if iri.startswith(namespace) and re.fullmatch(r"[\w.-]*", local) and not local.endswith("."):
            forms.add(f"{prefix}:{local}")
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        if any(
            line.startswith(form) and line[len(form) : len(form) + 1] in ("", " ", "\t") for form in forms
        ):
            return number
    for number, line in enumerate(lines, start=1):
        if any(form in line for form in forms):
            return number
    return None
