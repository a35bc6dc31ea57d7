"""Where the server's SPARQL runs: the release's embedded pyoxigraph store by default, or any
SPARQL 1.1 endpoint (Virtuoso, Fuseki, GraphDB, QLever…) holding the release.

Everything the web layer asks of the data goes through a backend's ``query``, which
returns pyoxigraph's result objects (QuerySolutions, QueryTriples, QueryBoolean) whatever
engine answered, so that resource pages and /sparql work the same on any backend.
``RemoteBackend`` speaks the standard protocol only (a POST of ``query`` with
``default-graph-uri``) and turns the endpoint's answers into the same objects as the
embedded store's: parameters bound into the text (``publisher.sparql_text``), blank node
labels made valid and stable, Virtuoso's booleans and ASK answers read as such, and an answer
the store cut short (its own time limit, its row cap) never passed on as a complete one.
"""

from __future__ import annotations

import base64
import codecs
import functools
import hashlib
import http.client
import io
import json
import re
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol
from urllib.parse import urlencode, urlsplit

import pyoxigraph as ox

from publisher import sparql_text
from publisher.store import open_read_only

QueryResult = ox.QuerySolutions | ox.QueryTriples | ox.QueryBoolean
Substitutions = dict[ox.Variable, ox.NamedNode | ox.Literal]


class Backend(Protocol):
    def query(
        self,
        text: str,
        *,
        base_iri: str | None = None,
        substitutions: Substitutions | None = None,
        default_graph_as_union: bool = False,
        default_graph_only: bool = False,
    ) -> QueryResult:
        """Run one read-only SPARQL query. Raises SyntaxError for a malformed query.

        ``default_graph_only`` evaluates the query over the store's default graph whatever
        its FROM / FROM NAMED clauses say (the SPARQL endpoint has already checked that they
        name only our own dataset, which lives in the default graph).
        """
        ...


class EmbeddedBackend:
    """The release's own store, opened read-only in this process."""

    def __init__(self, store_path: Path):
        self.store = open_read_only(store_path)

    def query(
        self,
        text: str,
        *,
        base_iri: str | None = None,
        substitutions: Substitutions | None = None,
        default_graph_as_union: bool = False,
        default_graph_only: bool = False,
    ) -> QueryResult:
        dataset = {"default_graph": ox.DefaultGraph(), "named_graphs": []} if default_graph_only else {}
        return self.store.query(
            text,
            base_iri=base_iri,
            substitutions=substitutions,
            use_default_graph_as_union=default_graph_as_union,
            **dataset,
        )


BACKENDS = ("embedded", "sparql")


def open_backend(release: Path, settings: dict, connect: Connector | None = None) -> Backend:
    """The backend a server process should use for a release, per its settings.

    ``connect`` opens the TCP connections of a remote backend; a query worker, which may not
    open sockets itself, borrows them from its server (``publisher.web.query_runner``).
    """
    kind = settings.get("BACKEND", "embedded")
    if kind == "embedded":
        from publisher.release import STORE_DIR

        return EmbeddedBackend(release / STORE_DIR)
    if kind == "sparql":
        from publisher.release import read_manifest

        graph = settings.get("SPARQL_ENDPOINT_GRAPH") or read_manifest(release)["base_iri"]
        return RemoteBackend.from_settings(settings, str(graph), connect=connect)
    raise ValueError(f"unknown backend {kind!r} (known: {', '.join(BACKENDS)})")


def check_settings(settings: dict) -> None:
    """Raise ValueError, with a message for the operator, for backend settings that cannot work."""
    kind = settings.get("BACKEND", "embedded")
    if kind not in BACKENDS:
        raise ValueError(f"unknown BACKEND {kind!r} (known: {', '.join(BACKENDS)})")
    if kind == "sparql":
        RemoteBackend.from_settings(settings, graph="")


# ---------------------------------------------------------------- a remote SPARQL 1.1 endpoint

