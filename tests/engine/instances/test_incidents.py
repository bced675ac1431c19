"""Failing or hostile scripts become incidents: state kept as before the step, worker alive, retry works."""

from __future__ import annotations

import sys

import pytest
from sqlalchemy import select

from engine.definitions.forms import file_name
from engine.definitions.models import Deployment, DeploymentFile, ProcessDefinition
from engine.definitions.service import InvalidDefinition, deploy, spec_bundle
from engine.errors import Conflict, Forbidden
from engine.instances.models import Incident, InstanceState, InstanceStatus
from engine.instances.service import (
    cancel_instance,
    resume_instance,
    retry_incident,
    set_instance_variables,
    start_instance,
    suspend_instance,
)
from engine.spiff.parsing import parse_bundle
from engine.spiff.runner import SpecBundle
from engine.tasks import service as tasks
from engine.tasks.models import HumanTask, TaskState
from tests.engine.instances.conftest import FIXTURES, fixture_file

HOSTILE = {
    "subclasses": "x = ().__class__.__base__.__subclasses__()",
    "import": "os = __import__('os')",
    "open": "secret = open('/etc/passwd').read()",
    "endless": "while True:\n    pass",
    "huge": "big = 'x' * 10**10",
    "recursion": "def f(n):\n    return f(n + 1)\nresult = f(0)",
}


def _store_unvalidated(db_session, script: str) -> ProcessDefinition:
    """Put a definition in without our validation, as if it predated a rule: the sandbox must still hold."""
    source = fixture_file("script_step.bpmn.tmpl", script=script)
    bundle = parse_bundle([source])
    specs = SpecBundle(bundle.get_spec("scripted"), bundle.get_subprocess_specs("scripted"))
    deployment = Deployment(
        content_hash=f"unvalidated-{abs(hash(script))}",
        source="test",
        files=[DeploymentFile(name=file_name(key), content=content) for key, content in _forms().items()],
    )
    db_session.add(deployment)
    db_session.flush()
    definition = ProcessDefinition(
        process_id="scripted",
        version=1,
        name="scripted",
        content_hash=deployment.content_hash,
        deployment_id=deployment.id,
        spec=specs.to_stored(),
        bpmn_file="script_step.bpmn",
    )
    db_session.add(definition)
    db_session.flush()
    return definition


def _forms() -> dict[str, bytes]:
    return {"test/note": (FIXTURES / "forms" / "test" / "note.json").read_bytes()}


def _open(db_session, instance_id):
    return db_session.scalars(
        select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.state == TaskState.OPEN)
    ).all()


@pytest.mark.parametrize("name", ["subclasses", "import", "open"])
def test_static_violations_are_refused_at_deploy(db_session, name):
    with pytest.raises(InvalidDefinition) as error:
        deploy(db_session, None, [fixture_file("script_step.bpmn.tmpl", script=HOSTILE[name])])
    codes = {f.code for f in error.value.report.errors}
    assert "script.invalid" in codes
    finding = next(f for f in error.value.report.errors if f.code == "script.invalid")
    assert finding.element_id == "calc" and finding.line


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_script_becomes_an_incident(db_session, people, case, name):
    _store_unvalidated(db_session, HOSTILE[name])
    instance = start_instance(db_session, people["sw"], "scripted", case=case).instance
    (first,) = _open(db_session, instance.id)
    before = db_session.get(InstanceState, instance.id).state
    result = tasks.complete_task(db_session, people["sw"], first.id, {"note": "start"})
    incident = result.incident
    assert incident is not None, name
    assert incident.element_id == "calc"
    assert incident.message
    assert instance.has_open_incident and instance.status == InstanceStatus.RUNNING
    # The user's completion is kept; nothing after the failing script happened.
    assert first.state == TaskState.COMPLETED
    assert _open(db_session, instance.id) == []
    after = db_session.get(InstanceState, instance.id).state
    assert after != before  # the completed user task was saved
    # The worker (this process) is healthy: recursion limit and tracer restored, engine still works.
    assert sys.getrecursionlimit() >= 1000
    second = start_instance(db_session, people["sw"], "scripted", case=case).instance
    assert len(_open(db_session, second.id)) == 1


def test_runtime_error_can_be_retried_after_the_cause_is_fixed(db_session, deploy_fixture, people, case):
    deploy_fixture("script_step.bpmn.tmpl", script="share = Decimal(amount) / divisor")
    instance = start_instance(
        db_session, people["sw"], "scripted", case=case, data={"amount": "900.00", "divisor": 0}
    ).instance
    (first,) = _open(db_session, instance.id)
    result = tasks.complete_task(db_session, people["sw"], first.id, {"note": "policz"})
    assert result.incident is not None
    assert "division" in result.incident.message.lower() or "zero" in result.incident.message.lower()
    with pytest.raises(Forbidden):
        retry_incident(db_session, people["psy"], result.incident.id)
    # Retrying without a fix fails again and keeps the incident open.
    again = retry_incident(db_session, people["sup"], result.incident.id)
    assert again.incident is not None and again.incident.is_open
    set_instance_variables(db_session, people["sup"], instance.id, {"divisor": 3})
    fixed = retry_incident(db_session, people["sup"], result.incident.id)
    assert fixed.incident is None
    db_session.refresh(result.incident)
    assert result.incident.resolution == "retried" and not instance.has_open_incident
    (after,) = _open(db_session, instance.id)
    assert after.element_id == "after"


def test_suspend_resume_cancel(db_session, deploy_fixture, people, case):
    deploy_fixture("parallel.bpmn")
    instance = start_instance(db_session, people["sw"], "parallel_diagnosis", case=case).instance
    psy = next(t for t in _open(db_session, instance.id) if t.element_id == "psy")
    with pytest.raises(Forbidden):
        suspend_instance(db_session, people["sw"], instance.id)
    suspend_instance(db_session, people["sup"], instance.id, "waiting for documents")
    tasks.claim_task(db_session, people["psy"], psy.id)
    with pytest.raises(Conflict, match="suspended"):
        tasks.complete_task(db_session, people["psy"], psy.id, {"note": "x"})
    resume_instance(db_session, people["sup"], instance.id)
    tasks.complete_task(db_session, people["psy"], psy.id, {"note": "x"})
    from engine.errors import InvalidInput

    with pytest.raises(InvalidInput):
        cancel_instance(db_session, people["sup"], instance.id, "  ")
    cancel_instance(db_session, people["admin"], instance.id, "beneficiary moved away")
    assert instance.status == InstanceStatus.CANCELLED and instance.end_reason == "beneficiary moved away"
    assert _open(db_session, instance.id) == []
    with pytest.raises(Conflict):
        cancel_instance(db_session, people["sup"], instance.id, "again")


def test_cached_specs_match_what_was_deployed(db_session, deploy_fixture):
    definition = deploy_fixture("parallel.bpmn")
    bundle = spec_bundle(definition)
    assert bundle is spec_bundle(definition)
    assert "psy" in {spec.bpmn_id for spec in bundle.spec.task_specs.values()}
    incidents = db_session.scalars(select(Incident)).all()
    assert incidents == []
