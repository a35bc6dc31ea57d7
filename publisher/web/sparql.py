"""The SPARQL endpoint at /sparql (placeholder until the endpoint lands)."""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("sparql", __name__)
