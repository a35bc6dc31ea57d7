"""Incremental validation: unchanged work is not redone, and nothing is missed because of it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import Graph

from publisher.config import load_project
from publisher.incremental import CACHE_DIR, CACHE_ENV, validate_project
from publisher.loading import load, scan
from publisher.reach import core_reach
from publisher.synth import generate
from publisher.validation import split_shapes, validate

from .conftest import copy_project

SYNTHETIC = Path("data/synthetic/trips")


@pytest.fixture(scope="module")
def validated(tmp_path_factory) -> Path:
    """A project with seed and synthetic records, validated once (which fills its cache)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(CACHE_ENV, raising=False)
        project = copy_project(tmp_path_factory.mktemp("archive") / "project")
        generate(project / "data" / "synthetic", meetings=30, seed=5)
        _, report, stats = validate_project(load_project(project))
    assert report.conforms, report.to_text()
    assert stats.cache == "cold" and stats.rechecked == stats.resources > 200
    return project


@pytest.fixture
def archive(validated: Path, tmp_path: Path, monkeypatch) -> Path:
    """A private copy of the validated project, its cache included."""
    monkeypatch.delenv(CACHE_ENV, raising=False)
    return shutil.copytree(validated, tmp_path / "project")


def run(project: Path):
    _, report, stats = validate_project(load_project(project))
    return report, stats


def edit_record(path: Path, subject: str, change) -> None:
    """Apply ``change`` to the block of Turtle describing ``subject`` (up to the blank line)."""
    text = path.read_text("utf-8")
    start = text.index(f"\n{subject} ") + 1
    end = text.index("\n\n", start)
    path.write_text(text[:start] + change(text[start:end]) + text[end:], "utf-8")


def linking_to(project: Path, iri: str) -> set[str]:
    store = scan(load_project(project)).store
    rows = store.query(f"SELECT DISTINCT ?x {{ ?x ?p <{iri}> FILTER(?x != <{iri}>) }}")
    return {row["x"].value for row in rows}


def test_an_unchanged_archive_is_not_validated_again(archive):
    report, stats = run(archive)
    assert stats.cache == "warm" and stats.files_changed == 0
    assert stats.rechecked == 0 and stats.reused == stats.resources
    assert report.conforms


def test_one_changed_record_rechecks_only_it_and_what_links_to_it(archive):
    base = load_project(archive).base_iri
    meeting = base + "id/meeting/synthetic-000002-01"
    edit_record(
        archive / SYNTHETIC / "trip-000002.ttl",
        "meeting:synthetic-000002-01",
        lambda block: block.replace('"Meeting of', '"A renamed meeting of', 1),
    )
    report, stats = run(archive)
    assert stats.cache == "warm" and stats.files_changed == 1
    assert stats.rechecked == 1 + len(linking_to(archive, meeting)) < stats.resources / 20
    assert report.conforms


def test_a_violation_in_the_changed_file_is_caught_as_a_full_validation_would(archive):
    trip = archive / SYNTHETIC / "trip-000003.ttl"
    edit_record(
        trip,
        "meeting:synthetic-000003-01",
        lambda block: "\n".join(line for line in block.splitlines() if "schema:attendee" not in line),
    )
    report, stats = run(archive)
    assert stats.files_changed == 1 and stats.rechecked < stats.resources / 20
    assert not report.conforms
    (meeting,) = [r for r in report.resources if r.iri.endswith("/id/meeting/synthetic-000003-01")]
    assert meeting.file == "data/synthetic/trips/trip-000003.ttl"
    assert {(f.severity, f.shape.rsplit("#", 1)[-1]) for f in meeting.findings} >= {("Violation", "Meeting")}
    assert report.to_text() == validate(load(load_project(archive))).to_text()


