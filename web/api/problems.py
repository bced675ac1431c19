"""Problem details (RFC 9457) for every error under /api/."""

from __future__ import annotations

import json
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from flask import Response, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from engine.definitions.service import InvalidDefinition
from engine.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound

PROBLEM_JSON = "application/problem+json"
INVALID_INPUT = "urn:ipd:problem:invalid-input"
INVALID_DEFINITION = "urn:ipd:problem:invalid-definition"
RATE_LIMITED = "urn:ipd:problem:rate-limited"
DUPLICATE_BENEFICIARY = "urn:ipd:problem:possible-duplicate"

_DOMAIN_STATUS: tuple[tuple[type[DomainError], int], ...] = (
    (NotFound, 404),
    (Forbidden, 403),
    (Conflict, 409),
    (InvalidInput, 422),
)


class ApiProblem(Exception):
    """Raised by API views to answer with a problem document."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        type_: str = "about:blank",
        errors: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.type = type_
        self.errors = dict(errors or {})
        self.headers = dict(headers or {})
        self.extra = extra


def problem(
    status: int,
    detail: str | None = None,
    *,
    type_: str = "about:blank",
    title: str | None = None,
    errors: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    body: dict[str, Any] = {
        "type": type_,
        "title": title or _phrase(status),
        "status": status,
        "instance": request.path,
    }
    if detail:
        body["detail"] = detail
    if errors is not None:
        body["errors"] = dict(errors)
    body.update(extra)
    response = Response(json.dumps(body, default=str), status=status, mimetype=PROBLEM_JSON)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def invalid(errors: Mapping[str, str], detail: str = "some fields need correcting") -> ApiProblem:
    return ApiProblem(422, detail, type_=INVALID_INPUT, errors=errors)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def from_api_problem(error: ApiProblem) -> Response:
    return problem(
        error.status,
        error.detail,
        type_=error.type,
        errors=error.errors if error.errors or error.type == INVALID_INPUT else None,
        headers=error.headers,
        **error.extra,
    )


def from_domain_error(error: DomainError) -> Response:
    if isinstance(error, InvalidDefinition):
        report = error.report.to_dict()
        # One entry per finding: several findings on one line get "#2", "#3"… rather than overwrite each other.
        errors: dict[str, str] = {}
        for finding in error.report.errors:
            base = f"{finding.file}:{finding.line}" if finding.line else (finding.file or "files")
            key, count = base, 1
            while key in errors:
                count += 1
                key = f"{base}#{count}"
            errors[key] = finding.message
        return problem(422, error.message, type_=INVALID_DEFINITION, errors=errors, report=report)
    status = next((code for cls, code in _DOMAIN_STATUS if isinstance(error, cls)), 400)
    if isinstance(error, InvalidInput):
        return problem(status, error.message, type_=INVALID_INPUT, errors=error.fields)
    return problem(status, error.message)


def from_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    headers = {key: value for key, value in error.get_headers() if key.lower() != "content-type"}
    return problem(status, error.description, headers=headers)


def as_problem_json(response: Response) -> Response:
    """Give error answers made outside the API's views (unknown URL, 405, 500) the problem format."""
    if response.status_code < 400 or response.mimetype == PROBLEM_JSON:
        return response
    body: Any = None
    if response.mimetype == "application/json":
        try:
            body = json.loads(response.get_data(as_text=True))
        except ValueError:
            body = None
    if not isinstance(body, dict):
        body = {}
    body.setdefault("type", "about:blank")
    body.setdefault("title", _phrase(response.status_code))
    body["status"] = response.status_code
    body.setdefault("instance", request.path)
    if body.get("detail") is None:
        body.pop("detail", None)
    response.set_data(json.dumps(body, default=str))
    response.mimetype = PROBLEM_JSON
    routing = request.routing_exception
    if isinstance(routing, MethodNotAllowed) and routing.valid_methods and "Allow" not in response.headers:
        response.headers["Allow"] = ", ".join(sorted(routing.valid_methods))
    return response
