"""A valid sample submission for every form; tests copy one and change what the scenario needs."""

from __future__ import annotations

import copy
from typing import Any

SAMPLES: dict[str, dict[str, Any]] = {
    "intake/register": {
        "name_original": "Олена Коваленко",
        "given_names_latin": "Olena",
        "family_name_latin": "Kovalenko",
        "birth_date": "1990-03-04",
        "sex": "female",
        "citizenship": "UA",
        "languages": ["uk", "ru"],
        "interpreter_needed": True,
        "phone": "+48 600 100 200",
        "email": None,
        "address": "ul. Lipowa 1, Lublin",
        "pesel": None,
        "household_members": [{"member_name": "Ivan Kovalenko", "relation": "child", "age": 2}],
        "flags": ["medical"],
    },
    "intake/legal_status": {
        "legal_status": "refugee",
        "legal_status_decision_date": "2025-12-20",
        "legal_status_valid_until": None,
        "documents": [
            {
                "document_type": "residence_card",
                "document_number": "RP1234567",
                "issued_on": "2025-12-22",
                "valid_until": "2028-12-22",
            }
        ],
        "consents": [
            {
                "purpose": "services",
                "granted": True,
                "given_on": "2026-01-12",
                "consent_language": "uk",
                "interpreter_used": True,
            },
            {
                "purpose": "sharing_partners",
                "granted": True,
                "given_on": "2026-01-12",
                "consent_language": "uk",
                "interpreter_used": True,
                "partner_names": ["MOPR Lublin", "PCPR Lublin"],
            },
        ],
        "diagnosis_areas": ["social", "legal", "psychological", "vocational"],
    },
    "intake/not_eligible": {
        "information_given_on": "2026-01-12",
        "information_language": "en",
        "referred_to": "NGO",
        "referred_to_name": "Stowarzyszenie Interwencji Prawnej",
        "not_eligible_note": "Informed about NGO legal aid.",
    },
    "diagnosis/legal": {
        "legal_assessed_on": "2026-01-12",
        "legal_situation": "Refugee status since December.",
        "legal_needs": "Apply for IPI at PCPR.",
        "legal_priority": "high",
        "legal_proceedings": "none",
        "legal_next_deadline": "2026-02-18",
    },
    "diagnosis/psychological": {
        "psychological_assessed_on": "2026-01-12",
        "psychological_situation": "Stable.",
        "psychological_needs": "Occasional support.",
        "psychological_priority": "low",
        "psychological_support_recommended": False,
    },
    "diagnosis/social": {
        "social_assessed_on": "2026-01-12",
        "social_situation": "Shared flat, no income.",
        "social_needs": "Rent subsidy, material aid.",
        "social_priority": "high",
        "social_housing_situation": "shared",
    },
    "diagnosis/vocational": {
        "vocational_assessed_on": "2026-01-12",
        "vocational_situation": "Accountant in Ukraine.",
        "vocational_needs": "Polish course, PUP registration.",
        "vocational_priority": "medium",
        "vocational_polish_level": "A1",
        "vocational_education": "higher",
        "vocational_registered_pup": False,
    },
    "diagnosis/escalation": {
        "escalation_action": "specialist_contacted",
        "escalation_note": "Called the lawyer.",
    },
    "ipd/plan": {
        "ipd_goals": [
            {
                "goal_id": "G1",
                "goal_area": "polish_language",
                "goal": "Learn Polish",
                "target": "Pass A2 exam",
                "target_date": "2026-07-31",
            },
            {
                "goal_id": "G2",
                "goal_area": "vocational",
                "goal": "Find work",
                "target": "Employment contract",
                "target_date": "2026-12-31",
            },
        ],
        "ipd_actions": [
            {
                "action": "Polish course",
                "goal_ref": "G1",
                "responsible_type": "partner",
                "responsible_role": None,
                "partner_institution": "CIC Lublin",
                "deadline": "2026-06-30",
                "cost_line": "course",
                "estimated_cost": "1200.00",
            },
            {
                "action": "Register at the labour office",
                "goal_ref": "G2",
                "responsible_type": "role",
                "responsible_role": "career_counsellor",
                "partner_institution": None,
                "deadline": "2026-02-28",
                "cost_line": "none",
                "estimated_cost": None,
            },
        ],
        "ipd_obligations_beneficiary": ["Attend Polish classes", "Keep in contact every two weeks"],
        "ipd_obligations_organisation": ["Pay the course fee", "Provide counselling"],
        "review_interval_months": 3,
        "plan_duration_months": 12,
        "ipd_language": "uk",
    },
    "ipd/approval": {"ipd_approval_decision": "approve", "ipd_approval_comment": None},
    "ipd/signature": {
        "ipd_signature_status": "signed",
        "ipd_signed_on": "2026-02-10",
        "ipd_signed_language": "uk",
        "ipd_signature_note": None,
    },
    "review/plan_review": {
        "reviewed_on": "2026-05-10",
        "review_rating_language": "some_progress",
        "review_rating_work": "no_progress",
        "review_rating_social": "good_progress",
        "review_goal_ratings": [
            {"goal_id": "G1", "rating": "some_progress", "comment": None},
            {"goal_id": "G2", "rating": "no_progress"},
        ],
        "review_summary": "On track.",
        "review_outcome": "continue",
        "subsidy_renewal_requested": False,
    },
    "plan/end_decision": {
        "plan_end_decision": "finish",
        "plan_extension_months": None,
        "plan_end_summary": "Goals met.",
    },
    "closure/request": {
        "closure_reason": "goals_met",
        "closure_reason_other": None,
        "handover_note": "Employed, renting independently.",
        "handover_to": None,
    },
    "closure/approval": {"closure_decision": "approve", "closure_comment": None},
    "closure/stops": {
        "running_processes": [{"instance_id": 7, "process_id": "material_aid", "status": "running"}],
        "open_commitments": [{"kind": "aid_request", "record_id": 3, "summary": "material aid 150.00 PLN (approved)"}],
    },
    "session/record": {
        "session_date": "2026-02-15",
        "session_duration_minutes": 60,
        "session_form": "individual",
        "session_interpreter": True,
        "session_status": "done",
        "session_note": "CV prepared.",
        "session_health": False,
    },
    "material_aid/request": {
        "aid_category": "school_kit",
        "aid_amount": "150.00",
        "aid_description": "Backpack and notebooks",
        "aid_recipient": "Ivan Kovalenko",
    },
    "material_aid/approval": {"aid_decision": "approve", "aid_decision_comment": None},
    "material_aid/purchase": {
        "purchase_date": "2026-01-10",
        "purchase_amount": "149.99",
        "receipt_number": "PAR/2026/0042",
        "handed_over_on": "2026-01-11",
    },
    "nursery/application": {
        "child_name": "Ivan Kovalenko",
        "child_birth_date": "2023-09-01",
        "facility_type": "nursery",
        "facility_name": "Żłobek Miejski nr 5",
        "requested_start_date": "2026-03-01",
        "application_submitted_on": "2026-02-01",
    },
    "nursery/placement": {
        "placement_status": "placed",
        "placement_start_date": "2026-03-01",
        "monthly_fee": "250.00",
        "fee_paid_by_programme": True,
        "placement_note": None,
    },
    "camp/enrolment": {
        "camp_number": 1,
        "camp_start_date": "2026-07-01",
        "camp_end_date": "2026-07-10",
        "camp_participants": [
            {"participant_name": "Olena Kovalenko", "relation": "beneficiary", "age": 35},
            {"participant_name": "Ivan Kovalenko", "relation": "child", "age": 2},
        ],
        "camp_special_needs": None,
    },
    "camp/attendance": {
        "camp_attendance": [
            {"participant_name": "Olena Kovalenko", "attended": True},
            {"participant_name": "Ivan Kovalenko", "attended": False},
        ],
        "camp_feedback": "Child was ill.",
    },
    "referral/send": {
        "referral_partner": "PCPR",
        "referral_partner_name": "PCPR Lublin",
        "referral_purpose": "Statutory IPI application",
        "referral_sent_on": "2026-01-13",
        "referral_answer_days": 14,
        "referral_sharing_basis": "consent",
        "referral_override_reason": None,
    },
    "referral/answer": {
        "referral_answer": "accepted",
        "referral_answer_on": "2026-01-20",
        "referral_answer_note": None,
    },
    "referral/outcome": {"referral_done_on": "2026-02-10", "referral_result_note": "IPI granted."},
    "housing/application": {
        "subsidy_rent": "2400.00",
        "subsidy_household_size": 2,
        "subsidy_income_total": "1500.00",
        "subsidy_months_requested": 3,
        "subsidy_landlord": "Jan Nowak",
        "subsidy_lease_until": "2026-12-31",
        "subsidy_justification": "Single mother, no income.",
    },
    "housing/approval": {
        "subsidy_decision": "approve",
        "subsidy_approved_months": 3,
        "subsidy_decision_comment": None,
    },
    "housing/payment": {
        "payment_paid_on": "2026-01-12",
        "payment_amount": "1200.00",
        "payment_reference": "PRZ/2026/1",
        "payment_correction_reason": None,
    },
    "housing/schedule": {
        "payment_month_number": 1,
        "payment_due_on": "2026-01-12",
        "payment_scheduled_amount": "1200.00",
        "payment_status": "scheduled",
    },
    "housing/assessment": {
        "subsidy_eligible": True,
        "subsidy_reason": "within_income_limit",
        "subsidy_income_per_person": "750.00",
        "subsidy_income_limit": "1646.00",
        "subsidy_monthly_amount": "1200.00",
    },
    "team/agenda": {
        "meeting_planned_on": "2026-02-12",
        "meeting_place": "Lublin office",
        "agenda_items": [{"case_ref": "LUB/2026/001", "reason": "Housing crisis", "presenter_role": "social_worker"}],
    },
    "team/follow_up": {"follow_up_outcome": "Enrolled on a vocational course"},
    "team/decision": {
        "meeting_held_on": "2026-02-12",
        "case_ref": "LUB/2026/001",
        "decision": "Apply for a shelter place",
        "decision_kind": "task",
        "due_on": "2026-02-28",
        "follow_up_outcome": None,
    },
    "team/minutes": {
        "meeting_held_on": "2026-02-12",
        "meeting_attendees": [
            {"attendee_name": "Ewa Nowak", "attendee_role": "supervisor"},
            {"attendee_name": "MOPR Lublin", "attendee_role": "partner"},
        ],
        "meeting_minutes": "Discussed one case.",
        "meeting_decisions": [
            {
                "case_ref": "LUB/2026/001",
                "decision": "Apply for a shelter place",
                "assigned_role": "social_worker",
                "due_on": "2026-02-28",
            },
            {
                "case_ref": None,
                "decision": "Invite PUP next time",
                "assigned_role": "supervisor",
                "due_on": "2026-05-01",
            },
        ],
        "continue_meetings": True,
    },
}


def sample(form_key: str, **changes: Any) -> dict[str, Any]:
    """Return a fresh copy of the form's valid sample with ``changes`` applied."""
    data = copy.deepcopy(SAMPLES[form_key])
    data.update(changes)
    return data
