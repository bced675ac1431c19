"""The beneficiary's registration, legal status, consents and flags as the case file and the record cards show
them, read from the tables (never from task submissions or process data)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.access.categories import FLAG_KINDS, Category
from engine.access.policy import may_read
from engine.accounts.models import User
from engine.cases.models import Beneficiary, Case
from engine.clock import utcnow
from engine.people.models import (
    BeneficiaryCorrection,
    CaseFlag,
    Consent,
    HouseholdMember,
    IdentityDocument,
    NotEligibleInformation,
    SharingOverride,
)
from engine.records.views import RecordCard, RecordSection, record_view
from engine.rights import IPI_WARNING_DAYS, ipi_apply_by, ipi_days_left, rights_of
from engine.spiff.decisions import DecisionError

REGISTER_FORM = "intake/register"
LEGAL_STATUS_FORM = "intake/legal_status"
NOT_ELIGIBLE_FORM = "intake/not_eligible"


@dataclass(frozen=True)
class Member:
    id: int
    name: str
    relation: str
    age: int | None
    birth_date: date | None
    needs_school: bool
    needs_nursery: bool


@dataclass(frozen=True)
class Document:
    id: int
    document_type: str
    number: str
    issued_on: date | None
    valid_until: date | None


@dataclass(frozen=True)
class ConsentItem:
    id: int
    purpose: str
    granted: bool
    given_on: date
    language: str
    interpreter_used: bool
    partner_names: list[str]
    partner_types: list[str]
    withdrawn_on: date | None
    recorded_by_id: int | None
    withdrawn_by_id: int | None

    @property
    def in_force(self) -> bool:
        return self.granted and self.withdrawn_on is None


@dataclass(frozen=True)
class OverrideItem:
    """A supervisor's override of a missing consent to sharing, and the referral that used it."""

    id: int
    partner: str
    partner_name: str | None
    basis: str
    reason: str
    granted_by_id: int
    granted_at: datetime
    referral_id: int | None


@dataclass(frozen=True)
class CorrectionItem:
    """One corrected field of the person's data: before, after, why (rectification, art. 16 GDPR)."""

    id: int
    field: str
    old_value: str | None
    new_value: str | None
    reason: str
    corrected_by_id: int | None
    corrected_at: datetime


@dataclass(frozen=True)
class Flag:
    id: int
    kind: str
    reason: str | None
    set_by_id: int | None
    set_at: datetime
    #: The reason is withheld from this reader (a special-category flag): they learn the flag and its date.
    restricted: bool = False


@dataclass(frozen=True)
class NotEligible:
    given_on: date
    language: str
    referred_to: str
    referred_to_name: str | None
    recorded_by_id: int | None


@dataclass
class PersonFile:
    beneficiary_id: int
    registered: bool
    registered_by_id: int | None
    sex: str | None
    languages: list[str]
    interpreter_needed: bool
    phone: str | None
    email: str | None
    #: None when hidden (security flag): the case file never shows it.
    address: str | None
    address_hidden: bool
    legal_status: str | None
    legal_status_decision_date: date | None
    legal_status_valid_until: date | None
    ipi_apply_by: date | None
    household: list[Member] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    consents: list[ConsentItem] = field(default_factory=list)
    flag_items: list[Flag] = field(default_factory=list)
    not_eligible: NotEligible | None = None
    overrides: list[OverrideItem] = field(default_factory=list)
    corrections: list[CorrectionItem] = field(default_factory=list)
    #: Days left to apply for the IPI by the engine clock (negative: passed); None when there is no deadline.
    ipi_days_left: int | None = None

    @property
    def flags(self) -> list[str]:
        return [flag.kind for flag in self.flag_items]

    @property
    def ipi_deadline_near(self) -> bool:
        return self.ipi_days_left is not None and 0 <= self.ipi_days_left <= IPI_WARNING_DAYS

    @property
    def ipi_deadline_passed(self) -> bool:
        return self.ipi_days_left is not None and self.ipi_days_left < 0


