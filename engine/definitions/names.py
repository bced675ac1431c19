"""Process names in English: the ``nameEn`` property a process carries in its BPMN (as its tasks do).

The definitions table keeps the Polish ``name`` only; the English one is read from the deployed file once per
version and cached, so lists in the English interface show "Intake" rather than "Przyjęcie do programu".
"""

from __future__ import annotations

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.definitions.models import DeploymentFile, ProcessDefinition
from engine.definitions.xml_safety import safe_parser

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"

_cache: dict[tuple[int, str], str | None] = {}


def english_name(content: bytes, process_id: str) -> str | None:
    """The ``nameEn`` property of the process ``process_id`` in a BPMN file, if it has one."""
    try:
        root = etree.fromstring(content, safe_parser())
    except etree.XMLSyntaxError:
        return None
    for process in root.iter(f"{{{BPMN_NS}}}process"):
        if process.get("id") != process_id:
            continue
        for extensions in process.iterfind(f"{{{BPMN_NS}}}extensionElements"):
            for prop in extensions.iter(f"{{{SPIFF_NS}}}property"):
                if prop.get("name") == "nameEn" and (prop.get("value") or "").strip():
                    return str(prop.get("value")).strip()
    return None


def english_process_names(session: Session) -> dict[str, str]:
    """Process id → the English name of its newest version, for the processes that give one."""
    newest: dict[str, ProcessDefinition] = {}
    for definition in session.scalars(select(ProcessDefinition).order_by(ProcessDefinition.version)):
        newest[definition.process_id] = definition
    names: dict[str, str] = {}
    for process_id, definition in newest.items():
        key = (definition.id, definition.content_hash)
        if key not in _cache:
            content = session.scalar(
                select(DeploymentFile.content).where(
                    DeploymentFile.deployment_id == definition.deployment_id,
                    DeploymentFile.name == definition.bpmn_file,
                )
            )
            _cache[key] = english_name(content, process_id) if content else None
        if _cache[key]:
            names[process_id] = str(_cache[key])
    return names


def with_english_names(content: bytes) -> bytes:
    """The BPMN file with each element's ``name`` replaced by its ``nameEn``, for diagrams in the English interface.

    Elements without an English name keep their own; a file that does not parse is returned unchanged.
    """
    try:
        root = etree.fromstring(content, safe_parser())
    except etree.XMLSyntaxError:
        return content
    for prop in root.iter(f"{{{SPIFF_NS}}}property"):
        value = (prop.get("value") or "").strip()
        if prop.get("name") != "nameEn" or not value:
            continue
        properties = prop.getparent()
        extensions = properties.getparent() if properties is not None else None
        element = extensions.getparent() if extensions is not None else None
        if element is not None and element.get("name") is not None:
            element.set("name", value)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
