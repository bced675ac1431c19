"""Read-side reports: the dashboard's figures (``dashboard``), the funder report (``funder``) and exports."""

from engine.reports.dashboard import (
    CaseloadRow,
    PlanAwaitingApproval,
    SubsidySpend,
    caseload,
    overdue_tasks,
    plans_awaiting_approval,
    subsidy_spend,
)

__all__ = [
    "CaseloadRow",
    "PlanAwaitingApproval",
    "SubsidySpend",
    "caseload",
    "overdue_tasks",
    "plans_awaiting_approval",
    "subsidy_spend",
]
