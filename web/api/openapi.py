"""The OpenAPI 3.1 document of /api/v1, built beside the views and served at /api/v1/openapi.json."""

from __future__ import annotations

from functools import cache
from typing import Any

from web.api import bp, schemas
from web.api.pagination import MAX_ID

PATH_ID_MAX = 10**18 - 1

_PROBLEM_CONTENT = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
_ERRORS = {
    "400": "The body is not a JSON object.",
    "401": "No valid bearer token.",
    "403": "The user may not do this.",
    "404": "No such thing, or not visible to the user.",
    "409": "The request clashes with the current state.",
    "422": "Some values are wrong; `errors` names each field.",
    "429": "Too many requests for this token, or failed authentication attempts from this client; see Retry-After.",
}


def _error(code: str) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": _ERRORS[code], "content": _PROBLEM_CONTENT}
    if code == "422":
        answer = {
            "description": _ERRORS[code],
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/ValidationProblem"}}},
        }
    if code == "401":
        answer["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}}}
    if code == "429":
        answer["headers"] = {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}}
    return answer


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _op(
    op_id: str,
    summary: str,
    tag: str,
    ok: dict[str, dict[str, Any]],
    errors: tuple[str, ...],
    *,
    parameters: list[dict[str, Any]] | None = None,
    body: dict[str, Any] | None = None,
) -> dict[str, Any]:
    responses = dict(ok)
    for code in ("401", "429", *errors):
        responses[code] = _error(code)
    operation: dict[str, Any] = {
        "operationId": op_id,
        "summary": summary,
        "tags": [tag],
        "responses": responses,
    }
    if parameters:
        operation["parameters"] = parameters
    if body:
        operation["requestBody"] = body
    return operation


def _path_id(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1, "maximum": PATH_ID_MAX},
    }


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


_PAGE = [
    _query("limit", {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}, "Items per page."),
    _query("offset", {"type": "integer", "minimum": 0, "maximum": 1_000_000, "default": 0}, "Items to skip."),
]


def _json_body(name: str, *, required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {"application/json": {"schema": _ref(name)}}}


def _task_action(action: str, summary: str, errors: tuple[str, ...], body: str | None = None) -> dict[str, Any]:
    return {
        "post": _op(
            f"{action}Task",
            summary,
            "tasks",
            {"200": _json(_ref("Task"), "The task after the change.")},
            errors,
            parameters=[_path_id("task_id")],
            body=_json_body(body) if body else None,
        )
    }


def _instance_action(action: str, summary: str, body: str | None = None) -> dict[str, Any]:
    errors: tuple[str, ...] = ("403", "404", "409") + (("400", "422") if body else ())
    return {
        "post": _op(
            f"{action}Instance",
            summary,
            "instances",
            {"200": _json(_ref("Instance"), "The instance after the change.")},
            errors,
            parameters=[_path_id("instance_id")],
            body=_json_body(body, required=False) if body else None,
        )
    }


