"""The nccl backend: collectives on CuPy arrays (CUDA tensors, one GPU per rank: cuda:LOCAL_RANK) through
CuPy's cupy.cuda.nccl, with MPI as the side channel that gives rank and world size and carries the unique id.

CuPy and its NCCL are imported only by load_runtime(), when init_process_group('nccl') asks: it is also the
seam where the tests put a stand-in (no GPU there). Every collective is launched on the group's own stream once
the current stream's work is done (an event); its Work waits by making the current stream wait for the
collective's event and then synchronizing the host on it, so the watchdog's timeout can see a hang. gather and
scatter are NCCL sends and receives in a group, as PyTorch's ProcessGroupNCCL builds them.
"""
from __future__ import annotations

import importlib
from typing import Any, Callable

import numpy as np

from ..backends.cuda import device_count, unavailable_reason
from ..devices import device
from .reduce_op import ReduceOp

NCCL_HINT = "pip install 'minitorch[cuda13]' nvidia-nccl-cu13 (or 'minitorch[cuda12]' nvidia-nccl-cu12)"
NCCL_TYPES = {"float16": "NCCL_FLOAT16", "float32": "NCCL_FLOAT32", "float64": "NCCL_FLOAT64",
              "int32": "NCCL_INT32", "int64": "NCCL_INT64", "uint8": "NCCL_UINT8", "int8": "NCCL_INT8",
              "bool": "NCCL_UINT8"}
"""NumPy dtype name to NCCL's type (bool travels as bytes, reduced as PyTorch does: SUM is MAX, PRODUCT MIN)."""
NCCL_OPS = {ReduceOp.SUM: "NCCL_SUM", ReduceOp.AVG: "NCCL_AVG", ReduceOp.PRODUCT: "NCCL_PROD",
            ReduceOp.MIN: "NCCL_MIN", ReduceOp.MAX: "NCCL_MAX"}
BOOL_OPS = {ReduceOp.SUM: ReduceOp.MAX, ReduceOp.PRODUCT: ReduceOp.MIN}


class CuPyRuntime:
    """What the backend asks of CUDA: cupy.cuda.nccl, the GPU, streams, events and device pointers."""

    def __init__(self) -> None:
        try:
            self.cupy = importlib.import_module("cupy")
            self.nccl = importlib.import_module("cupy.cuda.nccl")
        except ImportError as error:
            raise ImportError(f"the nccl backend needs CuPy with NCCL ({error}): {NCCL_HINT}") from error
        if not self.nccl.available:
            raise RuntimeError(f"the nccl backend: this CuPy was built without NCCL: {NCCL_HINT}")

    def use_device(self, index: int) -> None:
        """Make GPU `index` this process's current device; a clear error when there is no such GPU."""
        reason = unavailable_reason()
        if reason is not None:
            raise RuntimeError(f"the nccl backend needs a CUDA GPU for each rank: {reason}")
        count = device_count()
        if index >= count:
            raise RuntimeError(f"the nccl backend uses one GPU per rank, cuda:LOCAL_RANK = cuda:{index}, but "
                               f"{count} GPU(s) are visible here: start at most {count} ranks per machine")
        self.cupy.cuda.Device(index).use()

    def stream(self) -> Any:
        return self.cupy.cuda.Stream(non_blocking=True)

    def current_stream(self) -> Any:
        return self.cupy.cuda.get_current_stream()

    def event(self) -> Any:
        return self.cupy.cuda.Event(disable_timing=True)

    def pointer(self, array: Any) -> int:
        return array.data.ptr


def load_runtime() -> CuPyRuntime:
    """CuPy's CUDA and NCCL (the tests replace this function with a stand-in)."""
    return CuPyRuntime()


class NCCLWork:
    """A collective launched on the group's stream; `keep` holds its buffers until it is done."""

    def __init__(self, runtime: Any, done: Any, keep: tuple) -> None:
        self._runtime, self._done, self._keep = runtime, done, keep

    def wait(self) -> None:
        self._runtime.current_stream().wait_event(self._done)
        self._done.synchronize()
        self._keep = ()

    def test(self) -> bool:
        if not self._done.query():
            return False
        self._runtime.current_stream().wait_event(self._done)
        self._keep = ()
        return True


