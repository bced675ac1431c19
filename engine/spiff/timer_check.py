"""Say plainly when a timer expression gives something SpiffWorkflow cannot schedule.

SpiffWorkflow parses the value of a timer expression after the expression ran, outside of any task
context: a number or a malformed duration raised a bare ``AttributeError``/``ValueError`` with no
element, which became an incident nobody could place. We parse it first, the same way, and raise on
the timer's task with a message a process owner can act on.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)

_EXPECTED = {
    TimeDateEventDefinition: "a date and time (for example '2026-05-01T09:00:00+00:00' or a date helper)",
    DurationTimerEventDefinition: 'an ISO 8601 duration in quotes (for example "P3D" or "PT2H")',
    CycleTimerEventDefinition: 'an ISO 8601 repetition in quotes (for example "R3/PT1H")',
}


def timer_value_problem(definition: Any, value: Any) -> str | None:
    """Return why SpiffWorkflow could not schedule ``value`` for ``definition``, or None."""
    expected = next((text for cls, text in _EXPECTED.items() if isinstance(definition, cls)), None)
    if expected is None:
        return None
    try:
        if not isinstance(value, str):
            raise TypeError
        if isinstance(definition, TimeDateEventDefinition):
            TimerEventDefinition.parse_time_or_duration(value)
        elif isinstance(definition, DurationTimerEventDefinition):
            TimerEventDefinition.get_timedelta_from_start(TimerEventDefinition.parse_iso_duration(value))
        else:
            TimerEventDefinition.parse_iso_recurring_interval(value)
    except Exception:  # noqa: BLE001 - any failure of SpiffWorkflow's parser means the same thing here
        shown = repr(value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        return f"the timer expression gives {shown}; it must give {expected}"
    return None
