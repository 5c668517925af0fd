"""The report: peaks, ratios and targets computed from the results, printed as a table and written as JSON."""
from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass
from typing import Any, Callable

from .backends import MINITORCH, NUMPY, TORCH, Backend
from .cases import GBPS, GFLOPS, MS_PER_STEP, Case
from .runner import ERROR, NOT_AVAILABLE, OK, Result
from .timing import Budget

JSON_SCHEMA_VERSION = 1


# ---- derived figures ----
@dataclass(frozen=True)
class Peak:
    """The best measured figure on a device, and where it came from."""

    value: float
    unit: str
    source: str  # "<case id> on <backend>"


LARGE_MATMUL_FLOPS = 2.0 * 1024 ** 3
"""A matmul of at least this many FLOPs counts for the FLOP/s peak (small ones run from cache, in bursts)."""


def measured_peaks(results: list[Result]) -> dict[str, dict[str, Peak]]:
    """Per device: the best large matmul's GFLOP/s ("flops") and the best copy's GB/s ("bandwidth").

    Without a large matmul in the run (the smoke suite), every matmul counts.
    """
    measured = [result for result in results if result.status == OK]
    matmuls = [result for result in measured if result.case.benchmark == "matmul"]
    large_matmuls = [result for result in matmuls if result.case.work >= LARGE_MATMUL_FLOPS] or matmuls
    copies = [result for result in measured if result.case.benchmark == "copy"]
    peaks: dict[str, dict[str, Peak]] = {}
    for kind, candidates, figure, unit in (("flops", large_matmuls, lambda r: r.gflops, GFLOPS),
                                           ("bandwidth", copies, lambda r: r.value, GBPS)):
        for device in dict.fromkeys(result.backend.device for result in candidates):
            best = max((result for result in candidates if result.backend.device == device), key=figure)
            peaks.setdefault(device, {})[kind] = Peak(figure(best), unit, f"{best.case.id} on {best.backend.name}")
    return peaks


def fraction_of_peak(result: Result, peaks: dict[str, dict[str, Peak]]) -> float | None:
    """The result's GFLOP/s over the device's matmul peak, or its GB/s over the copy peak (None: neither fits)."""
    device_peaks = peaks.get(result.backend.device, {})
    if result.case.unit == GBPS and "bandwidth" in device_peaks:
        return result.value / device_peaks["bandwidth"].value
    if (result.case.unit == GFLOPS or result.case.flops) and "flops" in device_peaks:
        return result.gflops / device_peaks["flops"].value
    return None


def reference_result(result: Result, by_key: dict[tuple[str, str], Result], family: str) -> Result | None:
    """The same case measured by raw NumPy, or by PyTorch on the same device (None when not measured)."""
    name = NUMPY if family == NUMPY else f"{family}:{result.backend.device}"
    reference = by_key.get((result.case.id, name))
    if reference is None or reference is result or reference.status != OK:
        return None
    return reference


def time_ratio(result: Result, reference: Result | None) -> float | None:
    """result's median time over the reference's: 1.0 is as fast, 2.0 twice as slow."""
    if reference is None or result.status != OK:
        return None
    return result.timing.median_s / reference.timing.median_s


def index_results(results: list[Result]) -> dict[tuple[str, str], Result]:
    return {(result.case.id, result.backend.name): result for result in results}


# ---- targets (issue 5) ----
@dataclass(frozen=True)
class Target:
    """minitorch's median time on matching cases must stay within max_time_ratio of a reference's."""

    description: str
    reference_family: str  # NUMPY or TORCH (on the same device)
    max_time_ratio: float
    applies_to: Callable[[Case], bool]


