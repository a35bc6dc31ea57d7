"""The command contract of DESIGN.md: exit codes, readable errors, releases that survive failures."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from publisher import release as release_module
from publisher.cli import main
from publisher.release import resolve_release

from .conftest import FIXTURES


def run(project: Path, *args: str):
    return CliRunner().invoke(main, ["--project", str(project), *args], catch_exceptions=False)


def break_with(project: Path, fixture: str) -> None:
    shutil.copy(FIXTURES / "broken" / fixture, project / "data" / fixture)


def test_validate_exits_0_on_the_repository_data(project_copy):
    result = run(project_copy, "validate")
    assert result.exit_code == 0, result.output
    assert "conforms — 0 violation(s)" in result.output


def test_validate_exits_1_and_names_resource_file_line_and_problem(project_copy):
    break_with(project_copy, "meeting-with-one-attendee.ttl")
    result = run(project_copy, "validate")
    assert result.exit_code == 1
    out = result.output
    assert "Test meeting  <https://meetings.example.org/id/meeting/alone>" in out
    assert "data/meeting-with-one-attendee.ttl:14" in out
    assert "Violation schema:attendee: A meeting has at least two attendees" in out
    assert "does NOT conform" in out


def test_validate_json_groups_findings_by_resource(project_copy):
    break_with(project_copy, "dangling-link.ttl")
    result = run(project_copy, "validate", "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["conforms"] is False and report["violations"] == 2
    (resource,) = [r for r in report["resources"] if r["findings"][0]["severity"] == "Violation"]
    assert resource["iri"].endswith("/id/organization/dangling")
    assert (resource["file"], resource["line"]) == ("data/dangling-link.ttl", 13)
    dangling, not_a_place = resource["findings"]
    assert dangling["path"] == not_a_place["path"] == "schema:areaServed"
    assert dangling["value"] == "place:atlantis"
    assert "described nowhere" in dangling["message"]
    assert "Must be a place" in not_a_place["message"]


@pytest.mark.parametrize("output", ["text", "json"])
def test_malformed_turtle_exits_2_with_file_line_column_and_no_traceback(project_copy, output):
    shutil.copy(FIXTURES / "malformed" / "missing-dot.ttl", project_copy / "data" / "bad.ttl")
    result = CliRunner().invoke(main, ["--project", str(project_copy), "validate", "--format", output])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    if output == "json":
        error = json.loads(result.stdout)["error"]
        assert (error["file"], error["line"], error["column"]) == ("data/bad.ttl", 6, 1)
    assert "data/bad.ttl:6:1: bad Turtle syntax" in result.stderr


def test_unusable_base_iri_exits_2(project_copy, monkeypatch):
    monkeypatch.setenv("PUBLISHER_BASE_IRI", "not-an-iri")
    result = run(project_copy, "validate")
    assert result.exit_code == 2 and "base IRI" in result.stderr


def test_build_writes_a_release_and_makes_it_current(project_copy, tmp_path):
    result = run(project_copy, "build", "--out", str(tmp_path / "site"))
    assert result.exit_code == 0, result.output
    release = resolve_release(tmp_path / "site")
    assert (release / "release.json").is_file() and (release / "store").is_dir()
    assert "released 872 triples" in result.output


def snapshot(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()
    }


def test_a_refused_build_leaves_the_previous_release_untouched(project_copy, tmp_path):
    site = tmp_path / "site"
    assert run(project_copy, "build", "--out", str(site)).exit_code == 0
    before, current = snapshot(site), resolve_release(site)
    break_with(project_copy, "quote-not-in-source.ttl")
    result = run(project_copy, "build", "--out", str(site))
    assert result.exit_code == 1
    assert "previous release is untouched" in result.stderr
    assert resolve_release(site) == current and snapshot(site) == before


def test_a_build_failing_midway_leaves_the_previous_release_and_no_debris(
    project_copy, tmp_path, monkeypatch
):
    site = tmp_path / "site"
    assert run(project_copy, "build", "--out", str(site)).exit_code == 0
    before, current = snapshot(site), resolve_release(site)

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(release_module, "write_store", disk_full)
    result = run(project_copy, "build", "--out", str(site))
    assert result.exit_code == 2
    assert "No space left on device" in result.stderr
    assert resolve_release(site) == current and snapshot(site) == before
    assert [p.name for p in (site / "releases").iterdir()] == [current.name]


def test_a_build_with_malformed_turtle_exits_2_and_writes_nothing(project_copy, tmp_path):
    shutil.copy(FIXTURES / "malformed" / "undeclared-prefix.ttl", project_copy / "data" / "bad.ttl")
    result = run(project_copy, "build", "--out", str(tmp_path / "site"))
    assert result.exit_code == 2
    assert "data/bad.ttl:3:17" in result.stderr
    assert not (tmp_path / "site").exists()


def test_rebuilding_keeps_a_few_releases_and_serves_the_newest(project_copy, tmp_path):
    site = tmp_path / "site"
    for _ in range(5):
        assert run(project_copy, "build", "--out", str(site)).exit_code == 0
    kept = sorted((site / "releases").iterdir(), key=lambda p: p.stat().st_mtime_ns)
    assert len(kept) == release_module.KEEP_RELEASES
    assert resolve_release(site) == kept[-1].resolve()


def test_the_console_script_runs(tmp_path):
    """The installed `publisher` command itself (not only the click object) works."""
    executable = Path(sys.executable).with_name("publisher")
    result = subprocess.run([str(executable), "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    for command in ("validate", "build", "serve"):
        assert command in result.stdout
