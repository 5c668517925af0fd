"""Learning-rate schedules against their closed forms."""
import math

import pytest

import minitorch as mt
from minitorch import nn, optim


def make_optimizer(lr=0.1):
    return optim.SGD([nn.Parameter(mt.zeros(1))], lr=lr)


def lrs(scheduler, steps):
    values = [scheduler.get_last_lr()[0]]
    for _ in range(steps):
        scheduler.optimizer.step()
        scheduler.step()
        values.append(scheduler.get_last_lr()[0])
    return values


def test_step_lr_multiplies_every_step_size_epochs():
    scheduler = optim.lr_scheduler.StepLR(make_optimizer(), step_size=3, gamma=0.5)
    for epoch, lr in enumerate(lrs(scheduler, 9)):
        assert lr == pytest.approx(0.1 * 0.5 ** (epoch // 3), rel=1e-12)
    assert scheduler.optimizer.param_groups[0]["initial_lr"] == 0.1


def test_cosine_annealing_follows_the_cosine_and_comes_back():
    scheduler = optim.lr_scheduler.CosineAnnealingLR(make_optimizer(), T_max=10, eta_min=0.01)
    for epoch, lr in enumerate(lrs(scheduler, 20)):
        expected = 0.01 + (0.1 - 0.01) * (1 + math.cos(math.pi * epoch / 10)) / 2
        assert lr == pytest.approx(expected, rel=1e-9, abs=1e-12), epoch


def test_scheduler_state_dict_round_trip_and_groups():
    optimizer = optim.SGD([{"params": [nn.Parameter(mt.zeros(1))]},
                           {"params": [nn.Parameter(mt.zeros(1))], "lr": 1.0}], lr=0.1)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=2)
    lrs(scheduler, 3)
    assert scheduler.get_last_lr() == pytest.approx([0.01, 0.1])
    state = scheduler.state_dict()
    assert "optimizer" not in state and state["last_epoch"] == 3
    other = optim.lr_scheduler.StepLR(make_optimizer(), step_size=5)
    other.load_state_dict(state)
    assert other.step_size == 2 and other.last_epoch == 3


def test_resuming_needs_initial_lr():
    with pytest.raises(KeyError, match="param 'initial_lr' is not specified in param_groups\\[0\\]"):
        optim.lr_scheduler.StepLR(make_optimizer(), step_size=2, last_epoch=4)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        optim.lr_scheduler.StepLR(object(), step_size=2)
