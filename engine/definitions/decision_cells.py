"""Compile every DMN cell in the sandbox at deploy, as the engine will evaluate it.

A DMN cell is Python the sandbox evaluates when a business rule task runs; a broken cell used to
validate "ok" and fail in the middle of a case. SpiffWorkflow's DMNEngine builds each input cell into
a comparison with the column's input expression (``(amount) == (500)``, ``amount > 500``, or with
``?`` standing for the input); `engine.spiff.parsing.decision_cells` rebuilds exactly that and the
sandbox's static checker judges it, without running it.
"""

from __future__ import annotations

from engine.definitions.rules import CodeChecker, Finding, Severity
from engine.definitions.xml_safety import XmlDocument
from engine.spiff.parsing import ParsedBundle, decision_cells


def check_decision_cells(
    bundle: ParsedBundle, documents: list[XmlDocument], check_expression: CodeChecker | None
) -> list[Finding]:
    """One error per DMN cell the sandbox would refuse, located at the cell."""
    if check_expression is None:
        return []
    by_name = {document.name: document for document in documents}
    findings: list[Finding] = []
    seen: set[tuple[str | None, str]] = set()
    for cell in decision_cells(bundle):
        if (cell.element_id, cell.expression) in seen:
            continue
        seen.add((cell.element_id, cell.expression))
        issues = _issues(check_expression, cell.expression)
        if not issues:
            continue
        document = by_name.get(cell.file)
        line = document.line_of(cell.element_id) if document is not None else None
        if line is None and document is not None:
            line = document.line_of(cell.decision_id) or document.root.sourceline
        findings.append(
            Finding(
                Severity.ERROR,
                "dmn.cell_invalid",
                f'The cell of rule {cell.row}, column "{cell.column}" of the decision "{cell.decision_id}" is not '
                f"a valid expression: {issues[0].rstrip('.')}. The engine would evaluate it as: "
                f"{_short(cell.expression)}. Correct the cell in the decision table.",
                cell.file,
                line,
                cell.element_id,
            )
        )
    return findings


def _issues(check: CodeChecker, expression: str) -> list[str]:
    try:
        return [str(issue.message) for issue in check(expression)]
    except Exception as exc:  # noqa: BLE001 - the checker refusing to even read it is a finding too
        return [f"it cannot be read ({type(exc).__name__})"]


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 120 else text[:117] + "..."