def test_a_record_deleted_under_an_unchanged_file_that_links_to_it_is_caught(archive):
    """Kazakhstan is introduced by the first release and nested in by regions met later."""
    country = "place:synthetic-kazakhstan"
    trips = sorted((archive / SYNTHETIC).glob("*.ttl"))
    (home,) = [t for t in trips if f"\n{country} a schema:Country" in t.read_text("utf-8")]
    linking = [t for t in trips if t != home and f"schema:containedInPlace {country}" in t.read_text("utf-8")]
    assert linking, "the archive should nest a region of another file in the country"
    edit_record(home, country, lambda block: "")
    report, stats = run(archive)
    assert stats.files_changed == 1
    assert not report.conforms
    unchanged = {str(t.relative_to(archive)) for t in linking}
    broken_elsewhere = [
        r
        for r in report.resources
        if r.file in unchanged and any(f.severity == "Violation" for f in r.findings)
    ]
    assert broken_elsewhere, report.to_text()
    messages = " ".join(f.message for r in broken_elsewhere for f in r.findings)
    assert "described nowhere" in messages  # a cross-record (SPARQL) check, run on the whole graph
    assert "Must be a place" in messages  # a core shape, re-run on the linking record


def test_changed_shapes_invalidate_every_cached_result(archive):
    shapes = archive / "shapes" / "records.ttl"
    shapes.write_text(shapes.read_text("utf-8") + "\n# edited\n", "utf-8")
    report, stats = run(archive)
    assert stats.cache == "cold" and stats.rechecked == stats.resources
    assert report.conforms


def test_a_changed_vocabulary_invalidates_every_cached_result(archive):
    topics = archive / "ontology" / "topics.ttl"
    topics.write_text(topics.read_text("utf-8") + "\n# edited\n", "utf-8")
    _, stats = run(archive)
    assert stats.cache == "cold" and stats.rechecked == stats.resources


def test_the_cache_can_be_turned_off(archive, monkeypatch):
    shutil.rmtree(archive / CACHE_DIR)
    monkeypatch.setenv(CACHE_ENV, "off")
    _, stats = run(archive)
    assert stats.cache == "off" and stats.rechecked == stats.resources
    assert not (archive / CACHE_DIR).exists()


def test_our_core_shapes_look_one_link_away_and_unbounded_ones_are_refused(project):
    core, _ = split_shapes(load(project).shapes)
    assert core_reach(core) == 1
    inverse = Graph().parse(
        data="""@prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:s> a sh:NodeShape ; sh:targetClass <urn:C> ;
            sh:property [ sh:path [ sh:inversePath <urn:p> ] ; sh:minCount 1 ] .""",
        format="turtle",
    )
    assert core_reach(inverse) is None


def test_large_target_sets_give_the_same_cross_record_results_as_small_ones(project, monkeypatch):
    """Checks bound to their focus nodes (VALUES) and checks filtered row by row agree."""
    from rdflib import BNode
    from rdflib.namespace import RDF

    from publisher import validation
    from publisher.loading import parse_turtle
    from publisher.namespaces import SH
    from publisher.store import memory_store

    from .conftest import FIXTURES

    sources = load(project)
    data = sources.data_graph()
    for path in sorted((FIXTURES / "broken").glob("*.ttl")):
        data += parse_turtle(path, project.base_iri)
    _, checks = split_shapes(sources.shapes)
    store = memory_store(data)

    def results() -> set:
        graph = Graph()
        graph.add((BNode(), RDF.type, SH.ValidationReport))
        validation.run_sparql_checks(checks, store, graph)
        return {
            (graph.value(r, SH.focusNode), graph.value(r, SH.sourceShape), graph.value(r, SH.resultMessage))
            for r in graph.subjects(SH.resultSeverity, None)
        }

    bound = results()
    monkeypatch.setattr(validation, "BIND_TARGETS_UP_TO", 0)
    assert results() == bound and len(bound) > 5


def test_shapes_read_twice_get_the_same_blank_node_names_and_lose_no_triple(project):
    """Cached results point at property shapes by blank node: the names must outlive a process."""
    first, second = scan(project), scan(project)
    assert set(first.shapes) == set(second.shapes)
    assert len(first.shapes) == len(load(project).shapes)
    merged = Graph()
    merged += first.shapes
    merged += first.catalog_shapes
    assert len(merged) == len(first.shapes) + len(first.catalog_shapes)
