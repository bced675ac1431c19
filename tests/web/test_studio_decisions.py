"""Decision tables in the studio: the editor page, Validate with located findings, Deploy gives new versions."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from engine.definitions.models import ProcessDefinition
from tests.web.test_cases_pages import library  # noqa: F401 - fixture

NAME = "decisions/legal_status_rights.dmn"
TABLE = (Path(__file__).resolve().parents[2] / "processes" / NAME).read_text(encoding="utf-8")

pytestmark = pytest.mark.usefixtures("library")


@pytest.fixture
def owner(make_user):  # type: ignore[no-untyped-def]
    return make_user("process_owner", username="owner")


def test_list_links_the_tables_and_the_editor_loads_them(client, login, owner) -> None:  # type: ignore[no-untyped-def]
    login(owner)
    page = client.get("/studio").get_data(as_text=True)
    assert f'data-decision="{NAME}"' in page and f'href="/studio/decisions/{NAME}/edit"' in page
    response = client.get(f"/studio/decisions/{NAME}/edit")
    assert "dmn-modeler.production.min.js" in response.get_data(as_text=True)
    # Only the DMN editor lets dmn-js draw its watermark with inline styles; scripts stay 'self' everywhere.
    assert "style-src 'self' 'unsafe-inline'" in response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in client.get("/studio").headers["Content-Security-Policy"]
    assert client.get(f"/studio/decisions/{NAME}/xml").data == TABLE.encode()
    assert client.get("/studio/decisions/housing_subsidy.bpmn/edit").status_code == 404
    assert client.get("/studio/decisions/decisions/nothing.dmn/xml").status_code == 404


def test_social_workers_are_refused(client, login, make_user) -> None:  # type: ignore[no-untyped-def]
    login(make_user("social_worker", username="sw"))
    assert client.get(f"/studio/decisions/{NAME}/edit").status_code == 403
    assert client.post(f"/studio/decisions/{NAME}/deploy", json={"xml": TABLE}).status_code == 403


def test_validate_and_deploy_a_changed_table(client, login, db_session, owner) -> None:  # type: ignore[no-untyped-def]
    login(owner)
    # (The validator does not yet run DMN cells through the sandbox's static check, so the broken table here is
    # broken XML; see the studio report.)
    hostile = TABLE.replace("</definitions>", "")
    report = client.post(f"/studio/decisions/{NAME}/validate", json={"xml": hostile}).get_json()
    assert report["ok"] is False and report["file"] == NAME
    assert any(f["file"] == NAME and f["code"] == "xml.not_well_formed" for f in report["findings"])
    refused = client.post(f"/studio/decisions/{NAME}/deploy", json={"xml": hostile})
    assert refused.status_code == 422
    changed = TABLE.replace("<text>legal_status</text>", "<text>str(legal_status)</text>", 1)
    body = client.post(f"/studio/decisions/{NAME}/deploy", json={"xml": changed}).get_json()
    assert body["deployed"] is True
    assert {"process_id": "intake", "version": 2} in body["new_versions"]
    versions = db_session.scalars(
        select(ProcessDefinition.version).where(ProcessDefinition.process_id == "intake")
    ).all()
    assert sorted(versions) == [1, 2]
