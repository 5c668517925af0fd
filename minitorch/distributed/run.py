"""The launcher, torchrun's role as a thin wrapper over mpiexec:

    python -m minitorch.distributed.run --nproc-per-node 2 script.py args...

runs `mpiexec -n 2 python script.py args...` (mpiexec next to this Python, else the one on PATH) with RANK,
WORLD_SIZE, LOCAL_RANK and LOCAL_WORLD_SIZE set in each rank's environment as torchrun sets them, read from the
variables MPICH's and Open MPI's mpiexec give each rank (PMI_RANK, MPI_LOCALRANKID, OMPI_COMM_WORLD_RANK, ...).
On a cluster, call mpiexec with a host file directly: init_process_group sets the same variables.
As torchrun, with more than one process it sets OMP_NUM_THREADS=1 unless it is set already (OpenBLAS reads it
too): two ranks with a BLAS thread per core each would oversubscribe the cores.
"""
from __future__ import annotations

import argparse
import os
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

from .process_group import INSTALL_HINT, torchrun_environment


def find_mpiexec() -> str:
    """The mpiexec installed with this Python (pip's mpich), else the one on PATH."""
    beside = Path(sys.executable).with_name("mpiexec")
    found = str(beside) if beside.is_file() else shutil.which("mpiexec")
    if found is None:
        raise SystemExit(f"minitorch.distributed.run: no mpiexec next to {sys.executable} nor on PATH: {INSTALL_HINT}")
    return found


def _as_rank(script: str, args: list[str]) -> None:
    """In one rank: set torchrun's variables, then run the script as __main__ with its arguments."""
    os.environ.update(torchrun_environment(dict(os.environ)))
    sys.argv = [script, *args]
    sys.path[0] = str(Path(script).resolve().parent)
    runpy.run_path(script, run_name="__main__")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m minitorch.distributed.run",
                                     description="Run a training script on several processes under mpiexec.")
    parser.add_argument("--nproc-per-node", "--nproc_per_node", type=int, default=1,
                        help="the number of processes (ranks) to start on this machine")
    parser.add_argument("--as-rank", action="store_true", help=argparse.SUPPRESS)  # inside mpiexec
    parser.add_argument("script", help="the training script")
    parser.add_argument("script_args", nargs=argparse.REMAINDER, help="the script's arguments")
    options = parser.parse_args(argv)
    if options.as_rank:
        _as_rank(options.script, options.script_args)
        return 0
    if options.nproc_per_node < 1:
        parser.error(f"--nproc-per-node must be at least 1, got {options.nproc_per_node}")
    environment = dict(os.environ)
    if options.nproc_per_node > 1 and "OMP_NUM_THREADS" not in environment:
        print("minitorch.distributed.run: setting OMP_NUM_THREADS=1 for each rank (as torchrun does), so that "
              "the ranks' BLAS threads do not oversubscribe the cores; set it yourself to choose", file=sys.stderr)
        environment["OMP_NUM_THREADS"] = "1"
    command = [find_mpiexec(), "-n", str(options.nproc_per_node), sys.executable, "-m", "minitorch.distributed.run",
               "--as-rank", options.script, *options.script_args]
    return subprocess.call(command, env=environment)


if __name__ == "__main__":
    sys.exit(main())
