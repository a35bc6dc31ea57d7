"""The gate: the repository's data passes, and every shape catches its broken fixture."""

from __future__ import annotations

import copy
import re
from contextlib import contextmanager
from pathlib import Path

import pyshacl
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.processor import SPARQLProcessor

from publisher.loading import load, parse_turtle
from publisher.namespaces import SH
from publisher.validation import validate, validate_graph

from .conftest import FIXTURES, REPO

BROKEN = sorted((FIXTURES / "broken").glob("*.ttl"))
EXPECT = re.compile(r"^# expect: (Violation|Warning) (\w+) <([^>]+)>$", re.M)


@pytest.fixture(scope="module")
def sources(project):
    return load(project)


def findings(report) -> set[tuple[str, str, str]]:
    """(severity, shape name, focus IRI) of every result."""
    return {
        (f.severity, (f.shape or "").rsplit("#", 1)[-1], r.iri) for r in report.resources for f in r.findings
    }


def expectations(path: Path, base: str) -> set[tuple[str, str, str]]:
    found = {(s, shape, base + focus) for s, shape, focus in EXPECT.findall(path.read_text("utf-8"))}
    assert found, f"{path.name} declares no '# expect:' line"
    return found


def with_fixture(sources, path: Path):
    broken = copy.copy(sources)
    broken.records = sources.records + parse_turtle(path, sources.project.base_iri)
    return broken


def test_repository_data_conforms_with_only_kazakh_name_gaps(sources):
    report = validate(sources)
    assert report.conforms, report.to_text()
    assert report.count("Violation") == 0
    assert {(f.severity, f.shape.rsplit("#", 1)[-1]) for r in report.resources for f in r.findings} == {
        ("Warning", "KazakhName")
    }


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_each_broken_fixture_is_caught_by_its_shape(sources, path: Path):
    expected = expectations(path, sources.project.base_iri)
    report = validate(with_fixture(sources, path))
    got = findings(report)
    assert expected <= got, report.to_text()
    focuses = {focus for _, _, focus in expected}
    collateral = {f for f in got if f[0] == "Violation" and f[2] not in focuses}
    assert not collateral, f"violations beyond the fixture's own resources: {collateral}"
    assert report.conforms is not any(s == "Violation" for s, _, _ in expected)


def test_every_shape_has_a_broken_fixture(sources, base):
    named = {
        str(shape).rsplit("#", 1)[-1]
        for shape in sources.shapes.subjects(RDF.type, SH.NodeShape)
        if isinstance(shape, URIRef) and str(shape).startswith(base + "shapes#")
    }
    covered = {shape for path in BROKEN for _, shape, _ in expectations(path, base)}
    assert named - covered == set(), f"shapes without a broken fixture: {sorted(named - covered)}"


@contextmanager
def parsed_once():
    """Let rdflib parse each query text once: pyshacl re-parses per focus node, which only
    costs time (parsing is pure), and this reference run would otherwise take ~10 s."""
    original = SPARQLProcessor.query
    prepared = {}

    def query(self, text, initBindings=None, initNs=None, base=None, DEBUG=False):
        if isinstance(text, str):
            key = (text, base, tuple(sorted((initNs or {}).items())))
            if key not in prepared:
                prepared[key] = translateQuery(parseQuery(text), base, initNs)
            text = prepared[key]
        return original(self, text, initBindings, initNs, base, DEBUG)

    SPARQLProcessor.query = query
    try:
        yield
    finally:
        SPARQLProcessor.query = original


def test_sparql_checks_agree_with_a_plain_shacl_engine(sources, base):
    """Running the SPARQL constraints once over the whole graph gives pyshacl's own results."""
    data = sources.data_graph()
    for path in BROKEN:
        data += parse_turtle(path, base)
    ours = validate_graph(data, sources.shapes)
    with parsed_once():
        conforms, results, _ = pyshacl.validate(
            data, shacl_graph=sources.shapes, inference="none", allow_warnings=True
        )
    shapes = sources.shapes

    def owner(shape):
        if isinstance(shape, URIRef):
            return str(shape)
        return next((str(o) for o in shapes.subjects(SH.property, shape)), None)

    def summary(graph: Graph) -> set:
        return {
            (
                str(graph.value(r, SH.focusNode)),
                owner(graph.value(r, SH.sourceShape)),
                str(graph.value(r, SH.resultSeverity)),
                graph.value(r, SH.resultPath),
                graph.value(r, SH.value),
                str(graph.value(r, SH.resultMessage)),
            )
            for r in graph.subjects(RDF.type, SH.ValidationResult)
        }

    assert summary(ours.graph) == summary(results)
    assert ours.conforms == bool(conforms) is False


