"""Actions of the plan in force are marked in progress / done / dropped from the case file, by the case manager,
a supervisor of the office or the responsible specialist of the case; every change is audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.audit.models import AuditEvent
from engine.cases.models import Case, CaseMember
from engine.errors import Conflict, Forbidden, InvalidInput, NotFound
from engine.instances.service import start_instance
from engine.plans.actions import update_action_status
from engine.plans.models import ActionStatus, PlanAction
from tests import factories
from tests.engine import test_casefile
from tests.engine.test_casefile import do, sample

library = test_casefile.library
people = test_casefile.people
case = test_casefile.case


def _actions(db: Session) -> list[PlanAction]:
    return list(db.scalars(select(PlanAction).order_by(PlanAction.position)))


def _signed_plan(db: Session, people: dict[str, User], case: Case) -> list[PlanAction]:
    sw, sup = people["sw"], people["sup"]
    start_instance(db, sw, "ipd_drafting", case=case)
    do(db, sw, case, "Task_draft_plan", sample("ipd/plan"))
    do(db, sup, case, "Task_approve_plan", sample("ipd/approval"))
    do(db, sw, case, "Task_sign_plan", sample("ipd/signature"))
    return _actions(db)


def test_only_the_actions_of_a_signed_plan_change(db_session, people, case) -> None:  # type: ignore[no-untyped-def]
    sw = people["sw"]
    start_instance(db_session, sw, "ipd_drafting", case=case)
    do(db_session, sw, case, "Task_draft_plan", sample("ipd/plan"))
    [course, _] = _actions(db_session)
    with pytest.raises(Conflict):
        update_action_status(db_session, sw, case, course.id, ActionStatus.DONE)
    assert course.status == ActionStatus.PLANNED


def test_the_case_manager_marks_progress_and_each_change_is_audited(db_session, people, case) -> None:  # type: ignore[no-untyped-def]
    sw = people["sw"]
    course, _ = _signed_plan(db_session, people, case)
    update_action_status(db_session, sw, case, course.id, ActionStatus.IN_PROGRESS)
    update_action_status(db_session, sw, case, course.id, ActionStatus.DONE)
    db_session.refresh(course)
    assert (course.status, course.status_changed_by_id) == (ActionStatus.DONE, sw.id)
    events = db_session.scalars(
        select(AuditEvent).where(AuditEvent.kind == "plan.action_status_changed").order_by(AuditEvent.id)
    ).all()
    assert [(e.details["old_status"], e.details["new_status"]) for e in events] == [
        ("planned", "in_progress"),
        ("in_progress", "done"),
    ]
    assert all(e.case_id == case.id and e.details["action_id"] == course.id for e in events)
    with pytest.raises(InvalidInput):
        update_action_status(db_session, sw, case, course.id, "finished")


def test_the_responsible_specialist_may_change_their_action_and_nobody_else_may(db_session, people, case) -> None:  # type: ignore[no-untyped-def]
    course, registration = _signed_plan(db_session, people, case)  # the registration is the career counsellor's
    counsellor = factories.user(db_session, "career_counsellor", username="cc")
    lawyer = people["law"]
    for who in (counsellor, lawyer):
        db_session.add(CaseMember(case_id=case.id, user_id=who.id, role=who.role_rows[0].role))
    db_session.flush()
    db_session.refresh(case)
    update_action_status(db_session, counsellor, case, registration.id, ActionStatus.IN_PROGRESS)
    with pytest.raises(Forbidden):
        update_action_status(db_session, counsellor, case, course.id, ActionStatus.DONE)  # a partner's action
    with pytest.raises(Forbidden):
        update_action_status(db_session, lawyer, case, registration.id, ActionStatus.DONE)
    update_action_status(db_session, people["sup"], case, course.id, ActionStatus.DROPPED)
    assert (registration.status, course.status) == (ActionStatus.IN_PROGRESS, ActionStatus.DROPPED)
    other = factories.user(db_session, "social_worker", username="sw-other")
    other_case = test_casefile.open_case(db_session, other, test_casefile.BeneficiaryInput("Ahmad", "Test"))
    with pytest.raises(NotFound):
        update_action_status(db_session, other, other_case, course.id, ActionStatus.DONE)


def test_closing_the_case_ends_its_plan_and_its_actions_stop_changing(db_session, people, case) -> None:  # type: ignore[no-untyped-def]
    from engine.closure.hooks import open_commitments, stop_commitments
    from engine.plans.models import Plan

    course, _ = _signed_plan(db_session, people, case)
    [plan] = db_session.scalars(select(Plan)).all()
    assert [(c.kind, c.record_id, c.summary) for c in open_commitments(db_session, case) if c.kind == "plan"] == [
        ("plan", plan.id, "IPD version 1 (signed)")
    ]
    stop_commitments(db_session, people["sup"], case)
    assert (plan.end_reason, plan.versions[0].status) == ("case_closed", "ended")
    assert not [c for c in open_commitments(db_session, case) if c.kind == "plan"]
    with pytest.raises(Conflict):
        update_action_status(db_session, people["sw"], case, course.id, ActionStatus.DONE)
