"""Run under `mpiexec -n 2`: on rank 1, init_process_group('nccl') fails (its stand-in GPU cannot be used) while
rank 0 waits for the unique id; rank 1's excepthook must abort the job instead of leaving rank 0 waiting."""
from __future__ import annotations

import minitorch.distributed as dist
from stand_in_nccl import use_stand_in

runtime = use_stand_in()
if runtime.nccl.comm.Get_rank() == 1:
    def broken(index: int) -> None:
        raise RuntimeError(f"cuda:{index} cannot be used, on purpose")
    runtime.use_device = broken
dist.init_process_group("nccl")
print(f"rank {dist.get_rank()} joined, which it must not", flush=True)
