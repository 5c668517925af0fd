"""python -m minitorch.bench.distributed: data-parallel benchmarks with two ranks on this machine, side by side.

    python -m minitorch.bench.distributed            # quick (about half a minute on 2 cores)
    python -m minitorch.bench.distributed --smoke    # tiny sizes, one round: what CI runs (about 15 s)
    python -m minitorch.bench.distributed --full --json distributed.json    # more rounds (about a minute)

It starts, one after the other: one plain process with OPENBLAS_NUM_THREADS=2 (the MLP step on the whole batch of
256), the same with one BLAS thread, then two ranks under mpiexec (minitorch.distributed.run.find_mpiexec), one
BLAS thread each: minitorch's all_reduce against mpi4py's raw Allreduce at 1 MB and 100 MB, and the step under
DistributedDataParallel with 128 samples per rank (see cases_distributed.py). It prints one table under the bench's
machine header, with the share of the CPU that other processes (not this one, not its workers) used during each
phase: on a busy machine, distributed timings are noisy, and a process's two BLAS threads suffer most.

Exit status: 0, or 1 when a worker failed or a figure is missing; no figure is a pass or a fail by its speed.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import minitorch

from ..distributed.run import find_mpiexec
from .cases_distributed import (AGREEMENT_CHECK, ALL_REDUCE_MINITORCH, ALL_REDUCE_RAW, NO_SYNC, ONE_BUCKET, SIZES,
                                bucketed, run_ranks, run_single, single_process)
from .machine import cpu_snapshot, machine_info, other_processes_load
from .report import format_machine, format_seconds, render_rows
from .timing import Timing

RANKS = 2
TIMEOUT_S = {"smoke": 120, "quick": 600, "full": 1800}
ALL_REDUCE_TARGET = 0.9
"""minitorch's all_reduce bandwidth over raw mpi4py's, at least (issue 15)."""
COLUMNS = ("benchmark", "params", "variant", "median", "spread", "throughput", "against")


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m minitorch.bench.distributed",
                                     description="all_reduce and DistributedDataParallel with 2 ranks under "
                                                 "mpiexec, against raw mpi4py and one process.")
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--smoke", dest="suite", action="store_const", const="smoke",
                      help="tiny sizes, one round each (for CI)")
    size.add_argument("--full", dest="suite", action="store_const", const="full", help="more rounds")
    parser.set_defaults(suite="quick")
    parser.add_argument("--json", metavar="PATH", help="write the machine and every record (with its rounds)")
    parser.add_argument("--worker", choices=("ranks", "single"), help=argparse.SUPPRESS)  # inside a worker
    parser.add_argument("--out", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def _worker_environment(blas_threads: int) -> dict[str, str]:
    """This environment with this minitorch importable and the workers' BLAS thread count."""
    root = str(Path(minitorch.__file__).resolve().parents[1])
    path = os.pathsep.join(part for part in (root, os.environ.get("PYTHONPATH")) if part)
    return {**os.environ, "PYTHONPATH": path, "OPENBLAS_NUM_THREADS": str(blas_threads),
            "OMP_NUM_THREADS": str(blas_threads)}


def _run_worker(prefix: list[str], kind: str, suite_name: str, blas_threads: int, out: str) -> dict[str, Any]:
    """Start a worker (under `prefix`, e.g. mpiexec -n 2) and read what it wrote to `out`; RuntimeError with its
    output when it fails or runs past the timeout."""
    suite_flag = [] if suite_name == "quick" else [f"--{suite_name}"]
    command = [*prefix, sys.executable, "-m", "minitorch.bench.distributed", *suite_flag, "--worker", kind,
               "--out", out]
    try:
        finished = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S[suite_name],
                                  env=_worker_environment(blas_threads))
    except subprocess.TimeoutExpired as expired:
        raise RuntimeError(f"{' '.join(command)} ran past {expired.timeout} s") from None
    if finished.returncode != 0 or not os.path.exists(out):
        raise RuntimeError(f"{' '.join(command)} exited with {finished.returncode}:\n"
                           f"{finished.stdout[-3000:]}{finished.stderr[-3000:]}")
    with open(out, encoding="utf-8") as written:
        return json.load(written)


