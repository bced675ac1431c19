"""Task completion cost against case age: our engine next to the naive design, in one run.

Drives one case through N completions of a looping user task through the service layer on a real
database, and the same diagram through the naive design (the whole SpiffWorkflow state, spec
included, serialized to one JSON blob per step, no pruning, no task projection). Prints the median
cost of completions 1-10 against the last ten for both.

    .venv/bin/python bench/engine_age.py                      # SQLite file, 1000 completions
    .venv/bin/python bench/engine_age.py --database-url postgresql+psycopg://postgres@127.0.0.1/bench
    .venv/bin/python bench/engine_age.py --iterations 40      # quick check (what CI runs)
    .venv/bin/python bench/engine_age.py --sandbox in-process # snippets in the caller (before issue 12)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, Table, Text, create_engine, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FIXTURES = ROOT / "tests" / "engine" / "instances" / "fixtures"


def fresh_database(url: str | None, workdir: Path) -> str:
    """A migrated database: the PostgreSQL one at ``url`` dropped and created again, or a new SQLite file."""
    from engine import migrate

    if url is None:
        url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    elif url.startswith("postgresql"):
        parsed = make_url(url)
        admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {parsed.database} WITH (FORCE)")
            conn.exec_driver_sql(f"CREATE DATABASE {parsed.database}")
        admin.dispose()
    migrate.upgrade(url)
    return url


def run_ours(url: str, iterations: int) -> list[float]:
    from engine.accounts.models import User
    from engine.cases.service import BeneficiaryInput, open_case
    from engine.db import make_engine
    from engine.definitions.service import deploy
    from engine.definitions.validation import SourceFile
    from engine.instances.service import start_instance
    from engine.tasks.models import HumanTask, TaskState
    from engine.tasks.service import complete_task
    from forms.registry import FormRegistry, use_registry
    from tests import factories

    use_registry(FormRegistry(FIXTURES / "forms"))
    engine = make_engine(url)
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory.begin() as session:
        source = SourceFile("loop.bpmn", (FIXTURES / "loop.bpmn").read_bytes())
        deploy(session, None, [source])
        worker = factories.user(session, "social_worker", username="bench-sw")
        case = open_case(session, worker, BeneficiaryInput("Bench", "Case"))
        instance_id = start_instance(session, worker, "session_loop", case=case, data={"sessions": 0}).instance.id
    timings = []
    for step in range(iterations):
        started = time.perf_counter()
        with factory.begin() as session:
            user = session.scalar(select(User).where(User.username == "bench-sw"))
            task_id = session.scalar(
                select(HumanTask.id).where(HumanTask.instance_id == instance_id, HumanTask.state == TaskState.OPEN)
            )
            complete_task(session, user, task_id, {"note": f"session {step}", "more": True})
        timings.append(time.perf_counter() - started)
    engine.dispose()
    return timings


def run_naive(url: str, iterations: int) -> list[float]:
    """The design we avoid: one blob with everything, re-read and re-written whole on each step."""
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
    from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
    from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
    from SpiffWorkflow.util.task import TaskState

    from engine.db import make_engine
    from engine.spiff.script_engine import SandboxedScriptEngine

    metadata = MetaData()
    blobs = Table("bench_naive_blobs", metadata, Column("id", Integer, primary_key=True), Column("state", Text))
    engine = make_engine(url)
    metadata.drop_all(engine)
    metadata.create_all(engine)
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(FIXTURES / "loop.bpmn"))
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    workflow = BpmnWorkflow(parser.get_spec("session_loop"), script_engine=SandboxedScriptEngine())
    workflow.task_tree.data["sessions"] = 0
    for child in workflow.task_tree.children:
        child.data["sessions"] = 0
    workflow.do_engine_steps()
    with engine.begin() as conn:
        conn.execute(blobs.insert().values(id=1, state=serializer.serialize_json(workflow)))
    timings = []
    for step in range(iterations):
        started = time.perf_counter()
        with engine.begin() as conn:
            state = conn.execute(select(blobs.c.state).where(blobs.c.id == 1)).scalar_one()
            workflow = serializer.deserialize_json(state)
            workflow.script_engine = SandboxedScriptEngine()
            ready = workflow.get_tasks(state=TaskState.READY, manual=True)
            if not ready:
                # Pitfall 1: past depth 1000 the iterator no longer sees the open task.
                print(f"naive design: no ready task found at completion {step + 1} (iterator depth limit)")
                break
            (task,) = ready
            task.data.update({"note": f"session {step}", "more": True})
            task.run()
            workflow.do_engine_steps()
            conn.execute(update(blobs).where(blobs.c.id == 1).values(state=serializer.serialize_json(workflow)))
        timings.append(time.perf_counter() - started)
    metadata.drop_all(engine)
    engine.dispose()
    return timings


def _median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def report(name: str, timings: list[float]) -> tuple[float, float]:
    first, last = _median_ms(timings[:10]), _median_ms(timings[-10:])
    print(f"{name:<34} {first:>12.2f} {last:>14.2f} {last / first:>9.2f}x")
    return first, last


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iterations", type=int, default=1000)
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temporary folder")
    parser.add_argument(
        "--naive-iterations",
        type=int,
        help="default: --iterations, at most 400 (past about 490 the naive design loses the open task)",
    )
    parser.add_argument(
        "--sandbox",
        choices=("process", "in-process"),
        default="process",
        help="process: snippets run in the pooled, OS-bounded sandbox processes (what production does); "
        "in-process: in the calling thread, as before the pool existed (for comparison only)",
    )
    args = parser.parse_args(argv)
    if args.sandbox == "in-process":
        from engine.sandbox import Sandbox
        from engine.spiff import script_engine

        script_engine.IsolatedSandbox = Sandbox  # type: ignore[misc,assignment] - same constructor
    if args.iterations < 20:
        parser.error("--iterations must be at least 20 (two groups of ten)")
    with tempfile.TemporaryDirectory() as workdir:
        url = fresh_database(args.database_url, Path(workdir))
        runs: list[tuple[str, Callable[[str, int], list[float]], int]] = [
            ("ours (pruned state + projection)", run_ours, args.iterations),
            ("naive (whole state, one blob)", run_naive, args.naive_iterations or min(args.iterations, 400)),
        ]
        print(f"database: {make_url(url).get_backend_name()}, completions: {args.iterations}, sandbox: {args.sandbox}")
        print(f"{'design':<34} {'median 1-10':>12} {'median last 10':>14} {'growth':>10}")
        results = {name: report(name, fn(url, n)) for name, fn, n in runs}
    ours_last = results["ours (pruned state + projection)"][1]
    naive_last = results["naive (whole state, one blob)"][1]
    print(f"last completions: ours {ours_last:.2f} ms vs naive {naive_last:.2f} ms ({naive_last / ours_last:.1f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
