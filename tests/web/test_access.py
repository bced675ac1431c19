"""Need-to-know on the pages: completed tasks, special categories, candidates' summaries, office scope of admins."""

from __future__ import annotations

from sqlalchemy import select

from engine.audit.models import AuditEvent
from engine.cases.service import BeneficiaryInput, open_case
from engine.instances.models import ProcessInstance
from engine.instances.service import start_instance
from engine.tasks.models import HumanTask, TaskState
from engine.tasks.service import claim_task, complete_task
from tests import factories
from tests.processes.samples import sample
from tests.web.test_cases_pages import admitted_case, library, open_task, page, staff  # noqa: F401 - fixtures


def _completed(db, case_id: int, element_id: str) -> HumanTask:  # type: ignore[no-untyped-def]
    task = db.scalar(
        select(HumanTask).where(
            HumanTask.case_id == case_id, HumanTask.element_id == element_id, HumanTask.state == TaskState.COMPLETED
        )
    )
    assert task is not None
    return task


def test_a_social_worker_not_on_the_case_gets_404_on_its_completed_task(client, login, db_session, library, staff):  # noqa: F811
    case = admitted_case(db_session, staff)
    registration = _completed(db_session, case.id, "Task_register")
    login(staff["sw"])
    assert client.get(f"/tasks/{registration.id}").status_code == 200
    client.post("/logout")
    login(staff["sw2"])  # same office and role, nothing to do with the case
    assert client.get(f"/tasks/{registration.id}").status_code == 404
    assert client.get(f"/cases/{case.id}").status_code == 404


def test_a_second_psychologist_gets_404_on_the_first_ones_session(client, login, db_session, library, staff):  # noqa: F811
    sw, psy = staff["sw"], staff["psy"]
    psy2 = factories.user(db_session, "psychologist", username="psy-two")
    case = open_case(db_session, sw, BeneficiaryInput("Olena", "Kovalenko"))
    start_instance(db_session, sw, "service_session", case=case, data={"session_role": "psychologist"})
    task = open_task(db_session, case.id, "Task_session_psychologist")
    claim_task(db_session, psy, task.id)
    complete_task(db_session, psy, task.id, sample("session/record", session_note="Nightmares since the journey."))
    db_session.commit()
    login(psy2)
    response = client.get(f"/tasks/{task.id}")
    assert response.status_code == 404 and "Nightmares" not in page(response)
    client.post("/logout")
    login(psy)
    assert client.get(f"/tasks/{task.id}").status_code == 200


def test_a_session_note_marked_as_health_is_hidden_from_the_lawyer(client, login, db_session, library, staff):  # noqa: F811
    sw, psy, law = staff["sw"], staff["psy"], staff["law"]
    case = open_case(db_session, sw, BeneficiaryInput("Olena", "Kovalenko"))
    # The lawyer and the psychologist join the case through sessions of their own.
    for role, who in (("lawyer", law), ("psychologist", psy)):
        start_instance(db_session, sw, "service_session", case=case, data={"session_role": role})
        task = open_task(db_session, case.id, f"Task_session_{role}")
        claim_task(db_session, who, task.id)
        complete_task(db_session, who, task.id, sample("session/record", session_note=f"Work of the {role}."))
    start_instance(db_session, sw, "service_session", case=case, data={"session_role": "social_worker"})
    task = open_task(db_session, case.id, "Task_session_social_worker")
    marked = sample("session/record", session_note="Takes HIV medication daily.", session_health=True)
    complete_task(db_session, sw, task.id, marked)
    db_session.commit()
    login(law)
    text = page(client.get(f"/cases/{case.id}"))
    assert "Work of the lawyer." in text and "HIV" not in text and "restricted" in text
    assert "HIV" not in page(client.get(f"/tasks/{task.id}"))
    client.post("/logout")
    login(psy)
    assert "Takes HIV medication daily." in page(client.get(f"/cases/{case.id}"))


def test_a_candidate_of_an_unclaimed_task_sees_only_its_summary(client, login, db_session, library, staff):  # noqa: F811
    case = admitted_case(db_session, staff)
    task = open_task(db_session, case.id, "Task_diagnose_psychological")
    assert task.assignee_id is None
    login(staff["psy"])
    text = page(client.get(f"/tasks/{task.id}"))
    assert case.number in text and f"/tasks/{task.id}/claim" in text
    assert "Kovalenko" not in text and 'name="psychological_situation"' not in text
    inbox = page(client.get("/inbox?view=role"))
    assert case.number in inbox and "Kovalenko" not in inbox
    client.post(f"/tasks/{task.id}/claim", data={"next": f"/tasks/{task.id}"})
    assert "Kovalenko" in page(client.get(f"/tasks/{task.id}"))


def test_an_office_administrator_manages_only_their_office(client, login, db_session, library, staff):  # noqa: F811
    case = admitted_case(db_session, staff)  # a LUB case
    instance = db_session.scalar(select(ProcessInstance).where(ProcessInstance.case_id == case.id))
    admin_waw = factories.user(db_session, "admin", office_code="WAW", username="admin-waw")
    national = factories.user(db_session, "national_admin", office_code="WAW", username="admin-pl")
    lub_user = staff["sw2"]
    db_session.commit()
    login(admin_waw)
    users_page = page(client.get("/admin/users"))
    assert "admin-waw" in users_page and lub_user.username not in users_page
    assert client.post(f"/admin/users/{lub_user.id}/active").status_code == 404
    assert client.get(f"/admin/instances/{instance.id}").status_code == 404
    assert client.post(f"/admin/instances/{instance.id}/suspend", data={"reason": "x"}).status_code == 404
    client.post("/logout")
    login(national)
    assert lub_user.username in page(client.get("/admin/users"))
    shown = client.get(f"/admin/instances/{instance.id}")
    # Technical data only: the case's number, not whom it is about.
    assert shown.status_code == 200 and case.number in page(shown) and "Kovalenko" not in page(shown)
    assert client.post(f"/admin/users/{lub_user.id}/active").status_code == 302
    db_session.expire_all()
    assert lub_user.active is False


def test_pages_that_show_people_write_read_audit_rows(client, login, db_session, library, staff):  # noqa: F811
    case = admitted_case(db_session, staff)
    registration = _completed(db_session, case.id, "Task_register")
    login(staff["sw"])
    client.get(f"/cases/{case.id}")
    client.get(f"/tasks/{registration.id}")
    client.get("/cases?q=kova")
    rows = db_session.scalars(select(AuditEvent).where(AuditEvent.actor_id == staff["sw"].id)).all()
    reads = [(row.kind, row.details.get("item")) for row in rows if row.kind in ("viewed", "searched")]
    assert ("viewed", "case") in reads and ("viewed", "task") in reads and ("searched", "case") in reads
    search = next(row for row in rows if row.kind == "searched")
    assert search.details["result_ids"] == [case.id] and "kova" not in str(search.details)
