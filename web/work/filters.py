"""Template filters for values typed into forms: ISO dates and codes, per locale (money: web/money.py)."""

from __future__ import annotations

from datetime import date

from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from web.work import bp


@bp.app_template_filter("work_date")
def work_date(value: object) -> str:
    try:
        return format_date(date.fromisoformat(str(value)), "medium")
    except ValueError:
        return str(value)


LEGAL_STATUS_LABELS = {
    "applicant": _l("Applicant for international protection"),
    "refugee": _l("Refugee status"),
    "subsidiary_protection": _l("Subsidiary protection"),
    "family_reunification": _l("Family reunification"),
    "humanitarian_stay": _l("Humanitarian stay"),
    "tolerated_stay": _l("Tolerated stay"),
    "trafficking_victim": _l("Victim of trafficking"),
    "temporary_protection": _l("Temporary protection"),
    "permanent_residence": _l("Permanent residence"),
    "eu_long_term": _l("EU long-term resident"),
    "eu_citizen": _l("EU citizen"),
    "other": _l("Other"),
}


@bp.app_template_filter("work_legal_status")
def work_legal_status(value: object) -> str:
    return str(LEGAL_STATUS_LABELS.get(str(value), value))


INSTANCE_STATUS_LABELS = {
    "running": _l("running"),
    "suspended": _l("suspended"),
    "completed": _l("completed"),
    "cancelled": _l("cancelled"),
}
TASK_STATE_LABELS = {"open": _l("open"), "completed": _l("completed"), "cancelled": _l("withdrawn")}


@bp.app_template_filter("work_instance_status")
def work_instance_status(value: object) -> str:
    return str(INSTANCE_STATUS_LABELS.get(str(value), value))


@bp.app_template_filter("work_task_state")
def work_task_state(value: object) -> str:
    return str(TASK_STATE_LABELS.get(str(value), value))
