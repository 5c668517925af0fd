"""Run under `mpiexec -n 2`: every collective and ReduceOp against NumPy, on float32, float64 and int64, blocking
and async. Each rank rebuilds every rank's inputs from seeds, so the expected values need no communication."""
from __future__ import annotations

import sys

import numpy as np

import minitorch as mt
import minitorch.distributed as dist

dist.init_process_group("mpi")
RANK, WORLD = dist.get_rank(), dist.get_world_size()
OPS = {dist.ReduceOp.SUM: np.sum, dist.ReduceOp.PRODUCT: np.prod, dist.ReduceOp.MIN: np.min,
       dist.ReduceOp.MAX: np.max, dist.ReduceOp.AVG: np.mean}
checks = 0


def data(rank: int, dtype: str, shape: tuple = (4, 3)) -> np.ndarray:
    """Rank `rank`'s input: small integers (exact products) as dtype, different on every rank."""
    return np.random.default_rng([rank, len(shape)]).integers(-4, 5, size=shape).astype(dtype)


def check(name: str, got: mt.Tensor, expected: np.ndarray) -> None:
    global checks
    assert got.dtype == mt.from_numpy(expected).dtype, (name, got.dtype, expected.dtype)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-6, err_msg=f"rank {RANK}: {name}")
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
            finished(dist.reduce(tensor, dst=1, op=op, async_op=async_op), async_op)
            check(f"reduce {op} {tag}", tensor, expected if RANK == 1 else inputs[RANK])

            whole = np.stack([data(rank, dtype, (WORLD * 2, 3)) for rank in range(WORLD)])
            output = mt.zeros(2, 3, dtype=mt.from_numpy(whole).dtype)
            finished(dist.reduce_scatter_tensor(output, mt.tensor(whole[RANK]), op=op, async_op=async_op), async_op)
            check(f"reduce_scatter_tensor {op} {tag}", output,
                  numpy_op(whole, axis=0).astype(dtype)[RANK * 2:(RANK + 1) * 2])

        tensor = mt.tensor(inputs[RANK])
        finished(dist.broadcast(tensor, src=1, async_op=async_op), async_op)
        check(f"broadcast {tag}", tensor, inputs[1])

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
        parts = [mt.tensor(inputs[rank] * 10) for rank in range(WORLD)] if RANK == 1 else None
        finished(dist.scatter(tensor, parts, src=1, async_op=async_op), async_op)
        check(f"scatter {tag}", tensor, inputs[RANK] * 10)

        finished(dist.barrier(async_op=async_op), async_op)

try:
    dist.all_reduce(mt.tensor([1, 2]), op=dist.ReduceOp.AVG)
except RuntimeError as error:
    assert "ReduceOp.AVG needs a floating tensor, got int64" in str(error), error
else:
    raise AssertionError("AVG of int64 did not raise")
assert dist.get_backend() == "mpi" and dist.is_initialized()
dist.destroy_process_group()
assert not dist.is_initialized()
print(f"rank {RANK}: {checks} checks passed", flush=True)
sys.exit(0)
