"""Timing calls honestly: the first call apart, a warm-up, then medians over rounds.

A round runs a call `calls_per_round` times back to back and synchronises the device once at its
end, so a GPU's queue is drained inside the timed region; the time per call is the round's time
divided by `calls_per_round`. The garbage collector is paused during rounds, as `timeit` does.

Calls that share one thread pool (minitorch on the CPU and raw NumPy: both OpenBLAS) are measured in
alternating rounds, so that a machine that speeds up or slows down during a case moves both alike and
their ratio holds. Libraries with pools of their own (PyTorch's OpenMP) are measured one after the other:
alternating lets one library's spinning worker threads steal the cores the next one needs, which on a
2-core machine turned milliseconds into scheduler time slices.
"""
from __future__ import annotations

import gc
import math
import statistics
import time
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Budget:
    """How long to measure one benchmark on one backend."""

    min_rounds: int  # at least this many timed rounds
    max_rounds: int
    round_seconds: float  # a round repeats the call until it lasts about this long (s)
    case_seconds: float  # stop adding rounds past this total (s), once min_rounds are done
    warmup_calls: int  # untimed calls after the first one


SMOKE = Budget(min_rounds=1, max_rounds=1, round_seconds=0.0, case_seconds=0.0, warmup_calls=1)
QUICK = Budget(min_rounds=7, max_rounds=21, round_seconds=0.02, case_seconds=0.3, warmup_calls=1)
FULL = Budget(min_rounds=7, max_rounds=51, round_seconds=0.05, case_seconds=2.0, warmup_calls=2)


@dataclass(frozen=True)
class Timing:
    """Seconds per call: the first call (with any kernel compilation), then the rounds' statistics."""

    first_call_s: float
    per_call_s: tuple[float, ...]  # one value per round
    calls_per_round: int

    @property
    def median_s(self) -> float:
        return statistics.median(self.per_call_s)

    @property
    def quartiles_s(self) -> tuple[float, float]:
        """(Q1, Q3) of the per-round times; min and max when there are fewer than 4 rounds."""
        values = sorted(self.per_call_s)
        if len(values) < 4:
            return values[0], values[-1]
        q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
        return q1, q3

    @property
    def spread_kind(self) -> str:
        return "IQR" if len(self.per_call_s) >= 4 else "min-max"


def time_calls(call: Callable[[], object], synchronize: Callable[[], None], repeats: int) -> float:
    """Seconds for `repeats` calls, the device synchronised at the end."""
    start = time.perf_counter()
    for _ in range(repeats):
        call()
    synchronize()
    return time.perf_counter() - start


def measure(call: Callable[[], object], synchronize: Callable[[], None], budget: Budget) -> Timing:
    """Time `call` under `budget`: the first call alone, warm-up calls untimed, then rounds."""
    return measure_alternating([(call, synchronize)], budget)[0]


def measure_alternating(calls: list[tuple[Callable[[], object], Callable[[], None]]], budget: Budget) -> list[Timing]:
    """Time each (call, synchronize) under `budget`, their rounds taken in turn: one Timing per call."""
    first_calls_s, calls_per_round = [], []
    for call, synchronize in calls:
        synchronize()
        first_calls_s.append(time_calls(call, synchronize, 1))
        for _ in range(budget.warmup_calls):
            call()
        estimate_s = time_calls(call, synchronize, 1) if budget.round_seconds else first_calls_s[-1]
        calls_per_round.append(max(1, math.ceil(budget.round_seconds / max(estimate_s, 1e-9))))
    gc.collect()
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        per_call_s: list[list[float]] = [[] for _ in calls]
        spent_s = 0.0
        rounds = 0
        while rounds < budget.min_rounds or (rounds < budget.max_rounds and spent_s < budget.case_seconds * len(calls)):
            for (call, synchronize), repeats, times in zip(calls, calls_per_round, per_call_s):
                seconds = time_calls(call, synchronize, repeats)
                times.append(seconds / repeats)
                spent_s += seconds
            rounds += 1
    finally:
        if gc_was_enabled:
            gc.enable()
    return [Timing(first_s, tuple(times), repeats)
            for first_s, times, repeats in zip(first_calls_s, per_call_s, calls_per_round)]
