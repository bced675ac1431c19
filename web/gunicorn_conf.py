"""gunicorn settings for the web service: its workers, and request figures summed across them.

With ``PROMETHEUS_MULTIPROC_DIR`` set (the compose file and the image set it), every worker writes its request
latencies to files in that folder and ``/metrics`` sums them, so a scrape sees all workers, not the one that
answered. The folder is emptied when gunicorn starts, and a worker that exits is marked dead so its gauges go.
"""

from __future__ import annotations

import os
import shutil
from typing import Any

bind = os.environ.get("IPD_WEB_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("IPD_WEB_WORKERS", "3"))


def _metrics_folder() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def on_starting(server: Any) -> None:
    folder = _metrics_folder()
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder, mode=0o700, exist_ok=True)


def child_exit(server: Any, worker: Any) -> None:
    if _metrics_folder():
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
