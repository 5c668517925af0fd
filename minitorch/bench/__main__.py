"""python -m minitorch.bench (or minitorch-bench): run a benchmark suite, print the table, write JSON and a chart.

    python -m minitorch.bench                      # quick suite (about a minute on 2 cores)
    python -m minitorch.bench --smoke              # tiny sizes, one round: what CI runs (seconds)
    python -m minitorch.bench --json out.json --plot out.png

The full run (sizes up to 4096 and 1e8 elements; about 15 minutes on 2 cores), with the PyTorch column
(use a Python that has torch; PyTorch is never a dependency) and NumPy's BLAS on its native kernel:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE PYTHONPATH=. python -m minitorch.bench --full \\
        --json bench-full.json --plot bench-full.png

Some machines here set OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE because older OpenBLAS builds compute wrong
results or crash on their CPUs without them; they also pin a current NumPy to a slower kernel. Unset both
only in a benchmark command like the one above, never in tests or CI; the JSON records both variables and,
with threadpoolctl installed, the kernel OpenBLAS actually ran (machine.blas.runtime).

Exit status: 0, or 1 when a benchmark failed (its row says "error: ...").
"""
from __future__ import annotations

import argparse
import json
import sys

from .backends import all_backends
from .cases import suite
from .machine import cpu_snapshot, machine_info, other_processes_load
from .plot import ChartUnavailable, write_chart
from .report import format_report, format_seconds, to_json
from .runner import ERROR, OK, Result, run
from .timing import FULL, QUICK, SMOKE

BUDGETS = {"smoke": SMOKE, "quick": QUICK, "full": FULL}


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m minitorch.bench",
                                     description="minitorch against raw NumPy and PyTorch, on CPU and GPU.")
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--smoke", dest="suite", action="store_const", const="smoke",
                      help="tiny sizes, one round each (for CI)")
    size.add_argument("--full", dest="suite", action="store_const", const="full",
                      help="every size up to 4096 / 1e8 elements (long)")
    parser.set_defaults(suite="quick")
    parser.add_argument("--json", metavar="PATH", help="write the results, machine and peaks as JSON")
    parser.add_argument("--plot", metavar="PATH", help="write a PNG chart of throughput against size (matplotlib)")
    parser.add_argument("--only", metavar="TEXT", action="append",
                        help="run only benchmarks whose name contains TEXT (repeatable)")
    parser.add_argument("--backends", metavar="NAMES",
                        help="comma-separated subset of: " + ", ".join(b.name for b in all_backends()))
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    return parser.parse_args(argv)


def _progress(result: Result) -> None:
    """A line on stderr per measured (or failed) result; unavailable backends are summed up in the table."""
    if result.status == OK:
        print(f"  {result.case.id} on {result.backend.name}: {format_seconds(result.timing.median_s)}",
              file=sys.stderr, flush=True)
    elif result.status == ERROR:
        print(f"  {result.case.id} on {result.backend.name}: {result.reason}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    """Run the chosen suite; returns the exit status."""
    arguments = parse_arguments(argv)
    cases = [case for case in suite(arguments.suite)
             if not arguments.only or any(text in case.benchmark for text in arguments.only)]
    backends = all_backends()
    if arguments.backends:
        wanted = {name.strip() for name in arguments.backends.split(",")}
        unknown = wanted - {backend.name for backend in backends}
        if unknown:
            raise SystemExit(f"--backends: unknown {', '.join(sorted(unknown))}")
        backends = tuple(backend for backend in backends if backend.name in wanted)
    budget = BUDGETS[arguments.suite]
    start = cpu_snapshot()
    results = run(cases, backends, budget, on_result=None if arguments.quiet else _progress)
    machine = machine_info(other_processes_load(start, cpu_snapshot()))
    print(format_report(results, machine, arguments.suite))
    if arguments.json:
        with open(arguments.json, "w", encoding="utf-8") as output:
            json.dump(to_json(results, machine, arguments.suite, budget), output, indent=1)
        print(f"\nJSON written to {arguments.json}")
    if arguments.plot:
        try:
            write_chart(results, arguments.plot, machine, arguments.suite)
            print(f"Chart written to {arguments.plot}")
        except ChartUnavailable as reason:
            print(f"No chart: {reason}")
    return 1 if any(result.status == ERROR for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())
