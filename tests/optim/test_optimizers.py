"""Optimizers against their update rules written here in NumPy, over several steps; param groups, argument
checks, zero_grad, state dicts, and a run resumed from a checkpoint continuing bit for bit."""
import numpy as np
import pytest

import minitorch as mt
from minitorch import nn, optim

RNG = np.random.default_rng(5)


def arr(tensor):
    return tensor.detach().numpy()


# ---- the update rules, written out (PyTorch's documented algorithms) ----
def sgd_reference(p, grads, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False):
    p, buffer = p.copy(), None
    for g in grads:
        g = -g if maximize else g
        g = g + weight_decay * p
        if momentum:
            buffer = g.copy() if buffer is None else momentum * buffer + (1 - dampening) * g
            g = g + momentum * buffer if nesterov else buffer
        p = p - lr * g
    return p


def adam_reference(p, grads, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, decoupled=False):
    p, m, v = p.copy(), np.zeros_like(p), np.zeros_like(p)
    for t, g in enumerate(grads, start=1):
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        m = betas[0] * m + (1 - betas[0]) * g
        v = betas[1] * v + (1 - betas[1]) * g * g
        m_hat, v_hat = m / (1 - betas[0] ** t), v / (1 - betas[1] ** t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
    return p


def rmsprop_reference(p, grads, lr, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False):
    p, v, mean, buffer = p.copy(), np.zeros_like(p), np.zeros_like(p), np.zeros_like(p)
    for g in grads:
        g = g + weight_decay * p
        v = alpha * v + (1 - alpha) * g * g
        if centered:
            mean = alpha * mean + (1 - alpha) * g
            denominator = np.sqrt(v - mean * mean) + eps
        else:
            denominator = np.sqrt(v) + eps
        if momentum:
            buffer = momentum * buffer + g / denominator
            p = p - lr * buffer
        else:
            p = p - lr * g / denominator
    return p


CASES = [
    (optim.SGD, dict(lr=0.1), sgd_reference),
    (optim.SGD, dict(lr=0.05, momentum=0.9), sgd_reference),
    (optim.SGD, dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01), sgd_reference),
    (optim.SGD, dict(lr=0.05, momentum=0.8, nesterov=True), sgd_reference),
    (optim.SGD, dict(lr=0.05, maximize=True), sgd_reference),
    (optim.Adam, dict(lr=0.01), adam_reference),
    (optim.Adam, dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1), adam_reference),
    (optim.AdamW, dict(lr=0.01), lambda p, g, lr: adam_reference(p, g, lr, weight_decay=1e-2, decoupled=True)),
    (optim.AdamW, dict(lr=0.01, weight_decay=0.3),
     lambda p, g, lr, weight_decay: adam_reference(p, g, lr, weight_decay=weight_decay, decoupled=True)),
    (optim.RMSprop, dict(lr=0.01), rmsprop_reference),
    (optim.RMSprop, dict(lr=0.01, alpha=0.9, weight_decay=0.1, momentum=0.5, centered=True), rmsprop_reference),
    (optim.RMSprop, dict(lr=0.01, momentum=0.9), rmsprop_reference),
]


@pytest.mark.parametrize("optimizer_class, options, reference", CASES,
                         ids=[f"{c.__name__}-{o}" for c, o, _ in CASES])
def test_updates_follow_the_rule(optimizer_class, options, reference):
    start = RNG.standard_normal((3, 4))
    grads = [RNG.standard_normal((3, 4)) for _ in range(5)]
    parameter = nn.Parameter(mt.tensor(start))
    optimizer = optimizer_class([parameter], **options)
    for grad in grads:
        parameter.grad = mt.tensor(grad)
        optimizer.step()
    np.testing.assert_allclose(arr(parameter), reference(start, grads, **options), rtol=1e-10, atol=1e-13)


def test_parameters_without_gradient_are_skipped_and_state_is_per_parameter():
    a, b = nn.Parameter(mt.ones(2)), nn.Parameter(mt.ones(2))
    optimizer = optim.Adam([a, b], lr=0.1)
    a.grad = mt.tensor([1.0, -1.0])
    optimizer.step()
    assert arr(b).tolist() == [1.0, 1.0] and b not in optimizer.state
    assert optimizer.state[a]["step"] == 1 and set(optimizer.state[a]) == {"step", "exp_avg", "exp_avg_sq"}


