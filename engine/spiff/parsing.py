"""Parse BPMN and DMN bundles with SpiffWorkflow and check them against the schemas it ships.

The only module of the definitions work that imports SpiffWorkflow. It knows SpiffWorkflow's quirks (lazy
parsing, exceptions without line numbers, half-built specs after a failure) and hands back plain data:
`ParseProblem` and `SchemaProblem` records that carry file, line and element id. It never chooses our
finding codes or wording; `engine.definitions.validation` does.

Input is `XmlDocument`s from `engine.definitions.xml_safety` (already parsed with the safe parser), or raw
`SourceFile`s through `parse_bundle`, which parses them safely first. Nothing is ever read from disk or the
network, and SpiffWorkflow never sees a string it would decode itself.
"""

from __future__ import annotations

import copy
import functools
import re
import threading
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.dmn.parser.BpmnDmnParser import SCHEMAS as DMN_SCHEMAS
from SpiffWorkflow.spiff.parser.process import VALIDATOR as BPMN_VALIDATOR
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.definitions.xml_safety import (
    BPMN_MODEL_NS,
    DEFAULT_MAX_BYTES,
    DocumentKind,
    SourceFile,
    XmlDocument,
    load_document,
)

_PROCESS_TAG = f"{{{BPMN_MODEL_NS}}}process"
_MISSING_DECISION = re.compile(r'No DMN Diagram available with id "(.*?)"')
_MISSING_DATA_STORE = re.compile(r"Data Store with name (.*) has no implementation", re.DOTALL)
_SHORT_PREFIXES = {
    BPMN_MODEL_NS: "bpmn:",
    "http://www.omg.org/spec/BPMN/20100524/DI": "bpmndi:",
    "http://www.omg.org/spec/DD/20100524/DC": "dc:",
    "http://www.omg.org/spec/DD/20100524/DI": "di:",
    "http://spiffworkflow.org/bpmn/schema/1.0/core": "spiffworkflow:",
} | {namespace: "dmn:" for namespace in DMN_SCHEMAS}
# Names of the task specs SpiffWorkflow 3.2 adds itself (bpmn_process_spec.py, ProcessParser, TaskParser).
_RESERVED_IDS = frozenset({"Start", "End", "Root", "StartEventSplit", "StartEventJoin"})
_RESERVED_SUFFIXES = (".EndJoin", ".BoundaryEventSplit", ".BoundaryEventJoin", " [child]")
# lxml's XMLSchema keeps its error log on the schema object: one validation at a time per process.
_XSD_LOCK = threading.Lock()


class ProblemKind(StrEnum):
    PARSE = "parse"
    DECISION_MISSING = "decision_missing"
    CALLED_PROCESS_MISSING = "called_process_missing"
    CALLED_PROCESS_NOT_EXECUTABLE = "called_process_not_executable"
    DEPRECATED = "deprecated"


@dataclass(frozen=True)
class ParseProblem:
    """Something SpiffWorkflow refused (or warned about), located as well as it can be."""

    kind: ProblemKind
    message: str
    file: str
    line: int | None = None
    element_id: str | None = None
    element_tag: str | None = None
    element_name: str | None = None
    target: str | None = None  # the missing decision or called process, for those kinds


@dataclass(frozen=True)
class SchemaProblem:
    """One XSD violation, or a summary of the violations not listed."""

    message: str
    file: str
    line: int | None


class BundleError(Exception):
    """A process was asked for that did not parse cleanly in this bundle."""


