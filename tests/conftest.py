"""Shared fixtures: the repository's project, and one release built from it per session.

The server fixtures (``web_app``/``web_client``, ``live_server``, ``make_app`` and
``backend_settings`` for servers a test starts itself) run every test that uses them twice:
on the release's embedded store and on Virtuoso (``BACKEND = "sparql"``), started once per
session with the release pushed into it (``tests/virtuoso_support.py``). Without Virtuoso the
second run is skipped on a workstation and fails in CI (CI set), as the browser tests do.
A test that checks what only the embedded store has is marked ``embedded_only(reason)``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(build_dir: Path, **env_settings: str) -> tuple[subprocess.Popen, str]:
    """Start a real `publisher serve` on the built release; returns the process and its URL."""
    port = free_port()
    env = {**os.environ, **{f"PUBLISHER_{k}": str(v) for k, v in env_settings.items()}}
    env.pop("PUBLISHER_BASE_IRI", None)
    # Its output goes to a file, not a pipe: nobody reads a pipe while the server runs, and a
    # full pipe (64 KiB of log) would block the server at its next log line.
    log = tempfile.NamedTemporaryFile(prefix="publisher-serve-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "publisher",
            "--project",
            str(REPO),
            "serve",
            "--release",
            str(build_dir),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    process.log_path = Path(log.name)  # the server's output so far: server_log(process)
    url = f"http://127.0.0.1:{port}"
    if wait_until_serving(url, process):
        return process, url
    process.kill()
    process.wait()
    raise RuntimeError(f"publisher serve did not start:\n{server_log(process)}")


def wait_until_serving(url: str, process: subprocess.Popen, seconds: float = 30) -> bool:
    """Whether a server we started answers /healthz within ``seconds`` (False if it exited)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as response:
                if response.status == 200:
                    return True
        except OSError:
            if process.poll() is not None:
                return False
            time.sleep(0.1)
    return False


def server_log(process: subprocess.Popen) -> str:
    """What a server started by start_server has printed so far (its log)."""
    return process.log_path.read_bytes().decode(errors="replace")


def stop_server(process: subprocess.Popen) -> str:
    """Stop a server started by start_server; returns what it printed (its log)."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    output = server_log(process)
    process.log_path.unlink(missing_ok=True)
    return output


BACKENDS = ("embedded", "virtuoso")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "embedded_only(reason): runs on the embedded store only (what it checks exists only there)"
    )


def pytest_collection_modifyitems(config, items):
    """Tests marked embedded_only do not run on Virtuoso."""
    kept, dropped = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_virtuoso = callspec is not None and callspec.params.get("backend") == "virtuoso"
        (dropped if on_virtuoso and item.get_closest_marker("embedded_only") else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory, release: Path):
    """Virtuoso on free loopback ports, holding the session's release (pushed with the Graph
    Store Protocol, as `publisher push` does), stopped after the session."""
    from publisher.push import push_graph_store
    from tests.virtuoso_support import PASSWORD, USER, executables, start_virtuoso

    if executables() is None:
        if os.environ.get("CI"):
            pytest.fail("CI needs Virtuoso: apt-get install virtuoso-opensource-7-bin")
        pytest.skip("Virtuoso (virtuoso-t, isql-vt) not installed")
    server = start_virtuoso(tmp_path_factory.mktemp("virtuoso"))
    try:
        push_graph_store(release, server.graph_store, user=USER, password=PASSWORD)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    """Which store the server fixtures use: every test using them runs once on each."""
    return request.param


@pytest.fixture(scope="session")
def backend_settings(request, backend: str) -> dict:
    """The server settings for the backend under test (PUBLISHER_<NAME> for a subprocess)."""
    if backend == "embedded":
        return {}
    server = request.getfixturevalue("virtuoso")
    return {"BACKEND": "sparql", "SPARQL_ENDPOINT": server.sparql}


@pytest.fixture(scope="session")
def live_server(build_dir: Path, backend_settings: dict):
    """A running `publisher serve` on the session's release, shared by the HTTP tests."""
    process, url = start_server(build_dir, **backend_settings)
    yield url
    stop_server(process)


@pytest.fixture(scope="session")
def make_app(release: Path, backend_settings: dict):
    """Builds a Flask app on the session's release with more settings, on the backend under test."""
    from publisher.web import create_app

    return lambda **settings: create_app(release, **{**backend_settings, **settings})


@pytest.fixture(scope="session")
def web_app(make_app):
    """The Flask app on the session's release, for tests through Flask's test client."""
    return make_app()


@pytest.fixture
def web_client(web_app):
    return web_app.test_client()
