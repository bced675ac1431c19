"""The intake's operations: register the beneficiary, record the legal status, documents and consents, inform a
person who is not eligible; and the case manager's withdrawal of a consent.

The process gets back ids and routing codes only (``beneficiary_id``, ``legal_status``, the decision date the
statutory IPI deadline counts from, whether the person consented to services, the areas to diagnose).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.accounts.roles import Role
from engine.assessments.access import AREAS
from engine.audit.service import record
from engine.cases.models import Beneficiary, Case
from engine.clock import utcnow
from engine.countries import alpha_2
from engine.errors import Conflict, Forbidden, InvalidInput, NotFound
from engine.operations import inputs
from engine.operations.registry import Call, Subject, operation, prefill_for
from engine.operations.rules import require_actor
from engine.people.models import (
    DOCUMENT_TYPES,
    PARTNER_TYPES,
    REFERRED_TO,
    RELATIONS,
    CaseFlag,
    Consent,
    ConsentPurpose,
    FlagKind,
    HouseholdMember,
    IdentityDocument,
    NotEligibleInformation,
)
from engine.rights import LEGAL_STATUSES

REGISTRATION = Subject("registration", "beneficiary_id")
LEGAL_STATUS = Subject("legal_status", "beneficiary_id")

SEXES = ("female", "male", "not_stated")
#: Flags the registration form offers (the team flag is set elsewhere, with a reason).
REGISTRATION_FLAGS = tuple(kind.value for kind in FlagKind if kind is not FlagKind.TEAM)
#: Children of these ages may need a nursery or kindergarten place, or a school place.
NURSERY_AGES = range(0, 6)
SCHOOL_AGES = range(6, 18)


def _beneficiary(call: Call) -> tuple[Case, Beneficiary]:
    case = call.require_case()
    return case, case.beneficiary


def _not_future(value: date | None, key: str) -> None:
    if value is not None and value > utcnow().date():
        raise InvalidInput("a date is in the future", {key: "cannot be in the future"})


def _language(value: Any, key: str) -> str:
    if not isinstance(value, str) or not (2 <= len(value) <= 3) or not value.isalpha() or not value.islower():
        raise InvalidInput("a language code is wrong", {key: "an ISO 639 code such as uk, ru, ar"})
    return value


def _items(form: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = form.get(key) or []
    if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
        raise InvalidInput("a list is malformed", {key: "a list of entries"})
    return value


def _age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


# -- registration ---------------------------------------------------------------------------------------------


@operation(
    "register_beneficiary",
    summary="Record the beneficiary's registration: identity, contact, languages, household and flags.",
    fields={
        "name_original": True,
        "given_names_latin": True,
        "family_name_latin": True,
        "birth_date": True,
        "sex": True,
        "citizenship": True,
        "languages": True,
        "interpreter_needed": True,
        "phone": False,
        "email": False,
        "address": False,
        "pesel": False,
        "household_members": True,
        "flags": True,
    },
    writes=("beneficiary_id",),
    subject=REGISTRATION,
)
def register_beneficiary(call: Call) -> Mapping[str, Any]:
    actor = require_actor(call.actor)
    case, person = _beneficiary(call)
    form = call.form
    today = utcnow().date()
    born = inputs.day(form, "birth_date")
    _not_future(born, "birth_date")
    citizenship = alpha_2(inputs.text(form, "citizenship"))
    if citizenship is None:
        raise InvalidInput(
            "the citizenship is wrong", {"citizenship": "not an ISO 3166 country code: use e.g. UA, XX if stateless"}
        )
    pesel = inputs.text(form, "pesel", required=False)
    if pesel is not None and not (len(pesel) == 11 and pesel.isdigit()):
        raise InvalidInput("the PESEL is wrong", {"pesel": "a PESEL has 11 digits"})
    languages = form.get("languages") or []
    if not isinstance(languages, list) or not languages:
        raise InvalidInput("no language given", {"languages": "at least one language"})
    languages = [_language(code, "languages") for code in dict.fromkeys(languages)]
    flags = form.get("flags") or []
    if not isinstance(flags, list) or any(flag not in REGISTRATION_FLAGS for flag in flags):
        raise InvalidInput("a flag is unknown", {"flags": f"choose from: {', '.join(REGISTRATION_FLAGS)}"})

    members = []
    for index, item in enumerate(_items(form, "household_members")):
        where = f"household_members/{index}"
        name = inputs.text(item, "member_name")
        relation = inputs.choice(item, "relation", RELATIONS)
        age = inputs.whole(item, "age", low=0, high=120)
        member_born = inputs.optional_day(item, "member_birth_date")
        _not_future(member_born, f"{where}/member_birth_date")
        if member_born is not None and abs(_age_on(member_born, today) - age) > 1:
            raise InvalidInput(
                "a household member's age does not match the birth date",
                {f"{where}/age": f"born {member_born.isoformat()}: {_age_on(member_born, today)} years old"},
            )
        members.append(
            HouseholdMember(
                beneficiary_id=person.id,
                name=name,
                relation=relation,
                birth_date=member_born,
                age=age,
                needs_nursery=age in NURSERY_AGES,
                needs_school=age in SCHOOL_AGES,
                recorded_by_id=actor.id,
                recorded_at=utcnow(),
            )
        )

    person.names_original = inputs.text(form, "name_original", required=False)
    person.given_names_latin = inputs.text(form, "given_names_latin") or person.given_names_latin
    person.family_name_latin = inputs.text(form, "family_name_latin") or person.family_name_latin
    person.date_of_birth = born
    person.sex = inputs.choice(form, "sex", SEXES)
    person.citizenship = citizenship
    person.languages = languages
    person.interpreter_needed = form.get("interpreter_needed") is True
    person.phone = inputs.text(form, "phone", required=False)
    person.email = inputs.text(form, "email", required=False)
    person.address = inputs.text(form, "address", required=False)
    person.address_hidden = FlagKind.SECURITY.value in flags
    person.pesel = pesel or person.pesel
    person.registered_at = utcnow()
    person.registered_by_id = actor.id

    # The household is the one registered now: a new registration replaces the earlier list.
    call.session.execute(delete(HouseholdMember).where(HouseholdMember.beneficiary_id == person.id))
    call.session.add_all(members)
    set_count, cleared_count = _sync_flags(call.session, actor, case, set(flags))
    call.session.flush()
    record(
        call.session,
        "beneficiary.registered",
        actor=actor,
        case_id=case.id,
        instance_id=call.instance.id,
        beneficiary_id=person.id,
        household_members=len(members),
        flags_set=set_count,
        flags_cleared=cleared_count,
    )
    return {"beneficiary_id": person.id}


def _sync_flags(session: Session, actor: User, case: Case, wanted: set[str]) -> tuple[int, int]:
    """Registration flags become the case's active flags: new ones set by ``actor``, dropped ones cleared."""
    active = {
        flag.kind: flag
        for flag in session.scalars(
            select(CaseFlag).where(
                CaseFlag.case_id == case.id,
                CaseFlag.cleared_at.is_(None),
                CaseFlag.kind.in_(REGISTRATION_FLAGS),
            )
        )
    }
    now = utcnow()
    added = 0
    for kind in sorted(wanted - set(active)):
        session.add(CaseFlag(case_id=case.id, kind=kind, reason=None, set_by_id=actor.id, set_at=now))
        added += 1
    for kind in set(active) - wanted:
        active[kind].cleared_at = now
        active[kind].cleared_by_id = actor.id
    return added, len(set(active) - wanted)


