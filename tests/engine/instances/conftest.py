"""Fixtures for engine tests: test forms, deployed fixture processes, people and a case."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from engine import clock
from engine.accounts.models import User
from engine.cases.models import Case
from engine.cases.service import BeneficiaryInput, open_case
from engine.definitions.models import ProcessDefinition
from engine.definitions.service import deploy
from engine.definitions.validation import SourceFile
from forms.registry import FormRegistry, use_registry
from tests import factories

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def test_forms() -> Iterator[FormRegistry]:
    registry = FormRegistry(FIXTURES / "forms")
    previous = use_registry(registry)
    yield registry
    use_registry(previous)


@pytest.fixture
def frozen() -> Iterator[clock.FrozenClock]:
    with clock.frozen_clock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC)) as frozen_clock:
        yield frozen_clock


def fixture_file(name: str, **replacements: str) -> SourceFile:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    for key, value in replacements.items():
        text = text.replace(f"__{key.upper()}__", value)
    return SourceFile(name=name.removesuffix(".tmpl"), content=text.encode("utf-8"))


@pytest.fixture
def deploy_fixture(db_session: Session) -> Callable[..., ProcessDefinition]:
    def do_deploy(name: str, **replacements: str) -> ProcessDefinition:
        result = deploy(db_session, None, [fixture_file(name, **replacements)], source="test")
        assert len(result.definitions) == 1
        return result.definitions[0]

    return do_deploy


@pytest.fixture
def people(db_session: Session) -> dict[str, User]:
    found = {
        "sw": factories.user(db_session, "social_worker", username="sw"),
        "psy": factories.user(db_session, "psychologist", username="psy"),
        "law": factories.user(db_session, "lawyer", username="law"),
        "sup": factories.user(db_session, "supervisor", username="sup"),
        "sup2": factories.user(db_session, "supervisor", username="sup2"),
        "both": factories.user(db_session, "social_worker", "supervisor", username="both"),
        "other_office_psy": factories.user(db_session, "psychologist", office_code="WAW", username="psy-waw"),
        "admin": factories.user(db_session, "admin", username="admin"),
    }
    return found


@pytest.fixture
def case(db_session: Session, people: dict[str, User]) -> Case:
    return open_case(
        db_session,
        people["sw"],
        BeneficiaryInput(given_names_latin="Olena", family_name_latin="Shevchenko", citizenship="UKR"),
    )
