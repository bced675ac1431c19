"""Case-level effects of the lifecycle processes, which a diagram cannot have by itself.

The processes leave their outcome in their data (``processes/README.md``: "what each process leaves");
this module turns it into changes to the case and its beneficiary. It is called by the engine, never by
a process:

- ``after_step`` after every successful step of an instance (``engine.instances.service.advance``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from engine.audit.service import record
from engine.cases.models import Case, CaseStatus
from engine.cases.service import close_case
from forms.registry import FormNotFound, current_registry

if TYPE_CHECKING:
    from engine.instances.models import ProcessInstance

LEGAL_STATUS_FORM = "intake/legal_status"


def after_step(session: Session, instance: ProcessInstance, runner_data: Mapping[str, Any], finished: bool) -> None:
    """Apply what a step of ``instance`` means for its case: legal status recorded, case closed."""
    if instance.case_id is None:
        return
    case = session.get(Case, instance.case_id)
    if case is None:
        return
    _record_legal_status(session, case, instance, runner_data)
    if finished and runner_data.get("case_status") == "closed" and case.status != CaseStatus.CLOSED:
        reason = runner_data.get("closure_reason")
        close_case(session, None, case, str(reason) if reason else instance.process_id)


def _record_legal_status(
    session: Session, case: Case, instance: ProcessInstance, runner_data: Mapping[str, Any]
) -> None:
    status = runner_data.get("legal_status")
    if not isinstance(status, str) or status not in _legal_statuses():
        return
    beneficiary = case.beneficiary
    if beneficiary.legal_status == status:
        return
    previous = beneficiary.legal_status
    beneficiary.legal_status = status
    record(
        session,
        "beneficiary.legal_status_changed",
        actor_name="engine",
        case_id=case.id,
        instance_id=instance.id,
        previous=previous,
        legal_status=status,
    )


def _legal_statuses() -> frozenset[str]:
    """The statuses the intake form offers: anything else in process data is not copied to the beneficiary."""
    try:
        field = current_registry().load(LEGAL_STATUS_FORM)["properties"]["legal_status"]
    except (FormNotFound, KeyError, ValueError):
        return frozenset()
    return frozenset(value for value in field.get("enum", ()) if isinstance(value, str))
