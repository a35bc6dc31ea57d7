"""Every resource at its IRI, for people (HTML) and programs (RDF), and the site's own documents.

URL layout (DESIGN.md): ``/id/{kind}/{slug}`` for resources, ``/`` for the dataset (the landing
page, or the dataset description in RDF), ``/catalog`` and ``/.well-known/void`` for the
DCAT-AP / VoID description, ``/ontology`` for our vocabulary (its terms, ``ontology#Term``,
dereference to it), ``/shapes`` for the SHACL shapes. Each comes as ``.html``, ``.ttl``,
``.jsonld``, ``.nt`` and ``.rdf`` too (``/index.*`` for ``/``).
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, jsonify, render_template, request
from markupsafe import Markup
from rdflib import Literal, URIRef
from werkzeug.exceptions import BadRequest, NotFound

from publisher.web import current_site, downloads, landing, sitemap
from publisher.web.describe import DEFAULT_PAGE_SIZE, Description, describe, exists, has_language
from publisher.web.documents import Document, DocumentLinks, serve, suffix_format
from publisher.web.i18n import LANGUAGES, translator
from publisher.web.labels import Lens
from publisher.web.negotiation import FORMATS, RDF_FIRST, Format, split_suffix
from publisher.web.release_files import CATALOG, ONTOLOGY, SHAPES, release_document
from publisher.web.schema_org import island
from publisher.web.serialize import serialize
from publisher.web.views import build_view, template_namespaces

blueprint = Blueprint("pages", __name__)
blueprint.register_blueprint(downloads.blueprint)
blueprint.register_blueprint(sitemap.blueprint)

#: What a resource path may hold: our slugs are lowercase ASCII; anything else is not ours.
_RESOURCE_PATH = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~-]*(/[A-Za-z0-9._~-]+)*$")


@blueprint.app_template_test("literal")
def is_literal(value) -> bool:
    return isinstance(value, Literal)


@blueprint.get("/healthz")
def healthz():
    site = current_site()
    return jsonify(status="ok", release=site.release_id, triples=site.manifest["triples"])


# ---------------------------------------------------------------- resources


@blueprint.get("/id/<path:rest>")
def resource(rest: str) -> Response:
    """A resource under /id/: its description, negotiated; 404 for IRIs we do not have."""
    path, fixed = split_suffix(f"/id/{rest}")
    if not _RESOURCE_PATH.match(path[len("/id/") :]):
        raise NotFound()
    site = current_site()
    iri = site.iri_for_path(path)
    if not exists(site, iri):
        raise NotFound(f"there is no resource {iri} in this dataset")
    page = _page_number()
    size = int(site.settings.get("PAGE_SIZE", DEFAULT_PAGE_SIZE))
    described: dict[str, Description] = {}  # this request's, made once on first use

    def description() -> Description:
        if "d" not in described:
            found = describe(site, iri, page=page, page_size=size)
            if page > 1 and not any(found.graph.subjects(None, URIRef(iri))):
                raise NotFound(f"{path} has no page {page} of links to it")
            described["d"] = found
        return described["d"]

    def html(language: str, links: DocumentLinks) -> str:
        view = build_view(site, description(), language)
        t = translator(language)
        return render_template(
            [f"resource_{view.kind}.html", "resource.html"],
            view=view,
            lens=view.lens,
            this=view.this,
            lang=language,
            t=t,
            links=links,
            island=_island(view.lens, view.this),
            pages=_pages(description()),
            page_href=links.page,
            iri=iri,
            **template_namespaces(site.base_iri),
        )

    document = Document(
        path=path,
        suffix_path=path,
        offered=FORMATS,
        rdf=lambda fmt: serialize(description().rdf_graph(), fmt, site.context, site.base_iri, first=iri),
        html=html,
        page_languages=_languages_of(site, iri),
        query={"page": str(page)} if page > 1 else {},
        variant=(f"page-size={size}",),
        more_links=lambda links: _paging_links(description(), links),
    )
    return serve(document, fixed)


def _paging_links(found: Description, links: DocumentLinks) -> list[str]:
    """first/prev/next of the links to a resource, in the served representation's format."""
    if not found.paged:
        return []
    values = [f'<{links.page(1)}>; rel="first"']
    if found.page > 1:
        values.append(f'<{links.page(found.page - 1)}>; rel="prev"')
    if found.has_next:
        values.append(f'<{links.page(found.page + 1)}>; rel="next"')
    return values


