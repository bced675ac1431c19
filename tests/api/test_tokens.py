"""Personal API tokens: stored hashed, revocable, expiring; bearer only; failures rate-limited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.accounts.tokens import ApiToken, authenticate_token, create_token, revoke_token
from engine.clock import utcnow
from engine.errors import Forbidden, InvalidInput, NotFound
from tests import factories


def test_the_secret_is_returned_once_and_stored_hashed(db_session, people):
    created = create_token(db_session, people["sw"], "partner system")
    row = db_session.get(ApiToken, created.token.id)
    assert created.secret.startswith("ipd_") and created.secret not in (row.token_hash, row.prefix)
    assert created.secret[4:12] == row.prefix and row.display.startswith("ipd_")
    assert authenticate_token(db_session, created.secret).id == people["sw"].id
    assert row.last_used_at is not None


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_a_token_needs_a_name(db_session, people, name):
    with pytest.raises(InvalidInput) as error:
        create_token(db_session, people["sw"], name)
    assert "name" in error.value.fields


def test_only_admins_create_tokens_for_others(db_session, people):
    with pytest.raises(Forbidden):
        create_token(db_session, people["sup"], "x", owner=people["sw"])
    assert create_token(db_session, people["admin"], "x", owner=people["sw"]).token.user_id == people["sw"].id


def test_revoked_expired_and_garbage_tokens_do_not_authenticate(db_session, people):
    revoked = create_token(db_session, people["sw"], "old")
    revoke_token(db_session, people["sw"], revoked.token.id)
    expiring = create_token(db_session, people["sw"], "short", expires_at=utcnow() + timedelta(minutes=1))
    expiring.token.expires_at = utcnow() - timedelta(seconds=1)
    for secret in (revoked.secret, expiring.secret, "ipd_" + "A" * 43, "nonsense", "", revoked.secret[:-1] + "x"):
        with pytest.raises(Forbidden):
            authenticate_token(db_session, secret)


def test_tokens_of_disabled_users_stop_working(db_session, people):
    created = create_token(db_session, people["sw"], "t")
    people["sw"].active = False
    with pytest.raises(Forbidden):
        authenticate_token(db_session, created.secret)


def test_only_the_owner_or_an_admin_revokes(db_session, people):
    created = create_token(db_session, people["sw"], "t")
    with pytest.raises(NotFound):
        revoke_token(db_session, people["sw2"], created.token.id)
    revoke_token(db_session, people["admin"], created.token.id)
    assert created.token.revoked_at is not None


# -- over HTTP --


def test_requests_without_a_valid_token_get_401(api, tokens, db_session, people):
    anonymous = api(None)
    for headers in (
        {},
        {"Authorization": "Basic c3c6cGFzcw=="},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer garbage"},
        {"Authorization": "Bearer ipd_" + "x" * 43},
    ):
        response = anonymous.get("/cases", headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert "Set-Cookie" not in response.headers
    revoke_token(db_session, people["sw"], db_session.scalars(select(ApiToken.id)).first())
    db_session.commit()
    assert api("sw").get("/cases").status_code == 401


def test_an_expired_token_gets_401(api, tokens, db_session, people):
    row = db_session.scalar(select(ApiToken).where(ApiToken.user_id == people["psy"].id))
    row.expires_at = utcnow() - timedelta(seconds=1)
    db_session.commit()
    assert api("psy").get("/tasks").status_code == 401


def test_a_login_session_gives_no_access_to_the_api(client, api, people):
    response = client.post("/login", data={"username": "sw", "password": factories.PASSWORD})
    assert response.status_code == 302
    answer = api(None).get("/tasks")
    assert answer.status_code == 401
    assert "Set-Cookie" not in answer.headers
    assert client.get("/").status_code == 200  # the browser session itself still works


def test_a_valid_token_is_not_set_as_a_cookie(api):
    response = api("sw").get("/tasks")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_failed_authentication_is_rate_limited_per_address(app, api, tokens):
    app.config.update(IPD_API_MAX_AUTH_FAILURES=3, IPD_API_AUTH_WINDOW_SECONDS=60)
    anonymous = api(None)
    for _ in range(3):
        assert anonymous.get("/tasks", headers={"Authorization": "Bearer wrong"}).status_code == 401
    blocked = anonymous.get("/tasks", headers={"Authorization": "Bearer wrong"})
    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["Retry-After"]) <= 60
    assert blocked.get_json()["type"] == "urn:ipd:problem:rate-limited"
    # The address stays blocked for the window, even with a good token.
    assert api("sw").get("/tasks").status_code == 429
    # Another address is not affected.
    other = api("sw").get("/tasks", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 200


def test_failed_authentication_is_rate_limited_per_token_prefix(app, api, tokens):
    app.config.update(IPD_API_MAX_AUTH_FAILURES=2, IPD_API_AUTH_WINDOW_SECONDS=60)
    guessed = tokens["sw"][:-4] + "AAAA"
    for address in ("10.0.0.1", "10.0.0.2"):
        response = api(None).get(
            "/tasks", headers={"Authorization": f"Bearer {guessed}"}, environ_base={"REMOTE_ADDR": address}
        )
        assert response.status_code == 401
    third = api(None).get(
        "/tasks", headers={"Authorization": f"Bearer {guessed}"}, environ_base={"REMOTE_ADDR": "10.0.0.3"}
    )
    assert third.status_code == 429 and "Retry-After" in third.headers


def test_missing_credentials_are_not_counted_as_guesses(app, api, tokens):
    app.config.update(IPD_API_MAX_AUTH_FAILURES=2)
    for _ in range(5):
        assert api(None).get("/tasks").status_code == 401
    assert api("sw").get("/tasks").status_code == 200


# -- the command line --


def test_cli_creates_and_revokes_tokens(app, db_session, people):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tokens", "create", "SW", "--name", "nightly export", "--days", "30"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip().splitlines()[-1]
    user = authenticate_token(db_session, secret)
    assert user.username == "sw"
    row = db_session.scalar(select(ApiToken).where(ApiToken.name == "nightly export"))
    assert row.expires_at is not None
    result = runner.invoke(args=["tokens", "revoke", str(row.id)])
    assert result.exit_code == 0, result.output
    db_session.expire_all()
    with pytest.raises(Forbidden):
        authenticate_token(db_session, secret)
    assert runner.invoke(args=["tokens", "create", "nobody", "--name", "x"]).exit_code != 0
    assert runner.invoke(args=["tokens", "revoke", "999999"]).exit_code != 0


# -- the profile page --


def _login(client, username):
    response = client.post("/login", data={"username": username, "password": factories.PASSWORD})
    assert response.status_code == 302


def test_profile_creates_shows_once_lists_and_revokes(client, db_session, people):
    _login(client, "psy")
    page = client.get("/profile").get_data(as_text=True)
    assert 'id="api-tokens"' in page
    response = client.post("/profile/tokens", data={"name": "my script", "expires": "30"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    row = db_session.scalar(select(ApiToken).where(ApiToken.user_id == people["psy"].id))
    secret = html.split('id="new-api-token">', 1)[1].split("<", 1)[0]
    assert secret.startswith("ipd_") and authenticate_token(db_session, secret).id == people["psy"].id
    again = client.get("/profile").get_data(as_text=True)
    assert "my script" in again and secret not in again and row.prefix in again
    response = client.post(f"/profile/tokens/{row.id}/revoke")
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(ApiToken, row.id).revoked_at is not None


def test_profile_rejects_a_nameless_token_and_foreign_revocation(client, db_session, people):
    foreign = create_token(db_session, people["sw"], "not yours")
    db_session.commit()
    _login(client, "psy")
    assert client.post("/profile/tokens", data={"name": "", "expires": "30"}).status_code == 422
    assert client.post("/profile/tokens", data={"name": "x", "expires": "7"}).status_code == 422
    client.post(f"/profile/tokens/{foreign.token.id}/revoke")
    db_session.expire_all()
    assert db_session.get(ApiToken, foreign.token.id).revoked_at is None


def test_profile_token_forms_need_login(client):
    assert client.post("/profile/tokens", data={"name": "x"}).status_code == 302


def test_hostile_authorization_headers_are_401_not_errors(api, tokens):
    for value in ("Bearer ipd_\u0000" + "a" * 42, "Bearer ipd_" + "ä" * 43, "Bearer " + "x" * 10_000, "Bearer  ipd_"):
        assert api(None).get("/tasks", headers={"Authorization": value}).status_code == 401, value[:20]
