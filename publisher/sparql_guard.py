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

**A faster path for ordinary queries.** rdflib's parser takes 6–31 ms per query text, more
than running most queries, and every query with other parameters is a new text. So most
queries are decided without it (``_quick_check``), by facts about the text that hold for *any*
way of reading it, and so need no parse tree:

1. the text has no backslash (no ``\\u`` escape, which SPARQL expands before parsing, can hide
   a letter), no control or Unicode space or line-separator character (which some lexer might
   take for white space or a line end), and no character whose upper, lower or folded case
   holds an ASCII letter (``ſ`` upper-cases to ``S``);
2. the letters ``service`` occur nowhere in it, in any case: not as a keyword, and not even
   inside strings, IRIs, comments or names (those queries take the full parse);
3. every ``from`` stands inside a longer run of letters that cannot be read as SPARQL keywords
   followed by ``from`` (``wasDerivedFrom``: no tokenization splits it; ``FROM <g>``,
   ``"from"``, ``?from`` take the full parse);
4. its prologue (``BASE``/``PREFIX`` declarations, unambiguous there) is followed by the
   keyword SELECT, ASK, CONSTRUCT or DESCRIBE, which gives the form (anything else, such as
   an update, takes the full parse for its message).

A text that fails any of these is not refused for it: it takes the full rdflib parse above,
as every query did before. So the fast path answers only where the answer is the same, and
it fails closed. Whether such a text is valid SPARQL at all is left to the engine that runs
it; where the engine finds a syntax error, the endpoint asks the full parse
(``check_query(..., fast=False)``) for its message, so that users get the same message on
either path. (Asking pyoxigraph to parse on an empty store is not a way to check syntax: it
evaluates the query there, and an ASK or an aggregate over a product of VALUES blocks costs
as much on an empty store as on a full one.)
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

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


def check_query(text: str, *, base_iri: str, dataset_iri: str, fast: bool = True) -> CheckedQuery:
    """Parse ``text`` and refuse it unless it is a read-only query over our own dataset.

    Raises QueryRefused: 400 for text that is not a query (syntax error, an update) or that
    names a graph other than ``dataset_iri``; 403 for a SERVICE clause (federated query).
    With ``fast``, an ordinary text is accepted without a full parse (see above): its syntax
    is then the engine's to check.
    """
    quick = _quick_check(text) if fast else None
    if quick is not None:
        return quick
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


# ---------------------------------------------------------------- the fast path


#: SPARQL 1.1 keywords and built-in function names, with SPARQL 1.2's and pyoxigraph's own:
#: a parser that matched a keyword without checking where the word ends could read
#: ``aFROM`` as ``a`` + ``FROM``; a run of letters that starts with keywords is treated so.
_KEYWORD_LIST = """
    a abs add adjust all as asc ask avg base bind bnode bound by ceil clear coalesce concat
    construct contains copy count create datatype day default delete desc describe distinct
    drop encode_for_uri exists false filter floor from graph group group_concat having hours
    if in insert into iri isblank isiri isliteral isnumeric istriple isuri lang langdir
    langmatches lateral lcase limit load max md5 min minus minutes month move named not now
    object offset optional order predicate prefix rand reduced regex replace round sameterm
    sample select separator service sha1 sha256 sha384 sha512 silent str strafter strbefore
    strdt strends strlang strlangdir strlen strstarts struuid subject substr sum timezone
    to triple true tz ucase undef union uri using uuid values where with year haslang
    haslangdir
"""
KEYWORDS = frozenset(_KEYWORD_LIST.split())
FORMS_BY_KEYWORD = {"select": "SELECT", "ask": "ASK", "construct": "CONSTRUCT", "describe": "DESCRIBE"}
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
#: Characters some lexer might read as white space or a line end (SPARQL's own are space,
#: tab, CR and LF): C0 controls, DEL, NEL, and Unicode's spaces and separators.
_DOUBTFUL_CHARACTER = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\xa0\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u2064\u3000\ufeff\ufff9-\ufffb]"
)
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_FROM = re.compile("from")
_SKIP = re.compile(r"(?:[ \t\r\n]+|#[^\r\n]*)*")
_WORD = re.compile("[A-Za-z]+")
_IRIREF = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
_PNAME_NS = re.compile("(?:[A-Za-z](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?)?:")
_NAME_CHARACTER = re.compile(r"[A-Za-z0-9_:.\-\u0080-\U0010ffff]")


def _quick_check(text: str) -> CheckedQuery | None:
    """The verdict where it is certain without rdflib's parse: an accepted query; None when
    the full parse must decide (see the module's documentation)."""
    if "\\" in text or _DOUBTFUL_CHARACTER.search(text):
        return None
    if _NON_ASCII.search(text) and not _cases_stay_non_ascii(frozenset(_NON_ASCII.findall(text))):
        return None
    lowered = text.translate(_ASCII_LOWER)
    if "service" in lowered:
        return None
    for found in _FROM.finditer(lowered):
        if not _inside_a_word(lowered, found.start()):
            return None
    form = _form(text)
    return None if form is None else CheckedQuery(form=form)


@lru_cache(maxsize=4096)
def _cases_stay_non_ascii(characters: frozenset[str]) -> bool:
    """Whether none of these characters becomes an ASCII letter when its case changes."""
    return not any(any(c < "\x80" for c in ch.upper() + ch.lower() + ch.casefold()) for ch in characters)


def _inside_a_word(lowered: str, start: int) -> bool:
    """Whether the letters before ``start`` make a run no lexer ends a token in: not empty,
    and not SPARQL keywords one after the other (runs longer than 64 letters are doubted)."""
    position = start
    while position > 0 and "a" <= lowered[position - 1] <= "z":
        position -= 1
        if start - position > 64:
            return False
    return start > position and not _keywords_make(lowered[position:start])


@lru_cache(maxsize=4096)
def _keywords_make(letters: str) -> bool:
    """Whether a run of letters is one or more SPARQL keywords one after the other."""
    if not letters:
        return True
    return any(
        letters[:end] in KEYWORDS and _keywords_make(letters[end:]) for end in range(1, len(letters) + 1)
    )


def _form(text: str) -> str | None:
    """The keyword after the prologue, where the grammar allows nothing else: the query form."""
    position = _SKIP.match(text).end()
    while True:
        word = _WORD.match(text, position)
        if word is None:
            return None
        keyword = word[0].lower()
        position = _SKIP.match(text, word.end()).end()
        if keyword == "base":
            iri = _IRIREF.match(text, position)
        elif keyword == "prefix":
            prefix = _PNAME_NS.match(text, position)
            if prefix is None:
                return None
            iri = _IRIREF.match(text, _SKIP.match(text, prefix.end()).end())
        else:
            following = text[word.end() : word.end() + 1]
            if following and _NAME_CHARACTER.match(following):
                return None
            return FORMS_BY_KEYWORD.get(keyword)
        if iri is None:
            return None
        position = _SKIP.match(text, iri.end()).end()


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
