"""Needs diagnosis: only the flagged areas, in parallel lanes; overdue -> reminder -> escalation. Each assessment
is recorded by its operation; the process keeps its id and priority, never what the specialist wrote."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, text

from engine.accounts.roles import Role
from engine.assessments.models import Assessment, AssessmentStatus
from engine.errors import Forbidden
from tests.processes.driver import FormDataRejected
from tests.processes.samples import sample

ALL = "social,legal,psychological,vocational"
SECRET = "Nightmares about the crossing at Bialowieza"


def areas(*names: str) -> dict[str, str]:
    return {"diagnosis_areas": ",".join(names)}


def assessment(s, area: str) -> Assessment:
    [row] = s.session.scalars(
        select(Assessment).where(Assessment.instance_id == s.instance.id, Assessment.area == area)
    ).all()
    return row


def test_every_flagged_area_goes_to_its_specialist_in_parallel(start) -> None:
    s = start("needs_diagnosis", {"diagnosis_areas": ALL})
    lanes = {t.task_spec.bpmn_id: t.task_spec.lane for t in s.ready()}
    assert lanes == {
        "Task_diagnose_social": "social_worker",
        "Task_diagnose_legal": "lawyer",
        "Task_diagnose_psychological": "psychologist",
        "Task_diagnose_vocational": "career_counsellor",
    }
    assert {t.task_spec.extensions["properties"]["dueIn"] for t in s.ready()} == {"P14D"}
    for area in ALL.split(","):
        s.complete(f"Task_diagnose_{area}", sample(f"diagnosis/{area}"))
    assert s.completed
    assert s.data["diagnosis_priorities"] == {
        "social": "high",
        "legal": "high",
        "psychological": "low",
        "vocational": "medium",
    }
    assert s.data["diagnosis_high_priority_areas"] == ["legal", "social"]
    assert not [step for step in s.trail if step.startswith(("Script_remind", "Script_escalate"))]
    assert s.waiting_timers() == []


def test_only_the_areas_flagged_at_intake_are_requested(start) -> None:
    s = start("needs_diagnosis", areas("legal"))
    assert s.ready_ids() == ["Task_diagnose_legal"]
    s.complete("Task_diagnose_legal", sample("diagnosis/legal"), actor="piotr")
    assert s.completed
    assert s.data["diagnosis_priorities"] == {"legal": "high"}


def test_without_areas_the_diagnosis_ends_at_once(start) -> None:
    s = start("needs_diagnosis", areas())
    assert s.completed
    assert s.data["diagnosis_priorities"] == {} and s.data["diagnosis_high_priority_areas"] == []
    assert not [step for step in s.trail if step.startswith("Task_diagnose")]


def test_overdue_assessment_reminds_then_escalates_to_the_supervisor(start) -> None:
    s = start("needs_diagnosis", areas("legal", "psychological"))
    s.complete("Task_diagnose_psychological", sample("diagnosis/psychological"))
    s.advance(days=13)
    assert "Script_remind_legal" not in s.trail
    s.advance(days=2)  # day 15: due date passed
    assert s.count("Script_remind_legal") == 1
    assert s.data_of("Script_remind_legal")["legal_reminder_sent_on"] == "2026-01-27"
    assert s.ready_ids() == ["Task_diagnose_legal"]  # the reminder does not take the task away
    s.advance(days=7)  # day 22: a week overdue
    assert s.count("Script_escalate_legal") == 1
    assert s.ready_ids() == ["Task_diagnose_legal", "Task_handle_overdue"]
    escalation = s.task("Task_handle_overdue")
    assert escalation.task_spec.lane == "supervisor"
    assert escalation.data["overdue_area"] == "legal"
    s.complete("Task_handle_overdue", sample("diagnosis/escalation"), actor="ewa")
    assert not s.completed
    s.advance(days=30)
    assert s.count("Script_remind_legal") == 1, "each timer fires once"
    s.complete("Task_diagnose_legal", sample("diagnosis/legal"))
    assert s.completed
    assert s.data["diagnosis_priorities"] == {"legal": "high", "psychological": "low"}


def test_an_assessment_done_on_time_cancels_its_timers(start) -> None:
    s = start("needs_diagnosis", areas("vocational"))
    assert len(s.waiting_timers()) == 2
    s.advance(days=10)
    s.complete("Task_diagnose_vocational", sample("diagnosis/vocational"))
    assert s.completed
    assert s.waiting_timers() == []


def test_an_open_escalation_does_not_hold_the_diagnosis_once_the_specialist_finishes(start) -> None:
    s = start("needs_diagnosis", areas("legal", "social"))
    s.complete("Task_diagnose_social", sample("diagnosis/social"))
    s.advance(days=22)  # reminder and escalation for the legal assessment
    assert s.count("Script_remind_legal") == 1 and s.count("Script_escalate_legal") == 1
    assert s.ready_ids() == ["Task_diagnose_legal", "Task_handle_overdue"]
    s.complete("Task_diagnose_legal", sample("diagnosis/legal"), actor="piotr")
    assert s.completed, "the supervisor's escalation must not keep the diagnosis open"
    assert s.ready_ids() == []
    assert s.waiting_timers() == []
    assert s.data["diagnosis_priorities"] == {"legal": "high", "social": "high"}


def test_two_overdue_areas_escalate_one_after_the_other(start) -> None:
    s = start("needs_diagnosis", areas("psychological", "vocational"))
    s.advance(days=22)
    assert s.count("Script_escalate_psychological") == 1 and s.count("Script_escalate_vocational") == 1
    assert s.ready_ids().count("Task_handle_overdue") == 2
    for _ in range(2):
        s.complete("Task_handle_overdue", sample("diagnosis/escalation"), actor="ewa")
    s.complete("Task_diagnose_psychological", sample("diagnosis/psychological"))
    s.complete("Task_diagnose_vocational", sample("diagnosis/vocational"))
    assert s.completed


def test_each_assessment_is_a_row_with_its_details_apart_and_the_process_keeps_id_and_priority(start) -> None:
    s = start("needs_diagnosis", areas("legal", "vocational"))
    s.complete("Task_diagnose_legal", sample("diagnosis/legal"), actor="piotr")
    s.complete("Task_diagnose_vocational", sample("diagnosis/vocational"))
    legal = assessment(s, "legal")
    assert (legal.priority, legal.needs, legal.assessed_on, legal.status) == (
        "high",
        "Apply for IPI at PCPR.",
        date(2026, 1, 12),
        AssessmentStatus.ASSESSED,
    )
    assert legal.assessed_by_id == s.desk.user("piotr").id
    assert legal.details is not None and legal.details.situation == "Refugee status since December."
    assert legal.details.fields == {"legal_proceedings": "none", "legal_next_deadline": "2026-02-18"}
    vocational = assessment(s, "vocational")
    assert vocational.details is not None and vocational.details.fields["vocational_polish_level"] == "A1"
    assert s.data["legal_assessment_id"] == legal.id and s.data["legal_priority"] == "high"
    for key in ("legal_situation", "legal_needs", "legal_proceedings", "vocational_situation", "vocational_education"):
        assert key not in s.data
    assert "Accountant" not in repr(s.data)


def test_assessment_rules_dates_and_the_areas_role(start, desk) -> None:
    s = start("needs_diagnosis", areas("legal", "psychological"))
    with pytest.raises(FormDataRejected, match="legal_assessed_on"):
        s.complete("Task_diagnose_legal", sample("diagnosis/legal", legal_assessed_on="2026-02-01"))
    with pytest.raises(FormDataRejected, match="legal_next_deadline"):
        s.complete("Task_diagnose_legal", sample("diagnosis/legal", legal_next_deadline="2026-01-01"))
    assert s.session.scalar(select(Assessment.id)) is None
    # A psychologist's task is worked by psychologists; the operation refuses anyone else even if assigned.
    desk.user("marta", Role.PSYCHOLOGIST)
    row = s.task("Task_diagnose_psychological").row
    from engine.operations.registry import get_operation

    op = get_operation("record_psychological_assessment")
    assert op is not None and op.fields["psychological_situation"] is True
    outsider = desk.user("tomek", Role.SOCIAL_WORKER)
    from engine.operations.registry import Call

    call = Call(
        session=s.session,
        actor=outsider,
        instance=s.instance,
        case=desk.case,
        values={},
        form=sample("diagnosis/psychological"),
        task=row,
    )
    with pytest.raises(Forbidden):
        op.run(call)
    s.complete("Task_diagnose_psychological", sample("diagnosis/psychological"), actor="marta")
    s.complete("Task_diagnose_legal", sample("diagnosis/legal"))
    assert s.completed


def test_a_later_diagnosis_supersedes_the_earlier_assessment_of_the_area(start) -> None:
    first = start("needs_diagnosis", areas("social"))
    first.complete("Task_diagnose_social", sample("diagnosis/social"))
    second = start("needs_diagnosis", areas("social"))
    second.complete("Task_diagnose_social", sample("diagnosis/social", social_priority="low"))
    assert assessment(first, "social").status == AssessmentStatus.SUPERSEDED
    assert assessment(second, "social").status == AssessmentStatus.ASSESSED


def test_after_the_four_diagnoses_no_psychological_content_is_in_workflow_state_or_tasks(start, desk) -> None:
    life = desk.start("case_lifecycle")
    life.complete("Task_register", sample("intake/register"))
    life.complete("Task_legal_status", sample("intake/legal_status"))
    psychological = sample(
        "diagnosis/psychological",
        psychological_situation=SECRET,
        psychological_needs=f"{SECRET}: weekly therapy",
        psychological_priority="high",
        psychological_support_recommended=True,
    )
    life.complete("Task_diagnose_psychological", psychological)
    desk.session.flush()
    [(midway,)] = desk.session.execute(text("SELECT state FROM instance_states")).all()
    assert "psychological_assessment_id" in midway, "the state is searchable text: the checks mean something"
    assert "Bialowieza" not in midway and "weekly therapy" not in midway
    for area in ("social", "legal", "vocational"):
        life.complete(f"Task_diagnose_{area}", sample(f"diagnosis/{area}"))
    assert "Task_draft_plan" in life.ready_ids()  # the case moved on to the plan
    row = assessment(life, "psychological")
    assert row.details is not None and row.details.situation == SECRET
    desk.session.flush()
    states = desk.session.execute(text("SELECT * FROM instance_states")).all()
    assert states, "the running case has a stored state"
    for state in states:
        assert "Bialowieza" not in repr(state)
        assert "psychological_situation" not in repr(state) and "weekly therapy" not in repr(state)
    tasks = desk.session.execute(text("SELECT submitted, input_data, draft FROM human_tasks")).all()
    for submitted, input_data, draft in tasks:
        assert "Bialowieza" not in repr((submitted, input_data, draft))
    assert "Bialowieza" not in repr(life.data)
    audit = desk.session.execute(text("SELECT details FROM audit_events")).all()
    assert "Bialowieza" not in repr(audit)
