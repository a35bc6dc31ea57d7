"""Refuse, before the engine sees it, any query that could write data or reach the network.

pyoxigraph executes a ``SERVICE`` clause by sending an HTTP request to the IRI it names, and a
public endpoint must never do that for a stranger. A regular expression over the text cannot
tell ``SERVICE`` the keyword from the same word in a comment, a string or an IRI, and it is
easily fooled: SPARQL expands ``\\u0053ERVICE`` before parsing, and ``FILTER(?a<?b)SERVICE?x#>``
reads as an IRI to a naive lexer while the engine reads a comparison, a SERVICE and a
comment. So the query is parsed with a complete SPARQL grammar (rdflib's) and the parse tree is
inspected: a ``ServiceGraphPattern`` anywhere (OPTIONAL, EXISTS, subqueries…) is refused, and
every graph that FROM / FROM NAMED names must be our own dataset. Text that does not parse as
a query is refused with the parser's message (line and column), and said to be an update when
it parses as one; the engine never sees it.

The check fails closed: what rdflib cannot parse is not run, even where pyoxigraph could. The
query workers also run with outbound sockets blocked by the kernel (``publisher.web.sandbox``),
so a disagreement between the two parsers could still not make a request.

rdflib's parser breaks for good when a fresh process first uses it from several threads at
once (see DESIGN.md), so parsing is serialized by a lock; the endpoint calls this from its
single-threaded query workers anyway.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

from pyparsing import ParseBaseException, ParseResults
from rdflib.plugins.sparql import parser
from rdflib.plugins.sparql.algebra import translatePrologue
from rdflib.plugins.sparql.parserutils import CompValue

_PARSER_LOCK = threading.Lock()

#: The parse tree's name of each query form, and the form's keyword.
FORMS = {
    "SelectQuery": "SELECT",
    "AskQuery": "ASK",
    "ConstructQuery": "CONSTRUCT",
    "DescribeQuery": "DESCRIBE",
}


class QueryRefused(Exception):
    """A query this endpoint will not run; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class CheckedQuery:
    """What the endpoint needs to know about a query it has accepted."""

    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE


def check_query(text: str, *, base_iri: str, dataset_iri: str) -> CheckedQuery:
    """Parse ``text`` and refuse it unless it is a read-only query over our own dataset.

    Raises QueryRefused: 400 for text that is not a query (syntax error, an update) or that
    names a graph other than ``dataset_iri``; 403 for a SERVICE clause (federated query).
    """
    prologue_tree, query_tree = _parse_query(text)
    if any(_is_service(node) for node in _walk(query_tree)):
        raise QueryRefused(
            403,
            "SERVICE (federated query) is not allowed here: this endpoint never sends requests "
            "to other servers. Query each endpoint separately and combine the results yourself.",
        )
    _check_dataset_clause(prologue_tree, query_tree, base_iri, dataset_iri)
    return CheckedQuery(form=FORMS[query_tree.name])


def check_dataset(default_graphs: list[str], named_graphs: list[str], dataset_iri: str) -> None:
    """Refuse protocol dataset parameters (default-graph-uri, named-graph-uri) naming other graphs."""
    for iri in default_graphs:
        if iri != dataset_iri:
            raise QueryRefused(400, _foreign_graph("default-graph-uri", iri, dataset_iri))
    for iri in named_graphs:
        raise QueryRefused(400, _no_named_graphs("named-graph-uri", iri, dataset_iri))


def is_update(text: str) -> bool:
    """Whether text parses as SPARQL Update (to tell the user why it is refused)."""
    with _PARSER_LOCK:
        try:
            parser.parseUpdate(text)
        except Exception:
            return False
    return True


# ---------------------------------------------------------------- helpers


def _parse_query(text: str) -> tuple[ParseResults, CompValue]:
    failure: ParseBaseException | None = None
    with _PARSER_LOCK:
        try:
            prologue_tree, query_tree = parser.parseQuery(text)
        except ParseBaseException as error:
            failure = error
        except RecursionError:
            raise QueryRefused(400, "the query is nested too deeply to be parsed") from None
        except Exception as error:  # rdflib reports some malformed input with plain exceptions
            raise QueryRefused(400, f"the query could not be parsed: {error}") from None
    if failure is not None:
        raise QueryRefused(400, _not_a_query(text, failure))
    return prologue_tree, query_tree


def _not_a_query(text: str, error: ParseBaseException) -> str:
    if is_update(text):
        return (
            "this is a SPARQL Update, not a query: this endpoint is read-only and accepts "
            "SELECT, ASK, CONSTRUCT and DESCRIBE only"
        )
    pointer = " " * max(error.col - 1, 0) + "^"
    return f"syntax error at line {error.lineno}, column {error.col}: {error.msg}\n{error.line}\n{pointer}"


def _walk(tree: object) -> Iterator[object]:
    """Every node of a parse tree (CompValues, ParseResults, lists), without recursion."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, CompValue):
            stack.extend(node.values())
        elif isinstance(node, list | tuple | ParseResults):
            stack.extend(node)


def _is_service(node: object) -> bool:
    return isinstance(node, CompValue) and node.name == "ServiceGraphPattern"


def _check_dataset_clause(prologue_tree, query_tree: CompValue, base_iri: str, dataset_iri: str) -> None:
    if "datasetClause" not in query_tree:  # (CompValue.get returns the key itself when absent)
        return
    clauses = query_tree["datasetClause"]
    try:
        prologue = translatePrologue(prologue_tree, base_iri)
    except Exception as error:
        raise QueryRefused(400, f"the query's prologue is invalid: {error}") from None
    for clause in clauses:
        named = "named" in clause
        reference = clause["named"] if named else clause["default"]
        try:
            iri = str(prologue.absolutize(reference))
        except Exception as error:  # e.g. an undeclared prefix
            raise QueryRefused(400, f"FROM names an invalid IRI: {error}") from None
        if named:
            raise QueryRefused(400, _no_named_graphs("FROM NAMED", iri, dataset_iri))
        if iri != dataset_iri:
            raise QueryRefused(400, _foreign_graph("FROM", iri, dataset_iri))


def _foreign_graph(where: str, iri: str, dataset_iri: str) -> str:
    return (
        f"{where} <{iri}> names a graph this endpoint does not hold. It serves one dataset, "
        f"<{dataset_iri}>, in its default graph (leave FROM out, or name that IRI), and it never "
        "fetches graphs from other servers."
    )


def _no_named_graphs(where: str, iri: str, dataset_iri: str) -> str:
    return (
        f"{where} <{iri}>: this endpoint has no named graphs. Its one dataset, <{dataset_iri}>, "
        "is its default graph: query it without FROM NAMED / GRAPH, and it never fetches graphs "
        "from other servers."
    )
