"""Flask extensions, created unbound and bound in ``init_app``."""

from __future__ import annotations

from flask import Flask, request, session
from flask_babel import Babel
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect

from engine.accounts.models import User
from web import db

LOCALES = ("pl", "en")

babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.session_protection = "strong"


def select_locale() -> str:
    """The user's saved language, else the one chosen in this browser, else the default."""
    if current_user.is_authenticated and current_user.preferred_locale in LOCALES:
        return str(current_user.preferred_locale)
    chosen = session.get("locale")
    if chosen in LOCALES:
        return str(chosen)
    from flask import current_app

    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    ident, _, version = user_id.partition(".")
    if not ident.isdigit() or not version.isdigit():
        return None
    user = db.get_db().get(User, int(ident))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def init_app(app: Flask) -> None:
    from web import labels, money

    db.init_app(app)
    labels.init_app(app)
    money.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    login_manager.init_app(app)
    from flask_babel import lazy_gettext

    login_manager.login_message = lazy_gettext("Please log in to see this page.")
    login_manager.login_message_category = "info"

    @app.context_processor
    def _inject_locale() -> dict[str, object]:
        from flask_babel import get_locale

        return {"current_locale": str(get_locale()), "locales": LOCALES, "request_path": request.path}
