"""HTTP behaviour shared by every route: CORS for reads, validators and 304s, gzip, readable errors.

A release never changes once written, so a response's strong ETag can be derived from what
identifies the representation (the release, its Content-Location, media type and language)
before any query runs, and a conditional GET is answered without touching the store.

Done here for every response, whichever blueprint made it:

- CORS: ``Access-Control-Allow-Origin: *`` and a preflight (OPTIONS with
  ``Access-Control-Request-Method``) answered for any route with the methods that route allows;
- gzip of text bodies of at least ``GZIP_MIN_BYTES`` when the client accepts it; the gzipped
  variant gets its own ETag (``…-gzip"``), as RFC 9110 asks of a different representation;
- conditional GET/HEAD (If-None-Match, If-Modified-Since) on any response that carries validators;
- errors as a short plain-text message, or an HTML page for browsers; never a traceback.
"""

from __future__ import annotations

import gzip
import hashlib
from datetime import UTC, datetime
from functools import lru_cache

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import BadGateway, HTTPException, InternalServerError, ServiceUnavailable
from werkzeug.http import is_resource_modified

from publisher.backends import BackendError
from publisher.web import current_site
from publisher.web.representations import Rendered, representations

GZIP_MIN_BYTES = 1024
COMPRESSIBLE = (
    "text/",
    "application/ld+json",
    "application/json",
    "application/n-triples",
    "application/rdf+xml",
    "application/xml",
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "image/svg+xml",
)
EXPOSED_HEADERS = "Content-Location, Content-Language, ETag, Last-Modified, Link, Location, Vary"
PREFLIGHT_MAX_AGE = 86400
_ALLOWED_HEADER_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_, ")


def init_app(app: Flask) -> None:
    app.before_request(_preflight)
    app.after_request(_finish)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(BackendError, _store_error)
    app.register_error_handler(Exception, _unexpected_error)


# ---------------------------------------------------------------- validators


def representation_etag(*parts: str) -> str:
    """A strong ETag for one representation of this release (no quotes; werkzeug adds them)."""
    digest = hashlib.sha256("\x1f".join((current_site().release_id, *parts)).encode()).hexdigest()
    return digest[:32]


def release_time() -> datetime:
    """When the release was built: the Last-Modified of everything derived from it."""
    return _built_at(current_site().manifest["built"])


@lru_cache(maxsize=16)
def _built_at(stamp: str) -> datetime:
    """A release's build time, parsed once (every response carries it)."""
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def cache_control(response: Response) -> None:
    """Public and briefly fresh: a new release may be swapped in at any time, ETags revalidate."""
    response.cache_control.public = True
    response.cache_control.max_age = int(current_app.config.get("CACHE_MAX_AGE", 300))


def with_validators(response: Response, etag: str) -> Response:
    """Give a response its ETag, Last-Modified and Cache-Control; ``_finish`` answers 304s."""
    response.set_etag(etag)
    response.last_modified = release_time()
    cache_control(response)
    return response


def not_modified(etag: str, media_type: str) -> Response | None:
    """A 304 when the client already holds this representation, before any work is done."""
    if request.method not in ("GET", "HEAD"):
        return None
    variant = _variant_etag(etag, media_type)
    if not is_resource_modified(request.environ, etag=variant, last_modified=release_time()):
        response = with_validators(Response(status=304), variant)
        if _compressible(media_type):
            response.vary.add("Accept-Encoding")
        return response
    return None


def _variant_etag(etag: str, media_type: str) -> str:
    """The ETag of what this client will receive: gzip-capable clients get a distinct one."""
    if _compressible(media_type) and _accepts_gzip():
        return etag + "-gzip"
    return etag


# ---------------------------------------------------------------- every response


def _preflight() -> Response | None:
    """Answer a CORS preflight for any route, with the methods that route allows."""
    if request.method != "OPTIONS" or "Access-Control-Request-Method" not in request.headers:
        return None
    try:
        methods = current_app.create_url_adapter(request).allowed_methods()
    except HTTPException:
        methods = []
    if not methods:
        return None  # no such route: the ordinary 404
    response = Response(status=204)
    response.headers.remove("Content-Type")
    response.headers["Access-Control-Allow-Methods"] = ", ".join(sorted(set(methods)))
    asked = request.headers.get("Access-Control-Request-Headers", "")
    if asked and set(asked) <= _ALLOWED_HEADER_CHARS:
        response.headers["Access-Control-Allow-Headers"] = asked
    response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
    return response


