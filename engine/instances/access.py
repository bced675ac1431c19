"""Who may see a process instance (the API and the instance admin pages use this one rule)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.accounts.roles import Role
from engine.cases.models import Case
from engine.errors import NotFound
from engine.instances.models import ProcessInstance


def get_visible_instance(session: Session, actor: User, instance_id: int) -> ProcessInstance:
    """An instance of a case the actor may see; without a case, its office's supervisors and process owners.

    Administrators, who operate every instance, see every instance. Others get NotFound.
    """
    instance = session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound(f"no process instance {instance_id}")
    if actor.has_role(Role.ADMIN):
        return instance
    if instance.case_id is not None:
        case = session.get(Case, instance.case_id)
        if case is not None and case.can_view(actor):
            return instance
    elif instance.office_id == actor.office_id and actor.has_role(Role.SUPERVISOR, Role.PROCESS_OWNER):
        return instance
    raise NotFound(f"no process instance {instance_id}")
