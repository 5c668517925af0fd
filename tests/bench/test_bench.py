"""minitorch.bench: the smoke run prints a table and writes valid JSON; timing, ratios, targets and the chart
work on made-up timings. Nothing here asserts a speed."""
from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import minitorch as mt
from minitorch.bench import report
from minitorch.bench.__main__ import main
from minitorch.bench.backends import Backend, Unavailable, all_backends, backend_named
from minitorch.bench.cases import GFLOPS, MS_PER_STEP, SUITE_NAMES, Case, suite
from minitorch.bench.runner import ERROR, NOT_AVAILABLE, OK, Result, run, run_one
from minitorch.bench.timing import SMOKE, Budget, Timing, measure, measure_alternating

from ..conftest import import_torch

ROOT = Path(__file__).resolve().parents[2]
RESULT_KEYS = {"benchmark", "params", "series", "size", "backend", "device", "status", "reason", "unit", "work"}
TIMING_KEYS = {"median_s", "q1_s", "q3_s", "min_s", "max_s", "rounds", "first_call_s", "value", "time_vs_numpy",
               "time_vs_torch", "fraction_of_peak"}


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str, dict]:
    """`python -m minitorch.bench --smoke --json PATH`, in this process: (exit status, table, JSON)."""
    path = tmp_path_factory.mktemp("bench") / "smoke.json"
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        status = main(["--smoke", "--quiet", "--json", str(path)])
    return status, output.getvalue(), json.loads(path.read_text())


def test_smoke_run_succeeds_with_a_row_per_case_on_the_cpu_backends(smoke_run) -> None:
    status, table, _ = smoke_run
    assert status == 0, table
    for column in report.TABLE_COLUMNS:
        assert column in table.splitlines()[6]
    for case in suite("smoke"):
        for backend in ("minitorch:cpu", "numpy"):
            shown = (case.params,) if backend == "minitorch:cpu" else (case.params, "n/a: NumPy has no")  # gelu
            assert any(line.startswith(case.benchmark) and any(text in line for text in shown) and backend in line
                       for line in table.splitlines()), (case.id, backend)


def test_smoke_json_has_the_machine_the_peaks_and_every_result(smoke_run) -> None:
    _, _, document = smoke_run
    assert {"schema_version", "suite", "created", "budget", "machine", "peaks", "targets", "results"} <= set(document)
    machine = document["machine"]
    assert {"cpu_model", "cpu_count", "usable_cores", "blas", "blas_environment", "versions", "gpu",
            "other_processes_cpu_share"} <= set(machine)
    assert machine["versions"]["numpy"] and machine["blas"]["numpy_build"]["name"]
    assert {"flops", "bandwidth"} <= set(document["peaks"]["cpu"])
    results = document["results"]
    assert len(results) == len(suite("smoke")) * len(all_backends())
    for record in results:
        assert RESULT_KEYS <= set(record)
        assert record["status"] in (OK, NOT_AVAILABLE), record
        if record["status"] == OK:
            assert TIMING_KEYS <= set(record) and record["median_s"] > 0 and record["rounds"] == 1
        else:
            assert record["reason"]
    measured = {record["backend"] for record in results if record["status"] == OK}
    assert {"minitorch:cpu", "numpy"} <= measured


@pytest.mark.skipif(mt.cuda.is_available(), reason="a GPU is usable here")
def test_without_a_gpu_the_gpu_rows_say_why(smoke_run) -> None:
    _, table, document = smoke_run
    reason = mt.cuda.unavailable_reason()
    assert f"minitorch:cuda  n/a: {reason}" in table
    assert "GPU first call (kernel compilation): n/a: minitorch:cuda: " in table
    gpu_records = [record for record in document["results"] if record["backend"] == "minitorch:cuda"]
    assert gpu_records and all(record["reason"] == reason for record in gpu_records)
    assert document["machine"]["gpu"] == {"available": False, "reason": reason}