@prefill_for("register_beneficiary")
def registration_prefill(call: Call) -> Mapping[str, Any]:
    """The registration form starts with what the records know: identity from opening the case, and an
    earlier registration of the same person."""
    if call.case is None:
        return {}
    person = call.case.beneficiary
    values: dict[str, Any] = {
        "given_names_latin": person.given_names_latin,
        "family_name_latin": person.family_name_latin,
        "name_original": person.names_original,
        "birth_date": person.date_of_birth.isoformat() if person.date_of_birth else None,
        "citizenship": alpha_2(person.citizenship),  # also converts a three-letter code typed on the new-case form
        "pesel": person.pesel,
        "sex": person.sex,
        "languages": list(person.languages or []) or None,
        "interpreter_needed": person.interpreter_needed if person.registered_at else None,
        "phone": person.phone,
        "email": person.email,
        "address": person.address,
    }
    members = call.session.scalars(
        select(HouseholdMember).where(HouseholdMember.beneficiary_id == person.id).order_by(HouseholdMember.id)
    ).all()
    if members:
        values["household_members"] = [
            {
                "member_name": m.name,
                "relation": m.relation,
                "age": m.age,
                "member_birth_date": m.birth_date.isoformat() if m.birth_date else None,
            }
            for m in members
        ]
    flags = call.session.scalars(
        select(CaseFlag.kind).where(
            CaseFlag.case_id == call.case.id, CaseFlag.cleared_at.is_(None), CaseFlag.kind.in_(REGISTRATION_FLAGS)
        )
    ).all()
    if flags:
        values["flags"] = sorted(flags)
    return {key: value for key, value in values.items() if value is not None}


