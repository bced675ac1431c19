"""The benchmarks still run (short mode); their figures are read by people, not asserted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def test_engine_age_benchmark_runs(tmp_path):
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "engine_age.py"), "--iterations", "20"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "ours (pruned state + projection)" in result.stdout
    assert "naive (whole state, one blob)" in result.stdout


def test_casefile_dashboard_benchmark_runs(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "casefile_dashboard.py"),
            "--sizes",
            "6,12",
            "--requests",
            "3",
            "--templates",
            "2",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "measured with 12 cases" in result.stdout
    assert "case page" in result.stdout and "dashboard" in result.stdout


def test_funder_report_benchmark_runs(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "funder_report.py"),
            "--sizes",
            "4,8",
            "--requests",
            "2",
            "--templates",
            "2",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "measured with 8 cases" in result.stdout
    assert "office (page)" in result.stdout and "national (engine)" in result.stdout
    assert "indicators with figures" in result.stdout
