"""python -m minitorch.bench.distributed: the smoke run (two ranks under mpiexec, one plain process) measures every
row and prints the table under the machine header; the ratios and the summary are right on made-up records.
Nothing here asserts a speed. Without mpi4py or mpiexec the smoke run skips, except under CI=true, where it fails."""
from __future__ import annotations

import contextlib
import io
import json

import pytest

from minitorch.bench.cases_distributed import (AGREEMENT_CHECK, ALL_REDUCE_MINITORCH, ALL_REDUCE_RAW, NO_SYNC,
                                               ONE_BUCKET, SIZES, bucketed, record, single_process)
from minitorch.bench.distributed import format_records, format_summary, main
from minitorch.bench.timing import Timing

from ..distributed.launch import mpiexec


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str, dict]:
    """`python -m minitorch.bench.distributed --smoke --json PATH` from this process: (exit status, output, JSON)."""
    mpiexec()
    path = tmp_path_factory.mktemp("distributed") / "smoke.json"
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        status = main(["--smoke", "--json", str(path)])
    return status, output.getvalue(), json.loads(path.read_text())


def test_the_smoke_run_measures_every_row_once(smoke_run) -> None:
    status, table, document = smoke_run
    assert status == 0, table
    sizes = SIZES["smoke"]
    variants = [(record["benchmark"], record["variant"]) for record in document["records"]]
    expected = [("all_reduce", variant) for _ in sizes.all_reduce
                for variant in (ALL_REDUCE_MINITORCH, ALL_REDUCE_RAW, AGREEMENT_CHECK)]
    expected += [("ddp_step", bucketed(sizes.small_bucket_mb)), ("ddp_step", ONE_BUCKET), ("ddp_step", NO_SYNC),
                 ("mlp_step", single_process(2)), ("mlp_step", single_process(1))]
    assert variants == expected
    for entry in document["records"]:
        assert entry["status"] == "ok", entry
        assert len(entry["per_call_s"]) == 1 and entry["per_call_s"][0] > 0
    assert document["world_size"] == 2 and document["mpi"]  # MPICH here; any MPI elsewhere


def test_the_smoke_table_has_the_machine_header_and_a_row_per_measurement(smoke_run) -> None:
    _, table, document = smoke_run
    assert "other processes used" in table and "then 2 ranks (" in table
    assert document["machine"]["other_processes_cpu_share"] is not None
    for entry in document["records"]:
        assert any(entry["params"] in line and entry["variant"] in line for line in table.splitlines()), entry
    assert "x raw bandwidth" in table and "x one process's samples/s" in table
    assert "scaling efficiency" in table and "overlap:" in table


def _made_up(benchmark: str, params: str, variant: str, median_s: float, **work: float) -> dict:
    return record(benchmark, params, variant, work, Timing(median_s, (median_s * 0.9, median_s, median_s * 1.1), 1))


STEP = "float32 784-512-512-10 relu adam, global batch 256 (128 per rank)"
MADE_UP = [
    _made_up("all_reduce", "float32 1 MB", ALL_REDUCE_MINITORCH, 250e-6, bytes=2 ** 20),
    _made_up("all_reduce", "float32 1 MB", ALL_REDUCE_RAW, 200e-6, bytes=2 ** 20),
    _made_up("all_reduce", "float32 1 MB", AGREEMENT_CHECK, 25e-6, bytes=2 ** 20),
    _made_up("all_reduce", "float32 100 MB", ALL_REDUCE_MINITORCH, 0.1, bytes=100 * 2 ** 20),
    _made_up("all_reduce", "float32 100 MB", ALL_REDUCE_RAW, 0.1, bytes=100 * 2 ** 20),
    _made_up("ddp_step", STEP, bucketed(1), 0.008, samples=256),
    _made_up("ddp_step", STEP, ONE_BUCKET, 0.010, samples=256),
    _made_up("ddp_step", STEP, NO_SYNC, 0.006, samples=256),
    _made_up("mlp_step", "float32 784-512-512-10 relu adam, batch 256", single_process(2), 0.010, samples=256),
    _made_up("mlp_step", "float32 784-512-512-10 relu adam, batch 256", single_process(1), 0.020, samples=256),
]


def test_the_table_gives_bandwidth_ratios_and_scaling_against_one_process() -> None:
    lines = format_records(MADE_UP).splitlines()

    def row(params: str, variant: str) -> str:
        return next(line for line in lines if params in line and variant in line)

    assert "0.80 x raw bandwidth" in row("1 MB", ALL_REDUCE_MINITORCH)  # 200 us / 250 us
    assert "5.24 GB/s" in row("1 MB", ALL_REDUCE_RAW)  # 2^20 bytes / 200 us
    assert "10% of all_reduce's time" in row("1 MB", AGREEMENT_CHECK)
    assert "1.00 x raw bandwidth" in row("100 MB", ALL_REDUCE_MINITORCH)
    assert "32,000 samples/s" in row(STEP, bucketed(1)) and "1.25 x one process's samples/s" in row(STEP, bucketed(1))
    assert "1.00 x one process's samples/s" in row(STEP, ONE_BUCKET)
    assert "25,600 samples/s" in row("batch 256", single_process(2))
    assert "12,800 samples/s" in row("batch 256", single_process(1))


def test_the_summary_checks_the_target_and_measures_the_overlap() -> None:
    summary = format_summary(MADE_UP, "quick")
    assert "MISS all_reduce bandwidth >= 0.9 x raw mpi4py: float32 1 MB 0.80, float32 100 MB 1.00" in summary
    assert "scaling efficiency" in summary and "= 1.25;" in summary
    assert "(2 x samples/s of 1 process with 1 BLAS thread) = 1.25 (perfect: 1.0)" in summary  # 20 ms / (2 x 8 ms)
    # one bucket 10 ms - no_sync 6 ms = 4 ms of communication; small buckets hide 10 - 8 = 2 ms of it
    assert "costs 4 ms of communication" in summary and "save 2 ms of it (50%)" in summary
    met = [entry for entry in MADE_UP if entry["variant"] != ALL_REDUCE_MINITORCH or "1 MB" not in entry["params"]]
    met.append(_made_up("all_reduce", "float32 1 MB", ALL_REDUCE_MINITORCH, 210e-6, bytes=2 ** 20))
    assert "met  all_reduce bandwidth >= 0.9 x raw mpi4py" in format_summary(met, "quick")
    assert "all_reduce bandwidth" not in format_summary(MADE_UP, "smoke")  # not the target's sizes

