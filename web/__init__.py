"""The Flask application: pages, JSON API and command line."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from engine.config import Settings


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; ``test_config`` may carry ``SETTINGS`` (a Settings) and Flask keys."""
    overrides = dict(test_config or {})
    settings: Settings = overrides.pop("SETTINGS", None) or Settings.from_env()
    settings.ensure_instance_path()

    app = Flask(__name__, instance_path=str(settings.instance_path))
    from web import pagination

    pagination.use_bounded_ids(app)  # before any route is added
    app.config.update(
        SECRET_KEY=settings.effective_secret_key(),
        IPD_SETTINGS=settings,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=not settings.is_development,
        SESSION_COOKIE_NAME="ipd_session",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=not settings.is_development,
        PERMANENT_SESSION_LIFETIME=8 * 3600,
        WTF_CSRF_TIME_LIMIT=8 * 3600,
        BABEL_DEFAULT_LOCALE=settings.default_locale,
        BABEL_DEFAULT_TIMEZONE=settings.timezone,
        BABEL_TRANSLATION_DIRECTORIES="translations",
        IPD_DOCUMENTS_PATH=str(settings.documents_path),
        IPD_DOCUMENT_MAX_BYTES=settings.document_max_bytes,
    )
    app.config.update(overrides)

    from engine.db import database  # here, not at the top: `ipd --help` imports this package

    database.configure(settings.database_url)

    from web import bodies, extensions, logs, security, throttle
    from web.errors import register_error_handlers

    extensions.init_app(app)
    bodies.init_app(app)  # after extensions: its check goes in front of theirs
    pagination.init_app(app)
    logs.init_app(app)  # after bodies: the request id is set before anything can refuse the request
    security.init_app(app)
    throttle.init_app(app)
    register_error_handlers(app)

    from web.admin.views import bp as admin_bp
    from web.auth.views import bp as auth_bp
    from web.main.views import bp as main_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(main_bp)
    app.register_blueprint(admin_bp)

    from web.administration import bp as administration_bp

    app.register_blueprint(administration_bp)

    from web.commands import register_commands

    register_commands(app)

    from web.api import init_app as init_api  # the JSON API and the profile's API tokens (web/api/)

    init_api(app)

    from web.work import bp as work_bp

    app.register_blueprint(work_bp)

    from web.cases import bp as cases_bp

    app.register_blueprint(cases_bp)

    from web.analytics import bp as analytics_bp
    from web.studio import bp as studio_bp

    app.register_blueprint(studio_bp)
    app.register_blueprint(analytics_bp)

    from web.notifications import bp as notifications_bp
    from web.team import bp as team_bp

    app.register_blueprint(notifications_bp)
    app.register_blueprint(team_bp)

    from web.reports import bp as reports_bp  # the funder report and the exports (web/reports/)

    app.register_blueprint(reports_bp)

    from web.audit import bp as audit_bp  # the audit log's page and export (web/audit/)

    app.register_blueprint(audit_bp)

    from web.two_factor import bp as two_factor_bp  # two-factor sign-in (web/two_factor/)

    app.register_blueprint(two_factor_bp)

    # -- background jobs and health (web/celery_app.py, web/health.py) --
    from web.celery_app import celery_init_app
    from web.health import bp as health_bp

    celery_init_app(app)
    app.register_blueprint(health_bp)

    from web import metrics  # Prometheus (web/metrics.py) and, when configured, Sentry (web/logs.py)

    metrics.init_app(app)
    logs.init_error_reporting(settings)
    # -- end background jobs and health --
    return app
