"""The operations of the delivery processes: sessions, nursery placements, camps and referrals."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from engine.accounts.roles import Role
from engine.audit.service import record
from engine.clock import utcnow
from engine.delivery.models import (
    CAMP_NUMBERS,
    CAMP_RELATIONS,
    REFERRAL_ANSWERS,
    REFERRAL_PARTNERS,
    SESSION_CLOSED,
    CampEnrolment,
    CampParticipant,
    CampStatus,
    FacilityType,
    NurseryPlacement,
    PlacementStatus,
    Referral,
    ReferralStatus,
    ServiceSession,
    SessionForm,
    SessionStatus,
    SharingBasis,
)
from engine.errors import Conflict, InvalidInput, NotFound
from engine.operations import inputs
from engine.operations.registry import Call, Subject, operation, prefill_for
from engine.operations.rules import require_actor
from engine.people import consents

_Row = TypeVar("_Row", ServiceSession, NurseryPlacement, CampEnrolment, Referral)

SESSION = Subject("session", "session_id")
PLACEMENT = Subject("nursery_placement", "nursery_placement_id")
CAMP = Subject("camp_enrolment", "camp_enrolment_id")
REFERRAL = Subject("referral", "referral_id")

SESSION_ROLES = (Role.SOCIAL_WORKER, Role.PSYCHOLOGIST, Role.LAWYER, Role.CAREER_COUNSELLOR)
#: What the recruitment result form offers (withdrawn is the closure's, not a result).
PLACEMENT_RESULTS = (PlacementStatus.PLACED, PlacementStatus.WAITING_LIST, PlacementStatus.REFUSED)


def _load(session: Session, call: Call, model: type[_Row], subject: Subject, what: str, *, lock: bool = True) -> _Row:
    case = call.require_case()
    row = session.get(model, call.record_id(subject.key), with_for_update=lock)
    if row is None or row.case_id != case.id:
        raise NotFound(f"the {what} of this process does not exist")
    return row


def _optional_id(call: Call, key: str) -> int | None:
    value = call.values.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# -- sessions -------------------------------------------------------------------------------------------------
@operation(
    "record_session",
    summary="Record a specialist's session (date, duration, form, interpreter, status, note); again until it is over.",
    fields={
        "session_date": True,
        "session_duration_minutes": False,
        "session_form": True,
        "session_interpreter": True,
        "session_status": True,
        "session_note": False,
        "session_health": False,
    },
    reads=("session_id",),
    writes=("session_id", "session_status"),
    subject=SESSION,
)
def record_session(call: Call) -> Mapping[str, Any]:
    actor = require_actor(call.actor)
    case = call.require_case()
    form = call.form
    role = call.task.role if call.task is not None and call.task.role else Role.SOCIAL_WORKER
    if role not in SESSION_ROLES:
        raise Conflict(f"sessions are held by specialists; {role} is not one of them")
    status = inputs.choice(form, "session_status", tuple(SessionStatus))
    duration = form.get("session_duration_minutes")
    if duration is not None:
        duration = inputs.whole(form, "session_duration_minutes", low=1, high=1440)
    note = inputs.text(form, "session_note", required=status in (SessionStatus.DONE, SessionStatus.ON_HOLD))
    if status == SessionStatus.DONE and duration is None:
        raise InvalidInput("a session that took place has a duration", {"session_duration_minutes": "required"})
    session_date = inputs.day(form, "session_date")
    existing = _optional_id(call, SESSION.key)
    if existing is None:
        row = ServiceSession(case_id=case.id, instance_id=call.instance.id, role=role, recorded_by_id=actor.id)
        call.session.add(row)
    else:
        row = _load(call.session, call, ServiceSession, SESSION, "session")
        if row.status in SESSION_CLOSED:
            raise Conflict(f"this session is {row.status}; it can no longer change")
    row.specialist_id = actor.id
    row.session_date = session_date
    row.duration_minutes = duration
    row.form = inputs.choice(form, "session_form", tuple(SessionForm))
    row.interpreter = bool(form.get("session_interpreter"))
    previous = row.status
    row.status = status
    row.note = note
    # A note about health (medication, a diagnosis) is health data whoever writes it.
    row.special_category = ServiceSession.is_special_role(role) or bool(form.get("session_health"))
    row.updated_at = utcnow()
    call.session.flush()
    record(
        call.session,
        "delivery.session_recorded",
        actor=actor,
        case_id=case.id,
        instance_id=call.instance.id,
        session_id=row.id,
        role=role,
        status=status,
        previous=previous,
        duration_minutes=duration,
    )
    return {"session_id": row.id, "session_status": status}


@prefill_for("record_session")
def record_session_prefill(call: Call) -> Mapping[str, Any]:
    """A session recorded before (planned, in progress, on hold) comes back as it was, note included."""
    session_id = _optional_id(call, SESSION.key)
    row = call.session.get(ServiceSession, session_id) if session_id is not None else None
    if row is None:
        return {}
    # The note of a special-category session is prefilled only into its own role's task (the same lane); a note
    # marked as health in another lane is not copied into task data, which every case member of the lane reads.
    note = None if row.special_category and not ServiceSession.is_special_role(row.role) else row.note
    return {
        "session_date": row.session_date.isoformat(),
        "session_duration_minutes": row.duration_minutes,
        "session_form": row.form,
        "session_interpreter": row.interpreter,
        "session_status": row.status,
        "session_note": note,
        "session_health": row.special_category,
    }


# -- nursery and kindergarten ---------------------------------------------------------------------------------
@operation(
    "apply_for_nursery",
    summary="Record the application for a nursery or kindergarten place for a child of the household.",
    fields={
        "child_name": True,
        "child_birth_date": True,
        "facility_type": True,
        "facility_name": True,
        "requested_start_date": True,
        "application_submitted_on": True,
    },
    writes=("nursery_placement_id",),
    subject=PLACEMENT,
)
def apply_for_nursery(call: Call) -> Mapping[str, Any]:
    actor = require_actor(call.actor)
    case = call.require_case()
    form = call.form
    birth = inputs.day(form, "child_birth_date")
    applied_on = inputs.day(form, "application_submitted_on")
    requested = inputs.day(form, "requested_start_date")
    if birth > utcnow().date():
        raise InvalidInput("dates out of order", {"child_birth_date": "cannot be in the future"})
    if applied_on < birth:
        raise InvalidInput("dates out of order", {"application_submitted_on": "cannot be before the child's birth"})
    if requested < applied_on:
        raise InvalidInput("dates out of order", {"requested_start_date": "cannot be before the application"})
    row = NurseryPlacement(
        case_id=case.id,
        instance_id=call.instance.id,
        child_name=inputs.text(form, "child_name") or "",
        child_birth_date=birth,
        facility_type=inputs.choice(form, "facility_type", tuple(FacilityType)),
        facility_name=inputs.text(form, "facility_name") or "",
        requested_start=requested,
        applied_on=applied_on,
        status=PlacementStatus.APPLIED,
        applied_by_id=actor.id,
        applied_at=utcnow(),
    )
    call.session.add(row)
    call.session.flush()
    record(
        call.session,
        "delivery.nursery_applied",
        actor=actor,
        case_id=case.id,
        instance_id=call.instance.id,
        nursery_placement_id=row.id,
        facility_type=row.facility_type,
    )
    return {"nursery_placement_id": row.id}


@operation(
    "record_placement",
    summary="Record the recruitment result: placed (start date and monthly fee), waiting list, or refused.",
    fields={
        "placement_status": True,
        "placement_start_date": False,
        "monthly_fee": False,
        "fee_paid_by_programme": True,
        "placement_note": False,
    },
    reads=("nursery_placement_id",),
    writes=("placement_status",),
    subject=PLACEMENT,
)
def record_placement(call: Call) -> Mapping[str, Any]:
    actor = require_actor(call.actor)
    case = call.require_case()
    row = _load(call.session, call, NurseryPlacement, PLACEMENT, "nursery application")
    if row.status not in (PlacementStatus.APPLIED, PlacementStatus.WAITING_LIST):
        raise Conflict(f"this application is {row.status}; its result is already recorded")
    form = call.form
    status = inputs.choice(form, "placement_status", tuple(PLACEMENT_RESULTS))
    start = fee = None
    if status == PlacementStatus.PLACED:
        start = inputs.day(form, "placement_start_date")
        fee = inputs.money(form, "monthly_fee", positive=False)
        if start < row.applied_on:
            raise InvalidInput("dates out of order", {"placement_start_date": "cannot be before the application"})
    previous = row.status
    row.status = status
    row.start_date = start
    row.monthly_fee = fee
    row.fee_paid_by_programme = bool(form.get("fee_paid_by_programme")) and status == PlacementStatus.PLACED
    row.note = inputs.text(form, "placement_note", required=False)
    row.result_by_id = actor.id
    row.result_at = utcnow()
    record(
        call.session,
        "delivery.placement_recorded",
        actor=actor,
        case_id=case.id,
        instance_id=call.instance.id,
        nursery_placement_id=row.id,
        status=status,
        previous=previous,
        monthly_fee=str(fee) if fee is not None else None,
        fee_paid_by_programme=row.fee_paid_by_programme,
    )
    return {"placement_status": status}


# -- integration camps ----------------------------------------------------------------------------------------
@operation(
    "enrol_in_camp",
    summary="Enrol the beneficiary and household members on camp 1, 2 or 3 (a camp may not end before it starts).",
    fields={
        "camp_number": True,
        "camp_start_date": True,
        "camp_end_date": True,
        "camp_participants": True,
        "camp_special_needs": False,
    },
    writes=("camp_enrolment_id", "camp_end_date"),
    subject=CAMP,
)
def enrol_in_camp(call: Call) -> Mapping[str, Any]:
    actor = require_actor(call.actor)
    case = call.require_case()
    form = call.form
    number = inputs.whole(form, "camp_number", low=min(CAMP_NUMBERS), high=max(CAMP_NUMBERS))
    start = inputs.day(form, "camp_start_date")
    end = inputs.day(form, "camp_end_date")
    if end < start:
        raise InvalidInput("the camp ends before it starts", {"camp_end_date": "cannot be before the start date"})
    people = form.get("camp_participants")
    if not isinstance(people, list) or not people:
        raise InvalidInput("a camp enrolment has participants", {"camp_participants": "add at least one person"})
    enrolment = CampEnrolment(
        case_id=case.id,
        instance_id=call.instance.id,
        camp_number=number,
        start_date=start,
        end_date=end,
        special_needs=inputs.text(form, "camp_special_needs", required=False),
        status=CampStatus.ENROLLED,
        enrolled_by_id=actor.id,
        enrolled_at=utcnow(),
    )
    names: set[str] = set()
    for position, person in enumerate(people):
        name = inputs.text(person, "participant_name") or ""
        if name.casefold() in names:
            raise InvalidInput("a participant is listed twice", {"camp_participants": f"{position + 1}: listed twice"})
        names.add(name.casefold())
        age = person.get("age")
        enrolment.participants.append(
            CampParticipant(
                position=position,
                name=name,
                relation=inputs.choice(person, "relation", CAMP_RELATIONS),
                age=inputs.whole(person, "age", low=0, high=120) if age is not None else None,
            )
        )
    call.session.add(enrolment)
    call.session.flush()
    record(
        call.session,
        "delivery.camp_enrolled",
        actor=actor,
        case_id=case.id,
        instance_id=call.instance.id,
        camp_enrolment_id=enrolment.id,
        camp_number=number,
        participants=len(enrolment.participants),
    )
    return {"camp_enrolment_id": enrolment.id, "camp_end_date": end.isoformat()}


@operation(
    "record_camp_attendance",
    summary="Record who of the enrolled participants attended the camp, and the feedback.",
    fields={"camp_attendance": True, "camp_feedback": False},
    reads=("camp_enrolment_id",),
    writes=("camp_participants_attended",),
    subject=CAMP,
)
def record_camp_attendance(call: Call) -> Mapping[str, Any]:
    actor = require_actor(call.actor)
    case = call.require_case()
    enrolment = _load(call.session, call, CampEnrolment, CAMP, "camp enrolment")
    if enrolment.status != CampStatus.ENROLLED:
        raise Conflict(f"this enrolment is {enrolment.status}; attendance cannot be recorded")
    if utcnow().date() < enrolment.end_date:
        raise Conflict("attendance is recorded after the camp ends")
    by_name = {p.name.casefold(): p for p in enrolment.participants}
    rows = call.form.get("camp_attendance")
    if not isinstance(rows, list) or not rows:
        raise InvalidInput("attendance lists the participants", {"camp_attendance": "add the participants"})
    seen: set[str] = set()
    for position, item in enumerate(rows):
        name = (inputs.text(item, "participant_name") or "").casefold()
        participant = by_name.get(name)
        if participant is None or name in seen:
            raise InvalidInput(
                "attendance names someone not enrolled", {"camp_attendance": f"{position + 1}: not enrolled"}
            )
        seen.add(name)
        participant.attended = bool(item.get("attended"))
    if seen != set(by_name):
        raise InvalidInput("attendance lists every enrolled participant", {"camp_attendance": "someone is missing"})
    enrolment.feedback = inputs.text(call.form, "camp_feedback", required=False)
    enrolment.status = CampStatus.ATTENDANCE_RECORDED
    enrolment.attendance_by_id = actor.id
    enrolment.attendance_at = utcnow()
    attended = sum(1 for p in enrolment.participants if p.attended)
    record(
        call.session,
        "delivery.camp_attendance_recorded",
        actor=actor,
        case_id=case.id,
        instance_id=call.instance.id,
        camp_enrolment_id=enrolment.id,
        attended=attended,
        enrolled=len(enrolment.participants),
    )
    return {"camp_participants_attended": attended}


@prefill_for("record_camp_attendance")
def record_camp_attendance_prefill(call: Call) -> Mapping[str, Any]:
    """The attendance list starts with the enrolled participants."""
    enrolment_id = _optional_id(call, CAMP.key)
    enrolment = call.session.get(CampEnrolment, enrolment_id) if enrolment_id is not None else None
    if enrolment is None:
        return {}
    return {"camp_attendance": [{"participant_name": p.name, "attended": True} for p in enrolment.participants]}


# -- referrals ------------------------------------------------------------------------------------------------
@operation(
    "send_referral",
    summary=(
        "Send a referral to a partner with the legal basis of sharing; refused on 'consent' unless the "
        "beneficiary's consent to sharing with this partner is in force, and on any other basis unless a "
        "supervisor overrides (the supervisor sending it, or an override recorded on the case). Sets the answer "
        "deadline."
    ),
    fields={
        "referral_partner": True,
        "referral_partner_name": True,
        "referral_purpose": True,
        "referral_sent_on": True,
        "referral_answer_days": True,
        "referral_sharing_basis": True,
        "referral_override_reason": False,
    },
    writes=("referral_id", "referral_status", "referral_answer_due_on"),
    subject=REFERRAL,
)
def send_referral(call: Call) -> Mapping[str, Any]:
    actor = require_actor(call.actor)
    case = call.require_case()
    form = call.form
    basis = inputs.choice(form, "referral_sharing_basis", tuple(SharingBasis))
    override_reason = inputs.text(form, "referral_override_reason", required=basis != SharingBasis.CONSENT)
    partner = inputs.choice(form, "referral_partner", REFERRAL_PARTNERS)
    partner_name = inputs.text(form, "referral_partner_name") or ""
    override = None
    if basis == SharingBasis.CONSENT:
        if not consents.sharing_allowed(call.session, case.beneficiary_id, partner, partner_name):
            raise InvalidInput(
                "there is no consent to sharing data with this partner in force on this case",
                {
                    "referral_sharing_basis": "the beneficiary's consent to sharing with this partner is not "
                    "recorded, was refused or withdrawn: record the consent first, or ask a supervisor to "
                    "override it with a reason"
                },
            )
    elif consents.may_override(actor, case):
        # A supervisor sending the referral overrides the missing consent with the reason given here.
        override = consents.grant_sharing_override(
            call.session,
            actor,
            case,
            partner=partner,
            partner_name=partner_name,
            basis=basis,
            reason=override_reason or "",
        )
    else:
        override = consents.unused_override(call.session, case.id, partner, partner_name)
        if override is None:
            raise InvalidInput(
                "sharing without consent needs a supervisor's override",
                {
                    "referral_sharing_basis": "sharing data without the beneficiary's consent needs a supervisor's "
                    "override for this partner, recorded on the case file"
                },
            )
    sent_on = inputs.day(form, "referral_sent_on")
    days = inputs.whole(form, "referral_answer_days", low=1, high=365)
    referral = Referral(
        case_id=case.id,
        instance_id=call.instance.id,
        partner=partner,
        partner_name=partner_name,
        purpose=inputs.text(form, "referral_purpose") or "",
        sharing_basis=basis,
        override_reason=override_reason if basis != SharingBasis.CONSENT else None,
        sent_on=sent_on,
        answer_due_on=sent_on + timedelta(days=days),
        status=ReferralStatus.SENT,
        sent_by_id=actor.id,
        sent_at=utcnow(),
    )
    call.session.add(referral)
    call.session.flush()
    if override is not None:
        consents.use_override(call.session, override, referral.id)
    record(
        call.session,
        "delivery.referral_sent",
        actor=actor,
        case_id=case.id,
        instance_id=call.instance.id,
        referral_id=referral.id,
        partner=referral.partner,
        sharing_basis=basis,
        override_id=override.id if override is not None else None,
        answer_due_on=referral.answer_due_on.isoformat(),
    )
    return {
        "referral_id": referral.id,
        "referral_status": referral.status,
        "referral_answer_due_on": referral.answer_due_on.isoformat(),
    }


@operation(
    "record_referral_answer",
    summary="Record the partner's answer to a referral: accepted or rejected (with a note), on a date after sending.",
    fields={"referral_answer": True, "referral_answer_on": True, "referral_answer_note": False},
    reads=("referral_id",),
    writes=("referral_answer", "referral_status"),
    subject=REFERRAL,
)
def record_referral_answer(call: Call) -> Mapping[str, Any]:
    actor = require_actor(call.actor)
    case = call.require_case()
    referral = _load(call.session, call, Referral, REFERRAL, "referral")
    if referral.status != ReferralStatus.SENT:
        raise Conflict(f"this referral is {referral.status}; it is not waiting for an answer")
    form = call.form
    answer = inputs.choice(form, "referral_answer", REFERRAL_ANSWERS)
    answer_on = inputs.day(form, "referral_answer_on")
    if answer_on < referral.sent_on:
        raise InvalidInput("dates out of order", {"referral_answer_on": "cannot be before the referral was sent"})
    referral.answer = answer
    referral.answer_on = answer_on
    referral.answer_note = inputs.text(form, "referral_answer_note", required=answer == "rejected")
    referral.answer_by_id = actor.id
    referral.answer_at = utcnow()
    referral.status = ReferralStatus.ACCEPTED if answer == "accepted" else ReferralStatus.REJECTED
    record(
        call.session,
        "delivery.referral_answered",
        actor=actor,
        case_id=case.id,
        instance_id=call.instance.id,
        referral_id=referral.id,
        answer=answer,
    )
    return {"referral_answer": answer, "referral_status": referral.status}


@operation(
    "record_referral_outcome",
    summary="Record that an accepted referral was carried out: date (not before the answer) and result.",
    fields={"referral_done_on": True, "referral_result_note": True},
    reads=("referral_id",),
    writes=("referral_status",),
    subject=REFERRAL,
)
def record_referral_outcome(call: Call) -> Mapping[str, Any]:
    actor = require_actor(call.actor)
    case = call.require_case()
    referral = _load(call.session, call, Referral, REFERRAL, "referral")
    if referral.status != ReferralStatus.ACCEPTED:
        raise Conflict(f"this referral is {referral.status}: only an accepted referral can be done")
    done_on = inputs.day(call.form, "referral_done_on")
    assert referral.answer_on is not None
    if done_on < referral.answer_on:
        raise InvalidInput("dates out of order", {"referral_done_on": "cannot be before the partner's answer"})
    referral.done_on = done_on
    referral.result_note = inputs.text(call.form, "referral_result_note") or ""
    referral.outcome_by_id = actor.id
    referral.outcome_at = utcnow()
    referral.status = ReferralStatus.DONE
    record(
        call.session,
        "delivery.referral_done",
        actor=actor,
        case_id=case.id,
        instance_id=call.instance.id,
        referral_id=referral.id,
    )
    return {"referral_status": referral.status}
