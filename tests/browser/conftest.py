"""A live server on a fresh SQLite file and Debian's Chromium driven by Playwright.

The whole folder is skipped only when /usr/bin/chromium is missing and ``CI`` is not set; in CI
a missing browser is a failure (``make browser-deps`` installs it).
"""

# ruff: noqa: E501  (the inline BPMN below keeps its XML on long lines)
from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from engine import migrate
from engine.accounts.models import User
from engine.cases.models import Case
from engine.cases.service import BeneficiaryInput, open_case
from engine.config import Settings
from engine.db import database
from engine.definitions.service import deploy
from engine.definitions.validation import SourceFile
from engine.instances.models import ProcessInstance
from engine.instances.service import start_instance
from tests import factories

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-output" / "screenshots"
HERE = Path(__file__).resolve().parent
LIBRARY = ROOT / "processes"
#: Processes of the real library the browser tests run as they are.
LIBRARY_PROCESSES = ("material_aid.bpmn",)

# Two small processes over the real forms: a plan with a four-eyes approval, and a parallel diagnosis.
PROCESSES = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="defs"
  targetNamespace="http://example.org/ipd-browser">
  <bpmn:process id="browser_plan" name="Plan do zatwierdzenia" isExecutable="true">
    <bpmn:laneSet id="plan_lanes">
      <bpmn:lane id="plan_sw" name="social_worker"><bpmn:flowNodeRef>plan_start</bpmn:flowNodeRef><bpmn:flowNodeRef>draft</bpmn:flowNodeRef></bpmn:lane>
      <bpmn:lane id="plan_sup" name="supervisor"><bpmn:flowNodeRef>approve</bpmn:flowNodeRef><bpmn:flowNodeRef>plan_end</bpmn:flowNodeRef></bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="plan_start"><bpmn:outgoing>p1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="draft" name="Opracuj IPD">
      <bpmn:documentation>Turn the diagnosis into goals and actions.</bpmn:documentation>
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="ipd/plan"/><spiffworkflow:property name="nameEn" value="Draft the IPD"/>
        <spiffworkflow:property name="dueIn" value="P2D"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>p1</bpmn:incoming><bpmn:outgoing>p2</bpmn:outgoing></bpmn:userTask>
    <bpmn:userTask id="approve" name="Zatwierdź IPD">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="ipd/approval"/><spiffworkflow:property name="nameEn" value="Approve the IPD"/>
        <spiffworkflow:property name="fourEyesWith" value="draft"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>p2</bpmn:incoming><bpmn:outgoing>p3</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="plan_end"><bpmn:incoming>p3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="p1" sourceRef="plan_start" targetRef="draft"/>
    <bpmn:sequenceFlow id="p2" sourceRef="draft" targetRef="approve"/>
    <bpmn:sequenceFlow id="p3" sourceRef="approve" targetRef="plan_end"/>
  </bpmn:process>
  <bpmn:process id="browser_diagnosis" name="Diagnoza specjalistów" isExecutable="true">
    <bpmn:laneSet id="diag_lanes">
      <bpmn:lane id="diag_psy" name="psychologist"><bpmn:flowNodeRef>psy</bpmn:flowNodeRef></bpmn:lane>
      <bpmn:lane id="diag_law" name="lawyer"><bpmn:flowNodeRef>law</bpmn:flowNodeRef></bpmn:lane>
      <bpmn:lane id="diag_sw" name="social_worker"><bpmn:flowNodeRef>diag_start</bpmn:flowNodeRef><bpmn:flowNodeRef>split</bpmn:flowNodeRef><bpmn:flowNodeRef>join</bpmn:flowNodeRef><bpmn:flowNodeRef>diag_end</bpmn:flowNodeRef></bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="diag_start"><bpmn:outgoing>d1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:parallelGateway id="split"><bpmn:incoming>d1</bpmn:incoming><bpmn:outgoing>d2</bpmn:outgoing><bpmn:outgoing>d3</bpmn:outgoing></bpmn:parallelGateway>
    <bpmn:userTask id="psy" name="Diagnoza psychologiczna">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="diagnosis/psychological"/><spiffworkflow:property name="nameEn" value="Psychological diagnosis"/>
        <spiffworkflow:property name="dueIn" value="P14D"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>d2</bpmn:incoming><bpmn:outgoing>d4</bpmn:outgoing></bpmn:userTask>
    <bpmn:userTask id="law" name="Diagnoza prawna">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="diagnosis/legal"/><spiffworkflow:property name="nameEn" value="Legal diagnosis"/>
        <spiffworkflow:property name="dueIn" value="P14D"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>d3</bpmn:incoming><bpmn:outgoing>d5</bpmn:outgoing></bpmn:userTask>
    <bpmn:parallelGateway id="join"><bpmn:incoming>d4</bpmn:incoming><bpmn:incoming>d5</bpmn:incoming><bpmn:outgoing>d6</bpmn:outgoing></bpmn:parallelGateway>
    <bpmn:endEvent id="diag_end"><bpmn:incoming>d6</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="d1" sourceRef="diag_start" targetRef="split"/>
    <bpmn:sequenceFlow id="d2" sourceRef="split" targetRef="psy"/>
    <bpmn:sequenceFlow id="d3" sourceRef="split" targetRef="law"/>
    <bpmn:sequenceFlow id="d4" sourceRef="psy" targetRef="join"/>
    <bpmn:sequenceFlow id="d5" sourceRef="law" targetRef="join"/>
    <bpmn:sequenceFlow id="d6" sourceRef="join" targetRef="diag_end"/>
  </bpmn:process>