def test_param_groups_have_their_own_options():
    base, head = nn.Linear(2, 2), nn.Linear(2, 1)
    optimizer = optim.SGD([{"params": base.parameters()}, {"params": head.parameters(), "lr": 0.5}],
                          lr=0.1, momentum=0.9)
    assert [group["lr"] for group in optimizer.param_groups] == [0.1, 0.5]
    assert optimizer.param_groups[1]["momentum"] == 0.9
    before = arr(head.weight).copy(), arr(base.weight).copy()
    head(base(mt.ones(1, 2))).sum().backward()
    grads = arr(head.weight.grad).copy(), arr(base.weight.grad).copy()
    optimizer.step()
    np.testing.assert_allclose(arr(head.weight), before[0] - 0.5 * grads[0], rtol=1e-6)
    np.testing.assert_allclose(arr(base.weight), before[1] - 0.1 * grads[1], rtol=1e-6)
    extra = nn.Parameter(mt.zeros(1))
    optimizer.add_param_group({"params": extra, "lr": 1.0})
    assert optimizer.param_groups[2]["params"] == [extra] and optimizer.param_groups[2]["dampening"] == 0
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        optimizer.add_param_group({"params": [extra]})


@pytest.mark.parametrize("make, error, message", [
    (lambda p: optim.SGD(p, lr=-1), ValueError, "Invalid learning rate: -1"),
    (lambda p: optim.SGD(p, lr=0.1, momentum=-0.5), ValueError, "Invalid momentum value: -0.5"),
    (lambda p: optim.SGD(p, lr=0.1, weight_decay=-1), ValueError, "Invalid weight_decay value: -1"),
    (lambda p: optim.SGD(p, lr=0.1, nesterov=True), ValueError, "Nesterov momentum requires a momentum and zero"),
    (lambda p: optim.Adam(p, betas=(1.0, 0.9)), ValueError, "Invalid beta parameter at index 0: 1.0"),
    (lambda p: optim.Adam(p, betas=(0.9, -0.1)), ValueError, "Invalid beta parameter at index 1: -0.1"),
    (lambda p: optim.Adam(p, eps=-1e-8), ValueError, "Invalid epsilon value: -1e-08"),
    (lambda p: optim.AdamW(p, lr=-0.1), ValueError, "Invalid learning rate: -0.1"),
    (lambda p: optim.RMSprop(p, alpha=-0.5), ValueError, "Invalid alpha value: -0.5"),
    (lambda p: optim.SGD([], lr=0.1), ValueError, "optimizer got an empty parameter list"),
    (lambda p: optim.SGD(p[0], lr=0.1), TypeError, "should be an iterable of Tensors or dicts, but got minitorch.Parameter"),
    (lambda p: optim.SGD([p[0] * 2], lr=0.1), ValueError, "can't optimize a non-leaf Tensor"),
    (lambda p: optim.SGD([[1.0]], lr=0.1), TypeError, "optimizer can only optimize Tensors"),
    (lambda p: optim.SGD([{"params": {p[0]}}], lr=0.1), TypeError, "organized in ordered collections"),
])
def test_arguments_are_checked_as_pytorch(make, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        make([nn.Parameter(mt.zeros(2))])


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none):
    model = nn.Linear(2, 2)
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    model(mt.ones(1, 2)).sum().backward()
    optimizer.zero_grad(set_to_none=set_to_none)
    for parameter in model.parameters():
        assert parameter.grad is None if set_to_none else not arr(parameter.grad).any()


def test_closure_is_evaluated_with_grad():
    parameter = nn.Parameter(mt.tensor([2.0]))
    optimizer = optim.SGD([parameter], lr=0.25)

    def closure():
        optimizer.zero_grad()
        loss = (parameter ** 2).sum()
        loss.backward()
        return loss

    with mt.no_grad():
        loss = optimizer.step(closure)
    assert loss.item() == 4.0 and arr(parameter).tolist() == [1.0]


def test_step_counts_as_an_in_place_change_for_autograd():
    parameter = nn.Parameter(mt.tensor([1.0, 2.0]))
    optimizer = optim.SGD([parameter], lr=0.1)
    output = (parameter * parameter).sum()  # saves parameter for backward
    parameter.grad = mt.ones(2)
    optimizer.step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        output.backward()


