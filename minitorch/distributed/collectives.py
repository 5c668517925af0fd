"""Collectives on tensors, the front door of both backends: the argument and device checks, the agreement of
the ranks, the in-place bookkeeping; the group's engine (mpi_backend's or nccl_backend's) moves the arrays.

Before each collective the ranks exchange a few bytes of metadata over MPI (the collective's name, the tensor's
shape and dtype) and every rank raises the same RuntimeError when they differ, instead of hanging or returning a
wrong sum. async_op=True starts the collective and returns a Work whose wait() finishes it. Every blocking wait
(the agreement, a blocking collective, Work.wait) is watched by the group's watchdog (init_process_group's
timeout).
"""
from __future__ import annotations

import functools
import hashlib
from datetime import timedelta
from typing import Any, Callable, Sequence

import numpy as np

from ..tensor import Tensor
from .process_group import _ProcessGroup, default_group
from .reduce_op import ReduceOp


class Work:
    """A collective in flight (async_op=True): wait() blocks until it is done and this rank's tensors hold the
    result; is_completed() asks without blocking."""

    def __init__(self, pending: Any, group: _ProcessGroup, name: str, finish: Callable[[], None] | None = None) -> None:
        self._pending, self._group, self._name, self._finish, self._done = pending, group, name, finish, False

    def _complete(self) -> None:
        self._done = True
        if self._finish is not None:
            self._finish()

    def is_completed(self) -> bool:
        if not self._done and self._pending.test():
            self._complete()
        return self._done

    def wait(self, timeout: timedelta | None = None) -> bool:
        """Block until done; past timeout (a timedelta; init_process_group's when None, and never longer), abort
        the job as the watchdog does: the ranks' collectives could not stay in step after giving up on one."""
        if timeout is not None and not isinstance(timeout, timedelta):
            raise TypeError(f"Work.wait: timeout must be a datetime.timedelta, got {type(timeout).__name__}")
        if not self._done:
            watchdog = self._group.watchdog
            watched = watchdog.watch(f"Work.wait of {self._name}", timeout)
            try:
                self._pending.wait()
            finally:
                watchdog.done(watched)
            self._complete()
        return True


def _default(group: None) -> _ProcessGroup:
    """The default group: the only one there is (no new_group yet)."""
    if group is not None:
        raise NotImplementedError(f"minitorch.distributed has only the default group; got group={group!r}")
    return default_group()


def _array(pg: _ProcessGroup, tensor: Tensor, name: str, what: str = "tensor") -> Any:
    """tensor's array, for the backend to read and write: a contiguous tensor the group's backend takes."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{name}: {what} must be a minitorch Tensor, got {type(tensor).__name__}")
    array = tensor._data
    pg.engine.check(tensor.device, array.dtype, name, what)
    if not array.flags.c_contiguous:
        raise RuntimeError(f"{name}: {what} must be contiguous (call .contiguous() first)")
    return array


def _changed(*tensors: Tensor) -> None:
    """Record in-place writes in the version counters, as PyTorch's collectives do."""
    for tensor in tensors:
        tensor._version_counter.value += 1


def call_of(name: str, *fields: Any) -> tuple:
    """What the ranks must agree on: the collective's name and its fields, an array's given as shape and dtype."""
    described = [name]
    for field in fields:
        described.extend((tuple(field.shape), field.dtype) if hasattr(field, "shape") else (field,))
    return tuple(described)


@functools.lru_cache(maxsize=1024)
def _digest(call: tuple) -> int:
    """A 56-bit hash of a call, the same in every process (unlike hash(), salted per process); cached, as a
    training loop repeats the same few calls."""
    described = repr(tuple(str(field) for field in call))
    return int.from_bytes(hashlib.blake2b(described.encode(), digest_size=7).digest(), "little")