# -- legal status, documents, consents ------------------------------------------------------------------------


@operation(
    "record_legal_status",
    summary="Record the legal status (copied to the beneficiary), identity documents and consents; "
    "give the process the status, its decision date, consent to services and the areas to diagnose.",
    fields={
        "legal_status": True,
        "legal_status_decision_date": False,
        "legal_status_valid_until": False,
        "documents": True,
        "consents": True,
        "diagnosis_areas": True,
    },
    reads=("beneficiary_id",),
    writes=("legal_status", "legal_status_decision_date", "consent_to_services", "diagnosis_areas"),
    subject=LEGAL_STATUS,
)
def record_legal_status(call: Call) -> Mapping[str, Any]:
    actor = require_actor(call.actor)
    case, person = _beneficiary(call)
    form = call.form
    status = inputs.choice(form, "legal_status", LEGAL_STATUSES)
    decided_on = inputs.optional_day(form, "legal_status_decision_date")
    valid_until = inputs.optional_day(form, "legal_status_valid_until")
    _not_future(decided_on, "legal_status_decision_date")
    if decided_on is not None and valid_until is not None and valid_until < decided_on:
        raise InvalidInput("dates out of order", {"legal_status_valid_until": "cannot be before the decision"})
    areas = form.get("diagnosis_areas") or []
    if not isinstance(areas, list) or any(area not in AREAS for area in areas):
        raise InvalidInput("an area is unknown", {"diagnosis_areas": f"choose from: {', '.join(AREAS)}"})

    documents = [_document(call, person, item, index) for index, item in enumerate(_items(form, "documents"))]
    consents = [_consent(call, case, person, item, index) for index, item in enumerate(_items(form, "consents"))]
    if not consents:
        raise InvalidInput("no consent recorded", {"consents": "record at least the consent to services"})

    previous = person.legal_status
    person.legal_status = status
    person.legal_status_decision_date = decided_on
    person.legal_status_valid_until = valid_until
    call.session.add_all(consents)
    call.session.flush()
    if previous != status:
        record(
            call.session,
            "beneficiary.legal_status_changed",
            actor=actor,
            case_id=case.id,
            instance_id=call.instance.id,
            beneficiary_id=person.id,
            previous=previous,
            legal_status=status,
        )
    record(
        call.session,
        "beneficiary.legal_status_recorded",
        actor=actor,
        case_id=case.id,
        instance_id=call.instance.id,
        beneficiary_id=person.id,
        document_ids=[document.id for document in documents],
        consent_ids=[consent.id for consent in consents],
    )
    services = any(c.purpose == ConsentPurpose.SERVICES and c.in_force for c in consents)
    return {
        "legal_status": status,
        "legal_status_decision_date": decided_on.isoformat() if decided_on else None,
        "consent_to_services": services,
        # A routing value the diagnosis tests with ``"legal" in diagnosis_areas.split(",")``.
        "diagnosis_areas": ",".join(area for area in AREAS if area in areas),
    }


def _document(call: Call, person: Beneficiary, item: Mapping[str, Any], index: int) -> IdentityDocument:
    where = f"documents/{index}"
    kind = inputs.choice(item, "document_type", DOCUMENT_TYPES)
    number = (inputs.text(item, "document_number") or "").upper()
    issued = inputs.optional_day(item, "issued_on")
    valid_until = inputs.optional_day(item, "valid_until")
    _not_future(issued, f"{where}/issued_on")
    if issued is not None and valid_until is not None and valid_until < issued:
        raise InvalidInput("dates out of order", {f"{where}/valid_until": "cannot be before the issue date"})
    # The same document recorded again (a new intake of the same person) is updated, never duplicated.
    document = call.session.scalar(
        select(IdentityDocument).where(
            IdentityDocument.beneficiary_id == person.id,
            IdentityDocument.document_type == kind,
            IdentityDocument.number == number,
        )
    )
    if document is None:
        document = IdentityDocument(beneficiary_id=person.id, document_type=kind, number=number)
        call.session.add(document)
    document.issued_on = issued
    document.valid_until = valid_until
    document.recorded_by_id = call.actor.id if call.actor else None
    document.recorded_at = utcnow()
    call.session.flush()
    return document