def _pages(description: Description) -> dict | None:
    if not description.paged:
        return None
    total = description.inverse_total or 0
    last = max(1, -(-total // description.page_size))
    first_shown = (description.page - 1) * description.page_size + 1
    return {
        "page": description.page,
        "last": last,
        "size": description.page_size,
        "total": total,
        "first_shown": first_shown,
        "last_shown": min(total, description.page * description.page_size),
        "has_next": description.has_next,
    }


def _languages_of(site, iri: str) -> tuple[str, ...]:
    """ru and en always; kk where the resource has something written in Kazakh."""
    return LANGUAGES if has_language(site, iri, "kk") else ("ru", "en")


def _page_number() -> int:
    raw = request.args.get("page", "1")
    if not raw.isdigit() or int(raw) < 1 or len(raw) > 9:
        raise BadRequest(f"page must be a whole number from 1, got {raw!r}")
    return int(raw)


def _island(lens: Lens, node: URIRef) -> Markup | None:
    text = island(lens, node, str(node))
    return Markup(text) if text else None


# ---------------------------------------------------------------- the dataset and its description


@blueprint.get("/", defaults={"extension": None})
@blueprint.get("/index.<extension>")
def dataset(extension: str | None) -> Response:
    """The dataset: a landing page for people, its DCAT-AP / VoID description for programs."""
    site = current_site()
    fixed = suffix_format(extension, FORMATS)
    document = Document(
        path="/",
        suffix_path="/index",
        offered=FORMATS,
        rdf=lambda fmt: release_document(site, CATALOG, fmt, site.context),
        html=lambda language, links: landing.landing_page(site, language, links),
    )
    return serve(document, fixed)


@blueprint.get("/catalog", defaults={"extension": None})
@blueprint.get("/catalog.<extension>")
def catalog(extension: str | None) -> Response:
    return _release_file("/catalog", CATALOG, landing.catalog_page, FORMATS, extension)


@blueprint.get("/.well-known/void", defaults={"extension": None})
@blueprint.get("/.well-known/void.<extension>")
def well_known_void(extension: str | None) -> Response:
    """The VoID description where Linked Data tools look for it; RDF unless HTML is preferred."""
    return _release_file("/.well-known/void", CATALOG, landing.catalog_page, RDF_FIRST, extension)


@blueprint.get("/ontology", defaults={"extension": None})
@blueprint.get("/ontology.<extension>")
def ontology(extension: str | None) -> Response:
    """Our vocabulary: every term ``{base}ontology#Term`` is described here (#Term anchors)."""
    return _release_file("/ontology", ONTOLOGY, landing.ontology_page, FORMATS, extension)


@blueprint.get("/shapes", defaults={"extension": None})
@blueprint.get("/shapes.<extension>")
def shapes(extension: str | None) -> Response:
    return _release_file("/shapes", SHAPES, landing.shapes_page, FORMATS, extension)


def _release_file(path: str, file: str, page, offered: tuple[Format, ...], extension: str | None) -> Response:
    """A document the release holds as a file (catalog, vocabulary, shapes): RDF from the
    file, HTML from its page."""
    site = current_site()
    document = Document(
        path=path,
        suffix_path=path,
        offered=offered,
        rdf=lambda fmt: release_document(site, file, fmt, site.context),
        html=lambda language, links: page(site, language, links),
    )
    return serve(document, suffix_format(extension, offered))
