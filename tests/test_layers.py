"""The layering rule: engine/ and forms/ never import Flask or web/; only engine/spiff imports SpiffWorkflow."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _python_files(*folders: str) -> list[Path]:
    return [path for folder in folders for path in sorted((ROOT / folder).rglob("*.py"))]


def test_engine_and_forms_do_not_import_the_web_layer():
    offenders = []
    for path in _python_files("engine", "forms"):
        for name in _imports(path):
            top = name.split(".")[0]
            if top in {"flask", "flask_login", "flask_wtf", "flask_babel", "web", "werkzeug"}:
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not offenders, "\n".join(offenders)


def test_only_the_adapter_imports_spiffworkflow():
    offenders = []
    for path in _python_files("engine", "forms", "web"):
        if (ROOT / "engine" / "spiff") in path.parents:
            continue
        for name in _imports(path):
            if name.split(".")[0] == "SpiffWorkflow":
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not offenders, "\n".join(offenders)


#: How the library names its elements (``Task_register``, ``Timer_review_due``…): never known to the code.
ELEMENT_ID = re.compile(
    r"\b(?:Task|Script|Timer|Gateway|Rule|Flow|StartEvent|EndEvent|SubProcess|Service|Call|Event|Lane|Participant)"
    r"_[A-Za-z0-9]"
)


def _string_constants(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and ELEMENT_ID.search(node.value)
    ]


def test_no_bpmn_element_id_is_known_to_the_engine_or_the_web_layer():
    """Renaming an element in the studio must not empty a page: the code reads records, not element ids."""
    offenders = []
    for path in _python_files("engine", "web"):
        offenders += [f"{path.relative_to(ROOT)}:{line}: {text[:80]!r}" for line, text in _string_constants(path)]
    for suffix in ("*.html", "*.js"):
        for path in sorted((ROOT / "web").rglob(suffix)):
            if "vendor" in path.parts:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if ELEMENT_ID.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:80]}")
    assert not offenders, "\n".join(offenders)
