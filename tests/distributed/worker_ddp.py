"""Run under `mpiexec -n 2`: DistributedDataParallel against one process.

Each rank builds its model from a seed of its own (so the broadcast from rank 0 at construction matters), trains
on its half of every batch, and compares its parameters with a model that one process trains on the whole
batches (built from rank 0's seed, computed here on every rank). Prints the largest difference of each case.
"""
from __future__ import annotations

import sys

import numpy as np

import minitorch as mt
import minitorch.distributed as dist
from minitorch import nn
from minitorch.distributed import collectives
from minitorch.nn.parallel import DistributedDataParallel as DDP
from minitorch.nn.parallel import distributed as ddp_module

dist.init_process_group("mpi")
RANK, WORLD = dist.get_rank(), dist.get_world_size()
STEPS, BATCH = 4, 8


def mlp(seed: int, dtype: mt.dtype = mt.float64, norm: bool = False) -> nn.Module:
    mt.manual_seed(seed)
    layers = [nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 3)]
    if norm:
        layers.insert(1, nn.BatchNorm1d(16))
    return nn.Sequential(*layers).to(dtype)


def batches(dtype: mt.dtype = mt.float64) -> list[tuple[mt.Tensor, mt.Tensor]]:
    rng = np.random.default_rng(7)
    return [(mt.tensor(rng.standard_normal((BATCH, 5))).to(dtype), mt.tensor(rng.integers(0, 3, BATCH)))
            for _ in range(STEPS)]


def half(tensor: mt.Tensor) -> mt.Tensor:
    share = tensor.shape[0] // WORLD
    return tensor[RANK * share:(RANK + 1) * share]


def largest_difference(model: nn.Module, reference: nn.Module) -> float:
    return max(float((a - b).abs().max()) for a, b in zip(model.parameters(), reference.parameters()))


