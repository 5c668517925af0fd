"""Collectives on CPU tensors through MPI's buffer interface (NumPy arrays handed to MPI, never pickled).

Before each collective the ranks exchange a few bytes of metadata (the collective's name, the tensor's shape
and dtype) and every rank raises the same RuntimeError when they differ, instead of hanging or returning a
wrong sum. async_op=True starts a non-blocking MPI request and returns a Work whose wait() finishes it.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ..tensor import Tensor
from .process_group import ReduceOp, _ProcessGroup, default_group


class Work:
    """A collective in flight (async_op=True): wait() blocks until it is done and this rank's tensors hold the
    result; is_completed() asks without blocking."""

    def __init__(self, request: Any, finish: Callable[[], None] = lambda: None) -> None:
        self._request, self._finish, self._done = request, finish, False

    def _complete(self) -> None:
        self._done = True
        self._finish()

    def is_completed(self) -> bool:
        if not self._done and self._request.Test():
            self._complete()
        return self._done

    def wait(self, timeout: Any = None) -> bool:
        if not self._done:
            self._request.Wait()
            self._complete()
        return True


def _default(group: None) -> _ProcessGroup:
    """The default group: the only one there is (no new_group yet)."""
    if group is not None:
        raise NotImplementedError(f"minitorch.distributed has only the default group; got group={group!r}")
    return default_group()


def _array(tensor: Tensor, name: str, what: str = "tensor") -> np.ndarray:
    """tensor's NumPy array, for MPI to read and write; a CPU, contiguous tensor only."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{name}: {what} must be a minitorch Tensor, got {type(tensor).__name__}")
    if tensor.device.type != "cpu":
        raise RuntimeError(f"{name}: the mpi backend takes CPU tensors, got {what} on {tensor.device} "
                           "(the nccl backend for CUDA tensors is not there yet)")
    if not tensor._data.flags.c_contiguous:
        raise RuntimeError(f"{name}: {what} must be contiguous (call .contiguous() first)")
    return tensor._data


def _changed(*tensors: Tensor) -> None:
    """Record in-place writes in the version counters, as PyTorch's collectives do."""
    for tensor in tensors:
        tensor._version_counter.value += 1


def _agree(group: _ProcessGroup, name: str, array: np.ndarray, *extra: Any) -> None:
    """Every rank raises the same RuntimeError unless all ranks call `name` with the same shape and dtype."""
    mine = (name, tuple(array.shape), str(array.dtype), *extra)
    everyone = group.comm.allgather(mine)
    if len(set(everyone)) > 1:
        described = "; ".join(f"rank {rank}: {info[0]} {info[1]} {info[2]}{''.join(f' {e}' for e in info[3:])}"
                              for rank, info in enumerate(everyone))
        raise RuntimeError(f"{name}: the ranks' calls do not match (collective, shape, dtype): {described}")


def _mpi_op(group: _ProcessGroup, op: ReduceOp, array: np.ndarray, name: str) -> Any:
    if not isinstance(op, ReduceOp):
        raise TypeError(f"{name}: op must be a ReduceOp, got {op!r}")
    if op is ReduceOp.AVG and array.dtype.kind != "f":
        raise RuntimeError(f"{name}: ReduceOp.AVG needs a floating tensor, got {array.dtype}")
    mpi = group.mpi
    return {ReduceOp.SUM: mpi.SUM, ReduceOp.AVG: mpi.SUM, ReduceOp.PRODUCT: mpi.PROD, ReduceOp.MIN: mpi.MIN,
            ReduceOp.MAX: mpi.MAX}[op]


def _run(blocking: Callable[[], Any], nonblocking: Callable[[], Any], async_op: bool,
         finish: Callable[[], None]) -> Work | None:
    """The collective now (finish, then None) or started (a Work that finishes on wait)."""
    if async_op:
        return Work(nonblocking(), finish)
    blocking()
    finish()
    return None


def _averaged(group: _ProcessGroup, op: ReduceOp, array: np.ndarray) -> Callable[[], None]:
    def finish() -> None:
        if op is ReduceOp.AVG:
            np.divide(array, group.world_size, out=array)
    return finish


