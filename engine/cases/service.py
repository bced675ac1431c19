"""Open cases, find possible duplicates, list what a user may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from engine.access.policy import require_visible_case
from engine.access.policy import visible_cases as policy_visible_cases
from engine.accounts.models import User
from engine.accounts.roles import Role
from engine.audit.service import record
from engine.cases import caseload
from engine.cases.models import Beneficiary, Case, CaseStatus
from engine.clock import utcnow
from engine.countries import alpha_2
from engine.errors import Forbidden, InvalidInput, NotFound


@dataclass(frozen=True)
class BeneficiaryInput:
    given_names_latin: str
    family_name_latin: str
    date_of_birth: date | None = None
    names_original: str | None = None
    citizenship: str | None = None
    document_number: str | None = None
    pesel: str | None = None
    legal_status: str | None = None

    def problems(self) -> dict[str, str]:
        found = {}
        if not self.given_names_latin.strip():
            found["given_names_latin"] = "required"
        if not self.family_name_latin.strip():
            found["family_name_latin"] = "required"
        if self.pesel and not (len(self.pesel) == 11 and self.pesel.isdigit()):
            found["pesel"] = "a PESEL has 11 digits"
        if self.citizenship and alpha_2(self.citizenship) is None:
            found["citizenship"] = "not an ISO 3166 country code: use e.g. UA or UKR, XX if stateless"
        if self.date_of_birth and self.date_of_birth > utcnow().date():
            found["date_of_birth"] = "cannot be in the future"
        return found


def find_duplicates(
    session: Session,
    actor: User,
    given: str,
    family: str,
    born: date | None,
    document_number: str | None,
    *,
    names_original: str | None = None,
    pesel: str | None = None,
) -> list[Beneficiary]:
    """Beneficiaries in the actor's office that may be this person (see ``engine.people.duplicates``)."""
    from engine.people.duplicates import Person, find_candidates

    person = Person(given, family, names_original, born, document_number, pesel)
    return [candidate.beneficiary for candidate in find_candidates(session, actor, person)]


def open_case(
    session: Session, actor: User, beneficiary: BeneficiaryInput, *, case_manager: User | None = None
) -> Case:
    """Register a beneficiary and open a case in the actor's office; the actor manages it by default."""
    if not actor.has_role(Role.SOCIAL_WORKER, Role.SUPERVISOR):
        raise Forbidden("only social workers and supervisors open cases")
    problems = beneficiary.problems()
    if problems:
        raise InvalidInput("the beneficiary's details need correcting", problems)
    manager = case_manager or (actor if actor.has_role(Role.SOCIAL_WORKER) else None)
    if manager is not None and (manager.office_id != actor.office_id or not manager.has_role(Role.SOCIAL_WORKER)):
        raise InvalidInput("invalid case manager", {"case_manager": "must be a social worker of your office"})
    person = Beneficiary(
        office_id=actor.office_id,
        given_names_latin=beneficiary.given_names_latin.strip(),
        family_name_latin=beneficiary.family_name_latin.strip(),
        names_original=beneficiary.names_original,
        date_of_birth=beneficiary.date_of_birth,
        citizenship=alpha_2(beneficiary.citizenship),
        document_number=beneficiary.document_number.strip().upper() if beneficiary.document_number else None,
        pesel=beneficiary.pesel,
        legal_status=beneficiary.legal_status,
    )
    session.add(person)
    session.flush()
    case = Case(
        number="pending",
        beneficiary=person,
        office_id=actor.office_id,
        case_manager_id=manager.id if manager else None,
        status=CaseStatus.OPEN,
        opened_at=utcnow(),
    )
    session.add(case)
    session.flush()
    caseload.case_opened(session, case)
    case.number = f"{actor.office.code}/{case.opened_at.year}/{case.id:05d}"
    record(session, "case.opened", actor=actor, case_id=case.id, number=case.number)
    return case


def get_case(session: Session, actor: User, case_id: int) -> Case:
    return require_visible_case(session, actor, case_id)


def visible_cases(actor: User) -> Select[Case]:
    """The cases ``actor`` may see (``engine.access.policy.visible_cases``)."""
    return policy_visible_cases(actor)


def close_case(session: Session, actor: User | None, case: Case, reason: str) -> None:
    if case.status == CaseStatus.CLOSED:
        return
    caseload.case_closed(session, case)
    case.status = CaseStatus.CLOSED
    case.closed_at = utcnow()
    case.closure_reason = reason
    record(session, "case.closed", actor=actor, case_id=case.id, reason=reason)


def require_case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"no case {case_id}")
    return case


#: The process that carries a case from intake to closure (it calls each phase).
CASE_PROCESS = "case_lifecycle"


def start_case(session: Session, actor: User, case: Case, process_id: str = CASE_PROCESS) -> Any:
    """Start the case's lifecycle; returns the StepOutcome.

    The process starts with no data: the registration form reads what it starts with from the beneficiary's
    row (``engine.people.operations.registration_prefill``).
    """
    from engine.instances.service import start_instance

    return start_instance(session, actor, process_id, case=case)
