"""The subsidy on the case file, its record cards, the approval queue and the second supervisor's confirmation."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from engine.audit.models import AuditEvent
from engine.cases.service import BeneficiaryInput, open_case
from engine.clock import utcnow
from engine.instances.service import start_instance
from engine.subsidies.budgets import set_budget
from engine.subsidies.models import HousingSubsidy, SubsidyPayment
from engine.tasks.service import assign_task, claim_task, complete_task
from tests import factories
from tests.web.test_cases_pages import library, open_task, sample, staff  # noqa: F401 - fixtures


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def test_a_corrected_payment_is_confirmed_by_a_second_supervisor_from_the_case_file(  # type: ignore[no-untyped-def]
    client,
    login,
    db_session,
    library,  # noqa: F811
    staff,  # noqa: F811
):
    sw, sup, sup2 = staff["sw"], staff["sup"], staff["sup2"]
    both = factories.user(db_session, "social_worker", "supervisor", username="kier")
    today = utcnow().date()
    set_budget(db_session, None, "LUB", today, today + timedelta(days=400), Decimal("10000.00"))
    case = open_case(db_session, sw, BeneficiaryInput("Nadia", "Rahimi"))
    start_instance(db_session, sw, "housing_subsidy", case=case)
    complete_task(db_session, sw, open_task(db_session, case.id, "Task_apply").id, sample("housing/application"))
    db_session.commit()

    login(sup)
    queue = text(client.get("/approvals"))
    assert "Jan Nowak" in queue  # the card of the application this approval decides
    assert "budget-remaining" in queue
    approve = open_task(db_session, case.id, "Task_approve_subsidy")
    claim_task(db_session, sup, approve.id)
    complete_task(db_session, sup, approve.id, sample("housing/approval"))
    db_session.commit()
    client.post("/logout")

    pay = open_task(db_session, case.id, "Task_confirm_payment")
    login(both)
    assign_task(db_session, sup, pay.id, both.id)  # the case manager holds it; the supervisor hands it over
    db_session.commit()
    form = text(client.get(f"/tasks/{pay.id}"))
    assert re.search(r'name="payment_amount"[^>]*value="1200\.00"|value="1200\.00"[^>]*name="payment_amount"', form)
    complete_task(
        db_session,
        both,
        pay.id,
        sample(
            "housing/payment",
            payment_paid_on=today.isoformat(),
            payment_amount="1250.00",
            payment_correction_reason="Landlord's late fee",
        ),
    )
    db_session.commit()
    payment = db_session.scalar(
        select(SubsidyPayment).where(SubsidyPayment.case_id == case.id, SubsidyPayment.month_number == 1)
    )
    assert payment.status == "correction_pending"
    page = text(client.get(f"/cases/{case.id}"))
    assert "Landlord&#39;s late fee" in page and "confirm-correction" not in page  # not by whoever recorded it
    refused = client.post(f"/cases/{case.id}/subsidy-payments/{payment.id}/confirm", follow_redirects=True)
    assert "four-eyes" in text(refused)
    db_session.refresh(payment)
    assert payment.status == "correction_pending"
    client.post("/logout")

    login(sup2)
    page = text(client.get(f"/cases/{case.id}"))
    assert f"/cases/{case.id}/subsidy-payments/{payment.id}/confirm" in page
    response = client.post(f"/cases/{case.id}/subsidy-payments/{payment.id}/confirm")
    assert response.status_code == 303
    db_session.refresh(payment)
    assert (payment.status, payment.correction_confirmed_by_id) == ("paid", sup2.id)
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.kind == "subsidy.correction_confirmed"))
    assert event.details["amount_paid"] == "1250.00" and event.actor_id == sup2.id
    assert "confirm-correction" not in text(client.get(f"/cases/{case.id}"))

    subsidy = db_session.scalar(select(HousingSubsidy).where(HousingSubsidy.case_id == case.id))
    card = text(client.get(f"/cases/{case.id}/records/subsidy/{subsidy.id}"))
    assert "Jan Nowak" in card and "Landlord&#39;s late fee" in card
    assert client.get(f"/cases/{case.id}/records/subsidy_payment/{payment.id}").status_code == 200
    client.post("/logout")
    login(staff["waw"])
    assert client.get(f"/cases/{case.id}/records/subsidy/{subsidy.id}").status_code in (403, 404)
    assert client.post(f"/cases/{case.id}/subsidy-payments/{payment.id}/confirm").status_code in (403, 404)