def for_casefile(session: Session, actor: User, case: Case) -> PersonFile:
    person = case.beneficiary
    info = session.scalar(
        select(NotEligibleInformation)
        .where(NotEligibleInformation.case_id == case.id)
        .order_by(NotEligibleInformation.id.desc())
        .limit(1)
    )
    return PersonFile(
        beneficiary_id=person.id,
        registered=person.registered_at is not None,
        registered_by_id=person.registered_by_id,
        sex=person.sex,
        languages=list(person.languages or []),
        interpreter_needed=person.interpreter_needed,
        phone=person.phone,
        email=person.email,
        address=_address(actor, case, person),
        address_hidden=person.address_hidden,
        legal_status=person.legal_status,
        legal_status_decision_date=person.legal_status_decision_date,
        legal_status_valid_until=person.legal_status_valid_until,
        ipi_apply_by=(apply_by := _ipi_apply_by(session, person)),
        household=household(session, person.id),
        documents=documents(session, person.id),
        consents=consents(session, case.id),
        flag_items=flags_for(actor, case, active_flags(session, case.id)),
        not_eligible=(
            NotEligible(info.given_on, info.language, info.referred_to, info.referred_to_name, info.recorded_by_id)
            if info
            else None
        ),
        overrides=overrides(session, case.id),
        corrections=corrections(session, person.id),
        ipi_days_left=ipi_days_left(apply_by, utcnow().date()),
    )


def overrides(session: Session, case_id: int) -> list[OverrideItem]:
    rows = session.scalars(
        select(SharingOverride).where(SharingOverride.case_id == case_id).order_by(SharingOverride.id)
    )
    return [
        OverrideItem(o.id, o.partner, o.partner_name, o.basis, o.reason, o.granted_by_id, o.granted_at, o.referral_id)
        for o in rows
    ]


def corrections(session: Session, beneficiary_id: int) -> list[CorrectionItem]:
    rows = session.scalars(
        select(BeneficiaryCorrection)
        .where(BeneficiaryCorrection.beneficiary_id == beneficiary_id)
        .order_by(BeneficiaryCorrection.id)
    )
    return [
        CorrectionItem(c.id, c.field, c.old_value, c.new_value, c.reason, c.corrected_by_id, c.corrected_at)
        for c in rows
    ]


def _address(actor: User, case: Case, person: Beneficiary) -> str | None:
    """A hidden address reaches only the readers of the hidden-address category."""
    if person.address_hidden and not may_read(actor, Category.HIDDEN_ADDRESS, case):
        return None
    return person.address


def flags_for(actor: User, case: Case, flags: list[Flag]) -> list[Flag]:
    """The flags as ``actor`` reads them: the reasons of special-category flags only for their readers."""
    return [
        flag if may_read(actor, FLAG_KINDS.get(flag.kind), case) else replace(flag, reason=None, restricted=True)
        for flag in flags
    ]


def _ipi_apply_by(session: Session, person: Beneficiary) -> date | None:
    try:
        return ipi_apply_by(person, rights_of(session, person))
    except DecisionError:  # the table has no row for the status: the rights box says so
        return None


def household(session: Session, beneficiary_id: int) -> list[Member]:
    rows = session.scalars(
        select(HouseholdMember).where(HouseholdMember.beneficiary_id == beneficiary_id).order_by(HouseholdMember.id)
    )
    return [Member(m.id, m.name, m.relation, m.age, m.birth_date, m.needs_school, m.needs_nursery) for m in rows]


def documents(session: Session, beneficiary_id: int) -> list[Document]:
    rows = session.scalars(
        select(IdentityDocument).where(IdentityDocument.beneficiary_id == beneficiary_id).order_by(IdentityDocument.id)
    )
    return [Document(d.id, d.document_type, d.number, d.issued_on, d.valid_until) for d in rows]


