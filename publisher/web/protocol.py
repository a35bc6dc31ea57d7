"""Reading a SPARQL 1.1 Protocol request: where the query is, and what is wrong with it.

Three ways to send a query (GET ?query=, POST of a form, POST of the query itself) and the
errors the W3C protocol tests expect a server to answer with a 4xx: a doubled query, a POST
without or with the wrong Content-Type, a body that is not UTF-8, both a query and an
update, an update at all (this endpoint is read-only). The bodies are decoded strictly here,
because werkzeug's form parser would silently replace bytes that are not UTF-8.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

from flask import Request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest, Forbidden, HTTPException

FORM = "application/x-www-form-urlencoded"
QUERY = "application/sparql-query"
UPDATE = "application/sparql-update"
UPDATE_PARAMETERS = ("update", "using-graph-uri", "using-named-graph-uri")


class ContentTooLarge(HTTPException):
    code = 413
    description = "the query is too long"


class URITooLong(HTTPException):
    code = 414
    description = "the query is too long"


@dataclass(frozen=True)
class ProtocolRequest:
    """A request's query (None when it has none) and its parameters, from wherever they came."""

    query: str | None
    parameters: MultiDict
    default_graphs: list[str]
    named_graphs: list[str]

    @property
    def format(self) -> str | None:
        """``?format=`` (a blank one, as an HTML form sends for its default, is none)."""
        return (self.parameters.get("format") or "").strip() or None

    @property
    def has_protocol_parameters(self) -> bool:
        return bool(self.default_graphs or self.named_graphs)


def read(request: Request, max_query_length: int) -> ProtocolRequest:
    """The query of a GET or POST; raises an HTTPException with a readable message."""
    if request.method == "POST":
        parameters, body_query = _read_post(request)
    else:
        parameters, body_query = MultiDict(request.args), None
    updates = [name for name in UPDATE_PARAMETERS if name in parameters]
    queries = parameters.getlist("query") + ([body_query] if body_query is not None else [])
    if updates and queries:
        raise BadRequest("the request holds both a query and an update; send one query")
    if updates:
        raise _read_only()
    if len(queries) > 1:
        raise BadRequest(f"the request holds {len(queries)} queries; send exactly one `query`")
    query = queries[0] if queries and queries[0].strip() else None
    if query is None and request.method == "POST":
        raise BadRequest("the request holds no query: send it as `query=` or as the body")
    if query is not None and len(query) > max_query_length:
        message = f"the query is {len(query)} characters long; this endpoint accepts up to {max_query_length}"
        raise (ContentTooLarge if request.method == "POST" else URITooLong)(message)
    return ProtocolRequest(
        query=query,
        parameters=parameters,
        default_graphs=parameters.getlist("default-graph-uri"),
        named_graphs=parameters.getlist("named-graph-uri"),
    )


def _read_post(request: Request) -> tuple[MultiDict, str | None]:
    media_type = request.mimetype
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if not media_type:
        raise BadRequest(
            f"a POST needs a Content-Type: {FORM} (with query=…) or {QUERY} (the query as the body)"
        )
    if media_type == UPDATE:
        raise _read_only()
    if media_type not in (FORM, QUERY):
        raise BadRequest(f"Content-Type {media_type} is not a way to send a query; use {FORM} or {QUERY}")
    if charset not in ("utf-8", "utf8"):
        raise BadRequest(f"the body must be UTF-8 (SPARQL is always UTF-8), not {charset}")
    body = _utf8(request.get_data(cache=True))
    parameters = MultiDict(request.args)
    if media_type == QUERY:
        return parameters, body
    try:
        pairs = parse_qsl(body, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise BadRequest("the form's values are not UTF-8 once percent-decoded") from None
    for name, value in pairs:
        parameters.add(name, value)
    return parameters, None


def _utf8(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadRequest(f"the body is not UTF-8 (byte {error.start} cannot be decoded)") from None


def _read_only() -> Forbidden:
    return Forbidden(
        "this endpoint is read-only: SPARQL Update (INSERT, DELETE, LOAD, CLEAR, DROP…) is not "
        "accepted, and the data cannot be changed through it"
    )
