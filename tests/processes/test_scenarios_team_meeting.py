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
        {"case_ref": case.number, "reason": reason, "presenter_role": "social_worker"}
        for case, reason in zip(cases, REASONS, strict=True)
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


def test_a_decision_becomes_a_task_for_the_named_person_with_its_deadline(start) -> None:
    from engine.notifications.models import Notification
    from engine.tasks import service as tasks
    from engine.tasks.models import HumanTask, TaskState
    from engine.team.models import DecisionStatus
    from engine.team.read import case_decisions

    s = start("team_meeting", CYCLE)
    counsellor = s.desk.user("kasia", "career_counsellor")
    other = s.desk.user("tomek", "career_counsellor")
    cases = flag_cases(s)
    s.advance_to(datetime(2026, 2, 1, 12, tzinfo=UTC))
    s.complete("Task_prepare_agenda", agenda_for(cases), actor="ewa")
    decision = {
        "case_ref": cases[0].number,
        "decision": "Find a vocational course",
        "decision_kind": "task",
        "assigned_role": "career_counsellor",
        "assignee_username": "kasia",
        "due_on": "2026-02-27",
    }
    attendees = [
        {"attendee_name": "Ewa", "attendee_role": "supervisor", "attendee_username": "ewa"},
        {"attendee_name": "Jan Kowal", "attendee_role": "partner", "attendee_organisation": "MOPR Lublin"},
    ]
    s.complete(
        "Task_record_minutes",
        sample("team/minutes", meeting_attendees=attendees, meeting_decisions=[decision]),
        actor="ewa",
    )
    meeting = s.session.scalar(select(TeamMeeting))
    assert [(a.user_id, a.organisation) for a in meeting.attendees] == [
        (s.desk.user("ewa").id, None),
        (None, "MOPR Lublin"),
    ]
    follow_up = s.session.scalar(
        select(HumanTask).where(
            HumanTask.state == TaskState.OPEN,
            HumanTask.case_id == cases[0].id,
            HumanTask.operation == "record_team_follow_up",
        )
    )
    assert follow_up is not None
    assert (follow_up.role, follow_up.assignee_id) == ("career_counsellor", counsellor.id)
    assert follow_up.due_at.date().isoformat() == "2026-02-27"
    s.session.expire(cases[0], ["members"])
    assert cases[0].can_view(counsellor), "the person the team named may open the case"
    assert not cases[0].can_view(other)
    notes = s.session.scalars(select(Notification).where(Notification.kind == "team_decision")).all()
    assert [(n.user_id, n.case_id, n.task_id) for n in notes] == [(counsellor.id, cases[0].id, follow_up.id)]
    assert "Person0" not in repr(notes[0].params) and notes[0].params["case_number"] == cases[0].number
    with pytest.raises(Exception, match="no task|someone else|take|assigned"):
        tasks.complete_task(s.session, other, follow_up.id, {"follow_up_outcome": "Done"})
    tasks.complete_task(s.session, counsellor, follow_up.id, {"follow_up_outcome": "Enrolled on a welding course"})
    ((done, _meeting),) = case_decisions(s.session, cases[0].id)
    assert done.status == DecisionStatus.DONE and done.done_by_id == counsellor.id
    assert done.outcome == "Enrolled on a welding course"


def test_a_decision_for_a_role_waits_for_any_member_of_the_role(start) -> None:
    from engine.notifications.models import Notification
    from engine.tasks.models import HumanTask

    s = start("team_meeting", CYCLE)
    lawyers = [s.desk.user("lex1", "lawyer"), s.desk.user("lex2", "lawyer")]
    cases = flag_cases(s)
    s.advance_to(datetime(2026, 2, 1, 12, tzinfo=UTC))
    s.complete("Task_prepare_agenda", agenda_for(cases), actor="ewa")
    decision = {"case_ref": cases[1].number, "decision": "Appeal", "assigned_role": "lawyer", "due_on": "2026-03-10"}
    s.complete("Task_record_minutes", sample("team/minutes", meeting_decisions=[decision]), actor="ewa")
    task = s.session.scalar(select(HumanTask).where(HumanTask.operation == "record_team_follow_up"))
    assert task is not None and (task.role, task.assignee_id) == ("lawyer", None)
    told = {n.user_id for n in s.session.scalars(select(Notification).where(Notification.kind == "team_decision"))}
    assert {lawyer.id for lawyer in lawyers} <= told


def test_a_plan_amendment_needs_a_signed_plan_and_a_named_person_must_hold_the_role(start) -> None:
    s = start("team_meeting", CYCLE)
    s.desk.user("kasia", "career_counsellor")
    cases = flag_cases(s)
    s.advance_to(datetime(2026, 2, 1, 12, tzinfo=UTC))
    s.complete("Task_prepare_agenda", agenda_for(cases), actor="ewa")
    amend = {
        "case_ref": cases[0].number,
        "decision": "Change the housing goal",
        "decision_kind": "plan_amendment",
        "assigned_role": "social_worker",
        "due_on": "2026-03-01",
    }
    with pytest.raises(FormDataRejected, match="decision_kind"):
        s.complete("Task_record_minutes", sample("team/minutes", meeting_decisions=[amend]), actor="ewa")
    wrong_person = {**amend, "decision_kind": "task", "assignee_username": "kasia"}  # not a social worker
    with pytest.raises(FormDataRejected, match="assignee_username"):
        s.complete("Task_record_minutes", sample("team/minutes", meeting_decisions=[wrong_person]), actor="ewa")
    assert s.session.scalar(select(TeamDecision.id)) is None


def test_a_supervisor_calls_an_extra_meeting_that_meets_at_once_and_only_once(start) -> None:
    from engine.team.cycles import call_extra_meeting

    s = start("team_meeting", CYCLE)  # the quarterly cycle waits for February
    cases = flag_cases(s)
    outcome = call_extra_meeting(s.session, s.desk.user("ewa"))
    from engine.tasks.models import HumanTask

    agenda = s.session.get(HumanTask, outcome.new_task_ids[0])
    assert agenda is not None and agenda.operation == "record_team_agenda"
    assert [item["case_ref"] for item in agenda.input_data["agenda_items"]] == [case.number for case in cases]
    with pytest.raises(Exception, match="supervisor"):
        call_extra_meeting(s.session, s.desk.user("zofia", "social_worker"))
    from engine.instances.models import InstanceStatus
    from engine.tasks import service as tasks

    ewa = s.desk.user("ewa")
    tasks.claim_task(s.session, ewa, agenda.id)
    result = tasks.complete_task(s.session, ewa, agenda.id, agenda_for(cases))
    (minutes_id,) = result.new_task_ids or []
    tasks.claim_task(s.session, ewa, minutes_id)
    tasks.complete_task(
        s.session, ewa, minutes_id, sample("team/minutes", meeting_decisions=[], continue_meetings=True)
    )
    assert outcome.instance.status == InstanceStatus.COMPLETED, "an extra meeting does not start a cycle of its own"
    assert all(team_flag(s.session, case.id) is None for case in cases)
    assert [t.value[:10] for t in s.waiting_timers()] == ["2026-02-01"], "the quarterly cycle still waits"
