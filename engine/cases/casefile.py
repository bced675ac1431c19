"""The case file as specialists read it, gathered from submitted task data and instance data.

Nothing here is stored twice: registration, legal status, consent, diagnoses, the plan, sessions,
subsidies and material aid are read back from what the lifecycle tasks submitted (``HumanTask.submitted``)
and, for values computed inside a process (a subsidy's monthly amount), from the instance's data.
Special-category data (the psychologist's diagnosis and session notes) is withheld from anyone who is
not a psychologist: they learn that it exists and its priority, nothing more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.accounts.roles import Role
from engine.cases.models import Case
from engine.clock import utcnow
from engine.definitions.models import DeploymentFile
from engine.definitions.service import spec_bundle
from engine.instances.models import InstanceState, InstanceStatus, ProcessInstance
from engine.spiff.runner import called_processes
from engine.tasks.models import HumanTask, TaskState

SPECIAL_CATEGORY_ROLES = frozenset({Role.PSYCHOLOGIST})
DIAGNOSIS_AREAS = ("legal", "psychological", "social", "vocational")


def is_special_category(task: HumanTask) -> bool:
    """Tasks whose content is health data: everything worked in the psychologist's lane."""
    return task.role in SPECIAL_CATEGORY_ROLES


def may_read_special(actor: User) -> bool:
    return actor.has_role(*SPECIAL_CATEGORY_ROLES)