def test_repr_lists_the_groups():
    optimizer = optim.SGD([nn.Parameter(mt.zeros(1))], lr=0.1)
    assert repr(optimizer) == ("SGD (\nParameter Group 0\n    dampening: 0\n    lr: 0.1\n    maximize: False\n"
                               "    momentum: 0\n    nesterov: False\n    weight_decay: 0\n)")


# --------------------------------------------------------------------------- state dicts

def test_state_dict_layout_and_load():
    model = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    optimizer = optim.Adam([{"params": model[0].parameters()}, {"params": model[1].parameters(), "lr": 0.5}])
    model(mt.ones(4, 2)).sum().backward()
    optimizer.step()
    state = optimizer.state_dict()
    assert [group["params"] for group in state["param_groups"]] == [[0, 1], [2, 3]]
    assert state["param_groups"][1]["lr"] == 0.5 and state["state"][3]["step"] == 1
    other = optim.Adam([{"params": model[0].parameters()}, {"params": model[1].parameters()}])
    other.load_state_dict(state)
    assert other.param_groups[1]["lr"] == 0.5 and other.param_groups[1]["params"][0] is model[1].weight
    np.testing.assert_array_equal(arr(other.state[model[1].weight]["exp_avg"]),
                                  arr(optimizer.state[model[1].weight]["exp_avg"]))
    assert other.state[model[1].weight]["exp_avg"] is not optimizer.state[model[1].weight]["exp_avg"]  # a copy
    with pytest.raises(ValueError, match="different number of parameter groups"):
        optim.Adam(model.parameters()).load_state_dict(state)
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        optim.Adam([{"params": model[0].parameters()}, {"params": [model[1].weight]}]).load_state_dict(state)


def batches(count):
    rng = np.random.default_rng(99)
    return [(mt.tensor(rng.standard_normal((8, 5)), dtype=mt.float32), mt.tensor(rng.integers(0, 3, 8)))
            for _ in range(count)]


def make_run(optimizer_name):
    mt.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 3))
    optimizer = {"adamw": lambda p: optim.AdamW(p, lr=0.01),
                 "sgd": lambda p: optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3),
                 "rmsprop": lambda p: optim.RMSprop(p, lr=0.01, momentum=0.5, centered=True)}[optimizer_name](
        model.parameters())
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=3, gamma=0.5)
    return model, optimizer, scheduler


def train(model, optimizer, scheduler, data, first_step):
    for step, (x, y) in enumerate(data, start=first_step):
        mt.manual_seed(1000 + step)  # dropout masks depend only on the step
        loss = nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()


@pytest.mark.parametrize("optimizer_name", ["adamw", "sgd", "rmsprop"])
def test_resumed_training_continues_bit_for_bit(tmp_path, optimizer_name):
    data = batches(10)
    straight = make_run(optimizer_name)
    train(*straight, data, 0)

    first = make_run(optimizer_name)
    train(*first, data[:4], 0)
    model, optimizer, scheduler = first
    mt.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
             "scheduler": scheduler.state_dict()}, tmp_path / "checkpoint.mt")
    del first, model, optimizer, scheduler

    resumed = make_run(optimizer_name)
    with mt.no_grad():  # scramble, so that only the checkpoint can restore the state
        for parameter in resumed[0].parameters():
            parameter.fill_(0.123)
    checkpoint = mt.load(tmp_path / "checkpoint.mt")
    resumed[0].load_state_dict(checkpoint["model"])
    resumed[1].load_state_dict(checkpoint["optimizer"])
    resumed[2].load_state_dict(checkpoint["scheduler"])
    train(*resumed, data[4:], 4)

    for (name, expected), (_, result) in zip(straight[0].state_dict().items(), resumed[0].state_dict().items()):
        assert np.array_equal(expected.numpy(), result.numpy()), name
    base_lr = {"adamw": 0.01, "sgd": 0.05, "rmsprop": 0.01}[optimizer_name]
    assert straight[1].param_groups[0]["lr"] == resumed[1].param_groups[0]["lr"] == base_lr * 0.5 ** 3  # 10 steps
