"""Two-factor sign-in through the web: the second step, enrolment forced by the role, recovery codes, admins."""

from __future__ import annotations

import re
import time
from dataclasses import replace

import pyotp
import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.accounts.two_factor import begin_enrolment, confirm_enrolment, is_enrolled, set_role_requirement
from tests import factories
from tests.conftest import create_test_app


def _password(client: FlaskClient, user: User, follow: bool = False):
    return client.post(
        "/login", data={"username": user.username, "password": factories.PASSWORD}, follow_redirects=follow
    )


def _enrol(session: Session, user: User) -> tuple[str, list[str]]:
    secret = begin_enrolment(session, user).secret
    codes = confirm_enrolment(session, user, pyotp.TOTP(secret).now())
    session.commit()
    return secret, codes


def _signed_in(client: FlaskClient) -> bool:
    return client.get("/").status_code == 200


def _fresh_code(secret: str) -> str:
    # A code of the next time step: never the one enrolment already used (a code is accepted once).
    return pyotp.TOTP(secret).at(time.time() + 30)


def test_without_a_second_factor_nothing_changes(client, make_user):
    user = make_user("career_counsellor")
    response = _password(client, user)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert _signed_in(client)


def test_an_enrolled_user_types_a_code_after_the_password(client, make_user, db_session):
    user = make_user("lawyer")
    secret, _ = _enrol(db_session, user)
    response = _password(client, user)
    assert response.headers["Location"] == "/login/code"
    assert not _signed_in(client)  # the password alone opens nothing
    assert client.get("/login/code").status_code == 200
    wrong = client.post("/login/code", data={"code": "000000" if _fresh_code(secret) != "000000" else "111111"})
    assert wrong.status_code == 200 and 'id="code-error"' in wrong.get_data(as_text=True)
    assert not _signed_in(client)
    right = client.post("/login/code", data={"code": _fresh_code(secret)})
    assert right.status_code == 302 and right.headers["Location"] == "/"
    assert _signed_in(client)


def test_the_code_step_keeps_where_the_login_was_going(client, make_user, db_session):
    user = make_user("lawyer")
    secret, _ = _enrol(db_session, user)
    client.post("/login", data={"username": user.username, "password": factories.PASSWORD, "next": "/cases"})
    assert client.post("/login/code", data={"code": _fresh_code(secret)}).headers["Location"] == "/cases"


def test_a_recovery_code_signs_in_once(client, make_user, db_session):
    user = make_user("lawyer")
    _, codes = _enrol(db_session, user)
    _password(client, user)
    assert client.post("/login/code", data={"code": codes[0]}).status_code == 302
    assert _signed_in(client)
    client.post("/logout")
    _password(client, user)
    again = client.post("/login/code", data={"code": codes[0]})
    assert again.status_code == 200 and not _signed_in(client)


def test_wrong_codes_are_throttled(client, make_user, db_session):
    user = make_user("lawyer")
    secret, _ = _enrol(db_session, user)
    _password(client, user)
    right = _fresh_code(secret)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(5):
        assert client.post("/login/code", data={"code": wrong}).status_code == 200
    refused = client.post("/login/code", data={"code": right})
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert not _signed_in(client)


def test_the_code_step_without_a_password_goes_back_to_login(client):
    response = client.get("/login/code")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/login/enrol").headers["Location"] == "/login"


def test_a_role_that_requires_it_is_led_through_enrolment_first(client, make_user, db_session):
    admin = make_user("admin")
    set_role_requirement(db_session, admin, "psychologist", True)
    db_session.commit()
    user = make_user("psychologist")
    assert _password(client, user).headers["Location"] == "/login/enrol"
    for page in ("/", "/cases", "/profile", "/login/code"):
        assert client.get(page).status_code == 302  # nothing else until enrolled
    page = client.get("/login/enrol").get_data(as_text=True)
    assert "<svg" in page
    secret = re.search(r'<code id="two-factor-secret">([A-Z2-7]+)</code>', page)
    assert secret is not None
    wrong = client.post("/login/enrol", data={"code": "12345x"})
    assert 'id="code-error"' in wrong.get_data(as_text=True) and not is_enrolled(db_session, user)
    done = client.post("/login/enrol", data={"code": pyotp.TOTP(secret.group(1)).now()})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>", done.get_data(as_text=True))
    assert len(codes) == 10
    assert is_enrolled(db_session, user) and _signed_in(client)