@dataclass
class ParsedBundle:
    """All BPMN and DMN files of one upload, held by one SpiffWorkflow parser.

    `process_ids` are the top-level executable processes (isExecutable="true" or, as SpiffWorkflow reads it,
    missing), in file order;
    `parsed_process_ids` those among them whose own spec, embedded sub-processes included, parsed.
    """

    parser: Any
    documents: list[XmlDocument]
    problems: list[ParseProblem] = field(default_factory=list)
    process_ids: list[str] = field(default_factory=list)
    parsed_process_ids: list[str] = field(default_factory=list)
    decision_ids: list[str] = field(default_factory=list)
    failed_spec_ids: set[str] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return all(problem.kind is ProblemKind.DEPRECATED for problem in self.problems)

    def get_spec(self, process_id: str) -> Any:
        """Return the BpmnProcessSpec of a process that parsed cleanly."""
        self._require(process_id)
        return self.parser.get_spec(process_id)

    def get_subprocess_specs(self, process_id: str) -> dict[str, Any]:
        """Return the specs of every sub-process and called process the process needs, by id."""
        self._require(process_id)
        try:
            specs = dict(self.parser.get_subprocess_specs(process_id))
        except Exception as exc:
            raise BundleError(f"Process {process_id!r} needs a process that is missing: {exc}") from exc
        broken = sorted(set(specs) & self.failed_spec_ids)
        if broken:
            raise BundleError(f"Process {process_id!r} needs processes that did not parse: {broken}")
        return specs

    def _require(self, process_id: str) -> None:
        if process_id not in self.parsed_process_ids:
            raise BundleError(f"Process {process_id!r} is not an executable process that parsed in this bundle.")


def parse_bundle(files: Sequence[SourceFile], max_bytes: int = DEFAULT_MAX_BYTES) -> ParsedBundle:
    """Parse uploaded files safely and hand all of them to one SpiffWorkflow parser.

    Raises `XmlRejected` for the first file that is not safe, well-formed BPMN or DMN; SpiffWorkflow's own
    complaints end up in `ParsedBundle.problems`. Validate with `validate_files` first to learn everything.
    """
    return parse_documents([load_document(source, max_bytes) for source in files])


def parse_documents(documents: Sequence[XmlDocument]) -> ParsedBundle:
    """Hand safely parsed documents to one SpiffWorkflow parser and parse every executable process.

    Never raises on account of the documents: every failure becomes a `ParseProblem`.
    """
    return _BundleBuilder(list(documents)).build()


def xsd_findings(tree: etree._Element | etree._ElementTree, file_name: str, limit: int = 50) -> list[SchemaProblem]:
    """Validate a BPMN or DMN document against the OMG schema SpiffWorkflow ships; list every violation."""
    root = tree.getroot() if isinstance(tree, etree._ElementTree) else tree
    namespace = etree.QName(root).namespace
    if namespace == BPMN_MODEL_NS:
        validator = BPMN_VALIDATOR
    elif namespace in DMN_SCHEMAS:
        validator = _dmn_validator(namespace)
    else:
        return []
    # Work on a copy: SpiffWorkflow's preprocessing renames elements in place.
    work = copy.deepcopy(root)
    validator.preprocess(work)
    with _XSD_LOCK:
        validator.validator.validate(work)
        errors = [(entry.message, entry.line) for entry in validator.validator.error_log]
    problems = [SchemaProblem(_shorten(message), file_name, line or None) for message, line in errors[:limit]]
    if len(errors) > limit:
        problems.append(
            SchemaProblem(
                f"{len(errors) - limit} more schema problems are not listed.",
                file_name,
                errors[limit][1] or None,
            )
        )
    return problems


def is_reserved_id(element_id: str) -> bool:
    """Tell whether SpiffWorkflow uses this id for a task of its own.

    A BPMN element with such an id is silently replaced by the engine's task: a start event with the id
    "Start" parses without complaint and leaves a process that cannot start.
    """
    return element_id in _RESERVED_IDS or element_id.endswith(_RESERVED_SUFFIXES)


def timer_value_problem(kind: str, value: str) -> str | None:
    """Say what is wrong with a timer's evaluated value (for timeDate, timeDuration, timeCycle), or None."""
    try:
        if kind == "timeDuration":
            if not TimerEventDefinition.parse_iso_duration(value):
                return "the duration has no length"
        elif kind == "timeCycle":
            TimerEventDefinition.parse_iso_recurring_interval(value)
        else:
            TimerEventDefinition.parse_time_or_duration(value)
    except Exception as exc:
        return str(exc) or type(exc).__name__
    return None


_LXML_ELEMENT = re.compile(r"<Element [^>]*? at 0x[0-9a-fA-F]+>")
_WRAPPED_PYTHON_ERROR = re.compile(r"^([A-Z]\w*(?:Error|Exception))\((.*)\)$", re.DOTALL)
_UNRESOLVED_ASSOCIATION = re.compile(r"Cannot resolve data(Input|Output)Association")


