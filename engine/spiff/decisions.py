"""Evaluate one DMN decision table outside a process, with the same sandboxed engine the processes use."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from lxml import etree
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.dmn.parser.BpmnDmnParser import BpmnDmnParser

from engine.spiff.script_engine import SandboxedScriptEngine

_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)


class DecisionError(LookupError):
    """The decision is missing from the file, or no rule matches the inputs."""


def load_decision(source: str | Path | bytes, decision_id: str) -> Any:
    """Parse ``decision_id`` from a DMN file (path or bytes) into SpiffWorkflow's decision table."""
    content = source if isinstance(source, bytes) else Path(source).read_bytes()
    root = etree.fromstring(content, parser=_SAFE_PARSER)
    parser = BpmnDmnParser()
    parser.add_dmn_xml(root, filename=str(source) if not isinstance(source, bytes) else "decision.dmn")
    dmn_parser = parser.dmn_parsers.get(decision_id)
    if dmn_parser is None:
        raise DecisionError(f"no decision {decision_id!r} in the file")
    dmn_parser.parse()
    return dmn_parser.decision.decisionTables[0]


def evaluate_table(table: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    """Run a parsed decision table on ``inputs``; raise `DecisionError` when no rule matches."""
    # DMNEngine reads ``task.data`` and ``task.workflow.script_engine``; nothing else of a task is needed.
    task = SimpleNamespace(
        data=dict(inputs), task_spec=None, workflow=SimpleNamespace(script_engine=SandboxedScriptEngine())
    )
    result = DMNEngine(table).result(task)
    if not result:
        raise DecisionError("no rule of the decision matches these inputs")
    return dict(result)


def evaluate_decision(source: str | Path | bytes, decision_id: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """Evaluate ``decision_id`` of a DMN file on ``inputs`` and return its outputs by name."""
    return evaluate_table(load_decision(source, decision_id), inputs)
