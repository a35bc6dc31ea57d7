"""The query pages for people: the editor at /sparql, the named queries, their results.

Everything works as plain HTML forms (GET, so the address is the permalink); static/sparql.js
only adds comforts. Results are shown as a table whose IRIs of ours link to our resource
pages under their names, with a download of the same answer in every format.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from flask import render_template

from publisher.config import resolve_iri
from publisher.namespaces import prefixes
from publisher.queries import NamedQuery, parse_named_query
from publisher.web.i18n import translator
from publisher.web.labels import language_chain
from publisher.web.result_formats import OFFERED
from publisher.web.site import Site

if TYPE_CHECKING:
    from publisher.web.query_worker import Outcome
    from publisher.web.sparql import QueryCall

#: Given a namespace (``{base}id/person/``), resources in it as (value for the form, label).
Suggest = Callable[[str], list[tuple[str, str]]]

TEXTS = {
    "en": {
        "title": "SPARQL query",
        "intro": "Ask the data a question in SPARQL. Start from an example, or write your own query below.",
        "limits": (
            "Each query may run {timeout} s and return {max_rows} rows at most (the page shows "
            "{page_rows}). The endpoint is read-only and never fetches anything from other servers "
            "(no SERVICE, no remote FROM)."
        ),
        "for_programs": (
            "For programs: this address is a SPARQL 1.1 Protocol endpoint; its service description is at"
        ),
        "query": "Query",
        "run": "Run query",
        "format": "Answer as",
        "format_html": "table (this page)",
        "parameters": "Parameters",
        "parameters_note": "Declared by the query's # param: lines and bound as RDF terms.",
        "examples": "Example questions",
        "all_named": "All named queries",
        "open_in_editor": "open in the editor",
        "run_with_form": "run with a form",
        "results": "Answer",
        "rows": "{count} rows",
        "one_row": "1 row",
        "no_rows": "No rows: the query matched nothing.",
        "truncated": (
            "Only the first {shown} rows are shown. Downloads hold up to {max_rows} rows; for "
            "more, download the data and query it locally."
        ),
        "ask_true": "Yes: the pattern matches the data.",
        "ask_false": "No: the pattern does not match the data.",
        "download": "Download",
        "permalink": "Permalink (reruns this query)",
        "error": "The query was not run",
        "prefixes": "Prefixes",
        "named_title": "Named queries",
        "named_intro": (
            "Questions the data answers, each at its own address; change the parameters in the "
            "form or in the URL, and add format= for a file."
        ),
        "query_text": "The query",
        "query_file": "query file (.rq)",
        "default": "default",
        "data_downloads": "Downloads of the whole dataset",
    },
    "ru": {
        "title": "Запрос SPARQL",
        "intro": "Задайте вопрос к данным на языке SPARQL: начните с примера или напишите свой запрос.",
        "limits": (
            "Запрос выполняется не дольше {timeout} с и возвращает не более {max_rows} строк (на "
            "странице — {page_rows}). Точка доступа только для чтения и никогда не обращается к "
            "другим серверам (без SERVICE и внешних FROM)."
        ),
        "for_programs": "Для программ: этот адрес — точка доступа по протоколу SPARQL 1.1; её описание —",
        "query": "Запрос",
        "run": "Выполнить",
        "format": "Формат ответа",
        "format_html": "таблица (эта страница)",
        "parameters": "Параметры",
        "parameters_note": "Объявлены строками # param: запроса и подставляются как термы RDF.",
        "examples": "Примеры вопросов",
        "all_named": "Все именованные запросы",
        "open_in_editor": "открыть в редакторе",
        "run_with_form": "выполнить с формой",
        "results": "Ответ",
        "rows": "Строк: {count}",
        "one_row": "Строк: 1",
        "no_rows": "Ничего не найдено.",
        "truncated": (
            "Показаны первые {shown} строк. В файлах для скачивания — до {max_rows} строк; для "
            "большего скачайте данные целиком и выполните запрос у себя."
        ),
        "ask_true": "Да: шаблон совпадает с данными.",
        "ask_false": "Нет: шаблон не совпадает с данными.",
        "download": "Скачать",
        "permalink": "Постоянная ссылка (повторяет запрос)",
        "error": "Запрос не выполнен",
        "prefixes": "Префиксы",
        "named_title": "Именованные запросы",
        "named_intro": (
            "Вопросы к данным, у каждого свой адрес: меняйте параметры в форме или в адресе, "
            "добавьте format=, чтобы получить файл."
        ),
        "query_text": "Текст запроса",
        "query_file": "файл запроса (.rq)",
        "default": "по умолчанию",
        "data_downloads": "Скачать весь набор данных",
    },
}

#: The query a new editor starts with (after the prefixes).
STARTER = """SELECT ?meeting ?name ?date
WHERE {
  ?meeting a mtg:Meeting ;
           schema:name ?name .
  FILTER(LANG(?name) = "en")
  OPTIONAL { ?meeting schema:startDate|mtg:edtfDate ?date }
}
ORDER BY ?meeting
LIMIT 50
"""


class Say:
    """The page's strings in its language (Kazakh pages fall back to Russian, then English)."""

    def __init__(self, language: str):
        self.chain = language_chain(language)

    def __call__(self, key: str, **values) -> str:
        for language in self.chain:
            if key in TEXTS.get(language, {}):
                text = TEXTS[language][key]
                return text.format(**values) if values else text
        return key