Connector = Callable[[float], socket.socket]

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
RESULTS_JSON = "application/sparql-results+json"
GRAPH_TYPES = {
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,  # N-Triples' media type before RDF 1.1
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
ACCEPT = {
    "SELECT": RESULTS_JSON,
    "ASK": RESULTS_JSON,
    "CONSTRUCT": "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5",
    "DESCRIBE": "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5",
    None: f"{RESULTS_JSON}, application/n-triples;q=0.9, text/turtle;q=0.8",
}
#: Named as the only named graph of every query, so that ``GRAPH ?g`` sees none, as in the
#: embedded store (without it Virtuoso offers every graph it has, its own system graphs too).
NO_NAMED_GRAPHS = "urn:x-publisher:no-named-graphs"
#: Virtuoso's answer to an ASK in version 7.2: a one-column table instead of a boolean.
_VIRTUOSO_ASK = "__ASK_RETVAL"
_READ_SIZE = 64 * 1024


class BackendError(Exception):
    """The store gave no complete answer; ``status`` and ``message`` are for the HTTP answer."""

    status = 502

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class StoreTimeout(BackendError):
    """The store stopped the query at its own time limit, or returned only part of the answer."""

    status = 503


class StoreUnavailable(BackendError):
    """The store could not be reached, or answered nothing usable."""

    status = 503


class QueryNotAllowed(BackendError):
    """A query this server does not send to its store (it could reach beyond the data)."""

    status = 403


class StoreRefused(BackendError):
    """The store refused the query (a 4xx): its dialect or its permissions differ from ours."""

    status = 400


class RemoteBackend:
    """A SPARQL 1.1 endpoint that holds the release in one graph (``graph``).

    Every query is a POST of ``query`` with ``default-graph-uri`` = that graph (a store's
    default graph is often the union of all it holds: Virtuoso's includes its system graphs)
    and one ``named-graph-uri`` that names nothing. One connection per query, closed after.
    """

    def __init__(
        self,
        endpoint: str,
        graph: str,
        *,
        timeout: float = 10.0,
        user: str | None = None,
        password: str | None = None,
        connect: Connector | None = None,
        store_max_rows: int = 10_000,
    ):
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"SPARQL_ENDPOINT must be an http(s) URL, got {endpoint!r}")
        self.endpoint = endpoint
        self.graph = graph
        self.timeout = float(timeout)
        self.store_max_rows = int(store_max_rows)
        self._tls = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port or (443 if self._tls else 80)
        self._path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._authorization = None
        if user:
            token = base64.b64encode(f"{user}:{password or ''}".encode()).decode("ascii")
            self._authorization = f"Basic {token}"
        self._connect = connect or self.connect_directly

    @classmethod
    def from_settings(cls, settings: dict, graph: str, connect: Connector | None = None) -> RemoteBackend:
        endpoint = settings.get("SPARQL_ENDPOINT")
        if not endpoint:
            raise ValueError("BACKEND 'sparql' needs SPARQL_ENDPOINT (the URL of a SPARQL 1.1 endpoint)")
        user = settings.get("SPARQL_ENDPOINT_USER")
        password = settings.get("SPARQL_ENDPOINT_PASSWORD")
        return cls(
            str(endpoint),
            graph,
            timeout=float(settings.get("SPARQL_ENDPOINT_TIMEOUT") or 10),
            user=str(user) if user else None,
            password=None if password is None else str(password),
            connect=connect,
            store_max_rows=int(settings.get("SPARQL_ENDPOINT_MAX_ROWS") or 10_000),
        )

    def connect_directly(self, timeout: float) -> socket.socket:
        """A TCP connection to the endpoint (what a server lends its query workers)."""
        return socket.create_connection((self._host, self._port), timeout=timeout)

    # ------------------------------------------------------------ queries

    def prepare(self, text: str, *, base_iri: str | None = None, substitutions: Substitutions | None = None):
        """The text sent to the store (parameters bound, BASE set) and the query's form."""
        bound = sparql_text.bind(
            text, {variable.value: term for variable, term in (substitutions or {}).items()}
        )
        if base_iri is None:
            return bound
        return sparql_text.Bound(f"BASE {ox.NamedNode(base_iri)}\n{bound.text}", bound.form)

    def query(
        self,
        text: str,
        *,
        base_iri: str | None = None,
        substitutions: Substitutions | None = None,
        default_graph_as_union: bool = False,
        default_graph_only: bool = False,
    ) -> QueryResult:
        # Both flags describe what this backend always does: the release's graph is the
        # default graph, and there are no named graphs.
        prepared = self.prepare(text, base_iri=base_iri, substitutions=substitutions)
        _check_functions(prepared.text)
        response = self._post(prepared.text, ACCEPT.get(prepared.form, ACCEPT[None]))
        try:
            return _read_answer(response, prepared.form, self.store_max_rows)
        except BaseException:
            response.close()
            raise

    def _post(self, text: str, accept: str) -> http.client.HTTPResponse:
        body = urlencode(
            [("query", text), ("default-graph-uri", self.graph), ("named-graph-uri", NO_NAMED_GRAPHS)]
        ).encode("ascii")
        try:
            sock = self._connect(self.timeout)
            sock.settimeout(self.timeout)
            if self._tls:
                sock = ssl.create_default_context().wrap_socket(sock, server_hostname=self._host)
            connection = http.client.HTTPConnection(self._host, self._port, timeout=self.timeout)
            connection.sock = sock
            connection.putrequest("POST", self._path, skip_accept_encoding=True)
            connection.putheader("Content-Type", "application/x-www-form-urlencoded")
            connection.putheader("Accept", accept)
            connection.putheader("Content-Length", str(len(body)))
            connection.putheader("Connection", "close")
            if self._authorization:
                connection.putheader("Authorization", self._authorization)
            connection.endheaders(body)
            response = connection.getresponse()
        except TimeoutError:
            raise StoreTimeout(f"the SPARQL store did not answer within {self.timeout:g} s") from None
        except BackendError:
            raise
        except (OSError, http.client.HTTPException) as error:
            raise StoreUnavailable(f"the SPARQL store could not be reached: {error}") from None
        if response.status != 200:
            raise _failure(response)
        state = response.getheader("X-SQL-State")
        if state:  # Virtuoso's "anytime" answer: a part of the answer, with a 200
            message = response.getheader("X-SQL-Message", "")
            response.close()
            raise StoreTimeout(f"the SPARQL store returned an incomplete answer ({state}: {message[:200]})")
        return response


