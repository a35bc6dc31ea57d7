"""Synthetic records: deterministic for a seed, shaped like ours, passing our shapes."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from publisher.cli import main
from publisher.synth import MARKER, SynthError, generate

from .conftest import copy_project

MEETINGS = 20
BASE = "https://synth.example.net/data/"
PREFIXES = {
    "mtg": BASE + "ontology#",
    "schema": "http://schema.org/",
    "org": "http://www.w3.org/ns/org#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
}


def files(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "one"
    generate(out, meetings=MEETINGS, seed=1)
    return out


@pytest.fixture(scope="module")
def store(written: Path) -> ox.Store:
    """The records parsed against a base of our choosing: they use relative IRIs only."""
    store = ox.Store()
    for path in sorted(written.rglob("*.ttl")):
        store.load(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=BASE)
    return store


def ask(store: ox.Store, where: str) -> bool:
    return bool(store.query(f"ASK {{ {where} }}", prefixes=PREFIXES))


def test_the_same_seed_gives_byte_identical_files(written, tmp_path):
    generate(tmp_path / "again", meetings=MEETINGS, seed=1)
    assert files(tmp_path / "again") == files(written)


def test_another_seed_gives_other_records(written, tmp_path):
    generate(tmp_path / "other", meetings=MEETINGS, seed=2)
    assert files(tmp_path / "other") != files(written)


def test_one_file_per_trip_and_the_meetings_asked_for(written, store):
    trips = list(written.rglob("*.ttl"))
    assert len(trips) > 1
    (row,) = store.query("SELECT (COUNT(?m) AS ?n) { ?m a mtg:Meeting }", prefixes=PREFIXES)
    assert int(row["n"].value) == MEETINGS
    (row,) = store.query("SELECT (COUNT(?t) AS ?n) { ?t a mtg:Trip }", prefixes=PREFIXES)
    assert int(row["n"].value) == len(trips)


def test_iris_are_relative_and_cannot_collide_with_the_seed(store):
    for quad in store:
        for term in (quad.subject, quad.object):
            if isinstance(term, ox.NamedNode) and term.value.startswith(BASE + "id/"):
                kind, slug = term.value.removeprefix(BASE + "id/").split("/", 1)
                if kind not in ("topic", "agreement-kind", "role"):  # our schemes, in ontology/
                    assert slug.startswith("synthetic-"), term


@pytest.mark.parametrize(
    "what, pattern",
    [
        ("a full date", "?m a mtg:Meeting ; schema:startDate ?d FILTER(DATATYPE(?d) = xsd:date)"),
        (
            "a partial date with the source's words",
            '?m mtg:edtfDate ?d ; mtg:dateAsStated ?w FILTER(STRSTARTS(STR(?d), "XXXX-"))',
        ),
        ("a meeting without a place", "?m a mtg:Meeting FILTER NOT EXISTS { ?m schema:location ?p }"),
        ("a trilateral agreement", "?a a mtg:Agreement ; mtg:numberOfParties 3"),
        ("named parties and signatories", "?a mtg:party ?p ; mtg:signatory ?s"),
        ("a Kazakh name", '?x schema:name ?n FILTER(LANG(?n) = "kk")'),
        ("an unnamed person", "?p a schema:Person ; mtg:unnamedInSource true ; rdfs:label ?l"),
        ("a public office held", "?p org:holds ?post . ?post a org:Post ; org:postIn ?body"),
        ("a membership with a role", "?m a org:Membership ; org:role ?r ; org:member ?p"),
        (
            "a city nested up to a country",
            "?c a schema:City ; schema:containedInPlace+ ?k . ?k a schema:Country",
        ),
        ("meetings on the same day", "?a mtg:sameDayAs ?b . ?b mtg:sameDayAs ?a"),
        ("a source with its full text", "?s a schema:NewsArticle ; schema:text ?t"),
    ],
)
def test_the_records_have_the_variety_of_real_ones(store, what, pattern):
    assert ask(store, pattern.replace("xsd:date", "<http://www.w3.org/2001/XMLSchema#date>")), what


def test_every_name_is_given_in_russian_and_english(store):
    missing = store.query(
        """SELECT ?x { ?x schema:name ?any
           FILTER NOT EXISTS { ?x schema:name ?ru FILTER(LANG(?ru) = "ru") }
           FILTER NOT EXISTS { ?x schema:name ?en FILTER(LANG(?en) = "en") } }""",
        prefixes=PREFIXES,
    )
    assert list(missing) == []


def test_the_generated_records_pass_our_shapes(tmp_path):
    """Through the commands a user runs: synth into the project, then validate."""
    project = copy_project(tmp_path / "project")
    runner = CliRunner()
    made = runner.invoke(
        main, ["--project", str(project), "synth", "--meetings", str(MEETINGS), "--seed", "3"]
    )
    assert made.exit_code == 0, made.output
    assert (project / "data" / "synthetic" / MARKER).is_file()
    checked = runner.invoke(main, ["--project", str(project), "validate"])
    assert checked.exit_code == 0, checked.output
    assert "0 violation(s)" in checked.output


def test_synth_replaces_its_own_output_but_nothing_else(tmp_path):
    out = tmp_path / "out"
    generate(out, meetings=30, seed=1)
    generate(out, meetings=5, seed=1)
    assert len(list(out.rglob("*.ttl"))) < 5
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.ttl").write_text("# not synthetic\n", "utf-8")
    with pytest.raises(SynthError):
        generate(tmp_path / "mine", meetings=5, seed=1)
    assert (tmp_path / "mine" / "notes.ttl").read_text("utf-8") == "# not synthetic\n"
