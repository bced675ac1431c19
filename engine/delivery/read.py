"""Sessions, placements, camps and referrals as the case file and the record cards show them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from engine.accounts.models import User
from engine.cases.models import Case
from engine.closure.read import closure_requests
from engine.delivery.models import CampEnrolment, NurseryPlacement, Referral, ServiceSession
from engine.records.views import RecordCard, RecordSection, record_view

SESSION_FORM = "session/record"
NURSERY_APPLICATION_FORM = "nursery/application"
NURSERY_PLACEMENT_FORM = "nursery/placement"
CAMP_ENROLMENT_FORM = "camp/enrolment"
CAMP_ATTENDANCE_FORM = "camp/attendance"
REFERRAL_SEND_FORM = "referral/send"
REFERRAL_ANSWER_FORM = "referral/answer"
REFERRAL_OUTCOME_FORM = "referral/outcome"


@dataclass(frozen=True)
class SessionItem:
    id: int
    role: str
    session_date: date
    duration_minutes: int | None
    form: str
    interpreter: bool
    status: str
    note: str | None  # None when withheld from this reader
    restricted: bool
    specialist_by_id: int | None


@dataclass(frozen=True)
class PlacementItem:
    id: int
    child_name: str
    facility_type: str
    facility_name: str
    requested_start: date
    applied_on: date
    status: str
    start_date: date | None
    monthly_fee: Decimal | None
    fee_paid_by_programme: bool
    applied_by_id: int | None


@dataclass(frozen=True)
class CampItem:
    id: int
    camp_number: int
    start_date: date
    end_date: date
    status: str
    participants: int
    attended: int | None
    enrolled_by_id: int | None


@dataclass(frozen=True)
class ReferralItem:
    id: int
    partner: str
    partner_name: str
    sharing_basis: str
    sent_on: date
    answer_due_on: date
    status: str
    answer_on: date | None
    done_on: date | None
    sent_by_id: int | None


@dataclass(frozen=True)
class ClosureItem:
    id: int
    reason: str
    status: str
    requested_by_id: int | None
    requested_at: datetime
    decided_by_id: int | None
    decision_comment: str | None


@dataclass
class DeliveryFile:
    sessions: list[SessionItem] = field(default_factory=list)
    placements: list[PlacementItem] = field(default_factory=list)
    camps: list[CampItem] = field(default_factory=list)
    referrals: list[ReferralItem] = field(default_factory=list)
    #: The case's closure requests (engine.closure), shown at the end of the delivery section.
    closures: list[ClosureItem] = field(default_factory=list)


def for_casefile(session: Session, actor: User, case: Case) -> DeliveryFile:
    """The case's sessions, nursery placements, camp enrolments and referrals, oldest first."""
    sessions = session.scalars(
        select(ServiceSession)
        .where(ServiceSession.case_id == case.id)
        .order_by(ServiceSession.session_date, ServiceSession.id)
    )
    placements = session.scalars(
        select(NurseryPlacement).where(NurseryPlacement.case_id == case.id).order_by(NurseryPlacement.id)
    )
    camps = session.scalars(
        select(CampEnrolment)
        .where(CampEnrolment.case_id == case.id)
        .options(selectinload(CampEnrolment.participants))
        .order_by(CampEnrolment.start_date, CampEnrolment.id)
    )
    referrals = session.scalars(select(Referral).where(Referral.case_id == case.id).order_by(Referral.id))
    closures = [
        ClosureItem(
            id=row.id,
            reason=row.reason,
            status=row.status,
            requested_by_id=row.requested_by_id,
            requested_at=row.requested_at,
            decided_by_id=row.decided_by_id,
            decision_comment=row.decision_comment,
        )
        for row in closure_requests(session, case)
    ]
    return DeliveryFile(
        closures=closures,
        sessions=[_session_item(row, actor, case) for row in sessions],
        placements=[
            PlacementItem(
                id=row.id,
                child_name=row.child_name,
                facility_type=row.facility_type,
                facility_name=row.facility_name,
                requested_start=row.requested_start,
                applied_on=row.applied_on,
                status=row.status,
                start_date=row.start_date,
                monthly_fee=row.monthly_fee,
                fee_paid_by_programme=row.fee_paid_by_programme,
                applied_by_id=row.applied_by_id,
            )
            for row in placements
        ],
        camps=[
            CampItem(
                id=row.id,
                camp_number=row.camp_number,
                start_date=row.start_date,
                end_date=row.end_date,
                status=row.status,
                participants=len(row.participants),
                attended=(sum(1 for p in row.participants if p.attended) if row.attendance_at is not None else None),
                enrolled_by_id=row.enrolled_by_id,
            )
            for row in camps
        ],
        referrals=[
            ReferralItem(
                id=row.id,
                partner=row.partner,
                partner_name=row.partner_name,
                sharing_basis=row.sharing_basis,
                sent_on=row.sent_on,
                answer_due_on=row.answer_due_on,
                status=row.status,
                answer_on=row.answer_on,
                done_on=row.done_on,
                sent_by_id=row.sent_by_id,
            )
            for row in referrals
        ],
    )


