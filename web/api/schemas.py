"""JSON Schemas of request bodies and responses; the OpenAPI document and the views share them."""

from __future__ import annotations

from typing import Any

from web.api.pagination import MAX_ID

ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
NULLABLE_ID = {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_ID}
TIME = {"type": "string", "format": "date-time"}
NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}
NULLABLE_STR = {"type": ["string", "null"]}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict[str, Any], *, optional: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": [key for key in properties if key not in optional],
    }


# -- request bodies (self-contained: the views validate with them) --

ASSIGN_REQUEST: dict[str, Any] = {
    "type": "object",
    "properties": {"assignee_id": ID},
    "required": ["assignee_id"],
    "additionalProperties": False,
}

COMPLETE_REQUEST: dict[str, Any] = {
    "type": "object",
    "properties": {"data": {"type": "object", "description": "Field values valid for the task's form."}},
    "required": ["data"],
    "additionalProperties": False,
}

REASON_REQUEST: dict[str, Any] = {
    "type": "object",
    "properties": {"reason": {"type": "string", "maxLength": 2000}},
    "additionalProperties": False,
}

RETRY_REQUEST: dict[str, Any] = {
    "type": "object",
    "properties": {"incident_id": ID},
    "additionalProperties": False,
}

_SHORT = {"type": "string", "maxLength": 200}
CASE_REQUEST: dict[str, Any] = {
    "type": "object",
    "properties": {
        "beneficiary": {
            "type": "object",
            "properties": {
                "given_names_latin": {"type": "string", "minLength": 1, "maxLength": 200},
                "family_name_latin": {"type": "string", "minLength": 1, "maxLength": 200},
                "date_of_birth": {"type": ["string", "null"], "format": "date"},
                "names_original": {"type": ["string", "null"], "maxLength": 400},
                "citizenship": {"type": ["string", "null"], "maxLength": 3},
                "document_number": {"type": ["string", "null"], "maxLength": 64},
                "pesel": {"type": ["string", "null"], "maxLength": 11},
                "legal_status": {"type": ["string", "null"], "maxLength": 40},
            },
            "required": ["given_names_latin", "family_name_latin"],
            "additionalProperties": False,
        },
        "case_manager_id": NULLABLE_ID,
        "allow_duplicates": {"type": "boolean", "default": False},
    },
    "required": ["beneficiary"],
    "additionalProperties": False,
}

DEPLOY_REQUEST: dict[str, Any] = {
    "type": "object",
    "properties": {
        "files": {
            "type": "array",
            "items": {"type": "string", "contentMediaType": "application/octet-stream"},
            "minItems": 1,
            "maxItems": 50,
        }
    },
    "required": ["files"],
}

# -- responses --

_TASK = {
    "id": ID,
    "name": {"type": "string"},
    "name_pl": {"type": "string"},
    "name_en": {"type": "string"},
    "process_id": {"type": "string"},
    "element_id": {"type": "string"},
    "instance_id": ID,
    "case_id": NULLABLE_ID,
    "role": NULLABLE_STR,
    "state": {"type": "string", "enum": ["open", "completed", "cancelled"]},
    "assignee_id": NULLABLE_ID,
    "form_key": NULLABLE_STR,
    "created_at": TIME,
    "due_at": NULLABLE_TIME,
    "claimed_at": NULLABLE_TIME,
    "completed_at": NULLABLE_TIME,
    "completed_by_id": NULLABLE_ID,
    "overdue": {"type": "boolean"},
}

_BENEFICIARY = {
    "id": ID,
    "given_names_latin": {"type": "string"},
    "family_name_latin": {"type": "string"},
    "date_of_birth": {"type": ["string", "null"], "format": "date"},
    "citizenship": NULLABLE_STR,
}