def readable_parse_error(exc: BaseException, message: str) -> str:
    """Say what SpiffWorkflow's parse failure means, without Python's own words (class names, reprs, addresses).

    SpiffWorkflow 3.2 raises its `ValidationException` for most problems, but some of its messages carry an
    lxml element's repr, and a few of its failures are plain Python errors (a `TypeError` from its own
    error reporting when an event names an undefined message, a `NotImplementedError` with the raw XML of
    an unsupported event, a `KeyError` naming a missing attribute).
    """
    if isinstance(exc, ValidationException):
        wrapped = _WRAPPED_PYTHON_ERROR.match(message.strip())
        if wrapped:  # SpiffWorkflow wrapped a Python error's repr: read it as that error
            name, detail = wrapped.groups()
            if name == "KeyError":
                return f"An attribute the engine needs is missing: {detail.strip()}"
            return "The engine could not read this element (it is missing something the engine expects)"
        found = _UNRESOLVED_ASSOCIATION.search(message)
        if found:
            return (
                f"A data {found.group(1).lower()} association refers to a data object or data store that this "
                "process does not define"
            )
        if message.startswith("Multiple outgoing flows are not supported"):
            return "Multiple outgoing flows are not supported on this kind of element"
        return " ".join(_LXML_ELEMENT.sub("(an element)", message).split())
    if isinstance(exc, TypeError) and "raise_validation_exception" in message:
        return "Expected a definition: the event refers to a message, signal, error or escalation that is not defined"
    if isinstance(exc, NotImplementedError):
        kind = message.split(":")[0].strip().removeprefix("Unsupported ").lower() if ":" in message else ""
        kind = kind if kind and len(kind) < 60 and "%" not in kind else "kind of element"
        return f"This {kind} is not supported by the engine"
    if isinstance(exc, KeyError):
        return f"An attribute the engine needs is missing: {message.strip(chr(39))!r}"
    return "The engine could not read this element (it is missing something the engine expects)"


@functools.cache
def _dmn_validator(namespace: str) -> Any:
    return BpmnValidator(DMN_SCHEMAS[namespace])


def _shorten(message: str) -> str:
    for namespace, prefix in _SHORT_PREFIXES.items():
        message = message.replace(f"{{{namespace}}}", prefix)
    return message if len(message) <= 400 else message[:397] + "..."