# ---------------------------------------------------------------- pages


def render_editor(
    site: Site,
    language: str,
    settings: dict,
    *,
    text: str | None = None,
    error: str | None = None,
    call: QueryCall | None = None,
    outcome: Outcome | None = None,
    suggest: Suggest | None = None,
) -> str:
    """The editor, with the answer to its query or the reason it was not run."""
    if text is None:
        text = prefix_block(site.base_iri) + "\n" + STARTER
    values = dict(call.values) if call else {}
    return render_template(
        "sparql.html",
        **_common(site, language, settings),
        text=text,
        parameters=_parameters(site, parse_named_query("query", text), values, suggest),
        examples=[_example(site, named, language) for named in site.queries.values()],
        result=_result(site, call, outcome, language, settings) if outcome else None,
        error=error,
        prefix_list=sorted(prefixes(site.base_iri).items()),
    )


def render_results(
    site: Site,
    call: QueryCall,
    outcome: Outcome,
    language: str,
    settings: dict,
    suggest: Suggest | None = None,
) -> str:
    """The page of an answer: the named query's page, or the editor with the answer below."""
    if call.named is not None:
        return render_named(site, call, outcome, language, settings, suggest=suggest)
    return render_editor(
        site, language, settings, text=call.text, call=call, outcome=outcome, suggest=suggest
    )


def render_named(
    site: Site,
    call: QueryCall,
    outcome: Outcome | None,
    language: str,
    settings: dict,
    *,
    error: str | None = None,
    suggest: Suggest | None = None,
) -> str:
    named = call.named
    return render_template(
        "query.html",
        **_common(site, language, settings),
        named=_example(site, named, language),
        text=named.text,
        parameters=_parameters(site, named, dict(call.values), suggest),
        result=_result(site, call, outcome, language, settings) if outcome else None,
        error=error,
    )


def render_list(site: Site, language: str) -> str:
    return render_template(
        "query_list.html",
        **_common(site, language, {}),
        examples=[_example(site, named, language) for named in site.queries.values()],
    )


# ---------------------------------------------------------------- parts of pages


def prefix_block(base_iri: str) -> str:
    """PREFIX lines for every prefix of ours, aligned."""
    table = prefixes(base_iri)
    width = max(len(p) for p in table) + 1
    return "".join(f"PREFIX {(p + ':').ljust(width)} <{ns}>\n" for p, ns in table.items())


def _common(site: Site, language: str, settings: dict) -> dict:
    return {
        "lang": language,
        "t": translator(language),
        "say": Say(language),
        "links": None,
        "island": None,
        "limits": {
            "timeout": f"{float(settings.get('SPARQL_TIMEOUT', 10)):g}",
            "max_rows": settings.get("SPARQL_MAX_ROWS", 10000),
            "page_rows": settings.get("SPARQL_PAGE_ROWS", 1000),
        },
    }