def all_reduce(tensor: Tensor, op: ReduceOp = ReduceOp.SUM, group: None = None, async_op: bool = False) -> Work | None:
    """tensor becomes, on every rank, the op of all ranks' tensors (in place)."""
    pg, array = _default(group), _array(tensor, "all_reduce")
    mpi_op = _mpi_op(pg, op, array, "all_reduce")
    _agree(pg, "all_reduce", array, op.name)
    finish = _averaged(pg, op, array)
    _changed(tensor)
    return _run(lambda: pg.comm.Allreduce(pg.mpi.IN_PLACE, array, mpi_op),
                lambda: pg.comm.Iallreduce(pg.mpi.IN_PLACE, array, mpi_op), async_op, finish)


def start_bucket_all_reduce(array: np.ndarray) -> Work:
    """DDP's gradient buckets: start a SUM in place of one flat array on every rank, with no agreement check
    (DistributedDataParallel checks its buckets' shapes once, at construction); wait() on the Work finishes it."""
    pg = default_group()
    return Work(pg.comm.Iallreduce(pg.mpi.IN_PLACE, array, pg.mpi.SUM))


def broadcast(tensor: Tensor, src: int, group: None = None, async_op: bool = False) -> Work | None:
    """tensor becomes, on every rank, rank src's tensor (in place)."""
    pg, array = _default(group), _array(tensor, "broadcast")
    _check_rank(pg, src, "broadcast", "src")
    _agree(pg, "broadcast", array, f"src={src}")
    _changed(tensor)
    return _run(lambda: pg.comm.Bcast(array, root=src), lambda: pg.comm.Ibcast(array, root=src), async_op,
                lambda: None)


def _check_rank(pg: _ProcessGroup, rank: int, name: str, what: str) -> None:
    if not isinstance(rank, int) or not 0 <= rank < pg.world_size:
        raise ValueError(f"{name}: {what}={rank!r} is not a rank of the group (world size {pg.world_size})")


def _check_list(pg: _ProcessGroup, tensors: Sequence[Tensor], like: np.ndarray, name: str, what: str) -> list:
    """The arrays of a list of world-size tensors shaped and typed as `like`."""
    if not isinstance(tensors, (list, tuple)) or len(tensors) != pg.world_size:
        raise ValueError(f"{name}: {what} must be a list of {pg.world_size} tensors (the world size), "
                         f"got {len(tensors) if isinstance(tensors, (list, tuple)) else type(tensors).__name__}")
    arrays = [_array(tensor, name, f"{what}[{i}]") for i, tensor in enumerate(tensors)]
    for i, array in enumerate(arrays):
        if array.shape != like.shape or array.dtype != like.dtype:
            raise ValueError(f"{name}: {what}[{i}] is {tuple(array.shape)} {array.dtype}, the tensor is "
                             f"{tuple(like.shape)} {like.dtype}")
    return arrays


def all_gather(tensor_list: list[Tensor], tensor: Tensor, group: None = None, async_op: bool = False) -> Work | None:
    """tensor_list[r] becomes, on every rank, rank r's tensor."""
    pg, array = _default(group), _array(tensor, "all_gather")
    outputs = _check_list(pg, tensor_list, array, "all_gather", "tensor_list")
    _agree(pg, "all_gather", array)
    received = np.empty((pg.world_size, *array.shape), array.dtype)

    def finish() -> None:
        for output, part in zip(outputs, received):
            output[...] = part
        _changed(*tensor_list)
    return _run(lambda: pg.comm.Allgather(array, received), lambda: pg.comm.Iallgather(array, received),
                async_op, finish)


def _check_size(output: np.ndarray, input: np.ndarray, factor: int, name: str, big: str, small: str) -> None:
    """The big tensor holds world-size small ones: (world * n, ...) of (n, ...) or (world, ...) of a scalar."""
    if output.dtype != input.dtype or output.size != factor * input.size:
        raise ValueError(f"{name}: {big} must have {factor} times the elements of {small} and its dtype, got "
                         f"{tuple(output.shape)} {output.dtype} and {tuple(input.shape)} {input.dtype}")


def all_gather_into_tensor(output_tensor: Tensor, input_tensor: Tensor, group: None = None,
                           async_op: bool = False) -> Work | None:
    """output_tensor becomes, on every rank, all ranks' input tensors concatenated (or stacked) by rank."""
    pg = _default(group)
    output, array = _array(output_tensor, "all_gather_into_tensor", "output_tensor"), \
        _array(input_tensor, "all_gather_into_tensor", "input_tensor")
    _check_size(output, array, pg.world_size, "all_gather_into_tensor", "output_tensor", "input_tensor")
    _agree(pg, "all_gather_into_tensor", array)
    _changed(output_tensor)
    return _run(lambda: pg.comm.Allgather(array, output), lambda: pg.comm.Iallgather(array, output), async_op,
                lambda: None)


