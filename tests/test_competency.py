"""Competency questions: what users ask of the data, run as SPARQL on the built release.

The named queries in queries/ are the questions; the expected answers are exact and come
from reading the source (data/sources/000_37c8ae694416acda.txt), not from running them.
"""

from __future__ import annotations

import pytest

from publisher.queries import load_queries

from .conftest import REPO

QUERIES = load_queries(REPO / "queries")
AKIM = "id/person/nurdaulet-kilybay"


def ask(store, base, name, **params):
    """Run a named query; rows as dicts of values, our IRIs shortened to id/…"""
    query = QUERIES[name]
    solutions = store.query(query.text, base_iri=base, substitutions=query.substitutions(params, base))
    names = [v.value for v in solutions.variables]
    return [
        {n: (None if t is None else t.value.removeprefix(base)) for n, t in zip(names, row, strict=True)}
        for row in solutions
    ]


def test_who_met_whom(store, base):
    rows = ask(store, base, "meetings")
    attendees = {}
    for row in rows:
        attendees.setdefault(row["meeting"], set()).add(row["attendee"])
    assert attendees == {
        "id/meeting/china-huadian-beijing": {AKIM, "id/person/wu-jingkei"},
        "id/meeting/gansu-joy-sturgeon-embassy": {AKIM, "id/person/liu-kehong", "id/person/chen-yan"},
        "id/meeting/leader-international-tourism-group": {AKIM, "id/person/xu-qingtong"},
        "id/meeting/huawei-technologies": {AKIM, "id/person/xu-hai"},
        "id/meeting/chengli-and-hua-an-suizhou": {
            AKIM,
            "id/person/chairman-of-chengli-special-automobile",
            "id/person/general-director-of-hua-an-international-investment-management",
        },
        "id/meeting/tianjin-final-day": {
            AKIM,
            "id/person/you-boyang",
            "id/person/luo-xunjie",
            "id/person/liu-weiqiao",
        },
    }


def test_where_and_on_which_day(store, base):
    rows = ask(store, base, "meetings", lang="ru")
    when_where = {(r["meeting"], r["placeName"], r["date"], r["dateAsStated"]) for r in rows}
    assert when_where == {
        ("id/meeting/china-huadian-beijing", "Пекин", None, None),
        (
            "id/meeting/gansu-joy-sturgeon-embassy",
            "Здание посольства Республики Казахстан в КНР",
            None,
            "в тот же день",
        ),
        ("id/meeting/leader-international-tourism-group", None, None, None),
        ("id/meeting/huawei-technologies", None, None, None),
        ("id/meeting/chengli-and-hua-an-suizhou", "Суйчжоу", "XXXX-07-29", "29 июля"),
        ("id/meeting/tianjin-final-day", "Тяньцзинь", None, "завершающий день рабочей поездки"),
    }


def test_the_embassy_meeting_was_on_the_same_day_as_the_beijing_one(store, base):
    same_day = store.query(
        "ASK { <id/meeting/gansu-joy-sturgeon-embassy> <ontology#sameDayAs> <id/meeting/china-huadian-beijing> ."
        "      <id/meeting/china-huadian-beijing> <ontology#sameDayAs> <id/meeting/gansu-joy-sturgeon-embassy> }",
        base_iri=base,
    )
    assert bool(same_day)


def test_which_agreements_were_signed_of_which_kind_where_about_what(store, base):
    rows = ask(store, base, "agreements")
    assert {(r["agreement"], r["kind"], r["meeting"], r["topic"], r["numberOfParties"]) for r in rows} == {
        (
            "id/agreement/memorandum-on-aquaculture",
            "id/agreement-kind/memorandum-of-cooperation",
            "id/meeting/gansu-joy-sturgeon-embassy",
            "id/topic/aquaculture",
            None,
        ),
        (
            "id/agreement/trilateral-protocol-of-intent",
            "id/agreement-kind/protocol-of-intent",
            "id/meeting/chengli-and-hua-an-suizhou",
            None,
            "3",
        ),
        (
            "id/agreement/trilateral-protocol-on-strategic-cooperation",
            "id/agreement-kind/protocol-on-strategic-cooperation",
            "id/meeting/tianjin-final-day",
            None,
            "3",
        ),
    }


def test_no_party_or_signatory_is_claimed_the_source_does_not_name(store, base):
    rows = ask(store, base, "agreements")
    assert {(r["party"], r["signatory"]) for r in rows} == {(None, None)}


def test_who_holds_which_post(store, base):
    rows = ask(store, base, "posts")
    assert {(r["person"], r["position"], r["organization"]) for r in rows} == {
        (AKIM, "id/post/akim-of-mangystau-region", "id/organization/akimat-of-mangystau-region"),
        (
            "id/person/liu-weiqiao",
            "id/post/deputy-governor-of-songbei-district",
            "id/organization/songbei-district-government",
        ),
        ("id/person/wu-jingkei", "id/role/vice-president", "id/organization/china-huadian"),
        ("id/person/liu-kehong", "id/role/chairman", "id/organization/gansu-joy-sturgeon"),
        ("id/person/chen-yan", "id/role/general-director", "id/organization/gansu-joy-sturgeon"),
        (
            "id/person/xu-qingtong",
            "id/role/vice-president",
            "id/organization/leader-international-tourism-group",
        ),
        ("id/person/xu-hai", "id/role/deputy-general-director", "id/organization/huawei-technologies"),
        (
            "id/person/chairman-of-chengli-special-automobile",
            "id/role/chairman",
            "id/organization/chengli-special-automobile",
        ),
        (
            "id/person/general-director-of-hua-an-international-investment-management",
            "id/role/general-director",
            "id/organization/hua-an-international-investment-management",
        ),
        ("id/person/you-boyang", "id/role/chairman-of-the-board", "id/organization/guo-you-resources-group"),
        ("id/person/luo-xunjie", "id/role/vice-president", "id/organization/tianjin-port-group"),
    }