class _BundleBuilder:
    def __init__(self, documents: list[XmlDocument]) -> None:
        self.documents = documents
        self.by_name = {document.name: document for document in documents}
        self.parser = SpiffBpmnParser()  # no validator: schema problems are reported apart, as warnings
        self.problems: list[ParseProblem] = []
        self.failed_parsers: set[str] = set()
        self.failed_roots: set[str] = set()

    def build(self) -> ParsedBundle:
        added: list[XmlDocument] = []
        for document in self.documents:
            if self._add(document):
                added.append(document)
        decision_ids = self._parse_decisions()
        process_ids = [
            process.get("id")
            for document in added
            if document.kind is DocumentKind.BPMN
            for process in document.root.iterchildren(_PROCESS_TAG)
            # As SpiffWorkflow's ProcessParser reads it: a missing isExecutable means executable.
            if process.get("isExecutable", "true") == "true" and process.get("id")
        ]
        for process_id in process_ids:
            self._parse_process(process_id)
        return ParsedBundle(
            parser=self.parser,
            documents=self.documents,
            problems=self.problems,
            process_ids=process_ids,
            parsed_process_ids=[pid for pid in process_ids if pid not in self.failed_roots],
            decision_ids=decision_ids,
            failed_spec_ids=set(self.failed_parsers),
        )

    def _add(self, document: XmlDocument) -> bool:
        if document.kind is DocumentKind.DMN:
            if document.root.prefix not in (None, "dmn"):
                # SpiffWorkflow looks DMN elements up under the default namespace or the "dmn" prefix only.
                self._problem(
                    ProblemKind.PARSE,
                    f'The DMN file uses the namespace prefix "{document.root.prefix}:"; save it with the '
                    'default namespace or the "dmn:" prefix.',
                    document.name,
                )
                return False
            decisions = document.root.findall(f"{{{etree.QName(document.root).namespace}}}decision")
            if not decisions:
                self._problem(ProblemKind.PARSE, "The DMN file contains no decision.", document.name)
                return False
            known = self.parser.dmn_parsers.get(decisions[0].get("id"))
            if known is not None:
                self._problem(
                    ProblemKind.PARSE,
                    f'Decision id "{decisions[0].get("id")}" is also defined in {known.filename}.',
                    document.name,
                    element_id=decisions[0].get("id"),
                )
                return False
        with self._capture(document.name, None):
            try:
                if document.kind is DocumentKind.DMN:
                    self.parser.add_dmn_xml(document.root, filename=document.name)
                else:
                    self.parser.add_bpmn_xml(document.root, filename=document.name)
                return True
            except Exception as exc:
                self._record(exc, document.name, None)
        return False

    def _parse_decisions(self) -> list[str]:
        decision_ids = []
        for decision_id, dmn_parser in list(self.parser.dmn_parsers.items()):
            with self._capture(dmn_parser.filename, decision_id):
                try:
                    dmn_parser.parse()
                    decision_ids.append(decision_id)
                except Exception as exc:
                    self._record(exc, dmn_parser.filename, decision_id)
        return decision_ids

    def _parse_process(self, root_id: str) -> None:
        pending, seen = [root_id], set()
        while pending:
            spec_id = pending.pop()
            if spec_id in seen:
                continue
            seen.add(spec_id)
            process_parser = self.parser.get_process_parser(spec_id)
            if process_parser is None or spec_id in self.failed_parsers:
                continue
            with self._capture(process_parser.filename, spec_id):
                try:
                    spec = self.parser.get_spec(spec_id)
                except Exception as exc:
                    self._record(exc, process_parser.filename, spec_id)
                    # A failed parser keeps a half-built spec: never hand it out.
                    self.failed_parsers.add(spec_id)
                    self.failed_roots.add(self._root_of(process_parser))
                    continue
            for task_spec in list(spec.task_specs.values()):
                if isinstance(task_spec, SubWorkflowTask) and task_spec.spec not in seen:
                    self._follow(task_spec, process_parser.filename, pending)

    def _follow(self, task_spec: Any, file_name: str, pending: list[str]) -> None:
        target = self.parser.get_process_parser(task_spec.spec)
        if target is None:
            self._problem(
                ProblemKind.CALLED_PROCESS_MISSING,
                f"The called process '{task_spec.spec}' was not found.",
                file_name,
                element_id=task_spec.bpmn_id,
                element_name=task_spec.bpmn_name,
                target=task_spec.spec,
            )
        elif not target.process_executable:
            self._problem(
                ProblemKind.CALLED_PROCESS_NOT_EXECUTABLE,
                f"The called process '{task_spec.spec}' is not executable.",
                file_name,
                element_id=task_spec.bpmn_id,
                element_name=task_spec.bpmn_name,
                target=task_spec.spec,
            )
        else:
            pending.append(task_spec.spec)

    def _root_of(self, process_parser: Any) -> str:
        node = process_parser.node
        while node is not None and node.tag != _PROCESS_TAG:
            node = node.getparent()
        return str((node if node is not None else process_parser.node).get("id"))

    @contextmanager
    def _capture(self, file_name: str, element_id: str | None) -> Iterator[None]:
        # SpiffWorkflow warns about deprecated constructs; those belong in the report, not on stderr.
        # catch_warnings is process-wide state, so parallel validations may swap each other's warnings.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
        for warning in caught:
            self._problem(ProblemKind.DEPRECATED, str(warning.message), file_name, element_id=element_id)

    def _record(self, exc: Exception, file_name: str, fallback_id: str | None) -> None:
        message = str(exc.args[0]) if exc.args else type(exc).__name__
        element_id, tag, name = fallback_id, None, None
        if isinstance(exc, ValidationException):
            file_name = exc.file_name or file_name
            element_id = exc.id or fallback_id
            tag, name = exc.tag or None, exc.name or None
        kind, target = ProblemKind.PARSE, None
        if match := _MISSING_DECISION.search(message):
            kind, target = ProblemKind.DECISION_MISSING, match.group(1)
        elif (match := _MISSING_DATA_STORE.search(message)) and element_id is None:
            element_id = self._data_store_id(file_name, match.group(1))
            message = readable_parse_error(exc, message)
        elif message.startswith("Data Store name is missing") and element_id is None:
            element_id = self._data_store_id(file_name, None)  # the first data store without a name
            message = readable_parse_error(exc, message)
        else:
            message = readable_parse_error(exc, message)
        self._problem(
            kind,
            _shorten(message),
            file_name,
            element_id=element_id,
            element_tag=tag,
            element_name=name,
            target=target,
        )

    def _data_store_id(self, file_name: str, store_name: str | None) -> str | None:
        document = self.by_name.get(file_name)
        if document is None:
            return None
        for store in document.root.iter(f"{{{BPMN_MODEL_NS}}}dataStore"):
            if store.get("name") == store_name:
                return store.get("id")
        return None

    def _problem(self, kind: ProblemKind, message: str, file_name: str, **where: Any) -> None:
        element_id = where.get("element_id")
        document = self._document_holding(file_name, element_id)
        if document is not None:
            file_name = document.name
        line = document.line_of(element_id) if document is not None else None
        problem = ParseProblem(kind, message, file_name or "", line, **where)
        if problem not in self.problems:
            self.problems.append(problem)

    def _document_holding(self, file_name: str, element_id: str | None) -> XmlDocument | None:
        # SpiffWorkflow leaves the file name empty in some errors (a missing decision): find it by id then.
        named = self.by_name.get(file_name)
        if named is not None and (element_id is None or named.element(element_id) is not None):
            return named
        holders = [document for document in self.documents if document.element(element_id) is not None]
        if len(holders) == 1:
            return holders[0]
        return named


