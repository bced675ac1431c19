"""docker-compose.yml and the Dockerfile agree with the application they start."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
APP_SERVICES = ("migrate", "web", "worker", "beat")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return dict(compose["services"])


@pytest.fixture(scope="module")
def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text(encoding="utf-8")


@pytest.fixture
def cli_app(settings):
    from tests.conftest import create_test_app

    return create_test_app(settings)


def _command(service: dict[str, Any]) -> list[str]:
    command = service["command"]
    return shlex.split(command) if isinstance(command, str) else list(command)


def test_expected_services_with_images_or_builds(services):
    assert set(services) >= {"postgres", "redis", *APP_SERVICES}
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    for name in APP_SERVICES:
        assert services[name].get("build") or services[name].get("image"), name
    assert {services[name].get("image") for name in APP_SERVICES} == {services["web"].get("image")}


def test_backing_services_have_health_checks_and_postgres_a_volume(compose, services):
    for name in ("postgres", "redis"):
        assert services[name]["healthcheck"]["test"], name
    volume = services["postgres"]["volumes"][0].split(":")[0]
    assert volume in compose["volumes"]


def test_app_services_share_one_production_environment(services):
    environments = [services[name]["environment"] for name in APP_SERVICES]
    assert all(env == environments[0] for env in environments)
    env = environments[0]
    assert env["IPD_ENV"] == "production"
    assert env["IPD_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert "@postgres:" in env["IPD_DATABASE_URL"]
    assert env["IPD_BROKER_URL"] == "redis://redis:6379/0"


def test_no_secret_is_written_in_the_file(services):
    env = services["web"]["environment"]
    assert re.fullmatch(r"\$\{IPD_SECRET_KEY:\?[^}]+\}", env["IPD_SECRET_KEY"])
    password = services["postgres"]["environment"]["POSTGRES_PASSWORD"]
    assert password.startswith("${") and password.endswith("}")
    assert "${POSTGRES_PASSWORD" in env["IPD_DATABASE_URL"]


def test_start_order(services):
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["redis"]["condition"] == "service_healthy", name
    assert services["migrate"].get("restart") == "no"


def test_commands(services):
    assert _command(services["migrate"]) == ["ipd", "db", "upgrade"]
    assert _command(services["worker"]) == ["ipd", "worker", "--no-beat"]
    assert _command(services["beat"]) == ["ipd", "beat"]
    web = _command(services["web"])
    assert web[0] == "gunicorn" and web[-1] == "web:create_app()"
    assert "0.0.0.0:8000" in web


def test_every_ipd_command_used_exists(services, cli_app):
    """Walk each `ipd ...` command line through the real entry point (web.cli.main)."""
    import click
    from flask.cli import ScriptInfo

    from web.cli import main

    info = ScriptInfo(create_app=lambda: cli_app)
    for name in APP_SERVICES:
        command = _command(services[name])
        if command[0] != "ipd":
            continue
        current: click.Command = main
        words = [word for word in command[1:] if not word.startswith("-")]
        for word in words:
            assert isinstance(current, click.Group), f"{name}: {command}"
            found = current.get_command(click.Context(current, obj=info), word)
            assert found is not None, f"{name}: `ipd {' '.join(words)}` does not exist"
            current = found
        options = {opt for param in current.params for opt in param.opts}
        for option in (word.split("=")[0] for word in command[1:] if word.startswith("-")):
            assert option in options, f"{name}: `ipd {' '.join(words)}` has no option {option}"


def test_dockerfile(dockerfile, cli_app):
    assert re.search(r"^FROM python:3\.11-slim\b", dockerfile, re.MULTILINE)
    assert re.search(r"^USER (?!root\b|0\b)\S+", dockerfile, re.MULTILINE)
    assert "pip install -e ." in dockerfile
    assert "pybabel compile -d web/translations" in dockerfile
    logical_lines = dockerfile.replace("\\\n", " ")
    [healthcheck] = re.findall(r"^HEALTHCHECK .*$", logical_lines, re.MULTILINE)
    paths = re.findall(r"http://[^/'\"\s]+(/[^'\"\s)]*)", healthcheck)
    assert paths, healthcheck
    routes = {rule.rule for rule in cli_app.url_map.iter_rules()}
    for path in paths:
        assert path in routes, f"the health check calls {path}, which is not a route"
    cmd = re.search(r"^CMD (.+)$", dockerfile, re.MULTILINE)
    assert cmd and "web:create_app()" in cmd.group(1)


def test_copied_sources_exist(dockerfile):
    for line in re.findall(r"^COPY (.+)$", dockerfile, re.MULTILINE):
        for source in line.split()[:-1]:
            assert (ROOT / source).exists(), f"the Dockerfile copies {source}, which is missing"
