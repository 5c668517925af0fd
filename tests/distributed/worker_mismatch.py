"""Run under `mpiexec -n 2`: collectives whose ranks disagree (shape, dtype, op, collective) raise the same
clear RuntimeError on every rank, and the job goes on (nothing hangs, nothing is summed wrongly); on CPU tensors
(`mpi`) or on cuda:LOCAL_RANK ones through the nccl backend over the stand-ins of stand_in_nccl.py
(`nccl-stand-in`)."""
from __future__ import annotations

import sys

import minitorch as mt
import minitorch.distributed as dist

if sys.argv[1] == "nccl-stand-in":
    from stand_in_nccl import use_stand_in

    use_stand_in()
dist.init_process_group(sys.argv[1].removesuffix("-stand-in"))
RANK = dist.get_rank()
if dist.get_backend() == "nccl":
    mt.set_default_device(f"cuda:{RANK}")
cases = {"shape": lambda: dist.all_reduce(mt.zeros(3 + RANK)),
         "dtype": lambda: dist.broadcast(mt.zeros(3, dtype=mt.float64 if RANK else mt.float32), src=0),
         "op": lambda: dist.all_reduce(mt.ones(2), op=dist.ReduceOp.MAX if RANK else dist.ReduceOp.SUM),
         "collective": lambda: dist.all_reduce(mt.ones(2)) if RANK else dist.broadcast(mt.ones(2), src=0),
         "barrier": lambda: dist.all_reduce(mt.ones(2)) if RANK else dist.barrier(),
         "object": lambda: dist.all_gather_object([None, None], RANK) if RANK else dist.barrier()}
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
