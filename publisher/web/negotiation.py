"""Which document a request gets: the formats on offer and how a request picks one.

The same resource is offered as HTML for people and as four RDF syntaxes for programs. A
request picks one, most explicit first: a suffix URL (``/id/meeting/x.ttl``), then the
``?format=`` parameter, then the ``Accept`` header (q-values and all, parsed by werkzeug).
The order in which a route offers its formats breaks ties, so ``*/*`` and a missing
``Accept`` get the route's first format (HTML on resource pages, for people clicking links).
"""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.datastructures import MIMEAccept
from werkzeug.exceptions import BadRequest, NotAcceptable


@dataclass(frozen=True)
class Format:
    """A syntax a document is offered in."""

    key: str
    suffix: str  # the suffix URL's extension, with its dot
    media_type: str  # what the Content-Type says when the client accepts it
    label: str
    rdflib_name: str | None = None  # rdflib's serializer (None for HTML)
    aliases: tuple[str, ...] = ()  # other media types clients ask for, served when they ask only those
    names: tuple[str, ...] = ()  # values of ?format= besides the key and the media type

    @property
    def is_rdf(self) -> bool:
        return self.rdflib_name is not None


HTML = Format("html", ".html", "text/html", "HTML")
TURTLE = Format(
    "turtle", ".ttl", "text/turtle", "Turtle", "turtle", aliases=("application/x-turtle",), names=("ttl",)
)
JSONLD = Format(
    "jsonld",
    ".jsonld",
    "application/ld+json",
    "JSON-LD",
    "json-ld",
    aliases=("application/json",),
    names=("json-ld", "json"),
)
NTRIPLES = Format(
    "ntriples",
    ".nt",
    "application/n-triples",
    "N-Triples",
    "nt",
    aliases=("text/plain",),
    names=("nt", "n-triples"),
)
RDFXML = Format("rdfxml", ".rdf", "application/rdf+xml", "RDF/XML", "xml", names=("rdf", "xml", "rdf+xml"))

#: Every format, in the order offered to people first (HTML wins a tie such as */*).
FORMATS: tuple[Format, ...] = (HTML, TURTLE, JSONLD, NTRIPLES, RDFXML)
#: The same formats for documents that programs fetch first (VoID): RDF wins a tie.
RDF_FIRST: tuple[Format, ...] = (TURTLE, JSONLD, NTRIPLES, RDFXML, HTML)
RDF_FORMATS: tuple[Format, ...] = (TURTLE, JSONLD, NTRIPLES, RDFXML)

_BY_SUFFIX = {f.suffix: f for f in FORMATS}
_BY_NAME = {name: f for f in FORMATS for name in (f.key, f.media_type, *f.aliases, *f.names)}


@dataclass(frozen=True)
class Choice:
    """The format a request gets, the media type to label it with, and how it was chosen."""

    format: Format
    media_type: str
    by_accept: bool  # chosen from the Accept header: the response varies with Accept


def split_suffix(path: str) -> tuple[str, Format | None]:
    """``/id/x.ttl`` -> (``/id/x``, Turtle); a path without a known suffix is returned whole."""
    stem, dot, extension = path.rpartition(".")
    if dot and "/" not in extension:
        found = _BY_SUFFIX.get("." + extension)
        if found is not None:
            return stem, found
    return path, None


def choose(
    accept: MIMEAccept,
    *,
    suffix: Format | None = None,
    parameter: str | None = None,
    offered: tuple[Format, ...] = FORMATS,
) -> Choice:
    """The format for a request; raises BadRequest for an unknown ``?format=``, NotAcceptable
    when nothing on offer matches the Accept header."""
    if parameter is not None:
        named = _BY_NAME.get(parameter.strip().lower())
        if named is None or named not in offered:
            known = ", ".join(f.key for f in offered)
            raise BadRequest(f"unknown format {parameter!r}; this document is offered as: {known}")
        if suffix is not None and named is not suffix:
            raise BadRequest(f"?format={parameter} contradicts the URL's suffix {suffix.suffix}")
        return Choice(named, named.media_type, by_accept=False)
    if suffix is not None:
        return Choice(suffix, suffix.media_type, by_accept=False)
    if not accept:  # no Accept header (or an empty one) means anything will do
        return Choice(offered[0], offered[0].media_type, by_accept=True)
    candidates = [media for f in offered for media in (f.media_type, *f.aliases)]
    best = accept.best_match(candidates)
    if best is None:
        raise NotAcceptable()
    chosen = _BY_NAME[best]
    # Label with the canonical type whenever the client accepts it (an alias is only a fallback).
    media_type = chosen.media_type if accept.quality(chosen.media_type) > 0 else best
    return Choice(chosen, media_type, by_accept=True)


def content_type(choice: Choice) -> str:
    """The Content-Type header value: text types say their charset."""
    if choice.media_type.startswith("text/"):
        return f"{choice.media_type}; charset=utf-8"
    return choice.media_type
