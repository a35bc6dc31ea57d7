"""The release's data dumps, written from one sorted list of N-Triples lines.

rdflib's serializers need an rdflib graph (about half a minute to build at a million
triples) and take minutes more; these writers stream Turtle and JSON-LD from the sorted
N-Triples of the pyoxigraph store instead. Sorting fixes the order of everything, so the
same input gives the same bytes in any process; each file is hashed as it is written.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
#: ``json.dumps(value, ensure_ascii=False, sort_keys=True)`` without building an encoder per call.
_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_LOCAL_NAME = re.compile(r"[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_-])?")


def sorted_ntriples(store: ox.Store) -> list[bytes]:
    """The default graph as N-Triples lines (UTF-8, each ending in a newline), sorted.

    Bytes, not str: a line with one Cyrillic letter would take two bytes per character as a
    Python str; UTF-8 sorts in code point order all the same.
    """
    dumped = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    lines = dumped.splitlines(keepends=True)
    del dumped
    lines.sort()
    return lines


class HashingFile:
    """A file written in pieces, its size and SHA-256 known when it is closed."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = path.open("wb")
        self.hash = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self.handle.write(data)
        self.hash.update(data)
        self.size += len(data)

    def close(self) -> None:
        self.handle.close()

    @property
    def sha256(self) -> str:
        return self.hash.hexdigest()


def write_ntriples(path: Path, lines: list[bytes], compress: bool) -> HashingFile:
    """The lines as a file, gzip-compressed without a name or date (reproducible) if asked."""
    target = HashingFile(path)
    sink = (
        gzip.GzipFile(filename="", mode="wb", fileobj=target, mtime=0, compresslevel=6)
        if compress
        else target
    )
    for chunk in _chunks(lines):
        sink.write(chunk)
    if compress:
        sink.close()
    target.close()
    return target


def write_readable(
    lines: list[bytes], turtle: Path, jsonld: Path, prefixes: dict[str, str], context: dict
) -> tuple[HashingFile, HashingFile, int]:
    """The Turtle and JSON-LD dumps, in one pass over the lines; also counts the subjects."""
    writers = (TurtleWriter(turtle, prefixes), JsonLdWriter(jsonld, context))
    subjects = 0
    for subject, statements in _by_subject(lines):
        subjects += 1
        for writer in writers:
            writer.add(subject, statements)
    return writers[0].close(), writers[1].close(), subjects


class _BufferedWriter:
    def __init__(self, path: Path):
        self.target = HashingFile(path)
        self.buffer: list[str] = []

    def _put(self, text: str) -> None:
        self.buffer.append(text)
        if len(self.buffer) >= 2000:
            self._flush()

    def _flush(self) -> None:
        self.target.write("".join(self.buffer).encode("utf-8"))
        self.buffer.clear()

    def close(self) -> HashingFile:
        self._flush()
        self.target.close()
        return self.target


class TurtleWriter(_BufferedWriter):
    """Turtle with our prefixes: one block per subject, ``a`` first, predicates in order."""

    def __init__(self, path: Path, prefixes: dict[str, str]):
        super().__init__(path)
        self.names = IriNames(prefixes)
        self._put("".join(f"@prefix {p}: <{ns}> .\n" for p, ns in sorted(self.names.prefixes.items())) + "\n")

    def add(self, subject: str, statements: list[tuple[str, str]]) -> None:
        self._put(_turtle_block(subject, statements, self.names))


class JsonLdWriter(_BufferedWriter):
    """JSON-LD with our embedded context: one node object per line, keys and values sorted."""

    def __init__(self, path: Path, context: dict):
        super().__init__(path)
        self.compact = JsonLdCompactor(context["@context"])
        head = json.dumps(context, ensure_ascii=False, indent=2, sort_keys=True)
        self._put(head[: head.rindex("}")].rstrip() + ',\n  "@graph": [\n')
        self.first = True

    def add(self, subject: str, statements: list[tuple[str, str]]) -> None:
        node = _JSON(self.compact.node(subject, statements))
        self._put(node if self.first else ",\n" + node)
        self.first = False

    def close(self) -> HashingFile:
        self._put("\n  ]\n}\n")
        return super().close()