def _consent(call: Call, case: Case, person: Beneficiary, item: Mapping[str, Any], index: int) -> Consent:
    where = f"consents/{index}"
    purpose = inputs.choice(item, "purpose", tuple(p.value for p in ConsentPurpose))
    given_on = inputs.day(item, "given_on")
    _not_future(given_on, f"{where}/given_on")
    granted = item.get("granted") is True
    partners = [str(name).strip() for name in (item.get("partner_names") or []) if str(name).strip()]
    types = item.get("partner_types") or []
    if not isinstance(types, list) or any(kind not in PARTNER_TYPES for kind in types):
        raise InvalidInput("a kind of partner is unknown", {f"{where}/partner_types": ", ".join(PARTNER_TYPES)})
    if purpose == ConsentPurpose.SHARING_PARTNERS and granted and not partners and not types:
        raise InvalidInput(
            "a consent to share data names no partner",
            {f"{where}/partner_names": "name the partners (or kinds of partner) the person agreed to share data with"},
        )
    return Consent(
        case_id=case.id,
        beneficiary_id=person.id,
        purpose=purpose,
        granted=granted,
        given_on=given_on,
        language=_language(item.get("consent_language"), f"{where}/consent_language"),
        interpreter_used=item.get("interpreter_used") is True,
        partner_names=partners if purpose == ConsentPurpose.SHARING_PARTNERS else [],
        partner_types=list(dict.fromkeys(types)) if purpose == ConsentPurpose.SHARING_PARTNERS else [],
        recorded_by_id=call.actor.id if call.actor else None,
        recorded_at=utcnow(),
    )


# -- not eligible -----------------------------------------------------------------------------------------------


@operation(
    "record_not_eligible_information",
    summary="Record that a person not admitted was informed (when, in which language) and where referred.",
    fields={
        "information_given_on": True,
        "information_language": True,
        "referred_to": True,
        "referred_to_name": False,
        "not_eligible_note": True,
    },
    writes=(),
)
def record_not_eligible_information(call: Call) -> Mapping[str, Any]:
    actor = require_actor(call.actor)
    case = call.require_case()
    form = call.form
    given_on = inputs.day(form, "information_given_on")
    _not_future(given_on, "information_given_on")
    referred_to = inputs.choice(form, "referred_to", REFERRED_TO)
    name = inputs.text(form, "referred_to_name", required=referred_to == "other")
    info = NotEligibleInformation(
        case_id=case.id,
        given_on=given_on,
        language=_language(form.get("information_language"), "information_language"),
        referred_to=referred_to,
        referred_to_name=name,
        note=inputs.text(form, "not_eligible_note") or "",
        recorded_by_id=actor.id,
        recorded_at=utcnow(),
    )
    call.session.add(info)
    call.session.flush()
    record(
        call.session,
        "intake.not_eligible_informed",
        actor=actor,
        case_id=case.id,
        instance_id=call.instance.id,
        information_id=info.id,
        referred_to=referred_to,
    )
    return {}


# -- consent withdrawal (the case file's button, not a process step) --------------------------------------------


def withdraw_consent(session: Session, actor: User, consent_id: int, withdrawn_on: date | None = None) -> Consent:
    """The person withdraws a consent they gave: the case manager (or a supervisor of the office) records it."""
    consent = session.get(Consent, consent_id, with_for_update=True)
    if consent is None:
        raise NotFound(f"no consent {consent_id}")
    case = session.get(Case, consent.case_id)
    if case is None or not case.can_view(actor):
        raise NotFound(f"no consent {consent_id}")
    supervisor = actor.has_role(Role.SUPERVISOR) and actor.office_id == case.office_id
    if actor.id != case.case_manager_id and not supervisor:
        raise Forbidden("only the case manager or a supervisor of the office records a withdrawn consent")
    if not consent.granted:
        raise Conflict("this consent was refused; there is nothing to withdraw")
    if consent.withdrawn_on is not None:
        raise Conflict(f"this consent was already withdrawn on {consent.withdrawn_on.isoformat()}")
    day = withdrawn_on or utcnow().date()
    _not_future(day, "withdrawn_on")
    if day < consent.given_on:
        raise InvalidInput("dates out of order", {"withdrawn_on": "cannot be before the consent was given"})
    consent.withdrawn_on = day
    consent.withdrawn_by_id = actor.id
    session.flush()
    record(
        session,
        "consent.withdrawn",
        actor=actor,
        case_id=case.id,
        consent_id=consent.id,
        consent_purpose=consent.purpose,  # ``purpose`` is the column saying why the actor acted
    )
    return consent
