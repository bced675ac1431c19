"""``ipd serve``, ``ipd worker``, ``ipd beat``: the processes that run the application."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping
from types import FrameType
from typing import TYPE_CHECKING, Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from engine.config import Settings

if TYPE_CHECKING:
    from celery import Celery

log = logging.getLogger(__name__)

WORKER_STOP_SECONDS = 30.0
#: Files the processes create (beat's schedule, SQLite journals, backups) are for their user only.
PRIVATE_UMASK = 0o077
_PR_SET_PDEATHSIG = 1


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option("--threads", default=8, show_default=True, type=int, help="Web server threads.")
@click.option("--loglevel", default="INFO", show_default=True, help="Log level of the worker.")
@with_appcontext
def serve(host: str, port: int, threads: int, loglevel: str) -> None:
    """Run everything on one machine: web server, background worker and scheduler.

    The worker (with the scheduler built in) runs as a child process; Ctrl-C or SIGTERM stops both.
    """
    os.umask(PRIVATE_UMASK)
    flask_app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    settings: Settings = flask_app.config["IPD_SETTINGS"]
    sys.exit(serve_with_worker(flask_app, settings, host=host, port=port, threads=threads, loglevel=loglevel))


@click.command("worker")
@click.option("--concurrency", type=int, help="Worker processes (default: one per CPU).")
@click.option("--loglevel", default="INFO", show_default=True)
@click.option(
    "--no-beat",
    is_flag=True,
    help="Do not run the scheduler inside this worker (run `ipd beat` once, separately).",
)
@with_appcontext
def worker(concurrency: int | None, loglevel: str, no_beat: bool) -> None:
    """Run a Celery worker; it also runs the scheduler unless --no-beat.

    Run the scheduler exactly once per installation: with several workers, pass --no-beat
    to all of them and start `ipd beat` on its own.
    """
    argv = ["worker", "--loglevel", loglevel]
    if concurrency:
        argv += ["--concurrency", str(concurrency)]
    if not no_beat:
        argv.append("--beat")
    _run_celery(argv)


@click.command("beat")
@click.option("--loglevel", default="INFO", show_default=True)
@with_appcontext
def beat(loglevel: str) -> None:
    """Run the Celery scheduler alone (pair it with `ipd worker --no-beat`)."""
    _run_celery(["beat", "--loglevel", loglevel])


COMMANDS = (serve, worker, beat)


def _run_celery(argv: list[str]) -> None:
    os.umask(PRIVATE_UMASK)
    celery_app: Celery = current_app.extensions["celery"]
    exit_code = celery_app.start(argv)
    if exit_code:
        sys.exit(exit_code)


def worker_command(loglevel: str = "INFO") -> list[str]:
    """The command line of the worker that ``ipd serve`` starts."""
    # solo pool: one task at a time in the worker process itself, which suits SQLite and a laptop.
    return [
        sys.executable, "-m", "celery", "-A", "web.worker", "worker",
        "--beat", "--pool", "solo", "--loglevel", loglevel,
    ]  # fmt: skip


def worker_environment(settings: Settings, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The parent's environment, pinned to the settings this process resolved."""
    env = dict(os.environ if base is None else base)
    env.update(
        IPD_ENV=settings.env,
        IPD_INSTANCE_PATH=str(settings.instance_path),
        IPD_DATABASE_URL=settings.database_url,
        IPD_BROKER_URL=settings.broker_url,
        IPD_HEARTBEAT_SECONDS=repr(settings.beat_heartbeat_seconds),
        IPD_TIMER_POLL_SECONDS=repr(settings.timer_poll_seconds),
    )
    if settings.result_backend:
        env["IPD_RESULT_BACKEND"] = settings.result_backend
    else:
        env.pop("IPD_RESULT_BACKEND", None)
    return env


def serve_with_worker(
    app: Flask, settings: Settings, *, host: str, port: int, threads: int, loglevel: str = "INFO"
) -> int:
    """Serve ``app`` with waitress while a worker child runs; return the exit code."""
    import waitress

    worker = subprocess.Popen(
        worker_command(loglevel),
        env=worker_environment(settings),
        # Own session: a Ctrl-C in the terminal reaches only us, and we stop the worker once, cleanly.
        start_new_session=True,
        preexec_fn=_die_with_parent(os.getpid()) if sys.platform.startswith("linux") else None,
    )
    stopping = threading.Event()
    died = threading.Event()
    previous_term = signal.signal(signal.SIGTERM, _exit_on_signal)

    def watch_worker() -> None:
        code = worker.wait()
        if not stopping.is_set():
            died.set()
            log.error("the background worker exited with code %s; stopping the web server", code)
            os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch_worker, name="ipd-serve-watch-worker", daemon=True).start()
    try:
        click.echo(f"Worker and scheduler started (pid {worker.pid}); web server on http://{host}:{port}")
        # waitress returns (after draining its threads) on KeyboardInterrupt and SystemExit.
        waitress.serve(app, host=host, port=port, threads=threads)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    finally:
        stopping.set()
        signal.signal(signal.SIGTERM, previous_term)
        stop_process(worker, WORKER_STOP_SECONDS)
    if died.is_set():
        click.echo(f"The background worker stopped unexpectedly (exit code {worker.returncode}).", err=True)
        return 1
    return 0


def stop_process(process: subprocess.Popen[Any], timeout: float) -> int:
    """Ask ``process`` to stop (SIGTERM: Celery's warm shutdown), kill it after ``timeout``."""
    if process.poll() is None:
        process.terminate()
        try:
            return process.wait(timeout)
        except subprocess.TimeoutExpired:
            log.warning("the worker did not stop within %s s; killing it", timeout)
            process.kill()
    return process.wait()


def _exit_on_signal(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def _die_with_parent(parent_pid: int) -> Any:
    """Return a pre-exec hook that has Linux send the child SIGTERM when we die, even by SIGKILL."""

    def hook() -> None:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent_pid:  # the parent died before prctl took effect
            os._exit(1)

    return hook
