"""Move running instances to a newer version of their process: dry run first, then the chosen ones."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.access.policy import can_migrate_instance
from engine.accounts.models import User
from engine.accounts.roles import Role
from engine.audit.service import record
from engine.clock import utcnow
from engine.definitions.models import ProcessDefinition
from engine.definitions.service import spec_bundle
from engine.errors import Conflict, Forbidden, InvalidInput, NotFound
from engine.instances import service as instances
from engine.instances.models import ACTIVE_STATUSES, InstanceState, ProcessInstance
from engine.spiff import migration as spiff_migration
from engine.spiff.migration import SpecChanges
from engine.tasks import projection


@dataclass
class InstanceVerdict:
    instance_id: int
    case_id: int | None
    from_version: int
    can_migrate: bool
    reasons: list[str] = field(default_factory=list)


def _require_owner(actor: User) -> None:
    if not actor.has_role(Role.PROCESS_OWNER, Role.ADMIN, Role.NATIONAL_ADMIN):
        raise Forbidden("only process owners can compare versions and move running cases")


def _definition(session: Session, process_id: str, version: int) -> ProcessDefinition:
    definition = session.scalar(
        select(ProcessDefinition).where(
            ProcessDefinition.process_id == process_id, ProcessDefinition.version == version
        )
    )
    if definition is None:
        raise NotFound(f"process {process_id!r} has no version {version}")
    return definition


def diff_versions(session: Session, actor: User, process_id: str, from_version: int, to_version: int) -> SpecChanges:
    """Elements added, removed and changed between two versions of one process."""
    _require_owner(actor)
    old = _definition(session, process_id, from_version)
    new = _definition(session, process_id, to_version)
    return spiff_migration.compare(spec_bundle(old), spec_bundle(new))


def dry_run(session: Session, actor: User, process_id: str, to_version: int) -> list[InstanceVerdict]:
    """For every active instance on an older version: could it move to ``to_version``, and if not, why."""
    _require_owner(actor)
    target = _definition(session, process_id, to_version)
    new = spec_bundle(target)
    verdicts = []
    rows = session.execute(
        select(ProcessInstance, ProcessDefinition.version)
        .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
        .where(
            ProcessInstance.process_id == process_id,
            ProcessInstance.status.in_(ACTIVE_STATUSES),
            ProcessDefinition.version < to_version,
        )
        .order_by(ProcessInstance.id)
    ).all()
    for instance, version in rows:
        state = session.get(InstanceState, instance.id)
        assert state is not None
        verdict = spiff_migration.check(state.state, spec_bundle(instance.definition), new)
        verdicts.append(InstanceVerdict(instance.id, instance.case_id, version, verdict.can_migrate, verdict.reasons))
    return verdicts


def migrate_instance(session: Session, actor: User, instance_id: int, to_version: int) -> ProcessInstance:
    """Move one instance to ``to_version`` of its process; refused with the reasons when it cannot move."""
    _require_owner(actor)
    instance = instances.lock_instance(session, instance_id)
    if not can_migrate_instance(session, actor, instance):
        raise Forbidden("moving another office's running cases needs a national administrator")
    if not instance.is_active:
        raise Conflict(f"the instance is {instance.status}; only running or suspended instances move")
    current = instance.definition
    if to_version <= current.version:
        raise InvalidInput("choose a newer version", {"to_version": f"the instance is already on v{current.version}"})
    target = _definition(session, instance.process_id, to_version)
    old, new = spec_bundle(current), spec_bundle(target)
    state = session.get(InstanceState, instance.id, populate_existing=True)
    assert state is not None
    verdict = spiff_migration.check(state.state, old, new)
    if not verdict.can_migrate:
        raise Conflict("this case cannot move to the new version: " + "; ".join(verdict.reasons))
    runner = spiff_migration.migrate(instances.load_runner(session, instance), new)
    instance.definition = target
    instance.definition_id = target.id
    state.state = runner.dump()
    state.updated_at = utcnow()
    instance.task_count = runner.tree_size()
    instance.updated_at = utcnow()
    projection.sync(session, instance, runner)
    projection.sync_timers(session, instance, runner)
    record(
        session,
        "instance.migrated",
        actor=actor,
        case_id=instance.case_id,
        instance_id=instance.id,
        from_version=current.version,
        to_version=target.version,
    )
    return instance
