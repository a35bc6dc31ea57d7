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

import pyoxigraph as ox

from publisher.queries import NamedQuery, load_queries
from publisher.release import CONTEXT_JSONLD, QUERIES_DIR, STORE_DIR, read_manifest
from publisher.store import open_read_only


@dataclass
class Site:
    """One release, as the web layer sees it."""

    path: Path
    manifest: dict
    context: dict
    queries: dict[str, NamedQuery]
    _store: ox.Store | None = field(default=None, repr=False)
    _store_pid: int | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def open(cls, path: Path) -> Site:
        return cls(
            path=path,
            manifest=read_manifest(path),
            context=json.loads((path / CONTEXT_JSONLD).read_text("utf-8")),
            queries=load_queries(path / QUERIES_DIR),
        )

    @property
    def base_iri(self) -> str:
        return self.manifest["base_iri"]

    @property
    def release_id(self) -> str:
        """Names this release; part of every ETag, so validators change with each release."""
        return self.path.name

    @property
    def store(self) -> ox.Store:
        """The read-only store, opened once per process (never inherited across a fork)."""
        if self._store is None or self._store_pid != os.getpid():
            with self._lock:
                if self._store is None or self._store_pid != os.getpid():
                    self._store = open_read_only(self.path / STORE_DIR)
                    self._store_pid = os.getpid()
        return self._store

    def iri_for_path(self, path: str) -> str:
        """The IRI a request path stands for, whatever host the server runs on."""
        return self.base_iri + path.lstrip("/")

    def local_path(self, iri: str) -> str | None:
        """The local path of one of our IRIs (None for everyone else's)."""
        if iri.startswith(self.base_iri):
            return "/" + iri[len(self.base_iri) :]
        return None
