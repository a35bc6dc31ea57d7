"""HTTP semantics every route shares: validators and 304s, caching, gzip, CORS, HEAD, errors."""

from __future__ import annotations

import gzip
from email.utils import parsedate_to_datetime

import pytest

from tests.web_resources import CHROME_ACCEPT, FORMATS, RESOURCES

KINDS = sorted(RESOURCES)
SOURCE = RESOURCES["source"][0]


def vary(response) -> set[str]:
    return {v.strip() for v in response.headers.get("Vary", "").split(",") if v.strip()}


@pytest.mark.parametrize("kind", KINDS)
def test_strong_etag_per_representation_and_304(web_client, kind):
    path, _ = RESOURCES[kind]
    etags = set()
    for media_type in FORMATS:
        response = web_client.get(path, headers={"Accept": media_type})
        etag, weak = response.get_etag()
        assert etag and not weak
        etags.add(etag)
        again = web_client.get(path, headers={"Accept": media_type, "If-None-Match": f'"{etag}"'})
        assert again.status_code == 304
        assert again.data == b""
        assert again.get_etag()[0] == etag
        assert again.headers["Content-Location"] == response.headers["Content-Location"]
        assert vary(again) == vary(response)
    assert len(etags) == len(FORMATS)  # each format its own validator


def test_etag_differs_by_language(web_client):
    path = RESOURCES["meeting"][0]
    ru = web_client.get(path + "?lang=ru").get_etag()[0]
    en = web_client.get(path + "?lang=en").get_etag()[0]
    assert ru != en
    assert web_client.get(path + "?lang=en").get_etag()[0] == en  # stable


def test_a_stale_etag_gets_the_full_representation(web_client):
    response = web_client.get(RESOURCES["meeting"][0], headers={"If-None-Match": '"not-this-one"'})
    assert response.status_code == 200 and response.data


def test_last_modified_is_the_release_build_time_and_if_modified_since_works(web_client, release):
    import json

    built = json.loads((release / "release.json").read_text())["built"]
    response = web_client.get(RESOURCES["person"][0], headers={"Accept": "text/turtle"})
    assert parsedate_to_datetime(response.headers["Last-Modified"]).strftime("%Y-%m-%dT%H:%M:%SZ") == built
    again = web_client.get(
        RESOURCES["person"][0],
        headers={"Accept": "text/turtle", "If-Modified-Since": response.headers["Last-Modified"]},
    )
    assert again.status_code == 304


def test_cache_control_is_public_and_bounded(web_client):
    response = web_client.get(RESOURCES["meeting"][0])
    assert response.cache_control.public
    assert 0 < response.cache_control.max_age <= 3600