def test_the_module_runs_as_a_command() -> None:
    completed = subprocess.run([sys.executable, "-m", "minitorch.bench", "--smoke", "--quiet", "--only", "overhead"],
                               capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert "op_overhead" in completed.stdout and "us/op" in completed.stdout


def test_the_entry_point_is_declared() -> None:
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["minitorch-bench"] == "minitorch.bench.__main__:main"


def test_import_minitorch_imports_neither_the_benchmarks_nor_matplotlib() -> None:
    code = "import sys, minitorch; print(sorted(m for m in sys.modules if m.startswith(('matplotlib', 'minitorch.bench'))))"
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert completed.stdout.strip() == "[]", completed.stdout + completed.stderr


@pytest.mark.parametrize("name", SUITE_NAMES)
def test_suites_have_unique_case_ids(name: str) -> None:
    ids = [case.id for case in suite(name)]
    assert len(ids) == len(set(ids))


# ---- timing and the report, on made-up timings ----
def test_measure_times_the_first_call_apart_then_rounds_and_synchronises() -> None:
    calls, synchronisations = [], []
    budget = Budget(min_rounds=3, max_rounds=3, round_seconds=0.0, case_seconds=0.0, warmup_calls=2)
    timing = measure(lambda: calls.append(1), lambda: synchronisations.append(1), budget)
    assert len(timing.per_call_s) == 3 and timing.calls_per_round == 1
    assert len(calls) == 1 + 2 + 3  # first, warm-up, rounds (no estimate: round_seconds is 0)
    assert len(synchronisations) >= 1 + 1 + 3
    assert timing.spread_kind == "min-max" and timing.quartiles_s == (min(timing.per_call_s), max(timing.per_call_s))


def test_backends_sharing_a_thread_pool_are_timed_in_alternating_rounds() -> None:
    order: list[str] = []
    budget = Budget(min_rounds=3, max_rounds=3, round_seconds=0.0, case_seconds=0.0, warmup_calls=1)
    timings = measure_alternating([(lambda: order.append("a"), lambda: None), (lambda: order.append("b"), lambda: None)],
                                  budget)
    assert [len(timing.per_call_s) for timing in timings] == [3, 3]
    assert order == ["a", "a", "b", "b"] + ["a", "b"] * 3  # first call and warm-up each, then rounds in turn


def test_run_groups_backends_by_thread_pool_and_keeps_errors_on_their_own_row() -> None:
    assert backend_named("minitorch:cpu").thread_pool == backend_named("numpy").thread_pool
    assert backend_named("torch:cpu").thread_pool != backend_named("numpy").thread_pool
    assert backend_named("minitorch:cuda").thread_pool != backend_named("minitorch:cpu").thread_pool

    def build(backend: Backend):
        if backend.family == "numpy":
            return lambda: None

        def broken() -> None:
            raise ValueError("broken on minitorch")

        return broken

    case = Case("matmul", "float32 8x8x8", "matmul float32 square", 8, GFLOPS, work=1024.0, build=build)
    results = run([case], [backend_named("minitorch:cpu"), backend_named("numpy")], SMOKE)
    assert [(result.backend.name, result.status) for result in results] == [("minitorch:cpu", ERROR), ("numpy", OK)]
    assert "broken on minitorch" in results[0].reason


def _result(case: Case, backend: str, seconds: float) -> Result:
    return Result(case, backend_named(backend), OK, timing=Timing(seconds, (seconds,) * 5, 1))


def _case(benchmark: str, params: str, size: int, unit: str = GFLOPS, series: str = "matmul float32 square") -> Case:
    return Case(benchmark, params, series, size, unit, work=2.0 * size ** 3, build=lambda backend: lambda: None)


def test_ratios_peaks_and_targets() -> None:
    matmul = _case("matmul", "float32 512x512x512", 512)
    step = _case("mlp_step", "float32 784-512-512-10 batch 256", 256, unit=MS_PER_STEP, series="mlp_step")
    gelu_step = _case("mlp_step.gelu", "float32 784-512-512-10 batch 256 adam", 256, unit=MS_PER_STEP,
                      series="mlp_step gelu adam")
    conv = _case("conv2d.forward+backward", "float32 batch 64 32->64 3x3 28x28", 2048, series="conv2d")
    results = [_result(matmul, "numpy", 1.0), _result(matmul, "minitorch:cpu", 1.25),
               _result(step, "torch:cpu", 0.010), _result(step, "minitorch:cpu", 0.011),
               _result(gelu_step, "torch:cpu", 0.010), _result(gelu_step, "minitorch:cpu", 0.014),
               _result(conv, "torch:cpu", 0.010), _result(conv, "numpy", 0.010), _result(conv, "minitorch:cpu", 0.014)]
    pool = _case("max_pool2d.forward+backward", "float32 64x32x28x28 2x2", 64, unit=MS_PER_STEP,
                 series="max_pool2d forward+backward")  # issue 13, pool
    results += [_result(pool, "torch:cpu", 0.010), _result(pool, "minitorch:cpu", 0.019)]
    cnn = _case("cnn_step", "float32 batch 64 28x28 adam", 64, unit=MS_PER_STEP, series="cnn_step")
    results += [_result(cnn, "torch:cpu", 0.010), _result(cnn, "minitorch:cpu", 0.016)]
    lstm = _case("lstm_step", "float32 2 layers 128->256 seq 35 batch 32", 32, unit=MS_PER_STEP, series="lstm")  # #14
    results += [_result(lstm, "torch:cpu", 0.010), _result(lstm, "minitorch:cpu", 0.016)]
    by_key = report.index_results(results)
    minitorch_matmul = results[1]
    assert report.time_ratio(minitorch_matmul, report.reference_result(minitorch_matmul, by_key, "numpy")) == 1.25
    assert report.reference_result(minitorch_matmul, by_key, "torch") is None
    peaks = report.measured_peaks(results)
    assert peaks["cpu"]["flops"].value == pytest.approx(2 * 512 ** 3 / 1e9)
    assert report.fraction_of_peak(minitorch_matmul, peaks) == pytest.approx(0.8)
    verdicts = {target["target"]: [check["met"] for check in target["checks"]] for target in report.check_targets(results)}
    assert verdicts == {report.TARGETS[0].description: [False], report.TARGETS[1].description: [True],
                        report.TARGETS[2].description: [], report.TARGETS[3].description: [False],
                        report.TARGETS[4].description: [True], report.TARGETS[5].description: [True],
                        report.TARGETS[6].description: [False], report.TARGETS[7].description: [False],
                        report.TARGETS[8].description: [False], report.TARGETS[9].description: []}


def test_a_backend_missing_everywhere_gets_one_row_and_errors_show() -> None:
    cases = [_case("matmul", f"float32 {n}x{n}x{n}", n) for n in (64, 128)]
    missing = Backend("minitorch", "cuda", mt, "no GPU here")
    results = [_result(case, "numpy", 0.001) for case in cases]
    results += [Result(case, missing, NOT_AVAILABLE, "no GPU here") for case in cases]
    results.append(Result(cases[0], backend_named("minitorch:cpu"), ERROR, "ValueError: broken"))
    table = report.format_table(results)
    assert table.count("n/a: no GPU here") == 1
    assert "error: ValueError: broken" in table


def test_chart_is_written_with_the_gpu_crossover(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from minitorch.bench.plot import gpu_crossover, write_chart

    gpu = Backend("minitorch", "cuda", mt)  # made-up GPU timings: slower at 64, faster from 128
    cases = [_case("matmul", f"float32 {n}x{n}x{n}", n) for n in (64, 128, 256)]
    results = [_result(case, "minitorch:cpu", 1e-3 * case.size) for case in cases]
    results += [Result(case, gpu, OK, timing=Timing(1.0, (0.1,) * 5, 1)) for case in cases]
    assert gpu_crossover(results) == 128
    machine = {"gpu": {"available": True, "name": "made-up GPU"}, "cpu_model": "test CPU", "usable_cores": 2}
    path = tmp_path / "chart.png"
    write_chart(results, str(path), machine, "quick")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_every_smoke_case_runs_on_a_cuda_device(fake_cuda, monkeypatch: pytest.MonkeyPatch) -> None:
    """The minitorch:cuda builders put every tensor and model on the device (checked on the stand-in device)."""
    synchronisations = []
    monkeypatch.setattr(fake_cuda, "synchronize", lambda: synchronisations.append(1), raising=False)
    cuda = Backend("minitorch", "cuda", mt)
    for case in suite("smoke"):
        result = run_one(case, cuda, SMOKE)
        assert result.status == OK, (case.id, result.reason)
    assert synchronisations


def _arrays(result: object) -> list[np.ndarray]:
    """A case's result (a tensor, an array, a number, or a tuple or list of them) as float64 NumPy arrays."""
    if isinstance(result, (tuple, list)):
        return [array for item in result for array in _arrays(item)]
    if hasattr(result, "detach"):
        result = result.detach().cpu().numpy()
    return [np.asarray(result, dtype=np.float64)]


@pytest.mark.parametrize("case", suite("smoke"), ids=lambda case: case.id)
def test_every_backend_computes_the_same_result(case: Case) -> None:
    """minitorch, NumPy and PyTorch run the same computation in each case: two calls (the second after the
    first's updates, for the training and optimizer steps) give the same numbers on each."""
    def two_calls(backend_name: str) -> list[np.ndarray]:
        call = case.build(backend_named(backend_name))
        return _arrays(call()) + _arrays(call())

    try:
        expected, others = two_calls("numpy"), ("minitorch:cpu", "torch:cpu")
    except Unavailable:  # no NumPy formula (gelu: NumPy has no erf): minitorch against PyTorch
        import_torch()
        expected, others = two_calls("torch:cpu"), ("minitorch:cpu",)
    for backend_name in others:
        if backend_name == "torch:cpu":
            import_torch()  # without PyTorch: a skip saying so, after minitorch's comparison (CI=true: a failure)
        results = two_calls(backend_name)
        assert len(results) == len(expected), backend_name
        for got, want in zip(results, expected):
            np.testing.assert_allclose(got, want, rtol=2e-4, atol=1e-5, err_msg=f"{case.id} on {backend_name}")


def test_mlp_step_flops_count_only_the_products_computed() -> None:
    """Per layer: forward and weight gradient; the input gradient for every layer but the first (the features
    do not require grad): 64·(6·(64·128 + 128·10) - 2·64·128) for the 64-128-10 MLP on a batch of 64."""
    flops = {case.params: case.flops for case in suite("smoke") if case.benchmark == "mlp_step"}
    assert flops["float32 64-128-10 batch 64"] == 64 * (6 * (64 * 128 + 128 * 10) - 2 * 64 * 128)
    assert flops["float32 784-512-512-10 batch 256"] == 256 * (6 * (784 * 512 + 512 * 512 + 512 * 10) - 2 * 784 * 512)
