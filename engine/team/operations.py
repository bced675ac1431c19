"""The operations of the team meeting: the agenda from the flagged cases, then the minutes and decisions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts.roles import SPECIALIST_ROLES, Role
from engine.audit.service import record
from engine.cases.models import Case
from engine.clock import utcnow
from engine.errors import Conflict, InvalidInput, NotFound
from engine.operations import inputs
from engine.operations.registry import Call, Subject, operation, prefill_for
from engine.operations.rules import require_actor
from engine.team.flags import clear_team_flag, flagged_for_team
from engine.team.models import MeetingStatus, TeamAgendaItem, TeamAttendee, TeamDecision, TeamMeeting

SUBJECT = Subject("team_meeting", "team_meeting_id")
ROLES = tuple(sorted(str(role) for role in SPECIALIST_ROLES | {Role.SUPERVISOR}))
ATTENDEE_ROLES = (*ROLES, "partner")


def _office_id(call: Call) -> int:
    office_id = call.instance.office_id
    if office_id is None:
        raise Conflict("the team meeting belongs to no office")
    return office_id


def _case_by_ref(session: Session, office_id: int, ref: str, field: str) -> Case:
    case = session.scalar(select(Case).where(Case.number == ref.strip(), Case.office_id == office_id))
    if case is None:
        raise InvalidInput("a case number is not a case of this office", {field: f"no case {ref} in this office"})
    return case


@operation(
    "record_team_agenda",
    summary="Plan the team meeting: date, place and the cases to discuss (proposed: the cases flagged for the team).",
    fields={"meeting_planned_on": True, "meeting_place": True, "agenda_items": True},
    reads=("next_meeting_on",),
    writes=("team_meeting_id",),
    subject=SUBJECT,
)
def record_team_agenda(call: Call) -> Mapping[str, Any]:
    actor = require_actor(call.actor)
    office_id = _office_id(call)
    meeting = TeamMeeting(
        office_id=office_id,
        instance_id=call.instance.id,
        planned_on=inputs.day(call.form, "meeting_planned_on"),
        place=inputs.text(call.form, "meeting_place") or "",
        status=MeetingStatus.PLANNED,
        prepared_by_id=actor.id,
        prepared_at=utcnow(),
    )
    for index, item in enumerate(call.form.get("agenda_items") or []):
        prefix = f"agenda_items/{index}"
        case = _case_by_ref(call.session, office_id, str(item.get("case_ref") or ""), f"{prefix}/case_ref")
        meeting.agenda.append(
            TeamAgendaItem(
                case_id=case.id,
                reason=inputs.text(item, "reason") or "",
                presenter_role=item.get("presenter_role") if item.get("presenter_role") in ROLES else None,
            )
        )
    call.session.add(meeting)
    call.session.flush()
    record(
        call.session,
        "team.agenda_recorded",
        actor=actor,
        office_id=office_id,
        instance_id=call.instance.id,
        team_meeting_id=meeting.id,
        cases=len(meeting.agenda),
    )
    return {"team_meeting_id": meeting.id}


@prefill_for("record_team_agenda")
def agenda_proposal(call: Call) -> Mapping[str, Any]:
    """The agenda starts with every open case of the office flagged for the team, with the reason given."""
    office_id = call.instance.office_id
    if office_id is None:
        return {}
    planned = call.values.get("next_meeting_on")
    return {
        **({"meeting_planned_on": planned} if isinstance(planned, str) else {}),
        "agenda_items": [
            {"case_ref": case.number, "reason": flag.reason or ""}
            for case, flag in flagged_for_team(call.session, office_id)
        ],
    }


@operation(
    "record_team_minutes",
    summary="Record that the meeting was held: attendees, minutes and decisions; discussed cases leave the list.",
    fields={
        "meeting_held_on": True,
        "meeting_attendees": True,
        "meeting_minutes": True,
        "meeting_decisions": True,
        "continue_meetings": True,
    },
    reads=("team_meeting_id",),
    writes=("continue_meetings",),
    subject=SUBJECT,
)
def record_team_minutes(call: Call) -> Mapping[str, Any]:
    actor = require_actor(call.actor)
    office_id = _office_id(call)
    meeting = call.session.get(TeamMeeting, call.record_id("team_meeting_id"), with_for_update=True)
    if meeting is None or meeting.office_id != office_id:
        raise NotFound("the meeting of this process does not exist")
    if meeting.status != MeetingStatus.PLANNED:
        raise Conflict("the minutes of this meeting are recorded already")
    held_on = inputs.day(call.form, "meeting_held_on")
    if held_on < meeting.planned_on:
        raise InvalidInput(
            "the meeting cannot be held before it was planned",
            {"meeting_held_on": f"on or after {meeting.planned_on.isoformat()}"},
        )
    meeting.held_on = held_on
    meeting.minutes = inputs.text(call.form, "meeting_minutes")
    meeting.status = MeetingStatus.HELD
    meeting.recorded_by_id = actor.id
    meeting.recorded_at = utcnow()
    for index, person in enumerate(call.form.get("meeting_attendees") or []):
        role = inputs.choice(person, "attendee_role", ATTENDEE_ROLES) if person.get("attendee_role") else "partner"
        name = inputs.text(person, "attendee_name") or ""
        if not name:
            raise InvalidInput("an attendee has no name", {f"meeting_attendees/{index}/attendee_name": "required"})
        meeting.attendees.append(TeamAttendee(name=name, role=role))
    for index, item in enumerate(call.form.get("meeting_decisions") or []):
        prefix = f"meeting_decisions/{index}"
        ref = item.get("case_ref")
        case = _case_by_ref(call.session, office_id, str(ref), f"{prefix}/case_ref") if ref else None
        meeting.decisions.append(
            TeamDecision(
                case_id=case.id if case else None,
                decision=inputs.text(item, "decision") or "",
                assigned_role=inputs.choice(item, "assigned_role", ROLES),
                due_on=inputs.day(item, "due_on"),
            )
        )
    for item in meeting.agenda:
        clear_team_flag(call.session, actor, item.case_id)
    call.session.flush()
    record(
        call.session,
        "team.minutes_recorded",
        actor=actor,
        office_id=office_id,
        instance_id=call.instance.id,
        team_meeting_id=meeting.id,
        decisions=len(meeting.decisions),
    )
    return {"continue_meetings": call.form.get("continue_meetings") is True}
