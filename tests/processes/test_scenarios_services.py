"""Service delivery: sessions, nursery places, camps, referrals — every path, and the rules their operations keep."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from engine.accounts.roles import Role
from engine.cases.casefile import build_casefile
from engine.delivery.models import (
    CampEnrolment,
    CampStatus,
    NurseryPlacement,
    PlacementStatus,
    Referral,
    ReferralStatus,
    ServiceSession,
)
from engine.people.operations import withdraw_consent
from engine.records.views import record_card
from tests.processes.driver import FormDataRejected
from tests.processes.samples import sample


def _one(s, model):
    [row] = s.session.scalars(select(model).where(model.instance_id == s.instance.id)).all()
    return row


# -- sessions -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["social_worker", "psychologist", "lawyer", "career_counsellor"])
def test_a_session_is_recorded_by_its_specialist(start, role) -> None:
    s = start("service_session", {"session_role": role})
    [task] = s.ready()
    assert task.task_spec.lane == role
    s.complete(task.task_spec.bpmn_id, sample("session/record"))
    assert s.completed
    row = _one(s, ServiceSession)
    assert (row.role, row.status, row.duration_minutes, row.form) == (role, "done", 60, "individual")
    assert row.special_category is (role == "psychologist")
    assert s.data["session_id"] == row.id and s.data["session_status"] == "done"
    assert "session_note" not in s.data and "CV prepared" not in repr(s.data)


def test_a_session_on_hold_stays_open_until_done_and_stays_one_record(start) -> None:
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
    row = _one(s, ServiceSession)
    assert row.status == "on_hold"
    assert s.task("Task_session_lawyer").row.subject_id == row.id
    s.complete(
        "Task_session_lawyer",
        sample("session/record", session_status="cancelled_no_show", session_duration_minutes=None, session_note=None),
    )
    assert s.completed
    assert s.data["session_closed"] is True
    s.session.refresh(row)
    assert row.status == "cancelled_no_show" and _one(s, ServiceSession).id == row.id


def test_a_session_that_took_place_needs_its_duration(start) -> None:
    s = start("service_session", {"session_role": "social_worker"})
    with pytest.raises(FormDataRejected, match="session_duration_minutes"):
        s.complete("Task_session_social_worker", sample("session/record", session_duration_minutes=None))
    assert s.session.scalar(select(ServiceSession.id)) is None


def test_a_psychologists_session_note_is_read_only_by_psychologists(start) -> None:
    s = start("service_session", {"session_role": "psychologist"})
    s.complete("Task_session_psychologist", sample("session/record", session_note="Sleep problems, nightmares."))
    row = _one(s, ServiceSession)
    psychologist = s.desk.user("anna")  # the case manager holds every case-work role here, psychologist included
    manager = s.desk.user("koordynator", Role.SUPERVISOR)  # sees the case, is no psychologist
    case = s.desk.case
    [seen] = build_casefile(s.session, psychologist, case).delivery.sessions
    [hidden] = build_casefile(s.session, manager, case).delivery.sessions
    assert seen.note == "Sleep problems, nightmares." and not seen.restricted
    assert hidden.note is None and hidden.restricted
    card = record_card(s.session, manager, "session", row.id)
    assert card is not None and card.sections[-1].restricted
    assert all("session_note" not in section.values for section in card.sections)
    card = record_card(s.session, psychologist, "session", row.id)
    assert card is not None and card.sections[0].values["session_note"] == "Sleep problems, nightmares."


# -- nursery and kindergarten ---------------------------------------------------------------------------------
def test_nursery_waiting_list_is_checked_again_after_a_month(start) -> None:
    s = start("nursery_placement")
    s.complete("Task_apply_nursery", sample("nursery/application"))
    placement = _one(s, NurseryPlacement)
    assert placement.status == PlacementStatus.APPLIED and s.data["nursery_placement_id"] == placement.id
    s.complete(
        "Task_record_placement",
        sample("nursery/placement", placement_status="waiting_list", placement_start_date=None, monthly_fee=None),
    )
    assert s.ready_ids() == []
    s.session.refresh(placement)
    assert placement.status == PlacementStatus.WAITING_LIST
    s.advance(days=32)
    s.complete("Task_record_placement", sample("nursery/placement"))
    assert s.completed
    assert s.data["nursery_status"] == "placed"
    assert "monthly_fee" not in s.data and "child_name" not in s.data
    s.session.refresh(placement)
    assert placement.status == PlacementStatus.PLACED
    assert placement.monthly_fee == Decimal("250.00") and placement.fee_paid_by_programme is True
    assert placement.start_date == date(2026, 3, 1)


def test_nursery_refusal_ends_the_placement(start) -> None:
    s = start("nursery_placement")
    s.complete("Task_apply_nursery", sample("nursery/application"))
    s.complete(
        "Task_record_placement",
        sample("nursery/placement", placement_status="refused", placement_start_date=None, monthly_fee=None),
    )
    assert s.completed and s.count("Script_placed") == 0
    assert _one(s, NurseryPlacement).status == PlacementStatus.REFUSED


def test_nursery_dates_must_be_in_order(start) -> None:
    s = start("nursery_placement")
    with pytest.raises(FormDataRejected, match="requested_start_date"):
        s.complete("Task_apply_nursery", sample("nursery/application", requested_start_date="2026-01-15"))
    s.complete("Task_apply_nursery", sample("nursery/application"))
    with pytest.raises(FormDataRejected, match="placement_start_date"):
        s.complete("Task_record_placement", sample("nursery/placement", placement_start_date="2026-01-20"))
    assert _one(s, NurseryPlacement).status == PlacementStatus.APPLIED


# -- camps ----------------------------------------------------------------------------------------------------
def test_camp_attendance_is_recorded_after_the_camp(start) -> None:
    s = start("camp_enrolment")
    s.complete("Task_enrol", sample("camp/enrolment"))
    enrolment = _one(s, CampEnrolment)
    assert s.data["camp_end_date"] == "2026-07-10" and s.data["camp_enrolment_id"] == enrolment.id
    assert [p.name for p in enrolment.participants] == ["Olena Kovalenko", "Ivan Kovalenko"]
    assert s.ready_ids() == []
    s.advance_to(datetime(2026, 7, 10, 18, tzinfo=UTC))
    s.complete("Task_attendance", sample("camp/attendance"))
    assert s.completed
    assert s.data["camp_participants_attended"] == 1
    assert "camp_participants" not in s.data and "Olena" not in repr(s.data)
    s.session.refresh(enrolment)
    assert enrolment.status == CampStatus.ATTENDANCE_RECORDED
    assert [p.attended for p in enrolment.participants] == [True, False]


def test_a_camp_ending_before_it_starts_is_refused(start) -> None:
    s = start("camp_enrolment")
    with pytest.raises(FormDataRejected, match="camp_end_date"):
        s.complete("Task_enrol", sample("camp/enrolment", camp_start_date="2026-07-10", camp_end_date="2026-07-01"))
    assert s.session.scalar(select(CampEnrolment.id)) is None
    assert s.ready_ids() == ["Task_enrol"]


def test_the_database_also_refuses_a_camp_ending_before_it_starts(start) -> None:
    s = start("camp_enrolment")
    camp = CampEnrolment(
        case_id=s.desk.case.id,
        camp_number=2,
        start_date=date(2026, 7, 10),
        end_date=date(2026, 7, 1),
        status=CampStatus.ENROLLED,
    )
    with pytest.raises(IntegrityError), s.session.begin_nested():
        s.session.add(camp)
        s.session.flush()


def test_attendance_names_only_the_enrolled(start) -> None:
    s = start("camp_enrolment")
    s.complete("Task_enrol", sample("camp/enrolment"))
    s.advance_to(datetime(2026, 7, 10, 18, tzinfo=UTC))
    assert s.task("Task_attendance").row.subject_id == _one(s, CampEnrolment).id
    stranger = [{"participant_name": "Someone Else", "attended": True}]
    with pytest.raises(FormDataRejected, match="camp_attendance"):
        s.complete("Task_attendance", sample("camp/attendance", camp_attendance=stranger))


# -- referrals ------------------------------------------------------------------------------------------------
def test_referral_answer_overdue_is_chased_then_accepted_and_done(start, desk) -> None:
    desk.record_consent()
    s = start("referral")
    s.complete("Task_send_referral", sample("referral/send", referral_sent_on="2026-01-12"))
    referral = _one(s, Referral)
    assert s.data["referral_answer_due_on"] == "2026-01-26" and referral.answer_due_on == date(2026, 1, 26)
    assert s.data["referral_status"] == "sent"
    s.advance(days=15)
    assert s.count("Script_remind_answer") == 1
    s.complete("Task_record_answer", sample("referral/answer", referral_answer_on="2026-01-28"))
    s.complete("Task_record_outcome", sample("referral/outcome"))
    assert s.completed
    assert s.data["referral_answer"] == "accepted" and s.data["referral_status"] == "done"
    s.session.refresh(referral)
    assert (referral.status, referral.answer_on, referral.done_on) == ("done", date(2026, 1, 28), date(2026, 2, 10))
    assert "referral_purpose" not in s.data


def test_rejected_referral_ends(start, desk) -> None:
    desk.record_consent()
    s = start("referral")
    s.complete("Task_send_referral", sample("referral/send"))
    s.complete(
        "Task_record_answer",
        sample("referral/answer", referral_answer="rejected", referral_answer_note="Outside our district."),
    )
    assert s.completed and "Task_record_outcome" not in s.trail
    assert s.count("Script_remind_answer") == 0
    assert _one(s, Referral).status == ReferralStatus.REJECTED


def test_referral_dates_must_be_in_order(start, desk) -> None:
    desk.record_consent()
    s = start("referral")
    s.complete("Task_send_referral", sample("referral/send"))
    with pytest.raises(FormDataRejected, match="referral_answer_on"):
        s.complete("Task_record_answer", sample("referral/answer", referral_answer_on="2026-01-10"))
    s.complete("Task_record_answer", sample("referral/answer"))
    with pytest.raises(FormDataRejected, match="referral_done_on"):
        s.complete("Task_record_outcome", sample("referral/outcome", referral_done_on="2026-01-19"))


def test_sharing_without_consent_needs_a_reason(start, desk) -> None:
    desk.record_consent()
    s = start("referral")
    with pytest.raises(FormDataRejected, match="referral_override_reason"):
        s.complete("Task_send_referral", sample("referral/send", referral_sharing_basis="legal_obligation"))
    s.complete(
        "Task_send_referral",
        sample(
            "referral/send",
            referral_sharing_basis="legal_obligation",
            referral_override_reason="Art. 12 of the Act on assistance",
        ),
    )
    referral = _one(s, Referral)
    assert (referral.sharing_basis, referral.override_reason) == (
        "legal_obligation",
        "Art. 12 of the Act on assistance",
    )


def test_a_referral_on_consent_needs_a_sharing_consent_in_force(start, desk) -> None:
    s = start("referral")
    on_consent = sample("referral/send", referral_sharing_basis="consent")
    # Nothing recorded yet: sharing on the basis of consent is refused, naming the field.
    with pytest.raises(FormDataRejected, match="referral_sharing_basis"):
        s.complete("Task_send_referral", on_consent)
    desk.record_consent(granted=False)
    with pytest.raises(FormDataRejected, match="referral_sharing_basis"):
        s.complete("Task_send_referral", on_consent)
    assert s.session.scalar(select(Referral.id)) is None
    # Another legal basis, with its reason, is still possible.
    s.complete(
        "Task_send_referral",
        sample("referral/send", referral_sharing_basis="vital_interest", referral_override_reason="Risk to life"),
    )
    assert _one(s, Referral).sharing_basis == "vital_interest"


def test_a_withdrawn_sharing_consent_no_longer_allows_a_referral_on_consent(start, desk) -> None:
    consent = desk.record_consent()
    first = start("referral")
    first.complete("Task_send_referral", sample("referral/send"))
    withdraw_consent(desk.session, desk.user("anna"), consent.id)
    second = start("referral")
    with pytest.raises(FormDataRejected, match="referral_sharing_basis"):
        second.complete("Task_send_referral", sample("referral/send"))


def test_the_case_file_and_cards_read_the_tables(start, desk) -> None:
    desk.record_consent()
    s = start("referral")
    s.complete("Task_send_referral", sample("referral/send"))
    camp = start("camp_enrolment")
    camp.complete("Task_enrol", sample("camp/enrolment"))
    nursery = start("nursery_placement")
    nursery.complete("Task_apply_nursery", sample("nursery/application"))
    anna = s.desk.user("anna")
    delivery = build_casefile(s.session, anna, s.desk.case).delivery
    assert [r.partner_name for r in delivery.referrals] == ["PCPR Lublin"]
    assert [(c.camp_number, c.participants, c.attended) for c in delivery.camps] == [(1, 2, None)]
    assert [p.status for p in delivery.placements] == ["applied"]
    for kind, model in (
        ("referral", Referral),
        ("camp_enrolment", CampEnrolment),
        ("nursery_placement", NurseryPlacement),
    ):
        row_id = s.session.scalar(select(model.id))
        card = record_card(s.session, anna, kind, row_id)
        assert card is not None and card.case_id == s.desk.case.id and card.prepared_by_id == anna.id
