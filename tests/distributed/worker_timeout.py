"""Run under `mpiexec -n 2` with timeout=3 s: after a first all_reduce rank 1 simply returns (no exception),
while rank 0 waits for it in a blocking all_reduce (`blocking`), in Work.wait of DDP's bucket all_reduce
(`work`), or in that Work.wait on the nccl backend (`nccl-work`: stand-in GPUs and NCCL, stand_in_nccl.py); the
watchdog must abort the job, saying which wait, instead of leaving rank 0 hanging. `wait-timeout`: the group's
timeout is a minute, and Work.wait(timeout=2 s) of the bucket all_reduce must abort it after 2 s (an async
all_reduce would wait first in the ranks' agreement, under the group's timeout)."""
from __future__ import annotations

import sys
from datetime import timedelta

import minitorch as mt
import minitorch.distributed as dist
from minitorch.distributed.collectives import start_bucket_all_reduce

if sys.argv[1] == "nccl-work":
    from stand_in_nccl import use_stand_in

    use_stand_in()
dist.init_process_group("nccl" if sys.argv[1] == "nccl-work" else "mpi",
                        timeout=timedelta(seconds=60 if sys.argv[1] == "wait-timeout" else 3))
device = "cpu" if dist.get_backend() == "mpi" else f"cuda:{dist.get_rank()}"
tensor = mt.ones(3, device=device)
dist.all_reduce(tensor)
if dist.get_rank() == 0:
    if sys.argv[1] == "blocking":
        dist.all_reduce(tensor)
    elif sys.argv[1] == "wait-timeout":
        start_bucket_all_reduce(tensor._data).wait(timeout=timedelta(seconds=2))
    else:
        start_bucket_all_reduce(tensor._data).wait()
    print("rank 0 finished, which it must not", flush=True)
