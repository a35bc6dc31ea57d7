"""A per-process cache of the representations a worker has already rendered.

A release never changes, so the bytes of a representation are a pure function of what its
ETag is derived from (release, Content-Location, media type, language, page): the ETag is
the key. Bounded in bytes (setting ``RESPONSE_CACHE_BYTES``, 32 MiB by default; 0 turns it
off), least recently used first out; one per app, shared by the app's threads under a lock.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app

DEFAULT_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class Rendered:
    """A representation's bytes, and the Link header values only rendering could tell
    (the next page of links exists)."""

    body: bytes
    links: tuple[str, ...] = ()


class RepresentationCache:
    def __init__(self, limit: int):
        self.limit = limit
        self.size = 0
        self._entries: OrderedDict[str, Rendered] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_make(self, key: str, make: Callable[[], Rendered]) -> Rendered:
        """The cached representation, or make it (outside the lock: rendering takes a while)."""
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found
        made = make()
        if 0 < len(made.body) <= self.limit // 8:
            with self._lock:
                if key not in self._entries:
                    self._entries[key] = made
                    self.size += len(made.body)
                    while self.size > self.limit:
                        _, dropped = self._entries.popitem(last=False)
                        self.size -= len(dropped.body)
        return made


def representations() -> RepresentationCache:
    """The current app's cache (made on first use)."""
    extensions = current_app.extensions
    cache = extensions.get("publisher.representations")
    if cache is None:
        cache = extensions.setdefault(
            "publisher.representations",
            RepresentationCache(int(current_app.config.get("RESPONSE_CACHE_BYTES", DEFAULT_BYTES))),
        )
    return cache
