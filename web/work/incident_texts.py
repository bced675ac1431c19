"""What an incident raised by the engine's limits means, in the user's language (the engine's text stays as detail).

Incident messages are written by `engine/` in English with every detail (the element, the limit, the
variable). For the incidents issue 12 added (a snippet stopped by the system, data the database cannot
store, a loop over the step budget, a timer that cannot fire) a supervisor first reads what happened and
what to do, translated; the engine's text follows.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from web.studio.finding_texts import shows_detail_apart

SUMMARIES: tuple[tuple[tuple[str, ...], Any], ...] = (
    (
        ("ran out of time", "the snippet ran more than"),
        _l(
            "A script or expression of this element ran too long and was stopped. Correct the data it works on "
            "(or the diagram), then retry."
        ),
    ),
    (
        ("too much memory", "out of memory"),
        _l("A script or expression of this element used too much memory and was stopped. Correct it, then retry."),
    ),
    (
        ("which the database cannot store", "cannot be stored", "with more than 4,300 digits", "keys must be text"),
        _l(
            "This element left a value in the process data that cannot be saved; nothing after it happened. "
            "Correct the element or the data, then retry."
        ),
    ),
    (
        ("without waiting for a person, a timer or a message",),
        _l(
            "The process kept running a loop without waiting for anyone and was stopped. Give the loop a way out "
            "(or change the data that keeps it going), then retry."
        ),
    ),
    (
        ("the timer could not fire after repeated attempts",),
        _l("This timer could not fire even after several attempts. Once the cause is fixed, retry."),
    ),
    (
        ("the timer expression gives",),
        _l("The timer's expression does not give a date or a duration. Correct the data or the diagram, then retry."),
    ),
)


def incident_summary(message: str | None) -> str | None:
    """The translated meaning of an engine incident, or None when the engine's text is all there is."""
    if not message or not shows_detail_apart():
        return None
    for markers, text in SUMMARIES:
        if any(marker in message for marker in markers):
            return str(text)
    return None
