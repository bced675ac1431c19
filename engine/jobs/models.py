"""Liveness records written by the scheduler and the workers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base


class WorkerHeartbeat(Base):
    """The last time a periodic job ran on some worker; the health check reads it."""

    __tablename__ = "worker_heartbeats"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    hostname: Mapped[str] = mapped_column(String(255))
    last_seen_at: Mapped[datetime]