_CASE = {
    "id": ID,
    "number": {"type": "string"},
    "status": {"type": "string", "enum": ["open", "closed"]},
    "office": {"type": "string"},
    "case_manager_id": NULLABLE_ID,
    "opened_at": TIME,
    "closed_at": NULLABLE_TIME,
    "beneficiary": _object(_BENEFICIARY),
}

_INSTANCE = {
    "id": ID,
    "process_id": {"type": "string"},
    "definition_id": ID,
    "version": {"type": "integer", "minimum": 1},
    "case_id": NULLABLE_ID,
    "parent_instance_id": NULLABLE_ID,
    "status": {"type": "string", "enum": ["running", "suspended", "completed", "cancelled"]},
    "started_at": TIME,
    "updated_at": TIME,
    "ended_at": NULLABLE_TIME,
    "end_reason": NULLABLE_STR,
    "has_open_incident": {"type": "boolean"},
}

_FINDING = _object(
    {
        "severity": {"type": "string", "enum": ["error", "warning"]},
        "code": {"type": "string"},
        "message": {"type": "string"},
        "file": {"type": "string"},
        "line": {"type": ["integer", "null"]},
        "element_id": NULLABLE_STR,
    }
)

COMPONENTS: dict[str, Any] = {
    "Problem": {
        "type": "object",
        "description": "RFC 9457 problem details; `errors` maps a field to what is wrong with it.",
        "properties": {
            "type": {"type": "string", "format": "uri-reference"},
            "title": {"type": "string"},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": {"type": "string"},
            "instance": {"type": "string"},
            "errors": {"type": "object", "additionalProperties": {"type": "string"}},
        },
        "required": ["type", "title", "status"],
    },
    "ValidationProblem": {
        "allOf": [
            _ref("Problem"),
            {"type": "object", "required": ["errors"], "properties": {"report": _ref("ValidationReport")}},
        ]
    },
    "DuplicateProblem": {
        "allOf": [
            _ref("Problem"),
            {
                "type": "object",
                "properties": {
                    "duplicates": {
                        "type": "array",
                        "items": _object(
                            {
                                "beneficiary_id": ID,
                                "given_names_latin": {"type": "string"},
                                "family_name_latin": {"type": "string"},
                                "date_of_birth": {"type": ["string", "null"], "format": "date"},
                                "document_number": NULLABLE_STR,
                            }
                        ),
                    }
                },
            },
        ]
    },
    "TaskSummary": _object(_TASK),
    "Task": _object(
        _TASK
        | {
            "instructions": NULLABLE_STR,
            "operation": {
                "type": ["string", "null"],
                "description": "The domain operation the task's form feeds; its record holds what was submitted.",
            },
            "record": {
                "type": ["object", "null"],
                "description": "The case record the task works on (the request an approval decides).",
                "properties": {"kind": {"type": "string"}, "id": {"type": "integer"}},
                "required": ["kind", "id"],
                "additionalProperties": False,
            },
            "form": {"type": ["object", "null"], "description": "The form's JSON Schema (draft 2020-12)."},
            "data": {"type": "object", "description": "Current values: submitted, or shown plus draft."},
            "data_withheld": {
                "type": "boolean",
                "description": "True when `data` is left out: the task's lane is a special category "
                "(psychological and health, legal) whose answers only its readers see.",
            },
        }
    ),
    "TaskCandidateSummary": _object(
        {
            "id": ID,
            "name": {"type": "string"},
            "name_pl": {"type": "string"},
            "name_en": {"type": "string"},
            "process_id": {"type": "string"},
            "role": NULLABLE_STR,
            "state": {"type": "string"},
            "due_at": NULLABLE_TIME,
            "created_at": TIME,
            "case_id": {"type": ["integer", "null"]},
            "case_number": NULLABLE_STR,
            "office": NULLABLE_STR,
            "summary_only": {
                "type": "boolean",
                "description": "Always true: an open, unclaimed task seen by a candidate not associated with its "
                "case; claim it to see the rest.",
            },
        }
    ),
    "Incident": _object(
        {
            "id": ID,
            "element_id": NULLABLE_STR,
            "element_name": NULLABLE_STR,
            "kind": {"type": "string"},
            "message": {"type": "string"},
            "raised_at": TIME,
            "resolved_at": NULLABLE_TIME,
            "resolution": NULLABLE_STR,
        }
    ),
    "Completion": _object(
        {
            "task": _ref("Task"),
            "incident": {"oneOf": [_ref("Incident"), {"type": "null"}]},
            "new_task_ids": {"type": "array", "items": ID},
        }
    ),
    "CaseSummary": _object(_CASE),
    "Case": _object(
        _CASE
        | {
            "beneficiary": _object(
                _BENEFICIARY
                | {
                    "names_original": NULLABLE_STR,
                    "document_number": NULLABLE_STR,
                    "pesel": NULLABLE_STR,
                    "legal_status": NULLABLE_STR,
                }
            ),
            "closure_reason": NULLABLE_STR,
            "members": {
                "type": "array",
                "items": _object({"user_id": ID, "role": {"type": "string"}, "added_at": TIME}),
            },
            "instances": {"type": "array", "items": _ref("InstanceSummary")},
            "open_tasks": {"type": "array", "items": _ref("TaskSummary")},
        }
    ),
    "Event": _object(
        {
            "id": ID,
            "occurred_at": TIME,
            "kind": {"type": "string"},
            "actor_id": NULLABLE_ID,
            "actor_name": NULLABLE_STR,
            "instance_id": NULLABLE_ID,
            "details": {"type": "object"},
        }
    ),
    "ProcessDefinition": _object(
        {
            "id": ID,
            "process_id": {"type": "string"},
            "version": {"type": "integer", "minimum": 1},
            "name": {"type": "string"},
            "content_hash": {"type": "string"},
            "bpmn_file": {"type": "string"},
            "deployed_at": TIME,
            "deployed_by_id": NULLABLE_ID,
        }
    ),
    "ValidationReport": _object(
        {
            "ok": {"type": "boolean"},
            "process_ids": {"type": "array", "items": {"type": "string"}},
            "error_count": {"type": "integer", "minimum": 0},
            "warning_count": {"type": "integer", "minimum": 0},
            "findings": {"type": "array", "items": _FINDING},
        }
    ),
    "Deployment": _object(
        {
            "report": _ref("ValidationReport"),
            "definitions": {"type": "array", "items": _ref("ProcessDefinition")},
            "new_versions": {"type": "array", "items": _ref("ProcessDefinition")},
        }
    ),
    "InstanceSummary": _object(_INSTANCE),
    "Instance": _object(
        _INSTANCE
        | {
            "open_tasks": {"type": "array", "items": _ref("TaskSummary")},
            "incidents": {"type": "array", "items": _ref("Incident")},
        }
    ),
    "TeamFlag": _object({"case_id": ID, "reason": {"type": "string"}, "set_by_id": NULLABLE_ID, "set_at": TIME}),
    "AssignRequest": ASSIGN_REQUEST,
    "CompleteRequest": COMPLETE_REQUEST,
    "ReasonRequest": REASON_REQUEST,
    "RetryRequest": RETRY_REQUEST,
    "CaseRequest": CASE_REQUEST,
    "DeployRequest": DEPLOY_REQUEST,
}


def page_of(item: str) -> dict[str, Any]:
    return _object(
        {
            "items": {"type": "array", "items": _ref(item)},
            "total": {"type": "integer", "minimum": 0},
            "limit": {"type": "integer", "minimum": 1},
            "offset": {"type": "integer", "minimum": 0},
        }
    )


def event_page() -> dict[str, Any]:
    """A page of a case's events, with the cursor of the next page (null on the last one)."""
    page = page_of("Event")
    page["properties"]["next_after"] = NULLABLE_ID
    page["required"].append("next_after")
    return page
