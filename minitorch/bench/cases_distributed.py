"""The distributed benchmarks' measurements, run inside the worker processes that minitorch.bench.distributed starts:

* under `mpiexec -n 2` ("ranks"): minitorch.distributed.all_reduce on a tensor against mpi4py's raw
  comm.Allreduce(MPI.IN_PLACE, array, MPI.SUM) on a NumPy array, in alternating rounds in the same processes (and
  the per-call metadata agreement check alone); then the MLP step data-parallel under DistributedDataParallel, each
  rank on its half of the global batch, with small buckets (all-reduces overlapping backward), with one bucket
  (all-reduced when backward is over), and under no_sync (no communication), in alternating rounds;
* as one plain process ("single"), once with two BLAS threads and once with one: the same MLP step on the whole
  global batch.

Every rank runs the same calls the same number of times (fixed rounds of one call, a barrier ending each timed
round, so the time is the slower rank's, and every variant pays the same barrier); rank 0 writes the records.
"""
from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

import minitorch as mt
import minitorch.distributed as dist
from minitorch.distributed.collectives import _agree, call_of
from minitorch.distributed.process_group import default_group

from .backends import Unavailable, backend_named
from .cases import LEARNING_RATE, build_mlp, build_mlp_step, mlp_batch
from .cases_conv import training_step
from .timing import Budget, Timing, measure_alternating

MB = 1024 * 1024
"""A megabyte as bucket_cap_mb counts it (MiB)."""
FLOAT32_BYTES = 4


@dataclass(frozen=True)
class DistributedSizes:
    """What a suite measures: all_reduce buffer sizes with their rounds, and the data-parallel MLP step."""

    all_reduce: tuple[tuple[int, int], ...]  # (bytes of float32, rounds)
    widths: tuple[int, ...]  # the MLP's layer widths
    global_batch: int  # split evenly over the ranks
    step_rounds: int
    small_bucket_mb: float  # several buckets, launched during backward
    warmup_calls: int


MLP_WIDTHS = (784, 512, 512, 10)
SIZES = {
    "smoke": DistributedSizes(all_reduce=((1024, 1), (64 * 1024, 1)), widths=(64, 128, 10), global_batch=16,
                              step_rounds=1, small_bucket_mb=0.01, warmup_calls=1),
    "quick": DistributedSizes(all_reduce=((MB, 300), (100 * MB, 15)), widths=MLP_WIDTHS, global_batch=256,
                              step_rounds=21, small_bucket_mb=1, warmup_calls=2),
    "full": DistributedSizes(all_reduce=((MB, 1000), (100 * MB, 41)), widths=MLP_WIDTHS, global_batch=256,
                             step_rounds=61, small_bucket_mb=1, warmup_calls=3),
}

ALL_REDUCE_MINITORCH = "minitorch.distributed.all_reduce"
ALL_REDUCE_RAW = "mpi4py comm.Allreduce (raw)"
AGREEMENT_CHECK = "its shape and dtype check alone (an all-reduce of a hash)"
NO_SYNC = "2 ranks, DDP no_sync (no communication)"
ONE_BUCKET_MB = 1024
"""A bucket_cap_mb above every benchmarked model's gradients: one bucket, all-reduced once backward is over."""
ONE_BUCKET = f"2 ranks, DDP bucket_cap_mb={ONE_BUCKET_MB} (one bucket, after backward)"


def bucketed(cap_mb: float) -> str:
    return f"2 ranks, DDP bucket_cap_mb={cap_mb:g} (buckets started during backward)"


def single_process(blas_threads: int) -> str:
    return f"1 process, {blas_threads} BLAS thread{'s' if blas_threads > 1 else ''}"


def size_text(size_bytes: int) -> str:
    """1 KB, 64 KB, 1 MB, 100 MB (binary units, as bucket_cap_mb)."""
    return f"{size_bytes / MB:g} MB" if size_bytes >= MB else f"{size_bytes / 1024:g} KB"


def lockstep_budget(rounds: int, warmup_calls: int) -> Budget:
    """Exactly `rounds` rounds of one call each: every rank makes the same calls, whatever its clock says."""
    return Budget(min_rounds=rounds, max_rounds=rounds, round_seconds=0.0, case_seconds=0.0,
                  warmup_calls=warmup_calls)


def record(benchmark: str, params: str, variant: str, work: dict[str, float], timing: Timing | None = None,
           unavailable: str = "") -> dict[str, Any]:
    """One measurement as JSON: its work per call (bytes or samples) and the timing's rounds, or why none."""
    entry: dict[str, Any] = {"benchmark": benchmark, "params": params, "variant": variant, **work,
                             "status": "ok" if timing else "n/a", "reason": unavailable}
    if timing is not None:
        entry.update(first_call_s=timing.first_call_s, per_call_s=list(timing.per_call_s),
                     calls_per_round=timing.calls_per_round)
    return entry


# ---- all_reduce ----
def _checked_sum(add: Callable[[], object], values: np.ndarray, world_size: int, rank: int, name: str) -> None:
    """Fill with rank + 1, reduce once, check every element is 1 + 2 + ... + world_size, then zero the buffer:
    the timed calls then sum zeros, which keeps the values finite whatever the number of calls."""
    values[...] = rank + 1
    add()
    expected = world_size * (world_size + 1) / 2
    if not np.all(values == expected):
        raise RuntimeError(f"{name} summed wrong: expected {expected}, got {values[:4]}...")
    values[...] = 0


