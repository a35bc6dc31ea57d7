"""The inside of a query worker: a process that runs users' queries, one at a time.

pyoxigraph cannot cancel a running query, so users' queries run here, in processes the
server can kill (``publisher.web.query_runner``). A worker opens the release's store
read-only, confines itself (``publisher.web.sandbox``: no network, bounded memory), then
answers jobs from its pipe: check the query (``publisher.sparql_guard``), run it, write the
answer capped at the row limit. Being single-threaded, it is also where rdflib's parser is
safe to use. Everything that crosses the pipe is plain data (pickled dataclasses).

With a remote store (``BACKEND = "sparql"``) the worker still cannot open a socket: it asks
its server for a connection to the configured endpoint (``CONNECT``), and the server opens it
and passes its file descriptor over the pipe. The server kills the worker at the time limit
as before, which closes the connection; and since a remote store gets a named query's
parameters written into the text, the guard checks that text too before it is sent.
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import time
from dataclasses import dataclass
from multiprocessing import reduction
from multiprocessing.connection import Connection
from pathlib import Path

import pyoxigraph as ox

from publisher.backends import Backend, BackendError, StoreRefused, StoreUnavailable, open_backend
from publisher.sparql_guard import CheckedQuery, QueryRefused, check_query
from publisher.sparql_text import SubstitutionError
from publisher.web import results, sandbox
from publisher.web.result_formats import BOOLEAN, GRAPH, HTML, KIND_OF_FORM, SOLUTIONS

READY = "ready"
CONNECT = "connect"  # worker -> server: lend me a connection to the remote store
CONNECTED = "connected"  # server -> worker: (CONNECTED, None) then the descriptor, or (CONNECTED, why not)

#: Properties that name a resource, most specific first (as on the resource pages).
_LABEL_QUERY = """
PREFIX schema: <http://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?resource ?label
WHERE { VALUES ?resource { %s } ?resource schema:name|skos:prefLabel|rdfs:label ?label }
"""
_LANGUAGES = {"ru": ("ru", "en", ""), "en": ("en", "ru", "")}
_MAX_LABELLED = 2000  # distinct IRIs of ours looked up per page
_LABELLED_PER_QUERY = 500


@dataclass(frozen=True)
class WorkerEnv:
    """What every worker of a server needs to know, given once when it starts."""

    release: Path
    settings: dict
    base_iri: str
    prefixes: dict[str, str]
    context: dict
    memory_mb: int


@dataclass(frozen=True)
class Term:
    """An RDF term as plain data (pyoxigraph's terms do not cross the pipe)."""

    kind: str  # "iri" or "literal"
    value: str
    datatype: str | None = None
    language: str | None = None

    @classmethod
    def of(cls, term: ox.NamedNode | ox.Literal) -> Term:
        if isinstance(term, ox.NamedNode):
            return cls("iri", term.value)
        return cls("literal", term.value, term.datatype.value, term.language)

    def to_oxigraph(self) -> ox.NamedNode | ox.Literal:
        if self.kind == "iri":
            return ox.NamedNode(self.value)
        if self.language:
            return ox.Literal(self.value, language=self.language)
        return ox.Literal(self.value, datatype=ox.NamedNode(self.datatype) if self.datatype else None)


@dataclass(frozen=True)
class Job:
    """One query to run, and how to write its answer."""

    text: str
    formats: dict[str, str | None]  # kind of answer -> format key ("html": a Table); None: refuse
    max_rows: int  # rows an answer holds at most
    page_rows: int  # rows a Table (for the HTML page) holds at most
    timeout: float
    substitutions: tuple[tuple[str, Term], ...] = ()
    language: str = "en"  # of the labels on an HTML page


@dataclass
class Outcome:
    """What became of a job: an answer (status 200) or a refusal (4xx) with its message."""

    status: int
    message: str = ""
    kind: str = ""
    format: str = ""
    body: bytes = b""
    table: results.Table | None = None
    rows: int = 0
    truncated: bool = False
    run_seconds: float = 0.0  # running the query and writing its answer, in the worker


def serve(connection: Connection, env: WorkerEnv) -> None:
    """A worker's life: confine, open the store, then answer jobs until the pipe closes."""
    missing = sandbox.confine(env.memory_mb)
    backend = open_backend(env.release, env.settings, connect=_borrower(connection))
    check_query("ASK {}", base_iri=env.base_iri, dataset_iri=env.base_iri, fast=False)  # build the parser now
    connection.send((READY, os.getpid(), missing))
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return  # the server is gone
        sandbox.limit_cpu(job.timeout * 3 + 5)
        connection.send(execute(job, backend, env))


def execute(job: Job, backend: Backend, env: WorkerEnv) -> Outcome:
    """Check, run and write one query; every failure becomes an Outcome, never an exception."""
    checked = _check(job.text, env.base_iri)
    if isinstance(checked, QueryRefused):
        return Outcome(checked.status, checked.message)
    kind = KIND_OF_FORM[checked.form]
    format_key = job.formats.get(kind)
    if format_key is None:
        return Outcome(406, kind=kind)
    substitutions = {ox.Variable(name): term.to_oxigraph() for name, term in job.substitutions}
    prepare = getattr(backend, "prepare", None)
    if prepare is not None and substitutions:  # a remote store: the parameters go into the text
        try:
            bound = prepare(job.text, base_iri=None, substitutions=substitutions)
        except SubstitutionError as error:
            return Outcome(400, f"the query's parameters cannot be bound on this server's store: {error}")
        rechecked = _check(bound.text, env.base_iri)
        if isinstance(rechecked, QueryRefused):
            return Outcome(rechecked.status, rechecked.message)
    started = time.perf_counter()
    try:
        answer = backend.query(
            job.text, base_iri=env.base_iri, substitutions=substitutions, default_graph_only=True
        )
        outcome = _write(answer, kind, format_key, job, env)
        if outcome.table is not None and kind != BOOLEAN:
            outcome.table.labels = _labels(backend, outcome.table, env.base_iri, job.language)
    except SyntaxError as error:  # the guard's fast path, or its parser, left this to the engine
        return _syntax_error(job.text, env.base_iri, f"syntax error: {error}")
    except BackendError as error:  # a remote store's time limit, refusal or absence
        if isinstance(error, StoreRefused):
            return _syntax_error(job.text, env.base_iri, error.message)
        if error.status >= 500:
            logging.getLogger(__name__).warning("remote store: %s", error.message)
        return Outcome(error.status, error.message)
    except results.CannotWrite as error:
        return Outcome(406, str(error), kind=kind)
    except PermissionError:  # the sandbox stopped a connection: the guard missed an outbound request
        logging.getLogger(__name__).error("the sandbox blocked an outbound request of: %r", job.text[:300])
        return Outcome(403, "the query tried to contact another server, which this endpoint never does")
    except OSError as error:
        logging.getLogger(__name__).error("query failed in the store: %s", error)
        return Outcome(500, f"the store could not answer: {error}")
    except Exception as error:  # an evaluation error the engine reports for this query
        return Outcome(400, f"the query could not be evaluated: {error}")
    outcome.run_seconds = time.perf_counter() - started
    return outcome


@functools.lru_cache(maxsize=512)
def _check(text: str, base_iri: str) -> CheckedQuery | QueryRefused:
    """The guard's verdict, remembered: parsing costs more than running most of our queries,
    and the same texts (named queries, examples, reloaded pages) come back again and again."""
    try:
        return check_query(text, base_iri=base_iri, dataset_iri=base_iri)
    except QueryRefused as refusal:
        return refusal


def _syntax_error(text: str, base_iri: str, engine_message: str) -> Outcome:
    """A 400 for a text the engine could not parse, with the full parse's message where it has
    one (line and column), so that the message is the same whichever path the text took."""
    try:
        check_query(text, base_iri=base_iri, dataset_iri=base_iri, fast=False)
    except QueryRefused as refusal:
        return Outcome(refusal.status, refusal.message)
    return Outcome(400, engine_message)


def _write(answer, kind: str, format_key: str, job: Job, env: WorkerEnv) -> Outcome:
    if format_key == HTML.key:
        if kind == SOLUTIONS:
            table = results.table_of_solutions(answer, job.page_rows)
        elif kind == GRAPH:
            table = results.table_of_graph(answer, job.page_rows)
        else:
            table = results.table_of_boolean(answer)
        rows = 1 if kind == BOOLEAN else len(table.rows)
        return Outcome(200, kind=kind, format=format_key, table=table, rows=rows, truncated=table.truncated)
    if kind == SOLUTIONS:
        written = results.write_solutions(answer, format_key, job.max_rows)
    elif kind == GRAPH:
        written = results.write_graph(answer, format_key, job.max_rows, env.prefixes, env.context)
    else:
        written = results.write_boolean(answer, format_key)
    return Outcome(
        200, kind=kind, format=format_key, body=written.body, rows=written.rows, truncated=written.truncated
    )


def _labels(backend: Backend, table: results.Table, base_iri: str, language: str) -> dict[str, str]:
    """Names of our own resources in a table, in the page's language where there is one."""
    iris: list[str] = []
    seen: set[str] = set()
    for row in table.rows:
        for cell in row:
            if (
                cell
                and cell["type"] == "uri"
                and cell["value"].startswith(base_iri)
                and cell["value"] not in seen
            ):
                seen.add(cell["value"])
                iris.append(cell["value"])
    preference = _LANGUAGES.get(language, (language, "en", "ru", ""))
    iris = iris[:_MAX_LABELLED]
    names: dict[str, dict[str, str]] = {}
    for start in range(0, len(iris), _LABELLED_PER_QUERY):
        values = " ".join(str(ox.NamedNode(iri)) for iri in iris[start : start + _LABELLED_PER_QUERY])
        for solution in backend.query(_LABEL_QUERY % values):
            label, language_of = solution["label"], getattr(solution["label"], "language", "") or ""
            known = names.setdefault(solution["resource"].value, {})
            if language_of not in known or label.value < known[language_of]:  # the same on any store
                known[language_of] = label.value
    labels = {}
    for iri in iris:
        found = names.get(iri, {})
        for candidate in preference:
            if candidate in found:
                labels[iri] = found[candidate]
                break
        else:
            if found:
                labels[iri] = found[min(found)]
    return labels


def _borrower(connection: Connection):
    """How a confined worker gets a connection to the remote store: from its server."""

    def borrow(timeout: float) -> socket.socket:
        connection.send((CONNECT, timeout))
        reply = connection.recv()
        if not (isinstance(reply, tuple) and len(reply) == 2 and reply[0] == CONNECTED):
            raise StoreUnavailable("the server lent no connection to the SPARQL store")
        if reply[1]:
            raise StoreUnavailable(reply[1])
        return socket.socket(fileno=reduction.recv_handle(connection))

    return borrow
