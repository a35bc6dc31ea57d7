"""The release's files for download: /dumps/<file>.

Served by werkzeug's ``send_file``: Range requests (206), conditional GET (304), HEAD. The
ETag of a dump listed in the manifest is its SHA-256, the same checksum the DCAT description
publishes, so a client can check a download against the catalogue without fetching it twice.

``data.nt.gz`` is sent as what it is, a gzip file (``application/gzip``), never with
``Content-Encoding: gzip``: a browser or HTTP library would then silently unpack it and save
plain N-Triples under a ``.gz`` name, and byte ranges would be ranges of the unpacked text.
The catalogue says what is inside (``dcat:mediaType`` N-Triples, ``dcat:compressFormat`` gzip).
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, send_from_directory
from werkzeug.exceptions import NotFound

from publisher.web import current_site, http
from publisher.web.i18n import choose_language, translator

blueprint = Blueprint("downloads", __name__)

DUMPS = "dumps"
MEDIA_TYPES = {
    ".ttl": "text/turtle",
    ".nt": "application/n-triples",
    ".jsonld": "application/ld+json",
    ".gz": "application/gzip",
    ".json": "application/json",
    ".rq": "application/sparql-query",
}


def media_type(name: str) -> str:
    return MEDIA_TYPES.get(Path(name).suffix, "application/octet-stream")


@blueprint.get("/dumps/<path:name>")
def dump(name: str) -> Response:
    site = current_site()
    directory = site.path / DUMPS
    if "/" in name or name.startswith(".") or not (directory / name).is_file():
        raise NotFound(f"no file {name!r} in this release's dumps; see /dumps/")
    listed = {Path(d["path"]).name: d["sha256"] for d in site.manifest.get("dumps", {}).values()}
    etag = listed.get(name) or http.representation_etag("/dumps/" + name)
    return send_from_directory(
        directory,
        name,
        mimetype=media_type(name),
        etag=etag,
        last_modified=http.release_time(),
        max_age=int(current_app.config.get("CACHE_MAX_AGE", 300)),
        conditional=True,
    )


@blueprint.get("/dumps/")
def index() -> Response:
    """The files on offer, for people; programs find them in the catalogue."""
    site = current_site()
    language, _ = choose_language()
    files = sorted(p for p in (site.path / DUMPS).iterdir() if p.is_file() and not p.name.startswith("."))
    listed = {Path(d["path"]).name: d for d in site.manifest.get("dumps", {}).values()}
    rows = [
        {
            "name": p.name,
            "href": f"/dumps/{p.name}",
            "size": p.stat().st_size,
            "media_type": media_type(p.name).split(";")[0],
            "sha256": listed.get(p.name, {}).get("sha256"),
        }
        for p in files
    ]
    etag = http.representation_etag("/dumps/", "text/html", language)
    early = http.not_modified(etag, "text/html")
    if early is not None:
        early.vary.add("Accept-Language")
        return early
    body = render_template("dumps.html", files=rows, lang=language, t=translator(language), links=None)
    response = Response(body, content_type="text/html; charset=utf-8")
    http.with_validators(response, etag)
    response.vary.add("Accept-Language")
    response.headers["Content-Language"] = language
    return response
