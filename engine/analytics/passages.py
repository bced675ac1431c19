"""Write the gateway passages the runner noted during one engine step."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from engine.analytics.models import GatewayPassage
from engine.clock import utcnow
from engine.instances.models import ProcessInstance


def record_passages(session: Session, instance: ProcessInstance, choices: Iterable[tuple[str, str, str]]) -> None:
    now = utcnow()
    session.add_all(
        GatewayPassage(
            instance_id=instance.id, process_id=process_id, gateway_id=gateway, target_id=target, passed_at=now
        )
        for process_id, gateway, target in choices
    )