def _example(site: Site, named: NamedQuery, language: str) -> dict:
    title_language = next((c for c in language_chain(language) if c in named.titles), "en")
    description_language = next((c for c in language_chain(language) if c in named.descriptions), "en")
    return {
        "name": named.name,
        "title": named.title(title_language),
        "title_lang": title_language,
        "description": named.description(description_language),
        "description_lang": description_language,
        "page": f"/queries/{named.name}",
        "file": f"/queries/{named.name}.rq",
        "editor": "/sparql?" + urlencode({"example": named.name}),
        "parameters": [{"name": p.name, "kind": p.kind, "default": p.default} for p in named.parameters],
    }


def _parameters(site: Site, named: NamedQuery, values: dict[str, str], suggest: Suggest | None) -> list[dict]:
    """The form's fields; an IRI parameter offers the resources of its kind (its default's path)."""
    fields = []
    for p in named.parameters:
        options: list[tuple[str, str]] = []
        if p.kind == "iri" and suggest is not None and "/" in p.default:
            options = suggest(resolve_iri(site.base_iri, p.default.rsplit("/", 1)[0] + "/"))
        fields.append(
            {
                "name": p.name,
                "kind": p.kind,
                "default": p.default,
                "value": values.get(p.name, p.default),
                "options": options,
            }
        )
    return fields


def _result(site: Site, call: QueryCall, outcome: Outcome, language: str, settings: dict) -> dict:
    table = outcome.table
    curies = _Curies(site.base_iri)
    rows = [[_cell(site, curies, table.labels, term) for term in row] for row in table.rows]
    return {
        "kind": table.kind,
        "columns": table.variables,
        "rows": rows,
        "boolean": table.boolean,
        "truncated": table.truncated,
        "downloads": _downloads(call, table.kind),
        "permalink": _address(call, None),
    }


def _downloads(call: QueryCall, kind: str) -> list[dict]:
    return [
        {
            "label": f.label,
            "href": _address(call, f.key),
            "file": f"answer.{f.extension}",
            "type": f.media_type,
        }
        for f in OFFERED[kind]
    ]


def _address(call: QueryCall, format_key: str | None) -> str:
    """The GET address of the same query (and parameters), in a format or as this page."""
    parameters: list[tuple[str, str]] = []
    if call.named is None:
        parameters.append(("query", call.text))
    parameters += list(call.values)
    if format_key:
        parameters.append(("format", format_key))
    path = call.origin if call.named is not None else "/sparql"
    return path + ("?" + urlencode(parameters) if parameters else "")


def _cell(site: Site, curies: _Curies, labels: dict[str, str], term: dict | None) -> dict | None:
    if term is None:
        return None
    kind, value = term["type"], term["value"]
    if kind == "uri":
        local = site.local_path(value)
        label = labels.get(value)
        compact = curies.compact(value)
        return {
            "text": label or compact,
            "href": local or value,
            "title": value,
            "note": compact if label else None,
            "external": local is None,
        }
    if kind == "literal":
        if "xml:lang" in term:
            note = "@" + term["xml:lang"]
        elif "datatype" in term:
            note = curies.compact(term["datatype"])
        else:
            note = None
        return {"text": value, "lang": term.get("xml:lang"), "note": note, "literal": True}
    if kind == "bnode":
        return {"text": "_:" + value}
    parts = [_cell(site, curies, labels, value[p]) for p in ("subject", "predicate", "object")]
    return {"text": "<< " + " ".join(p["text"] for p in parts) + " >>"}


class _Curies:
    def __init__(self, base_iri: str):
        self.namespaces = sorted(((ns, p) for p, ns in prefixes(base_iri).items()), key=lambda x: -len(x[0]))

    def compact(self, iri: str) -> str:
        for namespace, prefix in self.namespaces:
            if iri.startswith(namespace) and len(iri) > len(namespace):
                return f"{prefix}:{iri[len(namespace) :]}"
        return iri
