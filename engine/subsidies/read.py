"""Housing subsidies as the case file shows them."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.cases.casefile import (
    CaseTasks,
    instance_data,
    latest_completed,
    money,
)
from engine.cases.models import Case
from engine.instances.models import ProcessInstance
from engine.tasks.models import HumanTask, TaskState


# Legacy reader: reads submitted task data; being replaced by queries over this area's tables.
@dataclass
class Subsidy:
    instance_id: int
    status: str
    rent: Decimal | None
    months_requested: int | None
    monthly_amount: Decimal | None
    approved_months: int | None
    payments: list[dict[str, Any]] = field(default_factory=list)

    @property
    def paid_total(self) -> Decimal:
        return sum((money(p.get("payment_amount")) or Decimal(0) for p in self.payments), Decimal(0))


def for_casefile(session: Session, actor: User, case: Case, ctx: CaseTasks) -> list[Subsidy]:
    by_instance: dict[int, list[HumanTask]] = {}
    for task in ctx.tasks:
        by_instance.setdefault(task.instance_id, []).append(task)
    return [
        _subsidy(session, instance, by_instance.get(instance.id, []))
        for instance in ctx.instances
        if instance.process_id == "housing_subsidy"
    ]


def _subsidy(session: Session, instance: ProcessInstance, tasks: list[HumanTask]) -> Subsidy:
    application = (latest_completed(tasks, "Task_apply") or HumanTask()).submitted or {}
    approval = (latest_completed(tasks, "Task_approve_subsidy") or HumanTask()).submitted or {}
    data = instance_data(session, instance)
    payments = [
        dict(t.submitted or {})
        for t in tasks
        if t.element_id == "Task_confirm_payment" and t.state == TaskState.COMPLETED and t.submitted
    ]
    status = data.get("subsidy_status") or ("awaiting_approval" if not approval else "pending")
    return Subsidy(
        instance_id=instance.id,
        status=str(status),
        rent=money(application.get("subsidy_rent")),
        months_requested=application.get("subsidy_months_requested"),
        monthly_amount=money(data.get("subsidy_monthly_amount")),
        approved_months=approval.get("subsidy_approved_months"),
        payments=payments,
    )
