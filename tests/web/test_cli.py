"""The ipd command: offices, users, demo data, migrations."""

from __future__ import annotations

from sqlalchemy import select

from engine.accounts.models import User
from engine.accounts.roles import Role
from engine.demo import demo_username


def test_create_office_and_user(app, db_session):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["offices", "create", "KRK", "Centrum Kraków", "--city", "Kraków"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        args=["users", "create", "ola", "--office", "krk", "--role", "lawyer", "--role", "supervisor"],
        input="a-long-password-1\n",
    )
    assert result.exit_code == 2  # neither --password nor --password-stdin
    result = runner.invoke(
        args=[
            "users",
            "create",
            "ola",
            "--office",
            "krk",
            "--role",
            "lawyer",
            "--role",
            "supervisor",
            "--password-stdin",
        ],
        input="a-long-password-1\n",
    )
    assert result.exit_code == 0, result.output
    user = db_session.scalar(select(User).where(User.username == "ola"))
    assert user is not None and user.roles == {Role.LAWYER, Role.SUPERVISOR}
    assert user.office.code == "KRK"


def test_duplicate_username_is_a_clear_error(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["offices", "create", "KRK", "Centrum Kraków"])
    args = [
        "users",
        "create",
        "ola",
        "--office",
        "KRK",
        "--role",
        "lawyer",
        "--password",
        "a-long-password-1",
    ]
    assert runner.invoke(args=args).exit_code == 0
    again = runner.invoke(args=args)
    assert again.exit_code == 1
    assert "username 'ola' is already taken" in again.output


def test_duplicate_office_and_bad_input_are_clear_errors(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["offices", "create", "KRK", "Centrum Kraków"]).exit_code == 0
    again = runner.invoke(args=["offices", "create", "krk", "Another"])
    assert again.exit_code == 1 and "already exists" in again.output
    short = runner.invoke(args=["users", "create", "ola", "--office", "KRK", "--role", "lawyer", "--password", "short"])
    assert short.exit_code == 1 and "password: must be at least 12 characters" in short.output
    nowhere = runner.invoke(
        args=[
            "users",
            "create",
            "ola",
            "--office",
            "XXX",
            "--role",
            "lawyer",
            "--password",
            "a-long-password-1",
        ]
    )
    assert nowhere.exit_code == 1 and "no office with code XXX" in nowhere.output
    bad_role = runner.invoke(
        args=[
            "users",
            "create",
            "ola",
            "--office",
            "KRK",
            "--role",
            "wizard",
            "--password",
            "a-long-password-1",
        ]
    )
    assert bad_role.exit_code == 2 and "wizard" in bad_role.output


def test_demo_is_idempotent_and_prints_logins(app, client, db_session):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    username = demo_username("LUB", Role.SUPERVISOR)
    line = next(line for line in first.output.splitlines() if line.strip().startswith(username))
    password = line.split()[-1]
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0 and "unchanged" in second.output
    assert db_session.scalar(select(User).where(User.username == username)) is not None
    assert len(db_session.scalars(select(User)).all()) == 15  # a user per role in each office, one national admin
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 302


def test_demo_opens_sample_cases_once_the_library_is_deployed(app, db_session):
    from pathlib import Path

    from engine.cases.models import Case
    from engine.definitions.service import deploy, read_directory
    from engine.tasks.models import HumanTask, TaskState

    runner = app.test_cli_runner()
    assert "Sample cases" not in runner.invoke(args=["demo"]).output  # nothing deployed: no cases
    deploy(db_session, None, read_directory(Path(__file__).resolve().parents[2] / "processes"))
    db_session.commit()
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "Sample cases opened" in result.output
    cases = db_session.scalars(select(Case)).all()
    assert len(cases) == 5
    worker = db_session.scalar(select(User).where(User.username == demo_username("LUB", Role.SOCIAL_WORKER)))
    waiting = db_session.scalars(
        select(HumanTask).where(HumanTask.assignee_id == worker.id, HumanTask.state == TaskState.OPEN)
    ).all()
    assert len(waiting) == 3  # each case's registration (the requests went on to the supervisor)
    from engine.aid.models import AidRequest, AidStatus
    from engine.subsidies.models import HousingSubsidy

    for code in ("LUB", "WAW"):
        supervisor = db_session.scalar(select(User).where(User.username == demo_username(code, Role.SUPERVISOR)))
        approvals = db_session.scalars(
            select(HumanTask).where(
                HumanTask.office_id == supervisor.office_id,
                HumanTask.role == Role.SUPERVISOR,
                HumanTask.state == TaskState.OPEN,
            )
        ).all()
        assert {task.subject_kind for task in approvals} == {"aid_request", "subsidy"}
    assert {r.status for r in db_session.scalars(select(AidRequest))} == {AidStatus.AWAITING_APPROVAL}
    assert len(db_session.scalars(select(HousingSubsidy)).all()) == 2
    again = runner.invoke(args=["demo"])
    assert "Sample cases" not in again.output
    assert len(db_session.scalars(select(Case)).all()) == 5
