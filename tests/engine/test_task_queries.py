"""Inbox queries: the four views, filters, search, sorting, paging and counts."""

# ruff: noqa: F811  (the engine fixtures are imported by name, which pytest requires)
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engine.clock import utcnow
from engine.instances.service import start_instance
from engine.tasks import service as tasks
from engine.tasks.models import HumanTask, TaskState
from engine.tasks.queries import InboxView, TaskFilters, approval_tasks, list_tasks, process_ids, task_counts
from tests.engine.instances.conftest import case, deploy_fixture, people, test_forms  # noqa: F401


def open_task(db_session, instance_id, element_id):
    return db_session.scalar(
        select(HumanTask).where(
            HumanTask.instance_id == instance_id,
            HumanTask.element_id == element_id,
            HumanTask.state == TaskState.OPEN,
        )
    )


def ids(rows):
    return [row.id for row in rows]


def test_views_follow_the_task_through_request_and_approval(db_session, deploy_fixture, people, case):
    deploy_fixture("approval.bpmn")
    instance = start_instance(db_session, people["sw"], "four_eyes", case=case).instance
    request = open_task(db_session, instance.id, "request")

    rows, total = list_tasks(db_session, people["sw"], InboxView.MINE)
    assert total == 1 and ids(rows) == [request.id]
    row = rows[0]
    assert row.case_number == case.number and row.beneficiary_name == "Olena Shevchenko"
    assert row.name("pl") == "Wniosek" and row.process_id == "four_eyes"
    assert list_tasks(db_session, people["sup"], InboxView.ROLE) == ([], 0)

    tasks.complete_task(db_session, people["sw"], request.id, {"note": "please"})
    approve = open_task(db_session, instance.id, "approve")
    assert ids(list_tasks(db_session, people["sup"], InboxView.ROLE)[0]) == [approve.id]
    assert ids(list_tasks(db_session, people["sup2"], InboxView.ROLE)[0]) == [approve.id]
    assert list_tasks(db_session, people["sw"], InboxView.ROLE)[1] == 0
    assert list_tasks(db_session, people["sw"], InboxView.MINE)[1] == 0
    assert ids(list_tasks(db_session, people["sw"], InboxView.COMPLETED)[0]) == [request.id]
    assert [t.id for t in approval_tasks(db_session, people["sup"])] == [approve.id]
    assert approval_tasks(db_session, people["sw"]) == []

    tasks.claim_task(db_session, people["sup2"], approve.id)
    assert ids(list_tasks(db_session, people["sup2"], InboxView.MINE)[0]) == [approve.id]
    assert list_tasks(db_session, people["sup"], InboxView.ROLE)[1] == 0
    assert task_counts(db_session, people["sup2"]) == {"mine": 1, "role": 0, "overdue": 0, "completed": 0}


def test_other_offices_see_nothing(db_session, deploy_fixture, people, case):
    deploy_fixture("parallel.bpmn")
    start_instance(db_session, people["sw"], "parallel_diagnosis", case=case)
    assert list_tasks(db_session, people["psy"], InboxView.ROLE)[1] == 1
    for view in InboxView:
        assert list_tasks(db_session, people["other_office_psy"], view)[1] == 0


def test_overdue_for_the_holder_and_the_office_supervisor(db_session, deploy_fixture, people, case):
    deploy_fixture("parallel.bpmn")
    instance = start_instance(db_session, people["sw"], "parallel_diagnosis", case=case).instance
    psy = open_task(db_session, instance.id, "psy")
    law = open_task(db_session, instance.id, "law")
    psy.due_at = utcnow() - timedelta(days=1)
    law.due_at = utcnow() + timedelta(days=10)
    db_session.flush()
    assert ids(list_tasks(db_session, people["psy"], InboxView.OVERDUE)[0]) == [psy.id]
    assert list_tasks(db_session, people["law"], InboxView.OVERDUE)[1] == 0
    assert ids(list_tasks(db_session, people["sup"], InboxView.OVERDUE)[0]) == [psy.id]
    assert task_counts(db_session, people["psy"])["overdue"] == 1


def test_filters_search_sort_and_pages(db_session, deploy_fixture, people, case):
    deploy_fixture("parallel.bpmn")
    deploy_fixture("approval.bpmn")
    start_instance(db_session, people["sw"], "parallel_diagnosis", case=case)
    start_instance(db_session, people["sw"], "four_eyes", case=case)
    sw = people["sw"]
    assert list_tasks(db_session, sw, InboxView.MINE)[1] == 1
    psy = people["psy"]
    # A candidate not associated with the case finds its task by the case number, not by the person's name,
    # and the inbox does not name the person.
    assert list_tasks(db_session, psy, InboxView.ROLE, TaskFilters(search="olena"))[1] == 0
    rows, total = list_tasks(db_session, psy, InboxView.ROLE, TaskFilters(search=case.number.lower()))
    assert total == 1 and rows[0].beneficiary_name is None
    assert list_tasks(db_session, sw, InboxView.MINE, TaskFilters(search="olena"))[1] == 1
    assert list_tasks(db_session, sw, InboxView.MINE, TaskFilters(search="SHEVCHENKO olena"))[1] == 1
    assert list_tasks(db_session, psy, InboxView.ROLE, TaskFilters(search="nobody"))[1] == 0
    assert list_tasks(db_session, psy, InboxView.ROLE, TaskFilters(process_id="four_eyes"))[1] == 0
    assert list_tasks(db_session, psy, InboxView.ROLE, TaskFilters(role="lawyer"))[1] == 0
    assert list_tasks(db_session, psy, InboxView.ROLE, TaskFilters(role="psychologist"))[1] == 1
    assert set(process_ids(db_session, sw)) == {"four_eyes", "parallel_diagnosis"}


def test_sorting_and_paging(db_session, deploy_fixture, people, case):
    deploy_fixture("approval.bpmn")
    created = []
    for days in (5, 1, 3):
        instance = start_instance(db_session, people["sw"], "four_eyes", case=case).instance
        task = open_task(db_session, instance.id, "request")
        task.due_at = utcnow() + timedelta(days=days)
        created.append(task)
    db_session.flush()
    by_due = sorted(created, key=lambda t: t.due_at)
    rows, total = list_tasks(db_session, people["sw"], InboxView.MINE, sort="due")
    assert total == 3 and ids(rows) == [t.id for t in by_due]
    rows, _ = list_tasks(db_session, people["sw"], InboxView.MINE, sort="-due")
    assert ids(rows) == [t.id for t in reversed(by_due)]
    page2, total = list_tasks(db_session, people["sw"], InboxView.MINE, sort="due", page=2, page_size=2)
    assert total == 3 and ids(page2) == [by_due[2].id]
    rows, _ = list_tasks(db_session, people["sw"], InboxView.MINE, sort="nonsense")
    assert ids(rows) == [t.id for t in by_due]
