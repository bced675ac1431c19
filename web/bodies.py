"""Request bodies: a size limit per route, set before anything reads the body, and the role check first.

Werkzeug refuses a body over ``request.max_content_length`` with 413 from its Content-Length alone (and stops
reading a chunked one at the limit), so a limit set here is enforced before the CSRF check or a view parses
anything. Most routes take small forms or JSON; only the ones marked ``large_body`` take up to
MAX_CONTENT_LENGTH (uploads of process files).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, abort, current_app, request
from flask_login import current_user

F = TypeVar("F", bound=Callable[..., Any])

#: Bodies of ordinary forms and API calls.
DEFAULT_BODY_BYTES = 1024 * 1024
#: Bodies of the routes marked large_body (MAX_CONTENT_LENGTH caps them too).
LARGE_BODY_BYTES = 60 * 1024 * 1024


def large_body(view: F) -> F:
    """Let this route take bodies up to the app's MAX_CONTENT_LENGTH (uploads of process files)."""
    view.large_body = True  # type: ignore[attr-defined]
    return view


#: Room for the form fields and multipart framing around a file of a configured size.
FORM_OVERHEAD_BYTES = 64 * 1024


def file_body(config_key: str) -> Callable[[F], F]:
    """Let this route take one file of up to ``app.config[config_key]`` bytes (plus its form) and no more."""

    def mark(view: F) -> F:
        view.file_body_key = config_key  # type: ignore[attr-defined]
        return view

    return mark


def body_limit(view: Callable[..., Any] | None) -> int:
    """The largest body the view of this request takes."""
    overall = int(current_app.config.get("MAX_CONTENT_LENGTH") or LARGE_BODY_BYTES)
    if view is not None and getattr(view, "large_body", False):
        return overall
    key = getattr(view, "file_body_key", None) if view is not None else None
    if key is not None:
        return min(overall, int(current_app.config[key]) + FORM_OVERHEAD_BYTES)
    return min(overall, int(current_app.config.get("IPD_MAX_BODY_BYTES", DEFAULT_BODY_BYTES)))


def _guard() -> Any:
    view = current_app.view_functions.get(request.endpoint or "")
    request.max_content_length = body_limit(view)
    roles = getattr(view, "required_roles", None)
    if roles is None:
        return None
    # The same check the view's decorator makes, made before the CSRF check reads the form: a stranger's
    # upload is refused unread, and nothing of the page is rendered for them.
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
    if not current_user.has_role(*roles):
        abort(403)
    return None


def init_app(app: Flask) -> None:
    app.config.setdefault("MAX_CONTENT_LENGTH", LARGE_BODY_BYTES)
    app.config.setdefault("IPD_MAX_BODY_BYTES", DEFAULT_BODY_BYTES)
    # First of all before-request functions, ahead of the CSRF check (which parses the form).
    app.before_request_funcs.setdefault(None, []).insert(0, _guard)
