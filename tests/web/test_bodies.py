"""Request bodies: limited per route before they are read, the role check first, a plain 413 page."""

from __future__ import annotations

import io

import pytest

from engine.accounts.tokens import create_token


class CountingStream(io.RawIOBase):
    """A body of ``size`` bytes that are made up only when read, counting how many were."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.position = 0
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        self.position = {0: offset, 1: self.position + offset, 2: self.size + offset}[whence]
        return self.position

    def tell(self) -> int:
        return self.position

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def,override]
        count = max(0, min(len(buffer), self.size - self.position))
        buffer[:count] = b"x" * count
        self.position += count
        self.read_bytes += count
        return count


def post_huge(client, path: str, length: int, content_type: str, **kwargs):  # type: ignore[no-untyped-def]
    stream = CountingStream(length)
    response = client.post(path, input_stream=stream, content_type=content_type, **kwargs)
    return response, stream


MB = 1024 * 1024


def test_a_strangers_huge_upload_is_refused_unread_and_shows_no_studio(client):
    response, stream = post_huge(client, "/studio/upload", 61 * MB, "multipart/form-data; boundary=x")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert stream.read_bytes == 0
    assert 'action="/studio/upload"' not in response.get_data(as_text=True)


def test_an_upload_by_someone_without_the_role_is_refused_before_it_is_read(client, login, make_user):
    login(make_user("social_worker"))
    response, stream = post_huge(client, "/studio/upload", 10 * MB, "multipart/form-data; boundary=x")
    assert response.status_code == 403
    assert stream.read_bytes == 0


def test_an_anonymous_upload_goes_to_the_login_page_unread(client):
    response, stream = post_huge(client, "/studio/upload", 10 * MB, "multipart/form-data; boundary=x")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert stream.read_bytes == 0


def test_an_ordinary_form_takes_a_small_body_only(client, login, make_user):
    login(make_user("social_worker"))
    response, stream = post_huge(client, "/profile", 2 * MB, "application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert stream.read_bytes == 0
    assert 'class="error-code">413<' in response.get_data(as_text=True)


@pytest.mark.parametrize("size", [50 * MB, 200 * MB])
def test_the_api_refuses_big_json_bodies_before_reading_them(app, client, make_user, db_session, size):
    user = make_user("social_worker")
    secret = create_token(db_session, user, "tests").secret
    db_session.commit()
    response, stream = post_huge(
        client, "/api/v1/cases", size, "application/json", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert stream.read_bytes == 0


def test_the_api_deploy_checks_the_role_before_reading_the_upload(app, client, make_user, db_session):
    user = make_user("social_worker")
    secret = create_token(db_session, user, "tests").secret
    db_session.commit()
    response, stream = post_huge(
        client,
        "/api/v1/process-definitions",
        5 * MB,
        "multipart/form-data; boundary=x",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 403
    assert stream.read_bytes == 0