</bpmn:definitions>
"""

ROLES = {
    "sw": ("social_worker",),
    "psy": ("psychologist",),
    "law": ("lawyer",),
    "career": ("career_counsellor",),
    "sup": ("supervisor",),
    "both": ("social_worker", "supervisor"),
    "owner": ("process_owner",),
    "admin": ("admin",),
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if CHROMIUM.exists() or os.environ.get("CI"):
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is not installed (run `make browser-deps`); set CI=1 to require it")
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(skip)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    database_url: str
    users: dict[str, User]

    def session(self) -> Session:
        database.configure(self.database_url)
        return database.session()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    from werkzeug.serving import make_server

    from web import create_app

    folder = tmp_path_factory.mktemp("live")
    url = f"sqlite:///{folder / 'live.sqlite3'}"
    migrate.upgrade(url)
    settings = Settings(
        env="testing",
        instance_path=folder / "instance",
        database_url=url,
        broker_url="memory://",
        secret_key="browser-test-secret-key-that-is-long-enough-0123456789",
        # No role requires two factors by default here: tests that need it require it explicitly.
        two_factor_roles=frozenset(),
    ).resolved()
    # Plain http on 127.0.0.1: cookies without the Secure flag; CSRF stays on as in production.
    app = create_app({"SETTINGS": settings, "SESSION_COOKIE_SECURE": False, "REMEMBER_COOKIE_SECURE": False})
    database.configure(url, force=True)
    with database.unit_of_work() as session:
        users = {name: factories.user(session, *roles, username=name) for name, roles in ROLES.items()}
        library = [SourceFile(name=name, content=(LIBRARY / name).read_bytes()) for name in LIBRARY_PROCESSES]
        deploy(session, None, [SourceFile(name="browser.bpmn", content=PROCESSES.encode()), *library], source="test")
    port = _free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{port}", database_url=url, users=users)
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(autouse=True)
def _live_database(live_server: LiveServer) -> None:
    """Other test folders point the shared engine elsewhere; point it back at the live server's file."""
    database.configure(live_server.database_url)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server.url, locale="pl-PL", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    opened = context.new_page()
    try:
        yield opened
    finally:
        context.close()


@pytest.fixture
def login(page: Any) -> Callable[[str], Any]:
    def do_login(username: str) -> Any:
        page.goto("/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", factories.PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
        return page

    return do_login


@pytest.fixture
def screenshot(page: Any) -> Callable[[str], None]:
    def take(name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take


@pytest.fixture
def start_process(live_server: LiveServer) -> Callable[..., tuple[Case, ProcessInstance]]:
    """Open a case (managed by ``manager``) and start ``process_id`` for it; committed."""
    counter = iter(range(1, 1000))

    def start(process_id: str, manager: str = "sw", family: str | None = None) -> tuple[Case, ProcessInstance]:
        with database.unit_of_work() as session:
            actor = session.get(User, live_server.users[manager].id)
            assert actor is not None
            case = open_case(
                session,
                actor,
                BeneficiaryInput(
                    given_names_latin="Olena", family_name_latin=family or f"Test{next(counter)}", citizenship="UKR"
                ),
            )
            instance = start_instance(session, actor, process_id, case=case).instance
        return case, instance

    return start
