"""Human-readable, translated names for the codes the engine stores."""

from __future__ import annotations

from babel import Locale
from flask import Flask
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from engine.countries import STATELESS, alpha_2

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


def country_name(code: object) -> str:
    """An ISO 3166 alpha-2 code as the country's name in the user's language (CLDR through Babel)."""
    if not code:
        return "—"
    key = alpha_2(str(code)) or str(code)
    if key == STATELESS:
        return str(_l("Stateless"))
    return str(Locale.parse(str(get_locale() or "pl")).territories.get(key, key))


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(str(role), role))


def init_app(app: Flask) -> None:
    app.add_template_filter(role_label, "role_label")
    app.add_template_filter(country_name, "country_name")
    app.add_template_filter(lambda pid: str(OCCURRENCE_LABELS.get(str(pid), pid)), "occurrence_label")