@cache
def document() -> dict[str, Any]:
    """The whole document (built once per process)."""
    paths: dict[str, Any] = {
        "/openapi.json": {
            "get": {
                "operationId": "getOpenApiDocument",
                "summary": "This document (no token needed).",
                "tags": ["meta"],
                "security": [],
                "responses": {"200": _json({"type": "object"}, "The OpenAPI 3.1 document.")},
            }
        },
        "/tasks": {
            "get": _op(
                "listTasks",
                "Tasks the user may see: their own, those they could claim, or all visible.",
                "tasks",
                {"200": _json(schemas.page_of("TaskSummary"), "One page of tasks.")},
                ("422",),
                parameters=[
                    _query("assignment", {"type": "string", "enum": ["mine", "candidate", "all"]}, "Default mine."),
                    _query("state", {"type": "string", "enum": ["open", "completed"]}, "Default open."),
                    _query("case", {"type": "integer", "minimum": 1, "maximum": PATH_ID_MAX}, "Tasks of one case."),
                    _query("overdue", {"type": "boolean"}, "Only overdue (true) or not overdue (false) tasks."),
                    *_PAGE,
                ],
            )
        },
        "/tasks/{task_id}": {
            "get": _op(
                "getTask",
                "A task with its form's JSON Schema and its current data.",
                "tasks",
                {
                    "200": _json(
                        {"oneOf": [_ref("Task"), _ref("TaskCandidateSummary")]}, "The task (a summary to a candidate)."
                    )
                },
                ("404",),
                parameters=[_path_id("task_id")],
            )
        },
        "/tasks/{task_id}/claim": _task_action("claim", "Take a task of your role.", ("403", "404", "409")),
        "/tasks/{task_id}/unclaim": _task_action("unclaim", "Give a task back.", ("403", "404", "409")),
        "/tasks/{task_id}/assign": _task_action(
            "assign", "Hand a task to a specialist (supervisors).", ("400", "403", "404", "409", "422"), "AssignRequest"
        ),
        "/tasks/{task_id}/complete": {
            "post": _op(
                "completeTask",
                "Submit the task's form; the process runs on.",
                "tasks",
                {"200": _json(_ref("Completion"), "Completed, or an incident stopped the process (data kept).")},
                ("400", "403", "404", "409", "422"),
                parameters=[_path_id("task_id")],
                body=_json_body("CompleteRequest"),
            )
        },
        "/cases": {
            "get": _op(
                "listCases",
                "Cases the user may see.",
                "cases",
                {"200": _json(schemas.page_of("CaseSummary"), "One page of cases.")},
                ("422",),
                parameters=[_query("status", {"type": "string", "enum": ["open", "closed"]}, "Filter."), *_PAGE],
            ),
            "post": _op(
                "createCase",
                "Register a beneficiary, open a case in the user's office and start its intake.",
                "cases",
                {
                    "201": {
                        **_json(_ref("Case"), "The new case."),
                        "headers": {"Location": {"schema": {"type": "string"}}},
                    },
                    "409": {
                        "description": "A possible duplicate (send allow_duplicates), or the intake is not deployed.",
                        "content": {"application/problem+json": {"schema": _ref("DuplicateProblem")}},
                    },
                },
                ("400", "403", "422"),
                body=_json_body("CaseRequest"),
            ),
        },
        "/cases/{case_id}": {
            "get": _op(
                "getCase",
                "A case with its people, processes and open tasks.",
                "cases",
                {"200": _json(_ref("Case"), "The case.")},
                ("404",),
                parameters=[_path_id("case_id")],
            )
        },
        "/cases/{case_id}/events": {
            "get": _op(
                "listCaseEvents",
                "What happened in a case, oldest first. Through a long timeline, pass the page's `next_after` "
                "as `after`: the next page then starts right after that event (`total` counts what follows it).",
                "cases",
                {"200": _json(schemas.event_page(), "One page of events.")},
                ("404", "422"),
                parameters=[
                    _path_id("case_id"),
                    *_PAGE,
                    _query(
                        "after",
                        {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                        "Start after this event (keyset paging).",
                    ),
                ],
            )
        },
        "/cases/{case_id}/team-flag": {
            "post": _op(
                "flagCaseForTeam",
                "Put the case on the interdisciplinary team's list for its next meeting, with the reason.",
                "cases",
                {"201": _json(_ref("TeamFlag"), "The case is on the list.")},
                ("400", "404", "409", "422"),
                parameters=[_path_id("case_id")],
                body=_json_body("ReasonRequest"),
            )
        },
        "/process-definitions": {
            "get": _op(
                "listProcessDefinitions",
                "The newest version of each deployed process.",
                "process-definitions",
                {"200": _json(schemas.page_of("ProcessDefinition"), "One page of definitions.")},
                ("422",),
                parameters=list(_PAGE),
            ),
            "post": _op(
                "deployProcessDefinitions",
                "Validate and deploy BPMN and DMN files (process owners).",
                "process-definitions",
                {
                    "200": _json(_ref("Deployment"), "Valid; nothing changed, no new version."),
                    "201": _json(_ref("Deployment"), "Deployed; new versions listed."),
                },
                ("403", "422"),
                body={
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": _ref("DeployRequest"),
                            "encoding": {"files": {"contentType": "application/octet-stream"}},
                        }
                    },
                },
            ),
        },
        "/process-definitions/{process_id}/versions": {
            "get": _op(
                "listProcessVersions",
                "Every version of one process, newest first.",
                "process-definitions",
                {"200": _json(schemas.page_of("ProcessDefinition"), "One page of versions.")},
                ("404", "422"),
                parameters=[
                    {
                        "name": "process_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "minLength": 1, "maxLength": 100, "pattern": "^[^/]+$"},
                    },
                    *_PAGE,
                ],
            )
        },
        "/instances/{instance_id}": {
            "get": _op(
                "getInstance",
                "An instance's state, open tasks and incidents.",
                "instances",
                {"200": _json(_ref("Instance"), "The instance.")},
                ("404",),
                parameters=[_path_id("instance_id")],
            )
        },
        "/instances/{instance_id}/suspend": _instance_action("suspend", "Pause a running instance.", "ReasonRequest"),
        "/instances/{instance_id}/resume": _instance_action("resume", "Continue a suspended instance."),
        "/instances/{instance_id}/cancel": _instance_action(
            "cancel", "Stop an instance for good (reason required).", "ReasonRequest"
        ),
        "/instances/{instance_id}/retry": _instance_action(
            "retry", "Run the engine again past an incident (the newest open one by default).", "RetryRequest"
        ),
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "IPD case management API",
            "version": "1.0.0",
            "description": "Cases, tasks, process definitions and instances, with the permissions of the "
            "token's owner. Errors are RFC 9457 problem details.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal API token from the profile page or `ipd tokens create`.",
                }
            },
            "schemas": schemas.COMPONENTS,
        },
    }


@bp.get("/openapi.json")
def openapi_document() -> dict[str, Any]:
    return document()
