"""The default process group, as torch.distributed's: one per process, over MPI's COMM_WORLD (mpi4py), with
the backend that runs its collectives: mpi (CPU tensors) or nccl (CUDA tensors, MPI as the side channel).

mpi4py is imported only here, when asked for (is_available, init_process_group), so `import minitorch` never
needs it (nor CuPy's NCCL, imported only for the nccl backend). At init an excepthook is installed that aborts the
whole MPI job after printing the traceback: a rank that raises then ends the job with a non-zero exit instead of
leaving the others waiting in a collective; and a watchdog aborts it when a wait outlasts the timeout.
"""
from __future__ import annotations

import importlib
import os
import sys
import time
import traceback
import types
from datetime import timedelta
from typing import Any, Callable

from . import nccl_backend
from .mpi_backend import MPIBackend
from .watchdog import Watchdog

INSTALL_HINT = "pip install 'minitorch[distributed]' (mpi4py and an MPI such as mpich)"
NOT_INITIALIZED = ("Default process group has not been initialized, please make sure to call "
                   "init_process_group.")


BACKENDS = ("mpi", "nccl")
ABORT_GRACE = 0.5  # seconds between a rank's last words on stderr and the abort


class _ProcessGroup:
    """The default group's state: MPI's communicator (metadata, side channel), the backend's name and its engine
    running the collectives (MPIBackend or NCCLBackend, set once built), the watchdog, the excepthook it replaced."""

    def __init__(self, mpi: types.ModuleType, backend: str, timeout: timedelta) -> None:
        self.mpi, self.comm, self.backend = mpi, mpi.COMM_WORLD, backend
        self.rank, self.world_size = self.comm.Get_rank(), self.comm.Get_size()
        self.previous_excepthook = sys.excepthook
        self.engine: Any = None
        self.watchdog = Watchdog(timeout, self.rank, self.world_size, self.abort)

    def abort(self) -> None:
        """End the whole job, non-zero, once what this rank wrote to stderr has had time to reach mpiexec
        (MPICH's mpiexec forwards each rank's output, and an immediate abort loses it, about 1 run in 10)."""
        sys.stderr.flush()
        time.sleep(ABORT_GRACE)
        self.comm.Abort(1)


_group: _ProcessGroup | None = None

MPI_VARIABLES = {"RANK": ("PMI_RANK", "OMPI_COMM_WORLD_RANK"), "WORLD_SIZE": ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE"),
                 "LOCAL_RANK": ("MPI_LOCALRANKID", "OMPI_COMM_WORLD_LOCAL_RANK"),
                 "LOCAL_WORLD_SIZE": ("MPI_LOCALNRANKS", "OMPI_COMM_WORLD_LOCAL_SIZE")}
"""torchrun's variables and where MPICH's (Hydra's) and Open MPI's mpiexec put the same numbers."""


def torchrun_environment(environ: dict[str, str]) -> dict[str, str]:
    """RANK, WORLD_SIZE, LOCAL_RANK and LOCAL_WORLD_SIZE, read from the variables mpiexec sets for each rank."""
    found = {}
    for name, sources in MPI_VARIABLES.items():
        values = [environ[source] for source in sources if source in environ]
        if values:
            found[name] = values[0]
    return found


def _import_mpi() -> types.ModuleType:
    """mpi4py's MPI module (initializing MPI), or an ImportError saying what to install."""
    try:
        return importlib.import_module("mpi4py.MPI")
    except ImportError as error:
        raise ImportError(f"minitorch.distributed needs mpi4py and an MPI library ({error}): {INSTALL_HINT}") \
            from error


def is_available() -> bool:
    """True when mpi4py (and so the mpi backend) can be imported."""
    try:
        importlib.import_module("mpi4py")
    except ImportError:
        return False
    return True


def is_initialized() -> bool:
    """True between init_process_group and destroy_process_group."""
    return _group is not None


def default_group() -> _ProcessGroup:
    """The initialized default group, or PyTorch's ValueError."""
    if _group is None:
        raise ValueError(NOT_INITIALIZED)
    return _group


