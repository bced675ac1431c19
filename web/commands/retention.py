"""``ipd retention run``: anonymise the closed cases whose retention period ended (the scheduler does it daily)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from web.commands._common import command_unit, settings

retention = AppGroup("retention", help="Anonymisation of closed cases at the end of the retention period.")
COMMANDS = (retention,)


@retention.command("run")
@click.option("--dry-run", is_flag=True, help="Only list the case ids that would be anonymised; change nothing.")
def retention_run(dry_run: bool) -> None:
    """Anonymise every closed case past IPD_RETENTION_YEARS that no legal hold stops (audited, ids only)."""
    from engine.documents.storage import discard
    from engine.privacy.retention import run_retention

    config = settings()
    years = config.retention_years
    with command_unit() as session:
        run = run_retention(session, years=years, dry_run=dry_run)
    for name in run.discarded_files:  # only once the rows are gone for good
        discard(config.documents_path or config.instance_path / "documents", name)
    verb = "would be anonymised" if dry_run else "anonymised"
    click.echo(
        f"{len(run.case_ids)} case(s) {verb} (retention {years} years): {' '.join(map(str, run.case_ids)) or '-'}"
    )
