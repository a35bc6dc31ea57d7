"""Where the server's SPARQL runs: the release's embedded pyoxigraph store by default.

Everything the web layer asks of the data goes through a backend's ``query``, which
returns pyoxigraph's result objects (QuerySolutions, QueryTriples, QueryBoolean) whatever
engine answered, so that resource pages and /sparql work the same on any backend. A
backend for an external SPARQL 1.1 endpoint (Virtuoso, Fuseki…) implements the same
method by parsing that endpoint's answers into the same objects.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import pyoxigraph as ox

from publisher.store import open_read_only

QueryResult = ox.QuerySolutions | ox.QueryTriples | ox.QueryBoolean
Substitutions = dict[ox.Variable, ox.NamedNode | ox.Literal]


class Backend(Protocol):
    def query(
        self,
        text: str,
        *,
        base_iri: str | None = None,
        substitutions: Substitutions | None = None,
        default_graph_as_union: bool = False,
        default_graph_only: bool = False,
    ) -> QueryResult:
        """Run one read-only SPARQL query. Raises SyntaxError for a malformed query.

        ``default_graph_only`` evaluates the query over the store's default graph whatever
        its FROM / FROM NAMED clauses say (the SPARQL endpoint has already checked that they
        name only our own dataset, which lives in the default graph).
        """
        ...


class EmbeddedBackend:
    """The release's own store, opened read-only in this process."""

    def __init__(self, store_path: Path):
        self.store = open_read_only(store_path)

    def query(
        self,
        text: str,
        *,
        base_iri: str | None = None,
        substitutions: Substitutions | None = None,
        default_graph_as_union: bool = False,
        default_graph_only: bool = False,
    ) -> QueryResult:
        dataset = {"default_graph": ox.DefaultGraph(), "named_graphs": []} if default_graph_only else {}
        return self.store.query(
            text,
            base_iri=base_iri,
            substitutions=substitutions,
            use_default_graph_as_union=default_graph_as_union,
            **dataset,
        )


def open_backend(release: Path, settings: dict) -> Backend:
    """The backend a server process should use for a release, per its settings."""
    kind = settings.get("BACKEND", "embedded")
    if kind == "embedded":
        from publisher.release import STORE_DIR

        return EmbeddedBackend(release / STORE_DIR)
    raise ValueError(f"unknown backend {kind!r} (known: embedded)")
