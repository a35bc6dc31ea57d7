"""Incremental validation: unchanged work is not redone, and nothing is missed because of it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef

from publisher import incremental
from publisher.config import load_project
from publisher.graph_cache import STORE_DIR
from publisher.incremental import CACHE_DIR, CACHE_ENV, validate_project
from publisher.loading import load, scan
from publisher.reach import SparqlReach, core_reach, sparql_reach
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


def full(project: Path):
    """The report of a plain validation (rdflib + pyshacl, no cache), to compare with."""
    return validate(load(load_project(project)))


def incremental_run(project: Path):
    """Validate after an edit, asserting that it was incremental: graph from disk, no whole-graph query."""
    report, stats = run(project)
    assert stats.cache == "warm" and stats.graph == "disk", stats
    assert stats.sparql_whole == 0 and stats.rechecked < stats.resources / 4, stats
    assert report.to_text() == full(project).to_text()
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
    # The cross-record checks ran on a few focus nodes only, on the graph kept on disk.
    assert stats.graph == "disk" and stats.sparql_whole == 0 and 0 < stats.sparql_rechecked < 50


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
    assert report.to_text() == full(archive).to_text()


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
    assert "described nowhere" in messages  # a cross-record (SPARQL) check, re-run on the linking record
    assert "Must be a place" in messages  # a core shape, re-run on the linking record
    assert "nest up to a country" in messages  # a SPARQL check reading any number of links away
    assert stats.graph == "disk" and stats.sparql_whole == 0
    assert report.to_text() == full(archive).to_text()


def test_a_cross_record_break_in_unchanged_files_caused_by_an_edit_elsewhere_is_caught(archive):
    """Kazakhstan stops being a country: places nested in it, in other files, reach none."""
    country = "place:synthetic-kazakhstan"
    trips = sorted((archive / SYNTHETIC).glob("*.ttl"))
    (home,) = [t for t in trips if f"\n{country} a schema:Country" in t.read_text("utf-8")]
    edit_record(home, country, lambda block: block.replace("a schema:Country", "a schema:AdministrativeArea"))
    report, _ = incremental_run(archive)
    unchanged = {str(t.relative_to(archive)) for t in trips if t != home}
    nowhere = [
        r
        for r in report.resources
        if r.file in unchanged and any("nest up to a country" in f.message for f in r.findings)
    ]
    assert nowhere, report.to_text()


def test_a_subclass_declared_in_a_record_file_changes_the_targets_as_a_full_validation_would(archive):
    """Whether a node is a target of sh:targetClass depends on its class's triples too: a
    record file that declares a subclass, or stops declaring it, changes what is checked
    without touching the instances' own triples."""
    (archive / "data" / "thing.ttl").write_text(
        "<id/post/special> a <http://example.org/Special> .\n", "utf-8"
    )
    before, _ = run(archive)
    assert before.to_text() == full(archive).to_text()
    subclass = archive / "data" / "subclass.ttl"
    subclass.write_text(
        "<http://example.org/Special> <http://www.w3.org/2000/01/rdf-schema#subClassOf> "
        "<http://www.w3.org/ns/org#Post> .\n",
        "utf-8",
    )
    now_a_post, _ = run(archive)
    assert now_a_post.to_text() == full(archive).to_text()
    assert "Needs a name in English" in now_a_post.to_text()
    subclass.unlink()
    again, _ = run(archive)
    assert again.to_text() == full(archive).to_text()
    assert "Needs a name in English" not in again.to_text()


def test_changing_a_source_text_rechecks_the_quotes_citing_it(archive):
    """The trip record is unchanged; the text of the source it quotes is not."""
    trip = archive / SYNTHETIC / "trip-000003.ttl"
    text = trip.read_text("utf-8")
    (line,) = [line for line in text.splitlines() if line.startswith("    schema:text ")]
    assert "начал рабочую поездку" in line
    trip.write_text(text.replace(line, line.replace("начал рабочую поездку", "продолжил поездку")), "utf-8")
    report, _ = incremental_run(archive)
    misquoting = {
        r.iri.rsplit("/", 1)[-1]
        for r in report.resources
        for f in r.findings
        if (f.shape or "").endswith("#QuoteInSource")
    }
    assert "synthetic-000003" in misquoting, report.to_text()


