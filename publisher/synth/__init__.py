"""Synthetic records shaped like ours, for measuring the publisher at archive scale.

``publisher synth --meetings N --seed S`` writes N meetings, grouped into working trips of a
few meetings each, one Turtle file per trip (so that incremental validation has files to
tell apart). The same N and seed give byte-identical files. The records pass our shapes:
every link resolves, every quote occurs in the text of the release it cites.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

from publisher.synth.records import Archive
from publisher.synth.turtle import document

MARKER = "SYNTHETIC.json"
TRIPS_DIR = "trips"


class SynthError(Exception):
    """The output directory holds something synth did not write; nothing was changed."""


@dataclass(frozen=True)
class SynthResult:
    out: str
    seed: int
    meetings: int
    trips: int
    files: int
    triples: int


def generate(out: Path, meetings: int, seed: int) -> SynthResult:
    """Write ``meetings`` synthetic meetings under ``out``, replacing an earlier synth output there."""
    if meetings < 1:
        raise SynthError("--meetings must be at least 1")
    _clear(out)
    trips_dir = out / TRIPS_DIR
    trips_dir.mkdir(parents=True)
    archive = Archive(seed)
    written = trips = triples = 0
    while written < meetings:
        trips += 1
        size = min(meetings - written, archive.random.randint(2, 8))
        trip = archive.trip(trips, size)
        comment = (
            f"Synthetic records made by `publisher synth` (seed {seed}, trip {trips}): "
            "they describe no real events.\n"
            "One working trip: its press release (the source), the trip, its meetings and agreements,\n"
            "and the people, posts, organizations and places the release mentions first."
        )
        content, count = document(comment, [*trip.events, *trip.agreements, *trip.introduced])
        (trips_dir / f"trip-{trips:06d}.ttl").write_text(content, "utf-8")
        written += size
        triples += count
    result = SynthResult(str(out), seed, meetings, trips, trips, triples)
    (out / MARKER).write_text(json.dumps(asdict(result) | {"out": None}, indent=2) + "\n", "utf-8")
    return result


def _clear(out: Path) -> None:
    """Empty a directory synth wrote before; refuse one holding anything else."""
    if not out.exists():
        return
    if not out.is_dir():
        raise SynthError(f"{out} is not a directory")
    entries = list(out.iterdir())
    if entries and not (out / MARKER).is_file():
        raise SynthError(f"{out} is not empty and was not written by publisher synth: choose another --out")
    if (out / TRIPS_DIR).is_dir():
        shutil.rmtree(out / TRIPS_DIR)
    (out / MARKER).unlink(missing_ok=True)
