"""Running cases on backends: a Result per (case, backend), measured, unavailable (with why), or failed."""
from __future__ import annotations

import gc
from dataclasses import dataclass
from typing import Callable, Iterable

from .backends import Backend, Unavailable
from .cases import GBPS, GFLOPS, MS_PER_STEP, Case
from .timing import Budget, Timing, measure, measure_alternating

OK, NOT_AVAILABLE, ERROR = "ok", "n/a", "error"


@dataclass(frozen=True)
class Result:
    """One case on one backend: its timing when status is "ok", else the reason it has none."""

    case: Case
    backend: Backend
    status: str  # OK, NOT_AVAILABLE or ERROR
    reason: str = ""
    timing: Timing | None = None

    @property
    def value(self) -> float:
        """The figure in the case's unit: GFLOP/s or GB/s at the median time, or ms/step, or µs/op."""
        seconds = self.timing.median_s
        if self.case.unit in (GFLOPS, GBPS):
            return self.case.work / seconds / 1e9
        return seconds * (1e3 if self.case.unit == MS_PER_STEP else 1e6)

    @property
    def gflops(self) -> float:
        """FLOPs per second at the median time, in GFLOP/s (0 for cases whose FLOPs are not counted)."""
        flops = self.case.work if self.case.unit == GFLOPS else self.case.flops
        return flops / self.timing.median_s / 1e9


def prepare(case: Case, backend: Backend) -> Callable[[], object]:
    """The call to time for `case` on `backend`; Unavailable when the backend cannot run it."""
    if backend.unavailable_reason is not None:
        raise Unavailable(backend.unavailable_reason)
    return case.build(backend)


def run_one(case: Case, backend: Backend, budget: Budget) -> Result:
    """Build and time one case on one backend; errors are recorded, not raised."""
    try:
        timing = measure(prepare(case, backend), backend.synchronize, budget)
    except Unavailable as reason:
        return Result(case, backend, NOT_AVAILABLE, str(reason))
    except Exception as error:  # a broken benchmark must show in the table, not stop the others
        return Result(case, backend, ERROR, f"{type(error).__name__}: {error}")
    return Result(case, backend, OK, timing=timing)


def run_alternating(case: Case, backends: list[Backend], budget: Budget) -> list[Result]:
    """Time one case on backends that share a thread pool, in alternating rounds; one Result per backend."""
    if len(backends) == 1:
        return [run_one(case, backends[0], budget)]
    results: dict[str, Result] = {}
    ready: list[tuple[Backend, Callable[[], object]]] = []
    for backend in backends:
        try:
            ready.append((backend, prepare(case, backend)))
        except Unavailable as reason:
            results[backend.name] = Result(case, backend, NOT_AVAILABLE, str(reason))
        except Exception as error:
            results[backend.name] = Result(case, backend, ERROR, f"{type(error).__name__}: {error}")
    try:
        timings = measure_alternating([(call, backend.synchronize) for backend, call in ready], budget)
    except Exception:  # one of them is broken: time each alone, so that the error lands on its own row
        ready.clear()
        gc.collect()
        return [results.get(backend.name) or run_one(case, backend, budget) for backend in backends]
    for (backend, _), timing in zip(ready, timings):
        results[backend.name] = Result(case, backend, OK, timing=timing)
    return [results[backend.name] for backend in backends]


def run(cases: Iterable[Case], backends: Iterable[Backend], budget: Budget,
        on_result: Callable[[Result], None] | None = None) -> list[Result]:
    """Every case on every backend, case by case (so backends are measured close together in time); backends
    that share a thread pool in alternating rounds (see timing.py)."""
    groups: dict[str, list[Backend]] = {}
    for backend in backends:
        groups.setdefault(backend.thread_pool, []).append(backend)
    results = []
    for case in cases:
        for group in groups.values():
            for result in run_alternating(case, group, budget):
                results.append(result)
                if on_result is not None:
                    on_result(result)
            gc.collect()  # the case's arrays are garbage now: free them before the next group allocates
    return results
