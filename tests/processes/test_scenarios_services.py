"""Service delivery: sessions, nursery places, camps, referrals; and case closure."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.processes.samples import sample


@pytest.mark.parametrize("role", ["social_worker", "psychologist", "lawyer", "career_counsellor"])
def test_a_session_is_recorded_by_its_specialist(start, role) -> None:
    s = start("service_session", {"session_role": role})
    [task] = s.ready()
    assert task.task_spec.lane == role
    s.complete(task.task_spec.bpmn_id, sample("session/record"))
    assert s.completed
    assert s.data["session_status"] == "done"


def test_a_session_on_hold_stays_open_until_done(start) -> None:
    s = start("service_session", {"session_role": "lawyer"})
    s.complete(
        "Task_session_lawyer",
        sample(
            "session/record",
            session_status="on_hold",
            session_duration_minutes=None,
            session_note="Waiting for the decision.",
        ),
    )
    assert s.ready_ids() == ["Task_session_lawyer"]
    s.complete(
        "Task_session_lawyer",
        sample(
            "session/record",
            session_status="cancelled_no_show",
            session_duration_minutes=None,
            session_note=None,
        ),
    )
    assert s.completed
    assert s.data["session_closed"] is True


def test_nursery_waiting_list_is_checked_again_after_a_month(start) -> None:
    s = start("nursery_placement")
    s.complete("Task_apply_nursery", sample("nursery/application"))
    s.complete(
        "Task_record_placement",
        sample("nursery/placement", placement_status="waiting_list", placement_start_date=None, monthly_fee=None),
    )
    assert s.ready_ids() == []
    s.advance(days=32)
    s.complete("Task_record_placement", sample("nursery/placement"))
    assert s.completed
    assert s.data["nursery_status"] == "placed"
    assert s.data["monthly_fee"] == "250.00"


def test_nursery_refusal_ends_the_placement(start) -> None:
    s = start("nursery_placement")
    s.complete("Task_apply_nursery", sample("nursery/application"))
    s.complete(
        "Task_record_placement",
        sample("nursery/placement", placement_status="refused", placement_start_date=None, monthly_fee=None),
    )
    assert s.completed and s.count("Script_placed") == 0


def test_camp_attendance_is_recorded_after_the_camp(start) -> None:
    s = start("camp_enrolment")
    s.complete("Task_enrol", sample("camp/enrolment"))
    assert s.ready_ids() == []
    s.advance_to(datetime(2026, 7, 10, 18, tzinfo=UTC))
    s.complete("Task_attendance", sample("camp/attendance"))
    assert s.completed
    assert s.data["camp_participants_attended"] == 1


def test_referral_answer_overdue_is_chased_then_accepted_and_done(start) -> None:
    s = start("referral")
    s.complete("Task_send_referral", sample("referral/send", referral_sent_on="2026-01-12"))
    assert s.data_of("Script_answer_deadline")["referral_answer_due_on"] == "2026-01-26"
    s.advance(days=15)
    assert s.count("Script_remind_answer") == 1
    s.complete("Task_record_answer", sample("referral/answer", referral_answer_on="2026-01-28"))
    s.complete("Task_record_outcome", sample("referral/outcome"))
    assert s.completed
    assert s.data["referral_answer"] == "accepted"


def test_rejected_referral_ends(start) -> None:
    s = start("referral")
    s.complete("Task_send_referral", sample("referral/send"))
    s.complete(
        "Task_record_answer",
        sample("referral/answer", referral_answer="rejected", referral_answer_note="Outside our district."),
    )
    assert s.completed and "Task_record_outcome" not in s.trail
    assert s.count("Script_remind_answer") == 0


def test_closure_is_returned_then_approved_by_another_person(start) -> None:
    s = start("case_closure")
    with pytest.raises(AssertionError, match="closure_reason_other"):
        s.complete("Task_request_closure", sample("closure/request", closure_reason="other"), actor="anna")
    s.complete("Task_request_closure", sample("closure/request"), actor="anna")
    s.complete(
        "Task_approve_closure",
        sample("closure/approval", closure_decision="return", closure_comment="Add the handover institution."),
        actor="ewa",
    )
    s.complete("Task_request_closure", sample("closure/request", handover_to="MOPR Lublin"), actor="anna")
    s.complete("Task_approve_closure", sample("closure/approval"), actor="ewa")
    assert s.completed
    assert s.data["case_status"] == "closed"
    assert s.data["retention_starts_on"] == s.data["case_closed_on"] == "2026-01-12"
