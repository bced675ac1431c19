"""The rough edges specialists hit (issue 14): money per locale, country codes, approval cards, deadlines, redirects."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from engine.cases.models import Case
from engine.cases.service import BeneficiaryInput, open_case, start_case
from engine.clock import utcnow
from engine.errors import InvalidInput
from engine.instances.service import start_instance
from engine.rights import rights_for
from engine.subsidies.budgets import set_budget
from engine.tasks.service import claim_task, complete_task
from tests.web.test_cases_pages import library, open_task, sample, staff  # noqa: F401 - fixtures


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def approved_subsidy_case(db_session, staff):  # type: ignore[no-untyped-def]  # noqa: F811
    """A housing subsidy applied for (1200.00 a month computed) and approved by a supervisor."""
    sw, sup = staff["sw"], staff["sup"]
    today = utcnow().date()
    set_budget(db_session, None, "LUB", today, today + timedelta(days=400), Decimal("10000.00"))
    case = open_case(db_session, sw, BeneficiaryInput("Nadia", "Rahimi"))
    start_instance(db_session, sw, "housing_subsidy", case=case)
    complete_task(db_session, sw, open_task(db_session, case.id, "Task_apply").id, sample("housing/application"))
    approve = open_task(db_session, case.id, "Task_approve_subsidy")
    claim_task(db_session, sup, approve.id)
    complete_task(db_session, sup, approve.id, sample("housing/approval"))
    db_session.commit()
    return case


def test_money_is_formatted_per_locale_on_the_case_file_and_the_approvals_queue(  # type: ignore[no-untyped-def]
    client,
    login,
    db_session,
    library,  # noqa: F811
    staff,  # noqa: F811
):
    case = approved_subsidy_case(db_session, staff)
    login(staff["sup"])
    polish = text(client.get(f"/cases/{case.id}"))
    assert re.search(r"1\s200,00\szł", polish) and "PLN" not in polish
    queue = text(client.get("/approvals"))
    assert re.search(r'class="budget-total">10\s000,00\szł', queue) and "PLN" not in queue
    client.post("/language", data={"locale": "en", "next": "/approvals"})
    english = text(client.get(f"/cases/{case.id}"))
    assert re.search(r"PLN\s1,200\.00", english) and "zł" not in english
    queue = text(client.get("/approvals"))
    assert re.search(r'class="budget-total">PLN\s10,000\.00', queue)


def test_citizenship_is_one_iso_code_from_the_new_case_form_to_the_intake_and_shown_by_name(  # type: ignore[no-untyped-def]
    client,
    login,
    db_session,
    library,  # noqa: F811
    staff,  # noqa: F811
):
    login(staff["sw"])
    data = {"given_names_latin": "Olena", "family_name_latin": "Kovalenko", "date_of_birth": "1990-03-04"}
    refused = client.post("/cases/new", data={**data, "citizenship": "ZZZ"})
    assert refused.status_code == 200 and "ISO 3166" in text(refused)
    assert db_session.scalar(select(Case.id)) is None
    response = client.post("/cases/new", data={**data, "citizenship": "ukr"})  # as on the passport
    assert response.status_code == 303
    case = db_session.scalar(select(Case).order_by(Case.id.desc()))
    assert case.beneficiary.citizenship == "UA"
    assert open_task(db_session, case.id, "Task_register").input_data["citizenship"] == "UA"  # carried over
    polish = text(client.get(f"/cases/{case.id}"))
    assert re.search(r'class="citizenship">Ukraina<', polish)
    client.post("/language", data={"locale": "en", "next": "/cases"})
    assert re.search(r'class="citizenship">Ukraine<', text(client.get(f"/cases/{case.id}")))


def test_the_registration_refuses_a_code_that_is_no_country(db_session, library, staff):  # type: ignore[no-untyped-def]  # noqa: F811
    case = open_case(db_session, staff["sw"], BeneficiaryInput("Olena", "Kovalenko", citizenship="SYR"))
    assert case.beneficiary.citizenship == "SY"
    with pytest.raises(InvalidInput) as refused:
        open_case(db_session, staff["sw"], BeneficiaryInput("Olena", "Kovalenko", citizenship="QQ"))
    assert "citizenship" in refused.value.fields
    start_case(db_session, staff["sw"], case)
    task = open_task(db_session, case.id, "Task_register")
    with pytest.raises(InvalidInput) as refused:
        complete_task(db_session, staff["sw"], task.id, sample("intake/register", citizenship="QQ"))
    assert "citizenship" in refused.value.fields


def test_the_subsidy_approval_shows_the_computed_monthly_amount_and_the_rule_inputs(  # type: ignore[no-untyped-def]
    client,
    login,
    db_session,
    library,  # noqa: F811
    staff,  # noqa: F811
):
    sw, sup = staff["sw"], staff["sup"]
    today = utcnow().date()
    set_budget(db_session, None, "LUB", today, today + timedelta(days=400), Decimal("10000.00"))
    case = open_case(db_session, sw, BeneficiaryInput("Nadia", "Rahimi"))
    start_instance(db_session, sw, "housing_subsidy", case=case)
    complete_task(db_session, sw, open_task(db_session, case.id, "Task_apply").id, sample("housing/application"))
    db_session.commit()
    approve = open_task(db_session, case.id, "Task_approve_subsidy")
    login(sup)
    for page in (text(client.get("/approvals")), text(client.get(f"/tasks/{approve.id}"))):
        assert re.search(r"1\s200,00\szł", page)  # the computed monthly amount
        assert re.search(r"750,00\szł", page) and re.search(r"2\s400,00\szł", page)  # income per person, rent


def intake_with_decision(db_session, staff, decided_on):  # type: ignore[no-untyped-def]  # noqa: F811
    """A refugee registered through the intake, the status decision dated ``decided_on``."""
    sw = staff["sw"]
    case = open_case(db_session, sw, BeneficiaryInput("Olena", "Kovalenko"))
    start_instance(db_session, sw, "intake", case=case)
    complete_task(db_session, sw, open_task(db_session, case.id, "Task_register").id, sample("intake/register"))
    legal = sample("intake/legal_status", legal_status_decision_date=decided_on.isoformat())
    complete_task(db_session, sw, open_task(db_session, case.id, "Task_legal_status").id, legal)
    db_session.commit()
    return case


def test_the_ipi_deadline_warns_when_near_and_says_when_it_passed(  # type: ignore[no-untyped-def]
    client,
    login,
    db_session,
    library,  # noqa: F811
    staff,  # noqa: F811
):
    days = rights_for("refugee", session=db_session).ipi_deadline_days
    assert days and days > 20
    today = utcnow().date()
    far = intake_with_decision(db_session, staff, today - timedelta(days=days - 30))
    near = intake_with_decision(db_session, staff, today - timedelta(days=days - 10))
    passed = intake_with_decision(db_session, staff, today - timedelta(days=days + 3))
    login(staff["sw"])
    page = text(client.get(f"/cases/{far.id}"))
    assert "IPI" in page
    assert "ipi-deadline" not in page
    page = text(client.get(f"/cases/{near.id}"))
    assert 'class="ipi-deadline deadline-near"' in page and "10 dni" in page
    page = text(client.get(f"/cases/{passed.id}"))
    assert 'class="ipi-deadline deadline-passed"' in page
    assert (today - timedelta(days=3)).strftime("%Y") in page and "upłynął" in page


def test_process_and_element_names_are_english_in_the_english_interface(  # type: ignore[no-untyped-def]
    client,
    login,
    db_session,
    library,  # noqa: F811
    staff,  # noqa: F811
):
    sw = staff["sw"]
    case = open_case(db_session, sw, BeneficiaryInput("Olena", "Kovalenko"))
    instance = start_instance(db_session, sw, "intake", case=case).instance
    db_session.commit()
    login(sw)
    url = f"/cases/{case.id}/instances/{instance.id}/diagram?process=intake"
    assert "Przyjęcie do programu" in text(client.get("/inbox"))
    assert 'name="Zarejestruj beneficjenta"' in client.get(url).get_json()["xml"]
    client.post("/language", data={"locale": "en", "next": "/inbox"})
    inbox = text(client.get("/inbox"))
    assert "Intake" in inbox and "Przyjęcie do programu" not in inbox
    xml = client.get(url).get_json()["xml"]
    assert '<bpmn:process id="intake" name="Intake"' in xml
    assert 'name="Zarejestruj beneficjenta"' not in xml and 'name="Register the beneficiary"' in xml
    task = open_task(db_session, case.id, "Task_register")
    assert "Intake" in text(client.get(f"/tasks/{task.id}"))
