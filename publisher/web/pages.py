"""Pages for people and documents for programs (placeholder until resource pages land)."""

from __future__ import annotations

from flask import Blueprint, jsonify

from publisher.web import current_site

blueprint = Blueprint("pages", __name__)


@blueprint.get("/healthz")
def healthz():
    site = current_site()
    return jsonify(status="ok", release=site.release_id, triples=site.manifest["triples"])
