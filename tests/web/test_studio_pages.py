"""The process owners' studio: roles, versions, validate, deploy, diff, migration and form previews."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from engine.audit.models import AuditEvent
from engine.cases.service import BeneficiaryInput, open_case
from engine.definitions.models import ProcessDefinition
from engine.instances.models import ProcessInstance
from engine.instances.service import start_instance
from tests.web.test_cases_pages import library, staff  # noqa: F401 - fixtures

LIBRARY = Path(__file__).resolve().parents[2] / "processes"
HOUSING = (LIBRARY / "housing_subsidy.bpmn").read_text(encoding="utf-8")
RENAMED = HOUSING.replace('name="Potwierdź wypłatę"', 'name="Potwierdź wypłatę miesięczną"')

pytestmark = pytest.mark.usefixtures("library")


@pytest.fixture
def owner(make_user):  # type: ignore[no-untyped-def]
    return make_user("process_owner", username="owner")


def _start_housing(db_session, staff):  # type: ignore[no-untyped-def] # noqa: F811
    case = open_case(db_session, staff["sw"], BeneficiaryInput("Nadia", "Rahimi"))
    instance = start_instance(db_session, staff["sw"], "housing_subsidy", case=case).instance
    db_session.commit()
    return instance


def _version(db_session, process_id: str, version: int) -> ProcessDefinition:  # type: ignore[no-untyped-def]
    return db_session.scalar(
        select(ProcessDefinition).where(
            ProcessDefinition.process_id == process_id, ProcessDefinition.version == version
        )
    )


def test_only_process_owners_and_admins_enter(client, login, staff, owner) -> None:  # type: ignore[no-untyped-def] # noqa: F811
    login(staff["sw"])
    for url in (
        "/studio",
        "/studio/housing_subsidy/v/1",
        "/studio/housing_subsidy/edit",
        "/studio/forms/preview?key=ipd/plan",
    ):
        assert client.get(url).status_code == 403, url
    assert client.post("/studio/housing_subsidy/deploy", json={"xml": HOUSING}).status_code == 403
    client.post("/logout")
    login(staff["admin"])
    assert client.get("/studio").status_code == 200
    client.post("/logout")
    login(owner)
    page = client.get("/studio").get_data(as_text=True)
    assert 'href="/studio"' in page  # the nav link


def test_list_shows_versions_with_running_instances(client, login, db_session, staff, owner) -> None:  # type: ignore[no-untyped-def] # noqa: F811
    _start_housing(db_session, staff)
    login(owner)
    page = client.get("/studio").get_data(as_text=True)
    row = page.split('data-process="housing_subsidy" data-version="1"')[1].split("</tr>")[0]
    assert 'class="studio-running">1<' in row
    definition = _version(db_session, "housing_subsidy", 1)
    assert definition.content_hash[:10] in row
    version_page = client.get("/studio/housing_subsidy/v/1").get_data(as_text=True)
    assert "Task_apply" in version_page and "housing/application" in version_page
    download = client.get("/studio/housing_subsidy/v/1/xml")
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.data == HOUSING.encode()
    editor = client.get("/studio/housing_subsidy/edit?version=1").get_data(as_text=True)
    assert "bpmn-modeler.production.min.js" in editor and "ipd/approval" in editor


def test_validate_returns_located_findings(client, login, owner) -> None:  # type: ignore[no-untyped-def]
    login(owner)
    broken = HOUSING.replace(
        '<bpmn:lane id="Lane_supervisor" name="supervisor">', '<bpmn:lane id="Lane_supervisor" name="boss">'
    )
    report = client.post("/studio/housing_subsidy/validate", json={"xml": broken}).get_json()
    assert report["ok"] is False and report["file"] == "housing_subsidy.bpmn"
    finding = next(f for f in report["findings"] if f["code"] == "lane.unknown_role")
    assert finding["element_id"] == "Lane_supervisor" and finding["line"] and finding["file"] == "housing_subsidy.bpmn"
    assert client.post("/studio/housing_subsidy/validate", json={"xml": HOUSING}).get_json()["ok"] is True


def test_deploy_creates_v2_new_cases_start_on_it_running_stay(client, login, db_session, staff, owner) -> None:  # type: ignore[no-untyped-def] # noqa: F811
    old = _start_housing(db_session, staff)
    login(owner)
    response = client.post("/studio/housing_subsidy/deploy", json={"xml": RENAMED})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["deployed"] is True and body["version"] == 2
    assert body["new_versions"] == [{"process_id": "housing_subsidy", "version": 2}]
    v2 = _version(db_session, "housing_subsidy", 2)
    assert v2.deployed_by_id == owner.id
    new = _start_housing(db_session, staff)
    assert new.definition_id == v2.id
    db_session.refresh(old)
    assert old.definition.version == 1
    again = client.post("/studio/housing_subsidy/deploy", json={"xml": RENAMED}).get_json()
    assert again["new_versions"] == [] and again["version"] == 2
    refused = client.post("/studio/housing_subsidy/deploy", json={"xml": "<not xml"})
    assert refused.status_code == 422 and refused.get_json()["deployed"] is False


def test_diff_dry_run_and_migrate(client, login, db_session, staff, owner) -> None:  # type: ignore[no-untyped-def] # noqa: F811
    instance = _start_housing(db_session, staff)
    login(owner)
    assert client.post("/studio/housing_subsidy/deploy", json={"xml": RENAMED}).status_code == 200
    diff = client.get("/studio/housing_subsidy/diff?a=1&b=2").get_data(as_text=True)
    changed = diff.split('data-diff="changed"')[1].split("</ul>")[0]
    assert "Task_confirm_payment" in changed
    assert 'data-changed="Task_confirm_payment"' in diff
    dry = client.get("/studio/housing_subsidy/migrate?to=2").get_data(as_text=True)
    assert f'data-instance="{instance.id}" data-can-migrate="yes"' in dry
    response = client.post("/studio/housing_subsidy/migrate", data={"to": "2", "instance": [str(instance.id)]})
    assert response.status_code == 303
    moved = db_session.get(ProcessInstance, instance.id)
    db_session.refresh(moved)
    assert moved.definition.version == 2
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.kind == "instance.migrated"))
    assert event is not None and event.instance_id == instance.id and event.actor_id == owner.id
    after = client.get("/studio/housing_subsidy/migrate?to=2").get_data(as_text=True)
    assert f'data-instance="{instance.id}"' not in after


def test_drafts_are_per_user(client, login, owner, make_user) -> None:  # type: ignore[no-untyped-def]
    login(owner)
    assert client.get("/studio/housing_subsidy/draft").status_code == 404
    assert client.put("/studio/housing_subsidy/draft", json={"xml": RENAMED}).get_json() == {"saved": True}
    assert client.get("/studio/housing_subsidy/draft").get_json()["xml"] == RENAMED
    assert 'data-action="load-draft"' in client.get("/studio/housing_subsidy/edit").get_data(as_text=True)
    client.post("/logout")
    login(make_user("process_owner", username="owner2"))
    assert client.get("/studio/housing_subsidy/draft").status_code == 404
    assert client.get("/studio/no_such_process/draft").status_code == 404


def test_form_preview_in_both_languages(client, login, owner) -> None:  # type: ignore[no-untyped-def]
    login(owner)
    html = client.get("/studio/forms/preview?fragment=1&key=housing/application").get_data(as_text=True)
    polish = html.split('data-locale="pl"')[1].split('data-locale="en"')[0]
    english = html.split('data-locale="en"')[1]
    assert '<fieldset class="studio-preview-fields" disabled>' in html
    assert polish != english and "<input" in polish and "<input" in english
    page = client.get("/studio/forms/preview?key=housing/application")
    assert page.status_code == 200 and "<h1>" in page.get_data(as_text=True)
    assert client.get("/studio/forms/preview?key=no/such").status_code == 404
