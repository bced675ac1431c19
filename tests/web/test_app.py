"""App factory, configuration refusal, headers, error pages and the language switch."""

from __future__ import annotations

import pytest

from engine.config import ConfigError, Settings
from tests.conftest import create_test_app


def test_factory_uses_the_given_settings(app, settings):
    assert app.config["IPD_SETTINGS"] is settings
    assert app.testing
    assert app.config["BABEL_DEFAULT_LOCALE"] == "pl"


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    production = Settings(env="production", instance_path=tmp_path, database_url="sqlite://").resolved()
    with pytest.raises(ConfigError, match="IPD_SECRET_KEY"):
        create_test_app(production)


def test_production_refuses_a_short_secret_key(tmp_path):
    production = Settings(
        env="production", instance_path=tmp_path, database_url="sqlite://", secret_key="dev"
    ).resolved()
    with pytest.raises(ConfigError, match="too short"):
        create_test_app(production)


def test_development_keeps_a_generated_key_in_the_instance_folder(tmp_path):
    dev = Settings(env="development", instance_path=tmp_path, database_url="sqlite://").resolved()
    first = dev.effective_secret_key()
    assert len(first) >= 40
    assert dev.effective_secret_key() == first
    assert (tmp_path / "dev-secret-key").stat().st_mode & 0o077 == 0


def test_settings_from_environment():
    env = {
        "IPD_ENV": "testing",
        "IPD_INSTANCE_PATH": "/tmp/ipd-x",
        "IPD_BROKER_URL": "redis://127.0.0.1:6379/3",
        "IPD_DEFAULT_LOCALE": "en",
    }
    settings = Settings.from_env(env)
    assert settings.database_url == "sqlite:////tmp/ipd-x/ipd.sqlite3"
    assert settings.broker_url == "redis://127.0.0.1:6379/3"
    assert settings.default_locale == "en"
    embedded = Settings.from_env({"IPD_INSTANCE_PATH": "/tmp/ipd-x"})
    assert embedded.broker_url == "sqla+sqlite:////tmp/ipd-x/broker.sqlite3"
    with pytest.raises(ConfigError, match="IPD_ENV"):
        Settings.from_env({"IPD_ENV": "staging"})
    with pytest.raises(ConfigError, match="IPD_HEARTBEAT_SECONDS"):
        Settings.from_env({"IPD_HEARTBEAT_SECONDS": "soon"})


def test_security_headers_and_cookie_flags(client, make_user):
    response = client.get("/login")
    headers = response.headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    user = make_user("social_worker")
    login = client.post("/login", data={"username": user.username, "password": "correct-horse-battery"})
    cookie = login.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_cookies_are_secure_and_hsts_is_sent(tmp_path, database_url, connection):
    production = Settings(
        env="production",
        instance_path=tmp_path,
        database_url=database_url,
        broker_url="memory://",
        secret_key="x" * 40,
    ).resolved()
    app = create_test_app(production)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert "max-age" in app.test_client().get("/login").headers["Strict-Transport-Security"]


def test_404_page_in_polish_and_english(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Nie znaleziono strony" in response.get_data(as_text=True)
    client.post("/language", data={"locale": "en", "next": "/login"})
    english = client.get("/no-such-page").get_data(as_text=True)
    assert "Page not found" in english


def test_500_page_hides_the_error(settings, connection):
    app = create_test_app(settings, PROPAGATE_EXCEPTIONS=False)

    @app.route("/boom")
    def boom() -> str:
        raise RuntimeError("secret internal detail")

    client = app.test_client()
    for locale, text in (("pl", "Coś poszło nie tak"), ("en", "Something went wrong on our side")):
        client.post("/language", data={"locale": locale, "next": "/login"})
        response = client.get("/boom")
        body = response.get_data(as_text=True)
        assert response.status_code == 500
        assert text in body
        assert "secret internal detail" not in body and "Traceback" not in body


def test_language_switch_is_kept_per_user(client, login, make_user, db_session):
    user = make_user("lawyer")
    login(user)
    response = client.post("/language", data={"locale": "en", "next": "/profile"})
    assert response.headers["Location"] == "/profile"
    assert "Change password" in client.get("/profile").get_data(as_text=True)
    db_session.refresh(user)
    assert user.preferred_locale == "en"
    client.post("/logout")
    other = client.application.test_client()
    other.post("/login", data={"username": user.username, "password": "correct-horse-battery"})
    assert "Your account" in other.get("/").get_data(as_text=True)


def test_language_switch_refuses_foreign_redirects(client):
    response = client.post("/language", data={"locale": "en", "next": "https://evil.example"})
    assert response.headers["Location"] == "/"
