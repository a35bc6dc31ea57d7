"""Pages for people: what each kind of page says, in which language, and what it tells search
engines. Read as a person would: the text of the page, not its markup."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from tests.web_resources import RESOURCES

MEETING = "/id/meeting/chengli-and-hua-an-suizhou"
SCHEMA = "http://schema.org/"


class _Page(HTMLParser):
    """The visible text of a page, its links, its <html lang>, and its JSON-LD islands."""

    def __init__(self):
        super().__init__()
        self.text: list[str] = []
        self.links: list[str] = []
        self.islands: list[str] = []
        self.lang = None
        self.head_links: list[dict] = []
        self._skip = 0
        self._island = False

    BLOCKS = frozenset(
        [
            "p",
            "li",
            "dt",
            "dd",
            "h1",
            "h2",
            "h3",
            "td",
            "th",
            "tr",
            "div",
            "section",
            "blockquote",
            "nav",
            "header",
            "footer",
        ]
    )

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.BLOCKS:
            self.text.append(" ")
        if tag == "html":
            self.lang = attrs.get("lang")
        if tag == "a" and "href" in attrs:
            self.links.append(attrs["href"])
        if tag == "link":
            self.head_links.append(attrs)
        if tag == "script":
            self._island = attrs.get("type") == "application/ld+json"
            self._skip += 1
        if tag in ("style", "title"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in self.BLOCKS:
            self.text.append(" ")
        if tag in ("script", "style", "title"):
            self._skip -= 1
            self._island = False

    def handle_data(self, data):
        if self._island:
            self.islands.append(data)
        elif not self._skip:
            self.text.append(data)

    @property
    def visible(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.text))


def page(web_client, path, lang="en", **headers) -> _Page:
    query = {"lang": lang} if lang else {}
    response = web_client.get(path, query_string=query, headers={"Accept": "text/html", **headers})
    assert response.status_code == 200, response.data[:300]
    parsed = _Page()
    parsed.feed(response.data.decode())
    parsed.response = response
    return parsed


def test_meeting_page_says_when_where_who_what_and_quotes_the_source(web_client):
    p = page(web_client, MEETING)
    text = p.visible
    assert "29 July (year not stated in the source)" in text
    assert "«29 июля»" in text  # the source's own words
    assert not re.search(r"\b(19|20)\d\d\b", text)  # no year is invented
    assert "Suizhou, Hubei Province, People's Republic of China" in text
    assert "Nurdaulet Kilybay — Akim of Mangystau Region (Akimat of Mangystau Region)" in text
    assert "— chairman, ChengLi Special Automobile Co., Ltd." in text
    assert "Special-purpose vehicle manufacturing" in text
    assert "Trilateral protocol of intent (Protocol of intent)" in text
    assert "29 июля в городе Суйчжоу (провинция Хубэй) глава региона провел встречу" in text
    assert "/id/source/press-release-akim-working-trip-to-china" in p.links
    for target in (
        "/id/place/suizhou",
        "/id/person/nurdaulet-kilybay",
        "/id/agreement/trilateral-protocol-of-intent",
    ):
        assert target in p.links


def test_meeting_page_in_russian(web_client):
    text = page(web_client, MEETING, lang="ru").visible
    assert "29 июля (год в источнике не указан)" in text
    assert "Суйчжоу, Провинция Хубэй, Китайская Народная Республика" in text
    assert "Что подписано" in text


def test_meetings_without_a_date_or_place_say_so(web_client):
    text = page(web_client, "/id/meeting/huawei-technologies").visible
    assert "When date not given in the source" in text
    assert "Where not given in the source" in text
    embassy = page(web_client, "/id/meeting/gansu-joy-sturgeon-embassy").visible
    assert "«в тот же день»" in embassy and "on the same day as" in embassy


def test_agreement_page_says_what_the_source_does_not_name(web_client):
    text = page(web_client, "/id/agreement/trilateral-protocol-of-intent").visible
    assert "Kind Protocol of intent" in text
    assert "Number of parties 3" in text
    assert "Parties not named in the source" in text
    assert "Signatories not named in the source" in text
    assert "Subject not named in the source" in text
    assert "Signed at The akim's meeting with the heads of ChengLi" in text
    assert "29 July" in text  # the meeting's date beside it
    memorandum = page(web_client, "/id/agreement/memorandum-on-aquaculture").visible
    assert "Subject Aquaculture" in memorandum
    assert "Number of parties not stated in the source" in memorandum


def test_person_page_lists_posts_meetings_and_agreements(web_client):
    text = page(web_client, "/id/person/nurdaulet-kilybay").visible
    assert "Post: Akim of Mangystau Region — Akimat of Mangystau Region" in text
    for meeting in ("in Beijing", "in Suizhou", "in Tianjin on the final day of the trip"):
        assert meeting in text
    assert "Signed at meetings they attended" in text
    assert "Memorandum of cooperation in aquaculture" in text
    unnamed = page(web_client, "/id/person/chairman-of-chengli-special-automobile").visible
    assert "does not give a name" in unnamed
    assert "Role: chairman — ChengLi Special Automobile Co., Ltd." in unnamed


def test_organization_page_lists_people_meetings_and_agreements(web_client):
    text = page(web_client, "/id/organization/gansu-joy-sturgeon").visible
    assert "Liu Kehong — chairman" in text and "Chen Yan — general director" in text
    assert "at the Embassy of Kazakhstan in China" in text
    assert "Signed at these meetings: Memorandum of cooperation in aquaculture" in text
    akimat = page(web_client, "/id/organization/akimat-of-mangystau-region").visible
    assert "Akim of Mangystau Region — Nurdaulet Kilybay" in akimat  # the post and who holds it
    assert "Area served Mangystau Region, Republic of Kazakhstan" in akimat


def test_place_page_includes_what_happened_in_places_inside_it(web_client):
    text = page(web_client, "/id/place/china").visible
    assert "in Suizhou" in text and "in Tianjin" in text and "at the Embassy of Kazakhstan" in text
    assert "Places inside" in text and "Songbei District" in text
    hubei = page(web_client, "/id/place/hubei").visible
    assert "in Suizhou" in hubei and "in Tianjin" not in hubei


def test_topic_kind_role_and_scheme_pages(web_client):
    topic = page(web_client, "/id/topic/aquaculture").visible
    assert "Fish farming" in topic and "Memorandum of cooperation in aquaculture" in topic
    assert "at the Embassy of Kazakhstan in China" in topic
    kind = page(web_client, "/id/agreement-kind/protocol-of-intent").visible
    assert "Trilateral protocol of intent" in kind
    role = page(web_client, "/id/role/vice-president").visible
    assert "Wu Jingkei — China Huadian Corporation Ltd." in role
    scheme = page(web_client, "/id/scheme/topics").visible
    assert "Aquaculture" in scheme and "Tourism" in scheme


def test_post_and_membership_pages(web_client):
    post = page(web_client, "/id/post/akim-of-mangystau-region").visible
    assert "Post in Akimat of Mangystau Region" in post and "Held by Nurdaulet Kilybay" in post
    membership = page(web_client, "/id/membership/wu-jingkei-china-huadian").visible
    assert "Member Wu Jingkei" in membership and "Organization China Huadian Corporation Ltd." in membership


def test_source_page_shows_its_text_and_what_cites_it(web_client):
    p = page(web_client, RESOURCES["source"][0])
    assert "В частности, в Пекине состоялась его встреча" in p.visible
    assert "Результатом встреч стало подписание трехстороннего протокола" in p.visible
    assert "/id/meeting/tianjin-final-day" in p.links  # the records derived from it


def test_landing_page_has_the_trip_as_a_timeline_agreements_counts_and_ways_in(web_client):
    p = page(web_client, "/")
    text = p.visible
    timeline = re.findall(r'<h3><a href="(/id/meeting/[^"]+)"', p.response.data.decode())
    assert timeline == [
        "/id/meeting/china-huadian-beijing",
        "/id/meeting/gansu-joy-sturgeon-embassy",
        "/id/meeting/leader-international-tourism-group",
        "/id/meeting/huawei-technologies",
        "/id/meeting/chengli-and-hua-an-suizhou",
        "/id/meeting/tianjin-final-day",
    ], "meetings in the order the source tells them"
    assert "Meetings: 6" in text and "Agreements: 3" in text
    for agreement in (
        "Memorandum of cooperation in aquaculture",
        "Trilateral protocol of intent",
        "Trilateral protocol on strategic cooperation",
    ):
        assert agreement in text
    for target in (
        "/sparql",
        "/catalog",
        "/dumps/data.ttl",
        "/dumps/data.nt.gz",
        "/dumps/data.jsonld",
        "/ontology",
        "/id/trip/akim-working-trip-to-china",
    ):
        assert target in p.links


def test_catalog_ontology_shapes_and_downloads_pages(web_client):
    catalog = page(web_client, "/catalog").visible
    assert "All records as Turtle" in catalog and "Creative Commons" in catalog
    ontology = page(web_client, "/ontology").visible
    assert "mtg:Meeting" in ontology and "mtg:signedAt" in ontology
    shapes = page(web_client, "/shapes").visible
    assert "schema:attendee" in shapes or "attendee" in shapes
    dumps = page(web_client, "/dumps/").visible
    assert "data.nt.gz" in dumps and "application/gzip" in dumps


# ---------------------------------------------------------------- languages


def test_language_from_accept_language_with_vary_and_content_language(web_client):
    p = page(web_client, MEETING, lang=None, **{"Accept-Language": "en-GB,en;q=0.9,ru;q=0.5"})
    assert p.lang == "en"
    assert p.response.headers["Content-Language"] == "en"
    assert "Accept-Language" in p.response.headers["Vary"]
    assert p.response.headers["Content-Location"].endswith(".html?lang=en")
    ru = page(web_client, MEETING, lang=None, **{"Accept-Language": "ru-RU"})
    assert ru.lang == "ru"


def test_lang_parameter_wins_over_accept_language(web_client):
    p = page(web_client, MEETING, lang="ru", **{"Accept-Language": "en"})
    assert p.lang == "ru"
    assert "Accept-Language" not in p.response.headers["Vary"]


def test_default_language_without_preferences(web_client):
    assert page(web_client, MEETING, lang=None).lang == "ru"


def test_kazakh_where_labelled_with_fallback_to_russian(web_client):
    akimat = page(web_client, "/id/organization/akimat-of-mangystau-region", lang="kk")
    assert akimat.lang == "kk"
    assert "Маңғыстау облысының әкімдігі" in akimat.visible  # its Kazakh name
    assert "Территория" in akimat.visible  # interface falls back to Russian
    raw = akimat.response.data.decode()
    assert '<span lang="ru">Территория</span>' in raw  # marked as Russian
    assert "Маңғыстау облысы" in akimat.visible  # the region, also named in Kazakh
    hreflangs = {link.get("hreflang") for link in akimat.head_links if link.get("rel") == "alternate"}
    assert hreflangs >= {"ru", "en", "kk"}
    # A meeting has no Kazakh text: kk is not offered, and ?lang=kk falls back to Russian names.
    meeting = page(web_client, MEETING, lang="kk")
    assert {link.get("hreflang") for link in meeting.head_links if link.get("hreflang")} == {"ru", "en"}
    assert '<h1><span lang="ru">Встреча акима' in meeting.response.data.decode()


@pytest.mark.parametrize("kind", sorted(RESOURCES))
def test_every_page_links_its_formats_and_languages_and_stays_local(web_client, kind, base):
    path, stem = RESOURCES[kind]
    p = page(web_client, path)
    alternates = {
        (link.get("type"), link.get("hreflang")): link.get("href")
        for link in p.head_links
        if link.get("rel") == "alternate"
    }
    assert alternates[("text/turtle", None)] == stem + ".ttl"
    assert alternates[("application/ld+json", None)] == stem + ".jsonld"
    assert alternates[(None, "ru")] == stem + ".html?lang=ru"
    assert not [href for href in p.links if href.startswith(base)], "links to our resources are local paths"
    assert p.lang == "en"
    assert 'name="viewport"' in p.response.data.decode()


# ---------------------------------------------------------------- schema.org for search engines


def _expand(island: str) -> list:
    from pyld import jsonld

    def loader(url, options=None):
        assert url.rstrip("/") in ("https://schema.org", "http://schema.org"), url
        return {"contextUrl": None, "documentUrl": url, "document": {"@context": {"@vocab": SCHEMA}}}

    return jsonld.expand(json.loads(island), {"documentLoader": loader})


def _terms(expanded) -> tuple[set[str], set[str]]:
    properties, types = set(), set()

    def walk(node):
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key == "@type":
                    types.update(value if isinstance(value, list) else [value])
                elif key == "@reverse":
                    properties.update(value)
                    walk(list(value.values()))
                elif not key.startswith("@"):
                    properties.add(key)
                    walk(value)

    walk(expanded)
    return properties, types


@pytest.mark.parametrize(
    ("path", "expected_type"),
    [
        (MEETING, "Event"),
        ("/id/trip/akim-working-trip-to-china", "Event"),
        ("/id/organization/akimat-of-mangystau-region", "GovernmentOrganization"),
        ("/id/organization/huawei-technologies", "Corporation"),
        ("/id/person/nurdaulet-kilybay", "Person"),
        ("/id/agreement/trilateral-protocol-of-intent", "CreativeWork"),
        ("/id/place/suizhou", "City"),
        ("/id/source/press-release-akim-working-trip-to-china", "NewsArticle"),
        ("/id/topic/aquaculture", "DefinedTerm"),
        ("/", "Dataset"),
    ],
)
def test_pages_embed_schema_org_only(web_client, path, expected_type):
    p = page(web_client, path)
    assert len(p.islands) == 1
    document = json.loads(p.islands[0])
    assert document["@context"] == "https://schema.org"
    assert expected_type in ([document["@type"]] if isinstance(document["@type"], str) else document["@type"])
    properties, types = _terms(_expand(p.islands[0]))
    assert properties and types
    assert all(term.startswith(SCHEMA) for term in properties | types), (properties | types) - {
        t for t in properties | types if t.startswith(SCHEMA)
    }


def test_meeting_island_names_the_event_its_place_and_attendees(web_client):
    document = json.loads(page(web_client, MEETING).islands[0])
    assert document["@id"] == "https://meetings.example.org" + MEETING
    assert document["location"]["@type"] == "City"
    assert {"@value": "Suizhou", "@language": "en"} in document["location"]["name"]
    assert len(document["attendee"]) == 3
    assert "startDate" not in document  # the year is unknown: no date is made up for search engines
