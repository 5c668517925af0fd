"""Run under `mpiexec -n 2`: collectives whose ranks disagree (shape, dtype, op, collective) raise the same
clear RuntimeError on every rank, and the job goes on (nothing hangs, nothing is summed wrongly)."""
from __future__ import annotations

import minitorch as mt
import minitorch.distributed as dist

dist.init_process_group("mpi")
RANK = dist.get_rank()
cases = {"shape": lambda: dist.all_reduce(mt.zeros(3 + RANK)),
         "dtype": lambda: dist.broadcast(mt.zeros(3, dtype=mt.float64 if RANK else mt.float32), src=0),
         "op": lambda: dist.all_reduce(mt.ones(2), op=dist.ReduceOp.MAX if RANK else dist.ReduceOp.SUM),
         "collective": lambda: dist.all_reduce(mt.ones(2)) if RANK else dist.broadcast(mt.ones(2), src=0)}
for case, call in cases.items():
    try:
        call()
    except RuntimeError as error:
        print(f"rank {RANK} {case}: {error}", flush=True)
    else:
        raise AssertionError(f"rank {RANK}: mismatched {case} did not raise")
tensor = mt.ones(2)
dist.all_reduce(tensor)  # the ranks still agree on what comes next
assert tensor.tolist() == [2.0, 2.0], tensor
print(f"rank {RANK}: still in step", flush=True)