def consents(session: Session, case_id: int) -> list[ConsentItem]:
    rows = session.scalars(select(Consent).where(Consent.case_id == case_id).order_by(Consent.given_on, Consent.id))
    return [
        ConsentItem(
            c.id,
            c.purpose,
            c.granted,
            c.given_on,
            c.language,
            c.interpreter_used,
            list(c.partner_names or []),
            list(c.partner_types or []),
            c.withdrawn_on,
            c.recorded_by_id,
            c.withdrawn_by_id,
        )
        for c in rows
    ]


def active_flags(session: Session, case_id: int) -> list[Flag]:
    rows = session.scalars(
        select(CaseFlag)
        .where(CaseFlag.case_id == case_id, CaseFlag.cleared_at.is_(None))
        .order_by(CaseFlag.set_at, CaseFlag.id)
    )
    return [Flag(f.id, f.kind, f.reason, f.set_by_id, f.set_at) for f in rows]


def _case_of(session: Session, beneficiary_id: int) -> Case | None:
    """The newest case of the beneficiary (a person has one open case; the card belongs to it)."""
    return session.scalar(
        select(Case).where(Case.beneficiary_id == beneficiary_id).order_by(Case.opened_at.desc(), Case.id.desc())
    )


@record_view("registration")
def registration_card(session: Session, actor: User, record_id: int) -> RecordCard | None:
    person = session.get(Beneficiary, record_id)
    case = _case_of(session, record_id) if person is not None else None
    if person is None or case is None or person.registered_at is None:
        return None
    flags = [flag.kind for flag in active_flags(session, case.id) if flag.kind != "interdisciplinary_team"]
    values = {
        "name_original": person.names_original,
        "given_names_latin": person.given_names_latin,
        "family_name_latin": person.family_name_latin,
        "birth_date": person.date_of_birth.isoformat() if person.date_of_birth else None,
        "sex": person.sex,
        "citizenship": person.citizenship,
        "languages": list(person.languages or []),
        "interpreter_needed": person.interpreter_needed,
        "phone": person.phone,
        "email": person.email,
        "address": _address(actor, case, person),
        "pesel": person.pesel,
        "household_members": [
            {
                "member_name": m.name,
                "relation": m.relation,
                "age": m.age,
                "member_birth_date": m.birth_date.isoformat() if m.birth_date else None,
            }
            for m in household(session, person.id)
        ],
        "flags": flags,
    }
    section = RecordSection(REGISTER_FORM, values, by_id=person.registered_by_id, at=person.registered_at)
    return RecordCard("registration", person.id, case.id, [section], prepared_by_id=person.registered_by_id)


@record_view("legal_status")
def legal_status_card(session: Session, actor: User, record_id: int) -> RecordCard | None:
    person = session.get(Beneficiary, record_id)
    case = _case_of(session, record_id) if person is not None else None
    if person is None or case is None or person.legal_status is None:
        return None  # nothing recorded yet: the intake's task shows no card
    values = {
        "legal_status": person.legal_status,
        "legal_status_decision_date": (
            person.legal_status_decision_date.isoformat() if person.legal_status_decision_date else None
        ),
        "legal_status_valid_until": (
            person.legal_status_valid_until.isoformat() if person.legal_status_valid_until else None
        ),
        "documents": [
            {
                "document_type": d.document_type,
                "document_number": d.number,
                "issued_on": d.issued_on.isoformat() if d.issued_on else None,
                "valid_until": d.valid_until.isoformat() if d.valid_until else None,
            }
            for d in documents(session, person.id)
        ],
        "consents": [
            {
                "purpose": c.purpose,
                "granted": c.granted,
                "given_on": c.given_on.isoformat(),
                "consent_language": c.language,
                "interpreter_used": c.interpreter_used,
                "partner_names": c.partner_names,
                "partner_types": c.partner_types,
            }
            for c in consents(session, case.id)
        ],
    }
    recorded = session.scalar(
        select(Consent).where(Consent.case_id == case.id).order_by(Consent.recorded_at.desc()).limit(1)
    )
    section = RecordSection(
        LEGAL_STATUS_FORM,
        values,
        by_id=recorded.recorded_by_id if recorded else None,
        at=recorded.recorded_at if recorded else None,
    )
    return RecordCard("legal_status", person.id, case.id, [section])
