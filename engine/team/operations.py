"""The operations of the team meeting: the agenda from the flagged cases, then the minutes and decisions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.accounts.roles import SPECIALIST_ROLES, Role
from engine.audit.service import record
from engine.cases.models import Case
from engine.clock import utcnow
from engine.errors import Conflict, Forbidden, InvalidInput, NotFound
from engine.operations import inputs
from engine.operations.registry import Call, OperationKind, Subject, operation, prefill_for
from engine.operations.rules import require_actor
from engine.team.dispatch import dispatch_decisions, plan_in_force
from engine.team.flags import clear_team_flag, flagged_for_team
from engine.team.models import (
    DecisionKind,
    DecisionStatus,
    MeetingStatus,
    TeamAgendaItem,
    TeamAttendee,
    TeamDecision,
    TeamMeeting,
)

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


def _office_user(session: Session, office_id: int, username: Any, role: str | None) -> User | None:
    name = str(username or "").strip()
    if not name:
        return None
    user = session.scalar(select(User).where(User.username == name, User.office_id == office_id, User.active))
    if user is None or (role is not None and not user.has_role(role)):
        return None
    return user


def _decision(session: Session, office_id: int, item: Mapping[str, Any], prefix: str) -> TeamDecision:
    """One decision of the minutes: work for a role or a named person by a date, or an amendment of the plan."""
    ref = item.get("case_ref")
    case = _case_by_ref(session, office_id, str(ref), f"{prefix}/case_ref") if ref else None
    kind = inputs.choice(item, "decision_kind", tuple(DecisionKind)) if item.get("decision_kind") else DecisionKind.TASK
    role = inputs.choice(item, "assigned_role", ROLES)
    assignee = None
    if kind == DecisionKind.PLAN_AMENDMENT:
        if case is None:
            raise InvalidInput("a plan amendment needs its case", {f"{prefix}/case_ref": "required"})
        if plan_in_force(session, case.id) is None:
            raise InvalidInput(
                "the case has no signed plan to amend", {f"{prefix}/decision_kind": "no signed plan in this case"}
            )
    elif item.get("assignee_username"):
        assignee = _office_user(session, office_id, item.get("assignee_username"), role)
        if assignee is None:
            raise InvalidInput(
                "the person is not a user of this office with the chosen role",
                {f"{prefix}/assignee_username": f"no {role} with this username in the office"},
            )
    return TeamDecision(
        case_id=case.id if case else None,
        decision=inputs.text(item, "decision") or "",
        kind=kind,
        assigned_role=role,
        assignee_id=assignee.id if assignee else None,
        due_on=inputs.day(item, "due_on"),
    )


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


def _presenter(case: Case, user_id: int | None) -> dict[str, str]:
    """Whoever flagged the case presents it, in their role on the case."""
    if user_id is not None and user_id == case.case_manager_id:
        return {"presenter_role": str(Role.SOCIAL_WORKER)}
    roles = sorted(member.role for member in case.members if member.user_id == user_id and member.role in ROLES)
    return {"presenter_role": roles[0]} if roles else {}


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
            {"case_ref": case.number, "reason": flag.reason or "", **_presenter(case, flag.set_by_id)}
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
        member = _office_user(call.session, office_id, person.get("attendee_username"), None)
        if person.get("attendee_username") and member is None:
            raise InvalidInput(
                "an attendee's username is not a user of this office",
                {f"meeting_attendees/{index}/attendee_username": "no such user in this office"},
            )
        meeting.attendees.append(
            TeamAttendee(
                name=name,
                role=role,
                user_id=member.id if member else None,
                organisation=inputs.text(person, "attendee_organisation", required=False) if member is None else None,
            )
        )
    for index, item in enumerate(call.form.get("meeting_decisions") or []):
        meeting.decisions.append(_decision(call.session, office_id, item, f"meeting_decisions/{index}"))
    for item in meeting.agenda:
        clear_team_flag(call.session, actor, item.case_id)
    call.session.flush()
    dispatch_decisions(call.session, actor, office_id, list(meeting.decisions))
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


DECISION = Subject("team_decision", "team_decision_id")


def _open_decision(call: Call) -> TeamDecision:
    decision = call.session.get(TeamDecision, call.record_id("team_decision_id"), with_for_update=True)
    if decision is None:
        raise NotFound("the team decision of this process does not exist")
    if decision.status != DecisionStatus.OPEN:
        raise Conflict("this team decision is closed already")
    return decision


@operation(
    "record_team_follow_up",
    summary="Record what was done about a team decision; the decision is then done.",
    fields={"follow_up_outcome": True},
    reads=("team_decision_id",),
    subject=DECISION,
)
def record_team_follow_up(call: Call) -> Mapping[str, Any]:
    actor = require_actor(call.actor)
    decision = _open_decision(call)
    if decision.assignee_id is not None and decision.assignee_id != actor.id and not actor.has_role(Role.SUPERVISOR):
        raise Forbidden("the team gave this decision to someone else")
    decision.outcome = inputs.text(call.form, "follow_up_outcome", required=True)
    decision.status = DecisionStatus.DONE
    decision.done_at = utcnow()
    decision.done_by_id = actor.id
    record(
        call.session,
        "team.decision_done",
        actor=actor,
        case_id=decision.case_id,
        instance_id=call.instance.id,
        team_decision_id=decision.id,
    )
    return {}


@operation(
    "close_team_decision",
    kind=OperationKind.SERVICE,
    summary="Close a plan-amendment decision of the team once the annex went through drafting and approval.",
    reads=("team_decision_id",),
)
def close_team_decision(call: Call) -> Mapping[str, Any]:
    decision = _open_decision(call)
    decision.status = DecisionStatus.DONE
    decision.done_at = utcnow()
    record(
        call.session,
        "team.decision_done",
        actor=call.actor,
        case_id=decision.case_id,
        instance_id=call.instance.id,
        team_decision_id=decision.id,
    )
    return {}
