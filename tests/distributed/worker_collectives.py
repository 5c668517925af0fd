"""Run under `mpiexec -n 2`: every collective and ReduceOp against NumPy, on float32, float64 and int64, blocking
and async. Each rank rebuilds every rank's inputs from seeds, so the expected values need no communication.

`worker_collectives.py mpi` runs them on CPU tensors; `worker_collectives.py nccl-stand-in` on cuda:LOCAL_RANK
tensors through the nccl backend, with the stand-in CuPy and NCCL of stand_in_nccl.py behind its seam (and the
setup path checked: rank 0 makes the unique id, every rank builds its communicator from it on its own GPU);
`worker_collectives.py nccl` on real GPUs (the gpu tests; without mpiexec, a world of one rank).
"""
from __future__ import annotations

import os
import sys

import numpy as np

import minitorch as mt
from minitorch import backends
import minitorch.distributed as dist
from minitorch.distributed.collectives import start_bucket_all_reduce

BACKEND = sys.argv[1]
if BACKEND == "nccl-stand-in":
    from stand_in_nccl import use_stand_in

    runtime = use_stand_in()
dist.init_process_group(BACKEND.removesuffix("-stand-in"))
RANK, WORLD = dist.get_rank(), dist.get_world_size()
if BACKEND == "nccl-stand-in":
    LOCAL_RANK = int(os.environ["LOCAL_RANK"])
    setup = [entry for entry in runtime.log if entry[0] in ("use_device", "get_unique_id", "NcclCommunicator")]
    unique_id = setup[-1][2]
    assert setup == [("use_device", LOCAL_RANK), *([("get_unique_id",)] if RANK == 0 else []),
                     ("NcclCommunicator", WORLD, unique_id, RANK)], setup
    assert len(set(runtime.nccl.comm.allgather(unique_id))) == 1, "the ranks' unique ids differ"
    group_stream = runtime.log[-1][1]
    assert runtime.log[-1] == ("stream", group_stream), runtime.log
    print(f"rank {RANK}: nccl setup on cuda:{LOCAL_RANK} checked", flush=True)
if BACKEND != "mpi":
    mt.set_default_device(f"cuda:{os.environ['LOCAL_RANK']}")
LAST = WORLD - 1  # the root of the rooted collectives, other than rank 0
OPS = {dist.ReduceOp.SUM: np.sum, dist.ReduceOp.PRODUCT: np.prod, dist.ReduceOp.MIN: np.min,
       dist.ReduceOp.MAX: np.max, dist.ReduceOp.AVG: np.mean}
checks = 0


def data(rank: int, dtype: str, shape: tuple = (4, 3)) -> np.ndarray:
    """Rank `rank`'s input: small integers (exact products) as dtype, different on every rank."""
    return np.random.default_rng([rank, len(shape)]).integers(-4, 5, size=shape).astype(dtype)


def check(name: str, got: mt.Tensor, expected: np.ndarray) -> None:
    global checks
    assert got.dtype == mt.from_numpy(expected).dtype, (name, got.dtype, expected.dtype)
    assert got.device == mt.get_default_device(), (name, got.device)
    np.testing.assert_allclose(got.cpu().numpy(), expected, rtol=1e-6, err_msg=f"rank {RANK}: {name}")
    checks += 1


def finished(work: dist.Work | None, async_op: bool) -> None:
    assert (work is not None) == async_op, work
    if async_op:
        work.wait()
        assert work.is_completed()


everyone = {dtype: np.stack([data(rank, dtype) for rank in range(WORLD)]) for dtype in ("float32", "float64", "int64")}
for dtype, inputs in everyone.items():
    for async_op in (False, True):
        tag = f"{dtype} async_op={async_op}"
        for op, numpy_op in OPS.items():
            if op is dist.ReduceOp.AVG and dtype == "int64":
                continue  # AVG needs floats (checked below)
            expected = numpy_op(inputs, axis=0).astype(dtype)
            tensor = mt.tensor(inputs[RANK])
            version = tensor._version
            finished(dist.all_reduce(tensor, op=op, async_op=async_op), async_op)
            check(f"all_reduce {op} {tag}", tensor, expected)
            assert tensor._version > version, "all_reduce is in place: it bumps the version counter"

            tensor = mt.tensor(inputs[RANK])
            finished(dist.reduce(tensor, dst=LAST, op=op, async_op=async_op), async_op)
            check(f"reduce {op} {tag}", tensor, expected if RANK == LAST else inputs[RANK])

            whole = np.stack([data(rank, dtype, (WORLD * 2, 3)) for rank in range(WORLD)])
            output = mt.zeros(2, 3, dtype=mt.from_numpy(whole).dtype)
            finished(dist.reduce_scatter_tensor(output, mt.tensor(whole[RANK]), op=op, async_op=async_op), async_op)
            check(f"reduce_scatter_tensor {op} {tag}", output,
                  numpy_op(whole, axis=0).astype(dtype)[RANK * 2:(RANK + 1) * 2])

        tensor = mt.tensor(inputs[RANK])
        finished(dist.broadcast(tensor, src=LAST, async_op=async_op), async_op)
        check(f"broadcast {tag}", tensor, inputs[LAST])

        outputs = [mt.zeros(4, 3, dtype=mt.from_numpy(inputs).dtype) for _ in range(WORLD)]
        finished(dist.all_gather(outputs, mt.tensor(inputs[RANK]), async_op=async_op), async_op)
        for rank, output in enumerate(outputs):
            check(f"all_gather [{rank}] {tag}", output, inputs[rank])

        output = mt.zeros(WORLD * 4, 3, dtype=mt.from_numpy(inputs).dtype)
        finished(dist.all_gather_into_tensor(output, mt.tensor(inputs[RANK]), async_op=async_op), async_op)
        check(f"all_gather_into_tensor {tag}", output, np.concatenate(list(inputs)))
        stacked = mt.zeros(WORLD, 4, 3, dtype=mt.from_numpy(inputs).dtype)
        finished(dist.all_gather_into_tensor(stacked, mt.tensor(inputs[RANK]), async_op=async_op), async_op)
        check(f"all_gather_into_tensor stacked {tag}", stacked, inputs)

        gathered = [mt.zeros(4, 3, dtype=mt.from_numpy(inputs).dtype) for _ in range(WORLD)] if RANK == 0 else None
        finished(dist.gather(mt.tensor(inputs[RANK]), gathered, dst=0, async_op=async_op), async_op)
        for rank, output in enumerate(gathered or ()):
            check(f"gather [{rank}] {tag}", output, inputs[rank])

        tensor = mt.zeros(4, 3, dtype=mt.from_numpy(inputs).dtype)
        parts = [mt.tensor(inputs[rank] * 10) for rank in range(WORLD)] if RANK == LAST else None
        finished(dist.scatter(tensor, parts, src=LAST, async_op=async_op), async_op)
        check(f"scatter {tag}", tensor, inputs[RANK] * 10)

        finished(dist.barrier(async_op=async_op), async_op)

