"""The SPARQL endpoint (/sparql) and the named queries (/queries/<name>).

Every query that comes from outside takes one guarded path (``_answer``): a validator first
(a release never changes, so the ETag is known before anything runs and a revalidation
costs nothing), then a query worker that checks the query, runs it under a hard time limit
and writes the answer capped at the row limit, then one log line. Named queries take the
same path with their parameters bound as RDF terms (pyoxigraph substitutions), never pasted
into the text. A query's text may declare parameters the same way (``# param:`` comment
headers, see ``publisher.queries``), so the text of a named query behaves the same in the
editor as at its own URL.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import threading
import time
from dataclasses import dataclass

from flask import Blueprint, Flask, Response, current_app, request
from werkzeug.datastructures import MIMEAccept
from werkzeug.exceptions import BadRequest, HTTPException, NotFound
from werkzeug.http import HTTP_STATUS_CODES

from publisher.namespaces import prefixes
from publisher.queries import NamedQuery, ParameterError, parse_named_query
from publisher.sparql_guard import QueryRefused, check_dataset
from publisher.web import current_site, sparql_pages
from publisher.web.http import EXPOSED_HEADERS, cache_control, release_time
from publisher.web.http import prefers_html as browser_wants_html
from publisher.web.i18n import choose_language_leniently
from publisher.web.labels import language_chain
from publisher.web.protocol import ProtocolRequest, read
from publisher.web.query_runner import PoolBusy, PoolError, QueryPool
from publisher.web.query_worker import Job, Outcome, Term, WorkerEnv
from publisher.web.result_formats import (
    BOOLEAN,
    BY_KEY,
    GRAPH,
    HTML,
    OFFERED,
    SOLUTIONS,
    Choice,
    UnknownFormat,
    choose_all,
    offered_for,
    prefers_html,
)
from publisher.web.service_description import describe_service

blueprint = Blueprint("sparql", __name__)
log = logging.getLogger("publisher.sparql")

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
TRUNCATED_HEADER = "Results-Truncated"
LIMIT_HEADER = "Results-Row-Limit"
RESERVED = ("format",)  # URL parameters that are never query parameters
ANSWERS = {
    SOLUTIONS: "a table of solutions (SELECT)",
    BOOLEAN: "a yes or no (ASK)",
    GRAPH: "a graph (CONSTRUCT, DESCRIBE)",
}


@dataclass(frozen=True)
class QueryCall:
    """A query to answer and where it came from (a user's text, or a named query)."""

    text: str
    origin: str  # "/sparql" or the named query's path
    substitutions: tuple[tuple[str, Term], ...] = ()
    values: tuple[tuple[str, str], ...] = ()  # the parameters as given (for pages and links)
    named: NamedQuery | None = None


# ---------------------------------------------------------------- routes


@blueprint.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    """SPARQL 1.1 Protocol: query by GET or POST; without a query, the page or the description."""
    html_first = browser_wants_html()
    try:
        asked = read(request, int(_setting("SPARQL_MAX_QUERY_LENGTH")))
    except HTTPException as error:
        if html_first and error.code != 405:
            return _error_page(error.code or 400, error.description or "", text=None)
        raise
    if asked.query is None:
        if asked.has_protocol_parameters:
            raise BadRequest("default-graph-uri / named-graph-uri need a query")
        if "example" in asked.parameters:
            return _example_in_editor(asked.parameters["example"])
        return _without_query(asked)
    try:
        check_dataset(asked.default_graphs, asked.named_graphs, current_site().base_iri)
        call = _user_call(asked)
    except (QueryRefused, ParameterError) as error:
        return _refuse(error, asked.query, html_first)
    return _answer(call, asked.format)


@blueprint.get("/queries")
def named_queries() -> Response:
    """The list of named queries (a page)."""
    language = choose_language_leniently()
    return Response(sparql_pages.render_list(current_site(), language), content_type=HTML.content_type)


@blueprint.get("/queries/<name>.rq")
def named_query_text(name: str) -> Response:
    """A named query's text, as a file."""
    named = _named(name)
    response = Response(named.text, content_type="application/sparql-query; charset=utf-8")
    response.set_etag(hashlib.sha256((current_site().release_id + named.text).encode()).hexdigest()[:32])
    cache_control(response)
    return response


@blueprint.get("/queries/<name>")
def named_query(name: str) -> Response:
    """A named query, run with the parameters of the URL (a page, or any result format)."""
    named = _named(name)
    declared = {p.name for p in named.parameters}
    values: dict[str, str] = {}
    for key in request.args:
        if key in RESERVED or (key == "lang" and key not in declared):
            continue  # lang, when not a parameter, is the page's language
        given = request.args.getlist(key)
        if len(given) > 1:
            raise BadRequest(f"parameter {key!r} is given {len(given)} times; give it once")
        values[key] = given[0]
    try:
        substitutions = named.substitutions(values, current_site().base_iri)
    except ParameterError as error:
        return _refuse(error, None, browser_wants_html(), named=named, values=values)
    call = QueryCall(
        text=named.text,
        origin=f"/queries/{name}",
        substitutions=tuple((v.value, Term.of(t)) for v, t in substitutions.items()),
        values=tuple(sorted(values.items())),
        named=named,
    )
    return _answer(call, request.args.get("format"))


# ---------------------------------------------------------------- the guarded path


def _answer(call: QueryCall, format_parameter: str | None) -> Response:
    """Validate, run in a worker, write: the one way a query from outside is answered."""
    started = time.perf_counter()
    try:
        choice = choose_all(_accept(), format_parameter)
    except UnknownFormat as error:
        return _refuse(QueryRefused(400, str(error)), call.text, browser_wants_html(), call=call)
    language = choose_language_leniently()
    etag = _etag(call, choice, language)
    if request.method in ("GET", "HEAD") and request.if_none_match.contains_weak(etag):
        _log(call, 304, started, note="not modified")
        return _finish(Response(status=304), etag, choice, html=choice.wants_html)

    job = Job(
        text=call.text,
        formats=choice.keys,
        max_rows=int(_setting("SPARQL_MAX_ROWS")),
        page_rows=int(_setting("SPARQL_PAGE_ROWS")),
        timeout=float(_setting("SPARQL_TIMEOUT")),
        substitutions=call.substitutions,
        language=language,
    )
    try:
        outcome = _pool().run(job, wait=float(_setting("SPARQL_QUEUE_TIMEOUT")))
    except PoolError as error:
        _log(call, 503, started, note=type(error).__name__)
        response = _error(503, error.message, call)
        if isinstance(error, PoolBusy):
            response.headers["Retry-After"] = "5"
        return response

    if outcome.status == 406 and not outcome.message:
        outcome.message = (
            f"this query's answer is {ANSWERS[outcome.kind]}, offered as: {offered_for(outcome.kind)} "
            f"(ask with Accept or ?format=)"
        )
    _log(call, outcome.status, started, outcome=outcome)
    if outcome.status != 200:
        return _error(outcome.status, outcome.message, call)
    if outcome.format == HTML.key:
        page = sparql_pages.render_results(current_site(), call, outcome, language, _settings(), _suggest)
        response = Response(page, content_type=HTML.content_type)
    else:
        response = Response(outcome.body, content_type=BY_KEY[outcome.format].content_type)
    response.headers[LIMIT_HEADER] = str(job.page_rows if outcome.format == HTML.key else job.max_rows)
    if outcome.truncated:
        response.headers[TRUNCATED_HEADER] = "true"
    return _finish(response, etag, choice, html=outcome.format == HTML.key)


def _finish(response: Response, etag: str, choice: Choice, *, html: bool) -> Response:
    """Validators, caching and CORS headers of an answer (and of its 304)."""
    response.set_etag(etag, weak=True)  # blank node labels differ between runs: weak
    response.last_modified = release_time()
    cache_control(response)
    if choice.by_accept:
        response.vary.add("Accept")
    if html:
        response.vary.add("Accept-Language")
    response.headers["Access-Control-Expose-Headers"] = (
        f"{EXPOSED_HEADERS}, {LIMIT_HEADER}, {TRUNCATED_HEADER}"
    )
    return response


def _etag(call: QueryCall, choice: Choice, language: str) -> str:
    """Names one answer of this release: the query, its bindings, the formats, the limits."""
    parts = {
        "release": current_site().release_id,
        "origin": call.origin,
        "query": call.text.strip().replace("\r\n", "\n"),
        "values": call.values,
        "formats": choice.keys,
        "language": language if choice.wants_html else "",
        "limits": [_setting("SPARQL_MAX_ROWS"), _setting("SPARQL_PAGE_ROWS")],
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:32]


def _user_call(asked: ProtocolRequest) -> QueryCall:
    """A user's query, with the parameters its ``# param:`` headers declare bound from the URL."""
    declared = parse_named_query("query", asked.query)
    values = {p.name: asked.parameters[p.name] for p in declared.parameters if p.name in asked.parameters}
    substitutions = declared.substitutions(values, current_site().base_iri)
    return QueryCall(
        text=asked.query,
        origin="/sparql",
        substitutions=tuple((v.value, Term.of(t)) for v, t in substitutions.items()),
        values=tuple(sorted(values.items())),
    )


# ---------------------------------------------------------------- without a query


def _without_query(asked: ProtocolRequest) -> Response:
    """The query page for browsers, the service description for programs."""
    site = current_site()
    if asked.format == HTML.key or (asked.format is None and prefers_html(_accept())):
        page = sparql_pages.render_editor(site, choose_language_leniently(), _settings())
        response = Response(page, content_type=HTML.content_type)
        response.vary.add("Accept")
        response.vary.add("Accept-Language")
        return response
    try:
        choice = choose_all(_accept(), asked.format, html=False)
    except UnknownFormat as error:
        raise BadRequest(str(error)) from None
    chosen = choice.for_kind(GRAPH)
    if chosen is None:
        offered = ", ".join(f.media_type for f in OFFERED[GRAPH])
        return _plain(406, f"the service description is offered as HTML and as {offered}")
    body = _service_description(chosen.key)
    response = Response(body, content_type=chosen.content_type)
    return _finish(response, _etag(QueryCall("", "/sparql#description"), choice, ""), choice, html=False)


def _example_in_editor(name: str) -> Response:
    """The editor holding a named query's text (with its # param: lines), not yet run."""
    named = _named(name)
    page = sparql_pages.render_editor(
        current_site(), choose_language_leniently(), _settings(), text=named.text, suggest=_suggest
    )
    response = Response(page, content_type=HTML.content_type)
    response.vary.add("Accept-Language")
    return response


_DESCRIPTIONS: dict[tuple[str, str], bytes] = {}


def _service_description(format_key: str) -> bytes:
    site = current_site()
    key = (site.release_id, format_key)
    if key not in _DESCRIPTIONS:
        graph = describe_service(site, _settings())
        rdflib_name = {"ttl": "turtle", "jsonld": "json-ld", "nt": "nt", "rdf": "xml"}[format_key]
        if format_key == "jsonld":
            context = {p: ns for p, ns in graph.namespaces()}
            text = graph.serialize(format="json-ld", context=context, auto_compact=True)
        else:
            text = graph.serialize(format=rdflib_name)
        _DESCRIPTIONS[key] = text.encode("utf-8")
    return _DESCRIPTIONS[key]


_SUGGEST = """PREFIX schema: <http://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?resource ?label ?namespace
WHERE { ?resource schema:name|skos:prefLabel|rdfs:label ?label FILTER(STRSTARTS(STR(?resource), ?namespace)) }
"""
_SUGGESTIONS: dict[tuple[str, str, str], list[tuple[str, str]]] = {}
MAX_SUGGESTIONS = 1000


def _suggest(namespace: str) -> list[tuple[str, str]]:
    """Resources in a namespace with their names, to offer in a parameter's field.

    Run like any query (in a worker, under the time limit: the scan grows with the data) and
    remembered for the release; a failure only means the field offers nothing.
    """
    site, language = current_site(), choose_language_leniently()
    key = (site.release_id, namespace, language)
    if key not in _SUGGESTIONS:
        job = Job(
            text=_SUGGEST,
            formats={SOLUTIONS: "json", BOOLEAN: None, GRAPH: None},
            max_rows=20 * MAX_SUGGESTIONS,
            page_rows=0,
            timeout=float(_setting("SPARQL_TIMEOUT")),
            substitutions=(("namespace", Term("literal", namespace, XSD_STRING)),),
        )
        try:
            outcome = _pool().run(job, wait=float(_setting("SPARQL_QUEUE_TIMEOUT")))
        except PoolError:
            return []
        rows = json.loads(outcome.body)["results"]["bindings"] if outcome.status == 200 else []
        _SUGGESTIONS[key] = _best_labels(rows, site.base_iri, language)
    return _SUGGESTIONS[key]


def _best_labels(rows: list[dict], base_iri: str, language: str) -> list[tuple[str, str]]:
    ranked: dict[str, tuple[int, str]] = {}
    chain = language_chain(language)
    for row in rows:
        label = row["label"]
        rank = chain.index(label["xml:lang"]) if label.get("xml:lang") in chain else len(chain)
        iri = row["resource"]["value"]
        if iri not in ranked or rank < ranked[iri][0]:
            ranked[iri] = (rank, label["value"])
    found = sorted(((label, iri) for iri, (_, label) in ranked.items()), key=lambda x: x[0].casefold())
    return [(iri.removeprefix(base_iri), label) for label, iri in found[:MAX_SUGGESTIONS]]


# ---------------------------------------------------------------- errors


def _refuse(
    error: QueryRefused | ParameterError,
    text: str | None,
    html_first: bool,
    *,
    named: NamedQuery | None = None,
    values: dict | None = None,
    call: QueryCall | None = None,
) -> Response:
    status = error.status if isinstance(error, QueryRefused) else 400
    message = error.message if isinstance(error, QueryRefused) else str(error)
    if call is None:
        origin = f"/queries/{named.name}" if named else "/sparql"
        call = QueryCall(
            text or (named.text if named else ""), origin, (), tuple(sorted((values or {}).items())), named
        )
    _log(call, status, time.perf_counter(), note="refused")
    if html_first:
        return _error_page(status, message, text=call.text, call=call)
    return _plain(status, message)


def _error(status: int, message: str, call: QueryCall) -> Response:
    if browser_wants_html():
        return _error_page(status, message, text=call.text, call=call)
    return _plain(status, message)


def _error_page(status: int, message: str, *, text: str | None, call: QueryCall | None = None) -> Response:
    site, language = current_site(), choose_language_leniently()
    if call is not None and call.named is not None:
        page = sparql_pages.render_named(
            site, call, None, language, _settings(), error=message, suggest=_suggest
        )
    else:
        page = sparql_pages.render_editor(
            site, language, _settings(), text=text, error=message, call=call, suggest=_suggest
        )
    response = Response(page, status=status, content_type=HTML.content_type)
    response.headers["Cache-Control"] = "no-store"
    return response


def _plain(status: int, message: str) -> Response:
    name = HTTP_STATUS_CODES.get(status, "Error")
    response = Response(
        f"{status} {name}: {message}\n", status=status, content_type="text/plain; charset=utf-8"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------- the pool and the log


class _PoolHolder:
    """One pool per server process (a forked server process starts its own)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pool: QueryPool | None = None
        self.pid = 0

    def get(self, app: Flask) -> QueryPool:
        with self.lock:
            if self.pool is None or self.pid != os.getpid():
                site = app.extensions["publisher.site"]
                env = WorkerEnv(
                    release=site.path,
                    settings={k: v for k, v in app.config.items() if _plain_data(v)},
                    base_iri=site.base_iri,
                    prefixes=prefixes(site.base_iri),
                    context=site.context,
                    memory_mb=int(app.config.get("SPARQL_WORKER_MEMORY_MB", 0)),
                )
                self.pool = QueryPool(env, int(app.config.get("SPARQL_WORKERS", 2)))
                self.pid = os.getpid()
            return self.pool


def _pool() -> QueryPool:
    app = current_app._get_current_object()
    return app.extensions.setdefault("publisher.query_pool", _PoolHolder()).get(app)


@blueprint.record_once
def _setup(state) -> None:
    app = state.app
    _configure_log()

    @app.before_request
    def _start_workers_early() -> None:
        """Start the pool with the first request of any kind, so the first query finds it warm."""
        holder = app.extensions.setdefault("publisher.query_pool", _PoolHolder())
        if holder.pool is None or holder.pid != os.getpid():
            threading.Thread(target=holder.get, args=(app,), daemon=True).start()


def _configure_log() -> None:
    """One INFO line per query, to stderr unless the host (gunicorn…) configured logging."""
    if not log.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        log.addHandler(handler)
    log.setLevel(logging.INFO)


def _log(
    call: QueryCall, status: int, started: float, *, outcome: Outcome | None = None, note: str = ""
) -> None:
    digest = hashlib.sha256(call.text.encode()).hexdigest()[:12]
    fields = [
        f"status={status}",
        f"origin={call.origin}",
        f"duration_ms={(time.perf_counter() - started) * 1000:.1f}",
    ]
    if outcome is not None and outcome.status == 200:
        fields += [
            f"rows={outcome.rows}",
            f"truncated={'yes' if outcome.truncated else 'no'}",
            f"kind={outcome.kind}",
            f"format={outcome.format}",
            f"run_ms={outcome.run_seconds * 1000:.1f}",
        ]
    else:
        fields.append("rows=0")
    if note:
        fields.append(f"note={note}")
    fields.append(f"query={digest}")
    fields.append("text=" + json.dumps(" ".join(call.text.split())[:160], ensure_ascii=False))
    log.info("query %s", " ".join(fields))


# ---------------------------------------------------------------- small helpers


def _named(name: str) -> NamedQuery:
    named = current_site().queries.get(name)
    if named is None:
        known = ", ".join(current_site().queries) or "none"
        raise NotFound(f"there is no named query {name!r}; the named queries are: {known}")
    return named


def _accept() -> MIMEAccept:
    """The Accept header; an empty one means anything will do, like a missing one."""
    return request.accept_mimetypes if request.headers.get("Accept", "").strip() else MIMEAccept()


def _setting(name: str):
    from publisher.web import DEFAULT_SETTINGS

    return current_app.config.get(name, DEFAULT_SETTINGS[name])


def _settings() -> dict:
    """The endpoint's settings (SPARQL_*), for pages and the service description."""
    return {name: _setting(name) for name in current_app.config if name.startswith("SPARQL_")}


def _plain_data(value: object) -> bool:
    return isinstance(value, str | int | float | bool | type(None))
