"""Deploy process versions and hand out their parsed specs."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.accounts.roles import Role
from engine.audit.service import record
from engine.definitions.forms import form_files, form_keys
from engine.definitions.models import Deployment, DeploymentFile, ProcessDefinition
from engine.definitions.validation import SourceFile, ValidationContext, ValidationReport, validate_files
from engine.definitions.xml_safety import BPMN_MODEL_NS, XmlDocument
from engine.errors import DomainError, Forbidden, NotFound
from engine.spiff.parsing import parse_bundle
from engine.spiff.runner import SpecBundle
from forms.registry import FormRegistry, current_registry

#: Lane names a user task may sit in: the roles that do case work.
TASK_ROLES = frozenset({Role.SOCIAL_WORKER, Role.PSYCHOLOGIST, Role.LAWYER, Role.CAREER_COUNSELLOR, Role.SUPERVISOR})


class InvalidDefinition(DomainError):
    """The files did not pass validation; ``report`` holds every finding."""

    def __init__(self, report: ValidationReport) -> None:
        errors = report.errors
        first = errors[0] if errors else None
        where = f" ({first.file}, line {first.line})" if first and first.line else ""
        summary = f"{len(errors)} error(s); first: {first.message}{where}" if first else "invalid"
        super().__init__(f"the process files cannot be deployed: {summary}")
        self.report = report


@dataclass
class DeployResult:
    report: ValidationReport
    definitions: list[ProcessDefinition] = field(default_factory=list)
    new_versions: list[ProcessDefinition] = field(default_factory=list)


def operation_problems(registry: FormRegistry, kind: str, name: str, form_key: str | None) -> list[str]:
    from engine.operations.validation import problems

    return problems(kind, name, form_key, registry)


def validation_context(forms: FormRegistry | None = None) -> ValidationContext:
    from engine import sandbox

    registry = forms or current_registry()
    return ValidationContext(
        known_roles=frozenset(str(role) for role in TASK_ROLES),
        form_exists=registry.exists,
        check_expression=sandbox.check_expression,
        check_script=sandbox.check_script,
        check_operation=partial(operation_problems, registry),
    )


def validate(files: Sequence[SourceFile], forms: FormRegistry | None = None) -> ValidationReport:
    """Validate without deploying (``ipd processes validate``, the studio's Validate button)."""
    return validate_files(list(files), validation_context(forms))


def _bundle_hash(files: Sequence[SourceFile]) -> str:
    digest = hashlib.sha256()
    for source in sorted(files, key=lambda f: f.name):
        digest.update(source.name.encode() + b"\0" + hashlib.sha256(source.content).digest())
    return digest.hexdigest()


def _process_hash(stored_spec: dict[str, Any], own_file: bytes, forms: dict[str, bytes]) -> str:
    """A version is its spec (decision tables included), its diagram and the forms its tasks open."""
    digest = hashlib.sha256(json.dumps(stored_spec, sort_keys=True, default=str).encode())
    digest.update(hashlib.sha256(own_file).digest())
    for name, content in sorted(forms.items()):
        digest.update(name.encode() + b"\0" + hashlib.sha256(content).digest())
    return digest.hexdigest()


def deploy(
    session: Session,
    actor: User | None,
    files: Sequence[SourceFile],
    *,
    source: str = "upload",
    forms: FormRegistry | None = None,
) -> DeployResult:
    """Validate and deploy; unchanged processes keep their version, changed ones get the next.

    ``actor`` None means the system itself (the command line run by an operator).
    """
    if actor is not None and not actor.has_role(Role.PROCESS_OWNER, Role.ADMIN, Role.NATIONAL_ADMIN):
        raise Forbidden("only process owners can deploy processes")
    files = list(files)
    report = validate(files, forms)
    if not report.ok:
        raise InvalidDefinition(report)
    bundle = parse_bundle(files)
    result = DeployResult(report=report)
    registry = forms or current_registry()
    specs_by_process = {
        process_id: SpecBundle(bundle.get_spec(process_id), bundle.get_subprocess_specs(process_id))
        for process_id in report.process_ids
    }
    used_forms = {pid: form_files(form_keys(specs), registry) for pid, specs in specs_by_process.items()}
    all_forms = {name: content for found in used_forms.values() for name, content in found.items()}
    stored_files = [*files, *(SourceFile(name=name, content=content) for name, content in sorted(all_forms.items()))]
    bundle_hash = _bundle_hash(stored_files)
    deployment = session.scalar(select(Deployment).where(Deployment.content_hash == bundle_hash))
    for process_id, specs in specs_by_process.items():
        stored = specs.to_stored()
        own_name = _file_holding(bundle.documents, process_id)
        own_bytes = next(f.content for f in files if f.name == own_name)
        content_hash = _process_hash(stored, own_bytes, used_forms[process_id])
        existing = session.scalar(
            select(ProcessDefinition).where(
                ProcessDefinition.process_id == process_id, ProcessDefinition.content_hash == content_hash
            )
        )
        if existing is not None:
            result.definitions.append(existing)
            continue
        if deployment is None:
            deployment = Deployment(
                content_hash=bundle_hash,
                deployed_by_id=actor.id if actor else None,
                source=source[:200],
                files=[DeploymentFile(name=f.name, content=f.content) for f in stored_files],
            )
            session.add(deployment)
            session.flush()
        latest = session.scalar(
            select(func.max(ProcessDefinition.version)).where(ProcessDefinition.process_id == process_id)
        )
        definition = ProcessDefinition(
            process_id=process_id,
            version=(latest or 0) + 1,
            name=specs.spec.description or process_id,
            content_hash=content_hash,
            deployment_id=deployment.id,
            spec=stored,
            deployed_by_id=actor.id if actor else None,
            bpmn_file=own_name,
        )
        session.add(definition)
        session.flush()
        record(
            session,
            "definition.deployed",
            actor=actor,
            actor_name=None if actor else "system",
            process_id=process_id,
            version=definition.version,
            content_hash=content_hash,
        )
        result.definitions.append(definition)
        result.new_versions.append(definition)
    return result


def _file_holding(documents: Sequence[XmlDocument], process_id: str) -> str:
    for document in documents:
        for process in document.root.iter(f"{{{BPMN_MODEL_NS}}}process"):
            if process.get("id") == process_id:
                return document.name
    raise NotFound(f"no file holds process {process_id!r}")


def read_directory(path: Path) -> list[SourceFile]:
    """All BPMN and DMN files below ``path`` (or the one file ``path``), names relative to it."""
    if path.is_file():
        return [SourceFile(name=path.name, content=path.read_bytes())]
    files = sorted(p for p in path.rglob("*") if p.suffix in (".bpmn", ".dmn") and p.is_file())
    return [SourceFile(name=p.relative_to(path).as_posix(), content=p.read_bytes()) for p in files]


def latest_definition(session: Session, process_id: str) -> ProcessDefinition:
    definition = session.scalar(
        select(ProcessDefinition)
        .where(ProcessDefinition.process_id == process_id)
        .order_by(ProcessDefinition.version.desc())
        .limit(1)
    )
    if definition is None:
        raise NotFound(f"process {process_id!r} is not deployed")
    return definition


def spec_bundle(definition: ProcessDefinition) -> SpecBundle:
    """The parsed specs of a version, restored once per process and cached by id and hash."""
    key = (definition.id, definition.content_hash)
    bundle = _bundles.get(key)
    if bundle is None:
        bundle = SpecBundle.from_stored(definition.spec)
        if len(_bundles) >= _MAX_CACHED_BUNDLES:
            _bundles.pop(next(iter(_bundles)))
        _bundles[key] = bundle
    return bundle


def clear_spec_cache() -> None:
    _bundles.clear()


_MAX_CACHED_BUNDLES = 256
_bundles: dict[tuple[int, str], SpecBundle] = {}
