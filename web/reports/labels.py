"""What the report's indicators and measures are called on screen and in the exports' headers."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

INDICATOR_LABELS = {
    "beneficiaries_by_sex": _l("Beneficiaries served by sex"),
    "beneficiaries_by_age": _l("Beneficiaries served by age group"),
    "beneficiaries_by_legal_status": _l("Beneficiaries served by legal status"),
    "beneficiaries_by_citizenship": _l("Beneficiaries served by citizenship"),
    "plans": _l("Individual action plans"),
    "goals_by_area": _l("Plan goals by area"),
    "sessions_by_role": _l("Sessions by specialist role"),
    "sessions_by_form": _l("Sessions by form"),
    "material_aid": _l("Material aid by category"),
    "placements": _l("Nursery and kindergarten placements"),
    "camps": _l("Integration camp participants"),
    "rent_subsidies": _l("Rent subsidies"),
    "referrals": _l("Referrals by partner"),
    "team_meetings": _l("Interdisciplinary team meetings"),
    "overdue_work": _l("Overdue work by role"),
}

MEASURE_LABELS = {
    "cases": _l("Cases"),
    "count": _l("Number"),
    "new": _l("New"),
    "continuing": _l("Continuing"),
    "achieved": _l("Achieved"),
    "hours": _l("Hours"),
    "amount": _l("Amount (PLN)"),
    "attended": _l("Attended"),
    "accepted": _l("Accepted"),
    "rejected": _l("Rejected"),
    "done": _l("Done"),
    "waiting": _l("Waiting for an answer"),
    "meetings": _l("Meetings held"),
    "decisions": _l("Decisions taken"),
}

GROUP_LABELS = {
    "female": _l("female"),
    "male": _l("male"),
    "not_stated": _l("not stated"),
    "unknown": _l("unknown"),
    "drawn_up": _l("drawn up"),
    "approved": _l("approved"),
    "amended": _l("amended (annex approved)"),
    "completed": _l("completed"),
    "paid": _l("paid"),
    "reserved": _l("reserved"),
    "held": _l("held"),
    "nursery": _l("nursery"),
    "kindergarten": _l("kindergarten"),
}
GROUP_LABELS.update({"subsidy_budget": _l("Housing subsidy budget"), "budget": _l("budget"), "left": _l("left")})
INDICATOR_LABELS["subsidy_budget"] = _l("Housing subsidy budget at the end of the period")
