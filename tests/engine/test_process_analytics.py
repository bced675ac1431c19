"""Process analytics: waiting times, cases waiting now and gateway counts of a scenario with known waits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from engine import clock
from engine.accounts.models import User
from engine.analytics.waiting import ProcessFigures, median, percentile_90, process_figures
from engine.cases.service import BeneficiaryInput, open_case
from engine.definitions.service import latest_definition
from engine.errors import Forbidden
from engine.instances.service import start_instance
from tests import factories
from tests.engine import test_casefile
from tests.engine.test_casefile import do, sample

library = test_casefile.library

RETURN = {"ipd_approval_decision": "return", "ipd_approval_comment": "Brakuje terminu."}


@pytest.fixture
def staff(db_session: Session) -> dict[str, User]:
    return {
        "sw": factories.user(db_session, "social_worker", username="sw"),
        "sup": factories.user(db_session, "supervisor", username="sup"),
        "sw_waw": factories.user(db_session, "social_worker", office_code="WAW", username="sw-waw"),
        "sup_waw": factories.user(db_session, "supervisor", office_code="WAW", username="sup-waw"),
        "owner": factories.user(db_session, "process_owner", username="owner"),
        "psy": factories.user(db_session, "psychologist", username="psy"),
    }


def walk_scenario(db: Session, staff: dict[str, User]) -> None:
    """Four IPDs walked with the clock moved known hours between steps (three in Lublin, one in Warsaw).

    Lublin waits — drafting: 2, 4, 6, 8 h; approval: 10, 20, 30 h (one return); signature: 24 h.
    Waiting now in Lublin: one approval, one signature. Warsaw: one draft of 100 h, its approval open.
    """
    sw, sup = staff["sw"], staff["sup"]
    with clock.frozen_clock(datetime(2026, 3, 2, 8, tzinfo=UTC)) as now:
        a = open_case(db, sw, BeneficiaryInput("Anna", "A"))
        start_instance(db, sw, "ipd_drafting", case=a)
        now.advance(hours=2)
        do(db, sw, a, "Task_draft_plan", sample("ipd/plan"))
        now.advance(hours=10)
        do(db, sup, a, "Task_approve_plan", sample("ipd/approval"))
        now.advance(hours=24)
        do(db, sw, a, "Task_sign_plan", sample("ipd/signature"))

        b = open_case(db, sw, BeneficiaryInput("Bohdan", "B"))
        start_instance(db, sw, "ipd_drafting", case=b)
        now.advance(hours=4)
        do(db, sw, b, "Task_draft_plan", sample("ipd/plan"))
        now.advance(hours=20)
        do(db, sup, b, "Task_approve_plan", RETURN)
        now.advance(hours=6)
        do(db, sw, b, "Task_draft_plan", sample("ipd/plan"))
        now.advance(hours=30)
        do(db, sup, b, "Task_approve_plan", sample("ipd/approval"))

        c = open_case(db, sw, BeneficiaryInput("Cyryl", "C"))
        start_instance(db, sw, "ipd_drafting", case=c)
        now.advance(hours=8)
        do(db, sw, c, "Task_draft_plan", sample("ipd/plan"))

        d = open_case(db, staff["sw_waw"], BeneficiaryInput("Dmytro", "D"))
        start_instance(db, staff["sw_waw"], "ipd_drafting", case=d)
        now.advance(hours=100)
        do(db, staff["sw_waw"], d, "Task_draft_plan", sample("ipd/plan"))
    db.commit()


def _by_element(figures: ProcessFigures) -> dict[str, tuple[int, float | None, float | None, int]]:
    return {e.element_id: (e.completed, e.median_hours, e.p90_hours, e.waiting_now) for e in figures.elements}


def test_the_heat_map_figures_match_the_known_waits(db_session, library, staff) -> None:  # type: ignore[no-untyped-def]
    walk_scenario(db_session, staff)
    definition = latest_definition(db_session, "ipd_drafting")
    lublin = process_figures(db_session, staff["sup"], definition)
    assert lublin.office_id == staff["sup"].office_id
    assert _by_element(lublin) == {
        "Task_draft_plan": (4, 5.0, 8.0, 0),
        "Task_approve_plan": (3, 20.0, 30.0, 1),
        "Task_sign_plan": (1, 24.0, 24.0, 1),
    }
    assert {g.gateway_id: g.taken for g in lublin.gateways} == {
        "Gateway_approved": {"Task_sign_plan": 2, "Task_draft_plan": 1},
        "Gateway_signed": {"EndEvent_ipd": 1},
    }
    # The process owner sees every office, or one chosen office.
    national = process_figures(db_session, staff["owner"], definition)
    assert _by_element(national)["Task_draft_plan"] == (5, 6.0, 100.0, 0)
    assert _by_element(national)["Task_approve_plan"] == (3, 20.0, 30.0, 2)
    warsaw = process_figures(db_session, staff["owner"], definition, office_id=staff["sup_waw"].office_id)
    assert _by_element(warsaw) == {"Task_draft_plan": (1, 100.0, 100.0, 0), "Task_approve_plan": (0, None, None, 1)}


def test_a_supervisor_sees_only_their_office(db_session, library, staff) -> None:  # type: ignore[no-untyped-def]
    walk_scenario(db_session, staff)
    definition = latest_definition(db_session, "ipd_drafting")
    # Asking for Lublin does not help a Warsaw supervisor: the office is theirs, whatever they ask for.
    waw = process_figures(db_session, staff["sup_waw"], definition, office_id=staff["sup"].office_id)
    assert waw.office_id == staff["sup_waw"].office_id
    assert _by_element(waw) == {"Task_draft_plan": (1, 100.0, 100.0, 0), "Task_approve_plan": (0, None, None, 1)}
    assert waw.gateways == []
    with pytest.raises(Forbidden):
        process_figures(db_session, staff["psy"], definition)


def test_the_period_keeps_the_waits_completed_in_it(db_session, library, staff) -> None:  # type: ignore[no-untyped-def]
    walk_scenario(db_session, staff)
    definition = latest_definition(db_session, "ipd_drafting")
    # Case A was done by 2026-03-03 20:00; everything after it starts there.
    early = process_figures(db_session, staff["sup"], definition, until=datetime(2026, 3, 3, 20, 0, 1, tzinfo=UTC))
    assert _by_element(early) == {
        "Task_draft_plan": (1, 2.0, 2.0, 0),
        "Task_approve_plan": (1, 10.0, 10.0, 1),
        "Task_sign_plan": (1, 24.0, 24.0, 1),
    }
    assert {g.gateway_id: g.taken for g in early.gateways} == {
        "Gateway_approved": {"Task_sign_plan": 1},
        "Gateway_signed": {"EndEvent_ipd": 1},
    }


def test_median_and_nearest_rank_percentile() -> None:
    assert (median([]), percentile_90([])) == (None, None)
    assert (median([3.0, 1.0, 2.0, 10.0]), percentile_90([3.0, 1.0, 2.0, 10.0])) == (2.5, 10.0)
    values = [float(v) for v in range(1, 21)]
    assert (median(values), percentile_90(values)) == (10.5, 18.0)
