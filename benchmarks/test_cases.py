"""Every minitorch.bench case on every backend, timed by pytest-benchmark (grouped by case, so backends sit
side by side). No speed is asserted: timings are reported, never tested."""
from __future__ import annotations

import pytest

from minitorch.bench.backends import Backend, Unavailable
from minitorch.bench.cases import Case
from minitorch.bench.runner import prepare
from minitorch.bench.timing import time_calls


def test_case(benchmark, case: Case, bench_backend: Backend) -> None:
    try:
        call = prepare(case, bench_backend)
    except Unavailable as reason:
        pytest.skip(str(reason))
    first_call_s = time_calls(call, bench_backend.synchronize, 1)  # includes any kernel compilation

    def synchronized_call() -> None:
        call()
        bench_backend.synchronize()

    benchmark.group = case.id
    benchmark.extra_info.update(benchmark=case.benchmark, params=case.params, backend=bench_backend.name,
                                unit=case.unit, work=case.work, flops=case.flops, first_call_s=first_call_s)
    benchmark(synchronized_call)
