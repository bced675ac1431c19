"""``ipd audit``: check the audit log's hash chain."""

from __future__ import annotations

import click
from flask.cli import AppGroup

audit = AppGroup("audit", help="The audit log.")
COMMANDS = (audit,)


@audit.command("verify")
def audit_verify() -> None:
    """Walk the audit log's hash chain; name the first broken row and exit with 1, or print OK and the count."""
    from engine.audit.chain import verify_chain
    from engine.db import database

    with database.unit_of_work() as session:
        verdict = verify_chain(session)
    broken = verdict.broken
    if broken is None:
        click.echo(f"OK: {verdict.checked} audit events, the chain is intact")
        return
    position = f"position {broken.seq}" if broken.seq is not None else "no position"
    click.echo(
        f"BROKEN at audit event {broken.event_id} ({position}, {broken.occurred_at.isoformat()}): {broken.reason}. "
        f"{verdict.checked} events before it are intact.",
        err=True,
    )
    raise SystemExit(1)
