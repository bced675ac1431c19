"""Real worker processes: Celery on Redis, the embedded SQLite broker with beat, and ``ipd serve``."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TypeVar
from uuid import uuid4

import pytest
from celery import Celery
from sqlalchemy import select

import engine.jobs.tasks  # noqa: F401 - registers the shared tasks with the client app below
from engine import migrate
from engine.config import Settings
from engine.db import make_engine
from engine.jobs.models import WorkerHeartbeat
from engine.jobs.tasks import SCHEDULER_HEARTBEAT

pytestmark = pytest.mark.slow

PROJECT_ROOT = Path(__file__).resolve().parents[2]
REDIS_HOST, REDIS_PORT, REDIS_DB = "127.0.0.1", 6379, 14
T = TypeVar("T")


# -- helpers -----------------------------------------------------------------------------------


def migrated_database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    migrate.upgrade(url)
    return url


def worker_env(tmp_path: Path, database_url: str, **extra: str) -> dict[str, str]:
    """This process's environment without our settings, plus the test's."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("IPD_")}
    env.update(IPD_ENV="testing", IPD_INSTANCE_PATH=str(tmp_path / "instance"), IPD_DATABASE_URL=database_url)
    env.update(extra)
    return env


@contextmanager
def running(command: list[str], env: Mapping[str, str], log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Start ``command`` (output to ``log_path``) and always stop it, with its children, at the end."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            env=dict(env),
            # Where a developer runs it; `-A web.worker` then imports from the tree, however it is installed.
            cwd=PROJECT_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield process
        finally:
            stop(process)


def stop(process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
            return
        except subprocess.TimeoutExpired:
            pass
    # Whatever it left behind in its process group (prefork children) goes too.
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)


def log_tail(log_path: Path, lines: int = 40) -> str:
    return "\n".join(log_path.read_text(errors="replace").splitlines()[-lines:])


def wait_for(
    probe: Callable[[], T | None],
    *,
    timeout: float,
    process: subprocess.Popen[bytes],
    log_path: Path,
    what: str,
) -> T:
    """Poll ``probe`` until it returns something; fail early when the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value is not None:
            return value
        if process.poll() is not None:
            pytest.fail(f"process exited ({process.returncode}) before {what}:\n{log_tail(log_path)}")
        time.sleep(0.25)
    pytest.fail(f"no {what} within {timeout} s:\n{log_tail(log_path)}")


def heartbeat_at(database_url: str) -> Any:
    db = make_engine(database_url)
    try:
        with db.connect() as conn:
            return conn.scalar(select(WorkerHeartbeat.last_seen_at).where(WorkerHeartbeat.name == SCHEDULER_HEARTBEAT))
    finally:
        db.dispose()


def celery_worker_command(*options: str) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "web.worker", "worker", "--loglevel", "INFO", *options]


def redis_answers() -> bool:
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def is_running(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie (Linux)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- tests -------------------------------------------------------------------------------------


def test_tasks_run_in_a_real_worker_on_redis(tmp_path):
    if not redis_answers():
        pytest.skip(f"Redis does not answer on {REDIS_HOST}:{REDIS_PORT}")
    from web.celery_app import celery_config

    redis_url = f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}"
    queue = f"ipd-test-{uuid4().hex}"  # parallel runs never take each other's messages
    database_url = migrated_database(tmp_path)
    settings = Settings(
        env="testing",
        instance_path=tmp_path / "instance",
        database_url=database_url,
        broker_url=redis_url,
        result_backend=redis_url,
    ).resolved()
    client = Celery("ipd-test-client", set_as_current=False)
    client.config_from_object(celery_config(settings))
    env = worker_env(tmp_path, database_url, IPD_BROKER_URL=redis_url, IPD_RESULT_BACKEND=redis_url)
    command = celery_worker_command(
        "--pool", "solo", "--queues", queue, "--hostname", f"{queue}@%h",
        "--without-mingle", "--without-gossip", "--without-heartbeat",
    )  # fmt: skip
    log_path = tmp_path / "worker.log"
    results = []
    try:
        with running(command, env, log_path) as worker:
            ping = client.tasks["engine.jobs.tasks.ping"].apply_async(args=[{"hello": [1, 2]}], queue=queue)
            beat = client.tasks["engine.jobs.tasks.heartbeat"].apply_async(queue=queue)
            results = [ping, beat]
            for result in results:
                wait_for(
                    lambda result=result: True if result.ready() else None,
                    timeout=60,
                    process=worker,
                    log_path=log_path,
                    what=f"result of {result.id}",
                )
            assert ping.get(timeout=5) == {"hello": [1, 2]}
            written = beat.get(timeout=5)
        assert heartbeat_at(database_url).isoformat() == written
    finally:
        for result in results:
            result.forget()
        with client.connection_for_write() as conn:
            conn.default_channel.client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        client.close()


def test_embedded_mode_runs_the_scheduled_heartbeat(tmp_path):
    database_url = migrated_database(tmp_path)
    env = worker_env(tmp_path, database_url, IPD_BROKER_URL="embedded", IPD_HEARTBEAT_SECONDS="1")
    command = celery_worker_command("--beat", "--pool", "solo", "--hostname", f"embedded-{uuid4().hex}@%h")
    log_path = tmp_path / "worker.log"
    with running(command, env, log_path) as worker:
        first = wait_for(
            lambda: heartbeat_at(database_url),
            timeout=30,
            process=worker,
            log_path=log_path,
            what="heartbeat",
        )
        later = wait_for(
            lambda: (lambda at: at if at and at > first else None)(heartbeat_at(database_url)),
            timeout=15,
            process=worker,
            log_path=log_path,
            what="a newer heartbeat",
        )
    assert later > first
    assert (tmp_path / "instance" / "broker.sqlite3").exists()


def _healthz(port: int) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3) as response:  # noqa: S310
            return dict(json.load(response))
    except urllib.error.HTTPError as error:
        return dict(json.load(error))
    except OSError:
        return None


def ipd_command(*args: str) -> list[str]:
    """``ipd ARGS`` run from the source tree (the same entry point as the console script)."""
    return [sys.executable, "-c", "from web.cli import main; main()", *args]


def _worker_pid(log_path: Path) -> int | None:
    found = re.search(r"Worker and scheduler started \(pid (\d+)\)", log_path.read_text(errors="replace"))
    return int(found.group(1)) if found else None


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_serve_runs_web_worker_and_beat_and_stops_them(tmp_path, stop_signal):
    database_url = migrated_database(tmp_path)
    env = worker_env(tmp_path, database_url, IPD_HEARTBEAT_SECONDS="1")
    port = free_port()
    log_path = tmp_path / "serve.log"
    with running(ipd_command("serve", "--port", str(port)), env, log_path) as serve:
        worker_pid = wait_for(
            lambda: _worker_pid(log_path), timeout=30, process=serve, log_path=log_path, what="worker start"
        )
        body = wait_for(
            lambda: (lambda b: b if b and b["scheduler"]["status"] == "ok" else None)(_healthz(port)),
            timeout=40,
            process=serve,
            log_path=log_path,
            what="a healthy /healthz with a scheduler heartbeat",
        )
        assert body["status"] == "ok" and body["broker"]["url"].startswith("sqla+sqlite:///")
        serve.send_signal(stop_signal)
        assert serve.wait(45) == 0, log_tail(log_path)
    assert not is_running(worker_pid), "the worker outlived ipd serve"
    assert "Warm shutdown" in log_path.read_text(errors="replace")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal is Linux only")
def test_serve_killed_outright_takes_its_worker_along(tmp_path):
    database_url = migrated_database(tmp_path)
    env = worker_env(tmp_path, database_url)
    port = free_port()
    log_path = tmp_path / "serve.log"
    with running(ipd_command("serve", "--port", str(port)), env, log_path) as serve:
        worker_pid = wait_for(
            lambda: _worker_pid(log_path), timeout=30, process=serve, log_path=log_path, what="worker start"
        )
        wait_for(lambda: _healthz(port), timeout=30, process=serve, log_path=log_path, what="/healthz")
        serve.kill()
        serve.wait(10)
        deadline = time.monotonic() + 30
        while is_running(worker_pid) and time.monotonic() < deadline:
            time.sleep(0.25)
        alive = is_running(worker_pid)
        if alive:
            os.kill(worker_pid, signal.SIGKILL)
    assert not alive, f"the worker survived a killed ipd serve:\n{log_tail(log_path)}"


def test_ipd_worker_and_ipd_beat_as_separate_processes(tmp_path):
    """The production layout (compose's worker and beat services), here on the embedded broker."""
    database_url = migrated_database(tmp_path)
    env = worker_env(tmp_path, database_url, IPD_BROKER_URL="embedded", IPD_HEARTBEAT_SECONDS="1")
    worker_log, beat_log = tmp_path / "worker.log", tmp_path / "beat.log"
    with (
        running(ipd_command("worker", "--no-beat", "--concurrency", "2"), env, worker_log) as worker,
        running(ipd_command("beat"), env, beat_log) as beat,
    ):
        wait_for(
            lambda: heartbeat_at(database_url),
            timeout=30,
            process=worker,
            log_path=worker_log,
            what="heartbeat",
        )
        assert beat.poll() is None, log_tail(beat_log)
        worker.terminate()
        assert worker.wait(30) == 0, log_tail(worker_log)
    assert "ForkPoolWorker" in worker_log.read_text(errors="replace")  # prefork, not solo


def test_serve_stops_when_its_worker_dies(tmp_path):
    database_url = migrated_database(tmp_path)
    env = worker_env(tmp_path, database_url)
    port = free_port()
    log_path = tmp_path / "serve.log"
    with running(ipd_command("serve", "--port", str(port)), env, log_path) as serve:
        worker_pid = wait_for(
            lambda: _worker_pid(log_path), timeout=30, process=serve, log_path=log_path, what="worker start"
        )
        wait_for(lambda: _healthz(port), timeout=30, process=serve, log_path=log_path, what="/healthz")
        os.kill(worker_pid, signal.SIGKILL)
        assert serve.wait(30) == 1, log_tail(log_path)
    assert "background worker stopped unexpectedly" in log_path.read_text(errors="replace")
