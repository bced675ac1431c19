"""Rewrite every element id of a copy of the process library, as a process owner renaming in the studio would.

Process ids stay (they are how cases and integrations name a process); every other id — tasks, events,
gateways, flows, lanes, sub-processes, diagram shapes, decision tables' rules — gets a new name, and every
reference to it follows.
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
_ID_REFERENCES = ("sourceRef", "targetRef", "bpmnElement", "default", "attachedToRef", "processRef")
_TEXT_REFERENCES = ("incoming", "outgoing", "flowNodeRef")


def _new_id(old: str, mapping: dict[str, str], prefix: str) -> str:
    if old not in mapping:
        mapping[old] = f"{prefix}_{len(mapping):04d}"
    return mapping[old]


def rename_file(content: bytes, prefix: str = "Renamed") -> bytes:
    """The file with every id but the process ids renamed consistently."""
    root = etree.fromstring(content)
    process_ids = {el.get("id") for el in root.iter() if etree.QName(el).localname == "process"}
    mapping: dict[str, str] = {}
    for element in root.iter(etree.Element):
        old = element.get("id")
        if etree.QName(element).namespace == SPIFF_NS:
            continue  # an operation's name or parameter, not an element id
        if old and old not in process_ids and etree.QName(element).localname not in ("decision", "definitions"):
            element.set("id", _new_id(old, mapping, prefix))
    for element in root.iter(etree.Element):
        for attribute in _ID_REFERENCES:
            value = element.get(attribute)
            if value in mapping:
                element.set(attribute, mapping[value])
        if etree.QName(element).localname in _TEXT_REFERENCES and element.text in mapping:
            element.text = mapping[element.text]
    renamed: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return renamed


def rename_library(source: Path, target: Path) -> dict[str, int]:
    """Copy ``source`` (BPMN and DMN files) to ``target`` with ids renamed; return how many ids per file."""
    counts = {}
    files = [path for path in sorted(source.rglob("*")) if path.suffix in (".bpmn", ".dmn")]
    for number, path in enumerate(files):
        out = target / path.relative_to(source)
        out.parent.mkdir(parents=True, exist_ok=True)
        prefix = f"Renamed{number:02d}"
        renamed = rename_file(path.read_bytes(), prefix)
        out.write_bytes(renamed)
        counts[path.name] = len(set(re.findall(rb'id="' + prefix.encode() + rb'_\d+"', renamed)))
    return counts