def _agree(group: _ProcessGroup, call: tuple) -> None:
    """Every rank raises the same RuntimeError unless all ranks make the same call (call_of's: the collective,
    its tensors' shapes and dtypes, its op and root).

    One small all-reduce decides: the MAX of (h, -h) for a 56-bit hash h of the call is (h, -h) on every rank
    only when every rank's h is the same; only when they differ, on every rank alike, are the calls themselves
    gathered to say how (a pickled allgather on every call took two round trips, 9-17% of a 1 MB all_reduce)."""
    digest = _digest(call)
    extremes = np.array([digest, -digest], dtype=np.int64)
    group.comm.Allreduce(group.mpi.IN_PLACE, extremes, group.mpi.MAX)
    if extremes[0] != -extremes[1]:
        everyone = group.comm.allgather(tuple(str(field) for field in call))
        described = "; ".join(f"rank {rank}: {' '.join(fields)}" for rank, fields in enumerate(everyone))
        raise RuntimeError(f"{call[0]}: the ranks' calls do not match (collective, shape, dtype): {described}")


def _check_op(op: ReduceOp, array: Any, name: str) -> None:
    if not isinstance(op, ReduceOp):
        raise TypeError(f"{name}: op must be a ReduceOp, got {op!r}")
    if op is ReduceOp.AVG and array.dtype.kind != "f":
        raise RuntimeError(f"{name}: ReduceOp.AVG needs a floating tensor, got {array.dtype}")


def _collective(pg: _ProcessGroup, name: str, agreement: tuple | None, start: Callable[[bool], Any],
                async_op: bool, changed: Sequence[Tensor] = (), finish: Callable[[], None] | None = None) -> Work | None:
    """Agree on call_of(name, *agreement) unless None, bump the versions of the tensors written, then start(async_op) on
    the backend: done now (finish, then None) or in flight (a Work that finishes on wait); the watchdog watches
    all of it but the Work's wait, which it watches apart."""
    watched = pg.watchdog.watch(name)
    try:
        if agreement is not None:
            _agree(pg, call_of(name, *agreement))
        _changed(*changed)
        pending = start(async_op)
    finally:
        pg.watchdog.done(watched)
    if async_op:
        return Work(pending, pg, name, finish)
    if finish is not None:
        finish()
    return None


def all_reduce(tensor: Tensor, op: ReduceOp = ReduceOp.SUM, group: None = None, async_op: bool = False) -> Work | None:
    """tensor becomes, on every rank, the op of all ranks' tensors (in place)."""
    pg = _default(group)
    array = _array(pg, tensor, "all_reduce")
    _check_op(op, array, "all_reduce")
    return _collective(pg, "all_reduce", (array, op.name),
                       lambda started: pg.engine.all_reduce(array, op, started), async_op, (tensor,))


def start_bucket_all_reduce(array: Any) -> Work:
    """DDP's gradient buckets: start a SUM in place of one flat array (NumPy for mpi, CuPy on this rank's GPU for
    nccl) on every rank, with no agreement check (DistributedDataParallel checks its buckets' shapes once, at
    construction); wait() on the Work finishes it."""
    pg = default_group()
    return Work(pg.engine.all_reduce(array, ReduceOp.SUM, True), pg, "a DistributedDataParallel bucket's all_reduce")


def broadcast(tensor: Tensor, src: int, group: None = None, async_op: bool = False) -> Work | None:
    """tensor becomes, on every rank, rank src's tensor (in place)."""
    pg = _default(group)
    array = _array(pg, tensor, "broadcast")
    _check_rank(pg, src, "broadcast", "src")
    return _collective(pg, "broadcast", (array, f"src={src}"), lambda started: pg.engine.broadcast(array, src, started),
                       async_op, (tensor,))


def _check_rank(pg: _ProcessGroup, rank: int, name: str, what: str) -> None:
    if not isinstance(rank, int) or not 0 <= rank < pg.world_size:
        raise RuntimeError(f"{name}: {what}={rank!r} is not a rank of the group (world size {pg.world_size})")


