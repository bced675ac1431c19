"""Translated names for legal statuses, rights outcomes, processes and the codes forms store."""

from __future__ import annotations

from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from jinja2 import Undefined

from forms.registry import FormNotFound, current_registry

LEGAL_STATUS_LABELS = {
    "applicant": _l("Applicant for international protection"),
    "refugee": _l("Refugee status"),
    "subsidiary_protection": _l("Subsidiary protection"),
    "family_reunification": _l("Family reunification (family of a refugee or subsidiary protection holder)"),
    "humanitarian_stay": _l("Residence permit for humanitarian reasons"),
    "tolerated_stay": _l("Tolerated stay"),
    "trafficking_victim": _l("Victim of human trafficking (certificate or permit)"),
    "temporary_protection": _l("Temporary protection (Ukrainian citizens, PESEL UKR)"),
    "permanent_residence": _l("Permanent residence permit"),
    "eu_long_term": _l("EU long-term resident permit"),
    "eu_citizen": _l("EU citizen"),
    "other": _l("Other (work or study permit, visa, irregular stay)"),
}

SOCIAL_ASSISTANCE_LABELS = {
    "full": _l("Full social assistance, like Polish citizens"),
    "limited": _l("Limited: shelter, a meal, necessary clothing and a one-off targeted allowance"),
    "reduced": _l("Reduced: shelter, clothing, meals and basic allowances"),
    "none": _l("No social assistance from municipal centres"),
}

REFERRAL_LABELS = {
    "PCPR": _l("District family support centre (PCPR): statutory individual integration programme"),
    "KCIK": _l("National Intervention and Consultation Centre for victims of trafficking (KCIK)"),
    "UdSC": _l("Office for Foreigners (UdSC): reception assistance"),
    "MOPS": _l("Municipal social assistance centre (MOPS/MOPR)"),
    "NGO": _l("Non-governmental organisations only"),
}

PROCESS_LABELS = {
    "case_lifecycle": _l("Case lifecycle"),
    "intake": _l("Intake"),
    "needs_diagnosis": _l("Needs diagnosis"),
    "ipd_drafting": _l("Individual action plan"),
    "plan_period": _l("Plan period"),
    "plan_review": _l("Plan review"),
    "case_closure": _l("Case closure"),
    "housing_subsidy": _l("Housing subsidy"),
    "material_aid": _l("Material aid"),
    "service_session": _l("Session"),
    "nursery_placement": _l("Nursery or kindergarten place"),
    "camp_enrolment": _l("Integration camp"),
    "referral": _l("Referral to a partner"),
    "team_meeting": _l("Team meeting"),
    "team_decision": _l("Team decision follow-up"),
}

STATUS_LABELS = {
    # plan
    "draft": _l("draft"),
    "awaiting_approval": _l("awaiting approval"),
    "returned": _l("returned for changes"),
    "approved": _l("approved"),
    "signed": _l("approved and signed"),
    "submitted": _l("submitted for approval"),
    "ended": _l("ended"),
    # goals and actions
    "not_reviewed": _l("not reviewed yet"),
    "planned": _l("planned"),
    "deadline_passed": _l("deadline passed"),
    "no_progress": _l("no progress"),
    "some_progress": _l("some progress"),
    "good_progress": _l("good progress"),
    "achieved": _l("achieved"),
    "not_applicable": _l("not applicable"),
    "partly": _l("partly achieved"),
    "not_achieved": _l("not achieved"),
    "dropped": _l("dropped"),
    "in_progress": _l("in progress"),
    "done": _l("done"),
    # subsidies and aid
    "pending": _l("pending"),
    "not_eligible": _l("not eligible"),
    "rejected": _l("rejected"),
    "completed": _l("completed"),
    "purchased": _l("purchased"),
    "requested": _l("requested"),
    "withdrawn": _l("withdrawn"),
    "applied": _l("applied"),
    "scheduled": _l("scheduled"),
    "paid": _l("paid"),
    "correction_pending": _l("correction awaiting confirmation"),
    # delivery: sessions, nursery places, camps, referrals; closure requests
    "on_hold": _l("on hold"),
    "cancelled_no_show": _l("cancelled (did not come)"),
    "cancelled_excused": _l("cancelled (excused)"),
    "waiting_list": _l("on the waiting list"),
    "placed": _l("placed"),
    "refused": _l("refused"),
    "enrolled": _l("enrolled"),
    "attendance_recorded": _l("attendance recorded"),
    "sent": _l("sent"),
    "accepted": _l("accepted"),
    # tasks and instances
    "open": _l("open"),
    "running": _l("running"),
    "suspended": _l("suspended"),
    "closed": _l("closed"),
    "cancelled": _l("cancelled"),
    # assessments
    "assessed": _l("assessed"),
    "superseded": _l("superseded by a later assessment"),
}

