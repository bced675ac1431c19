"""Beneficiary, case and the people associated with a case."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.clock import utcnow
from engine.db import Base, intpk

if TYPE_CHECKING:
    from engine.accounts.models import Office, User


class CaseStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Beneficiary(Base):
    """The person the case is about: identity, contact and registration details, legal status.

    Written when a case is opened (identity) and by the intake's operations (``engine.people.operations``):
    registration details and the legal status, each change audited.
    """

    __tablename__ = "beneficiaries"
    __table_args__ = (
        Index("ix_beneficiaries_identity", "family_name_latin", "date_of_birth"),
        CheckConstraint("sex IS NULL OR sex IN ('female', 'male', 'not_stated')", name="sex_known"),
        CheckConstraint(
            "legal_status_valid_until IS NULL OR legal_status_decision_date IS NULL"
            " OR legal_status_valid_until >= legal_status_decision_date",
            name="legal_status_dates_in_order",
        ),
    )

    id: Mapped[intpk]
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    given_names_latin: Mapped[str] = mapped_column(String(200))
    family_name_latin: Mapped[str] = mapped_column(String(200))
    names_original: Mapped[str | None] = mapped_column(String(400))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    citizenship: Mapped[str | None] = mapped_column(String(3))
    document_number: Mapped[str | None] = mapped_column(String(64), index=True)
    pesel: Mapped[str | None] = mapped_column(String(11), index=True)
    legal_status: Mapped[str | None] = mapped_column(String(40), index=True)
    legal_status_decision_date: Mapped[date | None] = mapped_column(Date)
    legal_status_valid_until: Mapped[date | None] = mapped_column(Date)
    sex: Mapped[str | None] = mapped_column(String(12))
    #: ISO 639 codes, the first the person's preferred language.
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    interpreter_needed: Mapped[bool] = mapped_column(default=False)
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    address: Mapped[str | None] = mapped_column(Text)
    #: The address is shown to nobody but the case manager's form (security flag at registration).
    address_hidden: Mapped[bool] = mapped_column(default=False)
    registered_at: Mapped[datetime | None]
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Casefolded names in every script plus their Latin transliteration: what searches and duplicate checks
    #: compare (SQLite's lower() folds ASCII only). Kept by ``engine.people.names`` whenever a name changes.
    search_key: Mapped[str | None] = mapped_column(Text)
    #: Set when a supervisor merged this record into another: its records moved there.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("beneficiaries.id"), index=True)
    merged_at: Mapped[datetime | None]

    @property
    def display_name(self) -> str:
        return f"{self.given_names_latin} {self.family_name_latin}"


class Case(Base):
    """An integration case in one office, run through the lifecycle processes."""

    __tablename__ = "cases"

    id: Mapped[intpk]
    number: Mapped[str] = mapped_column(String(32), unique=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiaries.id"), index=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    case_manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=CaseStatus.OPEN, index=True)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    closure_reason: Mapped[str | None] = mapped_column(Text)
    #: Set when the retention period ended and the case's personal data were anonymised (engine.privacy).
    anonymised_at: Mapped[datetime | None]

    # Loaded on access: the engine touches cases on every step and needs none of these there.
    beneficiary: Mapped[Beneficiary] = relationship()
    office: Mapped[Office] = relationship()
    case_manager: Mapped[User | None] = relationship()
    members: Mapped[list[CaseMember]] = relationship(cascade="all, delete-orphan", back_populates="case")

    # Thin delegates: the rules live in ``engine.access.policy``.
    def is_associated(self, user: User) -> bool:
        from engine.access.policy import is_associated

        return is_associated(user, self)

    def can_view(self, user: User) -> bool:
        """Case manager, assigned specialists, and supervisors of the case's office."""
        from engine.access.policy import can_view_case

        return can_view_case(user, self)

    def can_operate(self, user: User) -> bool:
        """Suspend, resume, cancel, retry: supervisors of the office and the office's administrators."""
        from engine.access.policy import can_operate_case

        return can_operate_case(user, self)


class CaseMember(Base):
    """A specialist associated with a case (gets record-level access)."""

    __tablename__ = "case_members"
    __table_args__ = (UniqueConstraint("case_id", "user_id", "role"),)

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship(back_populates="members")


@event.listens_for(Beneficiary, "before_insert")
@event.listens_for(Beneficiary, "before_update")
def _keep_search_key(_mapper: Any, _connection: Any, person: Beneficiary) -> None:
    """Every write of a beneficiary's names refreshes the search key, whichever operation made it."""
    from engine.people.names import search_key

    person.search_key = search_key(person.given_names_latin, person.family_name_latin, person.names_original)