def _session_item(row: ServiceSession, actor: User, case: Case) -> SessionItem:
    readable = row.note_readable_by(actor, case)
    return SessionItem(
        id=row.id,
        role=row.role,
        session_date=row.session_date,
        duration_minutes=row.duration_minutes,
        form=row.form,
        interpreter=row.interpreter,
        status=row.status,
        note=row.note if readable else None,
        restricted=not readable,
        specialist_by_id=row.specialist_id,
    )


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


@record_view("session")
def session_card(session: Session, actor: User, record_id: int) -> RecordCard | None:
    row = session.get(ServiceSession, record_id)
    if row is None:
        return None
    readable = row.note_readable_by(actor, session.get(Case, row.case_id))
    values: dict[str, Any] = {
        "session_date": row.session_date.isoformat(),
        "session_duration_minutes": row.duration_minutes,
        "session_form": row.form,
        "session_interpreter": row.interpreter,
        "session_status": row.status,
    }
    if readable:
        values["session_note"] = row.note
        values["session_health"] = row.special_category
        sections = [RecordSection(SESSION_FORM, values, by_id=row.specialist_id, at=row.updated_at)]
    else:
        # The reader learns that the session took place, when and how; the note is withheld.
        sections = [
            RecordSection(SESSION_FORM, values, by_id=row.specialist_id, at=row.updated_at),
            RecordSection(SESSION_FORM, {}, by_id=row.specialist_id, at=row.updated_at, restricted=True),
        ]
    return RecordCard("session", row.id, row.case_id, sections, prepared_by_id=row.recorded_by_id)


@record_view("nursery_placement")
def nursery_placement_card(session: Session, actor: User, record_id: int) -> RecordCard | None:
    row = session.get(NurseryPlacement, record_id)
    if row is None:
        return None
    sections = [
        RecordSection(
            NURSERY_APPLICATION_FORM,
            {
                "child_name": row.child_name,
                "child_birth_date": row.child_birth_date.isoformat(),
                "facility_type": row.facility_type,
                "facility_name": row.facility_name,
                "requested_start_date": row.requested_start.isoformat(),
                "application_submitted_on": row.applied_on.isoformat(),
            },
            by_id=row.applied_by_id,
            at=row.applied_at,
        )
    ]
    if row.result_at is not None:
        sections.append(
            RecordSection(
                NURSERY_PLACEMENT_FORM,
                {
                    "placement_status": row.status,
                    "placement_start_date": _iso(row.start_date),
                    "monthly_fee": str(row.monthly_fee) if row.monthly_fee is not None else None,
                    "fee_paid_by_programme": row.fee_paid_by_programme,
                    "placement_note": row.note,
                },
                by_id=row.result_by_id,
                at=row.result_at,
            )
        )
    return RecordCard("nursery_placement", row.id, row.case_id, sections, prepared_by_id=row.applied_by_id)


@record_view("camp_enrolment")
def camp_enrolment_card(session: Session, actor: User, record_id: int) -> RecordCard | None:
    row = session.get(CampEnrolment, record_id)
    if row is None:
        return None
    sections = [
        RecordSection(
            CAMP_ENROLMENT_FORM,
            {
                "camp_number": row.camp_number,
                "camp_start_date": row.start_date.isoformat(),
                "camp_end_date": row.end_date.isoformat(),
                "camp_participants": [
                    {"participant_name": p.name, "relation": p.relation, "age": p.age} for p in row.participants
                ],
                "camp_special_needs": row.special_needs,
            },
            by_id=row.enrolled_by_id,
            at=row.enrolled_at,
        )
    ]
    if row.attendance_at is not None:
        sections.append(
            RecordSection(
                CAMP_ATTENDANCE_FORM,
                {
                    "camp_attendance": [
                        {"participant_name": p.name, "attended": bool(p.attended)} for p in row.participants
                    ],
                    "camp_feedback": row.feedback,
                },
                by_id=row.attendance_by_id,
                at=row.attendance_at,
            )
        )
    return RecordCard("camp_enrolment", row.id, row.case_id, sections, prepared_by_id=row.enrolled_by_id)


@record_view("referral")
def referral_card(session: Session, actor: User, record_id: int) -> RecordCard | None:
    row = session.get(Referral, record_id)
    if row is None:
        return None
    sections = [
        RecordSection(
            REFERRAL_SEND_FORM,
            {
                "referral_partner": row.partner,
                "referral_partner_name": row.partner_name,
                "referral_purpose": row.purpose,
                "referral_sent_on": row.sent_on.isoformat(),
                "referral_answer_days": (row.answer_due_on - row.sent_on).days,
                "referral_sharing_basis": row.sharing_basis,
                "referral_override_reason": row.override_reason,
            },
            by_id=row.sent_by_id,
            at=row.sent_at,
        )
    ]
    if row.answer_at is not None:
        sections.append(
            RecordSection(
                REFERRAL_ANSWER_FORM,
                {
                    "referral_answer": row.answer,
                    "referral_answer_on": _iso(row.answer_on),
                    "referral_answer_note": row.answer_note,
                },
                by_id=row.answer_by_id,
                at=row.answer_at,
            )
        )
    if row.outcome_at is not None:
        sections.append(
            RecordSection(
                REFERRAL_OUTCOME_FORM,
                {"referral_done_on": _iso(row.done_on), "referral_result_note": row.result_note},
                by_id=row.outcome_by_id,
                at=row.outcome_at,
            )
        )
    return RecordCard("referral", row.id, row.case_id, sections, prepared_by_id=row.sent_by_id)