# ---- the table ----
def _timing(entry: dict[str, Any]) -> Timing:
    return Timing(entry["first_call_s"], tuple(entry["per_call_s"]), entry["calls_per_round"])


def _median(entry: dict[str, Any]) -> float:
    return statistics.median(entry["per_call_s"])


def _throughput(entry: dict[str, Any]) -> str:
    if entry["variant"] == AGREEMENT_CHECK:
        return "-"  # a few bytes of metadata, whatever the buffer's size
    if "bytes" in entry:
        return f"{entry['bytes'] / _median(entry) / 1e9:.3g} GB/s"
    return f"{entry['samples'] / _median(entry):,.0f} samples/s"


def _against(entry: dict[str, Any], by_variant: dict[tuple[str, str], dict[str, Any]],
             single: dict[str, Any] | None) -> str:
    """minitorch's bandwidth over raw's; the check's share of all_reduce's time; a DDP step's samples/s over one
    process's (the scaling efficiency)."""
    variant = entry["variant"]
    if variant == ALL_REDUCE_MINITORCH:
        raw = by_variant.get((entry["params"], ALL_REDUCE_RAW))
        return "-" if raw is None or raw["status"] != "ok" else f"{_median(raw) / _median(entry):.2f} x raw bandwidth"
    if variant == AGREEMENT_CHECK:
        reduce = by_variant[(entry["params"], ALL_REDUCE_MINITORCH)]
        return f"{_median(entry) / _median(reduce):.0%} of all_reduce's time"
    if entry["benchmark"] == "ddp_step" and single is not None and single["status"] == "ok":
        return f"{_median(single) / _median(entry):.2f} x one process's samples/s"
    return "-"


def format_records(records: list[dict[str, Any]]) -> str:
    """A row per measurement: median time per call, quartiles (or min-max), bandwidth or samples/s, ratio."""
    by_variant = {(entry["params"], entry["variant"]): entry for entry in records}
    single = next((entry for entry in records if entry["variant"] == single_process(2)), None)
    rows, separators = [list(COLUMNS)], {1}
    for benchmark in dict.fromkeys(entry["benchmark"] for entry in records):
        separators.add(len(rows))
        for entry in (entry for entry in records if entry["benchmark"] == benchmark):
            cells = [entry["benchmark"], entry["params"], entry["variant"]]
            if entry["status"] != "ok":
                rows.append(cells + [f"{entry['status']}: {entry['reason']}"])
                continue
            timing = _timing(entry)
            low, high = timing.quartiles_s
            rows.append(cells + [format_seconds(timing.median_s),
                                 f"{format_seconds(low)} - {format_seconds(high)}", _throughput(entry),
                                 _against(entry, by_variant, single)])
    return render_rows(rows, separators)


def _overlap_text(communication_s: float, hidden_s: float) -> str:
    """What one bucket after backward costs over no_sync, and how much of it small buckets hide."""
    if communication_s <= 0:
        return "one bucket was no slower than no_sync in this run (noise): nothing to hide"
    cost = f"one bucket after backward costs {format_seconds(communication_s)} of communication per step over no_sync"
    if hidden_s < 0:
        return f"{cost}; small buckets were {format_seconds(-hidden_s)} slower still (no overlap gained in this run)"
    share = hidden_s / communication_s
    return f"{cost}; small buckets during backward save {format_seconds(hidden_s)} of it ({share:.0%})"