class NCCLBackend:
    """CUDA tensors of cuda:local_rank over an NCCL communicator of all world_size ranks.

    Rank 0 makes NCCL's unique id, MPI's `comm` broadcasts it, and every rank builds its communicator from
    (world size, id, rank) on its own GPU.
    """

    name = "nccl"

    def __init__(self, comm: Any, rank: int, world_size: int, local_rank: int, runtime: Any, host: Any) -> None:
        self.runtime, self.nccl, self.host = runtime, runtime.nccl, host  # host: the mpi backend, for barrier
        self.rank, self.device = rank, device("cuda", local_rank)
        runtime.use_device(local_rank)
        unique_id = comm.bcast(self.nccl.get_unique_id() if rank == 0 else None, root=0)
        self.communicator = self.nccl.NcclCommunicator(world_size, unique_id, rank)
        self.stream = runtime.stream()

    def check(self, where: device, dtype: np.dtype, name: str, what: str) -> None:
        """A RuntimeError unless the tensor is on this rank's GPU; a TypeError for a dtype NCCL lacks."""
        if where.type != "cuda":
            raise RuntimeError(f"{name}: the nccl backend takes CUDA tensors, got {what} on {where} "
                               "(init_process_group('mpi') for CPU tensors)")
        if where.index != self.device.index:
            raise RuntimeError(f"{name}: the nccl backend of rank {self.rank} uses {self.device} (one GPU per "
                               f"rank, cuda:LOCAL_RANK), got {what} on {where}")
        self._type(dtype, name)

    def _type(self, dtype: np.dtype, name: str) -> int:
        try:
            return getattr(self.nccl, NCCL_TYPES[np.dtype(dtype).name])
        except KeyError:
            raise TypeError(f"{name}: the nccl backend has no NCCL type for {np.dtype(dtype)} (it takes "
                            f"{', '.join(NCCL_TYPES)})") from None

    def _op(self, op: ReduceOp, dtype: np.dtype) -> int:
        if np.dtype(dtype) == np.bool_:
            op = BOOL_OPS.get(op, op)
        return getattr(self.nccl, NCCL_OPS[op])

    def _launch(self, calls: Callable[[int], None], async_op: bool, *keep: Any) -> NCCLWork | None:
        """calls(stream pointer) on the group's stream after the current stream's work; waited unless async_op."""
        ready = self.runtime.event()
        ready.record(self.runtime.current_stream())
        self.stream.wait_event(ready)
        calls(self.stream.ptr)
        done = self.runtime.event()
        done.record(self.stream)
        work = NCCLWork(self.runtime, done, keep)
        if async_op:
            return work
        work.wait()
        return None

    def all_reduce(self, array: Any, op: ReduceOp, async_op: bool) -> NCCLWork | None:
        pointer, kind, nccl_op = self.runtime.pointer(array), self._type(array.dtype, "all_reduce"), \
            self._op(op, array.dtype)
        return self._launch(lambda stream: self.communicator.allReduce(pointer, pointer, array.size, kind, nccl_op,
                                                                       stream), async_op, array)

    def broadcast(self, array: Any, src: int, async_op: bool) -> NCCLWork | None:
        pointer, kind = self.runtime.pointer(array), self._type(array.dtype, "broadcast")
        return self._launch(lambda stream: self.communicator.bcast(pointer, array.size, kind, src, stream),
                            async_op, array)

    def all_gather(self, send: Any, receive: Any, async_op: bool) -> NCCLWork | None:
        pointers, kind = (self.runtime.pointer(send), self.runtime.pointer(receive)), self._type(send.dtype, "all_gather")
        return self._launch(lambda stream: self.communicator.allGather(*pointers, send.size, kind, stream),
                            async_op, send, receive)

    def reduce_scatter(self, send: Any, receive: Any, op: ReduceOp, async_op: bool) -> NCCLWork | None:
        pointers, kind = (self.runtime.pointer(send), self.runtime.pointer(receive)), \
            self._type(send.dtype, "reduce_scatter_tensor")
        nccl_op = self._op(op, send.dtype)
        return self._launch(lambda stream: self.communicator.reduceScatter(*pointers, receive.size, kind, nccl_op,
                                                                           stream), async_op, send, receive)

    def reduce(self, array: Any, dst: int, op: ReduceOp, rank: int, async_op: bool) -> NCCLWork | None:
        pointer, kind, nccl_op = self.runtime.pointer(array), self._type(array.dtype, "reduce"), \
            self._op(op, array.dtype)
        return self._launch(lambda stream: self.communicator.reduce(pointer, pointer, array.size, kind, nccl_op,
                                                                    dst, stream), async_op, array)

    def _grouped(self, sends: list[tuple[int, int]], receives: list[tuple[int, int]], count: int, kind: int,
                 stream: int) -> None:
        """Point-to-point (pointer, peer) sends and receives of count elements, as one NCCL group."""
        self.nccl.groupStart()
        try:
            for pointer, peer in sends:
                self.communicator.send(pointer, count, kind, peer, stream)
            for pointer, peer in receives:
                self.communicator.recv(pointer, count, kind, peer, stream)
        finally:
            self.nccl.groupEnd()

    def _blocks(self, array: Any, count: int) -> list[tuple[int, int]]:
        """(pointer of block r, r) for each rank r of a (world size, ...) array of blocks of count elements."""
        base, size = self.runtime.pointer(array), count * array.itemsize
        return [(base + peer * size, peer) for peer in range(array.shape[0])]

    def gather(self, send: Any, receive: Any | None, dst: int, async_op: bool) -> NCCLWork | None:
        kind, mine = self._type(send.dtype, "gather"), [(self.runtime.pointer(send), dst)]
        receives = self._blocks(receive, send.size) if receive is not None else []
        return self._launch(lambda stream: self._grouped(mine, receives, send.size, kind, stream), async_op,
                            send, receive)

    def scatter(self, send: Any | None, receive: Any, src: int, async_op: bool) -> NCCLWork | None:
        kind, mine = self._type(receive.dtype, "scatter"), [(self.runtime.pointer(receive), src)]
        sends = self._blocks(send, receive.size) if send is not None else []
        return self._launch(lambda stream: self._grouped(sends, mine, receive.size, kind, stream), async_op,
                            send, receive)

    def barrier(self, async_op: bool) -> Any:
        """An MPI barrier of the ranks' host threads (GPU work already launched may still be running)."""
        return self.host.barrier(async_op)

    def destroy(self) -> None:
        """Free the communicator (destroy_process_group)."""
        self.communicator.destroy()
