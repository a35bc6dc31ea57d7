"""Helpers for the SPARQL endpoint's tests: raw HTTP, a listener that records connections,
and a server whose log can be read while it runs."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from tests.conftest import server_log, start_server, stop_server

BASE = "https://meetings.example.org/"
COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
#: Joins every triple with every other, four times over: ~1.4e12 rows on the seed data.
EXPLOSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self):
        return json.loads(self.body)

    @property
    def media_type(self) -> str:
        return self.headers.get("Content-Type", "").split(";")[0].strip()


def call(
    method: str, url: str, body: bytes | str | None = None, headers: dict | None = None, timeout: float = 30
) -> Reply:
    """One request exactly as written: no header is added but Host and Content-Length."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    if isinstance(body, str):
        body = body.encode("utf-8")
    connection.putrequest(method, path, skip_accept_encoding=True)
    for name, value in (headers or {}).items():
        connection.putheader(name, value)
    if body is not None:
        connection.putheader("Content-Length", str(len(body)))
    connection.endheaders(body)
    response = connection.getresponse()
    reply = Reply(response.status, response.headers, response.read())
    connection.close()
    return reply


def get(server: str, query: str | None = None, accept: str | None = None, **parameters) -> Reply:
    fields = ({"query": query} if query is not None else {}) | parameters
    url = f"{server}/sparql" + (f"?{urlencode(fields, doseq=True)}" if fields else "")
    return call("GET", url, headers={"Accept": accept} if accept else {})


def post_form(server: str, fields: dict | list, accept: str | None = None, path: str = "/sparql") -> Reply:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if accept:
        headers["Accept"] = accept
    return call("POST", server + path, urlencode(fields, doseq=True), headers)


def post_direct(server: str, query: str, accept: str | None = None, query_string: str = "") -> Reply:
    headers = {"Content-Type": "application/sparql-query"}
    if accept:
        headers["Accept"] = accept
    return call("POST", f"{server}/sparql{query_string}", query, headers)


def count_triples(server: str) -> int:
    reply = get(server, COUNT_ALL, accept="application/sparql-results+json")
    assert reply.status == 200, reply.text
    return int(reply.json()["results"]["bindings"][0]["n"]["value"])


class Listener:
    """A TCP server on a free local port that records every connection made to it."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.connections: list[bytes] = []
        self._running = True
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while self._running:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                continue
            with connection:
                connection.settimeout(0.5)
                try:
                    self.connections.append(connection.recv(4096) or b"(connected)")
                except OSError:
                    self.connections.append(b"(connected)")

    def close(self) -> None:
        if not self._running:
            return
        time.sleep(0.3)  # a request the server might still be making gets the time to arrive
        self._running = False
        self._thread.join(timeout=2)
        self.socket.close()


@dataclass
class LoggedServer:
    """A `publisher serve` whose log the tests read while it runs."""

    process: object
    url: str

    @classmethod
    def start(cls, build_dir: Path, **settings) -> LoggedServer:
        return cls(*start_server(build_dir, **settings))

    @property
    def lines(self) -> list[str]:
        return server_log(self.process).splitlines()

    def query_lines(self) -> list[str]:
        return [line for line in self.lines if "publisher.sparql INFO query " in line]

    def stop(self) -> None:
        stop_server(self.process)
