"""Turtle written as text, as a person would write our records: prefixes, one block per resource.

rdflib would take minutes to build and serialize a million triples; the generator knows the
shape of what it writes, so it formats Turtle directly (and counts the triples as it goes).
"""

from __future__ import annotations

from collections.abc import Iterable

#: Prefixes every generated file declares; relative namespaces, like the seed data's.
PREFIXES = (
    ("schema", "http://schema.org/"),
    ("org", "http://www.w3.org/ns/org#"),
    ("prov", "http://www.w3.org/ns/prov#"),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
    ("edtf", "http://id.loc.gov/datatypes/edtf/"),
    ("mtg", "ontology#"),
    ("trip", "id/trip/"),
    ("meeting", "id/meeting/"),
    ("agreement", "id/agreement/"),
    ("person", "id/person/"),
    ("post", "id/post/"),
    ("membership", "id/membership/"),
    ("organization", "id/organization/"),
    ("place", "id/place/"),
    ("topic", "id/topic/"),
    ("kind", "id/agreement-kind/"),
    ("role", "id/role/"),
    ("source", "id/source/"),
)

_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def text(value: str, language: str | None = None) -> str:
    """A string literal, language-tagged when a language is given."""
    literal = '"' + value.translate(_ESCAPES) + '"'
    return f"{literal}@{language}" if language else literal


def typed(value: str, datatype: str) -> str:
    return f"{text(value)}^^{datatype}"


class Resource:
    """One subject's description: its types and its (predicate, objects) in writing order."""

    def __init__(self, subject: str, *types: str):
        self.subject = subject
        self.types = list(types)
        self.values: dict[str, list[str]] = {}

    def add(self, predicate: str, *objects: str) -> Resource:
        bucket = self.values.setdefault(predicate, [])
        for value in objects:
            if value not in bucket:
                bucket.append(value)
        return self

    def names(self, ru: str, en: str, kk: str | None = None, predicate: str = "schema:name") -> Resource:
        self.add(predicate, text(ru, "ru"), text(en, "en"))
        if kk:
            self.add(predicate, text(kk, "kk"))
        return self

    @property
    def triples(self) -> int:
        return len(self.types) + sum(len(objects) for objects in self.values.values())

    def turtle(self) -> str:
        lines = [f"{self.subject} a {' , '.join(self.types)}"]
        for predicate, objects in self.values.items():
            if objects:
                lines.append(f"    {predicate} {' , '.join(objects)}")
        return " ;\n".join(lines) + " .\n"


def document(comment: str, resources: Iterable[Resource]) -> tuple[str, int]:
    """A whole Turtle file and the number of triples it states."""
    width = max(len(prefix) for prefix, _ in PREFIXES) + 1
    head = [f"# {line}".rstrip() for line in comment.splitlines()]
    head += [f"@prefix {prefix + ':':<{width}} <{namespace}> ." for prefix, namespace in PREFIXES]
    blocks, count = [], 0
    for resource in resources:
        blocks.append(resource.turtle())
        count += resource.triples
    return "\n".join(head) + "\n\n" + "\n".join(blocks), count
