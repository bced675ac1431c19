"""The JSON API for integrations (``/api/v1``): bearer tokens, problem details, OpenAPI 3.1."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, request
from flask.blueprints import BlueprintSetupState
from flask.globals import request_ctx
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BaseConverter

from engine.errors import DomainError
from web.api import problems
from web.api.auth import load_actor

bp = Blueprint("api", __name__, url_prefix="/api/v1")

PUBLIC_ENDPOINTS = frozenset({"api.openapi_document"})


class IdConverter(BaseConverter):
    """A positive id that fits a BIGINT; anything longer cannot exist, so it does not match (404)."""

    regex = r"[1-9][0-9]{0,17}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


@bp.record_once
def _setup(state: BlueprintSetupState) -> None:
    app = state.app
    app.url_map.converters.setdefault("id", IdConverter)

    @app.after_request
    def _problem_format(response: Response) -> Response:
        if request.path.startswith("/api/"):
            response = problems.as_problem_json(response)
            response.headers.setdefault("Cache-Control", "no-store")
            response.vary.add("Authorization")
        return response


@bp.before_request
def _authenticate() -> None:
    # The API never reads or writes the browser session: a null one stands in for this request,
    # so a login cookie grants nothing here and no cookie is sent back.
    request_ctx._session = current_app.session_interface.make_null_session(current_app)
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    load_actor()


@bp.errorhandler(problems.ApiProblem)
def _api_problem(error: problems.ApiProblem) -> Response:
    return problems.from_api_problem(error)


@bp.errorhandler(DomainError)
def _domain_error(error: DomainError) -> Response:
    return problems.from_domain_error(error)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    return problems.from_http_exception(error)


from web.api import cases, definitions, instances, openapi, tasks  # noqa: E402,F401  (routes)


def _rate_key() -> str:
    """Requests are counted per token (by its public prefix, read without the database), else per client."""
    from engine.accounts.tokens import token_prefix
    from web.throttle import client_address

    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    prefix = token_prefix(secret.strip()) if scheme.lower() == "bearer" else None
    return f"token:{prefix}" if prefix else f"client:{client_address()}"


def init_app(app: Flask) -> None:
    """Register the API (exempt from CSRF: it takes no cookies) and the profile's token pages."""
    import os

    from limits import parse

    from engine.config import ConfigError
    from web.api import profile_tokens
    from web.extensions import csrf
    from web.throttle import DEFAULT_API_LIMIT, limiter

    # Operators tune the limiter through the environment; tests set the keys on the app directly.
    for key, kind in (("IPD_API_MAX_AUTH_FAILURES", int), ("IPD_API_AUTH_WINDOW_SECONDS", float)):
        if key in os.environ and key not in app.config:
            try:
                app.config[key] = kind(os.environ[key])
            except ValueError:
                raise ConfigError(f"{key} must be a number, got {os.environ[key]!r}") from None
    if "IPD_API_RATE_LIMIT" in os.environ and "IPD_API_RATE_LIMIT" not in app.config:
        app.config["IPD_API_RATE_LIMIT"] = os.environ["IPD_API_RATE_LIMIT"]
    try:
        parse(app.config.setdefault("IPD_API_RATE_LIMIT", DEFAULT_API_LIMIT))
    except ValueError:
        raise ConfigError(
            f"IPD_API_RATE_LIMIT must read like '600 per minute', got {app.config['IPD_API_RATE_LIMIT']!r}"
        ) from None
    with app.app_context():
        limiter().limit(lambda: str(current_app.config["IPD_API_RATE_LIMIT"]), key_func=_rate_key)(bp)
    app.register_blueprint(bp)
    csrf.exempt(bp)
    app.register_blueprint(profile_tokens.bp)
