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
    #: Photographs, recordings and testimonies used in the organisation's publications.
    PHOTO_TESTIMONY = "photo_testimony"


class Consent(Base):
    """A consent given or refused for one purpose; withdrawn later (never deleted) when the person says so."""

    __tablename__ = "consents"
    __table_args__ = (
        CheckConstraint(
            "purpose IN ('services', 'sharing_partners', 'reporting', 'photo_testimony')", name="purpose_known"
        ),
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
    #: For sharing with partners: the kinds of partner named in the consent (``REFERRAL_PARTNERS`` codes:
    #: "health" covers every health service), alongside or instead of names.
    partner_types: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    @property
    def in_force(self) -> bool:
        return self.granted and self.withdrawn_on is None


#: Kinds of partner a referral goes to, and a consent to sharing or an override names.
PARTNER_TYPES = ("PCPR", "PUP", "CIC", "school", "KCIK", "MOPS", "UdSC", "NGO", "health", "other")
SHARING_OVERRIDE_BASES = ("legal_obligation", "vital_interest", "override")


class SharingOverride(Base):
    """A supervisor's permission to share the person's data with one partner without their consent.

    Its own record (who, when, why, for which partner) so the decision is shown on the case file and audited;
    used by at most one referral (``referral_id`` is set when it is).
    """

    __tablename__ = "sharing_overrides"
    __table_args__ = (
        CheckConstraint("basis IN ('legal_obligation', 'vital_interest', 'override')", name="basis_known"),
        CheckConstraint("used_at IS NULL OR referral_id IS NOT NULL", name="used_by_referral"),
    )

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    #: A ``REFERRAL_PARTNERS`` code; the referral it allows goes to a partner of this kind.
    partner: Mapped[str] = mapped_column(String(20))
    partner_name: Mapped[str | None] = mapped_column(String(200))
    basis: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    granted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id"), index=True)
    used_at: Mapped[datetime | None]


#: Personal data a case manager corrects on request (art. 16 GDPR), with the history kept.
RECTIFIABLE_FIELDS = (
    "given_names_latin",
    "family_name_latin",
    "names_original",
    "date_of_birth",
    "sex",
    "citizenship",
    "pesel",
    "phone",
    "email",
    "address",
)


class BeneficiaryCorrection(Base):
    """One field of the beneficiary's personal data corrected: the value before, the value after, and why."""

    __tablename__ = "beneficiary_corrections"

    id: Mapped[intpk]
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiaries.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    corrected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    corrected_at: Mapped[datetime] = mapped_column(default=utcnow)


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