def reduce_scatter_tensor(output: Tensor, input: Tensor, op: ReduceOp = ReduceOp.SUM, group: None = None,
                          async_op: bool = False) -> Work | None:
    """output becomes rank r's block of the op of all ranks' inputs (input split into world-size blocks)."""
    pg = _default(group)
    result, array = _array(output, "reduce_scatter_tensor", "output"), _array(input, "reduce_scatter_tensor", "input")
    _check_size(array, result, pg.world_size, "reduce_scatter_tensor", "input", "output")
    mpi_op = _mpi_op(pg, op, array, "reduce_scatter_tensor")
    _agree(pg, "reduce_scatter_tensor", array, op.name)
    _changed(output)
    return _run(lambda: pg.comm.Reduce_scatter_block(array, result, mpi_op),
                lambda: pg.comm.Ireduce_scatter_block(array, result, mpi_op), async_op, _averaged(pg, op, result))


def reduce(tensor: Tensor, dst: int, op: ReduceOp = ReduceOp.SUM, group: None = None,
           async_op: bool = False) -> Work | None:
    """Rank dst's tensor becomes the op of all ranks' tensors (in place); the other ranks' stay as they are."""
    pg, array = _default(group), _array(tensor, "reduce")
    _check_rank(pg, dst, "reduce", "dst")
    mpi_op = _mpi_op(pg, op, array, "reduce")
    _agree(pg, "reduce", array, op.name, f"dst={dst}")
    if pg.rank == dst:
        send, receive, finish = pg.mpi.IN_PLACE, array, _averaged(pg, op, array)
        _changed(tensor)
    else:
        send, receive, finish = array, None, lambda: None
    return _run(lambda: pg.comm.Reduce(send, receive, mpi_op, root=dst),
                lambda: pg.comm.Ireduce(send, receive, mpi_op, root=dst), async_op, finish)


def gather(tensor: Tensor, gather_list: list[Tensor] | None = None, dst: int = 0, group: None = None,
           async_op: bool = False) -> Work | None:
    """On rank dst, gather_list[r] becomes rank r's tensor (the other ranks pass no gather_list)."""
    pg, array = _default(group), _array(tensor, "gather")
    _check_rank(pg, dst, "gather", "dst")
    outputs = _root_list(pg, gather_list, array, dst, "gather", "gather_list", "dst")
    _agree(pg, "gather", array, f"dst={dst}")
    received = np.empty((pg.world_size, *array.shape), array.dtype) if pg.rank == dst else None

    def finish() -> None:
        for output, part in zip(outputs, received if received is not None else ()):
            output[...] = part
        _changed(*(gather_list or ()))
    return _run(lambda: pg.comm.Gather(array, received, root=dst), lambda: pg.comm.Igather(array, received, root=dst),
                async_op, finish)


def scatter(tensor: Tensor, scatter_list: list[Tensor] | None = None, src: int = 0, group: None = None,
            async_op: bool = False) -> Work | None:
    """Every rank r's tensor becomes scatter_list[r] of rank src (the other ranks pass no scatter_list)."""
    pg, array = _default(group), _array(tensor, "scatter")
    _check_rank(pg, src, "scatter", "src")
    inputs = _root_list(pg, scatter_list, array, src, "scatter", "scatter_list", "src")
    _agree(pg, "scatter", array, f"src={src}")
    sent = np.stack(inputs) if pg.rank == src else None
    _changed(tensor)
    return _run(lambda: pg.comm.Scatter(sent, array, root=src), lambda: pg.comm.Iscatter(sent, array, root=src),
                async_op, lambda: None)


def _root_list(pg: _ProcessGroup, tensors: list[Tensor] | None, like: np.ndarray, root: int, name: str, what: str,
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
    """Wait until every rank has reached this barrier."""
    pg = _default(group)
    return _run(pg.comm.Barrier, pg.comm.Ibarrier, async_op, lambda: None)


def all_gather_object(object_list: list, obj: Any, group: None = None) -> None:
    """object_list[r] becomes, on every rank, rank r's obj (any picklable object; pickled, unlike tensors)."""
    pg = _default(group)
    if not isinstance(object_list, list) or len(object_list) != pg.world_size:
        raise ValueError(f"all_gather_object: object_list must be a list of {pg.world_size} entries (the world "
                         f"size), got {len(object_list) if isinstance(object_list, list) else type(object_list).__name__}")
    object_list[:] = pg.comm.allgather(obj)
