"""Needs diagnosis: only the flagged areas, in parallel lanes; overdue -> reminder -> escalation."""

from __future__ import annotations

from tests.processes.samples import sample

ALL = ["social", "legal", "psychological", "vocational"]


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
    for area in ALL:
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
    s = start("needs_diagnosis", {"diagnosis_areas": ["legal"]})
    assert s.ready_ids() == ["Task_diagnose_legal"]
    s.complete("Task_diagnose_legal", sample("diagnosis/legal"), actor="piotr")
    assert s.completed
    assert s.data["diagnosis_priorities"] == {"legal": "high"}


def test_overdue_assessment_reminds_then_escalates_to_the_supervisor(start) -> None:
    s = start("needs_diagnosis", {"diagnosis_areas": ["legal", "psychological"]})
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
    s = start("needs_diagnosis", {"diagnosis_areas": ["vocational"]})
    assert len(s.waiting_timers()) == 2
    s.advance(days=10)
    s.complete("Task_diagnose_vocational", sample("diagnosis/vocational"))
    assert s.completed
    assert s.waiting_timers() == []


def test_an_open_escalation_does_not_hold_the_diagnosis_once_the_specialist_finishes(start) -> None:
    s = start("needs_diagnosis", {"diagnosis_areas": ["legal", "social"]})
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
    s = start("needs_diagnosis", {"diagnosis_areas": ["psychological", "vocational"]})
    s.advance(days=22)
    assert s.count("Script_escalate_psychological") == 1 and s.count("Script_escalate_vocational") == 1
    assert s.ready_ids().count("Task_handle_overdue") == 2
    for _ in range(2):
        s.complete("Task_handle_overdue", sample("diagnosis/escalation"), actor="ewa")
    s.complete("Task_diagnose_psychological", sample("diagnosis/psychological"))
    s.complete("Task_diagnose_vocational", sample("diagnosis/vocational"))
    assert s.completed
