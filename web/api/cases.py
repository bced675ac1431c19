"""Cases: open one (and start its intake), list, show, its timeline."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from flask import current_app, url_for
from sqlalchemy import select

from engine.accounts.models import User
from engine.audit.models import AuditEvent
from engine.cases.models import Case
from engine.cases.service import (
    CASE_PROCESS,
    BeneficiaryInput,
    find_duplicates,
    get_case,
    open_case,
    start_case,
    visible_cases,
)
from engine.errors import Conflict, NotFound
from engine.instances.models import ProcessInstance
from engine.pagination import after_row
from engine.tasks.models import HumanTask, TaskState
from web.api import bp, schemas, serialize
from web.api.auth import current_actor
from web.api.body import json_body
from web.api.pagination import choice_arg, int_arg, paginate
from web.api.problems import DUPLICATE_BENEFICIARY, ApiProblem, invalid
from web.audit_reads import READ_KINDS, audit_page, audit_view
from web.db import get_db

#: The process a new case starts with, as on the "new case" page.
DEFAULT_CASE_PROCESS = CASE_PROCESS


@bp.get("/cases")
def list_cases() -> dict[str, Any]:
    status = choice_arg("status", ("open", "closed"))
    stmt = visible_cases(current_actor())
    if status is not None:
        stmt = stmt.where(Case.status == status)
    stmt = stmt.order_by(Case.opened_at.desc(), Case.id.desc())
    db = get_db()
    page = paginate(db, stmt, serialize.case_summary)
    audit_page(db, current_actor(), "case", page, ("status", "limit", "offset"))
    return page


def _detail(case: Case) -> dict[str, Any]:
    db = get_db()
    instances = list(
        db.scalars(select(ProcessInstance).where(ProcessInstance.case_id == case.id).order_by(ProcessInstance.id))
    )
    tasks = list(
        db.scalars(
            select(HumanTask)
            .where(HumanTask.case_id == case.id, HumanTask.state == TaskState.OPEN)
            .order_by(HumanTask.id)
        )
    )
    return serialize.case_detail(case, instances, tasks)


@bp.get("/cases/<id:case_id>")
def show_case(case_id: int) -> dict[str, Any]:
    db, actor = get_db(), current_actor()
    body = _detail(get_case(db, actor, case_id))
    audit_view(db, actor, "case", case_id=case_id)
    db.commit()
    return body


@bp.get("/cases/<id:case_id>/events")
def case_events(case_id: int) -> dict[str, Any]:
    """A case's timeline, oldest first; ``after`` (an event id) pages by keyset through a long one."""
    db, actor = get_db(), current_actor()
    case = get_case(db, actor, case_id)
    order = (AuditEvent.occurred_at, AuditEvent.id)
    # Reads are audited, not events of the case's story (each page read would add to it).
    stmt = select(AuditEvent).where(AuditEvent.case_id == case.id, AuditEvent.kind.not_in(READ_KINDS)).order_by(*order)
    after = int_arg("after", minimum=1)
    if after is not None:
        anchor = db.get(AuditEvent, after)
        if anchor is None or anchor.case_id != case.id:
            raise invalid({"after": "not an event of this case"})
        stmt = after_row(stmt, order, (anchor.occurred_at, anchor.id))
    page = paginate(db, stmt, serialize.event)
    page["next_after"] = page["items"][-1]["id"] if len(page["items"]) == page["limit"] else None
    audit_view(db, actor, "case_events", case_id=case.id, event_count=len(page["items"]))
    db.commit()
    return page


#: A profile holds a person's details beyond identity; it is read with every case in a list, so it stays small.
MAX_PROFILE_BYTES = 64 * 1024


def _beneficiary(data: dict[str, Any]) -> BeneficiaryInput:
    profile = data.get("profile")
    if profile is not None and len(json.dumps(profile, ensure_ascii=False).encode("utf-8")) > MAX_PROFILE_BYTES:
        raise invalid({"beneficiary.profile": f"a profile may hold at most {MAX_PROFILE_BYTES // 1024} KB"})
    born = data.get("date_of_birth")
    try:
        parsed = date.fromisoformat(born) if born else None
    except ValueError:
        raise invalid({"beneficiary.date_of_birth": "use a date such as 1990-05-17"}) from None
    fields = {key: value for key, value in data.items() if key != "date_of_birth"}
    return BeneficiaryInput(date_of_birth=parsed, **fields)


@bp.post("/cases")
def create_case() -> tuple[dict[str, Any], int, dict[str, str]]:
    body = json_body(schemas.CASE_REQUEST)
    actor = current_actor()
    db = get_db()
    person = _beneficiary(body["beneficiary"])
    manager = None
    if body.get("case_manager_id") is not None:
        manager = db.get(User, body["case_manager_id"])
        if manager is None:
            raise invalid({"case_manager_id": "no such user"})
    case = open_case(db, actor, person, case_manager=manager)
    if not body.get("allow_duplicates", False):
        others = [
            found
            for found in find_duplicates(
                db,
                actor,
                person.given_names_latin,
                person.family_name_latin,
                person.date_of_birth,
                person.document_number,
            )
            if found.id != case.beneficiary_id
        ]
        if others:
            raise ApiProblem(
                409,
                "a beneficiary with these details is already registered in your office; "
                "send allow_duplicates=true to register another one",
                type_=DUPLICATE_BENEFICIARY,
                duplicates=[
                    {
                        "beneficiary_id": found.id,
                        "given_names_latin": found.given_names_latin,
                        "family_name_latin": found.family_name_latin,
                        "date_of_birth": serialize.when(found.date_of_birth),
                        "document_number": found.document_number,
                    }
                    for found in others
                ],
            )
    process_id = current_app.config.get("IPD_API_CASE_PROCESS", DEFAULT_CASE_PROCESS)
    try:
        start_case(db, actor, case, process_id)
    except NotFound:
        raise Conflict(f"the process {process_id!r} that starts a case is not deployed") from None
    db.commit()
    location = url_for("api.show_case", case_id=case.id)
    return _detail(case), 201, {"Location": location}


@bp.post("/cases/<id:case_id>/team-flag")
def flag_case_for_team(case_id: int) -> tuple[dict[str, Any], int]:
    """A case member puts the case on the interdisciplinary team's list, saying why."""
    from engine.team.flags import flag_for_team

    actor = current_actor()
    db = get_db()
    case = get_case(db, actor, case_id)
    body = json_body(schemas.REASON_REQUEST)
    flag = flag_for_team(db, actor, case, str(body.get("reason") or ""))
    db.commit()
    return {
        "case_id": case.id,
        "reason": flag.reason,
        "set_by_id": flag.set_by_id,
        "set_at": serialize.when(flag.set_at),
    }, 201
