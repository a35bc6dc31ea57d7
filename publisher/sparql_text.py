"""Parameters bound into a query's text, for SPARQL stores that cannot bind them themselves.

The embedded store binds a named query's parameters as RDF terms (pyoxigraph's
``substitutions``, SEP-0007): the query runs as if every occurrence of the variable were the
term, and a SELECT still returns the variable, as a constant column. The SPARQL 1.1 Protocol
has nothing like it, so for a remote store (``publisher.backends.RemoteBackend``) the same
binding is written into the text, token by token, with a lexer that follows the terminals of
the SPARQL 1.1 grammar (strings, IRIs, prefixed names with their escapes, comments):

- inside the WHERE clause, every occurrence of ``?name`` / ``$name`` becomes the term, written
  as N-Triples writes it (``str(term)``: quotes, backslashes and line breaks escaped), so a
  FILTER inside an OPTIONAL sees the value as it does in the embedded store (a trailing
  ``VALUES`` would not: it joins after those filters ran with the variable unbound);
- a SELECT keeps the variable in its projection and solution modifiers, and the WHERE clause
  ends with ``BIND(term AS ?name)``, so the answer has the same columns (so does a DESCRIBE
  of the variable); a CONSTRUCT template or a DESCRIBE without WHERE gets the term itself;
- a subquery is a scope of its own: it is bound only if it projects the variable (and then
  no longer projects it), as SEP-0007 and the embedded store do.

Nothing but the query's own tokens and the terms' N-Triples forms makes up the new text: no
text from a caller is ever pasted. (The lexer reads ``<`` as an IRI wherever an IRIREF
matches, as the grammar's terminals do; an engine that reads a less-than there instead leaves
a variable in that stretch unbound, and the text sent to the store is checked by the guard
again.) What cannot be bound faithfully is refused
(``SubstitutionError``), never guessed: a parameter that the query assigns itself (``BIND(… AS
?name)``, ``VALUES ?name``, ``(… AS ?name)``), a SELECT that does not project it (the embedded
store refuses that too), codepoint escapes (``\\u0041``) outside strings, unbalanced brackets.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import pyoxigraph as ox

FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


class SubstitutionError(ValueError):
    """The parameters cannot be bound into this query's text faithfully."""


# ---------------------------------------------------------------- the terminals (SPARQL 1.1 §19.8)

