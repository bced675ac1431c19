"""Deployed process versions and the files they came from."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.clock import utcnow
from engine.db import Base, intpk


class Deployment(Base):
    """One upload of BPMN/DMN files, identified by the hash of their content."""

    __tablename__ = "deployments"

    id: Mapped[intpk]
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    deployed_at: Mapped[datetime] = mapped_column(default=utcnow)
    deployed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    source: Mapped[str] = mapped_column(String(200), default="upload")

    files: Mapped[list[DeploymentFile]] = relationship(
        cascade="all, delete-orphan", order_by="DeploymentFile.name", lazy="selectin"
    )


class DeploymentFile(Base):
    __tablename__ = "deployment_files"
    __table_args__ = (UniqueConstraint("deployment_id", "name"),)

    id: Mapped[intpk]
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployments.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)


class ProcessDefinition(Base):
    """One version of one executable process; running instances stay on theirs."""

    __tablename__ = "process_definitions"
    __table_args__ = (
        UniqueConstraint("process_id", "version"),
        UniqueConstraint("process_id", "content_hash"),
    )

    id: Mapped[intpk]
    process_id: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployments.id"), index=True)
    # The parsed spec (and those of called processes), stored once per version.
    # Loaded only when this process has no cached copy of the restored spec.
    spec: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    deployed_at: Mapped[datetime] = mapped_column(default=utcnow)
    deployed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    bpmn_file: Mapped[str] = mapped_column(String(255))
    summary: Mapped[str | None] = mapped_column(Text)

    deployment: Mapped[Deployment] = relationship(lazy="raise")

    @property
    def label(self) -> str:
        return f"{self.process_id} v{self.version}"