def _check_functions(text: str) -> None:
    """Refuse calls to a store's own functions: Virtuoso lets any SPARQL user call its SQL
    built-ins (``bif:http_get`` sends a request anywhere, ``bif:file_to_string`` reads files),
    and no grant can take them away. Text that cannot be lexed for the check is refused too."""
    try:
        called = sparql_text.extension_functions(text)
    except sparql_text.LexError as error:
        raise QueryNotAllowed(
            f"this query cannot be checked for calls to the store's own functions ({error}); "
            "write it without codepoint escapes (\\u…) outside strings"
        ) from None
    if called:
        raise QueryNotAllowed(
            f"the function <{called[0]}> is not allowed here: this endpoint runs SPARQL's own "
            "functions and XSD casts only (a store's own functions can reach other servers or files)"
        )


def endpoint_connector(settings: dict) -> Connector | None:
    """What a server uses to open connections for its query workers; None without a remote store."""
    if settings.get("BACKEND", "embedded") != "sparql":
        return None
    return RemoteBackend.from_settings(settings, graph="").connect_directly


def _failure(response: http.client.HTTPResponse) -> BackendError:
    try:
        detail = response.read(4096).decode("utf-8", "replace")
    except (OSError, http.client.HTTPException):
        detail = ""
    response.close()
    detail = " ".join(detail.split())[:500]
    if "S1T00" in detail or response.status in (408, 504) or "timed out" in detail.lower():
        return StoreTimeout(f"the SPARQL store stopped the query at its own time limit: {detail}")
    if response.status in (502, 503):
        return StoreUnavailable(f"the SPARQL store is unavailable ({response.status}): {detail}")
    if 400 <= response.status < 500:
        return StoreRefused(f"the SPARQL store refused the query ({response.status}): {detail}")
    return BackendError(f"the SPARQL store could not answer ({response.status}): {detail}")


# ---------------------------------------------------------------- answers, as the embedded store gives them