def money(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


@dataclass
class Diagnosis:
    area: str
    task_id: int
    state: str
    priority: str | None
    completed_at: Any
    completed_by_id: int | None
    details: dict[str, Any] | None  # None when withheld
    restricted: bool


@dataclass
class Plan:
    status: str  # draft / awaiting_approval / returned / approved / signed
    goals: list[dict[str, Any]]
    actions: list[dict[str, Any]]
    obligations_beneficiary: list[str]
    obligations_organisation: list[str]
    approval_history: list[dict[str, Any]]
    signed_on: str | None
    goal_ratings: dict[str, str]


@dataclass
class SessionRecord:
    task_id: int
    role: str | None
    session_date: str | None
    status: str | None
    duration_minutes: int | None
    details: dict[str, Any] | None
    restricted: bool


@dataclass
class Subsidy:
    instance_id: int
    status: str
    rent: Decimal | None
    months_requested: int | None
    monthly_amount: Decimal | None
    approved_months: int | None
    payments: list[dict[str, Any]] = field(default_factory=list)

    @property
    def paid_total(self) -> Decimal:
        return sum((money(p.get("payment_amount")) or Decimal(0) for p in self.payments), Decimal(0))


@dataclass
class AidItem:
    instance_id: int
    category: str | None
    amount: Decimal | None
    description: str | None
    status: str
    purchase: dict[str, Any] | None


@dataclass
class CaseFile:
    case: Case
    registration: dict[str, Any]
    legal: dict[str, Any]
    legal_status: str | None
    diagnoses: list[Diagnosis]
    plan: Plan | None
    sessions: list[SessionRecord]
    subsidies: list[Subsidy]
    material_aid: list[AidItem]
    open_tasks: list[HumanTask]
    running_instances: list[ProcessInstance]
    intake_outcome: dict[str, Any]

    @property
    def household(self) -> list[dict[str, Any]]:
        return list(self.registration.get("household_members") or [])

    @property
    def flags(self) -> list[str]:
        return list(self.registration.get("flags") or self.case.beneficiary.profile.get("flags") or [])

    @property
    def consents(self) -> list[dict[str, Any]]:
        return list(self.legal.get("consents") or [])

    @property
    def documents(self) -> list[dict[str, Any]]:
        return list(self.legal.get("documents") or [])


def _latest(tasks: list[HumanTask], element_id: str) -> HumanTask | None:
    done = [t for t in tasks if t.element_id == element_id and t.state == TaskState.COMPLETED and t.submitted]
    return done[-1] if done else None


def instance_data(session: Session, instance: ProcessInstance) -> dict[str, Any]:
    """The instance's current data; empty when it has no stored state."""
    from engine.instances.service import load_runner

    if session.get(InstanceState, instance.id) is None:
        return {}
    return load_runner(session, instance).data


def _plan(tasks: list[HumanTask]) -> Plan | None:
    draft = _latest(tasks, "Task_draft_plan")
    if draft is None:
        return None
    data = draft.submitted or {}
    approvals = [
        t for t in tasks if t.element_id == "Task_approve_plan" and t.state == TaskState.COMPLETED and t.submitted
    ]
    history = [
        {
            "decision": (t.submitted or {}).get("ipd_approval_decision"),
            "comment": (t.submitted or {}).get("ipd_approval_comment"),
            "at": t.completed_at,
            "by_id": t.completed_by_id,
        }
        for t in approvals
    ]
    sign = _latest(tasks, "Task_sign_plan")
    awaiting = any(t.element_id == "Task_approve_plan" and t.state == TaskState.OPEN for t in tasks)
    status = "draft"
    last_approval = approvals[-1] if approvals else None
    if awaiting:
        status = "awaiting_approval"
    elif last_approval is not None and last_approval.completed_at and last_approval.id > draft.id:
        status = "approved" if history[-1]["decision"] == "approve" else "returned"
    if status == "approved" and sign is not None and (sign.submitted or {}).get("ipd_signature_status") == "signed":
        status = "signed"
    review = _latest(tasks, "Task_review_plan")
    ratings = {
        str(r.get("goal_id")): str(r.get("rating"))
        for r in ((review.submitted or {}).get("review_goal_ratings") or [] if review else [])
    }
    today = utcnow().date().isoformat()
    actions = []
    for action in data.get("ipd_actions") or []:
        deadline = action.get("deadline")
        actions.append({**action, "status": "deadline_passed" if deadline and deadline < today else "planned"})
    goals = [{**g, "status": ratings.get(str(g.get("goal_id")), "not_reviewed")} for g in data.get("ipd_goals") or []]
    return Plan(
        status=status,
        goals=goals,
        actions=actions,
        obligations_beneficiary=list(data.get("ipd_obligations_beneficiary") or []),
        obligations_organisation=list(data.get("ipd_obligations_organisation") or []),
        approval_history=history,
        signed_on=(sign.submitted or {}).get("ipd_signed_on") if sign else None,
        goal_ratings=ratings,
    )


def build_casefile(session: Session, actor: User, case: Case) -> CaseFile:
    """Gather the case file of ``case`` for ``actor`` (who must be allowed to view the case)."""
    tasks = list(session.scalars(select(HumanTask).where(HumanTask.case_id == case.id).order_by(HumanTask.id)))
    instances = list(
        session.scalars(select(ProcessInstance).where(ProcessInstance.case_id == case.id).order_by(ProcessInstance.id))
    )
    special = may_read_special(actor)
    register = _latest(tasks, "Task_register")
    legal = _latest(tasks, "Task_legal_status")

    diagnoses = []
    for task in tasks:
        if not task.element_id.startswith("Task_diagnose_") or task.state == TaskState.CANCELLED:
            continue
        area = task.element_id.removeprefix("Task_diagnose_")
        submitted = task.submitted or {}
        restricted = is_special_category(task) and not special
        diagnoses.append(
            Diagnosis(
                area=area,
                task_id=task.id,
                state=task.state,
                priority=submitted.get(f"{area}_priority"),
                completed_at=task.completed_at,
                completed_by_id=task.completed_by_id,
                details=None if restricted or not task.submitted else dict(submitted),
                restricted=restricted,
            )
        )

    sessions = []
    for task in tasks:
        if task.process_id != "service_session" or task.state != TaskState.COMPLETED or not task.submitted:
            continue
        restricted = is_special_category(task) and not special
        sessions.append(
            SessionRecord(
                task_id=task.id,
                role=task.role,
                session_date=task.submitted.get("session_date"),
                status=task.submitted.get("session_status"),
                duration_minutes=task.submitted.get("session_duration_minutes"),
                details=None if restricted else dict(task.submitted),
                restricted=restricted,
            )
        )

    by_instance: dict[int, list[HumanTask]] = {}
    for task in tasks:
        by_instance.setdefault(task.instance_id, []).append(task)
    subsidies, aid = [], []
    intake_outcome: dict[str, Any] = {}
    for instance in instances:
        own = by_instance.get(instance.id, [])
        if instance.process_id == "housing_subsidy":
            subsidies.append(_subsidy(session, instance, own))
        elif instance.process_id == "material_aid":
            aid.append(_aid(instance, own))
        elif instance.process_id in ("intake", "case_lifecycle") and legal is not None:
            data = instance_data(session, instance)
            intake_outcome = {k: data.get(k) for k in ("intake_outcome", "ipi_apply_by", "intake_eligible")}

    return CaseFile(
        case=case,
        registration=dict(register.submitted or {}) if register else dict(case.beneficiary.profile or {}),
        legal=dict(legal.submitted or {}) if legal else {},
        legal_status=((legal.submitted or {}).get("legal_status") if legal else None) or case.beneficiary.legal_status,
        diagnoses=diagnoses,
        plan=_plan(tasks),
        sessions=sessions,
        subsidies=subsidies,
        material_aid=aid,
        open_tasks=[t for t in tasks if t.state == TaskState.OPEN],
        running_instances=[i for i in instances if i.status in (InstanceStatus.RUNNING, InstanceStatus.SUSPENDED)],
        intake_outcome=intake_outcome,
    )


def _subsidy(session: Session, instance: ProcessInstance, tasks: list[HumanTask]) -> Subsidy:
    application = (_latest(tasks, "Task_apply") or HumanTask()).submitted or {}
    approval = (_latest(tasks, "Task_approve_subsidy") or HumanTask()).submitted or {}
    data = instance_data(session, instance)
    payments = [
        dict(t.submitted or {})
        for t in tasks
        if t.element_id == "Task_confirm_payment" and t.state == TaskState.COMPLETED and t.submitted
    ]
    status = data.get("subsidy_status") or ("awaiting_approval" if not approval else "pending")
    return Subsidy(
        instance_id=instance.id,
        status=str(status),
        rent=money(application.get("subsidy_rent")),
        months_requested=application.get("subsidy_months_requested"),
        monthly_amount=money(data.get("subsidy_monthly_amount")),
        approved_months=approval.get("subsidy_approved_months"),
        payments=payments,
    )


def _aid(instance: ProcessInstance, tasks: list[HumanTask]) -> AidItem:
    request = (_latest(tasks, "Task_request_aid") or HumanTask()).submitted or {}
    approval = (_latest(tasks, "Task_approve_aid") or HumanTask()).submitted or {}
    purchase = _latest(tasks, "Task_record_purchase")
    if purchase is not None:
        status = "purchased"
    elif approval.get("aid_decision") == "reject":
        status = "rejected"
    elif any(t.state == TaskState.OPEN and t.element_id == "Task_approve_aid" for t in tasks):
        status = "awaiting_approval"
    else:
        status = "requested"
    return AidItem(
        instance_id=instance.id,
        category=request.get("aid_category"),
        amount=money(request.get("aid_amount")),
        description=request.get("aid_description"),
        status=status,
        purchase=dict(purchase.submitted or {}) if purchase else None,
    )


def element_states(session: Session, instance: ProcessInstance, process_id: str | None = None) -> dict[str, str]:
    """Element id → ``current`` (an open task) or ``completed``, for the diagram of one process."""
    process = process_id or instance.process_id
    rows = session.execute(
        select(HumanTask.element_id, HumanTask.state).where(
            HumanTask.instance_id == instance.id, HumanTask.process_id == process
        )
    ).all()
    states: dict[str, str] = {}
    for element_id, state in rows:
        if state == TaskState.OPEN:
            states[element_id] = "current"
        elif state == TaskState.COMPLETED and states.get(element_id) != "current":
            states[element_id] = "completed"
    # A call activity is current while the process it calls (or one that calls on) has an open task.
    bundle = spec_bundle(instance.definition)
    task_states: dict[str, set[str]] = {}
    for called_process, state in session.execute(
        select(HumanTask.process_id, HumanTask.state).where(HumanTask.instance_id == instance.id)
    ):
        task_states.setdefault(called_process, set()).add(state)

    def reached(process: str, seen: frozenset[str]) -> set[str]:
        found = set(task_states.get(process, set()))
        for nested in called_processes(bundle, process).values():
            if nested not in seen:
                found |= reached(nested, seen | {nested})
        return found

    for element_id, called in called_processes(bundle, process).items():
        seen_states = reached(called, frozenset({process, called}))
        if TaskState.OPEN in seen_states:
            states[element_id] = "current"
        elif TaskState.COMPLETED in seen_states:
            states[element_id] = "completed"
    return states


def current_process_ids(session: Session, instance: ProcessInstance) -> list[str]:
    """The processes (the instance's own and called ones) that hold an open task, own process first."""
    found = session.scalars(
        select(HumanTask.process_id)
        .where(HumanTask.instance_id == instance.id, HumanTask.state == TaskState.OPEN)
        .distinct()
    ).all()
    ordered = [instance.process_id] + sorted(p for p in found if p != instance.process_id)
    return ordered


def process_xml(session: Session, instance: ProcessInstance, process_id: str | None = None) -> bytes | None:
    """The BPMN file of the instance's version that holds ``process_id`` (default: the instance's own)."""
    wanted = process_id or instance.process_id
    files = session.scalars(
        select(DeploymentFile).where(DeploymentFile.deployment_id == instance.definition.deployment_id)
    ).all()
    by_name = {f.name: f for f in files}
    own = by_name.get(instance.definition.bpmn_file)
    if own is not None and wanted == instance.process_id:
        return own.content
    marker = re.compile(rb'<(?:\w+:)?process\s[^>]*\bid="' + re.escape(wanted.encode()) + rb'"')
    for file in files:
        if file.name.endswith(".bpmn") and marker.search(file.content):
            return file.content
    return None
