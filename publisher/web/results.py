"""Writing a query's answer, capped at a number of rows, in the format a request chose.

The cap is applied while reading the engine's iterator, so an unbounded answer is never
materialized. The writers are the libraries': pyoxigraph writes SPARQL XML/CSV/TSV,
Turtle, N-Triples and RDF/XML; rdflib compacts JSON-LD with our own context, given inline (no
context is ever fetched). pyoxigraph cannot write a list of solutions it did not produce, so
the kept rows are written as SPARQL JSON (a few lines, below), which is the answer when JSON
was asked for, and otherwise parsed back into a ``QuerySolutions`` that pyoxigraph then writes
in the results format asked for.

Runs in the query workers (``publisher.web.query_worker``): everything here is bounded by
the worker's time limit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from itertools import islice

import pyoxigraph as ox
from rdflib import Graph

from publisher.store import to_rdflib
from publisher.web.result_formats import (
    CSV,
    JSON_LD,
    N_TRIPLES,
    RDF_XML,
    SPARQL_JSON,
    SPARQL_XML,
    TSV,
    TURTLE,
)

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

_RESULTS_FORMATS = {
    SPARQL_JSON.key: ox.QueryResultsFormat.JSON,
    SPARQL_XML.key: ox.QueryResultsFormat.XML,
    CSV.key: ox.QueryResultsFormat.CSV,
    TSV.key: ox.QueryResultsFormat.TSV,
}
_RDF_FORMATS = {
    TURTLE.key: ox.RdfFormat.TURTLE,
    N_TRIPLES.key: ox.RdfFormat.N_TRIPLES,
    RDF_XML.key: ox.RdfFormat.RDF_XML,
}


class CannotWrite(ValueError):
    """The answer holds something the chosen format cannot express (e.g. a triple term in JSON-LD)."""


@dataclass
class Written:
    """A serialized answer and what the response should say about it."""

    body: bytes
    rows: int
    truncated: bool


@dataclass
class Table:
    """An answer as plain data for the HTML page: terms as in SPARQL JSON (``term_json``)."""

    kind: str
    variables: list[str] = field(default_factory=list)
    rows: list[list[dict | None]] = field(default_factory=list)
    boolean: bool | None = None
    truncated: bool = False
    labels: dict[str, str] = field(default_factory=dict)  # IRI -> label, for our own IRIs


# ---------------------------------------------------------------- solutions (SELECT)


def write_solutions(solutions: ox.QuerySolutions, format_key: str, max_rows: int) -> Written:
    variables = [v.value for v in solutions.variables]
    rows, truncated = _take(solutions, max_rows)
    if format_key == SPARQL_JSON.key:
        return Written(_json_solutions(variables, rows), len(rows), truncated)
    document = {
        "head": {"vars": variables},
        "results": {"bindings": [_binding(row, variables) for row in rows]},
    }
    capped = ox.parse_query_results(json.dumps(document), ox.QueryResultsFormat.JSON)
    return Written(capped.serialize(format=_RESULTS_FORMATS[format_key]), len(rows), truncated)


def _json_solutions(variables: list[str], rows: list[ox.QuerySolution]) -> bytes:
    """SPARQL JSON, written directly: the same document as pyoxigraph's (compact, terms as
    ``term_json`` writes them), without building it as Python objects and parsing it back,
    which cost more than running most queries. Each distinct term is written once."""
    written: dict = {}
    names = [json.dumps(name) + ":" for name in variables]
    bindings = []
    for row in rows:
        cells = []
        for index, name in enumerate(names):
            term = row[index]
            if term is None:
                continue
            text = written.get(term)
            if text is None:
                text = written[term] = json.dumps(term_json(term), ensure_ascii=False, separators=(",", ":"))
            cells.append(name + text)
        bindings.append("{" + ",".join(cells) + "}")
    head = json.dumps({"vars": variables}, ensure_ascii=False, separators=(",", ":"))
    return ('{"head":' + head + ',"results":{"bindings":[' + ",".join(bindings) + "]}}").encode("utf-8")


def table_of_solutions(solutions: ox.QuerySolutions, max_rows: int) -> Table:
    variables = [v.value for v in solutions.variables]
    rows, truncated = _take(solutions, max_rows)
    cells = [[_json_or_none(row[i]) for i in range(len(variables))] for row in rows]
    return Table("solutions", variables, cells, truncated=truncated)


# ---------------------------------------------------------------- boolean (ASK)


def write_boolean(answer: ox.QueryBoolean, format_key: str) -> Written:
    return Written(answer.serialize(format=_RESULTS_FORMATS[format_key]), 1, False)


def table_of_boolean(answer: ox.QueryBoolean) -> Table:
    return Table("boolean", boolean=bool(answer))


# ---------------------------------------------------------------- graphs (CONSTRUCT, DESCRIBE)


def write_graph(
    triples: ox.QueryTriples, format_key: str, max_rows: int, prefixes: dict[str, str], context: dict
) -> Written:
    kept, truncated = _take(triples, max_rows)
    if format_key == JSON_LD.key:
        body = _jsonld(kept, context)
    else:
        used = {p: ns for p, ns in prefixes.items() if _uses_namespace(kept, ns)}
        body = ox.serialize(kept, format=_RDF_FORMATS[format_key], prefixes=used)
    return Written(body, len(kept), truncated)


def table_of_graph(triples: ox.QueryTriples, max_rows: int) -> Table:
    kept, truncated = _take(triples, max_rows)
    cells = [[term_json(t.subject), term_json(t.predicate), term_json(t.object)] for t in kept]
    return Table("graph", ["subject", "predicate", "object"], cells, truncated=truncated)


# ---------------------------------------------------------------- terms


def term_json(term: object) -> dict:
    """A term as the SPARQL 1.1 (and 1.2, for triple terms and directions) JSON results write it."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        written: dict = {"type": "literal", "value": term.value}
        if term.language:
            written["xml:lang"] = term.language
            if getattr(term, "direction", None) is not None:
                written["its:dir"] = str(term.direction)
        elif term.datatype.value not in (XSD_STRING, RDF_LANG_STRING):
            written["datatype"] = term.datatype.value
        return written
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {
                "subject": term_json(term.subject),
                "predicate": term_json(term.predicate),
                "object": term_json(term.object),
            },
        }
    raise TypeError(f"not an RDF term: {term!r}")


def _json_or_none(term: object) -> dict | None:
    return None if term is None else term_json(term)


def _binding(row: ox.QuerySolution, variables: list[str]) -> dict:
    return {name: term_json(row[i]) for i, name in enumerate(variables) if row[i] is not None}


def _take(iterator, max_rows: int) -> tuple[list, bool]:
    """The first ``max_rows`` items, and whether there were more (reads one past the cap)."""
    items = list(islice(iterator, max_rows + 1))
    return items[:max_rows], len(items) > max_rows


def _uses_namespace(triples: list[ox.Triple], namespace: str) -> bool:
    return any(
        isinstance(term, ox.NamedNode) and term.value.startswith(namespace)
        for triple in triples
        for term in (triple.subject, triple.predicate, triple.object)
    )


def _jsonld(triples: list[ox.Triple], context: dict) -> bytes:
    graph = Graph()
    try:
        for triple in triples:
            graph.add((to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)))
    except (AttributeError, TypeError):
        raise CannotWrite("the answer holds triple terms, which JSON-LD 1.1 cannot express") from None
    text = graph.serialize(format="json-ld", context=context.get("@context", context), auto_compact=True)
    return text.encode("utf-8")