# ---------------------------------------------------------------- reading N-Triples lines


def _chunks(lines: list[bytes], size: int = 20000) -> Iterator[bytes]:
    for start in range(0, len(lines), size):
        yield b"".join(lines[start : start + size])


def _split(line: str) -> tuple[str, str, str]:
    """Subject, predicate and object of a canonical N-Triples line, each in N-Triples form."""
    subject_end = line.index(" ")
    predicate_end = line.index(" ", subject_end + 1)
    return (
        line[:subject_end],
        line[subject_end + 1 : predicate_end],
        line[predicate_end + 1 : line.rindex(" .")],
    )


def _by_subject(lines: Iterable[bytes]) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """(subject, [(predicate, object)…]) for each run of lines about one subject."""
    current, statements = None, []
    for line in lines:
        subject, predicate, value = _split(line.decode("utf-8"))
        if subject != current:
            if current is not None:
                yield current, statements
            current, statements = subject, []
        statements.append((predicate, value))
    if current is not None:
        yield current, statements


def parse_literal(term: str) -> tuple[str, str | None, str]:
    """(lexical form, language, datatype IRI) of an N-Triples literal."""
    if term.endswith('"'):
        quoted, language, datatype = term, None, XSD_STRING
    elif term.endswith(">"):
        quoted, _, datatype = term[:-1].rpartition('"^^<')
        quoted, language = quoted + '"', None
    else:
        quoted, _, language = term.rpartition('"@')
        quoted, datatype = quoted + '"', "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
    if "\\" not in quoted:
        return quoted[1:-1], language, datatype  # nothing escaped: the text itself
    try:
        value = json.loads(quoted)  # canonical N-Triples escapes are a subset of JSON's
    except ValueError:
        value = next(
            iter(ox.parse(f"<x:s> <x:p> {term} .".encode(), format=ox.RdfFormat.N_TRIPLES))
        ).object.value
    return value, language, datatype


# ---------------------------------------------------------------- Turtle


class IriNames:
    """Prefixed names for IRIs, where a declared namespace and a plain local name allow one."""

    def __init__(self, prefixes: dict[str, str]):
        namespaces = sorted(prefixes.items(), key=lambda item: -len(item[1]))
        # A namespace inside another would make the choice of prefix depend on the order.
        self.prefixes = {
            p: ns for p, ns in namespaces if not any(o != ns and o.startswith(ns) for _, o in namespaces)
        }
        self.by_namespace = {ns: p for p, ns in self.prefixes.items()}
        self.cache: dict[str, str] = {}

    def __call__(self, term: str) -> str:
        """A term in Turtle: IRIs as prefixed names where possible, anything else unchanged."""
        if not term.startswith("<"):
            return term
        name = self.cache.get(term)
        if name is None:
            name = self.cache[term] = self._compact(term[1:-1]) or term
            if len(self.cache) > 500_000:
                self.cache.clear()
        return name

    def _compact(self, iri: str) -> str | None:
        cut = max(iri.rfind("/"), iri.rfind("#")) + 1
        prefix = self.by_namespace.get(iri[:cut])
        local = iri[cut:]
        if prefix is None or (local and not _LOCAL_NAME.fullmatch(local)):
            return None
        return f"{prefix}:{local}"


def _turtle_block(subject: str, statements: list[tuple[str, str]], names: IriNames) -> str:
    grouped: dict[str, list[str]] = {}
    for predicate, value in statements:
        grouped.setdefault(predicate, []).append(_turtle_object(value, names))
    parts = []
    types = grouped.pop(f"<{RDF_TYPE}>", None)
    if types:
        parts.append("a " + " , ".join(types))
    parts += [f"{names(predicate)} {' , '.join(values)}" for predicate, values in grouped.items()]
    return f"{names(subject)} " + " ;\n    ".join(parts) + " .\n\n"


def _turtle_object(value: str, names: IriNames) -> str:
    if value.startswith('"') and value.endswith(">"):
        quoted, _, datatype = value[:-1].rpartition("^^<")
        return f"{quoted}^^{names('<' + datatype + '>')}"
    return names(value)


# ---------------------------------------------------------------- JSON-LD