def test_edits_deletions_and_new_files_keep_the_cached_graph_equal_to_a_full_parse(archive):
    trips = sorted((archive / SYNTHETIC).glob("*.ttl"))
    edit_record(
        trips[1], "meeting:synthetic-000002-01", lambda b: b.replace('"Meeting of', '"Renamed meeting of', 1)
    )
    report, stats = run(archive)
    assert stats.graph == "disk" and report.conforms
    extra = archive / "data" / "extra.ttl"
    extra.write_text(trips[4].read_text("utf-8"), "utf-8")  # every subject now described twice
    trips[4].unlink()
    run(archive)
    edit_record(
        extra, "meeting:synthetic-000005-01", lambda b: b.replace('"Meeting of', '"Moved meeting of', 1)
    )
    report, stats = run(archive)
    assert stats.graph == "disk" and report.conforms
    cached = ox.Store.read_only(str(archive / CACHE_DIR / STORE_DIR))
    assert dump(cached) == dump(scan(load_project(archive)).store)


def dump(store: ox.Store) -> list[bytes]:
    return sorted(store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()).splitlines())


def test_an_interrupted_update_leaves_a_cached_graph_that_is_not_trusted(archive, monkeypatch):
    trip = archive / SYNTHETIC / "trip-000002.ttl"
    edit_record(
        trip, "meeting:synthetic-000002-01", lambda b: b.replace('"Meeting of', '"Renamed meeting of', 1)
    )

    def crash(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(incremental, "replace_subjects", crash)
    with pytest.raises(KeyboardInterrupt):
        run(archive)
    monkeypatch.undo()
    report, stats = run(archive)
    assert stats.graph == "memory" and stats.graph_cache == "kept"
    assert report.to_text() == full(archive).to_text()
    _, stats = run(archive)
    assert stats.graph == "disk"


def test_a_cached_graph_held_by_another_process_is_left_alone(archive):
    held = ox.Store(str(archive / CACHE_DIR / STORE_DIR))  # holds the lock, as a running validation would
    edit_record(
        archive / SYNTHETIC / "trip-000003.ttl",
        "meeting:synthetic-000003-01",
        lambda block: "\n".join(line for line in block.splitlines() if "schema:attendee" not in line),
    )
    report, stats = run(archive)
    assert stats.graph == "memory" and stats.cache == "warm" and not report.conforms
    assert report.to_text() == full(archive).to_text()
    del held
    _, stats = run(archive)  # the state moved on without the graph: it is made anew
    assert stats.graph == "memory" and stats.graph_cache == "kept"
    _, stats = run(archive)
    assert stats.graph == "disk"


def test_an_edit_the_file_stamp_would_hide_is_still_noticed(archive):
    """Same size, modification time set back: the change time still moves, so the file is read."""
    trip = archive / SYNTHETIC / "trip-000002.ttl"
    before = trip.stat()
    text = trip.read_text("utf-8")
    edited = text.replace('"Meeting of the Akim', '"Meeting of the AKIM', 1)
    assert edited != text and len(edited) == len(text)
    trip.write_text(edited, "utf-8")
    os.utime(trip, ns=(before.st_atime_ns, before.st_mtime_ns))
    _, stats = run(archive)
    assert stats.files_changed == 1


def test_blank_node_records_are_checked_in_full_every_time(archive):
    """A parse names blank nodes anew: nothing about them can be reused, and nothing is missed."""
    meeting = "meeting:synthetic-000002-01"
    trip = archive / SYNTHETIC / "trip-000002.ttl"
    edit_record(
        trip, meeting, lambda b: b.replace(" ;\n", " ;\n    schema:location [ a schema:Place ] ;\n", 1)
    )

    def findings(report) -> tuple[dict, list]:
        """IRI resources as the report says them; blank ones (named anew by each parse) by content."""
        named = {r.iri: (r.file, r.line, r.findings) for r in report.resources if r.iri.startswith("http")}
        blank = sorted(
            sorted((f.severity, f.path or "", f.message, f.shape or "") for f in r.findings)
            for r in report.resources
            if not r.iri.startswith("http")
        )
        return named, blank

    for _ in range(2):
        report, stats = run(archive)
        assert stats.cache == "cold" and stats.graph_cache == "off" and not report.conforms
        assert findings(report) == findings(full(archive))
        (blank,) = findings(report)[1]
        assert {shape.rsplit("#", 1)[-1] for *_, shape in blank} >= {"Names", "Provenance", "Place"}


def test_a_build_keeps_the_graph_it_validated_for_the_next_validation(archive, tmp_path):
    """A cold build copies its query store into the cache instead of loading the graph again."""
    from publisher.release import build

    shutil.rmtree(archive / CACHE_DIR)
    result = build(load_project(archive), tmp_path / "site")
    assert result.validation.graph == "memory" and result.validation.graph_cache == "kept"
    cached = ox.Store.read_only(str(archive / CACHE_DIR / STORE_DIR))
    assert dump(cached) == dump(scan(load_project(archive)).store)
    del cached
    edit_record(
        archive / SYNTHETIC / "trip-000004.ttl",
        "meeting:synthetic-000004-01",
        lambda b: b.replace('"Meeting of', '"Renamed meeting of', 1),
    )
    incremental_run(archive)
    result = build(load_project(archive), tmp_path / "site")  # the build updates the kept graph
    assert result.validation.graph_cache == "kept" and result.validation.files_changed == 0


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


def test_the_reach_of_our_sparql_constraints(project):
    """Which focus nodes an edit can affect, per constraint; every one of ours is local."""
    _, checks = split_shapes(load(project).shapes)
    schema = "http://schema.org/"
    reaches = {(str(c.shape).rsplit("#", 1)[-1], c.query): sparql_reach(c.query, c.prefixes) for c in checks}
    assert None not in reaches.values()
    by_shape = {}
    for (shape, _), reach in reaches.items():
        by_shape.setdefault(shape, set()).add(reach)
    assert by_shape["Names"] == {SparqlReach(0, frozenset())}
    assert by_shape["QuoteInSource"] == {
        SparqlReach(1, frozenset({URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")}))
    }
    assert by_shape["Place"] == {SparqlReach(None, frozenset({URIRef(schema + "containedInPlace")}))}
    assert SparqlReach(1, None) in by_shape["OurResource"]  # links to anything, through any predicate


@pytest.mark.parametrize(
    "query",
    [
        "SELECT $this WHERE { ?x <urn:p> $this }",  # a link into the focus node
        "SELECT $this WHERE { $this <urn:p> ?x . <urn:c> <urn:q> ?y }",  # a fixed node
        "SELECT $this WHERE { $this ^<urn:p> ?x }",  # an inverse path
        "SELECT $this WHERE { $this <urn:p> ?a FILTER EXISTS { ?b <urn:q> $this } }",
        "SELECT $this WHERE { $this <urn:p> ?a . BIND(<urn:z> AS ?z) ?z <urn:q> ?b }",
        "SELECT $this WHERE { $this <urn:p> ?a { SELECT ?a WHERE { ?a <urn:q> ?b } } }",
        "SELECT $this WHERE { GRAPH ?g { $this <urn:p> ?a } }",
        "SELECT (COUNT(*) AS ?n) WHERE { $this <urn:p> ?a } GROUP BY ?a",
        # a variable reached only inside a nested group may be unbound outside it
        "SELECT $this WHERE { $this a ?t . FILTER NOT EXISTS { $this <urn:p> ?x } ?x <urn:q> ?y }",
        "SELECT $this WHERE { $this a ?t . OPTIONAL { $this <urn:p> ?x } ?x <urn:q> ?y }",
        "SELECT $this WHERE { $this a ?t . MINUS { $this <urn:p> ?x } ?x <urn:q> ?y }",
        "SELECT $this WHERE { { $this <urn:p> ?x } UNION { $this <urn:r> ?z } ?x <urn:q> ?y }",
        "SELECT $this WHERE { { $this <urn:p> ?x } UNION { $this <urn:r> ?z FILTER EXISTS { ?x <urn:q> ?y } } }",
    ],
)
def test_sparql_constraints_that_read_beyond_outgoing_links_are_not_local(query):
    assert sparql_reach(query, {}) is None


def test_sparql_reach_follows_paths_and_cycles():
    p, q, r = (URIRef(f"urn:{x}") for x in "pqr")
    assert sparql_reach("SELECT $this WHERE { $this <urn:p>/<urn:q> ?x . ?x <urn:r> ?y }", {}) == SparqlReach(
        2, frozenset({p, q})
    )
    assert sparql_reach("SELECT $this WHERE { $this <urn:p> ?a . ?a <urn:q> ?b . ?b <urn:r> ?a }", {}) == (
        SparqlReach(None, frozenset({p, q, r}))
    )
    assert sparql_reach("SELECT $this WHERE { $this ?p ?x FILTER NOT EXISTS { ?x <urn:q>+ ?y } }", {}) == (
        SparqlReach(None, None)
    )
    nested = "SELECT $this WHERE { $this <urn:p> ?x . OPTIONAL { ?x <urn:q> ?y FILTER NOT EXISTS { ?y <urn:r> ?z } } }"
    assert sparql_reach(nested, {}) == SparqlReach(2, frozenset({p, q}))  # inner groups see outer variables
    grouped = "SELECT $this (COUNT(?a) AS ?n) WHERE { $this <urn:p> ?a } GROUP BY $this"
    assert sparql_reach(grouped, {}) == SparqlReach(0, frozenset())
