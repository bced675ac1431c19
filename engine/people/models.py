"""The beneficiary's registration: household, identity documents, consents; and flags on the case."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.clock import utcnow
from engine.db import Base, intpk


class FlagKind(StrEnum):
    TRAFFICKING = "trafficking_indicators"
    GENDER_BASED_VIOLENCE = "gender_based_violence"
    MEDICAL = "medical"
    SECURITY = "security_hidden_address"
    UNACCOMPANIED_MINOR = "unaccompanied_minor"
    #: The case should go to the next interdisciplinary team meeting.
    TEAM = "interdisciplinary_team"


class CaseFlag(Base):
    """A flag on a case: set with a reason by a person, cleared (never deleted) when it no longer applies."""

    __tablename__ = "case_flags"
    __table_args__ = (Index("ix_case_flags_case_kind_active", "case_id", "kind", "cleared_at"),)

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    kind: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)
    cleared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cleared_at: Mapped[datetime | None]

    @property
    def active(self) -> bool:
        return self.cleared_at is None


RELATIONS = ("spouse", "partner", "child", "parent", "sibling", "other")


class HouseholdMember(Base):
    """A person living with the beneficiary, as registered at intake."""

    __tablename__ = "household_members"
    __table_args__ = (
        CheckConstraint("age IS NULL OR (age >= 0 AND age <= 120)", name="age_in_range"),
        CheckConstraint(
            "relation IN ('spouse', 'partner', 'child', 'parent', 'sibling', 'other')", name="relation_known"
        ),
    )

    id: Mapped[intpk]
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiaries.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    relation: Mapped[str] = mapped_column(String(20))
    birth_date: Mapped[date | None] = mapped_column(Date)
    age: Mapped[int | None]
    #: Of school or nursery age (under 18): a school or nursery place may be needed.
    needs_school: Mapped[bool] = mapped_column(default=False)
    needs_nursery: Mapped[bool] = mapped_column(default=False)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


DOCUMENT_TYPES = (
    "residence_card",
    "travel_document",
    "decision",
    "temporary_certificate",
    "pesel_ukr_confirmation",
    "trafficking_certificate",
    "other",
)


class IdentityDocument(Base):
    __tablename__ = "identity_documents"
    __table_args__ = (
        CheckConstraint("valid_until IS NULL OR issued_on IS NULL OR valid_until >= issued_on", name="dates_in_order"),
    )

    id: Mapped[intpk]
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiaries.id"), index=True)
    document_type: Mapped[str] = mapped_column(String(40))
    number: Mapped[str] = mapped_column(String(64), index=True)
    issued_on: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConsentPurpose(StrEnum):
    SERVICES = "services"
    SHARING_PARTNERS = "sharing_partners"
    REPORTING = "reporting"


class Consent(Base):
    """A consent given or refused for one purpose; withdrawn later (never deleted) when the person says so."""

    __tablename__ = "consents"
    __table_args__ = (
        CheckConstraint("purpose IN ('services', 'sharing_partners', 'reporting')", name="purpose_known"),
        CheckConstraint("withdrawn_on IS NULL OR withdrawn_on >= given_on", name="withdrawn_after_given"),
        CheckConstraint("withdrawn_on IS NULL OR granted", name="only_granted_withdrawn"),
        Index("ix_consents_case_purpose", "case_id", "purpose"),
    )

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiaries.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    granted: Mapped[bool]
    given_on: Mapped[date] = mapped_column(Date)
    language: Mapped[str] = mapped_column(String(3))
    interpreter_used: Mapped[bool] = mapped_column(default=False)
    #: For sharing with partners: the partners named in the consent.
    partner_names: Mapped[list[str]] = mapped_column(JSON, default=list)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    @property
    def in_force(self) -> bool:
        return self.granted and self.withdrawn_on is None


REFERRED_TO = ("PCPR", "PUP", "CIC", "school", "KCIK", "MOPS", "UdSC", "NGO", "health", "other", "none")


class NotEligibleInformation(Base):
    """What a person not admitted was told, in which language, and where they were referred."""

    __tablename__ = "not_eligible_information"

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    given_on: Mapped[date] = mapped_column(Date)
    language: Mapped[str] = mapped_column(String(3))
    referred_to: Mapped[str] = mapped_column(String(20))
    referred_to_name: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