_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_PN_CHARS = _PN_CHARS_U + "\\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_VARNAME = f"[{_PN_CHARS_U}0-9][{_PN_CHARS_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_PREFIX = f"[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
_PN_LOCAL = f"(?:[{_PN_CHARS_U}:0-9]|{_PLX})(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?"
_ESCAPE = r"\\[tbnrf\\\"']|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_EXPONENT = r"[eE][+-]?[0-9]+"

_TOKEN = re.compile(
    "|".join(
        f"(?P<{name}>{pattern})"
        for name, pattern in (
            ("ws", r"[ \t\r\n]+"),
            ("comment", r"#[^\r\n]*"),
            ("iri", r"<[^<>\"{}|^`\\\x00-\x20]*>"),
            ("string_long1", f"'''(?:(?:'|'')?(?:[^'\\\\]|{_ESCAPE}))*'''"),
            ("string_long2", f'"""(?:(?:"|"")?(?:[^"\\\\]|{_ESCAPE}))*"""'),
            ("string1", f"'(?:[^'\\\\\\n\\r]|{_ESCAPE})*'"),
            ("string2", f'"(?:[^"\\\\\\n\\r]|{_ESCAPE})*"'),
            ("var", f"[?$]{_VARNAME}"),
            ("bnode", f"_:[{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"),
            ("pname", f"(?:{_PN_PREFIX})?:(?:{_PN_LOCAL})?"),
            ("langtag", r"@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*"),
            (
                "number",
                f"[0-9]+\\.[0-9]*{_EXPONENT}|\\.[0-9]+{_EXPONENT}|[0-9]+{_EXPONENT}|[0-9]*\\.[0-9]+|[0-9]+",
            ),
            ("word", r"[A-Za-z_][A-Za-z0-9_]*"),
            ("punct", r"\^\^|&&|\|\||!=|<=|>=|[{}()\[\],;.=<>!+\-*/^|?]"),
        )
    )
)


@dataclass
class Token:
    kind: str  # ws, comment, iri, string, var, bnode, pname, langtag, number, word, punct
    text: str

    @property
    def keyword(self) -> str:
        return self.text.upper() if self.kind == "word" else ""

    @property
    def variable(self) -> str | None:
        return self.text[1:] if self.kind == "var" else None


class LexError(ValueError):
    pass


@functools.lru_cache(maxsize=256)
def _tokens(text: str) -> tuple[tuple[str, str], ...]:
    found: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise LexError(f"unexpected {text[position]!r} at character {position}")
        kind = match.lastgroup or ""
        found.append(("string" if kind.startswith("string") else kind, match.group()))
        position = match.end()
    return tuple(found)


def tokenize(text: str) -> list[Token]:
    """The query's tokens; joined, their texts give back the query. Raises LexError."""
    return [Token(kind, value) for kind, value in _tokens(text)]


def query_form(text: str) -> str | None:
    """SELECT, ASK, CONSTRUCT or DESCRIBE; None when the text does not lex as a query."""
    try:
        tokens = tokenize(text)
    except LexError:
        return None
    depth = 0
    for token in tokens:
        if token.text == "{":
            depth += 1
        elif token.text == "}":
            depth -= 1
        elif depth == 0 and token.keyword in FORMS:
            return token.keyword
    return None


XSD = "http://www.w3.org/2001/XMLSchema#"
_CAST = re.compile(re.escape(XSD) + "[A-Za-z]+")  # an XSD cast: xsd:integer(?x)
_PLAIN_LOCAL = re.compile("[A-Za-z]+")


def extension_functions(text: str, base_iri: str | None = None) -> list[str]:
    """The functions a query calls by IRI, other than XSD casts (``xsd:integer(?x)``); and
    anything that some store's parser might read as such a call.

    SPARQL's own functions are keywords; a store may offer more under IRIs, and Virtuoso's
    (``bif:http_get``, ``bif:file_to_string``…) reach the network and the file system. So
    this fails closed, whatever the context (a projection, a subquery's ORDER BY, a triple
    pattern): every IRI or prefixed name followed by ``(`` counts as a call (a collection
    after a predicate, ``?s ex:p (1 2)``, is refused with them), and so does an IRI written
    with a ``(`` inside it (``?a<?b && bif:f(1)>1`` lexes as an IRI here, as the grammar's
    terminals say, but a store that reads ``<`` by context would see a call). A cast is
    allowed only as ``xsd:NAME`` or ``<…XMLSchema#NAME>`` with a local name of letters: a
    prefixed name with ``:`` or ``.`` in it may be split otherwise by another store
    (Virtuoso reads ``xsd:a:f`` as ``xsd:a`` then ``:f``). Raises LexError for text that
    does not lex.
    """
    tokens = [token for token in tokenize(text) if token.kind not in ("ws", "comment")]
    namespaces: dict[str, str] = {}
    for index, token in enumerate(tokens[:-2]):
        if (
            token.keyword == "PREFIX"
            and tokens[index + 1].kind == "pname"
            and tokens[index + 2].kind == "iri"
        ):
            namespaces[tokens[index + 1].text[:-1]] = tokens[index + 2].text[1:-1]
    called = []
    for index, token in enumerate(tokens):
        if token.kind == "iri" and "(" in token.text:
            called.append(token.text[1:-1])
            continue
        if token.kind not in ("iri", "pname") or index + 1 == len(tokens) or tokens[index + 1].text != "(":
            continue
        iri = _resolve(token, namespaces, base_iri)
        plain = token.kind == "iri" or _PLAIN_LOCAL.fullmatch(token.text.partition(":")[2])
        if not (plain and _CAST.fullmatch(iri)):
            called.append(iri)
    return called


def _resolve(token: Token, namespaces: dict[str, str], base_iri: str | None) -> str:
    if token.kind == "iri":
        reference = token.text[1:-1]
        return reference if ":" in reference.split("/")[0] or base_iri is None else base_iri + reference
    prefix, _, local = token.text.partition(":")
    return namespaces[prefix] + local if prefix in namespaces else token.text


def term_text(term: ox.NamedNode | ox.Literal) -> str:
    """A term as SPARQL text: its N-Triples form, every quote, backslash and line break escaped."""
    if isinstance(term, ox.NamedNode):
        return str(term)
    if isinstance(term, ox.Literal) and getattr(term, "direction", None) is None:
        written = str(term)
        if "\n" in written or "\r" in written:  # cannot happen with N-Triples escaping; never trusted
            raise SubstitutionError("a parameter's value could not be written on one line")
        return written
    raise SubstitutionError(f"only IRIs and literals can be bound, not {term!r}")


# ---------------------------------------------------------------- binding


@dataclass(frozen=True)
class Bound:
    text: str
    form: str | None


def bind(text: str, substitutions: dict[str, ox.NamedNode | ox.Literal]) -> Bound:
    """The query with its parameters bound into the text (see the module's docstring)."""
    if not substitutions:
        return Bound(text, query_form(text))
    try:
        tokens = tokenize(text)
    except LexError as error:
        raise SubstitutionError(f"the query's parameters cannot be bound: {error}") from None
    terms = {name: term_text(term) for name, term in substitutions.items()}
    try:
        form = _Binder(tokens, terms).run()
    except (KeyError, IndexError):  # a text the guard would not have passed
        raise SubstitutionError("the query's structure could not be read to bind its parameters") from None
    return Bound("".join(token.text for token in tokens), form)


_CLAUSE_ENDS = {"WHERE", "FROM"}
_MODIFIERS = {"GROUP", "HAVING", "ORDER", "LIMIT", "OFFSET", "VALUES"}


class _Binder:
    """Walks the significant tokens of one query and rewrites those that name a parameter."""

    def __init__(self, tokens: list[Token], terms: dict[str, str]):
        self.terms = terms
        self.t = [token for token in tokens if token.kind not in ("ws", "comment")]
        self.partner = self._pairs()

    def _pairs(self) -> dict[int, int]:
        partner: dict[int, int] = {}
        stack: list[tuple[str, int]] = []
        closing = {"}": "{", ")": "(", "]": "["}
        for index, token in enumerate(self.t):
            if token.kind != "punct":
                continue
            if token.text in "{([":
                stack.append((token.text, index))
            elif token.text in closing:
                if not stack or stack[-1][0] != closing[token.text]:
                    raise SubstitutionError("the query's brackets do not balance")
                _, opened = stack.pop()
                partner[opened], partner[index] = index, opened
        if stack:
            raise SubstitutionError("the query's brackets do not balance")
        return partner

    # ------------------------------------------------------------ the query

    def run(self) -> str:
        t = self.t
        form_at = self._form_at()
        if form_at is None:
            raise SubstitutionError(
                "parameters can be bound only in a query (SELECT, ASK, CONSTRUCT, DESCRIBE)"
            )
        form = t[form_at].keyword
        end = len(t)
        if form == "SELECT":
            query = self._select(form_at, end)
            self._bind_select(query, set(self.terms), top=True)
        elif form == "CONSTRUCT":
            at = form_at + 1
            template = None
            if at < end and t[at].text == "{":
                template = (at, self.partner[at])
                at = self.partner[at] + 1
            group, after = self._where(at, end)
            if template is not None:
                self._replace(template[0] + 1, template[1], set(self.terms))
            self._bind_group(group, set(self.terms))
            self._replace_modifiers(after, end, set(self.terms))
        elif form == "DESCRIBE":
            at = form_at + 1
            while at < end and t[at].keyword not in _CLAUSE_ENDS | _MODIFIERS and t[at].text != "{":
                at += 1
            listed = (form_at + 1, at)
            if at < end and (t[at].keyword in _CLAUSE_ENDS or t[at].text == "{"):
                group, after = self._where(at, end)
                self._bind_group(group, set(self.terms))
                outside = self._mentioned(listed[0], listed[1]) | self._mentioned(after, end)
                self._append_binds(group, sorted(outside))  # the variables outside stay, bound
            else:
                self._replace(listed[0], listed[1], set(self.terms))
        else:  # ASK
            group, after = self._where(form_at + 1, end)
            self._bind_group(group, set(self.terms))
            self._replace_modifiers(after, end, set(self.terms))
        return form

    def _form_at(self) -> int | None:
        depth = 0
        for index, token in enumerate(self.t):
            if token.text == "{":
                depth += 1
            elif token.text == "}":
                depth -= 1
            elif depth == 0 and token.keyword in FORMS:
                return index
        return None

    def _where(self, at: int, end: int) -> tuple[tuple[int, int], int]:
        """Skips dataset clauses and WHERE; returns the group's (open, close) and what follows it."""
        t = self.t
        while at < end and t[at].keyword == "FROM":
            at += 2 if at + 1 < end and t[at + 1].keyword != "NAMED" else 3
        if at < end and t[at].keyword == "WHERE":
            at += 1
        if at >= end or t[at].text != "{":
            raise SubstitutionError("the query's WHERE clause could not be found")
        return (at, self.partner[at]), self.partner[at] + 1

    # ------------------------------------------------------------ SELECT (the query or a subquery)

    def _select(self, at: int, end: int) -> dict:
        """The parts of a SELECT from its keyword: projection, group, modifiers (up to ``end``)."""
        t = self.t
        start = at + 1
        while start < end and t[start].keyword in ("DISTINCT", "REDUCED"):
            start += 1
        stop = start
        while stop < end and t[stop].keyword not in _CLAUSE_ENDS and t[stop].text != "{":
            stop = self.partner.get(stop, stop) + 1 if t[stop].text == "(" else stop + 1
        group, after = self._where(stop, end)
        projected: dict[str, list[int]] = {}
        assigned: set[str] = set()
        star = False
        index = start
        while index < stop:
            token = t[index]
            if token.text == "*":
                star = True
            elif token.variable is not None:
                projected.setdefault(token.variable, []).append(index)
            elif token.text == "(":
                close = self.partner[index]
                if close - 1 > index and t[close - 1].variable is not None and t[close - 2].keyword == "AS":
                    assigned.add(t[close - 1].variable)
                index = close
            index += 1
        return {
            "projection": (start, stop),
            "projected": projected,
            "assigned": assigned,
            "star": star,
            "group": group,
            "modifiers": (after, end),
        }

    def _bind_select(self, query: dict, names: set[str], *, top: bool) -> None:
        for name in sorted(names & query["assigned"]):
            raise SubstitutionError(f"parameter ?{name} is assigned by the query itself ((… AS ?{name}))")
        group, (after, end) = query["group"], query["modifiers"]
        if top:
            missing = sorted(name for name in names if name not in query["projected"] and not query["star"])
            if missing:
                raise SubstitutionError(
                    f"parameter ?{missing[0]} is not in the query's SELECT projection "
                    "(a parameter is bound only where the query returns it)"
                )
            self._bind_group(group, names)
            self._append_binds(group, sorted(names))  # projection and modifiers keep the variable
            return
        # a subquery: bound only if it projects the parameter (or projects everything)
        used = self._mentioned(group[0], group[1], names)
        relevant = {n for n in names if n in query["projected"] or (query["star"] and n in used)}
        if not relevant:
            return
        for name in relevant:
            for index in query["projected"].get(name, []):
                self.t[index].text = ""
        start, stop = query["projection"]
        if not query["star"] and not any(token.text for token in self.t[start:stop]):
            raise SubstitutionError("a subquery that returns only parameters cannot be bound")
        self._bind_group(group, relevant)
        self._replace_modifiers(after, end, relevant)

    # ------------------------------------------------------------ groups

    def _bind_group(self, group: tuple[int, int], names: set[str]) -> None:
        """Every occurrence of a parameter inside a group becomes its term (subqueries aside)."""
        t = self.t
        opened, closed = group
        braces = [opened]
        index = opened + 1
        while index < closed:
            token = t[index]
            if token.text == "{":
                braces.append(index)
            elif token.text == "}":
                braces.pop()
            elif token.keyword == "SELECT":
                end = self.partner[braces[-1]]
                self._bind_select(self._select(index, end), names, top=False)
                index = end
                continue
            elif token.keyword == "BIND":
                close = self.partner[index + 1]
                if t[close - 1].variable in names and t[close - 2].keyword == "AS":
                    name = t[close - 1].variable
                    raise SubstitutionError(f"parameter ?{name} is assigned by the query itself (BIND)")
            elif token.keyword == "VALUES":
                self._values_free(index, names)
            elif token.keyword == "BOUND" and t[index + 2].variable in names:
                raise SubstitutionError(
                    f"parameter ?{t[index + 2].variable} is tested with BOUND(…), for which a term "
                    "cannot stand in (bind it on the embedded store, or test another variable)"
                )
            elif token.keyword == "MINUS" and t[index + 1].text == "{":
                inside = self._mentioned(index + 1, self.partner[index + 1], names)
                if inside:
                    raise SubstitutionError(
                        f"parameter ?{min(inside)} is used inside MINUS {{ … }}, whose meaning "
                        "changes when a term stands in for it (no variable shared any more)"
                    )
            elif token.variable in names:
                token.text = self.terms[token.variable]
            index += 1

    def _values_free(self, at: int, names: set[str]) -> None:
        t = self.t
        listed = [t[at + 1]] if t[at + 1].variable else t[at + 2 : self.partner.get(at + 1, at + 1)]
        for token in listed:
            if token.variable in names:
                raise SubstitutionError(f"parameter ?{token.variable} is given by the query itself (VALUES)")

    def _values_clause_free(self, after: int, end: int, names: set[str]) -> None:
        for index in range(after, end):
            if self.t[index].keyword == "VALUES":
                self._values_free(index, names)

    def _append_binds(self, group: tuple[int, int], names: list[str]) -> None:
        if not names:
            return
        opened, closed = group
        binds = " ".join(f"BIND({self.terms[name]} AS ?{name})" for name in names)
        if self.t[opened + 1].keyword == "SELECT":  # { SELECT … } holds nothing else: nest it
            self.t[opened].text = "{ {"
            self.t[closed].text = f"}} {binds} }}"
        else:
            self.t[closed].text = f" {binds} }}"

    # ------------------------------------------------------------ outside groups

    def _replace(self, start: int, stop: int, names: set[str]) -> None:
        for token in self.t[start:stop]:
            if token.variable in names:
                token.text = self.terms[token.variable]

    def _replace_modifiers(self, after: int, end: int, names: set[str]) -> None:
        """GROUP BY / ORDER BY take a bracketed expression where they took a variable."""
        t = self.t
        self._values_clause_free(after, end, names)
        clause = ""
        depth = 0
        for index in range(after, end):
            token = t[index]
            if token.keyword in _MODIFIERS:
                clause = token.keyword
            elif token.text == "(":
                depth += 1
            elif token.text == ")":
                depth -= 1
            elif token.variable in names:
                term = self.terms[token.variable]
                token.text = f"({term})" if clause in ("GROUP", "ORDER") and depth == 0 else term

    def _mentioned(self, start: int, stop: int, names: set[str] | None = None) -> set[str]:
        wanted = set(self.terms) if names is None else names
        return {token.variable for token in self.t[start:stop] if token.variable in wanted}
