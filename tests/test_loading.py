"""Reading input: malformed Turtle is reported with file, line and column, never a traceback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from publisher.config import ConfigError, check_base_iri, load_project, resolve_iri
from publisher.loading import InputError, load, parse_turtle

from .conftest import FIXTURES, REPO

MALFORMED = sorted((FIXTURES / "malformed").glob("*.ttl"))


def expected_position(path: Path) -> tuple[int, int, str]:
    """Each malformed fixture says where its fault is: `# error at LINE:COLUMN: words`."""
    header = re.search(r"^# error at (\d+):(\d+): (.+)$", path.read_text("utf-8", "replace"), re.M)
    assert header, f"{path.name} lacks its '# error at LINE:COLUMN: words' header"
    return int(header[1]), int(header[2]), header[3]


@pytest.mark.parametrize("path", MALFORMED, ids=[p.stem for p in MALFORMED])
def test_malformed_turtle_names_file_line_and_column(path: Path):
    line, column, words = expected_position(path)
    with pytest.raises(InputError) as caught:
        parse_turtle(path, "https://meetings.example.org/", shown_as=path.name)
    error = caught.value
    assert (error.path, error.line, error.column) == (path.name, line, column)
    assert words in error.message
    assert str(error).startswith(f"{path.name}:{line}:{column}: ")


def test_relative_iris_resolve_against_the_configured_base(tmp_path: Path):
    turtle = tmp_path / "one.ttl"
    turtle.write_text('@prefix p: <id/person/> .\np:x <http://schema.org/name> "x" .\n', "utf-8")
    graph = parse_turtle(turtle, "https://other.example.net/data/")
    subjects = {str(s) for s in graph.subjects()}
    assert subjects == {"https://other.example.net/data/id/person/x"}


def test_base_iri_from_environment_overrides_pyproject(monkeypatch):
    monkeypatch.setenv("PUBLISHER_BASE_IRI", "https://data.example.net/")
    assert load_project(REPO).base_iri == "https://data.example.net/"


@pytest.mark.parametrize("iri", ["ftp://x.example/", "https://x.example", "https://x.example/?q=1", "id/"])
def test_unusable_base_iris_are_refused(iri):
    with pytest.raises(ConfigError):
        check_base_iri(iri)


def test_resolving_keeps_namespace_fragments():
    assert resolve_iri("https://x.example/", "ontology#") == "https://x.example/ontology#"
    assert resolve_iri("https://x.example/", "id/topic/") == "https://x.example/id/topic/"


def test_every_resource_is_located_in_its_file(project):
    sources = load(project)
    meeting = next(
        s for s in sources.records.subjects() if str(s).endswith("/id/meeting/huawei-technologies")
    )
    file, line = sources.locate(meeting)
    assert file == "data/trip-to-china.ttl"
    text = (REPO / file).read_text("utf-8").splitlines()
    assert text[line - 1].startswith("meeting:huawei-technologies ")
