"""The schema.org island a page embeds (``<script type="application/ld+json">``) for search engines.

Search engines read schema.org and little else, and do not reason over our vocabulary, so
the island holds only schema.org terms and types: the resource's schema.org statements, the
schema.org type and name of each node they link to, and the schema.org links to it
(``@reverse``: the events a person attended). It uses the ``https://schema.org`` context
search engines recognise; that context maps every term to ``http://schema.org/``, the
namespace of our data.
"""

from __future__ import annotations

import json

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from publisher.namespaces import SCHEMA
from publisher.web.labels import Lens

SCHEMA_CONTEXT = "https://schema.org"
_NS = str(SCHEMA)


def island(lens: Lens, node: URIRef, page_url: str | None = None) -> str | None:
    """The JSON-LD text to embed, escaped for a <script> element; None when the node has no
    schema.org type (nothing a search engine would use)."""
    types = _schema_types(lens, node)
    if not types:
        return None
    document: dict = {"@context": SCHEMA_CONTEXT, "@id": str(node), "@type": _one_or_many(types)}
    if page_url:
        document["url"] = page_url
    for prop in sorted({p for p in lens.graph.predicates(node, None) if _is_schema(p)}):
        values = [_value(lens, o) for o in sorted(lens.graph.objects(node, prop), key=str)]
        document[_local(prop)] = _one_or_many(values)
    reverse: dict = {}
    for prop in sorted({p for p in lens.graph.predicates(None, node) if _is_schema(p)}):
        subjects = [s for s in sorted(lens.graph.subjects(prop, node), key=str) if isinstance(s, URIRef)]
        if subjects:
            reverse[_local(prop)] = _one_or_many([_reference(lens, s) for s in subjects])
    if reverse:
        document["@reverse"] = reverse
    return script_json(document)


def script_json(document: dict) -> str:
    """JSON that cannot close its <script> element early."""
    text = json.dumps(document, ensure_ascii=False, indent=1, sort_keys=False)
    for character, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(character, escaped)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _value(lens: Lens, value: Node):
    if isinstance(value, Literal):
        if value.language:
            return {"@value": str(value), "@language": value.language}
        python = value.toPython()
        if value.datatype == XSD.boolean and isinstance(python, bool):
            return python
        if isinstance(python, int) and not isinstance(python, bool):
            return python
        return str(value)
    if isinstance(value, URIRef):
        return _reference(lens, value)
    return str(value)


def _reference(lens: Lens, node: URIRef) -> dict:
    reference: dict = {"@id": str(node)}
    types = _schema_types(lens, node)
    if types:
        reference["@type"] = _one_or_many(types)
    names = [
        {"@value": str(n), "@language": n.language} if n.language else str(n)
        for n in sorted(lens.graph.objects(node, SCHEMA.name), key=str)
        if isinstance(n, Literal)
    ]
    if names:
        reference["name"] = _one_or_many(names)
    return reference


def _schema_types(lens: Lens, node: Node) -> list[str]:
    return sorted(_local(t) for t in lens.graph.objects(node, RDF.type) if _is_schema(t))


def _is_schema(term: Node) -> bool:
    return isinstance(term, URIRef) and str(term).startswith(_NS) and len(str(term)) > len(_NS)


def _local(term: Node) -> str:
    return str(term)[len(_NS) :]


def _one_or_many(values: list):
    return values[0] if len(values) == 1 else values
