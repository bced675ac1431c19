"""What each validation finding means, in the user's language (the engine's own text stays as the detail).

The validator (in `engine/`, which never imports Flask) writes each finding in English with every detail:
the element, the failing line of code, SpiffWorkflow's complaint. A Polish process owner first needs to
know what is wrong and what to do, in Polish: that is said here once per finding code, translated like
every other message of the interface. The element id and line are shown next to it; the engine's English
text follows as the technical detail.
"""

from __future__ import annotations

from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

SUMMARIES: dict[str, Any] = {
    "bundle.empty": _l("No file was uploaded. Upload at least one BPMN file."),
    "file.duplicate_name": _l("Two uploaded files have the same name. Rename one of them."),
    "xml.encoding": _l("The file could not be decoded. Save it as UTF-8 in the modeler and upload it again."),
    "xml.not_well_formed": _l("The file is not readable XML. Export it again from the modeler."),
    "xml.doctype_forbidden": _l(
        "The file contains a DOCTYPE or entity declarations, which are refused for safety. Export it again."
    ),
    "xml.too_large": _l("The file is too large to be accepted."),
    "xml.not_bpmn": _l("The file is neither a BPMN nor a DMN diagram."),
    "bpmn.xsd": _l(
        "The file does not follow the BPMN 2.0 schema. The engine may still read it; if the diagram "
        "misbehaves, export it again from the modeler."
    ),
    "dmn.xsd": _l("The file does not follow the DMN schema. If the decision misbehaves, export it again."),
    "dmn.unsupported_version": _l("This DMN version is not supported. Save the decision as DMN 1.3."),
    "bpmn.parse": _l("The engine cannot read this element. The detail below says what it expects."),
    "dmn.parse": _l("The engine cannot read this decision table. The detail below says what it expects."),
    "bpmn.deprecated": _l("The element uses an outdated construct. Update the diagram in the modeler."),
    "dmn.missing": _l(
        "The business rule task calls a decision that no uploaded DMN file defines. Upload the decision "
        "with the diagram, or correct the decision id."
    ),
    "dmn.cell_invalid": _l(
        "A cell of the decision table is not a valid expression, so the decision would fail while a case "
        "runs. Correct the cell."
    ),
    "call_activity.missing": _l(
        "The call activity calls a process that none of the files defines. Upload it, or correct the called process id."
    ),
    "call_activity.not_executable": _l(
        "The call activity calls a process that is not marked executable. Mark that process executable."
    ),
    "process.no_id": _l("The executable process has no id, so it cannot be started. Give it an id."),
    "process.not_executable": _l(
        "No process in this file is marked executable, so nothing could run. Tick “Executable” on the "
        "process in the modeler."
    ),
    "process.executable_implicit": _l(
        "The process does not say whether it is executable; the engine treats it as executable. Tick "
        "“Executable” in the modeler, or untick it if the diagram only documents a process."
    ),
    "element.reserved_id": _l("The element's id is reserved by the workflow engine. Give it another id."),
    "element.unreachable": _l("No sequence flow reaches this element, so it never runs. Connect it, or delete it."),
    "task.no_lane": _l("The task is in no lane, so nobody would be offered it. Put it in a role's lane."),
    "task.no_actor": _l(
        "Nobody would do this task: a plain task is neither offered to a person nor run by the engine, so "
        "every case would wait here forever. Make it a user task in a role lane, or a script task."
    ),
    "start.no_actor": _l(
        "The process would start only on a message or signal, which nothing on this platform sends. Make it "
        "a plain start event."
    ),
    "message.no_sender": _l(
        "The step waits for a message that no process sends, so every case would wait here forever. Add a "
        "step that sends it, or make this step a user task in a role lane."
    ),
    "lane.unknown_role": _l("The lane is not named after a role of the platform. Rename it to a role."),
    "task.due_invalid": _l("The task's due time is not an ISO 8601 duration such as P14D."),
    "form.key_missing": _l("The user task names no form. Set its formKey property."),
    "form.missing": _l("The form named by the task does not exist. Correct formKey, or add the form."),
    "script.invalid": _l(
        "The script is not allowed or not valid Python. The detail below names the line and the problem."
    ),
    "script.duplicate": _l(
        "The element holds more than one script of the same kind; the engine would run only one of them, "
        "not necessarily the one that was checked. Keep one."
    ),
    "script.prescript_on_script_task": _l(
        "The engine never runs a pre-script on a script task. Move its code to the start of the script."
    ),
    "expression.invalid": _l("The expression is not allowed or not valid Python. The detail names the problem."),
    "expression.duplicate": _l(
        "The sequence flow has more than one condition; the engine would use only one of them. Keep one."
    ),
    "code.nested": _l(
        "Code is nested inside other code elements, so the engine would read something other than what was "
        "checked. Keep only the code, as text."
    ),
    "timer.invalid": _l(
        'The timer\'s value is not a valid date, duration or cycle. Write it in quotes, for example "P14D".'
    ),
    "timer.duplicate": _l(
        "The timer has more than one time specification; the engine would use only one. Keep exactly one."
    ),
    "gateway.no_default": _l(
        "The gateway has conditions but no default flow, so a case could stop here. Mark one flow as default."
    ),
    "loop.no_wait": _l(
        "These elements form a loop with no person, timer or message in it. The engine runs it without "
        "pausing and stops it with an incident after too many steps. Make sure the loop ends."
    ),
    "operation.invalid": _l(
        "The element names an operation that does not exist, does not fit this kind of element, or does not fit "
        "the task's form. The detail lists the operations it can use and the fields that do not match."
    ),
    "operation.missing": _l(
        "The service task names no operation, so it would do nothing. Choose one in its properties."
    ),
    "validation.internal": _l(
        "The validator failed on this file. Report it to the platform team with the file attached."
    ),
}