def test_the_shapes_themselves_are_valid_shacl(sources):
    """The SHACL-SHACL meta-shapes accept our shapes (pyshacl ships them)."""
    for shapes in (sources.shapes, sources.catalog_shapes):
        conforms, _, text = pyshacl.validate(shapes, meta_shacl=True, shacl_graph=Graph(), inference="none")
        assert conforms, text


def test_source_record_holds_the_source_text_verbatim(sources, base):
    from publisher.namespaces import SCHEMA

    text = sources.records.value(
        URIRef(base + "id/source/press-release-akim-working-trip-to-china"), SCHEMA.text
    )
    assert str(text) == (REPO / "data/sources/000_37c8ae694416acda.txt").read_text("utf-8")


def test_property_shapes_given_their_node_shapes_targets_give_the_same_results(sources, base):
    """The core shapes pyshacl runs (property shapes hoisted, see split_shapes) change no result."""
    from publisher.validation import split_shapes

    data = sources.data_graph()
    for path in BROKEN:
        data += parse_turtle(path, base)
    hoisted, _ = split_shapes(sources.shapes)
    as_written = Graph()
    as_written += sources.shapes
    as_written.remove((None, SH.sparql, None))
    assert set(hoisted) != set(as_written)

    said = (SH.focusNode, SH.sourceShape, SH.resultSeverity, SH.resultPath, SH.value)

    def results(shapes: Graph) -> set:
        _, graph, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", allow_warnings=True)
        return {
            (*(graph.value(r, p) for p in said), frozenset(graph.objects(r, SH.resultMessage)))
            for r in graph.subjects(RDF.type, SH.ValidationResult)
            if (None, SH.detail, r) not in graph
        }

    found = results(hoisted)
    assert found == results(as_written) and len(found) > 20


def test_only_property_shapes_that_mean_the_same_on_their_own_are_hoisted():
    from publisher.validation import hoist_property_shapes

    shapes = Graph().parse(
        data="""@prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:A> sh:targetClass <urn:C> ; sh:property <urn:a> .
        <urn:a> sh:path <urn:p> ; sh:minCount 1 .
        <urn:Closed> sh:targetClass <urn:C> ; sh:closed true ; sh:property <urn:closed> .
        <urn:closed> sh:path <urn:p> ; sh:maxCount 1 .
        <urn:Used> sh:targetClass <urn:C> ; sh:property <urn:used> .
        <urn:used> sh:path <urn:q> ; sh:minCount 1 .
        <urn:User> sh:targetClass <urn:D> ; sh:property <urn:user> .
        <urn:user> sh:path <urn:r> ; sh:node <urn:Used> .
        <urn:Shares> sh:targetClass <urn:E> ; sh:property <urn:shared> .
        <urn:AlsoShares> sh:targetClass <urn:F> ; sh:property <urn:shared> .
        <urn:shared> sh:path <urn:s> ; sh:minCount 1 .""",
        format="turtle",
    )
    hoisted = hoist_property_shapes(shapes)
    target = URIRef("urn:C")
    assert (URIRef("urn:a"), SH.targetClass, target) in hoisted
    assert (URIRef("urn:A"), SH.property, URIRef("urn:a")) not in hoisted
    assert (URIRef("urn:user"), SH.targetClass, URIRef("urn:D")) in hoisted
    for kept in ("closed", "used", "shared"):  # closed, used through sh:node, shared
        assert not any(hoisted.objects(URIRef(f"urn:{kept}"), SH.targetClass))
    assert set(shapes) - set(hoisted) == {
        (URIRef("urn:A"), SH.property, URIRef("urn:a")),
        (URIRef("urn:User"), SH.property, URIRef("urn:user")),
    }
