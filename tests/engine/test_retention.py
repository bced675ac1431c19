"""Anonymisation at the end of retention: nothing of the person is left anywhere, the figures stay."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import JSON, String, Text, func, select
from sqlalchemy.orm import Session

from engine import clock
from engine.aid.models import AidPurchase, AidRequest
from engine.audit.models import AuditEvent
from engine.cases.models import Beneficiary, Case
from engine.db import Base
from engine.delivery.models import ServiceSession
from engine.errors import Conflict, NotFound
from engine.instances.models import ProcessInstance
from engine.privacy.holds import lift_legal_hold, set_legal_hold
from engine.privacy.retention import ANONYMISED, run_retention
from engine.subsidies.models import SubsidyPayment
from forms.registry import FormRegistry, use_registry
from tests.engine.privacy_world import FIRST, SECOND, START, build_world

YEARS = 10


@pytest.fixture
def world(db_session):
    previous = use_registry(FormRegistry())
    try:
        with clock.frozen_clock(START) as frozen:
            world = build_world(db_session, frozen, occurrences=True)
            world.clock = frozen
            yield world
    finally:
        use_registry(previous)


def _everywhere(session: Session, needles: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """Every (table, column, needle) where a text or JSON value of any row holds a needle."""
    session.flush()
    found = []
    for name, table in Base.metadata.tables.items():
        columns = [c for c in table.c if isinstance(c.type, String | Text | JSON) or "JSON" in type(c.type).__name__]
        if not columns:
            continue
        for row in session.execute(select(*columns)).all():
            for column, value in zip(columns, row, strict=True):
                if value is None:
                    continue
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
                found += [(name, column.name, needle) for needle in needles if needle.casefold() in text.casefold()]
    return found


def _figures(session: Session, case_id: int) -> dict[str, object]:
    """What funder reports count and sum for the case's period."""
    return {
        "sessions": session.scalar(select(func.count()).where(ServiceSession.case_id == case_id)),
        "session_dates": sorted(
            session.scalars(select(ServiceSession.session_date).where(ServiceSession.case_id == case_id))
        ),
        "aid": sorted(
            session.execute(select(AidRequest.category, AidRequest.amount).where(AidRequest.case_id == case_id)).all()
        ),
        "purchases": session.scalar(
            select(func.coalesce(func.sum(AidPurchase.amount), 0)).where(AidPurchase.case_id == case_id)
        ),
        "payments": sorted(
            session.execute(
                select(SubsidyPayment.status, SubsidyPayment.due_on, SubsidyPayment.amount_paid).where(
                    SubsidyPayment.case_id == case_id
                )
            ).all()
        ),
        "instances": session.scalar(select(func.count()).where(ProcessInstance.case_id == case_id)),
    }


def test_a_closed_case_past_retention_is_anonymised_and_its_figures_stay(world) -> None:
    session = world.session
    first, second = world.cases["first"], world.cases["second"]
    assert first.status == "closed", world.walker.trail[-5:]
    before = _figures(session, first.id)
    assert before["sessions"] >= 1 and before["aid"] and before["payments"], before
    assert Decimal(before["purchases"]) >= 0
    needles = FIRST.strings
    assert {needle for _, _, needle in _everywhere(session, needles)} >= {FIRST.family, FIRST.document, FIRST.marker}

    # Not yet: the retention period runs from closure.
    assert run_retention(session, years=YEARS, dry_run=True).case_ids == []
    world.clock.current = first.closed_at + timedelta(days=365 * YEARS + 3)
    # The second person's case is open: it is never touched. The dry run lists, changes nothing.
    dry = run_retention(session, years=YEARS, dry_run=True)
    assert dry.case_ids == [first.id]
    session.expire_all()
    assert session.get(Beneficiary, first.beneficiary_id).family_name_latin == FIRST.family
    assert session.get(Case, first.id).anonymised_at is None

    run = run_retention(session, years=YEARS)
    assert run.case_ids == [first.id]
    assert _everywhere(session, needles) == []
    # The other person is untouched.
    assert {needle for _, _, needle in _everywhere(session, SECOND.strings)} >= {SECOND.family, SECOND.document}
    assert _figures(session, first.id) == before
    assert second.status == "open" and session.get(Case, second.id).anonymised_at is None
    person = session.get(Beneficiary, first.beneficiary_id)
    assert (person.family_name_latin, person.date_of_birth.isoformat()) == (ANONYMISED, "1990-01-01")
    assert person.citizenship == "UA" and person.legal_status == "refugee"
    kinds = [
        (e.kind, e.details)
        for e in session.scalars(select(AuditEvent).where(AuditEvent.kind.like("retention.%")).order_by(AuditEvent.id))
    ]
    assert kinds == [
        ("retention.dry_run", {"case_ids": [], "retention_years": YEARS}),
        ("retention.dry_run", {"case_ids": [first.id], "retention_years": YEARS}),
        ("retention.run", {"case_ids": [first.id], "retention_years": YEARS}),
    ]
    # Done once: the next run finds nothing.
    assert run_retention(session, years=YEARS).case_ids == []


def test_a_legal_hold_stops_anonymisation_until_lifted(world) -> None:
    session = world.session
    first = world.cases["first"]
    supervisor, manager = world.staff.supervisor, world.staff.case_manager
    with pytest.raises(NotFound):
        set_legal_hold(session, manager, first.id, "Court proceedings II K 12/26")
    hold = set_legal_hold(session, supervisor, first.id, "Court proceedings II K 12/26")
    with pytest.raises(Conflict):
        set_legal_hold(session, supervisor, first.id, "again")
    world.clock.current = first.closed_at + timedelta(days=365 * YEARS + 3)
    assert run_retention(session, years=YEARS).case_ids == []
    session.expire_all()
    assert session.get(Beneficiary, first.beneficiary_id).family_name_latin == FIRST.family
    lift_legal_hold(session, supervisor, first.id, "Proceedings ended")
    assert hold.lifted_by_id == supervisor.id
    assert run_retention(session, years=YEARS).case_ids == [first.id]
    events = [e.kind for e in session.scalars(select(AuditEvent).where(AuditEvent.case_id == first.id))]
    assert {"case.legal_hold_set", "case.legal_hold_lifted", "case.anonymised"} <= set(events)
