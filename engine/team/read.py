"""Team meetings as their supervisors read them."""

from __future__ import annotations

from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.cases.models import Case
from engine.records.views import RecordCard, RecordSection, record_view
from engine.team.models import TeamMeeting


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
