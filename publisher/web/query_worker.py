"""The inside of a query worker: a process that runs users' queries, one at a time.

pyoxigraph cannot cancel a running query, so users' queries run here, in processes the
server can kill (``publisher.web.query_runner``). A worker opens the release's store
read-only, confines itself (``publisher.web.sandbox``: no network, bounded memory), then
answers jobs from its pipe: check the query (``publisher.sparql_guard``), run it, write the
answer capped at the row limit. Being single-threaded, it is also where rdflib's parser is
safe to use. Everything that crosses the pipe is plain data (pickled dataclasses).
"""

from __future__ import annotations

import functools
import logging
import os
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import pyoxigraph as ox

from publisher.backends import Backend, open_backend
from publisher.sparql_guard import CheckedQuery, QueryRefused, check_query
from publisher.web import results, sandbox
from publisher.web.result_formats import BOOLEAN, GRAPH, HTML, KIND_OF_FORM, SOLUTIONS

READY = "ready"

#: Properties that name a resource, most specific first (as on the resource pages).
_LABEL_QUERY = """
PREFIX schema: <http://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?resource ?label WHERE { ?resource schema:name|skos:prefLabel|rdfs:label ?label }
"""
_LANGUAGES = {"ru": ("ru", "en", ""), "en": ("en", "ru", "")}
_MAX_LABELLED = 2000  # distinct IRIs of ours looked up per page


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
    backend = open_backend(env.release, env.settings)
    check_query("ASK {}", base_iri=env.base_iri, dataset_iri=env.base_iri)  # build the parser now
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
    started = time.perf_counter()
    try:
        answer = backend.query(
            job.text,
            base_iri=env.base_iri,
            substitutions={ox.Variable(name): term.to_oxigraph() for name, term in job.substitutions},
            default_graph_only=True,
        )
        outcome = _write(answer, kind, format_key, job, env)
        if outcome.table is not None and kind != BOOLEAN:
            outcome.table.labels = _labels(backend, outcome.table, env.base_iri, job.language)
    except SyntaxError as error:  # the engine's parser disagreed with the guard's
        return Outcome(400, f"syntax error: {error}")
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
    labels = {}
    for iri in iris[:_MAX_LABELLED]:
        found: dict[str, str] = {}
        for solution in backend.query(
            _LABEL_QUERY, substitutions={ox.Variable("resource"): ox.NamedNode(iri)}
        ):
            label = solution["label"]
            found.setdefault(getattr(label, "language", "") or "", label.value)
        for candidate in preference:
            if candidate in found:
                labels[iri] = found[candidate]
                break
        else:
            if found:
                labels[iri] = found[min(found)]
    return labels
