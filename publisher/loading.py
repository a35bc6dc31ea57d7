"""Read the project's Turtle: vocabulary, shapes, records and the dataset's own description.

Every file is parsed against the base IRI, so records written with relative IRIs publish
under whatever domain the project is configured for. A file that does not parse stops the
flow with an :class:`InputError` naming the file, line and column.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
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
