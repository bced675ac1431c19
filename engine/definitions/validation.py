"""Validate uploaded BPMN and DMN files before a version is deployed.

Four stages, each run only where the one before let it: safe XML reading, XSD (warnings only), SpiffWorkflow's
parse of the whole bundle, then our house rules (`rules.py`). Every problem becomes a located `Finding`;
`validate_files` never raises, whatever the upload holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from engine.definitions.decision_cells import check_decision_cells
from engine.definitions.rules import (
    CodeChecker,
    CodeIssue,
    Finding,
    Severity,
    ValidationContext,
    check_process,
    describe,
)
from engine.definitions.structure import check_structure, is_executable
from engine.definitions.xml_safety import (
    BPMN_MODEL_NS,
    DocumentKind,
    SourceFile,
    XmlDocument,
    XmlRejected,
    load_document,
)
from engine.spiff.parsing import ParsedBundle, ParseProblem, ProblemKind, parse_documents, xsd_findings

__all__ = [
    "CodeChecker",
    "CodeIssue",
    "Finding",
    "Severity",
    "SourceFile",
    "ValidationContext",
    "ValidationReport",
    "validate_files",
]

_PROCESS_TAG = f"{{{BPMN_MODEL_NS}}}process"
# What to do about SpiffWorkflow's most frequent complaints, keyed by the start of its message.
_PARSE_HINTS = (
    (
        "A Service Task must have an operator",
        "Service tasks need a spiffworkflow:serviceTaskOperator naming the "
        "operation to call; add one, or model the step as a script task or a user task.",
    ),
    (
        "Data Store",
        "Data stores are not supported: remove the data store and its associations, or use a data object.",
    ),
    ("Exactly one start event is required", "Give the sub-process exactly one start event."),
    ("A SubWorkflow Must contain an End event", "Add an end event inside the sub-process."),
    ("No start event found", "Add a start event to the process."),
    (
        "There is no support implemented",
        "Replace it with a supported element: task, user, manual, script or "
        "business rule task, call activity, sub-process, gateway or event.",
    ),
    ("Multiple outgoing flows are not supported", "Add a gateway after it to split the flow."),
    ("Non-default exclusive outgoing", "Give the flow a condition, or make it the gateway's default flow."),
    (
        "A multiinstance task must specify",
        "Set a loop cardinality or a loop input collection on the multi-instance marker.",
    ),
    ("A loopMaximum or loopCondition", "Set a loop condition or a maximum on the loop marker."),
    ("Duplicate process ID", "Process ids must be unique across all uploaded files: rename one of them."),
    (
        "Time Specification Error",
        'Give the timer one timeDate, timeDuration or timeCycle, e.g. "P14D" with the quotes.',
    ),
    (
        "is not supported by the engine",
        "Use a supported element instead (for events: a timer, message, signal, error, "
        "escalation or conditional event.",
    ),
    (
        "An attribute the engine needs is missing",
        "Its name is quoted above: check the element's properties in the modeler.",
    ),
    (
        "Expected a",
        "The event refers to a message, signal, error or escalation the file does not define: "
        "define it, or correct the reference.",
    ),
)
_DEFAULT_HINT = "Correct it in the modeler and upload the file again."


@dataclass
class ValidationReport:
    """Everything found in one upload; deployable when there are no errors."""

    findings: list[Finding] = field(default_factory=list)
    process_ids: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.severity is Severity.WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "process_ids": list(self.process_ids),
            "error_count": len(self.errors),
            "warning_count": len(self.warnings),
            "findings": [finding.to_dict() for finding in self.findings],
        }


def validate_files(files: Sequence[SourceFile], ctx: ValidationContext) -> ValidationReport:
    """Check an upload of BPMN and DMN files and report every problem, located; never raise."""
    report = ValidationReport()
    files = list(files)
    try:
        _Validation(ctx, report).run(files)
    except Exception as exc:  # the last line of defence: a bug of ours must still end in a report
        report.findings.append(_internal("", exc))
    order = {source.name: index for index, source in enumerate(files) if isinstance(source, SourceFile)}
    report.findings.sort(key=lambda finding: (order.get(finding.file, len(order)), finding.line or 0))
    return report


class _Validation:
    def __init__(self, ctx: ValidationContext, report: ValidationReport) -> None:
        self.ctx = ctx
        self.report = report

    def add(
        self,
        severity: Severity,
        code: str,
        message: str,
        file: str,
        line: int | None = None,
        element_id: str | None = None,
    ) -> None:
        self.report.findings.append(Finding(severity, code, message, file, line, element_id))

    def run(self, files: list[SourceFile]) -> None:
        if not files:
            self.add(Severity.ERROR, "bundle.empty", "No file was uploaded. Upload at least one BPMN file.", "")
            return
        documents = self.read(files)
        for document in documents:
            self.guarded(document.name, self.check_schema, document)
        runnable = [document for document in documents if self.executable(document)]
        if not runnable:
            return
        bundle = parse_documents(runnable)
        for problem in bundle.problems:
            self.report_parse_problem(problem, bundle)
        self.report.process_ids = list(bundle.process_ids)
        for document in runnable:  # what the engine will run, beyond the parse (structure.py)
            self.guarded(document.name, self.check_structure, document, runnable)
        self.guarded("", self.check_decision_cells, bundle, runnable)
        for process_id in bundle.parsed_process_ids:
            holder, process = _find_process(runnable, process_id)
            if holder is not None and process is not None:
                self.guarded(holder.name, self.check_rules, holder, process, bundle)

    def read(self, files: list[SourceFile]) -> list[XmlDocument]:
        documents, seen = [], set()
        for source in files:
            name = getattr(source, "name", "")
            if name in seen:
                self.add(
                    Severity.ERROR,
                    "file.duplicate_name",
                    f'Two uploaded files are named "{name}". Rename one of them.',
                    name,
                )
                continue
            seen.add(name)
            try:
                documents.append(load_document(source, self.ctx.max_bytes))
            except XmlRejected as rejected:
                self.add(Severity.ERROR, rejected.code, rejected.message, rejected.file, rejected.line)
            except Exception as exc:
                self.report.findings.append(_internal(name, exc))
        return documents

    def guarded(self, file_name: str, step: Any, *args: Any) -> None:
        try:
            step(*args)
        except Exception as exc:
            self.report.findings.append(_internal(file_name, exc))

    def check_schema(self, document: XmlDocument) -> None:
        code, standard = ("bpmn.xsd", "BPMN 2.0") if document.kind is DocumentKind.BPMN else ("dmn.xsd", "DMN")
        for problem in xsd_findings(document.root, document.name):
            self.add(
                Severity.WARNING,
                code,
                f"The file does not follow the {standard} schema: {problem.message.rstrip('.')}. The engine "
                "may still read it; if the diagram misbehaves, re-export it from the modeler.",
                document.name,
                problem.line,
                _id_near_line(document, problem.line),
            )

    def executable(self, document: XmlDocument) -> bool:
        if document.kind is DocumentKind.DMN:
            return True
        processes = list(document.root.iterchildren(_PROCESS_TAG))
        executable = [process for process in processes if is_executable(process)]
        for process in executable:
            if not process.get("id"):
                self.add(
                    Severity.ERROR,
                    "process.no_id",
                    "The executable process has no id, so it cannot be started. Give the process an id.",
                    document.name,
                    process.sourceline,
                )
        if any(process.get("id") for process in executable):
            return True
        if executable:
            return False
        if processes:
            first = processes[0]
            self.add(
                Severity.ERROR,
                "process.not_executable",
                f"No process in this file is marked executable ({len(processes)} found), so nothing could "
                'run. In the modeler, tick "Executable" on the process to run (isExecutable="true").',
                document.name,
                first.sourceline,
                first.get("id"),
            )
        else:
            self.add(
                Severity.ERROR,
                "process.not_executable",
                "The file contains no process, only other definitions, so nothing could run. "
                "Upload the file that holds the process.",
                document.name,
                document.root.sourceline,
                document.root.get("id"),
            )
        return False

    def report_parse_problem(self, problem: ParseProblem, bundle: ParsedBundle) -> None:
        document = next((doc for doc in bundle.documents if doc.name == problem.file), None)
        element = document.element(problem.element_id) if document is not None else None
        what = describe(element) if element is not None else None
        line = problem.line
        if line is None and document is not None:
            line = document.root.sourceline  # no element to point at: the whole file
        if problem.kind is ProblemKind.DECISION_MISSING:
            available = ", ".join(sorted(bundle.decision_ids)) or "none"
            if problem.target in (None, "", "None"):
                message = (
                    f"The {what or 'business rule task'} names no decision. Set "
                    "spiffworkflow:calledDecisionId to the id of a decision in an uploaded DMN file; "
                    f"available decisions: {available}."
                )
            else:
                message = (
                    f'The {what or "business rule task"} calls the decision "{problem.target}", which no '
                    "uploaded DMN file defines. Upload its DMN file with this one, or correct the decision "
                    f"id; available decisions: {available}."
                )
            code = "dmn.missing"
        elif problem.kind is ProblemKind.CALLED_PROCESS_MISSING:
            code = "call_activity.missing"
            message = (
                f'The {what or "call activity"} calls the process "{problem.target}", which none of the '
                "uploaded files defines. Upload the file holding that process with this one, or correct "
                "calledElement."
            )
        elif problem.kind is ProblemKind.CALLED_PROCESS_NOT_EXECUTABLE:
            code = "call_activity.not_executable"
            message = (
                f'The {what or "call activity"} calls the process "{problem.target}", which is not marked '
                'executable. Set isExecutable="true" on that process.'
            )
        elif problem.kind is ProblemKind.DEPRECATED:
            self.add(
                Severity.WARNING,
                "bpmn.deprecated",
                f"{problem.message.rstrip('.')}. Update the diagram in the modeler.",
                problem.file,
                line,
                problem.element_id,
            )
            return
        else:
            is_dmn = document is not None and document.kind is DocumentKind.DMN
            code = "dmn.parse" if is_dmn else "bpmn.parse"
            hint = next((hint for start, hint in _PARSE_HINTS if start in problem.message), _DEFAULT_HINT)
            where = f"The {what} cannot be read" if what else "The engine cannot read this file"
            message = f"{where}: {problem.message.strip().rstrip('.')}. {hint}"
        self.add(Severity.ERROR, code, message, problem.file, line, problem.element_id)

    def check_decision_cells(self, bundle: ParsedBundle, runnable: list[XmlDocument]) -> None:
        self.report.findings.extend(check_decision_cells(bundle, runnable, self.ctx.check_expression))

    def check_structure(self, document: XmlDocument, runnable: list[XmlDocument]) -> None:
        self.report.findings.extend(check_structure(document, runnable))

    def check_rules(self, document: XmlDocument, process: etree._Element, bundle: ParsedBundle) -> None:
        self.report.findings.extend(check_process(document, process, self.ctx, bundle.decision_ids))


def _find_process(documents: list[XmlDocument], process_id: str) -> tuple[XmlDocument | None, Any]:
    for document in documents:
        for process in document.root.iterchildren(_PROCESS_TAG):
            if process.get("id") == process_id:
                return document, process
    return None, None


def _id_near_line(document: XmlDocument, line: int | None) -> str | None:
    """Return the id of the element starting on that line, or of its nearest ancestor that has one."""
    if line is None:
        return None
    element = next((el for el in document.root.iter(etree.Element) if el.sourceline == line), None)
    while element is not None and not element.get("id"):
        element = element.getparent()
    return element.get("id") if element is not None else None


def _internal(file_name: str, exc: Exception) -> Finding:
    return Finding(
        Severity.ERROR,
        "validation.internal",
        f"The validator failed on this file ({type(exc).__name__}: {exc}). The file cannot be accepted until "
        "this is fixed; please report it to the platform team with the file attached.",
        file_name,
    )
