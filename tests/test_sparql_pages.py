"""The query page and the named queries, against a running `publisher serve`."""

from __future__ import annotations

import html
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from publisher.namespaces import prefixes
from publisher.queries import load_queries
from tests.conftest import REPO
from tests.sparql_support import BASE, Listener, call, get

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
PERSON = "id/person/nurdaulet-kilybay"
PEOPLE = """PREFIX schema: <http://schema.org/>
SELECT ?person WHERE { ?person a schema:Person } ORDER BY ?person"""


class Page(HTMLParser):
    """The parts of a page the tests look at: links, resources, the editor, inputs, table cells."""

    def __init__(self, text: str):
        super().__init__()
        self.links: list[dict] = []
        self.resources: list[str] = []
        self.textarea = ""
        self.inputs: dict[str, str] = {}
        self.forms: list[dict] = []
        self._in_textarea = False
        self._link: dict | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "a" and "href" in attributes:
            self._link = {**attributes, "text": ""}
            self.links.append(self._link)
        elif tag == "script" and "src" in attributes:
            self.resources.append(attributes["src"])
        elif tag == "link" and attributes.get("rel") == "stylesheet":
            self.resources.append(attributes["href"])
        elif tag == "textarea":
            self._in_textarea = True
        elif tag == "input" and "name" in attributes:
            self.inputs[attributes["name"]] = attributes.get("value", "")
        elif tag == "form":
            self.forms.append(attributes)

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._in_textarea = False
        elif tag == "a":
            self._link = None

    def handle_data(self, data):
        if self._in_textarea:
            self.textarea += data
        if self._link is not None:
            self._link["text"] += data

    def hrefs(self) -> list[str]:
        return [link["href"] for link in self.links]


def page(server: str, path: str, **parameters) -> tuple[int, Page, str]:
    url = server + path + (f"?{urlencode(parameters)}" if parameters else "")
    reply = call("GET", url, headers={"Accept": BROWSER})
    return reply.status, Page(reply.text), reply.text


@pytest.fixture(scope="module")
def server(live_server):
    return live_server


@pytest.fixture(scope="module")
def named(release):
    return load_queries(release / "queries")


# ---------------------------------------------------------------- the editor


def test_the_query_page_works_without_javascript_or_internet(server):
    status, found, text = page(server, "/sparql", lang="en")
    assert status == 200
    form = found.forms[0]
    assert form["action"] == "/sparql" and form["method"] == "get"  # the address is the permalink
    assert found.textarea.strip()
    for resource in found.resources:
        assert resource.startswith("/"), f"{resource} is not one of our files"
    assert "cdn" not in text.lower()


def test_the_editor_has_our_prefixes_preset(server):
    _, found, _ = page(server, "/sparql")
    for prefix, namespace in prefixes(BASE).items():
        assert f"<{namespace}>" in found.textarea and f"PREFIX {prefix}:" in found.textarea


def test_the_preset_query_runs(server):
    _, found, _ = page(server, "/sparql")
    status, answer, _ = page(server, "/sparql", query=found.textarea, lang="en")
    assert status == 200
    assert any(href.startswith("/id/meeting/") for href in answer.hrefs())


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_examples_are_the_named_queries_in_plain_words(server, named, language):
    _, found, _ = page(server, "/sparql", lang=language)
    titles = {link["text"].strip(): link["href"] for link in found.links}
    for name, query in named.items():
        assert titles.get(query.title(language)) == f"/queries/{name}", (name, language)


def test_an_example_opens_in_the_editor_with_its_parameters(server, named):
    status, found, _ = page(server, "/sparql", example="meetings-of-person")
    assert status == 200
    assert found.textarea == named["meetings-of-person"].text
    assert found.inputs["person"] == PERSON and found.inputs["lang"] == "en"


