"""Where cases wait: per element of one process version, the waiting times, the cases waiting now, and which way
each exclusive gateway sent them — read from the task projection and the gateway passages.

A wait is the time from a task's creation to its completion, counted in the period the task was completed in.
The median is the middle value (the mean of the two middle ones for an even count); the 90th percentile is the
nearest-rank one (the ⌈0.9·n⌉-th smallest), so every figure is a wait that really happened or the midpoint of two.
Element ids come from the rows, never from code: the page matches them to the diagram.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.accounts.roles import Role
from engine.analytics.models import GatewayPassage
from engine.definitions.models import ProcessDefinition
from engine.errors import Forbidden
from engine.instances.models import ProcessInstance
from engine.tasks.models import HumanTask, TaskState


@dataclass
class ElementFigures:
    element_id: str
    name_pl: str
    name_en: str
    completed: int = 0
    median_hours: float | None = None
    p90_hours: float | None = None
    waiting_now: int = 0


@dataclass
class GatewayFigures:
    gateway_id: str
    #: target element id → how many passages went there
    taken: dict[str, int] = field(default_factory=dict)


@dataclass
class ProcessFigures:
    definition_id: int
    process_id: str
    version: int
    office_id: int | None  # None: all offices
    elements: list[ElementFigures]
    gateways: list[GatewayFigures]


def analytics_office(actor: User, requested: int | None) -> int | None:
    """The office whose figures ``actor`` sees: a process owner any (None: all), a supervisor only their own."""
    if actor.has_role(Role.PROCESS_OWNER):
        return requested
    if actor.has_role(Role.SUPERVISOR):
        return actor.office_id
    raise Forbidden("process analytics are for supervisors and process owners")


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def percentile_90(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def process_figures(
    session: Session,
    actor: User,
    definition: ProcessDefinition,
    *,
    office_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> ProcessFigures:
    """The figures of ``definition``'s own instances, for the office ``actor`` may see, in [since, until)."""
    office = analytics_office(actor, office_id)
    instances = select(ProcessInstance.id).where(ProcessInstance.definition_id == definition.id)
    if office is not None:
        instances = instances.where(ProcessInstance.office_id == office)
    elements: dict[str, ElementFigures] = {}
    waits: dict[str, list[float]] = {}
    done = select(
        HumanTask.element_id, HumanTask.name_pl, HumanTask.name_en, HumanTask.created_at, HumanTask.completed_at
    ).where(
        HumanTask.instance_id.in_(instances),
        HumanTask.process_id == definition.process_id,
        HumanTask.state == TaskState.COMPLETED,
        HumanTask.completed_at.is_not(None),
    )
    if since is not None:
        done = done.where(HumanTask.completed_at >= since)
    if until is not None:
        done = done.where(HumanTask.completed_at < until)
    for element_id, name_pl, name_en, created_at, completed_at in session.execute(done):
        if completed_at is None:
            continue
        figures = elements.setdefault(element_id, ElementFigures(element_id, name_pl, name_en))
        figures.completed += 1
        waits.setdefault(element_id, []).append((completed_at - created_at).total_seconds() / 3600)
    waiting = (
        select(HumanTask.element_id, func.min(HumanTask.name_pl), func.min(HumanTask.name_en), func.count())
        .where(
            HumanTask.instance_id.in_(instances),
            HumanTask.process_id == definition.process_id,
            HumanTask.state == TaskState.OPEN,
        )
        .group_by(HumanTask.element_id)
    )
    for element_id, name_pl, name_en, count in session.execute(waiting):
        elements.setdefault(element_id, ElementFigures(element_id, name_pl, name_en)).waiting_now = count
    for element_id, values in waits.items():
        elements[element_id].median_hours = median(values)
        elements[element_id].p90_hours = percentile_90(values)
    passages = (
        select(GatewayPassage.gateway_id, GatewayPassage.target_id, func.count())
        .where(GatewayPassage.instance_id.in_(instances), GatewayPassage.process_id == definition.process_id)
        .group_by(GatewayPassage.gateway_id, GatewayPassage.target_id)
    )
    if since is not None:
        passages = passages.where(GatewayPassage.passed_at >= since)
    if until is not None:
        passages = passages.where(GatewayPassage.passed_at < until)
    gateways: dict[str, GatewayFigures] = {}
    for gateway_id, target_id, count in session.execute(passages):
        gateways.setdefault(gateway_id, GatewayFigures(gateway_id)).taken[target_id] = count
    return ProcessFigures(
        definition_id=definition.id,
        process_id=definition.process_id,
        version=definition.version,
        office_id=office,
        elements=sorted(elements.values(), key=lambda e: (-(e.median_hours or 0), e.element_id)),
        gateways=sorted(gateways.values(), key=lambda g: g.gateway_id),
    )
