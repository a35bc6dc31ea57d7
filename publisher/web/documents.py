"""Serving one document in whichever format and language a request picks.

Every negotiated URL answers the same way: the format comes from the suffix, ``?format=``
or ``Accept`` (negotiation.py), the language of a page from ``?lang=`` or
``Accept-Language`` (i18n.py); the response says where that exact representation lives
(``Content-Location``: the suffix URL, with ``?lang=`` for a page), what it varied on
(``Vary``), where the others are (``Link: rel="alternate"``, one per format and one per
language), and carries a strong ETag derived from all that, checked before any query runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import Response, request
from werkzeug.datastructures import MIMEAccept
from werkzeug.exceptions import NotAcceptable, NotFound

from publisher.web import http
from publisher.web.i18n import LANGUAGE_NAMES, choose_language
from publisher.web.negotiation import HTML, Choice, Format, choose, content_type, split_suffix
from publisher.web.representations import Rendered, representations


@dataclass(frozen=True)
class Alternate:
    href: str
    media_type: str
    label: str
    hreflang: str | None = None
    language_name: str | None = None


@dataclass
class Document:
    """A document offered by negotiation: its path, the formats it comes in, how to make them."""

    path: str  # the negotiated URL's path, e.g. /id/meeting/x
    suffix_path: str  # what the suffixes attach to, e.g. /id/meeting/x (/index for /)
    offered: tuple[Format, ...]
    rdf: Callable[[Format], bytes]
    html: Callable[[str, DocumentLinks], str] | None = None
    page_languages: tuple[str, ...] = ("ru", "en")
    query: dict[str, str] = field(default_factory=dict)  # kept on every link (e.g. page=2)
    variant: tuple[str, ...] = ()  # anything else the bytes depend on (e.g. the page size)
    #: Link header values known once rendered (paging), given this representation's links
    more_links: Callable[[DocumentLinks], list[str]] | None = None


@dataclass
class DocumentLinks:
    """What a page shows about its other representations."""

    formats: list[Alternate]
    languages: list[Alternate]
    current: str  # this representation's own URL (Content-Location)
    current_path: str = ""
    current_query: dict[str, str] = field(default_factory=dict)

    def page(self, number: int) -> str:
        """Another page of this representation (same format and language)."""
        query = {k: v for k, v in self.current_query.items() if k != "page"}
        if number > 1:
            query["page"] = str(number)
        return _href(self.current_path, query)


def suffix_format(extension: str | None, offered: tuple[Format, ...]) -> Format | None:
    """The format a suffix URL fixes; 404 for a suffix this document does not come in."""
    if extension is None:
        return None
    _, fmt = split_suffix("x." + extension)
    if fmt is None or fmt not in offered:
        raise NotFound()
    return fmt


def serve(document: Document, fixed: Format | None = None) -> Response:
    """The response for a request of ``document`` (``fixed``: the format of its suffix URL)."""
    accept = request.accept_mimetypes if request.headers.get("Accept", "").strip() else MIMEAccept()
    try:
        choice = choose(accept, suffix=fixed, parameter=request.args.get("format"), offered=document.offered)
    except NotAcceptable:
        return not_acceptable(document)
    language, language_fixed = choose_language() if choice.format is HTML else (None, True)
    links = _links(document, choice, language)
    etag = http.representation_etag(links.current, choice.media_type, *document.variant)
    response = http.not_modified(etag, choice.media_type)
    if response is None:

        def render() -> Rendered:
            if choice.format is HTML:
                body = document.html(language, links).encode("utf-8")
            else:
                body = document.rdf(choice.format)
            return Rendered(body, tuple(document.more_links(links)) if document.more_links else ())

        rendered = representations().get_or_make(etag, render)
        response = Response(rendered.body, content_type=content_type(choice))
        http.with_validators(response, etag)
    else:
        rendered = Rendered(b"")
    _headers(response, document, choice, links, language, language_fixed, rendered.links)
    return response


def not_acceptable(document: Document) -> Response:
    """406, listing each format on offer with the URL that serves it whatever the Accept says."""
    lines = [
        "406 Not Acceptable: this document is not offered in any format the Accept header allows.",
        f"Accept: {request.headers.get('Accept', '')[:300]}",
        "Formats on offer:",
    ]
    for fmt in document.offered:
        lines.append(f"  {fmt.media_type:<22} {_href(document.suffix_path + fmt.suffix, document.query)}")
    response = Response("\n".join(lines) + "\n", status=406, content_type="text/plain; charset=utf-8")
    response.vary.add("Accept")
    response.headers["Link"] = ", ".join(
        f'<{_href(document.suffix_path + f.suffix, document.query)}>; rel="alternate"; type="{f.media_type}"'
        for f in document.offered
    )
    return response


def _links(document: Document, choice: Choice, language: str | None) -> DocumentLinks:
    formats = [
        Alternate(_href(document.suffix_path + fmt.suffix, document.query), fmt.media_type, fmt.label)
        for fmt in document.offered
    ]
    languages = []
    if HTML in document.offered:
        for code in document.page_languages:
            languages.append(
                Alternate(
                    _href(document.suffix_path + HTML.suffix, {**document.query, "lang": code}),
                    HTML.media_type,
                    HTML.label,
                    hreflang=code,
                    language_name=LANGUAGE_NAMES.get(code, code),
                )
            )
    query = dict(document.query)
    if choice.format is HTML and language:
        query["lang"] = language
    current_path = document.suffix_path + choice.format.suffix
    return DocumentLinks(formats, languages, _href(current_path, query), current_path, query)


def _headers(
    response: Response,
    document: Document,
    choice: Choice,
    links: DocumentLinks,
    language: str | None,
    language_fixed: bool,
    more: tuple[str, ...] = (),
) -> None:
    response.headers["Content-Location"] = links.current
    if choice.by_accept:
        response.vary.add("Accept")
    if choice.format is HTML and not language_fixed:
        response.vary.add("Accept-Language")
    if language:
        response.headers["Content-Language"] = language
    values = [f'<{a.href}>; rel="alternate"; type="{a.media_type}"' for a in links.formats]
    values += [
        f'<{a.href}>; rel="alternate"; type="text/html"; hreflang="{a.hreflang}"' for a in links.languages
    ]
    response.headers["Link"] = ", ".join([*values, *more])


def _href(path: str, query: dict[str, str]) -> str:
    return path + ("?" + urlencode(sorted(query.items())) if query else "")
