"""The ``ipd`` command as a new user meets it: after the install step, in a new shell, in production."""

from __future__ import annotations

import os
import re
import shlex
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.accounts.models import Office, User
from engine.accounts.roles import Role
from engine.config import Settings
from tests.conftest import create_test_app

ROOT = Path(__file__).resolve().parents[2]
IPD = Path(sys.executable).parent / "ipd"
STRONG_PASSWORD = "Wiosna nad Bystrzycą 2026!"


def fresh_shell_env(**extra: str) -> dict[str, str]:
    """The environment of a new terminal: nothing of ours or Flask's set."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("IPD_", "FLASK_"))}
    env.update(extra)
    return env


def run(argv: list[str], cwd: Path, stdin: str = "", **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, cwd=cwd, env=fresh_shell_env(**extra), input=stdin, capture_output=True, text=True, timeout=300
    )


def readme_administration_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Administration", 1)[1]
    block = section.split("```bash", 1)[1].split("```", 1)[0]
    return [re.split(r"\s{2,}#", line)[0].strip() for line in block.strip().splitlines() if line.strip()]


def test_help_lists_the_commands_without_building_the_app(tmp_path):
    probe = (
        "import sys\n"
        "from web.cli import main\n"
        "try:\n"
        "    main(['processes', '--help'])\n"
        "except SystemExit as exit:\n"
        "    assert not exit.code, exit.code\n"
        "heavy = ('sqlalchemy', 'celery', 'SpiffWorkflow', 'lxml', 'web.studio', 'web.api')\n"
        "print('loaded:', sorted(name for name in heavy if name in sys.modules))\n"
    )
    done = run([sys.executable, "-c", probe], tmp_path, PYTHONPATH=str(ROOT))
    assert done.returncode == 0, done.stderr
    assert "deploy" in done.stdout and "validate" in done.stdout
    assert "loaded: []" in done.stdout


def test_a_configuration_error_is_one_clear_line(tmp_path):
    done = run([str(IPD), "users", "list"], tmp_path)  # production by default, and no secret key
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("Error: IPD_SECRET_KEY is not set")


@pytest.mark.parametrize(
    "url,expected",
    [
        ("postgresql+psycopg://ipd@127.0.0.1:1/ipd", "Error: the database does not answer"),
        ("nosuchdb://x/y", "Error: IPD_DATABASE_URL is not a database URL"),
    ],
)
def test_a_database_that_cannot_be_reached_is_one_clear_line(tmp_path, url, expected):
    done = run(
        [str(IPD), "db", "upgrade"],
        tmp_path,
        IPD_ENV="development",
        IPD_INSTANCE_PATH=str(tmp_path),
        IPD_DATABASE_URL=url,
    )
    assert done.returncode == 2, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(expected), done.stderr


@pytest.mark.slow
def test_readme_administration_commands_work_in_a_new_shell_after_install(tmp_path):
    # The install step's own recipe leaves .env (run here in an empty folder instead of the checkout).
    made = subprocess.run(
        ["make", "--no-print-directory", "-s", "-C", str(tmp_path), "-f", str(ROOT / "Makefile"), ".env"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    assert "IPD_ENV=development" in (tmp_path / ".env").read_text()
    with (tmp_path / ".env").open("a") as dotenv:
        dotenv.write(f"IPD_INSTANCE_PATH={tmp_path / 'instance'}\n")
    commands = readme_administration_commands()
    assert commands[0] == ".venv/bin/ipd db upgrade"
    commands.append(".venv/bin/ipd demo --reset-passwords")  # the README's remedy for lost demo passwords
    for line in commands:
        argv = shlex.split(line)
        assert argv[0] == ".venv/bin/ipd", line
        argv[0] = str(IPD)
        if argv[1] in ("serve", "worker"):  # they run until stopped: check they start up as far as their options
            argv.append("--help")
        done = run(argv, tmp_path, stdin=STRONG_PASSWORD + "\n")
        assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"
        assert "Traceback" not in done.stderr, line
    assert (tmp_path / "instance" / "ipd.sqlite3").exists()


def test_demo_is_refused_in_production(settings, connection, db_session):
    production = Settings(
        env="production",
        instance_path=settings.instance_path,
        database_url=settings.database_url,
        broker_url="memory://",
        secret_key=settings.secret_key,
    ).resolved()
    app = create_test_app(production)
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 1
    assert "refused in production" in result.output
    assert db_session.scalar(select(User).where(User.username == "admin.lub")) is None


def test_setup_creates_the_first_office_and_administrator_once(app, db_session):
    runner = app.test_cli_runner()
    args = ["setup", "LUB", "Centrum Pomocy Migrantom – Lublin", "--city", "Lublin", "--admin", "admin"]
    result = runner.invoke(args=[*args, "--password-stdin"], input=STRONG_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    admin = db_session.scalar(select(User).where(User.username == "admin"))
    assert admin is not None and admin.roles == {Role.ADMIN} and admin.office.code == "LUB"
    assert db_session.scalar(select(Office).where(Office.code == "LUB")).city == "Lublin"
    again = runner.invoke(args=[*args[:-1], "second", "--password-stdin"], input=STRONG_PASSWORD + "\n")
    assert again.exit_code == 1 and "already has users" in again.output


def test_setup_refuses_a_weak_password(app, db_session):
    result = app.test_cli_runner().invoke(
        args=["setup", "LUB", "Lublin", "--admin", "admin", "--password", "password1234"]
    )
    assert result.exit_code == 1 and "password:" in result.output
    assert db_session.scalar(select(User)) is None


def test_backup_copies_the_embedded_database_privately(tmp_path):
    database = tmp_path / "live.sqlite3"
    with sqlite3.connect(database) as live:
        live.execute("CREATE TABLE notes (body TEXT)")
        live.execute("INSERT INTO notes VALUES ('kept')")
    settings = Settings(
        env="testing",
        instance_path=tmp_path / "instance",
        database_url=f"sqlite:///{database}",
        broker_url="memory://",
        secret_key="test-secret-key-that-is-long-enough-0123456789",
    ).resolved()
    app = create_test_app(settings)
    target = tmp_path / "copy.sqlite3"
    result = app.test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert target.stat().st_mode & 0o077 == 0
    with sqlite3.connect(target) as copy:
        assert copy.execute("SELECT body FROM notes").fetchall() == [("kept",)]
    again = app.test_cli_runner().invoke(args=["backup", str(target)])
    assert again.exit_code == 1 and "exists already" in again.output


def test_backup_points_postgresql_users_to_pg_dump(settings):
    pg = Settings(
        env="testing",
        instance_path=settings.instance_path,
        database_url="postgresql+psycopg://ipd@db.invalid/ipd",
        broker_url="memory://",
        secret_key=settings.secret_key,
    ).resolved()
    result = create_test_app(pg).test_cli_runner().invoke(args=["backup"])
    assert result.exit_code == 1 and "pg_dump" in result.output
