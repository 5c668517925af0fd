"""A stand-in for CuPy's CUDA and NCCL, put behind nccl_backend.load_runtime (the seam the real CuPyRuntime comes
through) where there is no GPU: "cuda:N" tensors hold NumPy arrays (StandInGPU), device pointers are their
addresses, and the stand-in communicator moves the bytes at those addresses over MPI, as NCCL would over the
GPUs. As on a GPU, a collective only starts when launched (a non-blocking MPI operation queued on its stream)
and is done when an event recorded after it on that stream is synchronized or queried done. Every call is
logged, so the tests can check the setup path and what was launched on which stream.
"""
from __future__ import annotations

import ctypes
import itertools
from typing import Any, Callable

import numpy as np

import minitorch as mt
from minitorch import backends
from minitorch.backends.cpu import CPUBackend
from minitorch.distributed import nccl_backend

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


class Operation:
    """A launched collective: its MPI requests, and what to do once they are complete (an average's division)."""

    def __init__(self, requests: list, after: Callable[[], None] | None = None) -> None:
        self.requests, self.after, self.done = requests, after, False

    def finish(self, mpi: Any, block: bool) -> bool:
        if not self.done and (block or mpi.Request.Testall(self.requests)):
            if block:
                mpi.Request.Waitall(self.requests)
            if self.after is not None:
                self.after()
            self.done = True
        return self.done


class Stream:
    pointers = itertools.count(1000)

    def __init__(self, log: list) -> None:
        self.ptr, self._log, self.launched = next(Stream.pointers), log, []

    def wait_event(self, event: Event) -> None:
        assert event.recorded_on is not None, "waited for an event never recorded"
        self._log.append(("wait_event", self.ptr, event.recorded_on))


class Event:
    """Done when every operation launched on its stream before record() is."""

    def __init__(self, mpi: Any) -> None:
        self.mpi, self.recorded_on, self._operations = mpi, None, []

    def record(self, stream: Stream) -> None:
        stream.launched = [operation for operation in stream.launched if not operation.done]
        self.recorded_on, self._operations = stream.ptr, list(stream.launched)

    def query(self) -> bool:
        return all([operation.finish(self.mpi, block=False) for operation in self._operations])

    def synchronize(self) -> None:
        for operation in self._operations:
            operation.finish(self.mpi, block=True)


def _view(pointer: int, count: int, kind: int) -> np.ndarray:
    """The count elements of NCCL type `kind` at address `pointer`."""
    dtype = np.dtype(TYPES[kind])
    return np.frombuffer((ctypes.c_char * (count * dtype.itemsize)).from_address(pointer), dtype, count)


class StandInNCCL:
    """cupy.cuda.nccl's names: the types, the ops, get_unique_id, NcclCommunicator, groupStart / groupEnd."""

    available = True

    def __init__(self, comm: Any, mpi: Any, log: list, streams: dict) -> None:
        self.comm, self.mpi, self.log, self.streams, self.group = comm, mpi, log, streams, None
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
        if self.comm is not None:
            self.comm.Barrier()  # as ncclCommInitRank, it returns once every rank has called it
        return StandInCommunicator(self, ndev)

    def groupStart(self) -> None:
        assert self.group is None, "groupStart inside a group"
        self.group = []

    def groupEnd(self) -> None:
        """The group's sends and receives start together, as one operation on their stream."""
        (stream, *others), starts = {stream for stream, _ in self.group}, [start for _, start in self.group]
        assert not others, "one group on several streams"
        self.group = None
        self.streams[stream].launched.append(Operation([start() for start in starts]))


