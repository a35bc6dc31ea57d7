"""Named queries: the .rq files in queries/, each a question users ask of the data.

A file starts with comment headers::

    # title: Which meetings dealt with a topic
    # title@ru: На каких встречах обсуждалась тема
    # description: …
    # param: topic = <id/topic/digitalisation>
    # param: lang = "en"

Parameters are SPARQL variables with a default; a caller's values are bound as RDF terms
(pyoxigraph's ``substitutions``, SEP-0007), never pasted into the query text. SEP-0007 binds
only projected variables, so a query's SELECT lists its parameters too. Relative IRIs, in the
query and in IRI parameters, resolve against the base IRI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pyoxigraph as ox

from publisher.config import resolve_iri

_HEADER = re.compile(r"^#\s*(title|description)(?:@([a-z]{2}))?\s*:\s*(.+?)\s*$")
_PARAM = re.compile(r'^#\s*param\s*:\s*(\w+)\s*=\s*(<[^>\s]*>|"[^"]*")\s*$')


class ParameterError(ValueError):
    """A caller's parameter value cannot be bound."""


@dataclass(frozen=True)
class Parameter:
    name: str
    kind: str  # "iri" or "literal"
    default: str

    def term(self, value: str | None, base_iri: str) -> ox.NamedNode | ox.Literal:
        """The RDF term for a caller's value (or the default), checked for its kind."""
        if self.kind == "literal":
            text = self.default if value is None else value
            if len(text) > 200:
                raise ParameterError(f"parameter {self.name!r} is longer than 200 characters")
            return ox.Literal(text)
        iri = resolve_iri(base_iri, self.default if value is None else value.strip("<>"))
        if urlsplit(iri).scheme not in ("http", "https") or any(c in iri for c in ' <>"{}|\\^`'):
            raise ParameterError(f"parameter {self.name!r} must be an http(s) IRI, got {value!r}")
        return ox.NamedNode(iri)


@dataclass(frozen=True)
class NamedQuery:
    name: str
    text: str
    titles: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    parameters: tuple[Parameter, ...] = ()

    def title(self, language: str = "en") -> str:
        return self.titles.get(language) or self.titles.get("en") or self.name

    def description(self, language: str = "en") -> str:
        return self.descriptions.get(language) or self.descriptions.get("en") or ""

    def substitutions(
        self, values: dict[str, str], base_iri: str
    ) -> dict[ox.Variable, ox.NamedNode | ox.Literal]:
        """Bind every parameter: the caller's value where given, else its default."""
        known = {p.name for p in self.parameters}
        unknown = sorted(set(values) - known)
        if unknown:
            takes = ", ".join(sorted(known)) or "none"
            raise ParameterError(f"unknown parameter(s) {', '.join(unknown)}; this query takes: {takes}")
        return {ox.Variable(p.name): p.term(values.get(p.name), base_iri) for p in self.parameters}


def parse_named_query(name: str, text: str) -> NamedQuery:
    titles: dict[str, str] = {}
    descriptions: dict[str, str] = {}
    parameters = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        if header := _HEADER.match(line):
            field_name, language, value = header.groups()
            (titles if field_name == "title" else descriptions)[language or "en"] = value
        elif param := _PARAM.match(line):
            parameter_name, default = param.groups()
            kind = "iri" if default.startswith("<") else "literal"
            parameters.append(Parameter(parameter_name, kind, default[1:-1]))
    return NamedQuery(name, text, titles, descriptions, tuple(parameters))


def load_queries(directory: Path) -> dict[str, NamedQuery]:
    """All named queries of a directory, by file name without .rq, in name order."""
    if not directory.is_dir():
        return {}
    return {
        path.stem: parse_named_query(path.stem, path.read_text("utf-8"))
        for path in sorted(directory.glob("*.rq"))
    }