def _check_list(pg: _ProcessGroup, tensors: Sequence[Tensor], like: Any, name: str, what: str) -> list:
    """The arrays of a list of world-size tensors shaped and typed as `like`."""
    if not isinstance(tensors, (list, tuple)) or len(tensors) != pg.world_size:
        raise RuntimeError(f"{name}: {what} must be a list of {pg.world_size} tensors (the world size), "
                           f"got {len(tensors) if isinstance(tensors, (list, tuple)) else type(tensors).__name__}")
    arrays = [_array(pg, tensor, name, f"{what}[{i}]") for i, tensor in enumerate(tensors)]
    for i, array in enumerate(arrays):
        if array.shape != like.shape or array.dtype != like.dtype:
            raise RuntimeError(f"{name}: {what}[{i}] is {tuple(array.shape)} {array.dtype}, the tensor is "
                               f"{tuple(like.shape)} {like.dtype}")
    return arrays


def _blocks(tensor: Tensor, count: int) -> Any:
    """A new (count, *tensor's shape) array on tensor's device, for the ranks' blocks."""
    with tensor._backend.context():
        return tensor._backend.xp.empty((count, *tensor._data.shape), tensor._data.dtype)


def _copy_out(tensor: Tensor, outputs: list, blocks: Any) -> Callable[[], None]:
    """A finish writing each of the blocks into its output array (on tensor's device)."""
    def finish() -> None:
        with tensor._backend.context():
            for output, block in zip(outputs, blocks):
                output[...] = block
    return finish


def all_gather(tensor_list: list[Tensor], tensor: Tensor, group: None = None, async_op: bool = False) -> Work | None:
    """tensor_list[r] becomes, on every rank, rank r's tensor."""
    pg = _default(group)
    array = _array(pg, tensor, "all_gather")
    outputs = _check_list(pg, tensor_list, array, "all_gather", "tensor_list")
    received = _blocks(tensor, pg.world_size)
    return _collective(pg, "all_gather", (array,), lambda started: pg.engine.all_gather(array, received, started),
                       async_op, tensor_list, _copy_out(tensor, outputs, received))


def _check_size(output: Any, input: Any, factor: int, name: str, big: str, small: str) -> None:
    """The big tensor holds world-size small ones: (world * n, ...) of (n, ...) or (world, ...) of a scalar."""
    if output.dtype != input.dtype or output.size != factor * input.size:
        raise RuntimeError(f"{name}: {big} must have {factor} times the elements of {small} and its dtype, got "
                           f"{tuple(output.shape)} {output.dtype} and {tuple(input.shape)} {input.dtype}")


def all_gather_into_tensor(output_tensor: Tensor, input_tensor: Tensor, group: None = None,
                           async_op: bool = False) -> Work | None:
    """output_tensor becomes, on every rank, all ranks' input tensors concatenated (or stacked) by rank."""
    pg = _default(group)
    output = _array(pg, output_tensor, "all_gather_into_tensor", "output_tensor")
    array = _array(pg, input_tensor, "all_gather_into_tensor", "input_tensor")
    _check_size(output, array, pg.world_size, "all_gather_into_tensor", "output_tensor", "input_tensor")
    return _collective(pg, "all_gather_into_tensor", (array,),
                       lambda started: pg.engine.all_gather(array, output, started), async_op, (output_tensor,))


def reduce_scatter_tensor(output: Tensor, input: Tensor, op: ReduceOp = ReduceOp.SUM, group: None = None,
                          async_op: bool = False) -> Work | None:
    """output becomes rank r's block of the op of all ranks' inputs (input split into world-size blocks)."""
    pg = _default(group)
    result = _array(pg, output, "reduce_scatter_tensor", "output")
    array = _array(pg, input, "reduce_scatter_tensor", "input")
    _check_size(array, result, pg.world_size, "reduce_scatter_tensor", "input", "output")
    _check_op(op, array, "reduce_scatter_tensor")
    return _collective(pg, "reduce_scatter_tensor", (array, op.name),
                       lambda started: pg.engine.reduce_scatter(array, result, op, started), async_op, (output,))