TARGETS = (
    Target("matmul through minitorch >= 0.95 x raw NumPy GFLOP/s at n >= 256", NUMPY, 1 / 0.95,
           lambda case: case.benchmark == "matmul" and case.series.endswith("square") and case.size >= 256),
    Target("MLP step 784-512-512-10 batch 256 <= 1.1 x PyTorch time", TORCH, 1.1,
           lambda case: case.benchmark == "mlp_step" and "784-512-512-10" in case.params),
    Target("MLP step 64-128-10 batch 64 <= 1.5 x PyTorch time", TORCH, 1.5,
           lambda case: case.benchmark == "mlp_step" and "64-128-10 " in case.params),
    Target("MLP step 784-512-512-10 batch 256 with Adam, every activation <= 1.3 x PyTorch time", TORCH, 1.3,
           lambda case: case.benchmark.startswith("mlp_step.") and "784-512-512-10" in case.params),
    # issue 13, pool
    Target("max_pool2d forward+backward 64x32x28x28 2x2 <= 2 x PyTorch time", TORCH, 2.0,
           lambda case: case.benchmark == "max_pool2d.forward+backward"),
    # convolution (issue 13, conv)
    Target("conv2d forward+backward at MNIST-CNN shapes (batch 64) <= 1.5 x PyTorch time", TORCH, 1.5,
           lambda case: case.benchmark == "conv2d.forward+backward" and "batch 64 " in case.params),
    Target("conv2d forward+backward at MNIST-CNN shapes (batch 64) <= 1.2 x the raw NumPy im2col+matmul floor",
           NUMPY, 1.2, lambda case: case.benchmark == "conv2d.forward+backward" and "batch 64 " in case.params),
    Target("CNN training step (examples/train_cnn.py's net, MNIST 28x28, batch 64) <= 1.5 x PyTorch time", TORCH, 1.5,
           lambda case: case.benchmark == "cnn_step" and "batch 64 " in case.params),
    # recurrent networks (issue 14)
    Target("LSTM 2 layers 128->256 seq 35 batch 32 forward+backward <= 1.5 x PyTorch time", TORCH, 1.5,
           lambda case: case.benchmark == "lstm_step" and "128->256 seq 35 batch 32" in case.params),
    Target("GRU 2 layers 128->256 seq 35 batch 32 forward+backward <= 1.5 x PyTorch time", TORCH, 1.5,
           lambda case: case.benchmark == "gru_step" and "128->256 seq 35 batch 32" in case.params),
)


def check_targets(results: list[Result]) -> list[dict[str, Any]]:
    """Per target: each matching minitorch measurement, its time ratio, and whether it is met."""
    by_key = index_results(results)
    report = []
    for target in TARGETS:
        checks = []
        for result in results:
            if result.backend.family != MINITORCH or result.status != OK or not target.applies_to(result.case):
                continue
            ratio = time_ratio(result, reference_result(result, by_key, target.reference_family))
            if ratio is not None:
                checks.append({"case": result.case.id, "backend": result.backend.name, "time_ratio": ratio,
                               "met": ratio <= target.max_time_ratio})
        report.append({"target": target.description, "max_time_ratio": target.max_time_ratio, "checks": checks})
    return report


# ---- formatting ----
def _time_unit(seconds: float) -> tuple[float, str]:
    for scale, unit in ((1.0, "s"), (1e-3, "ms"), (1e-6, "us")):
        if seconds >= scale:
            return scale, unit
    return 1e-9, "ns"


def format_seconds(seconds: float) -> str:
    """A duration with a unit that keeps 3 significant digits readable: 812 ns, 12.3 us, 4.56 ms, 1.23 s."""
    scale, unit = _time_unit(seconds)
    return f"{seconds / scale:.3g} {unit}"


def _spread(result: Result) -> str:
    """Q1-Q3 (or min-max under 4 rounds) in the unit of the upper end: "1.21-1.30 ms"."""
    low, high = result.timing.quartiles_s
    scale, unit = _time_unit(high)
    return f"{low / scale:.3g}-{high / scale:.3g} {unit}"


def _throughput(result: Result) -> str:
    unit = result.case.unit
    if unit == MS_PER_STEP:
        return f"{result.case.work / result.timing.median_s:,.0f} samples/s"
    return f"{result.value:.3g} {unit}"


def _ratio_text(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio:.2f}"


def _reason_text(result: Result) -> str:
    return f"{result.status}: {result.reason}"


TABLE_COLUMNS = ("benchmark", "params", "backend", "median", "spread", "throughput", "t/numpy", "t/torch", "peak")


def _result_row(result: Result, by_key: dict, peaks: dict) -> list[str]:
    case = result.case
    if result.status != OK:
        return [case.benchmark, case.params, result.backend.name, _reason_text(result)]
    fraction = fraction_of_peak(result, peaks)
    return [case.benchmark, case.params, result.backend.name, format_seconds(result.timing.median_s),
            _spread(result), _throughput(result),
            _ratio_text(time_ratio(result, reference_result(result, by_key, NUMPY))),
            _ratio_text(time_ratio(result, reference_result(result, by_key, TORCH))),
            "-" if fraction is None else f"{fraction:.0%}"]


