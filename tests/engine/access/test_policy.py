"""The access policy: completed tasks, candidates' summaries, special categories, office scope, value-free incidents."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.access.categories import ASSESSMENT_AREAS, FLAG_KINDS, READERS, WORK_ROLES, Category
from engine.access.policy import (
    TaskView,
    administers_office,
    can_migrate_instance,
    may_read,
    task_view,
    visible_tasks,
)
from engine.accounts.tokens import create_token, revoke_token
from engine.errors import NotFound
from engine.instances.service import start_instance
from engine.tasks.models import HumanTask
from engine.tasks.service import claim_task, complete_task, get_task
from tests import factories


def _task(db_session, instance_id, element):
    return db_session.scalar(
        select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.element_id == element)
    )


def test_every_special_category_has_readers_and_every_mapping_a_category():
    assert set(READERS) == set(Category) and all(READERS.values())
    assert ASSESSMENT_AREAS["psychological"] == Category.HEALTH and ASSESSMENT_AREAS["legal"] == Category.LEGAL
    assert FLAG_KINDS["medical"] == Category.HEALTH and FLAG_KINDS["security_hidden_address"] == Category.HIDDEN_ADDRESS
    assert WORK_ROLES["psychologist"] == Category.HEALTH


def test_readers_of_each_category(db_session, people, case):
    sw2 = factories.user(db_session, "social_worker", username="sw-two")
    assert may_read(people["psy"], Category.HEALTH, case) and not may_read(people["law"], Category.HEALTH, case)
    assert not may_read(people["sup"], Category.HEALTH, case)
    assert may_read(people["sw"], Category.HIDDEN_ADDRESS, case)  # the case manager
    assert not may_read(sw2, Category.HIDDEN_ADDRESS, case) and not may_read(
        people["law"], Category.HIDDEN_ADDRESS, case
    )
    assert may_read(people["law"], Category.TRAFFICKING, case) and may_read(people["sup"], Category.TRAFFICKING, case)
    assert not may_read(people["psy"], Category.LEGAL, case) and may_read(people["sw"], Category.LEGAL, case)
    assert may_read(sw2, None, case)


def test_completed_tasks_reach_only_the_people_of_the_case(db_session, deploy_fixture, people, case):
    deploy_fixture("parallel.bpmn")
    instance = start_instance(db_session, people["sw"], "parallel_diagnosis", case=case).instance
    psy2 = factories.user(db_session, "psychologist", username="psy-two")
    task = _task(db_session, instance.id, "psy")
    # Open and unclaimed: every psychologist of the office may take it, and sees its summary until then.
    assert task_view(db_session, psy2, task) == TaskView.SUMMARY
    assert task_view(db_session, people["other_office_psy"], task) == TaskView.NONE
    claim_task(db_session, people["psy"], task.id)
    complete_task(db_session, people["psy"], task.id, {"note": "PTSD"})
    assert task_view(db_session, psy2, task) == TaskView.NONE
    with pytest.raises(NotFound):
        get_task(db_session, psy2, task.id)
    assert task.id not in set(db_session.scalars(visible_tasks(psy2).with_only_columns(HumanTask.id)))
    for who in ("psy", "sw", "sup"):  # the specialist who did it, the case manager, the office's supervisor
        assert task_view(db_session, people[who], task) == TaskView.FULL, who
    assert task_view(db_session, people["admin"], task) == TaskView.NONE


def test_administrators_manage_their_office_and_national_ones_every_office(db_session, deploy_fixture, people, case):
    admin_waw = factories.user(db_session, "admin", office_code="WAW", username="admin-waw")
    national = factories.user(db_session, "national_admin", office_code="WAW", username="admin-pl")
    lub = case.office_id
    assert administers_office(people["admin"], lub) and not administers_office(admin_waw, lub)
    assert administers_office(national, lub) and not administers_office(people["sup"], lub)
    lub_token = create_token(db_session, people["sw"], "integration").token
    with pytest.raises(NotFound):
        revoke_token(db_session, admin_waw, lub_token.id)
    assert revoke_token(db_session, national, lub_token.id).revoked_at is not None
    deploy_fixture("parallel.bpmn")
    instance = start_instance(db_session, people["sw"], "parallel_diagnosis", case=case).instance
    owner_waw = factories.user(db_session, "process_owner", office_code="WAW", username="owner-waw")
    assert not can_migrate_instance(db_session, owner_waw, instance)
    assert can_migrate_instance(db_session, national, instance)


def test_a_script_error_becomes_an_incident_without_the_value(db_session, deploy_fixture, people, case):
    deploy_fixture("script_step.bpmn.tmpl", script="score = int(note)")
    instance = start_instance(db_session, people["sw"], "scripted", case=case).instance
    result = complete_task(
        db_session, people["sw"], _task(db_session, instance.id, "first").id, {"note": "PTSD, panic"}
    )
    assert result.incident is not None
    assert result.incident.message.startswith("ValueError in a script or expression")
    assert "PTSD" not in result.incident.message
