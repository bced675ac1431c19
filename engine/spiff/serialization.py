"""Turn workflows and specs into JSON-ready dicts and back.

Instance state is stored without its spec: the spec of each process version is stored once,
and a restored spec object is cached per version in this process.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.helpers.encoder import create_encoder
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

STATE_FORMAT = 1


class _SpecFreeWorkflowConverter(BpmnWorkflowConverter):
    """The default converter, minus the spec copies it would put into every state."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def restore_with_specs(
        self, dct: dict[str, Any], spec: BpmnProcessSpec, subprocess_specs: dict[str, BpmnProcessSpec]
    ) -> BpmnWorkflow:
        workflow = BpmnWorkflow(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dict(dct["subprocesses"]), workflow)
        workflow.bpmn_events = self.registry.restore(dct.get("bpmn_events", []))
        return workflow


def _make_registry() -> tuple[Any, _SpecFreeWorkflowConverter]:
    registry = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)
    # Constructing a converter registers it, replacing the default one for BpmnWorkflow.
    workflow_converter = _SpecFreeWorkflowConverter(BpmnWorkflow, registry)
    # Form data holds dates and exact amounts; keep their types across a save.
    registry.register(date, lambda v: {"value": v.isoformat()}, lambda v: date.fromisoformat(v["value"]))
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda v: Decimal(v["value"]))
    return registry, workflow_converter


_registry, _workflow_converter = _make_registry()
_encoder = create_encoder(_registry)


def registry() -> Any:
    """The serializer registry (SpiffWorkflow's diff utilities take one)."""
    return _registry


def dump_state(workflow: BpmnWorkflow) -> str:
    """Return the instance state (no spec) as compact JSON text."""
    state: dict[str, Any] = _registry.convert(workflow)
    state["format"] = STATE_FORMAT
    return json.dumps(state, cls=_encoder, separators=(",", ":"))


def load_state(state: str, spec: BpmnProcessSpec, subprocess_specs: dict[str, BpmnProcessSpec]) -> BpmnWorkflow:
    """Rebuild a workflow from ``dump_state`` output and its (cached) specs."""
    return _workflow_converter.restore_with_specs(json.loads(state), spec, subprocess_specs)


def dump_specs(spec: BpmnProcessSpec, subprocess_specs: dict[str, BpmnProcessSpec]) -> dict[str, Any]:
    """Return a process version's specs as JSON-ready data, stored once per version."""
    return {
        "spec": _registry.convert(spec),
        "subprocess_specs": {name: _registry.convert(sub) for name, sub in subprocess_specs.items()},
    }


def load_specs(data: dict[str, Any]) -> tuple[BpmnProcessSpec, dict[str, BpmnProcessSpec]]:
    spec = _registry.restore(data["spec"])
    subprocess_specs = {name: _registry.restore(sub) for name, sub in data["subprocess_specs"].items()}
    return spec, subprocess_specs


def plain_json(value: Any) -> Any:
    """Task data as plain JSON for forms and the API: dates as ISO text, amounts as decimal text."""
    if isinstance(value, dict):
        return {str(k): plain_json(v) for k, v in value.items() if not callable(v)}
    if isinstance(value, (list, tuple, set)):
        return [plain_json(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
