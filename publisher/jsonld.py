"""Our JSON-LD context, which every JSON-LD output embeds (no remote context is ever fetched)."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

from publisher.config import resolve_iri

CONTEXT_FILE = "context.jsonld"


def load_context(ontology_dir: Path, base_iri: str) -> dict:
    """The context of ontology/context.jsonld, its relative namespaces resolved against the base.

    The file writes our own vocabulary as ``"mtg": "ontology#"`` so that, like the records,
    it publishes under any base IRI.
    """
    document = json.loads((ontology_dir / CONTEXT_FILE).read_text("utf-8"))
    return {"@context": _resolve(document["@context"], base_iri)}


def _resolve(context: dict, base_iri: str) -> dict:
    resolved = {}
    for term, definition in context.items():
        if isinstance(definition, str) and not term.startswith("@") and _is_relative(definition):
            definition = resolve_iri(base_iri, definition)
        resolved[term] = definition
    return resolved


def _is_relative(value: str) -> bool:
    return not urlsplit(value).scheme and not value.startswith("@") and ":" not in value
