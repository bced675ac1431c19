"""What running snippets in the OS-bounded sandbox processes costs per engine step.

Three figures, each the median of many repetitions, in-process sandbox (as before issue 12) next to the
pooled sandbox processes (what the engine uses now):

- one trivial script (``sessions = sessions + 1``) on typical task data;
- one trivial gateway condition (``more``);
- one SpiffWorkflow pass of the loop fixture (user task completed, script task, gateway: what a
  completion asks of the engine, without the database).

    .venv/bin/python bench/sandbox_step.py                 # 2000 repetitions
    .venv/bin/python bench/sandbox_step.py --repeat 200    # quick check
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FIXTURES = ROOT / "tests" / "engine" / "instances" / "fixtures"
DATA = {"case_id": 1234, "case_number": "LUB/2026/0001", "sessions": 7, "more": True, "note": "session 7"}


def _median_us(fn: Callable[[], object], repeat: int) -> float:
    for _ in range(min(50, repeat)):
        fn()  # warm-up: start the processes, fill the compile caches
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1e6


def _engine_pass(sandbox_factory: type) -> Callable[[], object]:
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
    from SpiffWorkflow.util.task import TaskState

    from engine.spiff import script_engine

    script_engine.IsolatedSandbox = sandbox_factory  # type: ignore[misc] - same constructor
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(FIXTURES / "loop.bpmn"))
    spec = parser.get_spec("session_loop")
    workflow = BpmnWorkflow(spec, script_engine=script_engine.SandboxedScriptEngine())
    for task in [workflow.task_tree, *workflow.task_tree.children]:
        task.data["sessions"] = 0
    workflow.do_engine_steps()

    def one_pass() -> None:
        nonlocal workflow
        ready = workflow.get_tasks(state=TaskState.READY, manual=True)
        if not ready:  # keep the tree small: start over rather than measure tree growth
            workflow = BpmnWorkflow(spec, script_engine=script_engine.SandboxedScriptEngine())
            for task in [workflow.task_tree, *workflow.task_tree.children]:
                task.data["sessions"] = 0
            workflow.do_engine_steps()
            ready = workflow.get_tasks(state=TaskState.READY, manual=True)
        (task,) = ready
        task.data.update({"note": "x", "more": workflow.task_tree.data.get("sessions", 0) < 50})
        task.run()
        workflow.do_engine_steps()

    return one_pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args(argv)

    from engine.sandbox import Sandbox
    from engine.sandbox.pool import IsolatedSandbox, shared_pool

    shared_pool().warm(1)
    rows = []
    for label, factory in (("in-process", Sandbox), ("process pool", IsolatedSandbox)):
        sandbox = factory()
        script = _median_us(lambda s=sandbox: s.execute("sessions = sessions + 1", dict(DATA)), args.repeat)
        condition = _median_us(lambda s=sandbox: s.evaluate("more", DATA), args.repeat)
        engine_pass = _median_us(_engine_pass(factory), max(20, args.repeat // 4))
        rows.append((label, script, condition, engine_pass))
    print(f"{'sandbox':<14} {'script µs':>10} {'condition µs':>13} {'engine pass µs':>15}")
    for label, script, condition, engine_pass in rows:
        print(f"{label:<14} {script:>10.0f} {condition:>13.0f} {engine_pass:>15.0f}")
    base, pooled = rows
    print(f"added per engine pass (script + condition + completion): {pooled[3] - base[3]:.0f} µs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
