"""HTTP behaviour shared by every route: CORS for reads, readable errors, never a traceback."""

from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException, InternalServerError


def init_app(app: Flask) -> None:
    app.after_request(_cors)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def _cors(response: Response) -> Response:
    response.headers.setdefault("Access-Control-Allow-Origin", "*")
    return response


def _http_error(error: HTTPException) -> Response:
    """A readable plain-text message (pages may render HTML for browsers)."""
    response = error.get_response()
    response.data = f"{error.code} {error.name}: {error.description}\n".encode()
    response.content_type = "text/plain; charset=utf-8"
    return response


def _unexpected_error(error: Exception) -> Response:
    if isinstance(error, HTTPException):
        return _http_error(error)
    from flask import current_app

    current_app.logger.exception("unexpected error on %s %s", request.method, request.path)
    return _http_error(InternalServerError("the server met an unexpected condition; it has been logged"))
