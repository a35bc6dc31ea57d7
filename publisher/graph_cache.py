"""The last validated data graph, kept on disk in the validation cache.

Re-validating one edited record must not parse a million triples again (three seconds), so
the cache keeps the data graph (records + vocabulary, the default graph of an on-disk
pyoxigraph store) beside the validation state, and an edit replaces only what the edited
files say:

- every subject an edited file described, before or after the edit, loses all its triples;
- they are added back from the edited files and from the unedited files that also describe
  those subjects (found through the per-file subjects the validation state keeps).

Afterwards each of those subjects holds exactly the triples the files now give it, and no
other subject's triples were touched, so the store holds the graph a full parse would give.
Blank nodes are the exception (a re-parsed file names them anew): an edit that involves any
makes the cache rebuild the store instead.

The store is trusted only while its mark (``graph.json``) names the same files, contents,
base IRI and pyoxigraph version as the validation state. The mark is removed before the store
is changed and written again only when the state describing the new files is saved, so an
interrupted run leaves a store that is rebuilt, never one that is believed. A process uses or
replaces the store only while it holds ``graph.lock`` (until it exits); a run that cannot
take it, or finds the store open elsewhere, works in memory and leaves the store alone.

Large scans are slow on disk (the store is made for lookups), so whole-graph work (a cold
validation, a build's dumps) reads the files into memory as before; the store serves
``publisher validate`` after small edits, where every read is a lookup.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

try:
    import fcntl
except ImportError:  # not POSIX: RocksDB's own lock is all there is
    fcntl = None

STORE_DIR = "graph"
MARK = "graph.json"
LOCK = "graph.lock"
DEFAULT = ox.DefaultGraph()
_HELD: dict[str, int] = {}  # lock files this process holds (released when it exits)


def fingerprint(files: dict[str, str], base_iri: str) -> str:
    """What a store must hold to be trusted: these files (name -> SHA-256) under this base IRI."""
    digest = hashlib.sha256(f"pyoxigraph {ox.__version__}\n{base_iri}\n".encode())
    for name in sorted(files):
        digest.update(f"{name}\0{files[name]}\n".encode())
    return digest.hexdigest()


class GraphCache:
    """The store in ``DIR/graph`` and its mark ``DIR/graph.json``."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.path = directory / STORE_DIR
        self.mark = directory / MARK

    def open(self, expected: str) -> ox.Store | None:
        """The store, if its mark says it holds the graph ``expected`` describes; else None."""
        try:
            mark = json.loads(self.mark.read_text("utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(mark, dict) or mark.get("fingerprint") != expected or not self.path.is_dir():
            return None
        if not self._lock():
            return None
        try:
            return ox.Store(str(self.path))
        except Exception:  # open elsewhere, or damaged: work in memory
            return None

    def _lock(self) -> bool:
        """Take ``graph.lock`` for the rest of this process; False if another process has it."""
        if fcntl is None:
            return True
        key = str(self.directory.resolve())
        if key in _HELD:
            return True
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            handle = os.open(self.directory / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            return False
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(handle)
            return False
        _HELD[key] = handle
        return True

    def _replaceable(self) -> None:
        """Raise OSError unless this process may replace the store (nobody else has it open)."""
        if not self._lock():
            raise OSError("the cached graph is in use by another process")
        if self.path.is_dir():
            try:
                probe = ox.Store(str(self.path))
            except OSError as error:  # RocksDB's lock: open in another process, or in this one
                raise OSError("the cached graph is in use") from error
            except Exception:  # damaged: replace it
                return
            del probe

    def begin(self) -> None:
        """Distrust the store until ``commit``: it is about to change."""
        self.mark.unlink(missing_ok=True)

    def commit(self, store: ox.Store | None, expected: str) -> None:
        """Trust the store again, as holding the graph ``expected`` describes."""
        if store is not None:
            store.flush()
        handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".graph-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump({"fingerprint": expected}, out)
        os.replace(temporary, self.mark)

    def discard(self) -> None:
        self.begin()
        shutil.rmtree(self.path, ignore_errors=True)

    def create(self, ntriples: bytes | Path) -> None:
        """A new store from N-Triples (bytes or a file), replacing any other; not yet trusted.

        Raises OSError if the store is in use elsewhere (then it is left as it is).
        """
        self._replaceable()
        self.discard()
        staging = Path(tempfile.mkdtemp(dir=self.directory, prefix=".graph-"))
        try:
            store = ox.Store(str(staging))
            if isinstance(ntriples, Path):
                store.bulk_load(path=str(ntriples), format=ox.RdfFormat.N_TRIPLES)
            else:
                store.bulk_load(ntriples, format=ox.RdfFormat.N_TRIPLES)
            store.flush()
            del store
            staging.rename(self.path)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise

    def clone(self, source: Path) -> None:
        """A copy of a closed store written by ``store.write_store`` (not yet trusted).

        Table files (``*.sst``) are never changed once written, so they are hard-linked, as a
        RocksDB checkpoint does; the rest is copied. Where links fail, everything is copied.
        Raises OSError if the store is in use elsewhere (then it is left as it is).
        """
        self._replaceable()
        self.discard()
        staging = Path(tempfile.mkdtemp(dir=self.directory, prefix=".graph-"))
        try:
            for item in sorted(source.iterdir()):
                if item.name == "LOCK" or not item.is_file():
                    continue
                if item.suffix == ".sst":
                    try:
                        os.link(item, staging / item.name)
                        continue
                    except OSError:
                        pass
                shutil.copy2(item, staging / item.name)
            staging.rename(self.path)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise


def has_blank_nodes(triples: Iterable[ox.Triple]) -> bool:
    return any(isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode) for t in triples)


def replace_subjects(store: ox.Store, subjects: set[str], triples: Iterable[ox.Triple]) -> None:
    """Remove every triple of ``subjects`` (N-Triples forms), then add ``triples``."""
    for key in subjects:
        if not key.startswith("<"):
            continue
        node = ox.NamedNode(key[1:-1])
        for quad in list(store.quads_for_pattern(node, None, None, DEFAULT)):
            store.remove(quad)
    store.extend(ox.Quad(t.subject, t.predicate, t.object, DEFAULT) for t in triples)
