"""A Virtuoso server for the tests: Debian's virtuoso-opensource, started in a temporary
directory on free loopback ports, stopped with isql's ``shutdown``.

Virtuoso's own query time limit is short here (MAX_QUERY_SECONDS): a query that our server
stops (its worker is killed at SPARQL_TIMEOUT) goes on in Virtuoso until that limit, and the
tests send a few of those.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import free_port

MAX_QUERY_SECONDS = 3
USER = PASSWORD = "dba"

INI = """[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
NumberOfBuffers = 20000
MaxDirtyBuffers = 15000
DirsAllowed = ., {dir}/load
MaxSortedTopRows = 100000
ThreadsPerQuery = 1
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerThreads = 10
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = {max_seconds}
"""


def executables() -> tuple[str, str] | None:
    """virtuoso-t and isql-vt (Debian's names), or None where Virtuoso is not installed."""
    server = shutil.which("virtuoso-t") or (
        "/usr/bin/virtuoso-t" if Path("/usr/bin/virtuoso-t").exists() else None
    )
    isql = shutil.which("isql-vt") or ("/usr/bin/isql-vt" if Path("/usr/bin/isql-vt").exists() else None)
    return (server, isql) if server and isql else None


@dataclass
class Virtuoso:
    directory: Path
    sql_port: int
    http_port: int
    process: subprocess.Popen
    isql_path: str
    started_in: float = 0.0

    @property
    def sparql(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql"

    @property
    def graph_store(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql-graph-crud-auth"

    @property
    def isql_address(self) -> str:
        return f"127.0.0.1:{self.sql_port}"

    @property
    def load_dir(self) -> Path:
        return self.directory / "load"

    def isql(self, statements: str, timeout: float = 60) -> str:
        done = subprocess.run(
            [self.isql_path, self.isql_address, USER, PASSWORD, f"exec={statements}"],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        output = done.stdout + done.stderr
        if done.returncode != 0 or "*** Error" in output:
            raise RuntimeError(f"isql failed: {output[-2000:]}")
        return done.stdout

    def log(self) -> str:
        path = self.directory / "virtuoso.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        """Shut down cleanly (isql), else end the process this object started, by its PID."""
        if self.process.poll() is None:
            with contextlib.suppress(OSError, subprocess.TimeoutExpired):
                subprocess.run(
                    [self.isql_path, self.isql_address, USER, PASSWORD, "exec=shutdown;"],
                    capture_output=True,
                    timeout=30,
                )
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def _die_with_the_tests() -> None:
    """Should the test process die without stopping Virtuoso, the kernel ends it (Linux)."""
    from publisher.web.sandbox import die_with_parent

    die_with_parent()


def start_virtuoso(directory: Path, *, max_query_seconds: int = MAX_QUERY_SECONDS) -> Virtuoso:
    """A fresh Virtuoso in ``directory``, answering on /sparql; raises RuntimeError if it does not."""
    found = executables()
    if found is None:
        raise RuntimeError("virtuoso-t / isql-vt not installed")
    server, isql = found
    (directory / "load").mkdir(parents=True, exist_ok=True)
    sql_port, http_port = free_port(), free_port()
    while http_port == sql_port:
        http_port = free_port()
    ini = directory / "virtuoso.ini"
    ini.write_text(
        INI.format(dir=directory, sql_port=sql_port, http_port=http_port, max_seconds=max_query_seconds)
    )
    started = time.monotonic()
    output = (directory / "stdout.log").open("wb")
    process = subprocess.Popen(
        [server, "+configfile", str(ini), "+foreground"],
        cwd=directory,
        stdout=output,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        preexec_fn=_die_with_the_tests,
    )
    output.close()
    virtuoso = Virtuoso(directory, sql_port, http_port, process, isql)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(virtuoso.sparql + "?query=ASK%7B%7D", timeout=2) as response:
                if response.status == 200:
                    virtuoso.started_in = time.monotonic() - started
                    return virtuoso
        except (OSError, urllib.error.URLError):
            time.sleep(0.2)
    virtuoso.stop()
    raise RuntimeError(f"Virtuoso did not start:\n{virtuoso.log()[-3000:]}")
