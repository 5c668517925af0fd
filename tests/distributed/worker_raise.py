"""Run under `mpiexec -n 2`: rank 1 raises after a first all_reduce while rank 0 waits in the second; the
excepthook init_process_group installs must abort the job (a non-zero exit) instead of leaving rank 0 hanging."""
from __future__ import annotations

import minitorch as mt
import minitorch.distributed as dist

dist.init_process_group("mpi")
tensor = mt.ones(3)
dist.all_reduce(tensor)
if dist.get_rank() == 1:
    raise ValueError("rank 1 fails mid-step on purpose")
dist.all_reduce(tensor)  # rank 0 would wait here for ever
print("rank 0 finished, which it must not", flush=True)
