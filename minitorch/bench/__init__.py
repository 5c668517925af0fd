"""minitorch.bench: CPU and GPU throughput of the matmul-heavy core, beside raw NumPy and PyTorch.

    python -m minitorch.bench            # the quick suite; --full, --smoke, --json PATH, --plot PATH

The modules, in the order a run uses them: cases (each benchmark defined once, per size), backends
(minitorch on cpu / cuda, raw NumPy, PyTorch when installed), timing (medians over rounds, GPU
synchronised), runner (a Result per case and backend), report (table, peaks, targets, JSON), plot.
The pytest-benchmark suite in benchmarks/ runs the same cases. `import minitorch` never imports this.
`python -m minitorch.bench.distributed` (distributed, cases_distributed) runs the data-parallel benchmarks with two
ranks under mpiexec.
"""
from .backends import Backend, all_backends
from .cases import Case, suite
from .runner import Result, run
from .timing import Budget, Timing, measure

__all__ = ["Backend", "Budget", "Case", "Result", "Timing", "all_backends", "measure", "run", "suite"]