@pytest.mark.parametrize("media_type", list(FORMATS))
def test_large_bodies_are_gzipped_for_clients_that_accept_it(web_client, media_type):
    plain = web_client.get(SOURCE, headers={"Accept": media_type})
    zipped = web_client.get(SOURCE, headers={"Accept": media_type, "Accept-Encoding": "gzip, br"})
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data
    assert len(zipped.data) < len(plain.data)
    assert "Accept-Encoding" in vary(plain) and "Accept-Encoding" in vary(zipped)
    # A different representation, a different strong validator; each revalidates to 304.
    assert zipped.get_etag()[0] != plain.get_etag()[0]
    again = web_client.get(
        SOURCE,
        headers={"Accept": media_type, "Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]},
    )
    assert again.status_code == 304


def test_gzip_refused_with_q_zero(web_client):
    response = web_client.get(SOURCE, headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in response.headers


def test_small_bodies_are_not_gzipped(web_client):
    response = web_client.get("/robots.txt", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in response.headers


@pytest.mark.parametrize(
    "path",
    [
        RESOURCES["meeting"][0],
        "/",
        "/catalog",
        "/ontology",
        "/shapes",
        "/dumps/data.ttl",
        "/dumps/",
        "/sitemap.xml",
        "/robots.txt",
        "/healthz",
        "/id/meeting/no-such-meeting",
    ],
)
def test_cors_on_every_response(web_client, path):
    response = web_client.get(path, headers={"Origin": "https://example.net"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    assert "Link" in response.headers["Access-Control-Expose-Headers"]


@pytest.mark.parametrize("path", [RESOURCES["meeting"][0], "/", "/catalog", "/dumps/data.ttl", "/sparql"])
def test_cors_preflight_for_any_route(web_client, path):
    response = web_client.open(
        path,
        method="OPTIONS",
        headers={
            "Origin": "https://example.net",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "accept, if-none-match",
        },
    )
    if path == "/sparql" and response.status_code == 404:
        pytest.skip("no /sparql route in this tree yet")
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response.headers["Access-Control-Allow-Methods"]
    assert response.headers["Access-Control-Allow-Headers"] == "accept, if-none-match"
    assert int(response.headers["Access-Control-Max-Age"]) > 0


def test_preflight_for_an_unknown_route_is_404(web_client):
    response = web_client.open(
        "/no/such/route", method="OPTIONS", headers={"Access-Control-Request-Method": "GET"}
    )
    assert response.status_code == 404


@pytest.mark.parametrize("kind", KINDS)
def test_head_gives_the_headers_of_get_without_a_body(web_client, kind):
    path, _ = RESOURCES[kind]
    for media_type in ("text/html", "text/turtle"):
        get = web_client.get(path, headers={"Accept": media_type, "Accept-Encoding": "gzip"})
        head = web_client.head(path, headers={"Accept": media_type, "Accept-Encoding": "gzip"})
        assert head.status_code == 200
        assert head.data == b""
        for header in ("Content-Type", "Content-Length", "ETag", "Content-Location", "Vary", "Link"):
            assert head.headers.get(header) == get.headers.get(header), header


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_wrong_methods_are_405_with_allow(web_client, method):
    response = web_client.open(RESOURCES["meeting"][0], method=method)
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize(
    "path",
    [
        "/id/meeting/no-such-meeting",
        "/id/meeting/no-such-meeting.ttl",
        "/id/unknown-kind/x",
        "/id/meeting/chengli-and-hua-an-suizhou.exe",
        "/id/meeting/%3Cscript%3E",
        "/id/meeting/a b",
        "/id/",
        "/nothing-here",
        "/catalog.pdf",
        "/dumps/no-such-file.ttl",
        "/dumps/../release.json",
        "/dumps/%2e%2e/release.json",
    ],
)
def test_unknown_iris_are_404_plain_for_programs_html_for_browsers(web_client, path):
    plain = web_client.get(path, headers={"Accept": "*/*"})
    assert plain.status_code == 404
    assert plain.headers["Content-Type"].startswith("text/plain")
    assert plain.data.startswith(b"404 Not Found")
    assert b"Traceback" not in plain.data
    page = web_client.get(path, headers={"Accept": CHROME_ACCEPT})
    assert page.status_code == 404
    assert page.headers["Content-Type"].startswith("text/html")
    assert "<html" in page.data.decode() and 'href="/"' in page.data.decode()


def test_an_html_error_page_speaks_the_readers_language(web_client):
    page = web_client.get("/id/meeting/none", headers={"Accept": CHROME_ACCEPT, "Accept-Language": "ru"})
    assert "Не найдено" in page.data.decode()


@pytest.mark.parametrize(
    "query",
    ["page=0", "page=-1", "page=abc", "page=99999999999", "lang=de", "format=yaml"],
)
def test_bad_parameters_are_400_with_a_message(web_client, query):
    response = web_client.get(f"{SOURCE}?{query}", headers={"Accept": "text/html"})
    assert response.status_code == 400
    assert b"Traceback" not in response.data
    assert len(response.data) > 20


def test_a_failing_backend_is_a_logged_500_without_traceback(release, caplog):
    """Even a broken store (here: a query that raises) answers with a short message."""
    from publisher.web import create_app

    app = create_app(release)

    class Broken:
        def query(self, *args, **kwargs):
            raise RuntimeError("store is gone")

    site = app.extensions["publisher.site"]
    site._backend, site._backend_pid = Broken(), __import__("os").getpid()
    response = app.test_client().get(RESOURCES["meeting"][0], headers={"Accept": "text/turtle"})
    assert response.status_code == 500
    assert b"store is gone" not in response.data and b"Traceback" not in response.data
    assert response.headers["Cache-Control"] == "no-store"


def test_the_representation_cache_changes_nothing_but_speed(make_app, web_client):
    """A worker keeps what it rendered (the release never changes); with the cache off the
    answers are the same bytes and headers."""
    uncached = make_app(RESPONSE_CACHE_BYTES=0).test_client()
    for path in (RESOURCES["meeting"][0], RESOURCES["source"][0], "/", "/ontology"):
        for accept in FORMATS:
            for _ in range(2):
                cached = web_client.get(path, headers={"Accept": accept, "Accept-Language": "en"})
                fresh = uncached.get(path, headers={"Accept": accept, "Accept-Language": "en"})
                assert cached.data == fresh.data
                for header in ("ETag", "Link", "Content-Location", "Vary", "Content-Type"):
                    assert cached.headers.get(header) == fresh.headers.get(header)


def test_the_representation_cache_is_bounded():
    from publisher.web.representations import Rendered, RepresentationCache

    cache = RepresentationCache(limit=1000)
    for n in range(50):
        cache.get_or_make(str(n), lambda: Rendered(b"x" * 100))
    assert cache.size <= 1000
    made = []
    cache.get_or_make("49", lambda: made.append(1) or Rendered(b"y"))
    assert not made  # the most recent entries stay
    cache.get_or_make("0", lambda: made.append(1) or Rendered(b"z" * 100))
    assert made  # the oldest went
