"""Web fixtures: logging a test client in as a given user."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from engine.accounts.models import User
from tests import factories


@pytest.fixture
def login(client: FlaskClient) -> Callable[[User], FlaskClient]:
    def do_login(user: User, password: str = factories.PASSWORD) -> FlaskClient:
        response = client.post("/login", data={"username": user.username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return do_login


@pytest.fixture
def make_user(db_session: Session) -> Callable[..., User]:
    def build(*roles: str, office_code: str = "LUB", username: str | None = None) -> User:
        created = factories.user(db_session, *roles, office_code=office_code, username=username)
        db_session.commit()
        return created

    return build