def _read_answer(response: http.client.HTTPResponse, form: str | None, store_max_rows: int) -> QueryResult:
    media_type = (response.getheader("Content-Type") or "").split(";")[0].strip().lower()
    capped = response.getheader("X-SPARQL-MaxRows")
    if media_type in (RESULTS_JSON, "application/json") and form not in ("CONSTRUCT", "DESCRIBE"):
        return _results(_JsonResults(response), form, int(capped) if capped and capped.isdigit() else None)
    if media_type in GRAPH_TYPES and form not in ("SELECT", "ASK"):
        quads = ox.parse(_Reader(response), format=GRAPH_TYPES[media_type])
        return RemoteTriples(quads, response, store_max_rows)
    response.close()
    raise BackendError(
        f"the SPARQL store answered {media_type or 'without a media type'}, which was not asked for"
    )


def _results(
    reader: _JsonResults, form: str | None, capped: int | None
) -> ox.QuerySolutions | ox.QueryBoolean:
    head = reader.head()
    if reader.boolean is not None:
        return _boolean(reader.boolean)
    names = head.get("vars", [])
    if form in ("ASK", None) and names == [_VIRTUOSO_ASK]:
        return _boolean(any(_asked(row) for row in reader.bindings()))
    if form == "ASK":
        raise BackendError("the SPARQL store answered an ASK with a table")

    def document() -> Iterator[bytes]:
        yield json.dumps({"head": {"vars": names}, "results": {"bindings": []}})[:-3].encode()
        count = 0
        for binding in reader.bindings():
            yield (b"," if count else b"") + json.dumps(_binding(binding), ensure_ascii=False).encode()
            count += 1
        if capped is not None and count >= capped:
            raise StoreTimeout(f"the SPARQL store cut the answer at {capped} rows (its ResultSetMaxRows)")
        yield b"]}}"

    return RemoteSolutions(
        ox.parse_query_results(_Reader(document(), reader.close), format=ox.QueryResultsFormat.JSON)
    )


class RemoteSolutions:
    """A SELECT answer read from the store as it arrives, like ox.QuerySolutions; a row the
    store wrote wrongly (an invalid IRI, a column name that is not a SPARQL variable, such as
    Virtuoso's ``callret-1``) is the store's failure (502), not a syntax error of the query."""

    def __init__(self, solutions: ox.QuerySolutions):
        self._solutions = solutions
        self.variables = solutions.variables

    def __iter__(self) -> RemoteSolutions:
        return self

    def __next__(self) -> ox.QuerySolution:
        try:
            return next(self._solutions)
        except (SyntaxError, ValueError) as error:
            raise BackendError(f"the SPARQL store's answer could not be read: {error}") from None


def _boolean(value: bool) -> ox.QueryBoolean:
    return ox.parse_query_results(
        json.dumps({"head": {}, "boolean": bool(value)}), format=ox.QueryResultsFormat.JSON
    )


def _asked(row: dict) -> bool:
    cell = row.get(_VIRTUOSO_ASK)
    return cell is not None and str(cell.get("value")).lower() not in ("0", "false")


def _binding(binding: dict) -> dict:
    return {name: _term(term) for name, term in binding.items() if isinstance(term, dict)}


def _term(term: dict) -> dict:
    """A term of a SPARQL JSON answer, as the embedded store would have written it."""
    kind = term.get("type")
    if kind == "bnode":
        return {"type": "bnode", "value": blank_label(str(term.get("value", "")))}
    if kind == "typed-literal":  # SPARQL 1.0's JSON (Virtuoso)
        term = {**term, "type": "literal"}
    datatype = term.get("datatype")
    if (
        kind in ("literal", "typed-literal")
        and datatype
        and datatype.startswith(XSD)
        and datatype != XSD_STRING
    ):
        value, datatype = canonical(str(term.get("value", "")), datatype)
        term = {**term, "value": value, "datatype": datatype}
    return term


_CANONICAL = ox.Store()
_CANONICAL_LOCK = threading.Lock()
_SUBJECT, _PREDICATE = ox.NamedNode("urn:x-publisher:s"), ox.NamedNode("urn:x-publisher:p")


