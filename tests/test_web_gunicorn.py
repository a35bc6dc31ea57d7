"""Production serving: the README's gunicorn command, several workers and threads at once.

Every worker opens the release itself; nothing a request leaves behind may leak into another.
The test checks that concurrent requests across workers all succeed and that a strong ETag
always names the same bytes, whichever worker answered.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import REPO, free_port, wait_until_serving
from tests.web_resources import RESOURCES

GUNICORN = Path(sys.executable).with_name("gunicorn")


@pytest.fixture(scope="module")
def gunicorn_server(build_dir, tmp_path_factory, backend_settings):
    executable = str(GUNICORN) if GUNICORN.exists() else shutil.which("gunicorn")
    if not executable:
        pytest.fail("gunicorn is a dependency of the project and must be installed")
    port = free_port()
    env = {**os.environ, "PUBLISHER_RELEASE": str(build_dir)}
    env.update({f"PUBLISHER_{name}": str(value) for name, value in backend_settings.items()})
    env.pop("PUBLISHER_BASE_IRI", None)
    # The command documented in README.md, on a free port.
    log = tmp_path_factory.mktemp("gunicorn") / "log.txt"
    process = subprocess.Popen(
        [executable, "-w", "2", "--threads", "4", "-b", f"127.0.0.1:{port}", "publisher.web:create_app()"],
        cwd=REPO,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    if not wait_until_serving(url, process):
        process.kill()
        process.wait()
    if process.poll() is not None:
        pytest.fail(f"gunicorn did not start:\n{log.read_text(errors='replace')}")
    yield url, log
    process.terminate()
    try:
        process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()


def _get(url: str, accept: str) -> tuple[int, str, bytes, str]:
    request = urllib.request.Request(url, headers={"Accept": accept, "Accept-Language": "en"})
    with urllib.request.urlopen(request, timeout=20) as response:
        return response.status, response.headers["ETag"], response.read(), response.headers["Content-Type"]


def test_concurrent_requests_across_workers_and_threads(gunicorn_server):
    url, _ = gunicorn_server
    jobs = [
        (url + path, accept)
        for path, _ in RESOURCES.values()
        for accept in ("text/html", "text/turtle", "application/ld+json", "application/rdf+xml")
    ] * 4
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(lambda job: (job, _get(*job)), jobs))
    bodies_by_etag: dict[str, set[bytes]] = {}
    for (url, accept), (status, etag, body, content_type) in results:
        assert status == 200, url
        assert content_type.split(";")[0] == accept
        bodies_by_etag.setdefault(etag, set()).add(body)
    # A strong ETag names one sequence of bytes, whichever worker and thread produced it.
    assert all(len(bodies) == 1 for bodies in bodies_by_etag.values())
    assert len(bodies_by_etag) == len(RESOURCES) * 4


def test_two_workers_booted(gunicorn_server):
    url, log = gunicorn_server
    _get(url + "/healthz", "*/*")
    deadline = time.monotonic() + 10
    while log.read_text(errors="replace").count("Booting worker") < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    text = log.read_text(errors="replace")
    assert text.count("Booting worker") == 2, text
    assert "Traceback" not in text
