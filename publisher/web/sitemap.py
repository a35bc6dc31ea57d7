"""For crawlers: /sitemap.xml lists every resource page (with its language alternates),
/robots.txt points at it. URLs are absolute on the host that was asked, as sitemaps require.
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from flask import Blueprint, Response, request

from publisher.web import current_site, http
from publisher.web.representations import Rendered, representations

blueprint = Blueprint("sitemap", __name__)

#: The sitemap protocol's limit per file; a larger dataset needs a sitemap index.
SITEMAP_LIMIT = 50000
SUBJECTS = f"""SELECT DISTINCT ?s WHERE {{
  ?s ?p ?o . FILTER(isIRI(?s) && STRSTARTS(STR(?s), STR(<>)) && !CONTAINS(STR(?s), "#"))
}} ORDER BY ?s LIMIT {SITEMAP_LIMIT}"""
SITE_PAGES = ("/", "/catalog", "/ontology", "/shapes", "/sparql", "/dumps/")
PAGE_LANGUAGES = ("ru", "en")


@blueprint.get("/sitemap.xml")
def sitemap() -> Response:
    etag = http.representation_etag("/sitemap.xml", request.host_url)
    early = http.not_modified(etag, "application/xml")
    if early is not None:
        return early
    body = representations().get_or_make(etag, lambda: Rendered(_sitemap(request.host_url.rstrip("/"))))
    response = Response(body.body, content_type="application/xml; charset=utf-8")
    return http.with_validators(response, etag)


def _sitemap(root: str) -> bytes:
    site = current_site()
    paths = set(SITE_PAGES)
    for row in site.query(SUBJECTS):
        local = site.local_path(row["s"].value)
        if local:
            paths.add(local)
    modified = site.manifest["built"][:10]
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">',
    ]
    for path in sorted(paths):
        lines.append(f"  <url><loc>{_escape(root + path)}</loc><lastmod>{modified}</lastmod>")
        if path.startswith("/id/") or path == "/":
            for language in PAGE_LANGUAGES:
                href = f"{root}{path}?lang={language}"
                lines.append(
                    f'    <xhtml:link rel="alternate" hreflang="{language}" href={quoteattr(href)}/>'
                )
        lines.append("  </url>")
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode("utf-8")


@blueprint.get("/robots.txt")
def robots() -> Response:
    text = (
        "User-agent: *\n"
        "Allow: /\n"
        "# Queries are for people and programs that mean them, not for crawling.\n"
        "Disallow: /sparql?\n"
        f"Sitemap: {request.host_url}sitemap.xml\n"
    )
    response = Response(text, content_type="text/plain; charset=utf-8")
    return http.with_validators(response, http.representation_etag("/robots.txt", request.host_url))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
