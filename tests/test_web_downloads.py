"""Downloads and the documents around the data: dumps, catalogue, VoID, sitemap, robots, health."""

from __future__ import annotations

import gzip
import hashlib
import json
import xml.etree.ElementTree as ET

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, RDF

from tests.web_resources import CHROME_ACCEPT, parse


@pytest.fixture(scope="module")
def manifest(release):
    return json.loads((release / "release.json").read_text())


@pytest.mark.parametrize(
    ("name", "media_type"),
    [
        ("data.ttl", "text/turtle"),
        ("data.jsonld", "application/ld+json"),
        ("data.nt.gz", "application/gzip"),
        ("catalog.ttl", "text/turtle"),
        ("ontology.ttl", "text/turtle"),
        ("shapes.ttl", "text/turtle"),
        ("validation-report.ttl", "text/turtle"),
    ],
)
def test_dumps_are_the_release_files_with_their_media_types(web_client, release, name, media_type):
    response = web_client.get(f"/dumps/{name}")
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == media_type
    assert response.headers["Content-Type"].count("charset") <= 1
    assert response.data == (release / "dumps" / name).read_bytes()
    assert "Content-Encoding" not in response.headers  # a .gz is a gzip file, never unpacked in transit
    assert response.headers["Accept-Ranges"] == "bytes"


def test_dump_etag_is_the_checksum_the_catalogue_publishes(web_client, manifest):
    for dump in manifest["dumps"].values():
        response = web_client.get("/" + dump["path"])
        assert response.get_etag() == (dump["sha256"], False)
        assert hashlib.sha256(response.data).hexdigest() == dump["sha256"]
        again = web_client.get("/" + dump["path"], headers={"If-None-Match": f'"{dump["sha256"]}"'})
        assert again.status_code == 304


def test_gzipped_n_triples_unpack_to_the_data(web_client):
    body = gzip.decompress(web_client.get("/dumps/data.nt.gz").data)
    assert len(Graph().parse(data=body, format="nt")) > 500


def test_range_requests(web_client, release):
    whole = (release / "dumps" / "data.ttl").read_bytes()
    part = web_client.get("/dumps/data.ttl", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.data == whole[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(whole)}"
    tail = web_client.get("/dumps/data.ttl", headers={"Range": "bytes=-50"})
    assert tail.status_code == 206 and tail.data == whole[-50:]
    beyond = web_client.get("/dumps/data.ttl", headers={"Range": f"bytes={len(whole) + 10}-"})
    assert beyond.status_code == 416
    # If-Range with a stale validator gets the whole file, not a fragment of another version
    stale = web_client.get("/dumps/data.ttl", headers={"Range": "bytes=0-9", "If-Range": '"old"'})
    assert stale.status_code == 200 and stale.data == whole


def test_head_on_a_dump(web_client, release):
    response = web_client.head("/dumps/data.jsonld")
    assert response.status_code == 200 and response.data == b""
    assert int(response.headers["Content-Length"]) == (release / "dumps" / "data.jsonld").stat().st_size


def test_dumps_index_lists_the_files(web_client):
    response = web_client.get("/dumps/", headers={"Accept-Language": "en"})
    text = response.data.decode()
    for name in ("data.ttl", "data.nt.gz", "data.jsonld", "catalog.ttl"):
        assert f'href="/dumps/{name}"' in text


@pytest.mark.parametrize("path", ["/catalog", "/.well-known/void", "/"])
def test_the_dataset_description_in_rdf_is_dcat_and_void(web_client, path, base, release):
    graph = parse(web_client.get(path, headers={"Accept": "text/turtle"}).data, "text/turtle")
    expected = Graph().parse(release / "dumps" / "catalog.ttl")
    from rdflib.compare import isomorphic

    assert isomorphic(graph, expected)
    assert (URIRef(base + "catalog"), RDF.type, DCAT.Catalog) in graph
    urls = {str(u) for u in graph.objects(None, DCAT.downloadURL)}
    assert base + "dumps/data.ttl" in urls
    for url in urls:  # every download the catalogue names is served
        assert web_client.get(url[len(base) - 1 :]).status_code == 200


def test_catalog_page_for_browsers(web_client, manifest):
    response = web_client.get("/catalog", headers={"Accept": CHROME_ACCEPT, "Accept-Language": "en"})
    text = response.data.decode()
    assert response.headers["Content-Type"].startswith("text/html")
    for dump in manifest["dumps"].values():
        assert dump["sha256"] in text and f'href="/{dump["path"]}"' in text


@pytest.mark.parametrize("path", ["/ontology", "/shapes"])
@pytest.mark.parametrize("suffix", [".ttl", ".jsonld", ".nt", ".rdf", ".html"])
def test_vocabulary_and_shapes_in_every_format(web_client, path, suffix):
    response = web_client.get(path + suffix)
    assert response.status_code == 200


def test_vocabulary_turtle_is_the_dump(web_client, release):
    assert web_client.get("/ontology.ttl").data == (release / "dumps" / "ontology.ttl").read_bytes()
    assert web_client.get("/shapes.ttl").data == (release / "dumps" / "shapes.ttl").read_bytes()


def test_sitemap_lists_every_resource_page(web_client, store, base):
    response = web_client.get("/sitemap.xml", base_url="https://mirror.example.net")
    assert response.headers["Content-Type"].startswith("application/xml")
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    root = ET.fromstring(response.data)
    locations = {loc.text for loc in root.findall("s:url/s:loc", ns)}
    subjects = {
        q.subject.value
        for q in store.quads_for_pattern(None, None, None)
        if q.subject.value.startswith(base + "id/") and "#" not in q.subject.value
    }
    for iri in subjects:  # absolute, on the host that was asked
        assert "https://mirror.example.net/" + iri[len(base) :] in locations
    for page in ("/", "/catalog", "/ontology", "/sparql"):
        assert "https://mirror.example.net" + page in locations
    alternates = root.findall("s:url/x:link", ns)
    assert {a.get("hreflang") for a in alternates} == {"ru", "en"}


def test_robots_points_at_the_sitemap(web_client):
    text = web_client.get("/robots.txt", base_url="https://mirror.example.net").data.decode()
    assert "Sitemap: https://mirror.example.net/sitemap.xml" in text
    assert "User-agent: *" in text


def test_healthz(web_client, manifest):
    response = web_client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok" and response.json["triples"] == manifest["triples"]
