"""docker-compose.yml and the Dockerfile agree with the application they start."""

from __future__ import annotations

import os
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


def _command_lines(service: dict[str, Any]) -> list[list[str]]:
    """The commands a service runs, the ones inside ``sh -c "a && b"`` one by one."""
    command = _command(service)
    if command[0] in ("sh", "bash") and command[1].startswith("-") and command[1].endswith("c"):
        return [shlex.split(part) for part in re.split(r"&&|;|\n", command[2]) if part.strip()]
    return [command]


def readme_compose_commands() -> list[list[str]]:
    """The ``ipd ...`` commands the README runs through ``docker compose run``."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Production with docker-compose", 1)[1].split("\n## ", 1)[0]
    found = []
    for line in section.splitlines():
        if "docker compose run" in line:
            words = shlex.split(line.split("|")[-1].split("#")[0])
            found.append(words[words.index("ipd") :])
    return found


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
    assert _command_lines(services["migrate"]) == [
        ["ipd", "db", "upgrade"],
        ["ipd", "processes", "deploy", "processes"],
    ]
    assert _command(services["migrate"])[1] == "-ec"  # the deployment only after a successful upgrade
    assert _command(services["worker"]) == ["ipd", "worker", "--no-beat"]
    assert _command(services["beat"]) == ["ipd", "beat"]
    web = _command(services["web"])
    assert web == ["gunicorn", "--config", "python:web.gunicorn_conf", "web:create_app()"]
    from web import gunicorn_conf

    assert gunicorn_conf.bind == "0.0.0.0:8000" and gunicorn_conf.workers >= 2
    assert services["web"]["environment"]["PROMETHEUS_MULTIPROC_DIR"]


def test_every_ipd_command_used_exists(services, cli_app):
    """Walk each `ipd ...` command line through the real entry point (web.cli.main)."""
    import click
    from flask.cli import ScriptInfo

    from web.cli import main

    info = ScriptInfo(create_app=lambda: cli_app)
    used = [(name, line) for name in APP_SERVICES for line in _command_lines(services[name])]
    used += [("README", line) for line in readme_compose_commands()]
    assert any(name == "README" for name, _ in used), "the README's compose section runs no ipd command"
    for name, command in used:
        if command[0] != "ipd":
            continue
        current: click.Command = main
        words = []
        for word in command[1:]:
            if word.startswith("-") or not isinstance(current, click.Group):
                break  # options, or the arguments of the command reached
            words.append(word)
            found = current.get_command(click.Context(current, obj=info), word)
            assert found is not None, f"{name}: `ipd {' '.join(words)}` does not exist"
            current = found
        assert not isinstance(current, click.Group), f"{name}: `ipd {' '.join(words)}` is a group, not a command"
        options = {opt for param in current.params for opt in param.opts}
        for option in (word.split("=")[0] for word in command[1:] if word.startswith("-")):
            assert option in options, f"{name}: `ipd {' '.join(words)}` has no option {option}"


def test_dockerfile(dockerfile, cli_app):
    assert re.search(r"^FROM python:3\.11-slim\b", dockerfile, re.MULTILINE)
    assert re.search(r"^USER (?!root\b|0\b)\S+", dockerfile, re.MULTILINE)
    assert "pip install --require-hashes --no-deps -r requirements.lock" in dockerfile
    assert "pip install --no-deps --no-build-isolation -e ." in dockerfile  # nothing resolved at build time
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
    for line in re.findall(r"^COPY (?!--from)(.+)$", dockerfile, re.MULTILINE):
        for source in line.split()[:-1]:
            assert (ROOT / source).exists(), f"the Dockerfile copies {source}, which is missing"


def test_the_image_builds_the_front_end_assets_with_the_makefiles_recipe(dockerfile):
    stages = re.findall(r"^FROM (\S+)(?: AS (\S+))?$", dockerfile, re.MULTILINE)
    assert stages[0][0].startswith("node:") and stages[0][1] == "assets"
    assert re.search(r"^COPY package\.json package-lock\.json Makefile \./$", dockerfile, re.MULTILINE)
    assert re.search(r"^RUN make assets$", dockerfile, re.MULTILINE)
    assert re.search(r"^COPY --from=assets /build/web/static/vendor \./web/static/vendor$", dockerfile, re.MULTILINE)


def vendor_files_the_pages_use() -> set[str]:
    templates = ROOT / "web" / "templates"
    used = set()
    for page in templates.rglob("*.html"):
        used |= set(re.findall(r"filename='vendor/([^']+\.(?:js|css))'", page.read_text(encoding="utf-8")))
    css_lists = re.findall(
        r"\[([^\]]*dmn-js[^\]]*\.css[^\]]*)\]",
        "".join(page.read_text(encoding="utf-8") for page in templates.rglob("*.html")),
    )
    for names in css_lists:
        used |= {f"dmn-js/{name}" for name in re.findall(r"'([^']+\.css)'", names)}
    return used


def test_every_vendor_file_a_page_loads_is_made_by_make_assets():
    used = vendor_files_the_pages_use()
    assert "chart.js/chart.umd.min.js" in used and "bpmn-js/bpmn-modeler.production.min.js" in used
    vendor = ROOT / "web" / "static" / "vendor"
    if not (vendor / ".installed").exists():
        pytest.skip("make assets has not run in this checkout")
    missing = sorted(name for name in used if not (vendor / name).is_file())
    assert not missing, f"pages load vendor files that make assets does not produce: {missing}"


@pytest.mark.slow
def test_make_assets_builds_the_vendor_files_outside_docker(tmp_path):
    """The image's asset stage, run here: the same three files in an empty folder, then `make assets`."""
    import shutil
    import subprocess

    if shutil.which("npm") is None or shutil.which("make") is None:
        pytest.skip("npm or make is not installed")
    for name in ("package.json", "package-lock.json", "Makefile"):
        shutil.copy(ROOT / name, tmp_path / name)
    done = subprocess.run(
        ["make", "--no-print-directory", "assets"], cwd=tmp_path, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout + done.stderr
    vendor = tmp_path / "web" / "static" / "vendor"
    missing = sorted(name for name in vendor_files_the_pages_use() if not (vendor / name).is_file())
    assert not missing, missing


def test_the_lock_file_pins_every_dependency_with_hashes():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    pinned = {
        match.group(1).lower().replace("_", "-"): match.group(2)
        for match in re.finditer(r"^([A-Za-z0-9_.-]+)==(\S+) \\$", lock, re.MULTILINE)
    }
    for requirement in project["project"]["dependencies"]:
        name = re.match(r"[A-Za-z0-9_.-]+", requirement).group(0).lower().replace("_", "-")
        assert name in pinned, f"{name} is not in requirements.lock: run make lock"
    assert {"setuptools", "wheel"} <= set(pinned)  # the editable install builds without fetching anything
    for block in re.split(r"\n(?=[A-Za-z0-9_.-]+==)", lock.split("\n\n", 1)[-1]):
        if "==" in block:
            assert "--hash=sha256:" in block, block.splitlines()[0]


def test_studio_drafts_and_the_instance_folder_live_in_a_volume(compose, services):
    instance = services["web"]["environment"]["IPD_INSTANCE_PATH"]
    for name in APP_SERVICES:
        mounts = {volume.split(":")[1]: volume.split(":")[0] for volume in services[name]["volumes"]}
        assert mounts.get(instance) in compose["volumes"], name


def test_the_app_believes_exactly_one_proxy(services):
    assert services["web"]["environment"]["IPD_TRUSTED_PROXIES"] == "1"


def test_request_figures_of_all_gunicorn_workers_are_summed(tmp_path, monkeypatch):
    """Two worker processes observe requests into the shared folder; one scrape sees both."""
    import subprocess
    import sys

    from web import gunicorn_conf

    folder = tmp_path / "metrics"
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))
    (folder / "stale.db").parent.mkdir(parents=True)
    (folder / "stale.db").write_bytes(b"left by a previous run")
    gunicorn_conf.on_starting(None)
    assert list(folder.iterdir()) == []  # emptied at start
    observe = "from web.metrics import REQUEST_LATENCY; REQUEST_LATENCY.labels('GET', '/cases', '2xx').observe(0.01)"
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder)}
    for _ in range(2):
        subprocess.run([sys.executable, "-c", observe], env=env, check=True, cwd=ROOT, timeout=120)
    scrape = (
        "from prometheus_client import CollectorRegistry, generate_latest, multiprocess; "
        "r = CollectorRegistry(); multiprocess.MultiProcessCollector(r); print(generate_latest(r).decode())"
    )
    out = subprocess.run(
        [sys.executable, "-c", scrape], env=env, check=True, cwd=ROOT, capture_output=True, text=True, timeout=120
    ).stdout
    count = next(line for line in out.splitlines() if line.startswith("ipd_http_request_duration_seconds_count"))
    assert count.rstrip().endswith(" 2.0"), count


def test_case_documents_live_in_their_own_volume(compose, services):
    folder = services["web"]["environment"]["IPD_DOCUMENTS_PATH"]
    for name in APP_SERVICES:
        mounts = {volume.split(":")[1]: volume.split(":")[0] for volume in services[name]["volumes"]}
        assert mounts.get(folder) in compose["volumes"], name