def _finish(response: Response) -> Response:
    _cors(response)
    if request.method in ("GET", "HEAD") and response.status_code == 200:
        _conditional_and_compressed(response)
    return response


def _cors(response: Response) -> Response:
    response.headers.setdefault("Access-Control-Allow-Origin", "*")
    response.headers.setdefault("Access-Control-Expose-Headers", EXPOSED_HEADERS)
    return response


def _conditional_and_compressed(response: Response) -> None:
    if response.direct_passthrough or response.is_streamed:
        return  # files (own conditional and Range handling) and streams are left as they are
    compressible = _compressible(response.mimetype) and "Content-Encoding" not in response.headers
    if compressible:
        response.vary.add("Accept-Encoding")
    gzip_it = compressible and _accepts_gzip()
    etag, weak = response.get_etag()
    if etag and gzip_it and not weak and not etag.endswith("-gzip"):
        response.set_etag(etag + "-gzip")
    if etag or response.last_modified:
        response.make_conditional(request)
    if gzip_it and response.status_code == 200:
        body = response.get_data()
        if len(body) >= GZIP_MIN_BYTES:
            if etag and not weak and (request.blueprint or "").startswith("pages"):
                # one of our representations (ETag = its identity): compress it once per worker
                final = response.get_etag()[0]
                zipped = representations().get_or_make(final, lambda: Rendered(_gzip(body))).body
            else:
                zipped = _gzip(body)
            response.set_data(zipped)
            response.headers["Content-Encoding"] = "gzip"


def _gzip(body: bytes) -> bytes:
    """Deterministic gzip (no name, no date): the same bytes for the same ETag, every time."""
    return gzip.compress(body, compresslevel=6, mtime=0)


def _compressible(media_type: str | None) -> bool:
    return bool(media_type) and media_type.startswith(COMPRESSIBLE)


def _accepts_gzip() -> bool:
    return request.accept_encodings["gzip"] > 0


# ---------------------------------------------------------------- errors


def prefers_html() -> bool:
    """Whether the client is a browser (HTML before plain text); programs get plain text."""
    return request.accept_mimetypes.best_match(["text/plain", "text/html"]) == "text/html"


def _http_error(error: HTTPException) -> Response:
    """A readable message: an HTML page for browsers, plain text for everyone else."""
    if error.response is not None:
        return error.response  # a route built its own answer (e.g. 406 with the formats on offer)
    response = error.get_response()
    response.headers.pop("Content-Length", None)
    html = _error_page(error) if prefers_html() and request.method != "OPTIONS" else None
    if html is not None:
        response.set_data(html)
        response.content_type = "text/html; charset=utf-8"
    else:
        response.set_data(f"{error.code} {error.name}: {error.description}\n".encode())
        response.content_type = "text/plain; charset=utf-8"
    response.vary.add("Accept")  # a page for browsers, a line of text for programs
    if html is not None:
        response.vary.add("Accept-Language")
    if (error.code or 500) >= 500:
        response.headers["Cache-Control"] = "no-store"
    return response


def _error_page(error: HTTPException) -> str | None:
    """The error as a page in the site's layout; None if even that fails (then plain text)."""
    try:
        from flask import render_template

        from publisher.web.i18n import choose_language_leniently, translator

        language = choose_language_leniently()
        return render_template(
            "error.html", error=error, lang=language, t=translator(language), alternates=[], page_langs=[]
        )
    except Exception:
        current_app.logger.exception("the error page could not be rendered")
        return None


def _store_error(error: BackendError) -> Response:
    """A page whose data a remote store did not give (down, too slow, refusing): the store's
    failure, told as such (503 or 502), never as this server's own error."""
    current_app.logger.warning("remote store, on %s: %s", request.path, error.message)
    if error.status == 503:
        return _http_error(ServiceUnavailable(f"the data store did not answer: {error.message}"))
    return _http_error(BadGateway(f"the data store could not answer: {error.message}"))


def _unexpected_error(error: Exception) -> Response:
    if isinstance(error, HTTPException):
        return _http_error(error)
    current_app.logger.exception("unexpected error on %s %s", request.method, request.path)
    return _http_error(InternalServerError("the server met an unexpected condition; it has been logged"))
