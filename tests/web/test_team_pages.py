"""The team's pages: waiting cases, an extra meeting called by a supervisor, a meeting's agenda, attendance
and decisions as each member may read them, the decisions on the case file; the notification bell."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.cases.service import BeneficiaryInput, open_case
from engine.definitions.service import deploy, read_directory
from engine.notifications.models import Notification
from engine.notifications.service import unread_count
from engine.tasks.models import HumanTask, TaskState
from engine.tasks.service import claim_task, complete_task
from engine.team.flags import flag_for_team, team_flag
from engine.team.models import DecisionStatus, TeamDecision
from tests import factories
from tests.processes.samples import sample

LIBRARY = Path(__file__).resolve().parents[2] / "processes"


@pytest.fixture
def office(db_session):
    deploy(db_session, None, read_directory(LIBRARY), source="test")
    people = {
        "sup": factories.user(db_session, "supervisor", username="t-sup"),
        "sw": factories.user(db_session, "social_worker", username="t-sw"),
        "career": factories.user(db_session, "career_counsellor", username="t-career"),
        "other_sw": factories.user(db_session, "social_worker", username="t-other"),
    }
    mine = open_case(db_session, people["sw"], BeneficiaryInput(given_names_latin="Olena", family_name_latin="Koval"))
    theirs = open_case(
        db_session, people["other_sw"], BeneficiaryInput(given_names_latin="Ahmad", family_name_latin="Karimi")
    )
    flag_for_team(db_session, people["sw"], mine, "Eviction next month")
    flag_for_team(db_session, people["other_sw"], theirs, "Secret reason of another team")
    db_session.commit()
    return people, mine, theirs


def _hold_meeting(db_session, people, mine, theirs, client, login):
    login(people["sup"])
    called = client.post("/team/extra-meeting")
    assert called.status_code == 302 and "/tasks/" in called.headers["Location"]
    agenda_id = int(called.headers["Location"].rsplit("/", 1)[1])
    sup = people["sup"]
    claim_task(db_session, sup, agenda_id)
    items = [{"case_ref": c.number, "reason": "r", "presenter_role": "social_worker"} for c in (mine, theirs)]
    result = complete_task(
        db_session,
        sup,
        agenda_id,
        sample("team/agenda", agenda_items=items, meeting_planned_on=date.today().isoformat()),
    )
    (minutes_id,) = result.new_task_ids or []
    claim_task(db_session, sup, minutes_id)
    decision = {
        "case_ref": mine.number,
        "decision": "Find a vocational course",
        "decision_kind": "task",
        "assigned_role": "career_counsellor",
        "assignee_username": "t-career",
        "due_on": "2099-03-01",
    }
    attendees = [
        {"attendee_name": "T Sup", "attendee_role": "supervisor", "attendee_username": "t-sup"},
        {"attendee_name": "Jan Kowal", "attendee_role": "partner", "attendee_organisation": "MOPR Lublin"},
    ]
    complete_task(
        db_session,
        sup,
        minutes_id,
        sample(
            "team/minutes",
            meeting_held_on=date.today().isoformat(),
            meeting_attendees=attendees,
            meeting_decisions=[decision],
        ),
    )
    db_session.commit()
    client.post("/logout")


def test_members_see_the_waiting_cases_they_may_open_and_only_supervisors_call_a_meeting(client, login, office):
    people, mine, theirs = office
    login(people["sw"])
    page = client.get("/team").get_data(as_text=True)
    assert mine.number in page and "Eviction next month" in page
    assert theirs.number not in page and "Secret reason" not in page
    assert "extra-meeting" not in page
    assert client.post("/team/extra-meeting").status_code == 403


def test_a_meeting_held_hands_out_its_decisions_and_the_case_file_shows_them(client, login, office, db_session):
    people, mine, theirs = office
    _hold_meeting(db_session, people, mine, theirs, client, login)
    assert team_flag(db_session, mine.id) is None and team_flag(db_session, theirs.id) is None
    decision = db_session.scalar(select(TeamDecision))
    assert decision is not None and decision.status == DecisionStatus.OPEN

    login(people["sw"])
    index = client.get("/team").get_data(as_text=True)
    meeting_page = client.get(f"/team/meetings/{decision.meeting_id}").get_data(as_text=True)
    assert mine.number in meeting_page and "Find a vocational course" in meeting_page
    assert "MOPR Lublin" in meeting_page and "Jan Kowal" in meeting_page
    assert theirs.number not in meeting_page
    assert f"/team/meetings/{decision.meeting_id}" in index
    case_page = client.get(f"/cases/{mine.id}").get_data(as_text=True)
    assert "Find a vocational course" in case_page
    client.post("/logout")

    login(people["career"])
    task = db_session.scalar(
        select(HumanTask).where(HumanTask.assignee_id == people["career"].id, HumanTask.state == TaskState.OPEN)
    )
    assert task is not None and task.case_id == mine.id
    assert f"/tasks/{task.id}" in client.get("/inbox").get_data(as_text=True)
    assert unread_count(db_session, people["career"]) == 1
    home = client.get("/").get_data(as_text=True)
    assert 'data-unread="1"' in home
    listing = client.get("/notifications").get_data(as_text=True)
    assert mine.number in listing and "Koval" not in listing
    note = db_session.scalar(select(Notification).where(Notification.user_id == people["career"].id))
    opened = client.post(f"/notifications/{note.id}/open")
    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/tasks/{task.id}")
    db_session.expire_all()
    assert unread_count(db_session, people["career"]) == 0
    assert 'data-unread="0"' in client.get("/").get_data(as_text=True)
    client.post("/logout")

    login(people["other_sw"])
    assert client.post(f"/notifications/{note.id}/open").status_code == 302
    db_session.expire_all()
    assert db_session.get(Notification, note.id).user_id == people["career"].id


def test_each_user_chooses_how_e_mail_reaches_them(client, login, office, db_session):
    from engine.notifications.service import email_mode

    people, _mine, _theirs = office
    login(people["sw"])
    assert 'value="immediate" checked' in client.get("/profile").get_data(as_text=True)
    assert client.post("/profile/notifications", data={"email_mode": "digest"}).status_code == 302
    assert email_mode(db_session, people["sw"].id) == "digest"
    assert 'value="digest" checked' in client.get("/profile").get_data(as_text=True)
    client.post("/profile/notifications", data={"email_mode": "weekly"})
    assert email_mode(db_session, people["sw"].id) == "digest"
    assert client.post("/notifications/read-all").status_code == 302
