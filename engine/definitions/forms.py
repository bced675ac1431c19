"""Forms are deployed with the processes that use them: a running instance opens the forms of its version.

At deploy time every form a process version uses (``formKey`` of its user tasks and of the processes it
calls) is read from the form registry and stored as a file of the deployment (``forms/<key>.json``), and
its content is part of the version's hash: changing a form makes a new version, and instances already
running keep the form they started with.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.definitions.models import DeploymentFile
from engine.spiff.runner import SpecBundle
from forms.registry import FormDefinitionError, FormNotFound, FormRegistry

PREFIX = "forms/"
SUFFIX = ".json"


def is_model_file(name: str) -> bool:
    """A deployment's BPMN and DMN files, as opposed to the forms stored with them."""
    return name.endswith((".bpmn", ".dmn"))


def file_name(key: str) -> str:
    return f"{PREFIX}{key}{SUFFIX}"


def form_keys(bundle: SpecBundle) -> set[str]:
    """The form keys of every user task in a version (its own process and the ones it calls)."""
    keys: set[str] = set()
    for spec in (bundle.spec, *bundle.subprocess_specs.values()):
        for task_spec in spec.task_specs.values():
            properties = (getattr(task_spec, "extensions", None) or {}).get("properties") or {}
            key = (properties.get("formKey") or "").strip()
            if key:
                keys.add(key)
    return keys


def form_files(keys: Iterable[str], registry: FormRegistry) -> dict[str, bytes]:
    """File name → content of each form that exists in ``registry`` (validation reports the missing ones)."""
    found = {}
    for key in sorted(set(keys)):
        try:
            path = registry.path_for(key)
        except FormNotFound:
            continue
        if path.is_file():
            found[file_name(key)] = path.read_bytes()
    return found


@lru_cache(maxsize=512)
def _parse(deployment_id: int, key: str, content: bytes) -> dict[str, Any]:
    try:
        schema = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FormDefinitionError(f"{file_name(key)}: {exc}") from None
    if not isinstance(schema, dict):
        raise FormDefinitionError(f"{file_name(key)}: the top level must be a JSON object")
    Draft202012Validator.check_schema(schema)
    return schema


class DeployedForms:
    """The forms of one deployment, with the interface of a `FormRegistry` (``load``, ``exists``)."""

    def __init__(self, session: Session, deployment_id: int) -> None:
        self.session = session
        self.deployment_id = deployment_id

    def _content(self, key: str) -> bytes | None:
        content: bytes | None = self.session.scalar(
            select(DeploymentFile.content).where(
                DeploymentFile.deployment_id == self.deployment_id, DeploymentFile.name == file_name(key)
            )
        )
        return content

    def exists(self, key: str) -> bool:
        return self._content(key) is not None

    def load(self, key: str) -> dict[str, Any]:
        content = self._content(key)
        if content is None:
            raise FormNotFound(f"the deployed version has no form {key!r}")
        return _parse(self.deployment_id, key, bytes(content))


def task_forms(session: Session, instance_id: int) -> DeployedForms:
    """The forms of the version an instance runs on."""
    from engine.definitions.models import ProcessDefinition
    from engine.instances.models import ProcessInstance

    deployment_id = session.scalar(
        select(ProcessDefinition.deployment_id)
        .join(ProcessInstance, ProcessInstance.definition_id == ProcessDefinition.id)
        .where(ProcessInstance.id == instance_id)
    )
    return DeployedForms(session, deployment_id if deployment_id is not None else -1)


def latest_deployed_form(session: Session, key: str) -> dict[str, Any]:
    """The newest deployed version of a form (how records made through it are labelled)."""
    row = session.execute(
        select(DeploymentFile.deployment_id, DeploymentFile.content)
        .where(DeploymentFile.name == file_name(key))
        .order_by(DeploymentFile.deployment_id.desc())
        .limit(1)
    ).first()
    if row is None:
        raise FormNotFound(f"no deployed form {key!r}")
    return _parse(row.deployment_id, key, bytes(row.content))
