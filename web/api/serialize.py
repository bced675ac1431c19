"""The JSON shapes of our objects, as described in the OpenAPI document."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from engine.audit.models import AuditEvent
from engine.cases.models import Case
from engine.clock import utcnow
from engine.definitions.models import ProcessDefinition
from engine.instances.models import Incident, ProcessInstance
from engine.tasks.models import HumanTask, TaskState


def when(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def task_summary(task: HumanTask) -> dict[str, Any]:
    overdue = task.state == TaskState.OPEN and task.due_at is not None and task.due_at < utcnow()
    return {
        "id": task.id,
        "name": task.name_en or task.name_pl,
        "name_pl": task.name_pl,
        "name_en": task.name_en,
        "process_id": task.process_id,
        "element_id": task.element_id,
        "instance_id": task.instance_id,
        "case_id": task.case_id,
        "role": task.role,
        "state": task.state,
        "assignee_id": task.assignee_id,
        "form_key": task.form_key,
        "created_at": when(task.created_at),
        "due_at": when(task.due_at),
        "claimed_at": when(task.claimed_at),
        "completed_at": when(task.completed_at),
        "completed_by_id": task.completed_by_id,
        "overdue": overdue,
    }


def task_detail(task: HumanTask, form: dict[str, Any] | None, *, withheld: bool = False) -> dict[str, Any]:
    if withheld:
        data: dict[str, Any] = {}
    elif task.state == TaskState.COMPLETED:
        data = dict(task.submitted or {})
    else:
        data = {**(task.input_data or {}), **(task.draft or {})}
    return task_summary(task) | {
        "instructions": task.instructions,
        "operation": task.operation,
        "record": {"kind": task.subject_kind, "id": task.subject_id} if task.subject_kind and task.subject_id else None,
        "form": form,
        "data": data,
        "data_withheld": withheld,
    }


def task_candidate_summary(task: HumanTask, case: Case | None) -> dict[str, Any]:
    """What a candidate not associated with the case learns of an open task (``TASK_SUMMARY_FIELDS``)."""
    return {
        "id": task.id,
        "name": task.name_en or task.name_pl,
        "name_pl": task.name_pl,
        "name_en": task.name_en,
        "process_id": task.process_id,
        "role": task.role,
        "state": task.state,
        "due_at": when(task.due_at),
        "created_at": when(task.created_at),
        "case_id": task.case_id,
        "case_number": case.number if case is not None else None,
        "office": case.office.code if case is not None else None,
        "summary_only": True,
    }


def case_summary(case: Case) -> dict[str, Any]:
    person = case.beneficiary
    return {
        "id": case.id,
        "number": case.number,
        "status": case.status,
        "office": case.office.code,
        "case_manager_id": case.case_manager_id,
        "opened_at": when(case.opened_at),
        "closed_at": when(case.closed_at),
        "beneficiary": {
            "id": person.id,
            "given_names_latin": person.given_names_latin,
            "family_name_latin": person.family_name_latin,
            "date_of_birth": when(person.date_of_birth),
            "citizenship": person.citizenship,
        },
    }


def case_detail(case: Case, instances: list[ProcessInstance], open_tasks: list[HumanTask]) -> dict[str, Any]:
    person = case.beneficiary
    summary = case_summary(case)
    summary["beneficiary"] |= {
        "names_original": person.names_original,
        "document_number": person.document_number,
        "pesel": person.pesel,
        "legal_status": person.legal_status,
    }
    return summary | {
        "closure_reason": case.closure_reason,
        "members": [{"user_id": m.user_id, "role": m.role, "added_at": when(m.added_at)} for m in case.members],
        "instances": [instance_summary(instance) for instance in instances],
        "open_tasks": [task_summary(task) for task in open_tasks],
    }


def event(item: AuditEvent) -> dict[str, Any]:
    return {
        "id": item.id,
        "occurred_at": when(item.occurred_at),
        "kind": item.kind,
        "actor_id": item.actor_id,
        "actor_name": item.actor_name,
        "instance_id": item.instance_id,
        "details": item.details or {},
    }


def definition(item: ProcessDefinition) -> dict[str, Any]:
    return {
        "id": item.id,
        "process_id": item.process_id,
        "version": item.version,
        "name": item.name,
        "content_hash": item.content_hash,
        "bpmn_file": item.bpmn_file,
        "deployed_at": when(item.deployed_at),
        "deployed_by_id": item.deployed_by_id,
    }


def instance_summary(instance: ProcessInstance) -> dict[str, Any]:
    return {
        "id": instance.id,
        "process_id": instance.process_id,
        "definition_id": instance.definition_id,
        "version": instance.definition.version,
        "case_id": instance.case_id,
        "parent_instance_id": instance.parent_instance_id,
        "status": instance.status,
        "started_at": when(instance.started_at),
        "updated_at": when(instance.updated_at),
        "ended_at": when(instance.ended_at),
        "end_reason": instance.end_reason,
        "has_open_incident": instance.has_open_incident,
    }


def incident(item: Incident) -> dict[str, Any]:
    return {
        "id": item.id,
        "element_id": item.element_id,
        "element_name": item.element_name,
        "kind": item.kind,
        "message": item.message,
        "raised_at": when(item.raised_at),
        "resolved_at": when(item.resolved_at),
        "resolution": item.resolution,
    }


def instance_detail(
    instance: ProcessInstance, open_tasks: list[HumanTask], incidents: list[Incident]
) -> dict[str, Any]:
    return instance_summary(instance) | {
        "open_tasks": [task_summary(task) for task in open_tasks],
        "incidents": [incident(item) for item in incidents],
    }
