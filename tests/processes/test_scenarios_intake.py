"""Intake: eligibility by legal status (DMN legal_status_rights) and consent."""

from __future__ import annotations

from tests.processes.samples import sample


def register(s, **legal) -> None:
    s.complete("Task_register", sample("intake/register"))
    s.complete("Task_legal_status", sample("intake/legal_status", **legal))


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
    assert "Task_inform_not_eligible" not in s.trail


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
    assert s.data["closure_reason"] == "not_eligible"
    assert s.data["case_status"] == "closed"


def test_applicant_is_sent_to_the_office_for_foreigners(start) -> None:
    s = start("intake")
    register(s, legal_status="applicant", legal_status_decision_date=None)
    assert s.data_of("Rule_rights")["referral"] == "UdSC"
    s.complete("Task_inform_not_eligible", sample("intake/not_eligible", referred_to="UdSC"))
    assert s.data["intake_outcome"] == "not_eligible"


def test_no_consent_to_services_means_no_admission(start) -> None:
    s = start("intake")
    consents = [
        {
            "purpose": "services",
            "granted": False,
            "given_on": "2026-01-12",
            "consent_language": "uk",
            "interpreter_used": True,
        }
    ]
    register(s, consents=consents)
    s.complete("Task_inform_not_eligible", sample("intake/not_eligible"))
    assert s.data["ineligibility_reason"] == "no_consent"
    assert s.data["intake_outcome"] == "not_eligible"
