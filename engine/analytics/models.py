"""What the engine records for process analytics: which way each exclusive gateway sent an instance."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.clock import utcnow
from engine.db import Base, intpk


class GatewayPassage(Base):
    """One pass of an instance through an exclusive gateway and the element its chosen flow leads to.

    SpiffWorkflow drops the untaken branches and our pruning drops the finished history, so without this row
    nothing tells afterwards how many cases went each way.
    """

    __tablename__ = "gateway_passages"
    __table_args__ = (Index("ix_gateway_passages_process_gateway", "process_id", "gateway_id"),)

    id: Mapped[intpk]
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id", ondelete="CASCADE"), index=True)
    #: The (called) process the gateway belongs to, as drawn.
    process_id: Mapped[str] = mapped_column(String(100))
    gateway_id: Mapped[str] = mapped_column(String(200))
    target_id: Mapped[str] = mapped_column(String(200))
    passed_at: Mapped[datetime] = mapped_column(default=utcnow)
