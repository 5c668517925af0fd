"""Optimizers and schedules against PyTorch itself, where it is installed (skipped otherwise; failed under CI=true)."""
import numpy as np
import pytest

import minitorch as mt
from minitorch import nn, optim

from ..conftest import import_torch

torch = import_torch()

RNG = np.random.default_rng(21)

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, maximize=True)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.95), weight_decay=0.05)),
    ("AdamW", dict(lr=0.01, weight_decay=0.2)),
    ("Adam", dict(lr=0.01, weight_decay=0.2, decoupled_weight_decay=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.1)),
]


@pytest.mark.parametrize("name, options", CASES, ids=[f"{n}-{o}" for n, o in CASES])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_trajectories_match_pytorch(name, options, dtype):
    start = RNG.standard_normal((4, 3)).astype(dtype)
    grads = [RNG.standard_normal((4, 3)).astype(dtype) for _ in range(6)]
    theirs = torch.tensor(start, requires_grad=True)
    ours = nn.Parameter(mt.tensor(start))
    their_optimizer = getattr(torch.optim, name)([theirs], **options)
    our_optimizer = getattr(optim, name)([ours], **options)
    for grad in grads:
        theirs.grad = torch.tensor(grad)
        ours.grad = mt.tensor(grad)
        their_optimizer.step()
        our_optimizer.step()
    tolerance = dict(rtol=1e-12, atol=1e-14) if dtype == "float64" else dict(rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), **tolerance)


@pytest.mark.parametrize("make", [
    lambda lib, opt: lib.optim.lr_scheduler.StepLR(opt, step_size=4, gamma=0.3),
    lambda lib, opt: lib.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=7, eta_min=0.001),
])
def test_schedules_match_pytorch(make):
    their_optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.2)
    our_optimizer = optim.SGD([nn.Parameter(mt.zeros(1))], lr=0.2)
    theirs, ours = make(torch, their_optimizer), make(mt, our_optimizer)
    for _ in range(25):
        assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-14)
        their_optimizer.step()
        our_optimizer.step()
        theirs.step()
        ours.step()


@pytest.mark.parametrize("make", [
    lambda lib, p: lib.optim.SGD(p, lr=-1),
    lambda lib, p: lib.optim.SGD([], lr=0.1),
    lambda lib, p: lib.optim.SGD(p, lr=0.1, nesterov=True),
    lambda lib, p: lib.optim.Adam(p, betas=(1.0, 0.9)),
    lambda lib, p: lib.optim.Adam(p, eps=-1.0),
    lambda lib, p: lib.optim.RMSprop(p, alpha=-1.0),
    lambda lib, p: lib.optim.SGD(p[0], lr=0.1),
    lambda lib, p: lib.optim.SGD([p[0] * 2], lr=0.1),
    lambda lib, p: lib.optim.SGD([{"params": set(p)}], lr=0.1),
])
def test_argument_errors_match_pytorch(make):
    with pytest.raises(Exception) as expected:
        make(torch, [torch.zeros(2, requires_grad=True)])
    with pytest.raises(type(expected.value)) as ours:
        make(mt, [nn.Parameter(mt.zeros(2))])
    assert str(ours.value).replace("minitorch.Parameter", "torch.FloatTensor") == str(expected.value)