def _abort_on_uncaught(group: _ProcessGroup) -> Callable[..., None]:
    def hook(kind: type[BaseException], value: BaseException, trace: Any) -> None:
        sys.stderr.write(f"minitorch.distributed: rank {group.rank} raised; aborting all "
                         f"{group.world_size} ranks\n{''.join(traceback.format_exception(kind, value, trace))}")
        group.abort()
    return hook


def init_process_group(backend: str | None = "mpi", init_method: str | None = None, timeout: timedelta | None = None,
                       world_size: int = -1, rank: int = -1) -> None:
    """Join the job's default process group: rank and world size come from MPI (mpiexec or the launcher).

    world_size and rank, when given, must agree with MPI's. Sets RANK, WORLD_SIZE and LOCAL_RANK in the
    environment where the launcher has not, as torchrun would have (LOCAL_RANK from mpiexec's variables).
    backend='nccl' runs the collectives of CUDA tensors on cuda:LOCAL_RANK (one GPU per rank) through NCCL.
    A blocking collective or Work.wait that has not finished within `timeout` (30 minutes by default) aborts
    the whole job with a message saying which, as PyTorch's watchdog does.
    """
    global _group
    if _group is not None:
        raise ValueError("trying to initialize the default process group twice!")
    backend = "mpi" if backend is None else str(backend).lower()
    if backend not in BACKENDS:
        raise ValueError(f"Invalid backend: '{backend}'; minitorch.distributed has 'mpi' (CPU tensors) and "
                         "'nccl' (CUDA tensors)")
    if init_method not in (None, "env://"):
        raise ValueError(f"init_method={init_method!r}: minitorch.distributed takes rank and world size from MPI; "
                         "pass None or 'env://'")
    if timeout is not None and not isinstance(timeout, timedelta):
        raise TypeError(f"Expected timeout argument to be of type datetime.timedelta, got {type(timeout).__name__}")
    mpi = _import_mpi()
    runtime = nccl_backend.load_runtime() if backend == "nccl" else None  # CuPy's NCCL, or what to install
    group = _ProcessGroup(mpi, backend, timedelta(minutes=30) if timeout is None else timeout)
    sys.excepthook = _abort_on_uncaught(group)  # from here on: a rank failing to join must not hang the others
    try:
        for name, given, actual in (("world_size", world_size, group.world_size), ("rank", rank, group.rank)):
            if given != -1 and given != actual:
                raise ValueError(f"init_process_group: {name}={given}, but MPI says {actual} "
                                 f"(launched with mpiexec -n {group.world_size})")
        launched = {"LOCAL_RANK": str(group.rank), "LOCAL_WORLD_SIZE": str(group.world_size),
                    **torchrun_environment(dict(os.environ)), "RANK": str(group.rank),
                    "WORLD_SIZE": str(group.world_size)}
        for name, value in launched.items():
            os.environ.setdefault(name, value)
        watched = group.watchdog.watch(f"init_process_group('{backend}')")
        host = MPIBackend(group.mpi, group.comm)
        group.engine = host if runtime is None else nccl_backend.NCCLBackend(
            group.comm, group.rank, group.world_size, int(os.environ["LOCAL_RANK"]), runtime, host)
        group.watchdog.done(watched)
    except BaseException:
        group.watchdog.stop()
        raise  # the abort hook stays: uncaught, this error must end the job, not leave the others waiting
    _group = group


def destroy_process_group() -> None:
    """Leave the default group (MPI itself is finalized at exit) and restore the excepthook."""
    global _group
    group = default_group()
    sys.excepthook = group.previous_excepthook
    group.watchdog.stop()
    group.engine.destroy()
    _group = None


def get_rank() -> int:
    """This process's rank in the default group, 0 .. world size - 1."""
    return default_group().rank


def get_world_size() -> int:
    """The number of processes in the default group."""
    return default_group().world_size


def get_backend() -> str:
    """The default group's backend name ('mpi' or 'nccl')."""
    return default_group().backend
