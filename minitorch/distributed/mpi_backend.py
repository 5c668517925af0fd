"""The mpi backend: collectives on NumPy arrays (CPU tensors) through MPI's buffer interface, never pickled.

A backend implements the array-level collectives for one process group; the front door (collectives.py) has
checked the arguments and that the ranks agree before calling it. Each collective runs now (async_op=False,
returning None) or is started (returning a pending operation with wait() and test()).
"""
from __future__ import annotations

import types
from typing import Any, Callable

import numpy as np

from ..devices import device
from .reduce_op import ReduceOp


class MPIRequest:
    """A started MPI operation; `after` (an average's division) runs once, when it is seen to be done."""

    def __init__(self, request: Any, after: Callable[[], None] | None = None) -> None:
        self._request, self._after = request, after

    def wait(self) -> None:
        self._request.Wait()
        if self._after is not None:
            self._after()

    def test(self) -> bool:
        if not self._request.Test():
            return False
        if self._after is not None:
            self._after()
        return True


class MPIBackend:
    """CPU tensors over MPI (mpi4py's communicator `comm`)."""

    name = "mpi"
    device = device("cpu")

    def __init__(self, mpi: types.ModuleType, comm: Any) -> None:
        self.mpi, self.comm, self.world_size = mpi, comm, comm.Get_size()
        self._ops = {ReduceOp.SUM: mpi.SUM, ReduceOp.AVG: mpi.SUM, ReduceOp.PRODUCT: mpi.PROD,
                     ReduceOp.MIN: mpi.MIN, ReduceOp.MAX: mpi.MAX}
        # MPI reduces bools by logic only: SUM and MAX are an or, PRODUCT and MIN an and (PyTorch's results)
        self._bool_ops = {ReduceOp.SUM: mpi.LOR, ReduceOp.MAX: mpi.LOR, ReduceOp.PRODUCT: mpi.LAND,
                          ReduceOp.MIN: mpi.LAND}

    def _op(self, op: ReduceOp, array: np.ndarray) -> Any:
        """MPI's operation for op on array's dtype."""
        return (self._bool_ops if array.dtype == np.bool_ else self._ops)[op]

    def check(self, where: device, dtype: np.dtype, name: str, what: str) -> None:
        """A RuntimeError unless the tensor is on the CPU (MPI takes every minitorch dtype)."""
        if where.type != "cpu":
            raise RuntimeError(f"{name}: the mpi backend takes CPU tensors, got {what} on {where} "
                               "(init_process_group('nccl') for CUDA tensors)")

    def _run(self, blocking: Callable[[], Any], nonblocking: Callable[[], Any], async_op: bool,
             after: Callable[[], None] | None = None) -> MPIRequest | None:
        if async_op:
            return MPIRequest(nonblocking(), after)
        blocking()
        if after is not None:
            after()
        return None

    def _average(self, op: ReduceOp, array: np.ndarray) -> Callable[[], None] | None:
        """AVG is MPI's SUM divided by the world size afterwards."""
        if op is not ReduceOp.AVG:
            return None
        return lambda: np.divide(array, self.world_size, out=array)

    def all_reduce(self, array: np.ndarray, op: ReduceOp, async_op: bool) -> MPIRequest | None:
        mpi_op, comm = self._op(op, array), self.comm
        return self._run(lambda: comm.Allreduce(self.mpi.IN_PLACE, array, mpi_op),
                         lambda: comm.Iallreduce(self.mpi.IN_PLACE, array, mpi_op), async_op,
                         self._average(op, array))

    def broadcast(self, array: np.ndarray, src: int, async_op: bool) -> MPIRequest | None:
        return self._run(lambda: self.comm.Bcast(array, root=src), lambda: self.comm.Ibcast(array, root=src),
                         async_op)

    def all_gather(self, send: np.ndarray, receive: np.ndarray, async_op: bool) -> MPIRequest | None:
        """receive (world size times send's elements) becomes every rank's send, by rank."""
        return self._run(lambda: self.comm.Allgather(send, receive), lambda: self.comm.Iallgather(send, receive),
                         async_op)

    def reduce_scatter(self, send: np.ndarray, receive: np.ndarray, op: ReduceOp,
                       async_op: bool) -> MPIRequest | None:
        """receive becomes this rank's block of the op of every rank's send."""
        mpi_op, comm = self._op(op, send), self.comm
        return self._run(lambda: comm.Reduce_scatter_block(send, receive, mpi_op),
                         lambda: comm.Ireduce_scatter_block(send, receive, mpi_op), async_op,
                         self._average(op, receive))

    def reduce(self, array: np.ndarray, dst: int, op: ReduceOp, rank: int, async_op: bool) -> MPIRequest | None:
        mpi_op, comm = self._op(op, array), self.comm
        if rank == dst:
            send, receive, after = self.mpi.IN_PLACE, array, self._average(op, array)
        else:
            send, receive, after = array, None, None
        return self._run(lambda: comm.Reduce(send, receive, mpi_op, root=dst),
                         lambda: comm.Ireduce(send, receive, mpi_op, root=dst), async_op, after)

    def gather(self, send: np.ndarray, receive: np.ndarray | None, dst: int, async_op: bool) -> MPIRequest | None:
        """On dst, receive (world size, *send's shape) becomes every rank's send; None elsewhere."""
        return self._run(lambda: self.comm.Gather(send, receive, root=dst),
                         lambda: self.comm.Igather(send, receive, root=dst), async_op)

    def scatter(self, send: np.ndarray | None, receive: np.ndarray, src: int, async_op: bool) -> MPIRequest | None:
        """receive becomes block r of src's send (world size, *receive's shape); send is None off src."""
        return self._run(lambda: self.comm.Scatter(send, receive, root=src),
                         lambda: self.comm.Iscatter(send, receive, root=src), async_op)

    def barrier(self, async_op: bool) -> MPIRequest | None:
        return self._run(self.comm.Barrier, self.comm.Ibarrier, async_op)

    def destroy(self) -> None:
        """Nothing to free: MPI itself is finalized at exit."""