class StandInCommunicator:
    """NcclCommunicator's collectives on the bytes at the pointers given, moved over MPI."""

    def __init__(self, nccl: StandInNCCL, size: int) -> None:
        self.nccl, self.comm, self.mpi, self.size = nccl, nccl.comm, nccl.mpi, size

    def _op(self, op: int) -> Any:
        return {0: self.mpi.SUM, 1: self.mpi.PROD, 2: self.mpi.MAX, 3: self.mpi.MIN, 4: self.mpi.SUM}[op]

    def _launch(self, name: str, stream: int, request: Any, average: np.ndarray | None = None) -> None:
        self.nccl.log.append((name, stream))
        after = None if average is None else (lambda: np.divide(average, self.size, out=average))
        self.nccl.streams[stream].launched.append(Operation([request], after))

    def _in_place(self, send: int, receive: int, count: int, kind: int) -> Any:
        return self.mpi.IN_PLACE if send == receive else _view(send, count, kind)

    def allReduce(self, send: int, receive: int, count: int, kind: int, op: int, stream: int) -> None:
        result = _view(receive, count, kind)
        self._launch("allReduce", stream,
                     self.comm.Iallreduce(self._in_place(send, receive, count, kind), result, self._op(op)),
                     result if op == OPS["AVG"] else None)

    def bcast(self, buffer: int, count: int, kind: int, root: int, stream: int) -> None:
        self._launch("bcast", stream, self.comm.Ibcast(_view(buffer, count, kind), root=root))

    def reduce(self, send: int, receive: int, count: int, kind: int, op: int, root: int, stream: int) -> None:
        if self.comm.Get_rank() != root:
            self._launch("reduce", stream, self.comm.Ireduce(_view(send, count, kind), None, self._op(op), root=root))
            return
        result = _view(receive, count, kind)
        self._launch("reduce", stream, self.comm.Ireduce(self._in_place(send, receive, count, kind), result,
                                                         self._op(op), root=root),
                     result if op == OPS["AVG"] else None)

    def allGather(self, send: int, receive: int, count: int, kind: int, stream: int) -> None:
        self._launch("allGather", stream,
                     self.comm.Iallgather(_view(send, count, kind), _view(receive, count * self.size, kind)))

    def reduceScatter(self, send: int, receive: int, count: int, kind: int, op: int, stream: int) -> None:
        result = _view(receive, count, kind)
        self._launch("reduceScatter", stream,
                     self.comm.Ireduce_scatter_block(_view(send, count * self.size, kind), result, self._op(op)),
                     result if op == OPS["AVG"] else None)

    def _grouped(self, name: str, stream: int, start: Callable[[], Any]) -> None:
        assert self.nccl.group is not None, f"{name} outside groupStart/groupEnd"
        self.nccl.log.append((name, stream))
        self.nccl.group.append((stream, start))

    def send(self, buffer: int, count: int, kind: int, peer: int, stream: int) -> None:
        self._grouped("send", stream, lambda: self.comm.Isend(_view(buffer, count, kind), dest=peer))

    def recv(self, buffer: int, count: int, kind: int, peer: int, stream: int) -> None:
        self._grouped("recv", stream, lambda: self.comm.Irecv(_view(buffer, count, kind), source=peer))

    def destroy(self) -> None:
        self.nccl.log.append(("destroy",))


class StandInRuntime:
    """nccl_backend.CuPyRuntime's methods over the stand-ins; `log` records what was asked."""

    def __init__(self, comm: Any = None, mpi: Any = None) -> None:
        self.log: list = []
        self.mpi, self.streams = mpi, {}
        self.nccl = StandInNCCL(comm, mpi, self.log, self.streams)
        self.current = self._new_stream()  # the stand-in of CuPy's current (default) stream

    def _new_stream(self) -> Stream:
        stream = Stream(self.log)
        self.streams[stream.ptr] = stream
        return stream

    def use_device(self, index: int) -> None:
        self.log.append(("use_device", index))

    def stream(self) -> Stream:
        stream = self._new_stream()
        self.log.append(("stream", stream.ptr))
        return stream

    def current_stream(self) -> Stream:
        return self.current

    def event(self) -> Event:
        return Event(self.mpi)

    def pointer(self, array: np.ndarray) -> int:
        assert isinstance(array, np.ndarray) and array.flags.c_contiguous, type(array)
        return array.ctypes.data


def use_stand_in(gpus: int = 2) -> StandInRuntime:
    """In a worker under mpiexec: init_process_group('nccl') will get the stand-in over MPI's COMM_WORLD, on
    stand-in GPUs cuda:0 .. cuda:gpus-1."""
    from mpi4py import MPI  # initializes MPI: only in the workers, never in the test process

    runtime = StandInRuntime(MPI.COMM_WORLD, MPI)
    nccl_backend.load_runtime = lambda: runtime
    install_gpus(gpus)
    return runtime