@functools.lru_cache(maxsize=65536)
def canonical(value: str, datatype: str) -> tuple[str, str]:
    """An XSD literal as the embedded store keeps it (pyoxigraph stores values, not lexical
    forms: ``"0042"^^xsd:integer`` is 42, ``"5"^^xsd:nonNegativeInteger`` an xsd:integer 5,
    a boolean ``"1"`` is ``true``). Other stores keep values in forms of their own (Virtuoso:
    ``"1500.0"`` for a double pyoxigraph writes ``"1500"``, a boolean ``"1"`` in JSON)."""
    with _CANONICAL_LOCK:
        _CANONICAL.add(ox.Quad(_SUBJECT, _PREDICATE, ox.Literal(value, datatype=ox.NamedNode(datatype))))
        stored = next(iter(_CANONICAL.quads_for_pattern(_SUBJECT, _PREDICATE, None))).object
        _CANONICAL.clear()
    return stored.value, stored.datatype.value


_LABEL = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")


def blank_label(label: str) -> str:
    """A valid, stable blank node label for a store's own (Virtuoso: ``nodeID://b10001`` in
    JSON answers, ``_:b10001`` in N-Triples: both become ``b10001``)."""
    label = label.removeprefix("nodeID://").removeprefix("_:")
    if _LABEL.match(label) and not label.endswith("."):
        return label
    return "x" + hashlib.sha256(label.encode()).hexdigest()[:24]


def _normal(term):
    if isinstance(term, ox.BlankNode):
        label = blank_label(term.value)
        return term if label == term.value else ox.BlankNode(label)
    if isinstance(term, ox.Literal) and not term.language:
        datatype = term.datatype.value
        if datatype.startswith(XSD) and datatype != XSD_STRING:
            value, datatype = canonical(term.value, datatype)
            if (value, datatype) != (term.value, term.datatype.value):
                return ox.Literal(value, datatype=ox.NamedNode(datatype))
    return term


class RemoteTriples:
    """A CONSTRUCT or DESCRIBE answer read from the store as it arrives: iterates ox.Triple and
    serializes like ox.QueryTriples."""

    def __init__(self, quads: Iterator[ox.Quad], response: http.client.HTTPResponse, store_max_rows: int):
        self._quads = iter(quads)
        self._response = response
        self._left = store_max_rows  # a store cuts graph answers at its row cap without saying so
        self._store_max_rows = store_max_rows

    def __iter__(self) -> RemoteTriples:
        return self

    def __next__(self) -> ox.Triple:
        try:
            quad = next(self._quads)
        except StopIteration:
            self._response.close()
            raise
        except (SyntaxError, ValueError) as error:
            self._response.close()
            raise BackendError(f"the SPARQL store's answer could not be read: {error}") from None
        self._left -= 1
        if self._left <= 0:  # as many triples as the cap: the rest may be missing
            self._response.close()
            raise StoreTimeout(
                f"the SPARQL store may have cut this answer at its own row cap "
                f"(SPARQL_ENDPOINT_MAX_ROWS = {self._store_max_rows:,}): make the query more "
                "selective, or raise the store's cap (Virtuoso: ResultSetMaxRows) and that setting"
            )
        return ox.Triple(_normal(quad.subject), quad.predicate, _normal(quad.object))

    def serialize(self, output=None, format: ox.RdfFormat = ox.RdfFormat.N_TRIPLES):
        return ox.serialize(self, output, format=format)


class _Reader(io.RawIOBase):
    """A file pyoxigraph reads from: an HTTP response, or a generator of bytes."""

    def __init__(self, source, on_close: Callable[[], None] | None = None):
        self._source = source
        self._pending = b""
        self._on_close = on_close

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if isinstance(self._source, http.client.HTTPResponse):
            try:
                return self._source.readinto(buffer)
            except TimeoutError:
                raise StoreTimeout("the SPARQL store stopped sending its answer") from None
        while not self._pending:
            try:
                self._pending = next(self._source)
            except StopIteration:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def close(self) -> None:
        if self._on_close is not None:
            self._on_close()
            self._on_close = None
        super().close()


