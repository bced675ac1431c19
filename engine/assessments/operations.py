"""The needs diagnosis's operations: one per area, each recording its assessment and narrative details.

The process gets back the assessment's id and its priority code (what ``needs_diagnosis`` routes and sums up
on); the situation and the area's answers stay in ``assessment_details``, readable per ``engine.access.categories``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from engine.assessments.access import AREAS, may_read_details, readers_text
from engine.assessments.models import PRIORITIES, Assessment, AssessmentDetails, AssessmentStatus
from engine.audit.service import record
from engine.clock import utcnow
from engine.errors import Forbidden, InvalidInput
from engine.operations import inputs
from engine.operations.registry import Call, Subject, operation

#: Each area's own answers (forms/diagnosis/<area>.json) beyond date, situation, needs and priority:
#: field → whether the form requires it.
AREA_FIELDS: dict[str, dict[str, bool]] = {
    "legal": {"legal_proceedings": True, "legal_next_deadline": False},
    "psychological": {"psychological_support_recommended": True},
    "social": {"social_housing_situation": True},
    "vocational": {
        "vocational_polish_level": True,
        "vocational_education": True,
        "vocational_registered_pup": True,
    },
}
#: Date fields among them, checked to come after the assessment.
_LATER_DATES = {"legal_next_deadline"}


def operation_name(area: str) -> str:
    return f"record_{area}_assessment"


def _register(area: str) -> None:
    subject = Subject("assessment", f"{area}_assessment_id")
    fields = {
        f"{area}_assessed_on": True,
        f"{area}_situation": True,
        f"{area}_needs": True,
        f"{area}_priority": True,
        **AREA_FIELDS[area],
    }

    def run(call: Call) -> Mapping[str, Any]:
        return _record(call, area)

    run.__name__ = operation_name(area)
    operation(
        operation_name(area),
        summary=f"Record the {area} assessment of the needs diagnosis (its details readable only by "
        f"{readers_text(area)}); give the process its priority.",
        fields=fields,
        writes=(subject.key, f"{area}_priority"),
        subject=subject,
    )(run)


def _record(call: Call, area: str) -> Mapping[str, Any]:
    case = call.require_case()
    actor = call.actor
    if actor is None:
        raise Forbidden("a person must do this, not the engine")
    if not may_read_details(actor, area, case):
        raise Forbidden(f"only {readers_text(area)} record the {area} assessment")
    form = call.form
    assessed_on = inputs.day(form, f"{area}_assessed_on")
    if assessed_on > utcnow().date():
        raise InvalidInput("the assessment date is in the future", {f"{area}_assessed_on": "cannot be in the future"})
    priority = inputs.choice(form, f"{area}_priority", PRIORITIES)
    details: dict[str, Any] = {}
    for key in AREA_FIELDS[area]:
        value = form.get(key)
        if key in _LATER_DATES:
            later = inputs.optional_day(form, key)
            if later is not None and later < assessed_on:
                raise InvalidInput("dates out of order", {key: "cannot be before the assessment"})
            value = later.isoformat() if later else None
        details[key] = value
    # A later diagnosis of the same area replaces the earlier one as the case's current assessment.
    for earlier in call.session.scalars(
        select(Assessment).where(
            Assessment.case_id == case.id, Assessment.area == area, Assessment.status == AssessmentStatus.ASSESSED
        )
    ):
        earlier.status = AssessmentStatus.SUPERSEDED
    assessment = Assessment(
        case_id=case.id,
        instance_id=call.instance.id,
        area=area,
        priority=priority,
        needs=inputs.text(form, f"{area}_needs") or "",
        assessed_on=assessed_on,
        assessed_by_id=actor.id,
        status=AssessmentStatus.ASSESSED,
        recorded_at=utcnow(),
    )
    assessment.details = AssessmentDetails(situation=inputs.text(form, f"{area}_situation") or "", fields=details)
    call.session.add(assessment)
    call.session.flush()
    record(
        call.session,
        "assessment.recorded",
        actor=actor,
        case_id=case.id,
        instance_id=call.instance.id,
        assessment_id=assessment.id,
        area=area,
    )
    return {f"{area}_assessment_id": assessment.id, f"{area}_priority": priority}


for _area in AREAS:
    _register(_area)