AREA_LABELS = {
    "legal": _l("Legal"),
    "psychological": _l("Psychological"),
    "social": _l("Social, housing and material"),
    "vocational": _l("Vocational, education and Polish language"),
}

#: What a record is, as the heading of its page. Each area adds its kinds here.
RECORD_KIND_LABELS = {
    "aid_request": _l("Material-aid request"),
    "subsidy": _l("Housing subsidy"),
    "subsidy_payment": _l("Housing subsidy payment"),
    "registration": _l("Registration"),
    "legal_status": _l("Legal status, documents and consents"),
    "assessment": _l("Needs assessment"),
    "plan": _l("Individual action plan"),
    "plan_review": _l("Plan review"),
    "session": _l("Session"),
    "nursery_placement": _l("Nursery or kindergarten place"),
    "camp_enrolment": _l("Integration camp enrolment"),
    "referral": _l("Referral to a partner"),
    "closure_request": _l("Closure of the case"),
    "team_meeting": _l("Team meeting"),
    "team_decision": _l("Team decision"),
}

PRIORITY_LABELS = {"high": _l("high"), "medium": _l("medium"), "low": _l("low")}


def _pick(table: dict[str, Any], code: Any) -> str:
    if code is None or code == "" or isinstance(code, Undefined):
        return "—"
    return str(table.get(str(code), code))


def legal_status_label(code: Any) -> str:
    return _pick(LEGAL_STATUS_LABELS, code)


def social_assistance_label(code: Any) -> str:
    return _pick(SOCIAL_ASSISTANCE_LABELS, code)


def referral_label(code: Any) -> str:
    return _pick(REFERRAL_LABELS, code)


def process_label(code: Any) -> str:
    return _pick(PROCESS_LABELS, code)


def status_label(code: Any) -> str:
    return _pick(STATUS_LABELS, code)


def area_label(code: Any) -> str:
    return _pick(AREA_LABELS, code)


def record_kind_label(code: Any) -> str:
    return _pick(RECORD_KIND_LABELS, code)


def priority_label(code: Any) -> str:
    return _pick(PRIORITY_LABELS, code)


_enum_cache: dict[tuple[int, str, str], dict[str, dict[str, str]]] = {}


def _enum_labels(form_key: str, field: str) -> dict[str, dict[str, str]]:
    registry = current_registry()
    key = (id(registry), form_key, field)
    if key not in _enum_cache:
        _enum_cache[key] = _find_enum_labels(registry, form_key, field)
    return _enum_cache[key]


def _find_enum_labels(registry: Any, form_key: str, field: str) -> dict[str, dict[str, str]]:
    try:
        schema = registry.load(form_key)
    except FormNotFound:
        return {}
    stack = [schema]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        for name, prop in (node.get("properties") or {}).items():
            if name == field and isinstance(prop, dict):
                labels = prop.get("x-enum-labels") or (prop.get("items") or {}).get("x-enum-labels")
                if labels:
                    return dict(labels)
            stack.append(prop)
            if isinstance(prop, dict):
                stack.append(prop.get("items"))
    return {}


def choice_label(value: Any, form_key: str, field: str) -> str:
    """The label a form gives to one of its choices, in the user's language."""
    if value is None or value == "" or isinstance(value, Undefined):
        return "—"
    labels = _enum_labels(form_key, field).get(str(value))
    if not labels:
        return str(value)
    return str(labels.get(str(get_locale()), labels.get("en", value)))


def task_name(task: Any) -> str:
    return str(task.name_en if str(get_locale()) == "en" else task.name_pl)


FILTERS = {
    "legal_status_label": legal_status_label,
    "social_assistance_label": social_assistance_label,
    "referral_label": referral_label,
    "process_label": process_label,
    "status_label": status_label,
    "area_label": area_label,
    "priority_label": priority_label,
    "record_kind_label": record_kind_label,
    "choice_label": choice_label,
    "task_name": task_name,
}
