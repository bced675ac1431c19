"""The interdisciplinary team: quarterly meetings in February, May, August and November."""

from __future__ import annotations

from datetime import UTC, datetime

from engine.people.models import CaseFlag, FlagKind
from tests.processes.samples import sample
from tests.processes.services_driver import EngineScenario

FLAGGED = [
    {"case_ref": "LUB/2026/001", "reason": "Housing crisis"},
    {"case_ref": "LUB/2026/007", "reason": "Trafficking indicators"},
]


def flag_for_team(s) -> list[dict[str, str]]:
    """Flag cases for the team: real flagged cases for the engine, data on the waiting timer for SpiffWorkflow."""
    if not isinstance(s, EngineScenario):
        s.set_timer_data("Timer_meeting_month", flagged_cases_by_meeting={"2026-02-01": FLAGGED})
        return FLAGGED
    expected = []
    for number, item in enumerate(FLAGGED):
        case = s.desk.open_case(
            "anna",
            given_names_latin=f"Person{number}",
            document_number=f"DOC{number}",
        )
        case.flagged_for_team = True
        s.session.add(CaseFlag(case_id=case.id, kind=FlagKind.TEAM, reason=item["reason"]))
        expected.append({"case_ref": case.number, "reason": item["reason"]})
    return expected


def discussed(s) -> None:
    """The supervisor takes the discussed cases off the team's list (only the engine has cases)."""
    if isinstance(s, EngineScenario):
        for case in s.desk.cases:
            case.flagged_for_team = False


def test_meetings_wait_for_the_meeting_month_and_build_the_agenda_from_flagged_cases(start) -> None:
    s = start("team_meeting")
    assert [t.value[:10] for t in s.waiting_timers()] == ["2026-02-01"]
    flagged = flag_for_team(s)
    s.advance_to(datetime(2026, 1, 31, 12, tzinfo=UTC))
    assert s.ready_ids() == []
    s.advance_to(datetime(2026, 2, 1, 12, tzinfo=UTC))
    agenda = s.task("Task_prepare_agenda")
    assert agenda.task_spec.lane == "supervisor"
    assert agenda.data["proposed_agenda"] == flagged
    s.complete("Task_prepare_agenda", sample("team/agenda"), actor="ewa")
    s.complete("Task_record_minutes", sample("team/minutes"), actor="ewa")
    assert s.data_of("Script_hand_out_decisions")["team_decisions_to_dispatch"] == [
        sample("team/minutes")["meeting_decisions"][0]
    ]
    assert [t.value[:10] for t in s.waiting_timers()] == ["2026-05-01"]
    discussed(s)
    s.advance_to(datetime(2026, 5, 1, 12, tzinfo=UTC))
    assert s.task("Task_prepare_agenda").data["proposed_agenda"] == []
    s.complete("Task_prepare_agenda", sample("team/agenda", agenda_items=[]), actor="ewa")
    s.complete(
        "Task_record_minutes",
        sample("team/minutes", meeting_held_on="2026-05-14", meeting_decisions=[]),
        actor="ewa",
    )
    assert [t.value[:10] for t in s.waiting_timers()] == ["2026-08-01"]
    s.advance_to(datetime(2026, 8, 1, 12, tzinfo=UTC))
    s.complete("Task_prepare_agenda", sample("team/agenda"), actor="ewa")
    s.complete("Task_record_minutes", sample("team/minutes", continue_meetings=False), actor="ewa")
    assert s.completed
    assert s.data["meetings_held"] == 3


def test_a_cycle_started_in_december_meets_next_february(start) -> None:
    s = start("team_meeting", start=datetime(2026, 12, 3, 9, tzinfo=UTC))
    assert [t.value[:10] for t in s.waiting_timers()] == ["2027-02-01"]
