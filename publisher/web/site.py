"""The release a server process serves: opened read-only, shared by every request.

A release never changes once written, so everything here is read once per process and
every response can carry validators (ETags) derived from the release's identity.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from publisher.backends import Backend, QueryResult, Substitutions, open_backend
from publisher.queries import NamedQuery, load_queries
from publisher.release import CONTEXT_JSONLD, QUERIES_DIR, read_manifest


@dataclass
class Site:
    """One release, as the web layer sees it."""

    path: Path
    manifest: dict
    context: dict
    queries: dict[str, NamedQuery]
    settings: dict = field(default_factory=dict)
    _backend: Backend | None = field(default=None, repr=False)
    _backend_pid: int | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def open(cls, path: Path, settings: dict | None = None) -> Site:
        return cls(
            path=path,
            manifest=read_manifest(path),
            context=json.loads((path / CONTEXT_JSONLD).read_text("utf-8")),
            queries=load_queries(path / QUERIES_DIR),
            settings=dict(settings or {}),
        )

    @property
    def base_iri(self) -> str:
        return self.manifest["base_iri"]

    @property
    def release_id(self) -> str:
        """Names this release; part of every ETag, so validators change with each release."""
        return self.path.name

    @property
    def backend(self) -> Backend:
        """The query backend, opened once per process (never inherited across a fork)."""
        if self._backend is None or self._backend_pid != os.getpid():
            with self._lock:
                if self._backend is None or self._backend_pid != os.getpid():
                    self._backend = open_backend(self.path, self.settings)
                    self._backend_pid = os.getpid()
        return self._backend

    def query(self, text: str, *, substitutions: Substitutions | None = None) -> QueryResult:
        """Run a trusted, bounded query of our own (resource pages, named-query listings).

        Relative IRIs in ``text`` resolve against the base IRI. Queries from users go
        through the SPARQL endpoint's guarded path instead.
        """
        return self.backend.query(text, base_iri=self.base_iri, substitutions=substitutions)

    def iri_for_path(self, path: str) -> str:
        """The IRI a request path stands for, whatever host the server runs on."""
        return self.base_iri + path.lstrip("/")

    def local_path(self, iri: str) -> str | None:
        """The local path of one of our IRIs (None for everyone else's)."""
        if iri.startswith(self.base_iri):
            return "/" + iri[len(self.base_iri) :]
        return None
