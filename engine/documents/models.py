"""The case_documents table: one uploaded file, its kind and who may see it; the bytes live on disk."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.clock import utcnow
from engine.db import Base, intpk


class DocumentKind(StrEnum):
    DECISION = "decision"
    RESIDENCE_CARD = "residence_card"
    SIGNED_IPD = "signed_ipd"
    OTHER = "other"


class Visibility(StrEnum):
    #: Everyone who may see the case.
    GENERAL = "general"
    #: Special-category data (health, psychological): only the roles that read such notes.
    SPECIAL = "special"


class CaseDocument(Base):
    """A scanned document of a case, stored under a random name in the documents folder."""

    __tablename__ = "case_documents"
    __table_args__ = (
        CheckConstraint("kind IN ('decision', 'residence_card', 'signed_ipd', 'other')", name="kind_known"),
        CheckConstraint("visibility IN ('general', 'special')", name="visibility_known"),
        CheckConstraint("size_bytes > 0", name="not_empty"),
    )

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    visibility: Mapped[str] = mapped_column(String(10), default=Visibility.GENERAL)
    valid_until: Mapped[date | None] = mapped_column(Date)
    #: What the bytes are (read from them, never from the upload's headers).
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    #: The random file name in the documents folder.
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
