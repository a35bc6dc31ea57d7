"""A small pool of query worker processes that can be killed: the hard time limit per query.

pyoxigraph cannot cancel a query once it runs, and a thread cannot be killed, so each user
query goes to a worker process (``publisher.web.query_worker``). The pool starts its workers
ahead of need; a request takes an idle one, sends it the job and waits on the pipe up to the
time limit. On time, the worker goes back to the pool; past it, the worker is killed
(SIGKILL: nothing in it can delay that), a fresh one is started in its place, and the request
gets ``QueryTimeout`` — while the other workers go on serving other requests.

Workers come from a fork server (on Linux and macOS): one clean process, started once,
that has already imported the engine and the parser, so a replacement is forked in
milliseconds rather than started from scratch, and never inherits the server's threads.

With a remote store the pool also lends connections: a worker cannot open a socket, so while
it runs a job it may ask (``CONNECT``) for a connection to the configured endpoint, which the
pool opens — to that endpoint only — and passes over the pipe (SCM_RIGHTS), within the job's
time limit.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import threading
import time
from dataclasses import dataclass, field
from multiprocessing import reduction
from multiprocessing.connection import Connection

from publisher.backends import endpoint_connector
from publisher.web import query_worker
from publisher.web.query_worker import CONNECT, CONNECTED, READY, Job, Outcome, WorkerEnv

log = logging.getLogger("publisher.sparql")


class PoolError(Exception):
    """A query that got no answer; ``message`` says why, for a 503."""

    message = "the query could not be run"


class QueryTimeout(PoolError):
    def __init__(self, limit: float):
        super().__init__(limit)
        self.message = (
            f"The query ran longer than this endpoint's limit of {limit:g} s and was stopped. "
            "Make it more selective (bind more variables, add LIMIT, avoid joining everything "
            "with everything), or download the data (/dumps/) and query it on your own machine."
        )


class PoolBusy(PoolError):
    def __init__(self, workers: int, waited: float):
        super().__init__(workers, waited)
        self.message = f"All {workers} query workers stayed busy for {waited:g} s; please retry in a moment."


class WorkerLost(PoolError):
    message = (
        "The query stopped the worker running it (it may have needed more memory than a query "
        "may use here). Make it more selective, or download the data and query it locally."
    )


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    connection: Connection
    ready: bool = False
    pid: int = 0
    missing: list[str] = field(default_factory=list)


class QueryPool:
    """``size`` worker processes for one release; ``run`` is safe to call from any thread."""

    def __init__(self, env: WorkerEnv, size: int):
        self.env = env
        self.size = max(1, size)
        self._context = _context()
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._connect = endpoint_connector(env.settings)
        for _ in range(self.size):
            self._idle.put(self._start())

    def run(self, job: Job, *, wait: float) -> Outcome:
        """Run a job within ``job.timeout`` seconds; raises a PoolError when there is no answer."""
        worker = self._take(wait)
        deadline = time.monotonic() + job.timeout
        try:
            if not worker.ready:
                self._await_ready(worker, deadline, job.timeout)
            worker.connection.send(job)
            while True:
                if not worker.connection.poll(max(0.0, deadline - time.monotonic())):
                    raise QueryTimeout(job.timeout)
                outcome = worker.connection.recv()
                if not (isinstance(outcome, tuple) and outcome and outcome[0] == CONNECT):
                    break
                self._lend_connection(worker, deadline)
        except QueryTimeout:
            self._replace(worker, "it ran past the time limit")
            raise
        except (EOFError, OSError, PoolError) as error:
            self._replace(worker, f"it stopped ({error.__class__.__name__})")
            raise WorkerLost() from None
        self._idle.put(worker)
        return outcome

    def _lend_connection(self, worker: _Worker, deadline: float) -> None:
        """Open a connection to the remote store for a worker and pass it over the pipe."""
        if self._connect is None:
            worker.connection.send((CONNECTED, "this server has no remote SPARQL store"))
            return
        try:
            connection = self._connect(max(0.1, deadline - time.monotonic()))
        except OSError as error:
            worker.connection.send((CONNECTED, f"the SPARQL store could not be reached: {error}"))
            return
        with connection:
            worker.connection.send((CONNECTED, None))
            reduction.send_handle(worker.connection, connection.fileno(), worker.pid)

    # ------------------------------------------------------------ workers

    def _start(self) -> _Worker:
        here, there = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=query_worker.serve, args=(there, self.env), name="sparql-worker", daemon=True
        )
        with self._lock:
            process.start()
        there.close()
        return _Worker(process, here)

    def _take(self, wait: float) -> _Worker:
        deadline = time.monotonic() + wait
        while True:
            try:
                worker = self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise PoolBusy(self.size, wait) from None
            if worker.process.is_alive():
                return worker
            self._replace(worker, "it had died while idle")

    def _await_ready(self, worker: _Worker, deadline: float, limit: float) -> None:
        if not worker.connection.poll(max(0.0, deadline - time.monotonic())):
            raise QueryTimeout(limit)
        message = worker.connection.recv()
        if not (isinstance(message, tuple) and message[0] == READY):
            raise WorkerLost()
        _, worker.pid, worker.missing = message
        worker.ready = True
        if worker.missing:
            log.warning("query worker %s runs without: %s", worker.pid, ", ".join(worker.missing))

    def _replace(self, worker: _Worker, why: str) -> None:
        log.warning("query worker %s killed and replaced: %s", worker.process.pid, why)
        _kill(worker)
        self._idle.put(self._start())


def _kill(worker: _Worker) -> None:
    try:
        worker.process.kill()
        worker.process.join(timeout=2)
    finally:
        worker.connection.close()


def _context() -> multiprocessing.context.BaseContext:
    """A fork server preloaded with the worker's imports where there is one; spawn elsewhere."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["publisher.web.query_worker"])
        return context
    return multiprocessing.get_context("spawn")
