"""A stand-in for CuPy's CUDA and NCCL, put behind nccl_backend.load_runtime (the seam the real CuPyRuntime comes
through) where there is no GPU: "cuda:N" tensors hold NumPy arrays (StandInGPU), device pointers are their
addresses, and the stand-in communicator moves the bytes at those addresses over MPI, as NCCL would over the
GPUs. Every call is logged, so the tests can check the setup path and what was launched on which stream.
"""
from __future__ import annotations

import ctypes
import itertools
from typing import Any

import numpy as np

import minitorch as mt
from minitorch import backends
from minitorch.backends.cpu import CPUBackend

TYPES = {1: np.int8, 2: np.uint8, 3: np.int32, 4: np.int64, 5: np.float16, 6: np.float32, 7: np.float64}
OPS = {"SUM": 0, "PROD": 1, "MAX": 2, "MIN": 3, "AVG": 4}


class StandInGPU(CPUBackend):
    """NumPy arrays under the name cuda:N (a transfer copies, as a real one would)."""

    def __init__(self, index: int) -> None:
        super().__init__()
        self.device = mt.device("cuda", index)

    def asarray(self, data: Any, dtype: Any = None) -> Any:
        return super().asarray(data, dtype).copy()


def install_gpus(count: int) -> None:
    """Stand-in GPUs cuda:0 .. cuda:count-1 for this process."""
    for index in range(count):
        backends._cuda_backends[index] = StandInGPU(index)


class Stream:
    pointers = itertools.count(1000)

    def __init__(self, log: list) -> None:
        self.ptr, self._log = next(Stream.pointers), log

    def wait_event(self, event: Event) -> None:
        assert event.recorded_on is not None, "waited for an event never recorded"
        self._log.append(("wait_event", self.ptr, event.recorded_on))


class Event:
    def __init__(self) -> None:
        self.recorded_on: int | None = None
        self.synchronized = False

    def record(self, stream: Stream) -> None:
        self.recorded_on = stream.ptr

    def query(self) -> bool:
        return self.recorded_on is not None  # the stand-in's collectives are done when they return

    def synchronize(self) -> None:
        self.synchronized = True


def _view(pointer: int, count: int, kind: int) -> np.ndarray:
    """The count elements of NCCL type `kind` at address `pointer`."""
    dtype = np.dtype(TYPES[kind])
    return np.frombuffer((ctypes.c_char * (count * dtype.itemsize)).from_address(pointer), dtype, count)


class StandInNCCL:
    """cupy.cuda.nccl's names: the types, the ops, get_unique_id, NcclCommunicator, groupStart / groupEnd."""

    available = True

    def __init__(self, comm: Any, mpi: Any, log: list) -> None:
        self.comm, self.mpi, self.log, self._group = comm, mpi, log, None
        for name, code in {"INT8": 1, "UINT8": 2, "INT32": 3, "INT64": 4, "FLOAT16": 5, "FLOAT32": 6,
                           "FLOAT64": 7}.items():
            setattr(self, f"NCCL_{name}", code)
        for name, code in OPS.items():
            setattr(self, f"NCCL_{name}", code)

    def get_unique_id(self) -> bytes:
        self.log.append(("get_unique_id",))
        return b"stand-in id " + bytes(np.random.default_rng().integers(0, 256, 16, dtype=np.uint8))

    def NcclCommunicator(self, ndev: int, comm_id: bytes, rank: int) -> StandInCommunicator:
        self.log.append(("NcclCommunicator", ndev, comm_id, rank))
        return StandInCommunicator(self, ndev)

    def groupStart(self) -> None:
        assert self._group is None, "groupStart inside a group"
        self._group = []

    def groupEnd(self) -> None:
        requests = [start() for start in self._group]
        self._group = None
        self.mpi.Request.Waitall(requests)


class StandInCommunicator:
    """NcclCommunicator's collectives on the bytes at the pointers given, moved over MPI."""

    def __init__(self, nccl: StandInNCCL, size: int) -> None:
        self.nccl, self.comm, self.mpi = nccl, nccl.comm, nccl.mpi
        self.size = size

    def _op(self, op: int) -> Any:
        return {0: self.mpi.SUM, 1: self.mpi.PROD, 2: self.mpi.MAX, 3: self.mpi.MIN, 4: self.mpi.SUM}[op]

    def _launched(self, name: str, stream: int) -> None:
        self.nccl.log.append((name, stream))

    def _average(self, op: int, array: np.ndarray) -> None:
        if op == OPS["AVG"]:
            np.divide(array, self.size, out=array)

    def allReduce(self, send: int, receive: int, count: int, kind: int, op: int, stream: int) -> None:
        self._launched("allReduce", stream)
        result = _view(receive, count, kind)
        self.comm.Allreduce(self.mpi.IN_PLACE if send == receive else _view(send, count, kind), result, self._op(op))
        self._average(op, result)

    def bcast(self, buffer: int, count: int, kind: int, root: int, stream: int) -> None:
        self._launched("bcast", stream)
        self.comm.Bcast(_view(buffer, count, kind), root=root)

    def reduce(self, send: int, receive: int, count: int, kind: int, op: int, root: int, stream: int) -> None:
        self._launched("reduce", stream)
        if self.comm.Get_rank() == root:
            result = _view(receive, count, kind)
            self.comm.Reduce(self.mpi.IN_PLACE if send == receive else _view(send, count, kind), result,
                             self._op(op), root=root)
            self._average(op, result)
        else:
            self.comm.Reduce(_view(send, count, kind), None, self._op(op), root=root)

    def allGather(self, send: int, receive: int, count: int, kind: int, stream: int) -> None:
        self._launched("allGather", stream)
        self.comm.Allgather(_view(send, count, kind), _view(receive, count * self.size, kind))

    def reduceScatter(self, send: int, receive: int, count: int, kind: int, op: int, stream: int) -> None:
        self._launched("reduceScatter", stream)
        result = _view(receive, count, kind)
        self.comm.Reduce_scatter_block(_view(send, count * self.size, kind), result, self._op(op))
        self._average(op, result)

    def send(self, buffer: int, count: int, kind: int, peer: int, stream: int) -> None:
        assert self.nccl._group is not None, "send outside groupStart/groupEnd"
        self._launched("send", stream)
        self.nccl._group.append(lambda: self.comm.Isend(_view(buffer, count, kind), dest=peer))

    def recv(self, buffer: int, count: int, kind: int, peer: int, stream: int) -> None:
        assert self.nccl._group is not None, "recv outside groupStart/groupEnd"
        self._launched("recv", stream)
        self.nccl._group.append(lambda: self.comm.Irecv(_view(buffer, count, kind), source=peer))

    def destroy(self) -> None:
        self.nccl.log.append(("destroy",))


class StandInRuntime:
    """nccl_backend.CuPyRuntime's methods over the stand-ins; `log` records what was asked."""

    def __init__(self, comm: Any = None, mpi: Any = None) -> None:
        self.log: list = []
        self.nccl = StandInNCCL(comm, mpi, self.log)
        self.current = Stream(self.log)  # the stand-in of CuPy's current (default) stream

    def use_device(self, index: int) -> None:
        self.log.append(("use_device", index))

    def stream(self) -> Stream:
        stream = Stream(self.log)
        self.log.append(("stream", stream.ptr))
        return stream

    def current_stream(self) -> Stream:
        return self.current

    def event(self) -> Event:
        return Event()

    def pointer(self, array: np.ndarray) -> int:
        assert isinstance(array, np.ndarray) and array.flags.c_contiguous, type(array)
        return array.ctypes.data