def all_reduce_records(sizes: DistributedSizes) -> list[dict[str, Any]]:
    """minitorch's all_reduce, raw mpi4py and the agreement check, in alternating rounds, per buffer size."""
    group = default_group()
    comm, mpi = group.comm, group.mpi
    records = []
    for size_bytes, rounds in sizes.all_reduce:
        elements = size_bytes // FLOAT32_BYTES
        tensor = mt.zeros(elements, dtype=mt.float32)
        raw = np.zeros(elements, np.float32)
        calls = {ALL_REDUCE_MINITORCH: functools.partial(dist.all_reduce, tensor),
                 ALL_REDUCE_RAW: functools.partial(comm.Allreduce, mpi.IN_PLACE, raw, mpi.SUM),
                 AGREEMENT_CHECK: functools.partial(_agree, group, call_of("all_reduce", tensor.numpy(), "SUM"))}
        _checked_sum(calls[ALL_REDUCE_MINITORCH], tensor.numpy(), group.world_size, group.rank, ALL_REDUCE_MINITORCH)
        _checked_sum(calls[ALL_REDUCE_RAW], raw, group.world_size, group.rank, ALL_REDUCE_RAW)
        timings = measure_alternating([(call, comm.Barrier) for call in calls.values()],
                                      lockstep_budget(rounds, sizes.warmup_calls))
        params = f"float32 {size_text(size_bytes)} ({elements:,} elements)"
        records += [record("all_reduce", params, variant, {"bytes": size_bytes}, timing)
                    for variant, timing in zip(calls, timings)]
        del tensor, raw, calls
    return records


# ---- the data-parallel MLP step ----
def _step_params(sizes: DistributedSizes) -> str:
    per_rank = sizes.global_batch // 2
    return (f"float32 {'-'.join(map(str, sizes.widths))} relu adam, global batch {sizes.global_batch} "
            f"({per_rank} per rank)")


def _ddp_step(sizes: DistributedSizes, bucket_cap_mb: float, no_sync: bool) -> Callable[[], object]:
    """The MLP wrapped in DistributedDataParallel, Adam, this rank's slice of the global batch: one step."""
    backend = backend_named("minitorch:cpu")
    parallel = backend.attribute("nn.parallel.DistributedDataParallel")
    rank, world_size = dist.get_rank(), dist.get_world_size()
    features, labels = mlp_batch(sizes.widths, sizes.global_batch)
    mine = slice(rank * sizes.global_batch // world_size, (rank + 1) * sizes.global_batch // world_size)
    model = parallel(build_mlp(backend, sizes.widths), bucket_cap_mb=bucket_cap_mb)
    optimizer = mt.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    step = training_step(model, optimizer, backend.cross_entropy_function(), mt.tensor(features[mine]),
                         mt.tensor(labels[mine]))
    if not no_sync:
        return step

    def local_step() -> object:
        with model.no_sync():
            return step()

    return local_step


def ddp_records(sizes: DistributedSizes) -> list[dict[str, Any]]:
    """The step with several buckets, with one bucket, and without communication, in alternating rounds."""
    parameters = sum(inputs * outputs + outputs for inputs, outputs in zip(sizes.widths, sizes.widths[1:]))
    variants = {bucketed(sizes.small_bucket_mb): (sizes.small_bucket_mb, False),
                ONE_BUCKET: (ONE_BUCKET_MB, False), NO_SYNC: (ONE_BUCKET_MB, True)}
    work = {"samples": sizes.global_batch, "gradient_bytes": parameters * FLOAT32_BYTES}
    try:
        steps = [_ddp_step(sizes, cap, no_sync) for cap, no_sync in variants.values()]
    except Unavailable as reason:
        return [record("ddp_step", _step_params(sizes), variant, work, unavailable=str(reason)) for variant in variants]
    timings = measure_alternating([(step, default_group().comm.Barrier) for step in steps],
                                  lockstep_budget(sizes.step_rounds, sizes.warmup_calls))
    return [record("ddp_step", _step_params(sizes), variant, work, timing)
            for variant, timing in zip(variants, timings)]


def single_process_records(sizes: DistributedSizes, blas_threads: int) -> list[dict[str, Any]]:
    """The same step on the whole global batch in one process (started with OPENBLAS_NUM_THREADS=blas_threads)."""
    step = build_mlp_step(backend_named("minitorch:cpu"), sizes.widths, sizes.global_batch, "relu", "adam")
    timing, = measure_alternating([(step, lambda: None)], lockstep_budget(sizes.step_rounds, sizes.warmup_calls))
    params = f"float32 {'-'.join(map(str, sizes.widths))} relu adam, batch {sizes.global_batch}"
    return [record("mlp_step", params, single_process(blas_threads), {"samples": sizes.global_batch}, timing)]


def run_ranks(suite_name: str, out: str) -> None:
    """In each rank under mpiexec: every two-rank measurement; rank 0 writes them (and MPI's name) to `out`."""
    dist.init_process_group("mpi")
    sizes = SIZES[suite_name]
    records = all_reduce_records(sizes) + ddp_records(sizes)
    if dist.get_rank() == 0:
        mpi = default_group().mpi
        document = {"world_size": dist.get_world_size(), "mpi": mpi.Get_library_version().strip().splitlines()[0],
                    "records": records}
        with open(out, "w", encoding="utf-8") as output:
            json.dump(document, output)
    dist.destroy_process_group()


def run_single(suite_name: str, out: str) -> None:
    """In the one plain process: the single-process step, written to `out`."""
    blas_threads = int(os.environ["OPENBLAS_NUM_THREADS"])
    with open(out, "w", encoding="utf-8") as output:
        json.dump({"records": single_process_records(SIZES[suite_name], blas_threads)}, output)
