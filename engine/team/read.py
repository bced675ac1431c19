"""Team meetings as their supervisors read them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.cases.models import Case
from engine.records.views import RecordCard, RecordSection, record_view
from engine.team.models import TeamAgendaItem, TeamDecision, TeamMeeting


def _ref(session: Session, case_id: int | None) -> str | None:
    case = session.get(Case, case_id) if case_id is not None else None
    return case.number if case else None


@record_view("team_meeting")
def team_meeting_card(session: Session, actor: User, record_id: int) -> RecordCard | None:
    meeting = session.get(TeamMeeting, record_id)
    if meeting is None:
        return None
    sections = [
        RecordSection(
            "team/agenda",
            {
                "meeting_planned_on": meeting.planned_on.isoformat(),
                "meeting_place": meeting.place,
                "agenda_items": [
                    {
                        "case_ref": _ref(session, item.case_id),
                        "reason": item.reason,
                        "presenter_role": item.presenter_role,
                    }
                    for item in meeting.agenda
                ],
            },
            by_id=meeting.prepared_by_id,
            at=meeting.prepared_at,
        )
    ]
    if meeting.held_on is not None:
        sections.append(
            RecordSection(
                "team/minutes",
                {
                    "meeting_held_on": meeting.held_on.isoformat(),
                    "meeting_attendees": [
                        {"attendee_name": person.name, "attendee_role": person.role} for person in meeting.attendees
                    ],
                    "meeting_minutes": meeting.minutes,
                    "meeting_decisions": [
                        {
                            "case_ref": _ref(session, decision.case_id),
                            "decision": decision.decision,
                            "assigned_role": decision.assigned_role,
                            "due_on": decision.due_on.isoformat(),
                        }
                        for decision in meeting.decisions
                    ],
                },
                by_id=meeting.recorded_by_id,
                at=meeting.recorded_at,
            )
        )
    return RecordCard("team_meeting", meeting.id, None, sections, meeting.prepared_by_id, office_id=meeting.office_id)


def case_decisions(session: Session, case_id: int) -> list[tuple[TeamDecision, TeamMeeting]]:
    """The team's decisions about a case, newest meeting first (the case file shows them)."""
    rows = session.execute(
        select(TeamDecision, TeamMeeting)
        .join(TeamMeeting, TeamMeeting.id == TeamDecision.meeting_id)
        .where(TeamDecision.case_id == case_id)
        .order_by(TeamMeeting.held_on.desc(), TeamDecision.id)
    ).all()
    return [(decision, meeting) for decision, meeting in rows]


def office_meetings(session: Session, office_id: int, limit: int = 40) -> list[TeamMeeting]:
    return list(
        session.scalars(
            select(TeamMeeting)
            .where(TeamMeeting.office_id == office_id)
            .order_by(TeamMeeting.planned_on.desc(), TeamMeeting.id.desc())
            .limit(limit)
        )
    )


def visible_agenda(session: Session, actor: User, meeting: TeamMeeting) -> list[tuple[TeamAgendaItem, Case | None]]:
    """The agenda as ``actor`` may read it: a case they cannot open is listed without its number or reason."""
    result: list[tuple[TeamAgendaItem, Case | None]] = []
    for item in meeting.agenda:
        case = session.get(Case, item.case_id)
        result.append((item, case if case is not None and case.can_view(actor) else None))
    return result


def may_read_meeting(actor: User, meeting: TeamMeeting) -> bool:
    """Members of the office (the team's internal members) read its meetings."""
    return actor.active and actor.office_id == meeting.office_id


@record_view("team_decision")
def team_decision_card(session: Session, actor: User, record_id: int) -> RecordCard | None:
    """What the team decided, shown on the follow-up task and readable by whoever may read the case."""
    decision = session.get(TeamDecision, record_id)
    if decision is None:
        return None
    meeting = session.get(TeamMeeting, decision.meeting_id)
    assert meeting is not None
    values = {
        "meeting_held_on": meeting.held_on.isoformat() if meeting.held_on else None,
        "case_ref": _ref(session, decision.case_id),
        "decision": decision.decision,
        "decision_kind": decision.kind,
        "due_on": decision.due_on.isoformat(),
        "follow_up_outcome": decision.outcome,
    }
    section = RecordSection("team/decision", values, by_id=meeting.recorded_by_id, at=meeting.recorded_at)
    return RecordCard(
        "team_decision", decision.id, decision.case_id, [section], meeting.recorded_by_id, office_id=meeting.office_id
    )
