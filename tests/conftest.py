"""Shared fixtures: the repository's project, and one release built from it per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from publisher.config import BASE_IRI_ENV, Project, load_project
from publisher.release import build, resolve_release
from publisher.store import open_read_only

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
PROJECT_PARTS = ("pyproject.toml", "ontology", "shapes", "data", "catalog", "queries")


@pytest.fixture(scope="session", autouse=True)
def _default_base_iri():
    """Tests run against the configured placeholder base, whatever the environment says."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(BASE_IRI_ENV, raising=False)
        yield


@pytest.fixture(scope="session")
def project() -> Project:
    return load_project(REPO)


@pytest.fixture(scope="session")
def base(project: Project) -> str:
    return project.base_iri


@pytest.fixture(scope="session")
def build_dir(tmp_path_factory, project: Project) -> Path:
    out = tmp_path_factory.mktemp("site")
    build(project, out)
    return out


@pytest.fixture(scope="session")
def release(build_dir: Path) -> Path:
    """The release built once from the repository's data."""
    return resolve_release(build_dir)


@pytest.fixture(scope="session")
def store(release: Path):
    return open_read_only(release / "store")


def copy_project(destination: Path) -> Path:
    """A private copy of the repository's project, for tests that change or break it."""
    destination.mkdir(parents=True, exist_ok=True)
    for part in PROJECT_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, destination / part)
        elif source.is_file():
            shutil.copy2(source, destination / part)
    return destination


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project")
