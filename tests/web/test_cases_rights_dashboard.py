"""The rights lookup and the dashboard, through the Flask test client."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.accounts.models import Office
from engine.cases.service import BeneficiaryInput, open_case
from engine.clock import utcnow
from engine.instances.service import start_instance
from engine.tasks.models import HumanTask, TaskState
from tests import factories
from tests.web import test_cases_pages
from tests.web.test_cases_pages import open_task

library = test_cases_pages.library
staff = test_cases_pages.staff


def page(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("status", "english", "polish"),
    [
        ("refugee", "District family support centre (PCPR)", "Powiatowe centrum pomocy rodzinie (PCPR)"),
        ("trafficking_victim", "KCIK", "KCIK"),
        ("applicant", "Office for Foreigners (UdSC)", "Urząd do Spraw Cudzoziemców (UdSC)"),
        ("temporary_protection", "Reduced: shelter, clothing, meals", "Ograniczona: schronienie, odzież"),
        ("other", "Non-governmental organisations only", "Tylko organizacje pozarządowe"),
    ],
)
def test_rights_lookup(client, login, make_user, library, status, english, polish) -> None:  # type: ignore[no-untyped-def]
    login(make_user("lawyer"))
    text = page(client.get(f"/rights?legal_status={status}"))
    assert polish in text
    client.post("/language", data={"locale": "en", "next": "/rights"})
    text = page(client.get(f"/rights?legal_status={status}"))
    assert english in text


def test_rights_lookup_form_and_unknown_status(client, login, make_user, library) -> None:  # type: ignore[no-untyped-def]
    login(make_user("social_worker"))
    text = page(client.get("/rights"))
    assert 'name="legal_status"' in text and "rights-result" not in text
    text = page(client.get("/rights?legal_status=astronaut"))
    assert "rights-result" not in text and "flash-error" in text
    refugee = page(client.get("/rights?legal_status=refugee"))
    assert "60" in refugee and 'data-outcome="eligible"' in refugee


def test_dashboard_is_for_supervisors_and_admins(client, login, make_user) -> None:  # type: ignore[no-untyped-def]
    login(make_user("social_worker"))
    assert client.get("/dashboard").status_code == 403


def test_dashboard_numbers(client, login, db_session, library, staff) -> None:  # type: ignore[no-untyped-def]
    sw = staff["sw"]
    first = open_case(db_session, sw, BeneficiaryInput("Olena", "Kovalenko"))
    second = open_case(db_session, sw, BeneficiaryInput("Ahmad", "Karimi"))
    for case in (first, second):
        start_instance(db_session, sw, "intake", case=case)
    late = open_task(db_session, first.id, "Task_register")
    late.due_at = utcnow() - timedelta(days=2)
    waw = open_case(db_session, staff["waw"], BeneficiaryInput("Ivan", "Petrenko"))
    start_instance(db_session, staff["waw"], "intake", case=waw)
    db_session.commit()

    login(staff["sup"])
    text = page(client.get("/dashboard"))
    assert 'id="stat-overdue">1<' in text and 'id="stat-plans">0<' in text
    assert "<td>Anna Kowalczyk</td><td>LUB</td><td>2</td><td>1</td><td>2</td>" in text
    assert 'data-chart="caseload"' in text and "vendor/chart.js/chart.umd.min.js" in text
    assert "WAW" not in text.split('id="spend-table"')[1]
    client.post("/logout")
    login(staff["admin"])  # an office administrator: their office only
    assert "WAW" not in page(client.get("/dashboard")).split('id="spend-table"')[1]
    client.post("/logout")
    national = factories.user(db_session, "national_admin", office_code="WAW", username="admin-pl")
    db_session.commit()
    login(national)
    text = page(client.get("/dashboard"))
    assert "<td>WAW</td>" in text.split('id="spend-table"')[1]
    warsaw = db_session.scalar(select(Office).where(Office.code == "WAW"))
    text = page(client.get(f"/dashboard?office={warsaw.id}"))
    assert "Anna Kowalczyk" not in text
    assert db_session.scalar(select(HumanTask.id).where(HumanTask.state == TaskState.OPEN)) is not None


def test_rights_lookup_before_the_library_is_deployed(client, login, make_user) -> None:  # type: ignore[no-untyped-def]
    login(make_user("social_worker"))
    text = page(client.get("/rights?legal_status=refugee"))
    assert "rights-result" not in text and "process owner" in text.lower() or "właściciel" in text.lower()
