"""The formats a query's answer is offered in, and how a request picks one.

What can be offered depends on the kind of answer: a table of solutions (SELECT), a boolean
(ASK) or a graph (CONSTRUCT, DESCRIBE), and the kind is only known once the query is parsed.
So a request's choice is made for every kind up front (``choose_all``) and the query worker
writes whichever fits. ``?format=`` wins over ``Accept``; ``json`` and ``xml`` mean the JSON or
XML format of whatever kind the answer is. Ties (``*/*``, no Accept) go to the first format
of the kind; HTML is offered last, so only a client that prefers it (a browser) gets the page.
"""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.datastructures import MIMEAccept

SOLUTIONS, BOOLEAN, GRAPH = "solutions", "boolean", "graph"
KINDS = (SOLUTIONS, BOOLEAN, GRAPH)
#: The kind of answer each query form gives.
KIND_OF_FORM = {"SELECT": SOLUTIONS, "ASK": BOOLEAN, "CONSTRUCT": GRAPH, "DESCRIBE": GRAPH}

_FORMATS_NS = "http://www.w3.org/ns/formats/"


@dataclass(frozen=True)
class ResultFormat:
    """One serialization of an answer."""

    key: str  # stable name, also a value of ?format=
    label: str
    media_type: str
    charset: bool  # whether Content-Type says charset=utf-8 (text and XML types; JSON has none)
    extension: str  # of the file a download is saved as
    iri: str | None = None  # its W3C format IRI (service descriptions); None for HTML
    aliases: tuple[str, ...] = ()  # other media types clients ask for it by
    names: tuple[str, ...] = ()  # other values of ?format=

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8" if self.charset else self.media_type


SPARQL_JSON = ResultFormat(
    "json",
    "SPARQL JSON",
    "application/sparql-results+json",
    False,
    "json",
    _FORMATS_NS + "SPARQL_Results_JSON",
    aliases=("application/json", "text/javascript", "application/javascript"),
    names=("srj",),
)
SPARQL_XML = ResultFormat(
    "xml",
    "SPARQL XML",
    "application/sparql-results+xml",
    True,
    "xml",
    _FORMATS_NS + "SPARQL_Results_XML",
    aliases=("application/xml", "text/xml"),
    names=("srx",),
)
CSV = ResultFormat("csv", "CSV", "text/csv", True, "csv", _FORMATS_NS + "SPARQL_Results_CSV")
TSV = ResultFormat("tsv", "TSV", "text/tab-separated-values", True, "tsv", _FORMATS_NS + "SPARQL_Results_TSV")
TURTLE = ResultFormat(
    "ttl",
    "Turtle",
    "text/turtle",
    True,
    "ttl",
    _FORMATS_NS + "Turtle",
    aliases=("application/turtle", "application/x-turtle", "text/n3", "text/rdf+n3"),
    names=("turtle",),
)
JSON_LD = ResultFormat(
    "jsonld",
    "JSON-LD",
    "application/ld+json",
    False,
    "jsonld",
    _FORMATS_NS + "JSON-LD",
    aliases=("application/json", "application/x-json+ld"),
    names=("json-ld", "json"),
)
N_TRIPLES = ResultFormat(
    "nt",
    "N-Triples",
    "application/n-triples",
    False,
    "nt",
    _FORMATS_NS + "N-Triples",
    aliases=("text/plain",),
    names=("ntriples", "n-triples"),
)
RDF_XML = ResultFormat(
    "rdf",
    "RDF/XML",
    "application/rdf+xml",
    True,
    "rdf",
    _FORMATS_NS + "RDF_XML",
    aliases=("application/xml", "text/xml"),
    names=("rdfxml", "rdf+xml", "xml"),
)
HTML = ResultFormat("html", "HTML", "text/html", True, "html", aliases=("application/xhtml+xml",))

#: The formats of each kind of answer, the default first.
OFFERED: dict[str, tuple[ResultFormat, ...]] = {
    SOLUTIONS: (SPARQL_JSON, SPARQL_XML, CSV, TSV),
    # The CSV/TSV results format defines no boolean; pyoxigraph's bare "true" is no standard.
    BOOLEAN: (SPARQL_JSON, SPARQL_XML),
    GRAPH: (TURTLE, JSON_LD, N_TRIPLES, RDF_XML),
}
BY_KEY = {f.key: f for formats in OFFERED.values() for f in formats} | {HTML.key: HTML}


class UnknownFormat(ValueError):
    """A ``?format=`` value that names no format at all."""


@dataclass(frozen=True)
class Choice:
    """The format a request gets for each kind of answer (None: nothing acceptable)."""

    formats: dict[str, ResultFormat | None]
    by_accept: bool  # chosen from the Accept header: the response varies with it

    def for_kind(self, kind: str) -> ResultFormat | None:
        return self.formats[kind]

    @property
    def keys(self) -> dict[str, str | None]:
        """The choice as plain data, for the query worker."""
        return {kind: (f.key if f else None) for kind, f in self.formats.items()}

    @property
    def wants_html(self) -> bool:
        return any(f is HTML for f in self.formats.values())


def choose_all(accept: MIMEAccept, parameter: str | None, *, html: bool = True) -> Choice:
    """The format for every kind of answer; raises UnknownFormat for a ``?format=`` naming none."""
    if parameter is not None and parameter.strip():
        wanted = parameter.strip().lower()
        formats = {kind: _by_name(wanted, _offer(kind, html)) for kind in KINDS}
        if not any(formats.values()):
            known = ", ".join(sorted({f.key for fs in OFFERED.values() for f in fs} | {HTML.key}))
            raise UnknownFormat(f"unknown format {parameter!r}; known formats: {known}")
        return Choice(formats, by_accept=False)
    return Choice({kind: _by_accept(accept, _offer(kind, html)) for kind in KINDS}, by_accept=True)


def prefers_html(accept: MIMEAccept) -> bool:
    """Whether a client without a query wants the page (a browser) rather than RDF."""
    return _by_accept(accept, (HTML, *OFFERED[GRAPH])) is HTML


def offered_for(kind: str) -> str:
    """The formats of a kind, for a 406 message."""
    return ", ".join(f"{f.key} ({f.media_type})" for f in OFFERED[kind])


def _offer(kind: str, html: bool) -> tuple[ResultFormat, ...]:
    return (*OFFERED[kind], HTML) if html else OFFERED[kind]


def _by_name(name: str, offered: tuple[ResultFormat, ...]) -> ResultFormat | None:
    for candidate in offered:
        if name in (candidate.key, candidate.media_type, *candidate.names):
            return candidate
    for candidate in offered:  # aliases last: application/json is SPARQL JSON before JSON-LD
        if name in candidate.aliases:
            return candidate
    return None


def _by_accept(accept: MIMEAccept, offered: tuple[ResultFormat, ...]) -> ResultFormat | None:
    if not accept:  # no Accept header: anything will do
        return offered[0]
    candidates = [media for f in offered for media in (f.media_type, *f.aliases)]
    best = accept.best_match(candidates)
    if best is None:
        return None
    return next(f for f in offered if best in (f.media_type, *f.aliases))
