"""ipd processes validate / deploy."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from engine.definitions.models import ProcessDefinition
from forms.registry import FormRegistry, use_registry

FIXTURES = Path(__file__).resolve().parents[1] / "engine" / "instances" / "fixtures"


def test_validate_prints_findings_and_fails_on_errors(app, tmp_path):
    previous = use_registry(FormRegistry(FIXTURES / "forms"))
    try:
        runner = app.test_cli_runner()
        ok = runner.invoke(args=["processes", "validate", str(FIXTURES / "parallel.bpmn")])
        assert ok.exit_code == 0, ok.output
        assert "0 error(s)" in ok.output
        broken = tmp_path / "broken.bpmn"
        broken.write_bytes((FIXTURES / "parallel.bpmn").read_bytes().replace(b'name="lawyer"', b'name="wizard"'))
        bad = runner.invoke(args=["processes", "validate", str(broken)])
        assert bad.exit_code == 1
        line = next(line for line in bad.output.splitlines() if "lane.unknown_role" in line)
        assert line.startswith("broken.bpmn:") and ": error: " in line
    finally:
        use_registry(previous)


def test_deploy_prints_versions_and_is_idempotent(app, db_session):
    previous = use_registry(FormRegistry(FIXTURES / "forms"))
    try:
        runner = app.test_cli_runner()
        first = runner.invoke(args=["processes", "deploy", str(FIXTURES / "parallel.bpmn")])
        assert first.exit_code == 0, first.output
        assert first.output.startswith("parallel_diagnosis\tv1\t") and "\tnew" in first.output
        again = runner.invoke(args=["processes", "deploy", str(FIXTURES / "parallel.bpmn")])
        assert "\tunchanged" in again.output
        versions = db_session.scalars(
            select(ProcessDefinition.version).where(ProcessDefinition.process_id == "parallel_diagnosis")
        ).all()
        assert versions == [1]
    finally:
        use_registry(previous)


def test_deploy_refuses_hostile_files(app, tmp_path):
    runner = app.test_cli_runner()
    bomb = tmp_path / "bomb.bpmn"
    bomb.write_text(
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><x>&b;</x>', encoding="utf-8"
    )
    result = runner.invoke(args=["processes", "deploy", str(bomb)])
    assert result.exit_code == 1
    assert "xml.doctype_forbidden" in result.output


def test_the_process_library_validates(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["processes", "validate", "processes"])
    assert result.exit_code == 0, result.output