def _missing_throughout(results: list[Result]) -> dict[Backend, str]:
    """Backends without a single measurement in `results`, all for one reason: backend -> that reason."""
    missing = {}
    for backend in dict.fromkeys(result.backend for result in results):
        reasons = {_reason_text(result) for result in results if result.backend is backend}
        if len(reasons) == 1 and all(r.status == NOT_AVAILABLE for r in results if r.backend is backend):
            missing[backend] = reasons.pop()
    return missing


def _benchmark_rows(results: list[Result], by_key: dict, peaks: dict, skipped: set[Backend]) -> list[list[str]]:
    """One benchmark: a row per case and backend, except one row for a backend missing from every size."""
    shown = [result for result in results if result.backend not in skipped]
    missing = _missing_throughout(shown)
    rows = [_result_row(result, by_key, peaks) for result in shown if result.backend not in missing]
    rows += [[results[0].case.benchmark, "(every size)", backend.name, reason] for backend, reason in missing.items()]
    return rows


def render_rows(rows: list[list[str]], separators: set[int], text_columns: int = 3) -> str:
    """Aligned columns, the first row the header (the first text_columns left-aligned, numbers right-aligned);
    a short row's last cell (a reason) runs on past the rest; a line of dashes before each row in separators."""
    columns = len(rows[0])
    widths = [0] * columns
    for row in rows:
        aligned = row if len(row) == columns else row[:-1]
        for column, cell in enumerate(aligned):
            widths[column] = max(widths[column], len(cell))
    lines = []
    for index, row in enumerate(rows):
        if index in separators:
            lines.append("-" * (sum(widths) + 2 * (len(widths) - 1)))
        if len(row) == columns:
            cells = [cell.rjust(widths[column]) if column >= text_columns else cell.ljust(widths[column])
                     for column, cell in enumerate(row)]
        else:
            cells = [cell.ljust(widths[column]) for column, cell in enumerate(row[:-1])] + [row[-1]]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def format_table(results: list[Result]) -> str:
    """backend x benchmark: median time, spread, throughput, time against NumPy and PyTorch, fraction of peak.

    A backend missing from the whole run for one reason (no GPU, no PyTorch) gets one row at the top.
    """
    by_key, peaks = index_results(results), measured_peaks(results)
    missing = _missing_throughout(results)
    rows: list[list[str]] = [list(TABLE_COLUMNS)]
    rows += [["(every benchmark)", "", backend.name, reason] for backend, reason in missing.items()]
    separators = {1}
    for benchmark in dict.fromkeys(result.case.benchmark for result in results):
        separators.add(len(rows))
        rows += _benchmark_rows([r for r in results if r.case.benchmark == benchmark], by_key, peaks,
                                set(missing))
    return render_rows(rows, separators)


def format_machine(machine: dict[str, Any]) -> str:
    """Two lines: CPU, BLAS and its environment; GPU."""
    blas = machine["blas"]
    runtime = blas["runtime"]
    if isinstance(runtime, list):
        kernels = ", ".join(f"{pool['internal_api']} {pool['version']} {pool['architecture']} kernel, "
                            f"{pool['num_threads']} threads" for pool in runtime)
    else:
        kernels = runtime
    environment = " ".join(f"{name}={value}" for name, value in machine["blas_environment"].items()
                           if value is not None) or "no BLAS variables set"
    gpu = machine["gpu"]
    gpu_text = gpu["name"] if gpu["available"] else f"none usable ({gpu['reason']})"
    versions = ", ".join(f"{name} {version}" for name, version in machine["versions"].items() if version)
    share = machine["other_processes_cpu_share"]
    load = "" if share is None else f", other processes used {share:.0%} of the CPU during the run"
    busy = " (timings are slower and noisier than on an idle machine)" if share and share > 0.1 else ""
    return (f"CPU: {machine['cpu_model']}, {machine['usable_cores']} usable cores{load}{busy}"
            f" | NumPy BLAS: "
            f"{blas['numpy_build']['name']} {blas['numpy_build']['version']} ({kernels}) | {environment}\n"
            f"GPU: {gpu_text}\nVersions: {versions}")


