"""Hostile uploads on the studio's process list: each refused with its finding, nothing deployed."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from engine.definitions.models import Deployment, ProcessDefinition
from tests import factories
from tests.conftest import create_test_app
from tests.web.test_cases_pages import library  # noqa: F401 - fixture

HOUSING = (Path(__file__).resolve().parents[2] / "processes" / "housing_subsidy.bpmn").read_bytes()
BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&lol3;</bpmn:definitions>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&secret;</bpmn:definitions>"""
AID = (Path(__file__).resolve().parents[2] / "processes" / "material_aid.bpmn").read_bytes()
IMPORTS_OS = AID.replace(b"<bpmn:script>", b"<bpmn:script>import os\n", 1)
HUGE = (
    b'<?xml version="1.0"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">'
    + (b"<!-- " + b"x" * (50 * 1024 * 1024) + b" -->")
    + b"</bpmn:definitions>"
)

pytestmark = pytest.mark.usefixtures("library")


@pytest.fixture
def owner(make_user):  # type: ignore[no-untyped-def]
    return make_user("process_owner", username="owner")


def upload(client, name: str, content: bytes):  # type: ignore[no-untyped-def]
    """POST one file; the body is built in memory (the test client would spool a big one to an unclosed file)."""
    stream, length, boundary = stream_encode_multipart(
        {"files": FileStorage(io.BytesIO(content), filename=name, name="files")}, use_tempfile=False
    )
    return client.post(
        "/studio/upload",
        input_stream=stream,
        content_length=length,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def _counts(db_session):  # type: ignore[no-untyped-def]
    return (
        db_session.scalar(select(func.count()).select_from(ProcessDefinition)),
        db_session.scalar(select(func.count()).select_from(Deployment)),
    )


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("notes.bpmn", b"this is not XML at all", "xml.not_well_formed"),
        ("bomb.bpmn", BOMB, "xml.doctype_forbidden"),
        ("external.dmn", EXTERNAL, "xml.doctype_forbidden"),
        ("material_aid.bpmn", IMPORTS_OS, "script.invalid"),
        ("huge.bpmn", HUGE, "xml.too_large"),
    ],
    ids=["not-xml", "entity-bomb", "external-entity", "imports-os", "50-mb"],
)
def test_hostile_upload_is_refused_and_changes_nothing(client, login, db_session, owner, name, content, code) -> None:  # type: ignore[no-untyped-def] # noqa: F811
    before = _counts(db_session)
    login(owner)
    response = upload(client, name, content)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'data-code="{code}"' in page
    assert "flash-error" in page
    assert _counts(db_session) == before


def test_upload_beyond_the_request_limit_gets_a_message(app, client, login, db_session, owner) -> None:  # type: ignore[no-untyped-def] # noqa: F811
    app.config["MAX_CONTENT_LENGTH"] = 100 * 1024  # small bodies stay in memory in the test client
    login(owner)
    response = upload(client, "big.bpmn", b"x" * (200 * 1024))
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "zostały odrzucone" in page
    assert 'action="/studio/upload"' not in page  # a plain error page, not the studio's list


def test_wrong_suffix_and_a_good_upload(client, login, db_session, owner) -> None:  # type: ignore[no-untyped-def] # noqa: F811
    login(owner)
    refused = upload(client, "housing.exe", HOUSING)
    assert refused.status_code == 422
    renamed = HOUSING.replace('name="Potwierdź wypłatę"'.encode(), 'name="Potwierdź wypłatę teraz"'.encode())
    response = upload(client, "housing_subsidy.bpmn", renamed)
    assert response.status_code == 303
    versions = db_session.scalars(
        select(ProcessDefinition.version).where(ProcessDefinition.process_id == "housing_subsidy")
    ).all()
    assert sorted(versions) == [1, 2]
    assert (
        db_session.scalar(select(func.count()).select_from(ProcessDefinition).where(ProcessDefinition.version == 2))
        == 1
    )


def test_body_over_the_limit_with_csrf_on_gets_a_plain_error_page(settings, connection, owner) -> None:  # type: ignore[no-untyped-def]
    app = create_test_app(settings, WTF_CSRF_ENABLED=True, MAX_CONTENT_LENGTH=100 * 1024)
    client = app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").get_data(as_text=True))
    assert token is not None
    response = client.post(
        "/login", data={"username": owner.username, "password": factories.PASSWORD, "csrf_token": token.group(1)}
    )
    assert response.status_code == 302
    response = upload(client, "big.bpmn", b"x" * (200 * 1024))
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert 'class="error-code">413<' in page and 'action="/studio/upload"' not in page


def test_a_json_body_nested_past_the_interpreters_limit_is_not_a_500(client, login, owner) -> None:  # type: ignore[no-untyped-def]
    login(owner)
    body = '{"xml": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = client.post("/studio/housing_subsidy/validate", data=body, content_type="application/json")
    assert response.status_code < 500


def test_a_refused_upload_shows_its_own_findings_not_the_librarys_warnings(
    client, login, db_session, owner, monkeypatch
) -> None:  # type: ignore[no-untyped-def] # noqa: F811
    from engine.definitions.rules import Finding, Severity
    from engine.definitions.validation import ValidationReport
    from web.studio import scope

    report = ValidationReport(
        findings=[
            Finding(Severity.ERROR, "script.invalid", "mine", "housing_subsidy.bpmn", 3, "a"),
            Finding(Severity.WARNING, "bpmn.xsd", "someone else's warning", "other.bpmn", 4, "b"),
            Finding(Severity.ERROR, "dmn.parse", "an error that blocks elsewhere", "other.dmn", 5, "c"),
        ]
    )
    limited = scope.for_files(report, ["housing_subsidy.bpmn"])
    assert [finding.message for finding in limited.findings] == ["mine", "an error that blocks elsewhere"]

    login(owner)
    response = upload(client, "material_aid.bpmn", IMPORTS_OS)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'data-code="script.invalid"' in page
    assert not re.search(r"· (?!material_aid\.bpmn)[\w/.-]+\.(bpmn|dmn)", page.split("studio-findings", 1)[1])


def test_findings_are_explained_in_polish_with_the_engine_text_as_detail(client, login, db_session, owner) -> None:  # type: ignore[no-untyped-def] # noqa: F811
    from web.studio.finding_texts import SUMMARIES

    login(owner)
    page = upload(client, "material_aid.bpmn", IMPORTS_OS).get_data(as_text=True)

    assert "Skrypt jest niedozwolony albo nie jest poprawnym kodem Python" in page
    assert "Szczegóły techniczne" in page and "import" in page  # the engine's own text, as the detail
    from engine.definitions import rules, structure, validation, xml_safety  # every code has a text

    sources = "".join(Path(module.__file__).read_text() for module in (rules, structure, validation, xml_safety))
    codes = set(re.findall(r'"([a-z_]+\.[a-z_]+)"', sources))
    missing = {code for code in codes if code.split(".")[0] not in {"users", "deployments"}} - set(SUMMARIES)
    assert not missing, missing
