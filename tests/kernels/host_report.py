"""Prints, per activation, the worst error of the host build of kernels/activations.cuh against the float64
references of reference.py, over tests/kernels' inputs and parameters (a Markdown table).

    .venv/bin/python tests/kernels/host_report.py

"relative" is |got - exact| / |exact|; where a float formula cancels (gelu's 1 + erf(x/√2) for x << 0),
it is large, and "mixed" (relative to the terms the formula rounds, what the tests bound) is not.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from host_library import HostActivations, build  # this script's directory is on sys.path
from reference import RTOL, expected, mixed_error, parameters, relative_error, sample_inputs

from minitorch.functions.activation import ACTIVATIONS

DTYPES = [np.dtype(np.float32), np.dtype(np.float64)]


def worst_errors(host: HostActivations, name: str, kind: str, dtype: np.dtype) -> tuple[float, float, float]:
    """(worst relative error, the input x where it occurs, worst mixed error) over every parameter set."""
    x = sample_inputs(dtype.type)
    worst_relative, worst_input, worst_mixed = 0.0, float("nan"), 0.0
    for p0, p1 in parameters(name):
        inputs = host.forward(name, x, p0, p1) if kind == "derivative" and ACTIVATIONS[name].from_output else x
        got = host.forward(name, inputs, p0, p1) if kind == "forward" else host.derivative(name, inputs, p0, p1)
        reference = expected(name, kind, inputs, p0, p1)
        relative = relative_error(got, reference.value)
        if relative.max() > worst_relative:
            worst_relative, worst_input = float(relative.max()), float(x[np.argmax(relative)])
        worst_mixed = max(worst_mixed, float(mixed_error(got, reference).max()))
    return worst_relative, worst_input, worst_mixed


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        host = HostActivations(build(Path(directory), ACTIVATIONS))
        print(f"Worst error against float64 references; tests allow a mixed error of "
              f"{RTOL[DTYPES[0]]:.2g} (float32) and {RTOL[DTYPES[1]]:.2g} (float64).\n")
        header = [f"{dtype} {measure}" for dtype in DTYPES for measure in ("relative", "(at x)", "mixed")]
        print("| activation | of | " + " | ".join(header) + " |")
        print("|---|---|" + "---|" * len(header))
        for name in ACTIVATIONS:
            for kind in ("forward", "derivative"):
                cells = []
                for dtype in DTYPES:
                    relative, at, mixed = worst_errors(host, name, kind, dtype)
                    cells += [f"{relative:.2g}", f"{at:.4g}" if relative else "", f"{mixed:.2g}"]
                print(f"| {name} | {kind} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