def format_peaks(results: list[Result]) -> str:
    """The peaks the 'peak' column divides by: GB/s rows by the copy's (cache-resident sizes can exceed it),
    GFLOP/s and ms/step rows by the best large matmul's."""
    lines = ["peak column: GB/s over the copy peak (cache-resident sizes can exceed 100%), GFLOP/s (and a "
             "ms/step row's FLOPs) over the matmul peak; t/numpy, t/torch: median time over theirs."]
    for device, device_peaks in measured_peaks(results).items():
        for kind, peak in device_peaks.items():
            lines.append(f"Measured {device} peak {kind}: {peak.value:.3g} {peak.unit} ({peak.source})")
    return "\n".join(lines)


def format_first_calls(results: list[Result]) -> str:
    """The first call's time on GPU backends (it includes compiling our CUDA kernels), or why there is none."""
    gpu_results = [result for result in results if result.backend.device == "cuda"]
    measured = [result for result in gpu_results if result.status == OK]
    if not measured:
        reasons = sorted({f"{result.backend.name}: {result.reason}" for result in gpu_results})
        return "GPU first call (kernel compilation): n/a: " + ("; ".join(reasons) or "no GPU backend was run")
    lines = ["GPU first call (includes kernel compilation) against the median call:"]
    lines += [f"  {result.case.id} on {result.backend.name}: {format_seconds(result.timing.first_call_s)} "
              f"(median {format_seconds(result.timing.median_s)})" for result in measured]
    return "\n".join(lines)


def format_targets(results: list[Result]) -> str:
    lines = ["Targets (t/reference = minitorch's median time over the reference's):"]
    for target in check_targets(results):
        checks = target["checks"]
        if not checks:
            lines.append(f"  n/a  {target['target']}: not measured in this run")
            continue
        missed = [check for check in checks if not check["met"]]
        verdict = "MISS" if missed else "met "
        detail = ", ".join(f"{check['case']} {check['backend']} {check['time_ratio']:.2f}" for check in checks)
        lines.append(f"  {verdict} {target['target']} (limit {target['max_time_ratio']:.2f}): {detail}")
    return "\n".join(lines)


def format_report(results: list[Result], machine: dict[str, Any], suite_name: str) -> str:
    """The whole printed report."""
    errors = sum(result.status == ERROR for result in results)
    footer = f"\n{errors} benchmark(s) failed: see the 'error' rows." if errors else ""
    return "\n\n".join([f"minitorch benchmarks, {suite_name} suite", format_machine(machine), format_table(results),
                        format_peaks(results), format_first_calls(results), format_targets(results)]) + footer


# ---- JSON ----
def result_record(result: Result, by_key: dict, peaks: dict) -> dict[str, Any]:
    """One result as a flat JSON object (timings in seconds)."""
    case = result.case
    record: dict[str, Any] = {
        "benchmark": case.benchmark, "params": case.params, "series": case.series, "size": case.size,
        "backend": result.backend.name, "device": result.backend.device, "status": result.status,
        "reason": result.reason, "unit": case.unit, "work": case.work, "flops": case.flops,
    }
    if result.status == OK:
        timing = result.timing
        q1, q3 = timing.quartiles_s
        record.update({
            "median_s": timing.median_s, "q1_s": q1, "q3_s": q3, "spread": timing.spread_kind,
            "min_s": min(timing.per_call_s), "max_s": max(timing.per_call_s), "rounds": len(timing.per_call_s),
            "calls_per_round": timing.calls_per_round, "first_call_s": timing.first_call_s,
            "value": result.value, "gflops": result.gflops,
            "time_vs_numpy": time_ratio(result, reference_result(result, by_key, NUMPY)),
            "time_vs_torch": time_ratio(result, reference_result(result, by_key, TORCH)),
            "fraction_of_peak": fraction_of_peak(result, peaks),
        })
    return record


def to_json(results: list[Result], machine: dict[str, Any], suite_name: str, budget: Budget) -> dict[str, Any]:
    """The report as a JSON-ready dict: suite, machine, peaks, targets and one record per result."""
    by_key, peaks = index_results(results), measured_peaks(results)
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "suite": suite_name,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "budget": dataclasses.asdict(budget),
        "machine": machine,
        "peaks": {device: {kind: dataclasses.asdict(peak) for kind, peak in device_peaks.items()}
                  for device, device_peaks in peaks.items()},
        "targets": check_targets(results),
        "results": [result_record(result, by_key, peaks) for result in results],
    }
