"""Launching two ranks from a test: mpiexec (or a skip saying what to install, a failure under CI=true), and a
subprocess run with a timeout, this repository on the path and one BLAS thread per rank."""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from minitorch.distributed.run import find_mpiexec

REPOSITORY = Path(__file__).resolve().parents[2]
TIMEOUT = 60


def mpiexec() -> str:
    """The mpiexec the launcher would use; without it (or mpi4py) a skip saying why, or a failure under CI."""
    try:
        found = find_mpiexec() if importlib.util.find_spec("mpi4py") else None
    except SystemExit:
        found = None
    if found is not None:
        return found
    missing = "mpi4py and mpiexec are needed for the two-rank tests: pip install -e '.[distributed]'"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{missing} (CI=true: they may not skip)", pytrace=False)
    pytest.skip(missing)


def run(*command: str, blas_threads: str | None = "1") -> subprocess.CompletedProcess:
    """command, with blas_threads as OMP_NUM_THREADS and OPENBLAS_NUM_THREADS (None: neither set)."""
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPOSITORY), os.environ.get("PYTHONPATH", "")])}
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        environment.pop(name, None)
    if blas_threads is not None:
        environment.update(OMP_NUM_THREADS=blas_threads, OPENBLAS_NUM_THREADS=blas_threads)
    return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, env=environment, cwd=REPOSITORY)


def two_ranks(script: Path, *args: str) -> subprocess.CompletedProcess:
    """script with its arguments, as two ranks under mpiexec."""
    return run(mpiexec(), "-n", "2", sys.executable, str(script), *args)
