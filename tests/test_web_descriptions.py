"""What a resource's description holds: its own triples, the names and types of what it links
to, the links to it (paged), in every format; checked against the store itself."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import RDF

from publisher.namespaces import ORG, PROV, SCHEMA
from tests.web_resources import RESOURCES, link_targets, parse

ID_KINDS = sorted(kind for kind, (path, _) in RESOURCES.items() if path.startswith("/id/"))
LABELS = {
    str(SCHEMA.name),
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://www.w3.org/2004/02/skos/core#prefLabel",
}


def served(web_client, path: str, **query):
    response = web_client.get(path, headers={"Accept": "text/turtle"}, query_string=query)
    assert response.status_code == 200, response.data[:300]
    return parse(response.data, "text/turtle")


def rdflib_term(term):
    from publisher.store import to_rdflib

    if isinstance(term, ox.Literal) and not term.language and term.datatype.value.endswith("#string"):
        return Literal(term.value)
    return to_rdflib(term)


@pytest.mark.parametrize("kind", ID_KINDS)
def test_own_triples_and_names_and_types_of_linked_nodes(web_client, store, base, kind):
    path, _ = RESOURCES[kind]
    iri = ox.NamedNode(base + path.lstrip("/"))
    graph = served(web_client, path)
    own = list(store.quads_for_pattern(iri, None, None))
    assert own
    for quad in own:
        assert (rdflib_term(quad.subject), rdflib_term(quad.predicate), rdflib_term(quad.object)) in graph
        if isinstance(quad.object, ox.NamedNode):
            for about in store.quads_for_pattern(quad.object, None, None):
                if about.predicate.value in LABELS or about.predicate.value == str(RDF.type):
                    triple = (
                        rdflib_term(about.subject),
                        rdflib_term(about.predicate),
                        rdflib_term(about.object),
                    )
                    assert triple in graph, f"{kind}: missing {triple}"


@pytest.mark.parametrize(
    ("kind", "subject", "prop"),
    [
        ("person", "id/meeting/huawei-technologies", SCHEMA.attendee),  # meetings a person attended
        ("meeting", "id/agreement/trilateral-protocol-of-intent", URIRef("ontology#signedAt")),
        ("place", "id/meeting/chengli-and-hua-an-suizhou", SCHEMA.location),  # meetings at a place
        ("organization", "id/person/nurdaulet-kilybay", SCHEMA.worksFor),  # who works for it
        ("organization", "id/post/akim-of-mangystau-region", ORG.postIn),
        ("topic", "id/meeting/gansu-joy-sturgeon-embassy", SCHEMA.about),
        ("topic", "id/agreement/memorandum-on-aquaculture", SCHEMA.about),
        ("agreement-kind", "id/agreement/trilateral-protocol-of-intent", URIRef("ontology#agreementKind")),
        ("role", "id/membership/liu-kehong-gansu-joy-sturgeon", ORG.role),
        ("trip", "id/meeting/tianjin-final-day", SCHEMA.superEvent),
        ("source", "id/meeting/tianjin-final-day", PROV.wasDerivedFrom),
    ],
)
def test_inverse_links_that_matter(web_client, base, kind, subject, prop):
    path, _ = RESOURCES[kind]
    graph = served(web_client, path)
    this = URIRef(base + path.lstrip("/"))
    prop = URIRef(base + str(prop)) if not str(prop).startswith("http") else prop
    assert (URIRef(base + subject), prop, this) in graph
    # and the linking resource is named and typed in the same document
    assert any(True for _ in graph.objects(URIRef(base + subject), RDF.type))
    assert any(
        p in (SCHEMA.name, URIRef("http://www.w3.org/2000/01/rdf-schema#label"))
        for p in graph.predicates(URIRef(base + subject))
    )


def test_memberships_of_a_person_are_in_their_description(web_client, base):
    graph = served(web_client, "/id/person/wu-jingkei")
    this = URIRef(base + "id/person/wu-jingkei")
    assert (URIRef(base + "id/membership/wu-jingkei-china-huadian"), ORG.member, this) in graph


def test_links_to_a_resource_are_paged(make_app, store, base):
    """The source is cited by every record: with 10 per page, its links span several pages,
    each page announces the next with Link: rel="next", and the pages add up to all of them."""
    client = make_app(PAGE_SIZE=10).test_client()
    path = RESOURCES["source"][0]
    this = base + path.lstrip("/")
    expected = {
        (q.subject.value, q.predicate.value) for q in store.quads_for_pattern(None, None, ox.NamedNode(this))
    }
    assert len(expected) > 20
    seen: set[tuple[str, str]] = set()
    page, pages = 1, 0
    while True:
        response = client.get(
            path, headers={"Accept": "text/turtle"}, query_string={"page": page} if page > 1 else {}
        )
        assert response.status_code == 200
        graph = parse(response.data, "text/turtle")
        links = {(str(s), str(p)) for s, p in graph.subject_predicates(URIRef(this))}
        assert 0 < len(links) <= 10
        assert not links & seen
        seen |= links
        # every page also carries the resource's own triples
        assert (URIRef(this), SCHEMA.text, None) in graph
        pages += 1
        rels = link_targets(response.headers["Link"])
        assert rels[("first", None)] == path + ".ttl"
        if page > 1:
            assert ("prev", None) in rels
        if ("next", None) not in rels:
            break
        assert rels[("next", None)] == f"{path}.ttl?page={page + 1}"
        page += 1
    assert seen == expected
    assert pages == -(-len(expected) // 10)
    # Served again (now from the worker's cache of rendered representations): the same links.
    first, again = (client.get(path, headers={"Accept": "text/turtle"}) for _ in range(2))
    assert again.headers["Link"] == first.headers["Link"] and 'rel="next"' in again.headers["Link"]
    beyond = client.get(path, headers={"Accept": "text/turtle"}, query_string={"page": pages + 1})
    assert beyond.status_code == 404


def test_paged_html_says_where_it_is_and_links_on(make_app):
    client = make_app(PAGE_SIZE=10).test_client()
    path = RESOURCES["source"][0]
    first = client.get(path, query_string={"lang": "en"}).data.decode()
    assert "Links 1–10 of" in first and "Page 1 of" in first
    assert f'href="{path}.html?lang=en&amp;page=2#links-here"' in first
    second = client.get(path, query_string={"lang": "en", "page": 2}).data.decode()
    assert "Links 11–20 of" in second
    assert f'href="{path}.html?lang=en#links-here"' in second  # back to page 1


def test_unpaged_descriptions_have_no_paging_links(web_client):
    response = web_client.get(RESOURCES["meeting"][0], headers={"Accept": "text/turtle"})
    assert ("next", None) not in link_targets(response.headers["Link"])


def test_edtf_date_keeps_its_datatype_and_the_source_words_their_language(web_client, base):
    graph = served(web_client, RESOURCES["meeting"][0])
    this = URIRef(base + RESOURCES["meeting"][0].lstrip("/"))
    edtf = graph.value(this, URIRef(base + "ontology#edtfDate"))
    assert edtf == Literal("XXXX-07-29", datatype=URIRef("http://id.loc.gov/datatypes/edtf/EDTF"))
    assert graph.value(this, URIRef(base + "ontology#dateAsStated")) == Literal("29 июля", lang="ru")
    assert (this, SCHEMA.startDate, None) not in graph  # never a made-up full date


def test_every_resource_of_the_release_is_served(web_client, store, base):
    """Every subject under /id/ answers 200 as a page and as Turtle (the others are checked per
    kind above); no resource of the release is left out."""
    subjects = sorted(
        {
            q.subject.value
            for q in store.quads_for_pattern(None, None, None)
            if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(base + "id/")
        }
    )
    assert len(subjects) > 50
    for iri in subjects:
        path = "/" + iri[len(base) :]
        if "#" in path:
            continue
        for accept in ("text/html", "text/turtle"):
            response = web_client.get(path, headers={"Accept": accept})
            assert response.status_code == 200, (path, accept, response.data[:200])