@pytest.mark.parametrize(
    ("topic", "meetings"),
    [
        ("id/topic/digitalisation", {"id/meeting/huawei-technologies"}),
        ("id/topic/aquaculture", {"id/meeting/gansu-joy-sturgeon-embassy"}),
        ("id/topic/transport-and-logistics-infrastructure", {"id/meeting/tianjin-final-day"}),
        ("id/topic/tourism", {"id/meeting/leader-international-tourism-group"}),
        ("id/topic/investment-projects", {"id/meeting/china-huadian-beijing"}),
        ("id/topic/special-vehicle-manufacturing", {"id/meeting/chengli-and-hua-an-suizhou"}),
    ],
)
def test_which_meetings_dealt_with_a_topic(store, base, topic, meetings):
    assert {r["meeting"] for r in ask(store, base, "meetings-on-topic", topic=topic)} == meetings


def test_what_happened_in_a_province_includes_its_cities(store, base):
    assert {r["meeting"] for r in ask(store, base, "events-in-place", place="id/place/hubei")} == {
        "id/meeting/chengli-and-hua-an-suizhou"
    }
    assert {r["meeting"] for r in ask(store, base, "events-in-place", place="id/place/kazakhstan")} == set()


def test_where_an_organization_was_represented_and_what_was_signed(store, base):
    rows = ask(store, base, "meetings-of-organization", organization="id/organization/gansu-joy-sturgeon")
    assert {(r["meeting"], r["agreement"]) for r in rows} == {
        ("id/meeting/gansu-joy-sturgeon-embassy", "id/agreement/memorandum-on-aquaculture")
    }


def test_whom_the_akim_met(store, base):
    others = {r["other"] for r in ask(store, base, "meetings-of-person", person=AKIM)}
    assert len(others) == 10 and AKIM not in others


def test_no_date_claims_a_year_the_source_does_not_give(store, base):
    """The source gives "29 июля" and no year: the only date is EDTF with an unknown year."""
    rows = ask(store, base, "dated-events")
    assert [(r["event"], r["property"], r["date"], r["dateAsStated"]) for r in rows] == [
        ("id/meeting/chengli-and-hua-an-suizhou", "ontology#edtfDate", "XXXX-07-29", "29 июля")
    ]
    years = store.query(
        "ASK { ?s ?p ?date FILTER(isLiteral(?date) && (DATATYPE(?date) IN "
        "(<http://www.w3.org/2001/XMLSchema#date>, <http://www.w3.org/2001/XMLSchema#dateTime>, "
        "<http://www.w3.org/2001/XMLSchema#gYear>, <http://www.w3.org/2001/XMLSchema#gMonthDay>)) "
        "&& ?p != <http://purl.org/dc/terms/modified> && ?p != <http://schema.org/dateModified>) }"
    )
    assert not bool(years), "a date literal other than the build's own modification time"


def test_every_record_cites_the_press_release(store, base):
    uncited = store.query(
        "SELECT ?s WHERE { ?s a ?type FILTER(STRSTARTS(STR(?s), STR(<id/>))) "
        "FILTER NOT EXISTS { ?s <http://www.w3.org/ns/prov#wasDerivedFrom> "
        "<id/source/press-release-akim-working-trip-to-china> } "
        "FILTER(?type IN (<http://schema.org/Event>, <http://schema.org/Person>, <http://schema.org/CreativeWork>,"
        " <http://www.w3.org/ns/org#FormalOrganization>, <http://www.w3.org/ns/org#Post>,"
        " <http://www.w3.org/ns/org#Membership>, <http://schema.org/City>, <http://schema.org/Country>,"
        " <http://schema.org/AdministrativeArea>, <http://schema.org/Place>)) }",
        base_iri=base,
    )
    assert [row["s"].value for row in uncited] == []


def test_wikidata_links_are_exactly_the_verified_ones(store, base):
    rows = store.query("SELECT ?s ?wd WHERE { ?s <http://schema.org/sameAs> ?wd }", base_iri=base)
    links = {(r["s"].value.removeprefix(base), r["wd"].value.rsplit("/", 1)[-1]) for r in rows}
    assert links == {
        ("id/place/kazakhstan", "Q232"),
        ("id/place/china", "Q148"),
        ("id/place/beijing", "Q956"),
        ("id/place/tianjin", "Q11736"),
        ("id/place/hubei", "Q46862"),
        ("id/place/heilongjiang", "Q19206"),
        ("id/place/harbin", "Q42956"),
        ("id/organization/huawei-technologies", "Q160120"),
    }
