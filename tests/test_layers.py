"""The layering rule: engine/ and forms/ never import Flask or web/; only engine/spiff imports SpiffWorkflow."""

from __future__ import annotations

import ast
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
