"""API fixtures: the test forms and fixture processes, people in two offices, tokens, a checked client."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.accounts.tokens import create_token
from engine.cases.models import Case
from engine.cases.service import BeneficiaryInput, open_case
from engine.config import Settings
from engine.definitions.models import ProcessDefinition
from engine.definitions.service import deploy
from engine.definitions.validation import SourceFile
from forms.registry import FormRegistry, use_registry
from tests import factories
from tests.conftest import create_test_app
from tests.engine.instances.conftest import FIXTURES as ENGINE_FIXTURES
from tests.engine.instances.conftest import fixture_file

API_FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def test_forms() -> Iterator[FormRegistry]:
    previous = use_registry(FormRegistry(ENGINE_FIXTURES / "forms"))
    yield
    use_registry(previous)


@pytest.fixture
def app(settings: Settings, connection: Any) -> Flask:
    return create_test_app(settings, IPD_API_CASE_PROCESS="four_eyes")


@pytest.fixture
def deploy_fixture(db_session: Session) -> Callable[..., ProcessDefinition]:
    def do_deploy(name: str, **replacements: str) -> ProcessDefinition:
        if (API_FIXTURES / name).is_file():
            source = SourceFile(name=name, content=(API_FIXTURES / name).read_bytes())
        else:
            source = fixture_file(name, **replacements)
        result = deploy(db_session, None, [source], source="test")
        db_session.commit()
        return result.definitions[0]

    return do_deploy


@pytest.fixture
def people(db_session: Session) -> dict[str, User]:
    found = {
        "sw": factories.user(db_session, "social_worker", username="sw"),
        "sw2": factories.user(db_session, "social_worker", username="sw2"),
        "psy": factories.user(db_session, "psychologist", username="psy"),
        "law": factories.user(db_session, "lawyer", username="law"),
        "sup": factories.user(db_session, "supervisor", username="sup"),
        "sup2": factories.user(db_session, "supervisor", username="sup2"),
        "owner": factories.user(db_session, "process_owner", username="owner"),
        "admin": factories.user(db_session, "admin", username="admin"),
        "law_waw": factories.user(db_session, "lawyer", office_code="WAW", username="law-waw"),
        "sup_waw": factories.user(db_session, "supervisor", office_code="WAW", username="sup-waw"),
        "sw_waw": factories.user(db_session, "social_worker", office_code="WAW", username="sw-waw"),
    }
    db_session.commit()
    return found


@pytest.fixture
def tokens(db_session: Session, people: dict[str, User]) -> dict[str, str]:
    made = {key: create_token(db_session, user, "tests").secret for key, user in people.items()}
    db_session.commit()
    return made


@pytest.fixture
def case(db_session: Session, people: dict[str, User]) -> Case:
    made = open_case(
        db_session,
        people["sw"],
        BeneficiaryInput(given_names_latin="Olena", family_name_latin="Shevchenko", citizenship="UKR"),
    )
    db_session.commit()
    return made


@pytest.fixture(scope="session")
def openapi_document() -> dict[str, Any]:
    from web.api.openapi import document

    return document()


class ApiClient:
    """Calls the API as one user and checks every answer against the OpenAPI document."""

    def __init__(self, client: FlaskClient, document: dict[str, Any], token: str | None) -> None:
        self.client = client
        self.document = document
        self.token = token
        self.registry: Registry = Registry().with_resource("urn:ipd-api", DRAFT202012.create_resource(document))

    def request(self, method: str, path: str, *, check: bool = True, **kwargs: Any) -> Any:
        headers = dict(kwargs.pop("headers", {}) or {})
        if self.token is not None and "Authorization" not in headers:
            headers["Authorization"] = f"Bearer {self.token}"
        response = self.client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)
        if check:
            self.check(method, path, response)
        return response

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.request("POST", path, **kwargs)

    def operation(self, method: str, path: str) -> tuple[str, dict[str, Any]] | None:
        bare = path.split("?", 1)[0]
        for template, item in self.document["paths"].items():
            parts, wanted = template.strip("/").split("/"), bare.strip("/").split("/")
            if len(parts) == len(wanted) and all(
                p == w or (p.startswith("{") and p.endswith("}")) for p, w in zip(parts, wanted, strict=True)
            ):
                found = item.get(method.lower())
                return (template, found) if found else None
        return None

    def check(self, method: str, path: str, response: Any) -> None:
        """The status is documented for the operation and the body matches its schema."""
        if response.status_code >= 400:
            assert response.mimetype == "application/problem+json", response.get_data(as_text=True)
        found = self.operation(method, path)
        if found is None:  # an unknown URL: only the problem format applies
            assert response.status_code in (404, 405), response.status_code
            return
        template, operation = found
        answer = operation["responses"].get(str(response.status_code))
        assert answer is not None, f"{method} {path}: undocumented status {response.status_code}"
        content = answer.get("content")
        if not content:
            return
        (media, spec), *_ = content.items()
        assert response.mimetype == media, (response.mimetype, media)
        pointer = "/".join(
            _escape(part)
            for part in (
                "",
                "paths",
                template,
                method.lower(),
                "responses",
                str(response.status_code),
                "content",
                media,
            )
        )
        schema = {"$ref": f"urn:ipd-api#{pointer}/schema"}
        validator = Draft202012Validator(schema, registry=self.registry)
        errors = list(validator.iter_errors(response.get_json()))
        assert not errors, f"{method} {path} {response.status_code}: {errors[0].message} at {list(errors[0].path)}"


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


@pytest.fixture
def api(client: FlaskClient, openapi_document: dict[str, Any], tokens: dict[str, str]) -> Callable[..., ApiClient]:
    def as_user(who: str | None) -> ApiClient:
        return ApiClient(client, openapi_document, tokens[who] if who else None)

    return as_user


@pytest.fixture
def frozen_later() -> Callable[[Any], Any]:
    """Move the clock forward by a timedelta inside a ``with`` block."""
    from datetime import UTC, datetime

    from engine import clock

    def later(delta: Any) -> Any:
        return clock.frozen_clock(datetime.now(UTC) + delta)

    return later
