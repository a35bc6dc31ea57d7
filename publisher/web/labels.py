"""Reading a description graph for people: names in the reader's language, links as local paths.

Every literal shown on a page is picked along a language fallback chain (Kazakh readers get
Russian where no Kazakh name exists, then English), and keeps its language so that the page
can mark it (``lang`` attribute) where it differs from the page's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, SKOS
from rdflib.term import Node

from publisher.namespaces import SCHEMA, prefixes

#: Properties that name a node, most specific first.
LABEL_PROPERTIES = (SCHEMA.name, SKOS.prefLabel, RDFS.label, DCTERMS.title, FOAF.name)

#: Where to look when a text is missing in the reader's language.
FALLBACKS: dict[str, tuple[str, ...]] = {"ru": ("ru", "en"), "en": ("en", "ru"), "kk": ("kk", "ru", "en")}


@dataclass(frozen=True)
class Text:
    """A string and the language it is in ('' when untagged)."""

    value: str
    lang: str = ""

    def __str__(self) -> str:
        return self.value

    def __html__(self) -> str:  # Jinja escapes str(); this keeps it from being treated as markup
        from markupsafe import escape

        return str(escape(self.value))


def language_chain(language: str) -> tuple[str, ...]:
    return FALLBACKS.get(language, (language, "ru", "en"))


def pick(literals: Iterable[Node], language: str) -> list[Text]:
    """The literals in the best available language of the chain (all of them, sorted);
    untagged literals when no tagged one fits, then any language at all."""
    tagged: dict[str, list[str]] = {}
    untagged: list[str] = []
    for literal in literals:
        if not isinstance(literal, Literal):
            continue
        if literal.language:
            tagged.setdefault(literal.language.lower(), []).append(str(literal))
        else:
            untagged.append(str(literal))
    for candidate in language_chain(language):
        if candidate in tagged:
            return [Text(v, candidate) for v in sorted(tagged[candidate])]
    if untagged:
        return [Text(v) for v in sorted(untagged)]
    for other in sorted(tagged):
        return [Text(v, other) for v in sorted(tagged[other])]
    return []


class Lens:
    """A description graph seen in one language, with links resolved to local paths."""

    def __init__(self, graph: Graph, language: str, base_iri: str):
        self.graph = graph
        self.lang = language
        self.base_iri = base_iri
        self._curies = sorted(((ns, p) for p, ns in prefixes(base_iri).items()), key=lambda x: -len(x[0]))
        self._labels: dict[Node, Text] = {}  # a page asks for the same names again and again

    # ------------------------------------------------------------ navigating

    def objects(self, node: Node, prop: URIRef) -> list[Node]:
        """The values of a property, sorted by how they read (labels, then IRIs)."""
        return sorted(set(self.graph.objects(node, prop)), key=self.sort_key)

    def subjects(self, prop: URIRef, node: Node) -> list[Node]:
        return sorted(set(self.graph.subjects(prop, node)), key=self.sort_key)

    def value(self, node: Node, prop: URIRef) -> Node | None:
        values = self.objects(node, prop)
        return values[0] if values else None

    def types(self, node: Node) -> set[Node]:
        return set(self.graph.objects(node, RDF.type))

    def is_a(self, node: Node, *classes: URIRef) -> bool:
        return not self.types(node).isdisjoint(classes)

    # ------------------------------------------------------------ reading

    def texts(self, node: Node, prop: URIRef) -> list[Text]:
        """Every value of a text property in the best language available."""
        return pick(self.graph.objects(node, prop), self.lang)

    def text(self, node: Node, prop: URIRef) -> Text | None:
        values = self.texts(node, prop)
        return values[0] if values else None

    def label(self, node: Node) -> Text:
        """What to call a node: its name in the best language, else a readable form of its IRI.

        Remembered per node (``graph_changed`` forgets them)."""
        found = self._labels.get(node)
        if found is None:
            found = self._labels[node] = self._label(node)
        return found

    def graph_changed(self) -> None:
        """Forget the names remembered: the graph has new triples."""
        self._labels.clear()

    def _label(self, node: Node) -> Text:
        for prop in LABEL_PROPERTIES:
            found = self.text(node, prop)
            if found is not None:
                return found
        if isinstance(node, Literal):
            return Text(str(node), node.language or "")
        return Text(self.curie(node))

    def curie(self, node: Node) -> str:
        """``schema:attendee`` for a term of a known vocabulary, else the IRI itself."""
        if isinstance(node, BNode):
            return "_:" + str(node)
        iri = str(node)
        for namespace, prefix in self._curies:
            if iri.startswith(namespace) and len(iri) > len(namespace):
                return f"{prefix}:{iri[len(namespace) :]}"
        return iri

    def href(self, node: Node) -> str | None:
        """Where a link to a node goes: a local path for our IRIs, the IRI itself otherwise."""
        if isinstance(node, URIRef):
            iri = str(node)
            if iri.startswith(self.base_iri):
                return "/" + iri[len(self.base_iri) :]
            return iri
        return None

    def is_ours(self, node: Node) -> bool:
        return isinstance(node, URIRef) and str(node).startswith(self.base_iri)

    def sort_key(self, node: Node) -> tuple[str, str]:
        if isinstance(node, Literal):
            return (str(node).casefold(), node.language or "")
        return (self.label(node).value.casefold(), str(node))
