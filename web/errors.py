"""Error pages in the user's language, and domain errors mapped to HTTP answers."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError
from werkzeug.exceptions import BadRequest, HTTPException

from engine.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound

log = logging.getLogger(__name__)

DOMAIN_STATUS = {NotFound: 404, Forbidden: 403, Conflict: 409, InvalidInput: 422}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _page(status: int, message: str | None = None) -> tuple[str, int]:
    template = f"errors/{status}.html" if status in (400, 403, 404, 500) else "errors/generic.html"
    return render_template(template, status=status, message=message), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError) -> tuple[str, int]:
        return _page(400, _("The form has expired or was sent from another page. Go back, reload it and try again."))

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> tuple[object, int]:
        status = error.code or 500
        if _wants_json():
            return {"title": error.name, "status": status, "detail": error.description}, status
        if status == 413:
            # A plain page: nothing of the page the request was sent from, whoever sent it.
            mb = max(1, (request.max_content_length or 0) // 2**20)
            return _page(413, _("The upload is larger than %(mb)s MB and was refused. Nothing was changed.", mb=mb))
        return _page(status)

    @app.errorhandler(DomainError)
    def _domain(error: DomainError) -> tuple[object, int]:
        status = next((code for cls, code in DOMAIN_STATUS.items() if isinstance(error, cls)), 400)
        if _wants_json():
            body: dict[str, object] = {
                "title": type(error).__name__,
                "status": status,
                "detail": error.message,
            }
            if isinstance(error, InvalidInput):
                body["errors"] = error.fields
            return body, status
        return _page(status, error.message)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[object, int]:
        if isinstance(error, HTTPException):
            return _http(error)
        if isinstance(error, OverflowError | DataError):
            # A number from the request too large for its column (SQLite: OverflowError, PostgreSQL: DataError).
            # Routes bound their ids and page numbers; this answers for any value that slipped through.
            log.warning("value out of range on %s %s: %s", request.method, request.path, type(error).__name__)
            return _http(BadRequest())
        log.exception("unhandled error on %s %s", request.method, request.path)
        if _wants_json():
            return {"title": "Internal Server Error", "status": 500}, 500
        return _page(500)
