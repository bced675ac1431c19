"""Intake: registration, legal status, documents and consents recorded by operations; eligibility by legal status
(DMN legal_status_rights) and consent to services. The process carries ids and routing codes, never the person."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from engine.audit.models import AuditEvent
from engine.cases.models import Beneficiary
from engine.people.models import CaseFlag, Consent, HouseholdMember, IdentityDocument, NotEligibleInformation
from engine.records.views import record_card
from engine.tasks.models import HumanTask
from tests.processes.driver import FormDataRejected
from tests.processes.samples import sample

NO_CONSENT = [
    {
        "purpose": "services",
        "granted": False,
        "given_on": "2026-01-12",
        "consent_language": "uk",
        "interpreter_used": True,
    }
]


def register(s, **legal) -> None:
    s.complete("Task_register", sample("intake/register"))
    s.complete("Task_legal_status", sample("intake/legal_status", **legal))


def person(s) -> Beneficiary:
    s.session.refresh(s.desk.case.beneficiary)
    return s.desk.case.beneficiary


def test_refugee_is_admitted_with_the_ipi_deadline(start) -> None:
    s = start("intake")
    assert s.ready_ids() == ["Task_register"]
    assert s.task("Task_register").task_spec.lane == "social_worker"
    register(s)
    assert s.completed
    assert s.data["intake_outcome"] == "admitted"
    assert s.data["admitted_on"] == "2026-01-12"
    assert s.data["social_assistance"] == "full"
    assert s.data["statutory_ipi"] is True
    assert s.data["referral"] == "PCPR"
    assert s.data["ipi_apply_by"] == "2026-02-18"  # 60 days after the decision of 2025-12-20
    assert s.data["diagnosis_areas"] == "legal,psychological,social,vocational"
    assert "Task_inform_not_eligible" not in s.trail


def test_registration_is_written_to_the_tables_and_the_process_keeps_only_ids(start) -> None:
    s = start("intake")
    s.complete("Task_register", sample("intake/register", flags=["medical", "security_hidden_address"]))
    row = person(s)
    assert (row.sex, row.languages, row.interpreter_needed) == ("female", ["uk", "ru"], True)
    assert (row.phone, row.address, row.address_hidden) == ("+48 600 100 200", "ul. Lipowa 1, Lublin", True)
    assert row.names_original == "Олена Коваленко" and row.registered_by_id == s.desk.user("anna").id
    [member] = s.session.scalars(select(HouseholdMember).where(HouseholdMember.beneficiary_id == row.id)).all()
    assert (member.name, member.relation, member.age, member.needs_nursery, member.needs_school) == (
        "Ivan Kovalenko",
        "child",
        2,
        True,
        False,
    )
    flags = s.session.scalars(select(CaseFlag).where(CaseFlag.case_id == s.desk.case.id)).all()
    assert sorted(f.kind for f in flags) == ["medical", "security_hidden_address"]
    assert {f.set_by_id for f in flags} == {s.desk.user("anna").id}
    assert s.data["beneficiary_id"] == row.id
    for key in ("given_names_latin", "birth_date", "phone", "address", "household_members", "flags", "languages"):
        assert key not in s.data
    assert "Kovalenko" not in repr(s.data) and "Lipowa" not in repr(s.data)
    done = s.session.scalar(select(HumanTask).where(HumanTask.element_id == "Task_register"))
    assert done is not None and done.submitted == {"beneficiary_id": row.id}
    legal = s.task("Task_legal_status").row
    assert (legal.subject_kind, legal.subject_id) == ("legal_status", row.id)
    anna = s.desk.user("anna")
    assert record_card(s.session, anna, "legal_status", row.id) is None  # nothing recorded yet
    card = record_card(s.session, anna, "registration", row.id)
    # Hidden by the security flag from everyone but its readers: the case manager is one (engine.access.categories).
    assert card is not None and card.sections[0].values["address"] == "ul. Lipowa 1, Lublin"


def test_the_registration_form_starts_from_the_beneficiary_row_not_from_process_data(start) -> None:
    s = start("intake")
    assert "given_names_latin" not in s.data  # the case starts with no personal data in the process
    prefill = s.task("Task_register").row.input_data
    assert prefill["given_names_latin"] == "Olena" and prefill["family_name_latin"] == "Kovalenko"
    assert prefill["birth_date"] == "1990-03-04" and prefill["citizenship"] == "UA"
    s.complete("Task_register", sample("intake/register"))
    # A second intake of the same case starts from the registration already recorded.
    again = start("intake")
    prefill = again.task("Task_register").row.input_data
    assert prefill["languages"] == ["uk", "ru"] and prefill["flags"] == ["medical"]
    assert prefill["household_members"][0]["member_name"] == "Ivan Kovalenko"


def test_flags_dropped_at_a_new_registration_are_cleared_not_deleted(start) -> None:
    s = start("intake")
    s.complete("Task_register", sample("intake/register", flags=["medical"]))
    again = start("intake")
    again.complete("Task_register", sample("intake/register", flags=["trafficking_indicators"]))
    flags = {f.kind: f for f in s.session.scalars(select(CaseFlag).where(CaseFlag.case_id == s.desk.case.id))}
    assert flags["medical"].cleared_at is not None and flags["trafficking_indicators"].active


def test_registration_rules_refuse_wrong_details(start) -> None:
    s = start("intake")
    with pytest.raises(FormDataRejected, match="birth_date"):
        s.complete("Task_register", sample("intake/register", birth_date="2030-01-01"))
    with pytest.raises(FormDataRejected, match="household_members/0/age"):
        members = [{"member_name": "Ivan", "relation": "child", "age": 9, "member_birth_date": "2024-01-01"}]
        s.complete("Task_register", sample("intake/register", household_members=members))
    assert s.session.scalar(select(HouseholdMember.id)) is None
    assert person(s).registered_at is None


def test_legal_status_documents_and_consents_are_recorded_and_audited(start) -> None:
    s = start("intake")
    register(s)
    row = person(s)
    assert (row.legal_status, row.legal_status_decision_date) == ("refugee", date(2025, 12, 20))
    [document] = s.session.scalars(select(IdentityDocument).where(IdentityDocument.beneficiary_id == row.id)).all()
    assert (document.document_type, document.number, document.valid_until) == (
        "residence_card",
        "RP1234567",
        date(2028, 12, 22),
    )
    consents = s.session.scalars(select(Consent).where(Consent.case_id == s.desk.case.id).order_by(Consent.id)).all()
    assert [(c.purpose, c.granted, c.language, c.interpreter_used) for c in consents] == [
        ("services", True, "uk", True),
        ("sharing_partners", True, "uk", True),
    ]
    assert consents[1].partner_names == ["MOPR Lublin", "PCPR Lublin"]
    [changed] = s.session.scalars(select(AuditEvent).where(AuditEvent.kind == "beneficiary.legal_status_changed")).all()
    assert (changed.details["previous"], changed.details["legal_status"]) == (None, "refugee")
    for key in ("documents", "consents", "legal_status_valid_until"):
        assert key not in s.data
    assert "RP1234567" not in repr(s.data) and "MOPR" not in repr(s.data)


def test_a_consent_to_share_names_the_partners(start) -> None:
    s = start("intake")
    s.complete("Task_register", sample("intake/register"))
    consents = [
        {
            "purpose": "sharing_partners",
            "granted": True,
            "given_on": "2026-01-12",
            "consent_language": "uk",
            "interpreter_used": False,
            "partner_names": [],
        }
    ]
    with pytest.raises(FormDataRejected, match="consents/0/partner_names"):
        s.complete("Task_legal_status", sample("intake/legal_status", consents=consents))
    with pytest.raises(FormDataRejected, match="legal_status_valid_until"):
        s.complete("Task_legal_status", sample("intake/legal_status", legal_status_valid_until="2025-01-01"))
    assert s.session.scalar(select(Consent.id)) is None
    assert person(s).legal_status is None


def test_temporary_protection_is_admitted_without_statutory_ipi(start) -> None:
    s = start("intake")
    register(s, legal_status="temporary_protection", legal_status_decision_date=None)
    assert s.data["intake_outcome"] == "admitted"
    assert s.data["social_assistance"] == "reduced"
    assert s.data["ipi_apply_by"] is None


def test_other_status_is_informed_referred_and_closed(start) -> None:
    s = start("intake")
    register(s, legal_status="other", legal_status_decision_date=None)
    assert s.ready_ids() == ["Task_inform_not_eligible"]
    assert s.data_of("Rule_rights")["referral"] == "NGO"
    s.complete("Task_inform_not_eligible", sample("intake/not_eligible"))
    assert s.completed
    assert s.data["intake_outcome"] == "not_eligible"
    assert s.data["ineligibility_reason"] == "legal_status"
    assert s.data["case_status"] == "closed"
    s.session.refresh(s.desk.case)
    assert (s.desk.case.status, s.desk.case.closure_reason) == ("closed", "not_eligible")
    [info] = s.session.scalars(select(NotEligibleInformation)).all()
    assert (info.case_id, info.referred_to, info.language, info.given_on) == (
        s.desk.case.id,
        "NGO",
        "en",
        date(2026, 1, 12),
    )
    assert "not_eligible_note" not in s.data and "Stowarzyszenie" not in repr(s.data)


def test_applicant_is_sent_to_the_office_for_foreigners(start) -> None:
    s = start("intake")
    register(s, legal_status="applicant", legal_status_decision_date=None)
    assert s.data_of("Rule_rights")["referral"] == "UdSC"
    with pytest.raises(FormDataRejected, match="information_given_on"):
        s.complete("Task_inform_not_eligible", sample("intake/not_eligible", information_given_on="2026-02-01"))
    with pytest.raises(FormDataRejected, match="referred_to_name"):
        s.complete(
            "Task_inform_not_eligible", sample("intake/not_eligible", referred_to="other", referred_to_name=None)
        )
    s.complete("Task_inform_not_eligible", sample("intake/not_eligible", referred_to="UdSC"))
    assert s.data["intake_outcome"] == "not_eligible"


def test_no_consent_to_services_means_no_admission(start) -> None:
    s = start("intake")
    register(s, consents=NO_CONSENT)
    assert s.data["consent_to_services"] is False
    s.complete("Task_inform_not_eligible", sample("intake/not_eligible"))
    assert s.data["ineligibility_reason"] == "no_consent"
    assert s.data["intake_outcome"] == "not_eligible"
    [consent] = s.session.scalars(select(Consent)).all()
    assert consent.granted is False
