"""The web layer: serves one release over HTTP. It reads the release and never writes it.

``create_app()`` is the factory gunicorn runs (``gunicorn 'publisher.web:create_app()'``);
the release comes from its argument or the ``PUBLISHER_RELEASE`` environment variable
(a release directory, or a build directory whose ``current`` release is served). Settings
(``DEFAULT_SETTINGS``) can be overridden by ``PUBLISHER_<NAME>`` environment variables.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, current_app

from publisher.backends import check_settings
from publisher.release import resolve_release
from publisher.web.site import Site

RELEASE_ENV = "PUBLISHER_RELEASE"


def create_app(release: str | Path | None = None, **settings) -> Flask:
    """Build the Flask app for a release; ``settings`` override the defaults in app.config."""
    app = Flask(__name__)
    app.config.update(DEFAULT_SETTINGS)
    app.config.from_prefixed_env("PUBLISHER")  # e.g. PUBLISHER_SPARQL_TIMEOUT=2 (values parsed as JSON)
    app.config.update(settings)
    check_settings(app.config)  # a server that cannot reach its data should not start
    location = Path(release or os.environ.get(RELEASE_ENV, "site"))
    app.extensions["publisher.site"] = Site.open(resolve_release(location), app.config)

    from publisher.web import http, pages, sparql

    http.init_app(app)
    app.register_blueprint(sparql.blueprint)
    app.register_blueprint(pages.blueprint)
    return app


DEFAULT_SETTINGS: dict = {
    "BACKEND": "embedded",  # where SPARQL runs: "embedded" (the release's own store) or "sparql"
    # With BACKEND "sparql" (publisher/backends.py): a SPARQL 1.1 endpoint holding the release
    # (loaded there with `publisher push`), for pages and /sparql alike.
    "SPARQL_ENDPOINT": None,  # the URL of its query endpoint, e.g. http://127.0.0.1:8890/sparql
    "SPARQL_ENDPOINT_GRAPH": None,  # the graph that holds the release there (None: the base IRI)
    "SPARQL_ENDPOINT_TIMEOUT": 10,  # seconds to wait for its answers (/sparql: SPARQL_TIMEOUT too)
    # The store's own cap on answer rows (Virtuoso's ResultSetMaxRows: 10,000 as shipped). It
    # cuts graph answers silently, so one of this many triples is taken as cut short (503).
    "SPARQL_ENDPOINT_MAX_ROWS": 10_000,
    "SPARQL_ENDPOINT_USER": None,  # HTTP basic authentication, if the endpoint asks for it
    "SPARQL_ENDPOINT_PASSWORD": None,
    "MAX_CONTENT_LENGTH": 1024 * 1024,  # request bodies are bounded (bytes)
    # The SPARQL endpoint (publisher/web/sparql.py): limits of every query from outside.
    "SPARQL_TIMEOUT": 10,  # seconds a query may run before its worker is killed (answer: 503)
    "SPARQL_MAX_ROWS": 10000,  # rows (solutions or triples) an answer holds at most
    "SPARQL_PAGE_ROWS": 1000,  # rows the query page shows at most (downloads: SPARQL_MAX_ROWS)
    "SPARQL_MAX_QUERY_LENGTH": 30000,  # characters
    "SPARQL_WORKERS": 2,  # query worker processes per server process
    "SPARQL_QUEUE_TIMEOUT": 10,  # seconds a query waits for a free worker before a 503
    "SPARQL_WORKER_MEMORY_MB": 2048,  # address space of a query worker (0: unlimited)
    # Resource pages and documents (publisher/web/pages.py and friends).
    "PAGE_SIZE": 100,  # links to a resource per page of its description (?page=N)
    "CACHE_MAX_AGE": 300,  # seconds responses stay fresh (Cache-Control); ETags revalidate
    "RESPONSE_CACHE_BYTES": 32 * 1024 * 1024,  # rendered representations kept per worker (0: off)
    "LANGUAGE": "ru",  # pages' language when neither ?lang= nor Accept-Language decides
}


def current_site() -> Site:
    """The release the current app serves."""
    return current_app.extensions["publisher.site"]


def run_server(app: Flask, host: str, port: int) -> None:
    """A multi-threaded server for `publisher serve`; production runs gunicorn instead."""
    from werkzeug.serving import run_simple

    run_simple(host, port, _without_date(app), threaded=True)


def _without_date(app: Flask):
    """The app's responses without their Date header: werkzeug's development server sends its
    own, and two Date headers are a protocol error (gunicorn keeps only one by itself).
    (werkzeug's conditional responses add a Date to the app's answers.)"""

    def application(environ, start_response):
        def start(status, headers, exc_info=None):
            return start_response(status, [(k, v) for k, v in headers if k.lower() != "date"], exc_info)

        return app(environ, start)

    return application