def test_the_default_requirement_comes_from_the_settings(settings, connection, db_session):
    app = create_test_app(replace(settings, two_factor_roles=frozenset({"social_worker"})))
    client = app.test_client()
    worker = factories.user(db_session, "social_worker")
    counsellor = factories.user(db_session, "career_counsellor")
    db_session.commit()
    assert _password(client, worker).headers["Location"] == "/login/enrol"
    client = app.test_client()
    assert _password(client, counsellor).headers["Location"] == "/"


def test_enrolment_from_the_profile(client, login, make_user, db_session):
    user = make_user("career_counsellor")
    login(user)
    assert "/profile/two-factor" in client.get("/profile").get_data(as_text=True)
    page = client.get("/profile/two-factor").get_data(as_text=True)
    secret = re.search(r'<code id="two-factor-secret">([A-Z2-7]+)</code>', page)
    assert secret is not None
    done = client.post("/profile/two-factor", data={"code": pyotp.TOTP(secret.group(1)).now()})
    assert len(re.findall(r"<li><code>", done.get_data(as_text=True))) == 10
    status = client.get("/profile/two-factor").get_data(as_text=True)
    assert "<svg" not in status and "10" in status
    client.post("/logout")
    assert _password(client, user).headers["Location"] == "/login/code"


def test_administrators_set_roles_and_reset_users(client, login, make_user, db_session):
    admin = make_user("admin")
    lawyer = make_user("lawyer")
    waw = make_user("lawyer", office_code="WAW")
    _enrol(db_session, lawyer)
    _enrol(db_session, waw)
    login(admin)
    page = client.get("/security").get_data(as_text=True)
    assert lawyer.username in page and waw.username not in page
    assert client.post("/security/roles", data={"required": ["lawyer", "psychologist"]}).status_code == 302
    from engine.accounts.two_factor import role_requirements

    required = role_requirements(db_session, frozenset())
    assert [role for role, on in required.items() if on] == ["psychologist", "lawyer"]
    assert client.post(f"/security/users/{waw.id}/reset").status_code == 404
    assert client.post(f"/security/users/{lawyer.id}/reset").status_code == 302
    db_session.expire_all()
    assert not is_enrolled(db_session, lawyer) and is_enrolled(db_session, waw)


@pytest.mark.parametrize("role", ["supervisor", "lawyer", "social_worker"])
def test_only_administrators_reach_the_security_page(client, login, make_user, role):
    login(make_user(role))
    assert client.get("/security").status_code == 403
    assert client.post("/security/roles", data={}).status_code == 403


def test_demo_logins_work_with_the_password_alone_and_say_so(settings, connection, db_session):
    from engine.config import TWO_FACTOR_DEFAULT_ROLES

    app = create_test_app(replace(settings, two_factor_roles=TWO_FACTOR_DEFAULT_ROLES))
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "Two-factor sign-in is not required of any role in this demo" in result.output
    found = re.search(r"^\s+psychologist\.lub\s+LUB\s+psychologist\s+(\S+)$", result.output, re.MULTILINE)
    assert found is not None
    client = app.test_client()
    response = client.post("/login", data={"username": "psychologist.lub", "password": found.group(1)})
    assert response.headers["Location"] == "/"
    again = app.test_cli_runner().invoke(args=["demo"])
    assert "Two-factor sign-in is not required" not in again.output  # nothing left to relax


def test_a_session_opened_before_the_requirement_must_enrol_before_anything_else(client, login, make_user, db_session):
    admin = make_user("admin")
    user = make_user("lawyer")
    login(user)
    assert _signed_in(client)
    set_role_requirement(db_session, admin, "lawyer", True)
    db_session.commit()
    for page in ("/", "/cases", "/profile", "/rights"):
        response = client.get(page)
        assert response.status_code == 302 and response.headers["Location"] == "/profile/two-factor"
    page = client.get("/profile/two-factor").get_data(as_text=True)
    secret = re.search(r'<code id="two-factor-secret">([A-Z2-7]+)</code>', page)
    assert secret is not None
    client.post("/profile/two-factor", data={"code": pyotp.TOTP(secret.group(1)).now()})
    assert _signed_in(client)
