"""Logging in and out, account states, open redirects, CSRF, role checks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.audit.models import AuditEvent
from tests.conftest import create_test_app


def test_login_page_is_polish_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="pl">' in page
    assert "Zaloguj się" in page


def test_pages_need_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_login_ok_then_home_shows_the_user(client, make_user, db_session):
    user = make_user("social_worker", username="anna")
    response = client.post("/login", data={"username": "Anna", "password": "correct-horse-battery"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert user.display_name in page
    assert "Pracownik socjalny" in page
    kinds = db_session.scalars(select(AuditEvent.kind).where(AuditEvent.actor_id == user.id)).all()
    assert "auth.login" in kinds


def test_wrong_password_is_refused_and_audited(client, make_user, db_session):
    user = make_user("lawyer")
    response = client.post("/login", data={"username": user.username, "password": "wrong-password-1"})
    assert response.status_code == 200
    assert "Nieprawidłowa nazwa użytkownika lub hasło." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    events = db_session.scalars(select(AuditEvent).where(AuditEvent.kind == "auth.login_failed")).all()
    assert [e.details["reason"] for e in events] == ["wrong_password"]


def test_unknown_user_gets_the_same_message(client):
    response = client.post("/login", data={"username": "nobody", "password": "whatever-123"})
    assert "Nieprawidłowa nazwa użytkownika lub hasło." in response.get_data(as_text=True)


def test_disabled_user_cannot_log_in(client, make_user, db_session):
    user = make_user("psychologist")
    user.active = False
    db_session.commit()
    response = client.post("/login", data={"username": user.username, "password": "correct-horse-battery"})
    assert response.status_code == 200
    assert "To konto jest wyłączone" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_disabling_a_user_ends_their_session(client, login, make_user, db_session):
    user = make_user("lawyer")
    login(user)
    assert client.get("/").status_code == 200
    user.active = False
    user.session_version += 1
    db_session.commit()
    assert client.get("/").status_code == 302


def test_lockout_after_repeated_failures(client, make_user):
    user = make_user("social_worker")
    for _ in range(8):
        client.post("/login", data={"username": user.username, "password": "wrong-password-1"})
    response = client.post("/login", data={"username": user.username, "password": "correct-horse-battery"})
    assert "Zbyt wiele nieudanych prób" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "target,expected",
    [
        ("/profile", "/profile"),
        ("https://evil.example/steal", "/"),
        ("//evil.example/steal", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_next_url_never_leaves_the_site(client, make_user, target, expected):
    user = make_user("social_worker")
    response = client.post(
        "/login", data={"username": user.username, "password": "correct-horse-battery", "next": target}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_logout_is_a_post_and_ends_the_session(client, login, make_user):
    login(make_user("social_worker"))
    assert client.get("/logout").status_code == 405
    response = client.post("/logout")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_csrf_token_is_required(settings, connection, make_user):
    app = create_test_app(settings, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    user = make_user("social_worker")
    refused = client.post("/login", data={"username": user.username, "password": "correct-horse-battery"})
    assert refused.status_code == 400
    assert "Formularz wygasł" in refused.get_data(as_text=True)
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    accepted = client.post(
        "/login", data={"username": user.username, "password": "correct-horse-battery", "csrf_token": token}
    )
    assert accepted.status_code == 302


@pytest.mark.parametrize(
    "role", ["social_worker", "psychologist", "lawyer", "career_counsellor", "supervisor", "process_owner"]
)
def test_admin_page_is_forbidden_to_other_roles(client, login, make_user, role):
    login(make_user(role))
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert "Nie masz dostępu do tej strony" in response.get_data(as_text=True)


def test_admin_sees_users_and_can_disable_one(client, login, make_user, db_session):
    admin = make_user("admin")
    other = make_user("lawyer")
    login(admin)
    page = client.get("/admin/users").get_data(as_text=True)
    assert other.username in page and admin.username in page
    response = client.post(f"/admin/users/{other.id}/active")
    assert response.status_code == 302
    db_session.refresh(other)
    assert other.active is False


def test_password_change_requires_the_current_one(client, login, make_user):
    user = make_user("social_worker")
    login(user)
    bad = client.post(
        "/profile",
        data={
            "current_password": "nope-nope-nope",
            "new_password": "a-new-password-1",
            "confirm": "a-new-password-1",
        },
    )
    assert "Nieprawidłowe hasło." in bad.get_data(as_text=True)
    ok = client.post(
        "/profile",
        data={
            "current_password": "correct-horse-battery",
            "new_password": "a-new-password-1",
            "confirm": "a-new-password-1",
        },
    )
    assert ok.status_code == 302
    assert client.get("/").status_code == 302  # the old session is over
    again = client.post("/login", data={"username": user.username, "password": "a-new-password-1"})
    assert again.status_code == 302


def test_screens_have_no_untranslated_english_in_polish(client, login, make_user):
    login(make_user("admin"))
    for path in ("/", "/profile", "/admin/users"):
        page = client.get(path).get_data(as_text=True)
        for english in ("Log out", "Your profile", "Office", "Users", "Change password"):
            assert f">{english}<" not in page, (path, english)


def test_translation_catalogs_are_compiled():
    root = Path(__file__).resolve().parents[2] / "web" / "translations"
    assert (root / "pl" / "LC_MESSAGES" / "messages.mo").exists(), "run: pybabel compile -d web/translations"
