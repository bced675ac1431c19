"""Human-readable, translated names for the codes the engine stores."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

ROLE_LABELS = {
    "social_worker": _l("Social worker"),
    "psychologist": _l("Psychologist"),
    "lawyer": _l("Lawyer"),
    "career_counsellor": _l("Career counsellor"),
    "supervisor": _l("Supervisor"),
    "process_owner": _l("Process owner"),
    "admin": _l("Administrator"),
    "national_admin": _l("National administrator"),
}


#: The kinds of work a specialist starts on a case (see engine.cases.occurrences).
OCCURRENCE_LABELS = {
    "service_session": _l("Session with a specialist"),
    "material_aid": _l("Material aid request"),
    "housing_subsidy": _l("Housing subsidy application"),
    "nursery_placement": _l("Nursery or kindergarten place"),
    "camp_enrolment": _l("Integration camp enrolment"),
    "referral": _l("Referral to a partner"),
}


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(str(role), role))


def init_app(app: Flask) -> None:
    app.add_template_filter(role_label, "role_label")
    app.add_template_filter(lambda pid: str(OCCURRENCE_LABELS.get(str(pid), pid)), "occurrence_label")
