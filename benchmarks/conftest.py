"""pytest-benchmark over minitorch.bench's cases: every case on every backend, from the same definitions as
`python -m minitorch.bench`.

    .venv/bin/python -m pytest benchmarks                                  # quick suite, pytest-benchmark timing
    MINITORCH_BENCH_SUITE=full .venv/bin/python -m pytest benchmarks       # smoke, quick or full
    MINITORCH_BENCH_SMOKE=1 .venv/bin/python -m pytest benchmarks --benchmark-disable -q   # CI: each case once
    .venv/bin/python -m pytest benchmarks -k "matmul and numpy" --benchmark-group-by=param:case

Unavailable backends (no GPU, no PyTorch) are skipped with the reason.
"""
from __future__ import annotations

import os

import pytest

from minitorch.bench import all_backends, suite


def selected_suite() -> str:
    """smoke when MINITORCH_BENCH_SMOKE is set (not 0), else MINITORCH_BENCH_SUITE, else quick."""
    if os.environ.get("MINITORCH_BENCH_SMOKE", "0") not in ("", "0"):
        return "smoke"
    return os.environ.get("MINITORCH_BENCH_SUITE", "quick")


def pytest_report_header(config: pytest.Config) -> str:
    return f"minitorch.bench suite: {selected_suite()}"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "case" in metafunc.fixturenames:
        cases = suite(selected_suite())
        metafunc.parametrize("case", cases, ids=[case.id for case in cases])
    if "bench_backend" in metafunc.fixturenames:
        backends = all_backends()
        metafunc.parametrize("bench_backend", backends, ids=[backend.name for backend in backends])
