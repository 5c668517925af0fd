"""The chart: throughput against size, a line per backend, a panel per series (needs matplotlib, optional)."""
from __future__ import annotations

import math
import textwrap
from typing import Any

from .cases import GBPS, GFLOPS
from .runner import OK, Result

MINITORCH_CPU, MINITORCH_CUDA = "minitorch:cpu", "minitorch:cuda"


class ChartUnavailable(Exception):
    """No chart can be drawn (matplotlib missing, or no series with two sizes); the message says why."""


def _sweeps(results: list[Result]) -> dict[str, list[Result]]:
    """The measured results of each throughput series (GFLOP/s or GB/s) that has at least two sizes."""
    series: dict[str, list[Result]] = {}
    for result in results:
        if result.status == OK and result.case.unit in (GFLOPS, GBPS):
            series.setdefault(result.case.series, []).append(result)
    return {name: members for name, members in series.items() if len({r.case.size for r in members}) >= 2}


def gpu_crossover(members: list[Result]) -> int | None:
    """The smallest size from which minitorch on the GPU is faster than on the CPU (None: never, or no GPU)."""
    by_size: dict[int, dict[str, float]] = {}
    for result in members:
        by_size.setdefault(result.case.size, {})[result.backend.name] = result.timing.median_s
    for size in sorted(by_size):
        times = by_size[size]
        if MINITORCH_CPU in times and MINITORCH_CUDA in times and times[MINITORCH_CUDA] < times[MINITORCH_CPU]:
            return size
    return None


def _minor_label(value: float, _position: int) -> str:
    """Label the 2s and 5s between powers of ten (20, 50, 0.2, ...), leave the other minor ticks bare."""
    if value <= 0:
        return ""
    mantissa = value / 10 ** math.floor(math.log10(value))
    return f"{value:g}" if any(math.isclose(mantissa, digit) for digit in (2, 5)) else ""


def write_chart(results: list[Result], path: str, machine: dict[str, Any], suite_name: str) -> None:
    """Save a PNG at `path`; ChartUnavailable when it cannot."""
    try:
        import matplotlib  # noqa: PLC0415 - optional; never imported by `import minitorch`

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # noqa: PLC0415
        from matplotlib.ticker import FuncFormatter  # noqa: PLC0415
    except ImportError as error:
        raise ChartUnavailable(f"matplotlib is not installed ({error}); pip install matplotlib") from None
    sweeps = _sweeps(results)
    if not sweeps:
        raise ChartUnavailable("no series was measured at two sizes or more (the smoke suite has one size each)")
    columns = min(3, len(sweeps))
    rows = math.ceil(len(sweeps) / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(5.2 * columns, 3.8 * rows), squeeze=False)
    for axis, (series, members) in zip(axes.flat, sweeps.items()):
        for backend in dict.fromkeys(result.backend.name for result in members):
            points = sorted((r.case.size, r.value) for r in members if r.backend.name == backend)
            axis.plot(*zip(*points), marker="o", label=backend)
        crossover = gpu_crossover(members)
        if crossover is not None:
            axis.axvline(crossover, color="gray", linestyle="--", label=f"GPU faster from {crossover:,}")
        axis.set(xscale="log", yscale="log", title=series, xlabel=members[0].case.size_label,
                 ylabel=members[0].case.unit)
        axis.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        axis.yaxis.set_minor_formatter(FuncFormatter(_minor_label))
        axis.tick_params(axis="y", which="minor", labelsize="x-small")
        axis.grid(True, which="major", alpha=0.3)
        axis.legend(fontsize="small")
    for axis in list(axes.flat)[len(sweeps):]:
        axis.set_visible(False)
    gpu = machine["gpu"]
    gpu_text = f"GPU {gpu['name']}" if gpu["available"] else f"no GPU rows: {gpu['reason']}"
    title = f"minitorch benchmarks ({suite_name}): {machine['cpu_model']}, {machine['usable_cores']} cores; {gpu_text}"
    figure.suptitle("\n".join(textwrap.wrap(title, 130)), fontsize="medium")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