@dataclass(frozen=True)
class DecisionCell:
    """One DMN cell as SpiffWorkflow's DMNEngine will evaluate it (the full expression it builds)."""

    file: str
    decision_id: str
    element_id: str | None  # the input or output entry (its line is in the file)
    row: int
    column: str
    expression: str


def decision_cells(bundle: ParsedBundle) -> list[DecisionCell]:
    """Every expression the decisions of ``bundle`` would evaluate, built the way `DMNEngine` builds them."""
    cells: list[DecisionCell] = []
    for decision_id in bundle.decision_ids:
        dmn_parser = bundle.parser.dmn_parsers.get(decision_id)
        decision = getattr(dmn_parser, "decision", None)
        if decision is None:
            continue
        for table in decision.decisionTables:
            for rule in table.rules:
                for entry in rule.inputEntries:
                    column = entry.input.label or entry.input.name or entry.input.id or "input"
                    input_expr = entry.input.expression or repr(column)
                    for lhs in entry.lhs:
                        if lhs is None or not str(lhs).strip():
                            continue
                        for expression in _input_cell_expressions(input_expr, str(lhs)):
                            cells.append(
                                DecisionCell(
                                    dmn_parser.filename, decision_id, entry.id, rule.row_number, column, expression
                                )
                            )
                for out in rule.outputEntries:
                    if out.text and out.text.strip():
                        column = out.output.label or out.output.name or out.output.id or "output"
                        cells.append(
                            DecisionCell(dmn_parser.filename, decision_id, out.id, rule.row_number, column, out.text)
                        )
    return cells


_QUESTION_MARK = re.compile(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)")


def _input_cell_expressions(input_expr: str, match_expr: str) -> list[str]:
    """Mirror `DMNEngine.evaluate`: '?' stands for the input; otherwise '==' is added when the cell is a value."""
    replaced = _QUESTION_MARK.sub("dmninputexpr", match_expr)
    if "dmninputexpr" in replaced:
        return [input_expr, replaced]
    try:
        compile(match_expr, "<cell>", "eval", dont_inherit=True)
        return [f"({input_expr}) == ({match_expr})"]
    except (SyntaxError, ValueError):
        return [input_expr + match_expr]