class _JsonResults:
    """A SPARQL JSON answer read as it arrives: the head, then one binding at a time.

    An answer may be far longer than what its reader wants (the endpoint keeps the first
    SPARQL_MAX_ROWS rows of a million): it is never read further than asked for.
    """

    def __init__(self, response: http.client.HTTPResponse):
        self._response = response
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._json = json.JSONDecoder()
        self._text = ""
        self._at = 0
        self._eof = False
        self._head: dict | None = None
        self.boolean: bool | None = None
        self._early: list[dict] = []  # bindings that came before the head (unusual, allowed)
        self._state = "start"

    def close(self) -> None:
        self._response.close()

    # the top-level object, key by key, until the head is known
    def head(self) -> dict:
        """The answer's head; ``boolean`` is set too if the answer is one (ASK)."""
        self._expect("{")
        while self._head is None or self.boolean is None:
            key = self._key()
            if key is None:
                self._state = "done"
                break
            if key == "head":
                self._head = self._value()
            elif key == "boolean":
                self.boolean = bool(self._value())
            elif key == "results":
                self._state = "results"
                if self._head is not None:
                    break
                self._enter_results()
                if self._state == "bindings":
                    self._early = list(self._read_bindings())
            else:
                self._value()
        if self.boolean is not None:
            self.close()
        return self._head if isinstance(self._head, dict) else {}

    def bindings(self) -> Iterator[dict]:
        try:
            yield from self._early
            self._early = []
            while self._state != "done":
                if self._state == "bindings":
                    yield from self._read_bindings()
                    continue
                if self._state == "results":
                    self._enter_results()
                    continue
                key = self._key()
                if key is None:
                    self._state = "done"
                elif key == "results":
                    self._state = "results"
                else:
                    self._value()
        finally:
            self.close()

    def _enter_results(self) -> None:
        """Inside "results": {…}, up to the bindings' array (or past the object)."""
        if self._state == "results":
            self._space()
            self._expect("{")
            self._state = "results-keys"
        while True:
            key = self._key()
            if key is None:
                self._state = "top"
                return
            if key == "bindings":
                self._space()
                self._expect("[")
                self._state = "bindings"
                return
            self._value()

    def _read_bindings(self) -> Iterator[dict]:
        first = True
        while True:
            self._space()
            if self._peek() == "]":
                self._at += 1
                self._state = "results-keys"
                self._enter_results()
                return
            if not first:
                self._expect(",")
            first = False
            value = self._value()
            if isinstance(value, dict):
                yield value

    # ------------------------------------------------------------ lexing on a growing buffer

    def _more(self) -> bool:
        if self._eof:
            return False
        try:
            data = self._response.read1(_READ_SIZE)
        except TimeoutError:
            raise StoreTimeout("the SPARQL store stopped sending its answer") from None
        except (OSError, http.client.HTTPException) as error:
            raise StoreUnavailable(f"the SPARQL store's answer broke off: {error}") from None
        self._text = self._text[self._at :] + self._decoder.decode(data, final=not data)
        self._at = 0
        self._eof = not data
        return True

    def _peek(self) -> str:
        while self._at >= len(self._text):
            if not self._more():
                raise BackendError("the SPARQL store's answer ended too early")
        return self._text[self._at]

    def _space(self) -> None:
        while self._peek() in " \t\r\n":
            self._at += 1

    def _expect(self, char: str) -> None:
        self._space()
        if self._peek() != char:
            raise BackendError(f"the SPARQL store's answer is not SPARQL JSON (expected {char!r})")
        self._at += 1

    def _key(self) -> str | None:
        """The next key of the current object, or None at its end."""
        self._space()
        if self._peek() == "}":
            self._at += 1
            return None
        if self._peek() == ",":
            self._at += 1
        key = self._value()
        self._expect(":")
        if not isinstance(key, str):
            raise BackendError("the SPARQL store's answer is not SPARQL JSON")
        return key

    def _value(self):
        self._space()
        while True:
            try:
                value, end = self._json.raw_decode(self._text, self._at)
            except json.JSONDecodeError:
                if not self._more():
                    raise BackendError("the SPARQL store's answer is not valid JSON") from None
                continue
            if end >= len(self._text) and not self._eof and not isinstance(value, dict | list | str):
                self._more()  # a number or a literal may go on in the next chunk
                continue
            self._at = end
            return value
