"""nn against PyTorch itself, where it is installed (skipped otherwise; failed under CI=true): reprs, state-dict keys, weights moved
between the two, layers, activations, losses, gradients, and the exception types of bad input."""
import math

import numpy as np
import pytest

import minitorch as mt
from minitorch import nn as mnn
from minitorch.nn import functional as MF

from ..conftest import import_torch

torch = import_torch()
tnn, TF = torch.nn, torch.nn.functional

RNG = np.random.default_rng(11)


def build(nn):
    """The same module tree, from torch.nn or minitorch.nn."""

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(2)] + [nn.GELU()])
            self.norm = nn.LayerNorm(4)
            self.register_buffer("scale", None)

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return self.norm(x)

    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.LeakyReLU(0.2), nn.ELU(), nn.SiLU(),
                         nn.Softplus(beta=2.0), nn.Dropout(0.25), Block(), nn.Tanh(), nn.Identity(),
                         nn.Linear(4, 3, bias=False), nn.LogSoftmax(dim=1))


def to_torch(array):
    return torch.from_numpy(np.array(array))


def arr(tensor):
    return tensor.detach().numpy()


def test_repr_names_and_state_dict_keys_are_pytorchs():
    ours, theirs = build(mnn), build(tnn)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]


@pytest.mark.parametrize("training", [True, False])
def test_weights_move_from_pytorch_and_give_the_same_outputs_and_gradients(training):
    torch.manual_seed(0)
    theirs = build(tnn).double()
    theirs[6].p = 0.0  # dropout off: the random masks differ
    theirs.train(training)
    ours = build(mnn).double().train(training)
    ours[6].p = 0.0
    with torch.no_grad():
        theirs[1].running_mean.uniform_(-1, 1)
        theirs[1].running_var.uniform_(0.5, 2)
    ours.load_state_dict({key: mt.tensor(value.numpy()) for key, value in theirs.state_dict().items()})
    x = RNG.standard_normal((6, 3))
    expected = theirs(to_torch(x))
    result = ours(mt.tensor(x))
    np.testing.assert_allclose(arr(result), expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    expected[:, 0].sum().backward()
    result[:, 0].sum().backward()
    ours_grads = dict(ours.named_parameters())
    for name, parameter in theirs.named_parameters():
        np.testing.assert_allclose(arr(ours_grads[name].grad), parameter.grad.numpy(), rtol=1e-8, atol=1e-12,
                                   err_msg=name)
    for key, value in theirs.state_dict().items():  # running statistics moved the same way
        np.testing.assert_allclose(ours.state_dict()[key].numpy(), value.numpy(), rtol=1e-12, err_msg=key)


ACTIVATIONS = [
    (lambda F, x: F.relu(x), None), (lambda F, x: F.leaky_relu(x, 0.1), None), (lambda F, x: F.elu(x, 0.5), None),
    (lambda F, x: F.gelu(x), None), (lambda F, x: F.gelu(x, approximate="tanh"), None),
    (lambda F, x: F.silu(x), None), (lambda F, x: F.softplus(x, 2.0, 3.0), None),
    (lambda F, x: F.sigmoid(x), None), (lambda F, x: F.tanh(x), None),
    (lambda F, x: F.softmax(x, 1), None), (lambda F, x: F.log_softmax(x, 0), None),
]


@pytest.mark.parametrize("index", range(len(ACTIVATIONS)))
def test_activations(index):
    apply, _ = ACTIVATIONS[index]
    x = RNG.standard_normal((4, 6)) * 3
    weights = RNG.standard_normal((4, 6))
    theirs = to_torch(x).requires_grad_()
    expected = apply(TF, theirs)
    (expected * to_torch(weights)).sum().backward()
    ours = mt.tensor(x, requires_grad=True)
    result = apply(MF, ours)
    (result * mt.tensor(weights)).sum().backward()
    np.testing.assert_allclose(arr(result), expected.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(arr(ours.grad), theirs.grad.numpy(), rtol=1e-10, atol=1e-14)


LOSSES = [
    ("cross_entropy", dict()),
    ("cross_entropy", dict(reduction="sum", ignore_index=2)),
    ("cross_entropy", dict(weight=True, reduction="mean", ignore_index=0)),
    ("cross_entropy", dict(weight=True, label_smoothing=0.15, ignore_index=1)),
    ("cross_entropy", dict(label_smoothing=0.2, reduction="none")),
    ("cross_entropy_probabilities", dict(label_smoothing=0.1, weight=True)),
    ("cross_entropy_probabilities", dict(reduction="none")),
    ("cross_entropy_spatial", dict(weight=True)),
    ("nll_loss", dict(weight=True, ignore_index=3)),
    ("binary_cross_entropy", dict(weight=True)),
    ("binary_cross_entropy_with_logits", dict(pos_weight=True, reduction="sum")),
    ("mse_loss", dict(reduction="none")),
    ("l1_loss", dict()),
]


def loss_inputs(kind):
    if kind in ("cross_entropy", "nll_loss"):
        return RNG.standard_normal((6, 4)) * 2, np.array([0, 3, 1, 2, 2, 1]), (4,)
    if kind == "cross_entropy_probabilities":
        return RNG.standard_normal((5, 4)), RNG.dirichlet(np.ones(4), size=5), (4,)
    if kind == "cross_entropy_spatial":
        return RNG.standard_normal((2, 4, 3)), np.array([[0, 1, 3], [2, 2, 0]]), (4,)
    if kind == "binary_cross_entropy":
        return RNG.uniform(0.05, 0.95, (5, 3)), RNG.uniform(0, 1, (5, 3)), (3,)
    return RNG.standard_normal((5, 3)) * 3, RNG.uniform(0, 1, (5, 3)), (3,)


@pytest.mark.parametrize("kind, options", LOSSES, ids=[f"{k}-{o}" for k, o in LOSSES])
def test_losses(kind, options):
    x, target, weight_shape = loss_inputs(kind)
    options = dict(options)
    function = kind.replace("_probabilities", "").replace("_spatial", "")
    extra_ours, extra_theirs = {}, {}
    weight = RNG.uniform(0.5, 2.0, weight_shape)
    for option in ("weight", "pos_weight"):
        if options.pop(option, False):
            extra_ours[option], extra_theirs[option] = mt.tensor(weight), to_torch(weight)
    theirs = to_torch(x).requires_grad_()
    expected = getattr(TF, function)(theirs, to_torch(target), **extra_theirs, **options)
    ours = mt.tensor(x, requires_grad=True)
    result = getattr(MF, function)(ours, mt.tensor(target), **extra_ours, **options)
    np.testing.assert_allclose(arr(result), expected.detach().numpy(), rtol=1e-10, atol=1e-13)
    expected.sum().backward()
    result.sum().backward()
    np.testing.assert_allclose(arr(ours.grad), theirs.grad.numpy(), rtol=1e-9, atol=1e-13)


def test_batch_norm_running_statistics_over_steps():
    theirs, ours = tnn.BatchNorm1d(3, momentum=0.3).double(), mnn.BatchNorm1d(3, momentum=0.3).double()
    for _ in range(4):
        x = RNG.standard_normal((5, 3, 2)) * 2 + 1
        np.testing.assert_allclose(arr(ours(mt.tensor(x))), theirs(to_torch(x)).detach().numpy(), rtol=1e-10)
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[key].numpy(), value.numpy(), rtol=1e-12, err_msg=key)


def test_embedding_with_padding():
    table = RNG.standard_normal((5, 3))
    theirs = tnn.Embedding.from_pretrained(to_torch(table), freeze=False, padding_idx=1)
    ours = mnn.Embedding.from_pretrained(mt.tensor(table), freeze=False, padding_idx=1)
    indices = np.array([[1, 2, 1], [4, 0, 2]])
    theirs(torch.from_numpy(indices)).sum().backward()
    ours(mt.tensor(indices)).sum().backward()
    np.testing.assert_array_equal(arr(ours.weight.grad), theirs.weight.grad.numpy())


def test_clip_grad_norm_and_gains():
    grads = [RNG.standard_normal((3, 2)), RNG.standard_normal(4)]
    for norm_type in (2.0, 1.0, math.inf):
        theirs = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
        ours = [mt.zeros(g.shape, dtype=mt.float64, requires_grad=True) for g in grads]
        for t, o, g in zip(theirs, ours, grads):
            t.grad, o.grad = to_torch(g), mt.tensor(g)
        expected = torch.nn.utils.clip_grad_norm_(theirs, 0.5, norm_type)
        assert mnn.utils.clip_grad_norm_(ours, 0.5, norm_type).item() == pytest.approx(expected.item(), rel=1e-12)
        for t, o in zip(theirs, ours):
            np.testing.assert_allclose(arr(o.grad), t.grad.numpy(), rtol=1e-12)
    for name, param in [("tanh", None), ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.3), ("selu", None)]:
        assert mnn.init.calculate_gain(name, param) == tnn.init.calculate_gain(name, param)


