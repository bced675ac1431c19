"""What a legal status entitles a person to, from the decision table the intake uses."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.config import PROJECT_ROOT
from engine.definitions.models import DeploymentFile
from engine.spiff.decisions import DecisionError, evaluate_table, load_decision

DECISION_FILE = PROJECT_ROOT / "processes" / "decisions" / "legal_status_rights.dmn"
DECISION_ID = "legal_status_rights"

# The statuses of the intake form, in the order of the decision table's rows.
LEGAL_STATUSES = (
    "applicant",
    "refugee",
    "subsidiary_protection",
    "family_reunification",
    "humanitarian_stay",
    "tolerated_stay",
    "trafficking_victim",
    "temporary_protection",
    "permanent_residence",
    "eu_long_term",
    "eu_citizen",
    "other",
)


@dataclass(frozen=True)
class Rights:
    """The decision's outputs for one legal status."""

    legal_status: str
    social_assistance: str
    statutory_ipi: bool
    ipi_deadline_days: int | None
    referral: str
    eligible_for_programme: bool
    rights_note: str

    @classmethod
    def from_outputs(cls, legal_status: str, outputs: dict[str, Any]) -> Rights:
        return cls(
            legal_status=legal_status,
            social_assistance=str(outputs["social_assistance"]),
            statutory_ipi=bool(outputs["statutory_ipi"]),
            ipi_deadline_days=outputs.get("ipi_deadline_days"),
            referral=str(outputs["referral"]),
            eligible_for_programme=bool(outputs["eligible_for_programme"]),
            rights_note=str(outputs.get("rights_note") or ""),
        )


_lock = threading.Lock()
_cache: dict[Path, tuple[float, Any]] = {}


def _table(path: Path) -> Any:
    """The parsed table, parsed again only when the file changed on disk."""
    mtime = path.stat().st_mtime
    with _lock:
        cached = _cache.get(path)
        if cached is None or cached[0] != mtime:
            cached = (mtime, load_decision(path, DECISION_ID))
            _cache[path] = cached
        return cached[1]


_deployed: dict[int, Any] = {}


def deployed_table(session: Session) -> Any:
    """The decision table as the newest deployment holds it (what the intake of a new case runs)."""
    files = session.scalars(
        select(DeploymentFile.id)
        .where(DeploymentFile.name.like("%.dmn"))
        .order_by(DeploymentFile.deployment_id.desc(), DeploymentFile.id.desc())
    )
    marker = f'id="{DECISION_ID}"'.encode()
    for file_id in files:
        with _lock:
            if file_id in _deployed:
                table = _deployed[file_id]
                if table is None:
                    continue
                return table
        content = bytes(session.scalar(select(DeploymentFile.content).where(DeploymentFile.id == file_id)) or b"")
        table = load_decision(content, DECISION_ID) if marker in content else None
        with _lock:
            if len(_deployed) > 256:
                _deployed.clear()
            _deployed[file_id] = table  # a deployed file never changes: remember what it holds, table or not
        if table is not None:
            return table
    raise DecisionError(f"the decision table {DECISION_ID} is not deployed yet: deploy the process library")


def rights_for(legal_status: str, *, session: Session | None = None, path: Path | None = None) -> Rights:
    """Evaluate the rights decision for ``legal_status``; `DecisionError` when the table has no row for it.

    With a session, the deployed table is used (the one the intake runs); ``path`` reads a file instead.
    """
    table = deployed_table(session) if session is not None and path is None else _table(path or DECISION_FILE)
    outputs = evaluate_table(table, {"legal_status": legal_status})
    return Rights.from_outputs(legal_status, outputs)


def rights_of(session: Session, beneficiary: Any) -> Rights | None:
    """The rights of a beneficiary by the legal status recorded on their row; None when none is recorded."""
    status = getattr(beneficiary, "legal_status", None)
    if not status or status not in LEGAL_STATUSES:
        return None
    return rights_for(status, session=session)


#: From this many days before the IPI deadline the case file warns that it is near.
IPI_WARNING_DAYS = 14


def ipi_days_left(apply_by: date | None, today: date) -> int | None:
    """Days until the last day to apply for the IPI (0 on the day itself, negative once it has passed)."""
    return None if apply_by is None else (apply_by - today).days


def ipi_apply_by(beneficiary: Any, found: Rights | None) -> date | None:
    """The last day to apply for the statutory integration programme: the decision date + the table's days."""
    decided_on = getattr(beneficiary, "legal_status_decision_date", None)
    if found is None or not found.statutory_ipi or not found.ipi_deadline_days or decided_on is None:
        return None
    return decided_on + timedelta(days=int(found.ipi_deadline_days))
