"""Rate limits live where every web process sees them: Redis when the broker is Redis."""

from __future__ import annotations

import os
import uuid
from dataclasses import replace

import pytest

from engine.accounts.tokens import create_token
from tests import factories
from tests.conftest import create_test_app
from web.throttle import storage_uri

REDIS_URL = os.environ.get("IPD_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


def redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def test_the_storage_follows_the_broker(settings):
    assert storage_uri(settings) == "memory://"  # embedded and test brokers: this process's memory
    assert storage_uri(replace(settings, broker_url="redis://redis:6379/0")) == "redis://redis:6379/0"
    chosen = replace(settings, broker_url="redis://redis:6379/0", ratelimit_storage_url="redis://other:6379/2")
    assert storage_uri(chosen) == "redis://other:6379/2"


def test_failed_logins_counted_by_one_web_process_hold_in_another(settings, connection, make_user):
    if not redis_answers(REDIS_URL):
        pytest.skip(f"Redis does not answer at {REDIS_URL}")
    shared = replace(settings, broker_url=REDIS_URL)
    prefix = f"ipd-test-{uuid.uuid4().hex}"  # this test's own keys in the shared Redis
    first, second = (create_test_app(shared, RATELIMIT_KEY_PREFIX=prefix) for _ in range(2))
    user = make_user("social_worker")
    address = {"REMOTE_ADDR": "10.5.5.5"}
    for _ in range(5):
        first.test_client().post(
            "/login", data={"username": user.username, "password": "wrong-password-1"}, environ_base=address
        )
    refused = second.test_client().post(
        "/login", data={"username": user.username, "password": factories.PASSWORD}, environ_base=address
    )
    assert refused.status_code == 429


def test_api_requests_are_limited_per_token(app, client, make_user, db_session):
    app.config["IPD_API_RATE_LIMIT"] = "3 per minute"
    user, other = make_user("social_worker"), make_user("social_worker")
    mine = {"Authorization": f"Bearer {create_token(db_session, user, 'tests').secret}"}
    theirs = {"Authorization": f"Bearer {create_token(db_session, other, 'tests').secret}"}
    db_session.commit()
    answers = [client.get("/api/v1/tasks", headers=mine).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    assert client.get("/api/v1/tasks", headers=theirs).status_code == 200  # another token, same address


def test_bad_tokens_from_one_client_behind_the_proxy_do_not_block_the_others(
    settings, connection, make_user, db_session
):
    app = create_test_app(replace(settings, trusted_proxies=1), IPD_API_MAX_AUTH_FAILURES=3)
    user = make_user("social_worker")
    good = f"Bearer {create_token(db_session, user, 'tests').secret}"
    db_session.commit()
    proxy = {"REMOTE_ADDR": "192.168.0.10"}
    client = app.test_client()
    for _ in range(3):
        client.get(
            "/api/v1/tasks",
            headers={"Authorization": "Bearer wrong", "X-Forwarded-For": "203.0.113.66"},
            environ_base=proxy,
        )
    guesser = client.get(
        "/api/v1/tasks", headers={"Authorization": good, "X-Forwarded-For": "203.0.113.66"}, environ_base=proxy
    )
    assert guesser.status_code == 429
    colleague = client.get(
        "/api/v1/tasks", headers={"Authorization": good, "X-Forwarded-For": "203.0.113.67"}, environ_base=proxy
    )
    assert colleague.status_code == 200


def test_logins_still_work_while_the_limit_storage_is_down(settings, connection, make_user):
    app = create_test_app(replace(settings, broker_url="redis://127.0.0.1:1/0"))  # nothing listens there
    user = make_user("social_worker")
    client = app.test_client()
    wrong = client.post("/login", data={"username": user.username, "password": "wrong-password-1"})
    assert wrong.status_code == 200
    assert client.post("/login", data={"username": user.username, "password": factories.PASSWORD}).status_code == 302