BAD_INPUTS = [
    lambda nn, F, lib: F.cross_entropy(lib.zeros(3, 4), lib.tensor([0, 5, 1])),
    lambda nn, F, lib: F.cross_entropy(lib.zeros(3, 4), lib.tensor([0, 1])),
    lambda nn, F, lib: F.cross_entropy(lib.zeros(3, 4, 5), lib.tensor([0, 1, 2])),
    lambda nn, F, lib: F.cross_entropy(lib.zeros(3, 4), lib.rand(3, 4), ignore_index=1),
    lambda nn, F, lib: F.binary_cross_entropy(lib.rand(3), lib.rand(3, 1)),
    lambda nn, F, lib: F.binary_cross_entropy(lib.tensor([1.5]), lib.rand(1)),
    lambda nn, F, lib: F.binary_cross_entropy_with_logits(lib.rand(3), lib.rand(3, 1)),
    lambda nn, F, lib: F.mse_loss(lib.rand(3), lib.rand(3), reduction="foo"),
    lambda nn, F, lib: F.one_hot(lib.tensor([0, 3]), 3),
    lambda nn, F, lib: F.one_hot(lib.tensor([0.0])),
    lambda nn, F, lib: nn.BatchNorm1d(3)(lib.randn(1, 3)),
    lambda nn, F, lib: nn.BatchNorm1d(3)(lib.randn(4, 3, 2, 2)),
    lambda nn, F, lib: nn.BatchNorm1d(3)(lib.randn(4, 4)),
    lambda nn, F, lib: nn.Linear(3, 2)(lib.randn(4, 4)),
    lambda nn, F, lib: nn.LayerNorm(3)(lib.randn(4, 4)),
    lambda nn, F, lib: nn.Embedding(3, 2)(lib.tensor([3])),
    lambda nn, F, lib: nn.Embedding(3, 2)(lib.tensor([1.0])),
    lambda nn, F, lib: nn.Dropout(1.5),
    lambda nn, F, lib: nn.Linear(2, 2).load_state_dict({"weight": lib.zeros(3, 2)}),
    lambda nn, F, lib: nn.Module()(lib.zeros(1)),
    lambda nn, F, lib: nn.Linear(2, 2).train("no"),
    lambda nn, F, lib: nn.Linear(2, 2).to(lib.int64),
    lambda nn, F, lib: nn.init.xavier_uniform_(lib.zeros(3)),
    lambda nn, F, lib: nn.init.calculate_gain("foo"),
]


@pytest.mark.parametrize("index", range(len(BAD_INPUTS)))
def test_bad_input_raises_pytorchs_exception_type(index):
    bad = BAD_INPUTS[index]
    with pytest.raises(Exception) as expected:
        bad(tnn, TF, torch)
    with pytest.raises(type(expected.value)):
        bad(mnn, MF, mt)
