"""Run under `mpiexec -n 2`: DistributedDataParallel on the nccl backend, over the stand-in GPUs and NCCL of
stand_in_nccl.py (each rank's model on cuda:LOCAL_RANK): its buckets go through the nccl engine's all_reduce, and
two ranks training on half of every batch end with the parameters of one process training on the whole batches."""
from __future__ import annotations

import numpy as np

import minitorch as mt
import minitorch.distributed as dist
from minitorch import nn
from minitorch.nn.parallel import DistributedDataParallel as DDP
from stand_in_nccl import use_stand_in

runtime = use_stand_in()
dist.init_process_group("nccl")
RANK, WORLD = dist.get_rank(), dist.get_world_size()
DEVICE = f"cuda:{RANK}"


def mlp(seed: int) -> nn.Module:
    mt.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, 16), nn.Tanh(), nn.Linear(16, 3)).to(mt.float64).to(DEVICE)


rng = np.random.default_rng(7)
data = [(mt.tensor(rng.standard_normal((8, 5)), device=DEVICE), mt.tensor(rng.integers(0, 3, 8), device=DEVICE))
        for _ in range(3)]
model, reference = DDP(mlp(seed=RANK), bucket_cap_mb=0.0005), mlp(seed=0)  # rank 1's own seed: the broadcast matters
for net, split in ((model, True), (reference, False)):
    optimizer = mt.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    for inputs, targets in data:
        if split:
            inputs, targets = inputs[4 * RANK:4 * (RANK + 1)], targets[4 * RANK:4 * (RANK + 1)]
        optimizer.zero_grad()
        nn.CrossEntropyLoss()(net(inputs), targets).backward()
        optimizer.step()
difference = max(float((a - b).abs().max()) for a, b in zip(model.module.parameters(), reference.parameters()))
assert difference < 1e-12, difference
assert all(parameter.device == DEVICE for parameter in model.parameters())
reduced = [entry for entry in runtime.log if entry[0] == "allReduce"]
assert len(reduced) >= 2 * len(data), reduced  # more than one bucket per step, each through NCCL's allReduce
print(f"rank {RANK}: ddp on nccl matches one process (largest difference {difference:.1e})", flush=True)
