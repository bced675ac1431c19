"""Consent as a gate: sharing with a partner follows the consent that names it; a supervisor may override a missing
consent with a reason (its own record, audited, shown on the case); a withdrawal stops later sharing; the reporting
consent is answered by one function and its SQL twin."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.accounts.roles import Role
from engine.audit.models import AuditEvent
from engine.cases.casefile import build_casefile
from engine.cases.models import Case
from engine.delivery.models import Referral
from engine.errors import Forbidden
from engine.people.consents import (
    grant_sharing_override,
    reporting_allowed,
    reporting_allowed_clause,
    sharing_allowed,
)
from engine.people.models import Consent, SharingOverride
from engine.people.operations import withdraw_consent
from tests.processes.driver import FormDataRejected
from tests.processes.samples import sample

HEALTH = {"referral_partner": "health", "referral_partner_name": "Przychodnia Zdrowia Psychicznego"}


def _consent(desk, case: Case, *, purpose: str = "sharing_partners", granted: bool, **extra) -> Consent:
    consent = Consent(
        case_id=case.id,
        beneficiary_id=case.beneficiary_id,
        purpose=purpose,
        granted=granted,
        given_on=desk.clock.current.date(),
        language="uk",
        interpreter_used=True,
        recorded_by_id=case.case_manager_id,
        **extra,
    )
    desk.session.add(consent)
    desk.session.flush()
    return consent


@pytest.fixture
def worker_case(desk):
    """A case managed by a social worker who is no supervisor, and a supervisor of the office."""
    worker = desk.user("sasha", Role.SOCIAL_WORKER)
    supervisor = desk.user("zofia", Role.SUPERVISOR)
    case = desk.open_case(worker, given_names_latin="Mariam", family_name_latin="Haidari", document_number="X1")
    return worker, supervisor, case


def test_refused_sharing_blocks_a_referral_until_a_supervisor_overrides_then_withdrawal_blocks_again(
    desk, worker_case
) -> None:
    worker, supervisor, case = worker_case
    _consent(desk, case, granted=False, partner_types=["health"])
    first = desk.start("referral", case=case, actor=worker)
    on_consent = sample("referral/send", **HEALTH)
    with pytest.raises(FormDataRejected, match="referral_sharing_basis"):
        first.complete("Task_send_referral", on_consent, actor=worker)
    without = sample("referral/send", **HEALTH, referral_sharing_basis="override", referral_override_reason="Urgent")
    # Another basis is no way around the refusal: the case manager alone cannot override it.
    with pytest.raises(FormDataRejected, match="referral_sharing_basis"):
        first.complete("Task_send_referral", without, actor=worker)
    assert desk.session.scalar(select(Referral.id).where(Referral.case_id == case.id)) is None
    with pytest.raises(Forbidden):
        grant_sharing_override(
            desk.session, worker, case, partner="health", partner_name=None, basis="override", reason="Urgent"
        )

    override = grant_sharing_override(
        desk.session,
        supervisor,
        case,
        partner="health",
        partner_name=None,
        basis="vital_interest",
        reason="Suicide risk",
    )
    first.complete("Task_send_referral", without, actor=worker)
    referral = desk.session.scalars(select(Referral).where(Referral.case_id == case.id)).one()
    desk.session.refresh(override)
    assert (override.referral_id, override.granted_by_id, override.reason) == (
        referral.id,
        supervisor.id,
        "Suicide risk",
    )
    kinds = desk.session.execute(
        select(AuditEvent.kind, AuditEvent.details).where(AuditEvent.case_id == case.id).order_by(AuditEvent.id)
    ).all()
    overridden = [details for kind, details in kinds if kind == "consent.sharing_overridden"]
    assert overridden == [{"override_id": override.id, "partner": "health", "basis": "vital_interest"}]
    assert [d["override_id"] for k, d in kinds if k == "delivery.referral_sent"] == [override.id]
    # The override is used up: the next referral without consent needs a new one.
    second = desk.start("referral", case=case, actor=worker)
    with pytest.raises(FormDataRejected, match="referral_sharing_basis"):
        second.complete("Task_send_referral", without, actor=worker)
    # The case file shows it.
    shown = build_casefile(desk.session, supervisor, case).person
    assert [(o.id, o.referral_id) for o in shown.overrides] == [(override.id, referral.id)]

    # The person now consents to health services; a referral on consent goes through…
    granted = _consent(desk, case, granted=True, partner_types=["health"])
    second.complete("Task_send_referral", on_consent, actor=worker)
    # …until they withdraw it.
    withdraw_consent(desk.session, worker, granted.id)
    assert granted.withdrawn_by_id == worker.id
    third = desk.start("referral", case=case, actor=worker)
    with pytest.raises(FormDataRejected, match="referral_sharing_basis"):
        third.complete("Task_send_referral", on_consent, actor=worker)


def test_the_consent_that_names_the_partner_decides(desk, worker_case) -> None:
    _, _, case = worker_case
    person = case.beneficiary_id
    assert not sharing_allowed(desk.session, person, "PCPR", "PCPR Lublin")  # nothing recorded
    _consent(desk, case, granted=True, partner_names=["PCPR  lublin"])
    assert sharing_allowed(desk.session, person, "PCPR", "PCPR Lublin")
    assert not sharing_allowed(desk.session, person, "health", "Szpital")
    _consent(desk, case, granted=True, partner_types=["health"])
    assert sharing_allowed(desk.session, person, "health", "Szpital")
    # A later refusal naming nobody refuses every partner.
    _consent(desk, case, granted=False)
    assert not sharing_allowed(desk.session, person, "PCPR", "PCPR Lublin")
    assert not sharing_allowed(desk.session, person, "health", "Szpital")


def test_reporting_consent_in_python_and_sql_agree(desk, worker_case) -> None:
    _, _, case = worker_case
    other = desk.open_case("anna", given_names_latin="Ivan", family_name_latin="Petrenko", document_number="X2")
    listed = select(Case.id).where(reporting_allowed_clause(Case.beneficiary_id)).order_by(Case.id)

    def both() -> tuple[bool, bool, list[int]]:
        ids = list(desk.session.scalars(listed))
        return reporting_allowed(desk.session, case.beneficiary_id), case.id in ids, ids

    assert both()[:2] == (False, False)  # never asked: not listed
    given = _consent(desk, case, purpose="reporting", granted=True)
    assert both()[:2] == (True, True)
    withdraw_consent(desk.session, desk.user("sasha"), given.id)
    assert both()[:2] == (False, False)
    _consent(desk, case, purpose="reporting", granted=True)
    _consent(desk, case, purpose="reporting", granted=False)  # the newest (same day, later) refuses
    assert both()[:2] == (False, False)
    _consent(desk, other, purpose="reporting", granted=True)
    assert both()[2] == [other.id]
    assert desk.session.scalar(select(SharingOverride.id)) is None
