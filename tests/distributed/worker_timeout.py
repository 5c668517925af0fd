"""Run under `mpiexec -n 2` with timeout=3 s: after a first all_reduce rank 1 simply returns (no exception),
while rank 0 waits for it in a blocking all_reduce (`blocking`) or in Work.wait of DDP's bucket all_reduce
(`work`); the watchdog must abort the job, saying which wait, instead of leaving rank 0 hanging."""
from __future__ import annotations

import sys
from datetime import timedelta

import numpy as np

import minitorch as mt
import minitorch.distributed as dist
from minitorch.distributed.collectives import start_bucket_all_reduce

dist.init_process_group("mpi", timeout=timedelta(seconds=3))
tensor = mt.ones(3)
dist.all_reduce(tensor)
if dist.get_rank() == 0:
    if sys.argv[1] == "blocking":
        dist.all_reduce(tensor)
    else:
        start_bucket_all_reduce(np.ones(3)).wait()
    print("rank 0 finished, which it must not", flush=True)
