"""Run the engine to its next wait state under a step budget, pruning history as it goes.

``do_engine_steps`` finds ready tasks with SpiffWorkflow's depth-limited iterator. An automatic loop
(script → gateway → script…) grows the task tree by two levels a pass, so after about 500 passes the
iterator no longer sees the ready task and the run stops silently, the instance "running" with a
ready script task nobody will run. And a loop that ends within those 500 passes leaves a tree
hundreds of levels deep. So we prune every ``COMPACT_EVERY`` steps, keep going while the task map
(not the iterator) still holds ready engine tasks, and stop with an incident that names the repeating
elements once a run takes more than the step budget without reaching a wait state (a person, a
timer, a message).

Setting: ``IPD_ENGINE_STEP_BUDGET`` (default 1000) engine steps per run.
"""

from __future__ import annotations

import os
from collections import Counter, deque
from collections.abc import Callable, Iterable
from typing import Any

from SpiffWorkflow.util.task import TaskState

DEFAULT_STEP_BUDGET = 1000
COMPACT_EVERY = 100
_WINDOW = 200


def step_budget() -> int:
    raw = os.environ.get("IPD_ENGINE_STEP_BUDGET", str(DEFAULT_STEP_BUDGET))
    try:
        return max(10, int(raw))
    except ValueError:
        raise ValueError(f"IPD_ENGINE_STEP_BUDGET must be a whole number, got {raw!r}") from None


class StepBudgetExceeded(Exception):
    """A run took more engine steps than its budget without reaching a wait state."""

    def __init__(self, message: str, task_spec: Any, loop: list[str]) -> None:
        super().__init__(message)
        self.task_spec = task_spec  # read by the runner to name the element
        self.loop = loop


def _label(spec: Any) -> str:
    element = getattr(spec, "bpmn_id", None) or spec.name
    name = getattr(spec, "bpmn_name", None)
    return f"{element} ({name})" if name else element


def _loop_of(recent: Iterable[Any]) -> list[Any]:
    """The elements that keep repeating in the last steps, in the order they first ran."""
    specs = list(recent)
    counts = Counter(id(spec) for spec in specs)
    repeated: list[Any] = []
    seen: set[int] = set()
    for spec in specs:
        if counts[id(spec)] > 1 and id(spec) not in seen and getattr(spec, "bpmn_id", None):
            seen.add(id(spec))
            repeated.append(spec)
    return repeated


def ready_engine_tasks(tasks: Iterable[Any]) -> bool:
    """True when some task the engine should run by itself is ready (found in the task map)."""
    return any(task.state == TaskState.READY and not task.task_spec.manual for task in tasks)


def run_engine(
    workflow: Any,
    all_tasks: Callable[[], Iterable[Any]],
    compact: Callable[[], Any],
    *,
    budget: int | None = None,
    on_complete: Callable[[Any], None] | None = None,
) -> int:
    """Run ``workflow`` until nothing automatic is ready; return the number of steps taken."""
    limit = budget or step_budget()
    steps = 0
    recent: deque[Any] = deque(maxlen=_WINDOW)

    def did_complete(task: Any) -> None:
        nonlocal steps
        steps += 1
        recent.append(task.task_spec)
        if on_complete is not None:
            on_complete(task)
        if steps > limit:
            loop = _loop_of(recent)
            names = " → ".join(_label(spec) for spec in loop) or _label(task.task_spec)
            raise StepBudgetExceeded(
                f"the process ran more than {limit:,} steps without waiting for a person, a timer or a message; "
                f"it keeps repeating {names}. Add a way out of this loop (or a wait state in it).",
                loop[0] if loop else task.task_spec,
                [getattr(spec, "bpmn_id", "") for spec in loop],
            )
        if steps % COMPACT_EVERY == 0:
            compact()

    workflow.do_engine_steps(did_complete_task=did_complete)
    while ready_engine_tasks(all_tasks()):  # the iterator lost sight of ready work: prune and go on
        compact()
        before = steps
        workflow.do_engine_steps(did_complete_task=did_complete)
        if steps == before:
            break  # nothing ran: the ready tasks are not reachable by the engine (left for the checks)
    return steps
