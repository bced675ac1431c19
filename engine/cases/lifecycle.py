"""Case-level effects of the lifecycle processes, which a diagram cannot have by itself.

It is called by the engine, never by a process: ``after_step`` after every successful step of an instance
(``engine.instances.service.advance``). Facts (the legal status, the registration…) are written by the
operations the tasks name, never here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from engine.cases.models import Case, CaseStatus
from engine.cases.service import close_case

if TYPE_CHECKING:
    from engine.instances.models import ProcessInstance


def after_step(session: Session, instance: ProcessInstance, runner_data: Mapping[str, Any], finished: bool) -> None:
    """Apply what a step of ``instance`` means for its case: the case closed."""
    if instance.case_id is None:
        return
    case = session.get(Case, instance.case_id)
    if case is None:
        return
    if finished and runner_data.get("case_status") == "closed" and case.status != CaseStatus.CLOSED:
        reason = runner_data.get("closure_reason")
        close_case(session, None, case, str(reason) if reason else instance.process_id)