def test_results_link_our_resources_under_their_names(server):
    status, found, _ = page(server, "/sparql", query=PEOPLE, lang="en")
    assert status == 200
    link = next(link for link in found.links if link["href"] == f"/{PERSON}")
    assert link["text"] == "Nurdaulet Kilybay"
    assert link["title"] == BASE + PERSON


def test_results_other_iris_link_out_and_literals_show_language_and_type(server):
    query = """SELECT ?type ?name ?n WHERE {
      VALUES (?type ?name ?n) { (<http://schema.org/Person> "Имя"@ru 42) } }"""
    _, found, text = page(server, "/sparql", query=query, lang="en")
    assert any(
        link["href"] == "http://schema.org/Person" and link["text"] == "schema:Person" for link in found.links
    )
    assert '<span lang="ru">Имя</span>' in text and "@ru" in text and "xsd:integer" in text


def test_results_are_escaped(server):
    _, _, text = page(server, "/sparql", query='SELECT ?x WHERE { BIND("<script>alert(1)</script>" AS ?x) }')
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_downloads_in_every_format_and_a_permalink(server):
    _, found, _ = page(server, "/sparql", query=PEOPLE, lang="en")
    downloads = {link["type"]: link["href"] for link in found.links if "download" in link}
    assert set(downloads) == {
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    }
    for media_type, href in downloads.items():
        reply = call("GET", server + href)
        assert reply.status == 200 and reply.media_type == media_type
        assert BASE + PERSON in reply.text
    permalink = next(link["href"] for link in found.links if link.get("rel") == "bookmark")
    assert parse_qs(urlsplit(permalink).query)["query"] == [PEOPLE]
    status, again, _ = page(server, permalink)
    assert status == 200 and f"/{PERSON}" in again.hrefs()


def test_a_graph_answer_is_a_table_of_triples_with_rdf_downloads(server):
    _, found, text = page(server, "/sparql", query=f"DESCRIBE <{BASE}{PERSON}>", lang="en")
    assert "?subject" in text and "?object" in text
    downloads = {link["type"] for link in found.links if "download" in link}
    assert downloads == {"text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml"}


def test_an_ask_answer_is_yes_or_no(server):
    _, _, text = page(server, "/sparql", query=f"ASK {{ <{BASE}{PERSON}> ?p ?o }}", lang="en")
    assert "Yes: the pattern matches the data." in text


def test_an_error_keeps_the_query_in_the_editor(server):
    broken = "SELECT ?s WHERE { ?s ?p }"
    status, found, text = page(server, "/sparql", query=broken, lang="en")
    assert status == 400
    assert found.textarea == broken
    assert "line 1, column" in html.unescape(text)


def test_a_timeout_or_refusal_is_shown_on_the_page(server):
    status, found, text = page(
        server, "/sparql", query="SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"
    )
    assert status == 403 and "SERVICE" in text and found.textarea.startswith("SELECT")


def test_parameters_declared_in_the_editor_are_bound(server, named):
    text = named["meetings-of-person"].text
    other = "id/person/wu-jingkei"
    reply = get(server, text, accept="text/csv", person=other)
    at_its_address = call(
        "GET", f"{server}/queries/meetings-of-person?{urlencode({'person': other, 'format': 'csv'})}"
    )
    assert reply.status == 200 and reply.text == at_its_address.text
    assert BASE + PERSON in reply.text


# ---------------------------------------------------------------- named queries


def test_the_list_of_named_queries(server, named):
    status, found, _ = page(server, "/queries", lang="en")
    assert status == 200
    for name in named:
        assert f"/queries/{name}" in found.hrefs()


@pytest.mark.parametrize("name", sorted(load_queries(REPO / "queries")))
def test_every_named_query_in_every_format(server, name):
    answers = {}
    for key, media_type in [
        ("json", "application/sparql-results+json"),
        ("xml", "application/sparql-results+xml"),
        ("csv", "text/csv"),
        ("tsv", "text/tab-separated-values"),
    ]:
        reply = call("GET", f"{server}/queries/{name}?format={key}")
        assert reply.status == 200, reply.text
        assert reply.media_type == media_type
        answers[key] = reply
    assert answers["json"].json()["results"]["bindings"], f"{name} answers nothing on the seed data"
    rows = len(answers["json"].json()["results"]["bindings"])
    assert len(answers["tsv"].text.strip().split("\n")) == rows + 1