class JsonLdCompactor:
    """Node objects compacted with a given context: its terms where they fit, else prefixed names.

    A term is used only for values its definition describes (language maps for
    ``@container: @language``, IRIs for ``@type: @id``, that datatype for a typed term), so
    that expanding the document gives back exactly the triples written.
    """

    def __init__(self, context: dict):
        self.vocab = context.get("@vocab")
        self.id_key = next((t for t, d in context.items() if d == "@id"), "@id")
        self.type_key = next((t for t, d in context.items() if d == "@type"), "@type")
        self.reserved = {t for t in context if not t.startswith("@")}
        self.prefixes = {
            t: d
            for t, d in context.items()
            if isinstance(d, str) and not t.startswith("@") and d.endswith(("/", "#")) and ":" in d
        }
        self.terms: dict[tuple, str] = {}
        for term, definition in context.items():
            if not isinstance(definition, dict) or term.startswith("@"):
                continue
            iri = self._expand(definition.get("@id", term))
            container, coercion = definition.get("@container"), definition.get("@type")
            if container == "@language" and coercion is None:
                self.terms[(iri, "language")] = term
            elif container is None and coercion == "@id":
                self.terms[(iri, "iri")] = term
            elif container is None and coercion and not coercion.startswith("@"):
                self.terms[(iri, "typed", self._expand(coercion))] = term
        self.iri_names = IriNames(self.prefixes)
        self.cache: dict[str, str] = {}

    def node(self, subject: str, statements: list[tuple[str, str]]) -> dict:
        node: dict = {self.id_key: _node_id(subject)}
        for predicate, value in statements:
            iri = predicate[1:-1]
            if iri == RDF_TYPE and value.startswith("<"):
                _append(node, self.type_key, self._name(value[1:-1]))
                continue
            key, compacted = self._value(iri, value)
            if isinstance(compacted, tuple):  # (language, text) for a language map
                languages = node.setdefault(key, {})
                _append(languages, compacted[0], compacted[1])
            else:
                _append(node, key, compacted)
        for key, value in node.items():
            if isinstance(value, list):
                value.sort(key=_JSON)
            elif isinstance(value, dict) and key != self.id_key:
                for texts in value.values():
                    if isinstance(texts, list):
                        texts.sort()
        return node

    def _value(self, iri: str, value: str) -> tuple[str, object]:
        if value.startswith("<") or value.startswith("_:"):
            target = _node_id(value)
            term = self.terms.get((iri, "iri"))
            return (term, target) if term else (self._key(iri), {self.id_key: target})
        text, language, datatype = parse_literal(value)
        if language:
            term = self.terms.get((iri, "language"))
            if term:
                return term, (language, text)
            return self._key(iri), {"@value": text, "@language": language}
        term = self.terms.get((iri, "typed", datatype))
        if term:
            return term, text
        if datatype == XSD_STRING:
            return self._key(iri), text
        return self._key(iri), {"@value": text, "@type": self._name(datatype)}

    def _key(self, iri: str) -> str:
        """A property's key: a name relative to @vocab, else a prefixed name, else the IRI."""
        return self._name(iri)

    def _name(self, iri: str) -> str:
        name = self.cache.get(iri)
        if name is None:
            name = self.cache[iri] = self._shorten(iri)
        return name

    def _shorten(self, iri: str) -> str:
        if self.vocab and iri.startswith(self.vocab):
            local = iri[len(self.vocab) :]
            if local and local not in self.reserved and _LOCAL_NAME.fullmatch(local):
                return local
        prefixed = self.iri_names(f"<{iri}>")
        if not prefixed.startswith("<") and not prefixed.endswith(":"):
            return prefixed
        return iri

    def _expand(self, value: str) -> str:
        prefix, colon, local = value.partition(":")
        if colon and prefix in self.prefixes and not local.startswith("//"):
            return self.prefixes[prefix] + local
        return value


def _node_id(term: str) -> str:
    return term[1:-1] if term.startswith("<") else term


def _append(container: dict, key: str, value: object) -> None:
    existing = container.get(key)
    if existing is None:
        container[key] = value
    elif isinstance(existing, list):
        existing.append(value)
    else:
        container[key] = [existing, value]