def format_summary(records: list[dict[str, Any]], suite_name: str) -> str:
    """The all_reduce target (not at the smoke suite's sizes), the scaling efficiency and the overlap, in words."""
    by_variant = {(entry["params"], entry["variant"]): entry for entry in records}
    ok = {key: entry for key, entry in by_variant.items() if entry["status"] == "ok"}
    lines = []
    ratios = [(params, _median(ok[(params, ALL_REDUCE_RAW)]) / _median(entry))
              for (params, variant), entry in ok.items()
              if variant == ALL_REDUCE_MINITORCH and (params, ALL_REDUCE_RAW) in ok]
    if ratios and suite_name != "smoke":
        verdict = "met " if all(ratio >= ALL_REDUCE_TARGET for _, ratio in ratios) else "MISS"
        lines.append(f"  {verdict} all_reduce bandwidth >= {ALL_REDUCE_TARGET} x raw mpi4py: "
                     + ", ".join(f"{params.split(' (')[0]} {ratio:.2f}" for params, ratio in ratios))
    steps = {entry["variant"]: entry for entry in ok.values() if entry["benchmark"] in ("ddp_step", "mlp_step")}
    overlapped = steps.get(bucketed(SIZES[suite_name].small_bucket_mb))
    at_end = steps.get(ONE_BUCKET)
    if overlapped and single_process(2) in steps:
        lines.append(f"  scaling efficiency = samples/s of 2 ranks (1 BLAS thread each, small buckets) / samples/s "
                     f"of 1 process (2 BLAS threads) = {_median(steps[single_process(2)]) / _median(overlapped):.2f}; "
                     "both use the machine's 2 cores, so perfect is about 1.0 (same cores, same FLOPs, no "
                     "communication), not 2.0; above 1.0 when two single-threaded processes use the cores better "
                     "than one process's BLAS threads and its one Python thread")
    if overlapped and single_process(1) in steps:
        lines.append(f"  against one core: samples/s of 2 ranks / (2 x samples/s of 1 process with 1 BLAS thread) = "
                     f"{_median(steps[single_process(1)]) / (2 * _median(overlapped)):.2f} (perfect: 1.0)")
    if overlapped and at_end and NO_SYNC in steps:
        lines.append("  overlap: " + _overlap_text(_median(at_end) - _median(steps[NO_SYNC]),
                                                   _median(at_end) - _median(overlapped)))
    return "\n".join(["Summary:", *lines]) if lines else "Summary: n/a (nothing measured)"


def format_report(document: dict[str, Any]) -> str:
    machine = document["machine"]
    loads = ", then ".join(f"{phase} ({'?' if share is None else f'{share:.0%}'})"
                           for phase, share in document["other_processes_cpu_share"].items())
    processes = (f"Processes, one after the other (with the other processes' share of the CPU meanwhile): {loads}; "
                 f"the ranks under mpiexec ({document['mpi']}) with 1 BLAS thread each; the BLAS line above is "
                 "this launcher's")
    return "\n\n".join([f"minitorch distributed benchmarks, {document['suite']} suite",
                        format_machine(machine) + "\n" + processes, format_records(document["records"]),
                        format_summary(document["records"], document["suite"])])


def main(argv: list[str] | None = None) -> int:
    """Run the chosen suite in worker processes; returns the exit status."""
    arguments = parse_arguments(argv)
    if arguments.worker:
        (run_ranks if arguments.worker == "ranks" else run_single)(arguments.suite, arguments.out)
        return 0
    mpiexec = find_mpiexec()
    phases = {single_process(2): ([], "single", 2), single_process(1): ([], "single", 1),
              f"{RANKS} ranks": ([mpiexec, "-n", str(RANKS)], "ranks", 1)}
    snapshots, written = [cpu_snapshot()], []
    with tempfile.TemporaryDirectory() as directory:
        try:
            for index, (prefix, kind, blas_threads) in enumerate(phases.values()):
                out = os.path.join(directory, f"{index}.json")
                written.append(_run_worker(prefix, kind, arguments.suite, blas_threads, out))
                snapshots.append(cpu_snapshot())
        except RuntimeError as failure:
            print(f"minitorch.bench.distributed: a worker failed: {failure}", file=sys.stderr)
            return 1
    ranks = written[-1]
    document = {"suite": arguments.suite, "created": datetime.datetime.now(datetime.timezone.utc).isoformat(
                    timespec="seconds"), "machine": machine_info(other_processes_load(snapshots[0], snapshots[-1])),
                "other_processes_cpu_share": {phase: other_processes_load(start, end)
                                              for phase, start, end in zip(phases, snapshots, snapshots[1:])},
                "world_size": ranks["world_size"], "mpi": ranks["mpi"], "sizes": repr(SIZES[arguments.suite]),
                "records": ranks["records"] + [entry for single in written[:-1] for entry in single["records"]]}
    print(format_report(document))
    if arguments.json:
        with open(arguments.json, "w", encoding="utf-8") as output:
            json.dump(document, output, indent=1)
        print(f"\nJSON written to {arguments.json}")
    return 0 if all(entry["status"] == "ok" for entry in document["records"]) else 1


if __name__ == "__main__":
    sys.exit(main())