# What SpiffWorkflow's parse failures mean, by the start of the validator's text (see `_PARSE_HINTS` in
# engine/definitions/validation.py): every failure the OMG MIWG reference models raise has one.
PARSE_SUMMARIES: tuple[tuple[str, Any], ...] = (
    (
        "A Service Task must have an operator",
        _l("The service task names no operation to call. Add one, or model the step as a script task or a user task."),
    ),
    (
        "Data Store",
        _l("Data stores are not supported. Remove the data store and its associations, or use a data object."),
    ),
    ("Exactly one start event is required", _l("The sub-process needs exactly one start event.")),
    ("A SubWorkflow Must contain an End event", _l("The sub-process needs an end event.")),
    ("No start event found", _l("The process has no start event. Add one.")),
    (
        "There is no support implemented",
        _l("The engine does not support this kind of element. Replace it with a supported task, event or gateway."),
    ),
    (
        "is not supported by the engine",
        _l("The engine does not support this kind of element. Replace it with a supported task, event or gateway."),
    ),
    (
        "Multiple outgoing flows are not supported",
        _l("The element has several outgoing flows without a gateway. Add a gateway to split the flow."),
    ),
    (
        "Non-default exclusive outgoing",
        _l(
            "A flow leaving the gateway has no condition and is not the default. Give it a condition or make it the "
            "default flow."
        ),
    ),
    (
        "A multiinstance task must specify",
        _l("The multi-instance marker needs a loop cardinality or an input collection."),
    ),
    ("A loopMaximum or loopCondition", _l("The loop marker needs a loop condition or a maximum.")),
    ("Duplicate process ID", _l("Process ids must be unique across all uploaded files. Rename one of them.")),
    (
        "Time Specification Error",
        _l('The timer needs exactly one timeDate, timeDuration or timeCycle, such as "P14D" with the quotes.'),
    ),
    (
        "An attribute the engine needs is missing",
        _l("An attribute the engine needs is missing (its name is in the detail). Check the element's properties."),
    ),
    (
        "Expected a",
        _l(
            "The event refers to a message, signal, error or escalation the file does not define. Define it, or "
            "correct the reference."
        ),
    ),
    (
        "association refers to a data object",
        _l("A data association refers to a data object the process does not define. Correct or delete it."),
    ),
    (
        "The engine could not read this element",
        _l("The engine could not read this element: something it expects is missing. Check it in the modeler."),
    ),
)


def parse_summary(message: str) -> str | None:
    """The meaning of one of SpiffWorkflow's parse failures in the user's language, when it is a known one."""
    return next((str(text) for start, text in PARSE_SUMMARIES if start in message), None)


def summary(code: str, message: str = "") -> str | None:
    """The finding's meaning in the user's language, or None when the engine's text is all there is."""
    if code in ("bpmn.parse", "dmn.parse"):
        specific = parse_summary(message)
        if specific is not None:
            return specific
    text = SUMMARIES.get(code)
    return str(text) if text is not None else None


def shows_detail_apart() -> bool:
    """Outside English the engine's English text is a detail under the translated summary."""
    locale = get_locale()
    return locale is not None and locale.language != "en"


def finding_dict(finding: dict[str, Any]) -> dict[str, Any]:
    """A finding of a report's ``to_dict()`` with its translated ``summary`` added."""
    text = summary(str(finding.get("code")), str(finding.get("message") or "")) if shows_detail_apart() else None
    return finding | {"summary": text}