# bools, reduced as PyTorch's: SUM and MAX are an or, PRODUCT and MIN an and
flags = np.array([[True, False, False, True], [True, False, True, False]])[[rank % 2 for rank in range(WORLD)]]
for async_op in (False, True):
    for op, numpy_op in ((dist.ReduceOp.SUM, np.any), (dist.ReduceOp.MAX, np.any), (dist.ReduceOp.PRODUCT, np.all),
                         (dist.ReduceOp.MIN, np.all)):
        tensor = mt.tensor(flags[RANK])
        finished(dist.all_reduce(tensor, op=op, async_op=async_op), async_op)
        check(f"all_reduce bool {op} async_op={async_op}", tensor, numpy_op(flags, axis=0))

bucket = mt.full((5,), RANK + 1.0)._data  # NumPy for mpi, the GPU's array for nccl
start_bucket_all_reduce(bucket).wait()
np.testing.assert_array_equal(backends.backend_for(mt.get_default_device()).to_numpy(bucket),
                              np.full(5, WORLD * (WORLD + 1) / 2, np.float32))
checks += 1

# data parallelism by hand: the gradients of each rank's share of a batch, averaged, are the whole batch's
mt.manual_seed(0)
model = mt.nn.Linear(3, 2)
batch, targets = mt.randn(4 * WORLD, 3), mt.randn(4 * WORLD, 2)
((model(batch) - targets) ** 2).mean().backward()
whole = [parameter.grad.clone() for parameter in model.parameters()]
model.zero_grad()
share = slice(4 * RANK, 4 * (RANK + 1))
((model(batch[share]) - targets[share]) ** 2).mean().backward()
works = [dist.all_reduce(parameter.grad, op=dist.ReduceOp.AVG, async_op=True) for parameter in model.parameters()]
for work, parameter, expected_grad in zip(works, model.parameters(), whole):
    work.wait()
    np.testing.assert_allclose(parameter.grad.cpu().numpy(), expected_grad.cpu().numpy(), rtol=1e-5, atol=1e-6)
checks += 1

try:
    dist.all_reduce(mt.tensor([1, 2]), op=dist.ReduceOp.AVG)
except RuntimeError as error:
    assert "ReduceOp.AVG needs a floating tensor, got int64" in str(error), error
else:
    raise AssertionError("AVG of int64 did not raise")
assert dist.get_backend() == BACKEND.removesuffix("-stand-in") and dist.is_initialized()
if BACKEND == "nccl-stand-in":
    launched = [entry for entry in runtime.log if entry[0] in ("allReduce", "bcast", "reduce", "allGather",
                                                               "reduceScatter", "send", "recv")]
    assert {entry[0] for entry in launched} == {"allReduce", "bcast", "reduce", "allGather", "reduceScatter",
                                                "send", "recv"}, launched
    assert all(stream == group_stream for _, stream in launched), "a collective ran off the group's stream"
    waits = [entry for entry in runtime.log if entry[0] == "wait_event"]
    assert ("wait_event", group_stream, runtime.current.ptr) in waits, "the group's stream did not wait first"
    assert ("wait_event", runtime.current.ptr, group_stream) in waits, "the current stream did not wait after"
dist.destroy_process_group()
assert not dist.is_initialized()
assert BACKEND == "mpi" or runtime.log[-1] == ("destroy",), "destroy_process_group kept the NCCL communicator"
print(f"rank {RANK}: {checks} checks passed", flush=True)
sys.exit(0)
