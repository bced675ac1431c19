"""Logging in and out, account states, open redirects, CSRF, role checks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.audit.models import AuditEvent
from tests import factories
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


def _fail(client, username, times=1, address="10.0.0.1"):
    for _ in range(times):
        response = client.post(
            "/login",
            data={"username": username, "password": "wrong-password-1"},
            environ_base={"REMOTE_ADDR": address},
        )
    return response


def _login(client, username, address, password=factories.PASSWORD):
    return client.post(
        "/login", data={"username": username, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def test_repeated_failures_throttle_this_client_for_this_account(client, make_user):
    user = make_user("social_worker")
    _fail(client, user.username, 5)
    response = _login(client, user.username, "10.0.0.1")
    assert response.status_code == 429
    assert "Zbyt wiele nieudanych prób" in response.get_data(as_text=True)
    assert 1 <= int(response.headers["Retry-After"]) <= 15 * 60


def test_a_throttled_client_does_not_lock_out_another_client_or_account(app, make_user):
    victim, colleague = make_user("social_worker"), make_user("lawyer")
    stranger = app.test_client()
    _fail(stranger, victim.username, 5, address="10.6.6.6")
    assert _login(stranger, victim.username, "10.6.6.6").status_code == 429
    # The stranger's own failures never keep the account's owner out, nor the stranger from another account.
    assert _login(app.test_client(), victim.username, "10.1.1.1").status_code == 302
    assert _login(stranger, colleague.username, "10.6.6.6").status_code == 302


def test_a_client_guessing_many_accounts_is_throttled_alone(app, make_user):
    user = make_user("social_worker")
    guesser = app.test_client()
    for n in range(10):
        _fail(guesser, f"someone-{n}", address="10.6.6.7")
    assert _login(guesser, user.username, "10.6.6.7").status_code == 429
    assert _login(app.test_client(), user.username, "10.1.1.2").status_code == 302


def test_many_clients_guessing_one_account_do_not_lock_out_its_owner(app, make_user):
    victim = make_user("social_worker")
    for n in range(30):
        _fail(app.test_client(), victim.username, address=f"10.9.0.{n}")
    # Under a spread-out attack each guessing client has had its try; a client with a clean record gets in.
    assert _login(app.test_client(), victim.username, "10.9.0.3").status_code == 429
    assert _login(app.test_client(), victim.username, "10.1.1.3").status_code == 302


def test_throttling_does_not_tell_which_accounts_exist(app, make_user):
    user = make_user("social_worker")
    answers = []
    for username, address in ((user.username, "10.7.0.1"), ("nobody-at-all", "10.7.0.2")):
        client = app.test_client()
        _fail(client, username, 5, address=address)
        answers.append(_fail(client, username, address=address))
    known, unknown = answers
    assert known.status_code == unknown.status_code == 429
    message = re.compile(r'<div class="flash flash-error"[^>]*>([^<]*)</div>')
    assert message.findall(known.get_data(as_text=True)) == message.findall(unknown.get_data(as_text=True))


def test_clients_behind_the_trusted_proxy_are_told_apart(settings, connection, make_user):
    from dataclasses import replace

    app = create_test_app(replace(settings, trusted_proxies=1))
    user = make_user("social_worker")
    proxy = {"REMOTE_ADDR": "192.168.0.10"}
    for _ in range(5):
        app.test_client().post(
            "/login",
            data={"username": user.username, "password": "wrong-password-1"},
            headers={"X-Forwarded-For": "203.0.113.5"},
            environ_base=proxy,
        )
    blocked = app.test_client().post(
        "/login",
        data={"username": user.username, "password": "correct-horse-battery"},
        headers={"X-Forwarded-For": "203.0.113.5"},
        environ_base=proxy,
    )
    assert blocked.status_code == 429
    other = app.test_client().post(
        "/login",
        data={"username": user.username, "password": "correct-horse-battery"},
        headers={"X-Forwarded-For": "203.0.113.99"},
        environ_base=proxy,
    )
    assert other.status_code == 302


def test_forwarded_addresses_are_ignored_without_a_trusted_proxy(app, make_user):
    user = make_user("social_worker")
    for n in range(5):  # a guesser cannot escape the limit by inventing X-Forwarded-For
        app.test_client().post(
            "/login",
            data={"username": user.username, "password": "wrong-password-1"},
            headers={"X-Forwarded-For": f"203.0.113.{n}"},
            environ_base={"REMOTE_ADDR": "10.8.0.1"},
        )
    assert _login(app.test_client(), user.username, "10.8.0.1").status_code == 429


def test_a_session_cookie_copied_before_logout_opens_nothing_afterwards(app, client, login, make_user):
    login(make_user("social_worker"))
    copied = client.get_cookie("ipd_session").value
    thief = app.test_client()
    thief.set_cookie("ipd_session", copied)
    assert thief.get("/").status_code == 200
    assert client.post("/logout").status_code == 302
    assert thief.get("/").status_code == 302
    assert thief.get("/cases").status_code == 302


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


@pytest.mark.parametrize(
    "weak,reason",
    [
        ("aaaaaaaaaaaa", "Zbyt łatwe do odgadnięcia: powtórzone znaki"),
        ("123456789012", "Zbyt łatwe do odgadnięcia: to popularne hasło"),
        ("password1234", "Zbyt łatwe do odgadnięcia: to popularne hasło"),
        ("password12", "Użyj co najmniej 12 znaków."),
    ],
)
def test_a_weak_new_password_is_refused_with_a_reason(client, login, make_user, weak, reason):
    login(make_user("social_worker"))
    response = client.post(
        "/profile", data={"current_password": "correct-horse-battery", "new_password": weak, "confirm": weak}
    )
    assert response.status_code == 200
    assert reason in response.get_data(as_text=True)
    assert client.get("/").status_code == 200  # nothing changed, the session goes on


def test_wrong_current_passwords_on_the_profile_are_throttled(client, login, make_user):
    login(make_user("social_worker"))
    form = {"new_password": "a-new-password-1", "confirm": "a-new-password-1"}
    for _ in range(5):
        wrong = client.post("/profile", data={**form, "current_password": "nope-nope-nope"})
        assert wrong.status_code == 200
    refused = client.post("/profile", data={**form, "current_password": "correct-horse-battery"})
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert "Zbyt wiele nieudanych prób" in refused.get_data(as_text=True)


def test_screens_have_no_untranslated_english_in_polish(client, login, make_user):
    login(make_user("admin"))
    for path in ("/", "/profile", "/admin/users"):
        page = client.get(path).get_data(as_text=True)
        for english in ("Log out", "Your profile", "Office", "Users", "Change password"):
            assert f">{english}<" not in page, (path, english)


def test_translation_catalogs_are_compiled():
    root = Path(__file__).resolve().parents[2] / "web" / "translations"
    assert (root / "pl" / "LC_MESSAGES" / "messages.mo").exists(), "run: pybabel compile -d web/translations"
