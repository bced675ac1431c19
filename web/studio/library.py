"""What the studio reads: versions with their files and instance counts, the current library, drafts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.definitions.forms import is_model_file
from engine.definitions.models import DeploymentFile, ProcessDefinition
from engine.definitions.validation import SourceFile
from engine.definitions.xml_safety import BPMN_MODEL_NS, XmlRejected, load_document
from engine.errors import NotFound
from engine.instances.models import ACTIVE_STATUSES, ProcessInstance

SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
_PROCESS_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,99}$")


@dataclass
class VersionRow:
    definition: ProcessDefinition
    deployed_by: str | None
    running: int


@dataclass
class ProcessRow:
    process_id: str
    name: str
    versions: list[VersionRow] = field(default_factory=list)

    @property
    def latest(self) -> VersionRow:
        return self.versions[0]


def process_overview(session: Session) -> list[ProcessRow]:
    """Every deployed process with its versions (newest first) and running instances per version."""
    running = dict(
        session.execute(
            select(ProcessInstance.definition_id, func.count())
            .where(ProcessInstance.status.in_(ACTIVE_STATUSES))
            .group_by(ProcessInstance.definition_id)
        ).all()
    )
    definitions = session.scalars(
        select(ProcessDefinition).order_by(ProcessDefinition.process_id, ProcessDefinition.version.desc())
    ).all()
    user_ids = {d.deployed_by_id for d in definitions if d.deployed_by_id}
    names = (
        dict(session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids))).all()) if user_ids else {}
    )
    rows: dict[str, ProcessRow] = {}
    for definition in definitions:
        row = rows.setdefault(definition.process_id, ProcessRow(definition.process_id, definition.name))
        row.versions.append(
            VersionRow(definition, names.get(definition.deployed_by_id), int(running.get(definition.id, 0)))
        )
    return list(rows.values())


def get_version(session: Session, process_id: str, version: int | None = None) -> ProcessDefinition:
    query = select(ProcessDefinition).where(ProcessDefinition.process_id == process_id)
    if version is not None:
        query = query.where(ProcessDefinition.version == version)
    definition = session.scalar(query.order_by(ProcessDefinition.version.desc()).limit(1))
    if definition is None:
        raise NotFound(f"process {process_id!r} has no such version")
    return definition


def version_files(session: Session, definition: ProcessDefinition) -> dict[str, bytes]:
    rows = session.execute(
        select(DeploymentFile.name, DeploymentFile.content).where(
            DeploymentFile.deployment_id == definition.deployment_id
        )
    ).all()
    return {name: bytes(content) for name, content in rows if is_model_file(name)}


def version_xml(session: Session, definition: ProcessDefinition) -> bytes:
    files = version_files(session, definition)
    if definition.bpmn_file not in files:
        raise NotFound(f"the file of {definition.process_id} v{definition.version} is missing")
    return files[definition.bpmn_file]


def current_library(session: Session) -> dict[str, bytes]:
    """The files behind the newest version of every process; a newer deployment wins a file name."""
    latest = session.execute(
        select(ProcessDefinition.process_id, func.max(ProcessDefinition.deployment_id)).group_by(
            ProcessDefinition.process_id
        )
    ).all()
    deployment_ids = sorted({deployment_id for _, deployment_id in latest})
    library: dict[str, bytes] = {}
    for deployment_id in deployment_ids:  # ascending: later deployments overwrite earlier files
        for name, content in session.execute(
            select(DeploymentFile.name, DeploymentFile.content).where(DeploymentFile.deployment_id == deployment_id)
        ).all():
            if is_model_file(name):
                library[name] = bytes(content)
    return library


def bundle_with(session: Session, changed: dict[str, bytes]) -> list[SourceFile]:
    """The current library with ``changed`` files replacing (or joining) the stored ones, changed first."""
    library = current_library(session)
    files = [SourceFile(name=name, content=content) for name, content in changed.items()]
    files += [SourceFile(name=name, content=content) for name, content in library.items() if name not in changed]
    return files


@dataclass
class UserTaskInfo:
    element_id: str
    name: str
    form_key: str | None


def user_tasks(xml: bytes, name: str = "diagram.bpmn") -> list[UserTaskInfo]:
    """The user tasks of a diagram with their form keys, read with the engine's safe parser."""
    try:
        document = load_document(SourceFile(name=name, content=xml))
    except XmlRejected:
        return []
    tasks = []
    for task in document.root.iter(f"{{{BPMN_MODEL_NS}}}userTask"):
        form_key = None
        for prop in task.iter(f"{{{SPIFF_NS}}}property"):
            if prop.get("name") == "formKey":
                form_key = prop.get("value")
        tasks.append(UserTaskInfo(task.get("id") or "", " ".join((task.get("name") or "").split()), form_key))
    return tasks


def valid_process_id(process_id: str) -> bool:
    return bool(_PROCESS_ID.match(process_id))


# Drafts: one file per user and process under the instance folder, so the schema stays as it is.


def _draft_path(instance_path: Path, user_id: int, process_id: str) -> Path:
    if not valid_process_id(process_id):
        raise NotFound("no such process")
    return instance_path / "studio-drafts" / str(int(user_id)) / f"{process_id}.bpmn"


def save_draft(instance_path: Path, user_id: int, process_id: str, xml: bytes) -> None:
    path = _draft_path(instance_path, user_id, process_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_bytes(xml)
    temporary.replace(path)


def load_draft(instance_path: Path, user_id: int, process_id: str) -> bytes | None:
    path = _draft_path(instance_path, user_id, process_id)
    return path.read_bytes() if path.is_file() else None


def delete_draft(instance_path: Path, user_id: int, process_id: str) -> None:
    _draft_path(instance_path, user_id, process_id).unlink(missing_ok=True)


def decision_files(session: Session) -> list[str]:
    """The DMN files of the current library, by name."""
    return sorted(name for name in current_library(session) if name.lower().endswith(".dmn"))


def decision_xml(session: Session, name: str) -> bytes:
    library = current_library(session)
    if not name.lower().endswith(".dmn") or name not in library:
        raise NotFound(f"no decision file {name!r} in the library")
    return library[name]