def train(model: nn.Module, optimizer: mt.optim.Optimizer, data: list, split: bool, accumulate: int = 1,
          wrapped: DDP | None = None) -> None:
    """STEPS steps of cross-entropy; with accumulate > 1 each batch is `accumulate` micro-batches whose gradients
    add up (under no_sync but the last, when wrapped)."""
    loss_fn = nn.CrossEntropyLoss()
    for inputs, targets in data:
        optimizer.zero_grad()
        for part in range(accumulate):
            rows = slice(part * BATCH // accumulate, (part + 1) * BATCH // accumulate)
            x, y = inputs[rows], targets[rows]
            if split:
                x, y = half(x), half(y)
            if wrapped is not None and part < accumulate - 1:
                with wrapped.no_sync():
                    loss_fn(model(x), y).backward()
            else:
                loss_fn(model(x), y).backward()
        optimizer.step()


def case(name: str, make_optimizer, dtype: mt.dtype = mt.float64, accumulate: int = 1, tolerance: float = 1e-12,
         **options) -> None:
    reference = mlp(100, dtype)  # rank 0's seed: DDP broadcasts its parameters
    train(reference, make_optimizer(reference.parameters()), batches(dtype), split=False, accumulate=accumulate)
    model = DDP(mlp(100 + RANK, dtype), **options)
    train(model, make_optimizer(model.parameters()), batches(dtype), split=True, accumulate=accumulate,
          wrapped=model)
    difference = largest_difference(model.module, reference)
    assert difference <= tolerance, (name, difference)
    print(f"rank {RANK}: {name}: largest parameter difference {difference:.3g}", flush=True)


sgd = lambda parameters: mt.optim.SGD(parameters, lr=0.1, momentum=0.9)  # noqa: E731
adam = lambda parameters: mt.optim.Adam(parameters, lr=0.01)  # noqa: E731
case("sgd momentum", sgd)
case("adam", adam)
case("adam float32, a bucket per parameter", adam, mt.float32, tolerance=1e-5, bucket_cap_mb=1e-6)
case("sgd, no_sync accumulation of 2 micro-batches", sgd, accumulate=2)
case("adam, gradient_as_bucket_view", adam, gradient_as_bucket_view=True)


# BatchNorm: every rank normalises its own half, so the reference is the two ranks simulated in one process:
# replica r trains on half r, the gradients averaged, and rank 0's buffers copied to both before each forward.
def simulated_replicas() -> list[nn.Module]:
    replicas = [mlp(100, norm=True) for _ in range(WORLD)]
    optimizers = [sgd(replica.parameters()) for replica in replicas]
    for inputs, targets in batches():
        share = BATCH // WORLD
        for replica in replicas[1:]:
            for mine, first in zip(replica.buffers(), replicas[0].buffers()):
                mine.copy_(first)
        for rank, (replica, optimizer) in enumerate(zip(replicas, optimizers)):
            optimizer.zero_grad()
            rows = slice(rank * share, (rank + 1) * share)
            nn.CrossEntropyLoss()(replica(inputs[rows]), targets[rows]).backward()
        for parameters in zip(*(replica.parameters() for replica in replicas)):
            average = sum(p.grad for p in parameters) / WORLD
            for p in parameters:
                p.grad = average.clone()
        for optimizer in optimizers:
            optimizer.step()
    return replicas


replica = simulated_replicas()[RANK]
model = DDP(mlp(100 + RANK, norm=True))
train(model, sgd(model.parameters()), batches(), split=True)
difference = max(largest_difference(model.module, replica),
                 max(float((a.double() - b.double()).abs().max())
                     for a, b in zip(model.module.buffers(), replica.buffers())))
assert difference <= 1e-12, difference
statistics = [None] * WORLD
dist.all_gather_object(statistics, model.module[1].running_mean.numpy())
assert not np.allclose(statistics[0], statistics[1]), "each rank's forward updates its own running statistics"
model.eval()
model(half(batches()[0][0]))  # the next forward starts from rank 0's buffers (and, in eval mode, keeps them)
dist.all_gather_object(statistics, [buffer.numpy() for buffer in model.module.buffers()])
assert all(np.array_equal(a, b) for a, b in zip(*statistics)), "rank 0's buffers broadcast at the forward"
print(f"rank {RANK}: batchnorm buffers broadcast: largest difference {difference:.3g}", flush=True)

# Overlap: with a bucket per parameter, each bucket starts as soon as it and the buckets before it are full. The
# engine reaches the first layer's weight before its bias, whose bucket comes first: the weight's waits for it.
events = []
started = collectives.start_bucket_all_reduce
ddp_module.start_bucket_all_reduce = lambda array: events.append(("start", array.size)) or started(array)
model = DDP(mlp(0), bucket_cap_mb=1e-6)
model.module[0].weight.register_post_accumulate_grad_hook(lambda p: events.append(("first layer ready", 0)))
nn.CrossEntropyLoss()(model(half(batches()[0][0])), half(batches()[0][1])).backward()
assert events == [("start", 3), ("start", 48), ("start", 16), ("start", 256), ("first layer ready", 0),
                  ("start", 16), ("start", 80)], events
print(f"rank {RANK}: buckets started during backward: {events}", flush=True)

# no_sync: no bucket starts, and each rank keeps its own gradient; gradient_as_bucket_view: .grad is the bucket.
events.clear()
model = DDP(mlp(0))
with model.no_sync():
    nn.CrossEntropyLoss()(model(half(batches()[0][0])), half(batches()[0][1])).backward()
assert events == [], events
gradients = [None] * WORLD
dist.all_gather_object(gradients, model.module[0].weight.grad.numpy())
assert not np.allclose(gradients[0], gradients[1]), "under no_sync each rank's gradient is its own"
model = DDP(mlp(0), gradient_as_bucket_view=True)
nn.CrossEntropyLoss()(model(half(batches()[0][0])), half(batches()[0][1])).backward()
assert len(events) == 1 and all(np.shares_memory(p.grad.numpy(), model._buckets[0].flat)
                                for p in model.parameters())
ddp_module.start_bucket_all_reduce = started
print(f"rank {RANK}: no_sync starts no bucket; gradient_as_bucket_view's grads are views of it", flush=True)

# Unused parameters: an error at the next forward naming them, or, with find_unused_parameters, no error.
class TwoHeads(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body, self.used, self.unused = nn.Linear(4, 4), nn.Linear(4, 2), nn.Linear(4, 2)

    def forward(self, x: mt.Tensor) -> mt.Tensor:
        return self.used(self.body(x))


mt.manual_seed(0)
model = DDP(TwoHeads())
model(mt.ones(2, 4)).sum().backward()
try:
    model(mt.ones(2, 4))
except RuntimeError as error:
    assert "Expected to have finished reduction in the prior iteration" in str(error), error
    assert "Parameter indices which did not receive grad for rank" in str(error), error
    assert f"rank {RANK}: 4 5 (unused.weight, unused.bias)" in str(error), error
else:
    raise AssertionError("an unused parameter did not raise")
model = DDP(TwoHeads(), find_unused_parameters=True)
for _ in range(2):
    model.zero_grad()
    model(mt.ones(2, 4) * (RANK + 1)).sum().backward()
assert model.module.unused.weight.grad is None
# the used head's weight gradient, averaged over the ranks' inputs 1 and 2: the body is affine, so it is the
# gradient at input 1.5, each row the sum of the body's two output rows
expected = model.module.body(mt.ones(2, 4) * 1.5).detach().sum(0).numpy()
np.testing.assert_allclose(model.module.used.weight.grad.numpy(), np.stack([expected, expected]), rtol=1e-6)
print(f"rank {RANK}: unused parameters: error at the next forward; found with find_unused_parameters", flush=True)

# A parameter used outside forward is marked ready twice (PyTorch's error); the next forward says the last
# backward did not finish.
model = DDP(TwoHeads(), find_unused_parameters=True)
try:
    (model(mt.ones(2, 4)).sum() + model.module.unused.weight.sum()).backward()
except RuntimeError as error:
    assert "Expected to mark a variable ready only once" in str(error), error
    assert "Parameter at index 4 with name unused.weight has been marked as ready twice" in str(error), error
else:
    raise AssertionError("a parameter marked ready twice did not raise")
try:
    model(mt.ones(2, 4))
except RuntimeError as error:
    assert "Expected to have finished reduction in the prior iteration" in str(error), error
else:
    raise AssertionError("the forward after a failed backward did not raise")
model(mt.ones(2, 4)).sum().backward()  # and then it trains on


class HalfUsed(mt.autograd.Function):
    """Its backward gives its second input no gradient (None), as a custom op may."""

    @staticmethod
    def forward(ctx, x, weight):
        return x * 2

    @staticmethod
    def backward(ctx, grad):
        return grad * 2, None


class NoGradient(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.linear, self.weight = nn.Linear(3, 3), nn.Parameter(mt.ones(3))

    def forward(self, x: mt.Tensor) -> mt.Tensor:
        return HalfUsed.apply(self.linear(x), self.weight)


model = DDP(NoGradient())
for _ in range(2):  # as PyTorch's: a None gradient is a zero one, and no error at the next forward
    model(mt.ones(2, 3)).sum().backward()
assert np.array_equal(model.module.weight.grad.numpy(), np.zeros(3))
print(f"rank {RANK}: marked twice, a failed backward, a None gradient: as PyTorch", flush=True)

# Construction: rank 0's values everywhere (frozen parameters too), the module. prefix, the same model checked.
frozen = mlp(100 + RANK)
frozen[0].bias.requires_grad_(False)
DDP(frozen)
values = [None] * WORLD
dist.all_gather_object(values, frozen[0].bias.detach().numpy())
assert np.array_equal(values[0], values[1]), "a frozen parameter is broadcast too"
model = DDP(mlp(100 + RANK))
values = [None] * WORLD
dist.all_gather_object(values, [p.detach().numpy() for p in model.parameters()])
assert all(np.array_equal(a, b) for a, b in zip(*values))
assert list(model.state_dict())[:2] == ["module.0.weight", "module.0.bias"]
try:
    DDP(nn.Linear(3 + RANK, 2))
except RuntimeError as error:
    assert "DDP expects same model across all ranks" in str(error), error
    assert ("parameter 0 (weight) is (2, 3) minitorch.float32 on rank 0 and (2, 4) minitorch.float32 on rank 1."
            in str(error)), error
else:
    raise AssertionError("different models on the ranks did not raise")
dist.destroy_process_group()
print(f"rank {RANK}: ddp checks passed", flush=True)
sys.exit(0)
