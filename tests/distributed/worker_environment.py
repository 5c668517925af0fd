"""Run by the launcher: prints this rank's torchrun variables and arguments as JSON, before and after init."""
from __future__ import annotations

import json
import os
import sys

import minitorch.distributed as dist

NAMES = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "OMP_NUM_THREADS")
before = {name: os.environ.get(name) for name in NAMES}
dist.init_process_group("mpi")
record = json.dumps({"before": before, "rank": dist.get_rank(), "world_size": dist.get_world_size(),
                     "argv": sys.argv[1:]})
# one write of the whole line: print() writes the text and its newline apart when unbuffered (PYTHONUNBUFFERED),
# and the two ranks' lines then run together on mpiexec's shared stdout
sys.stdout.write(record + "\n")
sys.stdout.flush()