def reduce(tensor: Tensor, dst: int, op: ReduceOp = ReduceOp.SUM, group: None = None,
           async_op: bool = False) -> Work | None:
    """Rank dst's tensor becomes the op of all ranks' tensors (in place); the other ranks' stay as they are."""
    pg = _default(group)
    array = _array(pg, tensor, "reduce")
    _check_rank(pg, dst, "reduce", "dst")
    _check_op(op, array, "reduce")
    return _collective(pg, "reduce", (array, op.name, f"dst={dst}"),
                       lambda started: pg.engine.reduce(array, dst, op, pg.rank, started), async_op,
                       (tensor,) if pg.rank == dst else ())


def gather(tensor: Tensor, gather_list: list[Tensor] | None = None, dst: int = 0, group: None = None,
           async_op: bool = False) -> Work | None:
    """On rank dst, gather_list[r] becomes rank r's tensor (the other ranks pass no gather_list)."""
    pg = _default(group)
    array = _array(pg, tensor, "gather")
    _check_rank(pg, dst, "gather", "dst")
    outputs = _root_list(pg, gather_list, array, dst, "gather", "gather_list", "dst")
    received = _blocks(tensor, pg.world_size) if pg.rank == dst else None
    return _collective(pg, "gather", (array, f"dst={dst}"),
                       lambda started: pg.engine.gather(array, received, dst, started), async_op, gather_list or (),
                       _copy_out(tensor, outputs, received if received is not None else ()))


def scatter(tensor: Tensor, scatter_list: list[Tensor] | None = None, src: int = 0, group: None = None,
            async_op: bool = False) -> Work | None:
    """Every rank r's tensor becomes scatter_list[r] of rank src (the other ranks pass no scatter_list)."""
    pg = _default(group)
    array = _array(pg, tensor, "scatter")
    _check_rank(pg, src, "scatter", "src")
    inputs = _root_list(pg, scatter_list, array, src, "scatter", "scatter_list", "src")
    sent = None
    if pg.rank == src:
        with tensor._backend.context():
            sent = tensor._backend.xp.stack(inputs)
    return _collective(pg, "scatter", (array, f"src={src}"),
                       lambda started: pg.engine.scatter(sent, array, src, started), async_op, (tensor,))


def _root_list(pg: _ProcessGroup, tensors: list[Tensor] | None, like: Any, root: int, name: str, what: str,
               role: str) -> list:
    """The root's list of arrays (checked); as PyTorch, the other ranks may not pass one."""
    if pg.rank == root:
        if tensors is None:
            raise ValueError(f"{name}: Argument ``{what}`` must be specified on {'destination' if role == 'dst' else 'source'} rank.")
        return _check_list(pg, tensors, like, name, what)
    if tensors:
        raise ValueError(f"{name}: Argument ``{what}`` must NOT be specified on non-"
                         f"{'destination' if role == 'dst' else 'source'} ranks.")
    return []


def barrier(group: None = None, async_op: bool = False, device_ids: None = None) -> Work | None:
    """Wait until every rank has reached this barrier (on nccl too, an MPI barrier of the ranks' host threads)."""
    pg = _default(group)
    return _collective(pg, "barrier", (), pg.engine.barrier, async_op)


def all_gather_object(object_list: list, obj: Any, group: None = None) -> None:
    """object_list[r] becomes, on every rank, rank r's obj (any picklable object; pickled over MPI, unlike
    tensors, on both backends)."""
    pg = _default(group)
    if not isinstance(object_list, list) or len(object_list) != pg.world_size:
        raise ValueError(f"all_gather_object: object_list must be a list of {pg.world_size} entries (the world "
                         f"size), got {len(object_list) if isinstance(object_list, list) else type(object_list).__name__}")
    watched = pg.watchdog.watch("all_gather_object")
    try:
        _agree(pg, call_of("all_gather_object"))
        object_list[:] = pg.comm.allgather(obj)
    finally:
        pg.watchdog.done(watched)