@pytest.mark.parametrize("name", sorted(load_queries(REPO / "queries")))
def test_every_named_query_has_a_page(server, named, name):
    status, found, text = page(server, f"/queries/{name}", lang="en")
    assert status == 200
    assert html.escape(named[name].title("en"), quote=False) in text
    for parameter in named[name].parameters:
        assert found.inputs[parameter.name] == parameter.default
    assert '<table class="sparql-table">' in text


def test_an_iri_parameter_offers_the_resources_of_its_kind_by_name(server):
    _, _, text = page(server, "/queries/meetings-of-person", lang="en")
    options = text.split('<datalist id="param-person-options">')[1].split("</datalist>")[0]
    assert f'<option value="{PERSON}">Nurdaulet Kilybay</option>' in options
    assert "id/person/wu-jingkei" in options and "id/place/" not in options


def test_named_query_parameters_come_from_the_url(server):
    reply = call(
        "GET",
        f"{server}/queries/meetings-of-person?{urlencode({'person': BASE + PERSON, 'lang': 'ru'})}&format=json",
    )
    rows = reply.json()["results"]["bindings"]
    assert rows and {r["person"]["value"] for r in rows} == {BASE + PERSON}
    assert all(r["meetingName"]["xml:lang"] == "ru" for r in rows if "meetingName" in r)
    relative = call("GET", f"{server}/queries/meetings-of-person?person=/{PERSON}&lang=ru&format=json")
    assert relative.json() == reply.json()


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"person": "javascript:alert(1)"}, "must be an http(s) IRI"),
        ({"person": "https://example.org/a b"}, "must be an http(s) IRI"),
        ({"who": "x"}, "unknown parameter(s) who; this query takes: lang, person"),
        ({"lang": "x" * 201}, "longer than 200"),
    ],
)
def test_bad_parameters_are_a_readable_400(server, parameters, message):
    reply = call("GET", f"{server}/queries/meetings-of-person?{urlencode(parameters)}")
    assert reply.status == 400
    assert message in reply.text


def test_a_doubled_parameter_is_a_400(server):
    reply = call("GET", f"{server}/queries/meetings-of-person?person=/{PERSON}&person=/{PERSON}")
    assert reply.status == 400 and "given 2 times" in reply.text


def test_parameters_are_bound_as_terms_never_pasted(server):
    """A value written as SPARQL is a literal that matches nothing, and reaches no server."""
    listener = Listener()
    injected = f'en") }} SERVICE <{listener.url}> {{ ?a ?b ?c }} OPTIONAL {{ ?x ?y ?z FILTER("a" = "a'
    reply = call("GET", f"{server}/queries/meetings?{urlencode({'lang': injected, 'format': 'json'})}")
    listener.close()
    assert reply.status == 200
    rows = reply.json()["results"]["bindings"]
    assert rows and all("meetingName" not in r for r in rows)  # no name has that "language"
    assert {r["lang"]["value"] for r in rows} == {injected}
    assert listener.connections == []


def test_a_named_query_file(server, named):
    reply = call("GET", f"{server}/queries/posts.rq")
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "application/sparql-query; charset=utf-8"
    assert reply.text == named["posts"].text


def test_an_unknown_named_query_is_a_404(server):
    reply = call("GET", f"{server}/queries/no-such-query")
    assert reply.status == 404 and "meetings-of-person" in reply.text


def test_the_named_query_page_shows_a_bad_parameter_in_place(server):
    status, found, text = page(server, "/queries/meetings-of-person", person="not an iri", lang="en")
    assert status == 400
    assert "must be an http(s) IRI" in html.unescape(text)
    assert found.inputs["person"] == "not an iri"
