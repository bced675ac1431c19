"""The interdisciplinary team: quarterly meetings in February, May, August and November."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from engine.team.flags import flag_for_team, team_flag
from engine.team.models import MeetingStatus, TeamDecision, TeamMeeting
from tests.processes.driver import FormDataRejected
from tests.processes.samples import sample

CYCLE = {"extra_meeting": False}
REASONS = ["Housing crisis", "Trafficking indicators"]


def flag_cases(s) -> list:
    """Open two cases of the office and flag them for the team, as case members do."""
    cases = []
    for number, reason in enumerate(REASONS):
        case = s.desk.open_case("anna", given_names_latin=f"Person{number}", document_number=f"DOC{number}")
        flag_for_team(s.session, s.desk.user("anna"), case, reason)
        cases.append(case)
    return cases


def agenda_for(cases) -> dict:
    return sample(
        "team/agenda",
        agenda_items=[
            {"case_ref": case.number, "reason": reason, "presenter_role": "social_worker"}
            for case, reason in zip(cases, REASONS, strict=True)
        ],
    )


def minutes_for(case, **changes) -> dict:
    minutes = sample("team/minutes", **changes)
    if "meeting_decisions" not in changes:
        minutes["meeting_decisions"][0]["case_ref"] = case.number
    return minutes


def test_meetings_wait_for_the_meeting_month_and_propose_the_flagged_cases(start) -> None:
    s = start("team_meeting", CYCLE)
    assert [t.value[:10] for t in s.waiting_timers()] == ["2026-02-01"]
    cases = flag_cases(s)
    s.advance_to(datetime(2026, 1, 31, 12, tzinfo=UTC))
    assert s.ready_ids() == []
    s.advance_to(datetime(2026, 2, 1, 12, tzinfo=UTC))
    agenda = s.task("Task_prepare_agenda")
    assert agenda.task_spec.lane == "supervisor"
    assert agenda.row.input_data["meeting_planned_on"] == "2026-02-01"
    assert agenda.row.input_data["agenda_items"] == [
        {"case_ref": case.number, "reason": reason} for case, reason in zip(cases, REASONS, strict=True)
    ]
    s.complete("Task_prepare_agenda", agenda_for(cases), actor="ewa")
    meeting = s.session.scalar(select(TeamMeeting))
    minutes_task = s.task("Task_record_minutes")
    assert meeting is not None and minutes_task.data["team_meeting_id"] == meeting.id
    assert [item.case_id for item in meeting.agenda] == [case.id for case in cases]
    assert "agenda_items" not in minutes_task.data and "Housing crisis" not in repr(minutes_task.data)
    s.complete("Task_record_minutes", minutes_for(cases[0]), actor="ewa")
    s.session.refresh(meeting)
    assert meeting.status == MeetingStatus.HELD
    decisions = s.session.scalars(select(TeamDecision).order_by(TeamDecision.id)).all()
    assert [(d.case_id, d.assigned_role) for d in decisions] == [(cases[0].id, "social_worker"), (None, "supervisor")]
    # Discussed cases leave the team's list.
    assert all(team_flag(s.session, case.id) is None for case in cases)
    assert [t.value[:10] for t in s.waiting_timers()] == ["2026-05-01"]
    s.advance_to(datetime(2026, 5, 1, 12, tzinfo=UTC))
    assert s.task("Task_prepare_agenda").row.input_data["agenda_items"] == []
    s.complete("Task_prepare_agenda", sample("team/agenda", agenda_items=[]), actor="ewa")
    s.complete("Task_record_minutes", sample("team/minutes", meeting_decisions=[]), actor="ewa")
    assert [t.value[:10] for t in s.waiting_timers()] == ["2026-08-01"]
    s.advance_to(datetime(2026, 8, 1, 12, tzinfo=UTC))
    s.complete("Task_prepare_agenda", sample("team/agenda", agenda_items=[]), actor="ewa")
    s.complete(
        "Task_record_minutes", sample("team/minutes", meeting_decisions=[], continue_meetings=False), actor="ewa"
    )
    assert s.completed
    assert s.data["meetings_held"] == 3


def test_an_agenda_may_name_only_cases_of_the_office(start) -> None:
    s = start("team_meeting", CYCLE)
    s.advance_to(datetime(2026, 2, 1, 12, tzinfo=UTC))
    with pytest.raises(FormDataRejected, match="case_ref"):
        s.complete("Task_prepare_agenda", sample("team/agenda"), actor="ewa")
    assert s.session.scalar(select(TeamMeeting.id)) is None


def test_minutes_cannot_predate_the_planned_meeting(start) -> None:
    s = start("team_meeting", CYCLE)
    s.advance_to(datetime(2026, 2, 1, 12, tzinfo=UTC))
    s.complete(
        "Task_prepare_agenda", sample("team/agenda", agenda_items=[], meeting_planned_on="2026-02-12"), actor="ewa"
    )
    with pytest.raises(FormDataRejected, match="meeting_held_on"):
        s.complete(
            "Task_record_minutes",
            sample("team/minutes", meeting_held_on="2026-02-11", meeting_decisions=[]),
            actor="ewa",
        )


def test_a_cycle_started_in_december_meets_next_february(start) -> None:
    s = start("team_meeting", CYCLE, start=datetime(2026, 12, 3, 9, tzinfo=UTC))
    assert [t.value[:10] for t in s.waiting_timers()] == ["2027-02-01"]
