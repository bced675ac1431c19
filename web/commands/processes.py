"""``ipd processes``: validate and deploy BPMN/DMN files."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask.cli import AppGroup

from web.commands._common import command_unit

if TYPE_CHECKING:
    from engine.definitions.validation import SourceFile, ValidationReport

group = AppGroup("processes", help="Process definitions (BPMN and DMN).")
COMMANDS = (group,)


def _collect(paths: tuple[Path, ...]) -> list[SourceFile]:
    from engine.definitions.service import read_directory

    files: list[SourceFile] = []
    for path in paths:
        found = read_directory(path)
        if not found:
            raise click.ClickException(f"{path}: no .bpmn or .dmn files")
        files.extend(found)
    return files


def _print_report(report: ValidationReport) -> None:
    for finding in report.findings:
        where = finding.file + (f":{finding.line}" if finding.line else "")
        element = f" [{finding.element_id}]" if finding.element_id else ""
        click.echo(f"{where}: {finding.severity}: {finding.code}{element}: {finding.message}")
    click.echo(f"{len(report.errors)} error(s), {len(report.warnings)} warning(s)")


@group.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
def validate_command(paths: tuple[Path, ...]) -> None:
    """Check files or folders as one bundle; print every finding; exit 1 on errors."""
    from engine.definitions.service import validate

    report = validate(_collect(paths))
    _print_report(report)
    if not report.ok:
        raise SystemExit(1)


@group.command("deploy")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
def deploy_command(paths: tuple[Path, ...]) -> None:
    """Validate, then deploy new versions of the processes whose content changed."""
    from engine.definitions.service import InvalidDefinition, deploy

    files = _collect(paths)
    with command_unit() as session:
        try:
            result = deploy(session, None, files, source="cli:" + ",".join(str(p) for p in paths))
        except InvalidDefinition as error:
            _print_report(error.report)
            raise SystemExit(1) from None
        for definition in result.definitions:
            state = "new" if definition in result.new_versions else "unchanged"
            click.echo(f"{definition.process_id}\tv{definition.version}\t{definition.content_hash[:12]}\t{state}")
