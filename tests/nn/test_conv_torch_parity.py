"""nn.Conv2d / nn.Conv1d and F.conv2d / unfold / fold against PyTorch itself (skipped without it; failed under
CI=true): reprs, state-dict keys, weights moved both ways, outputs and gradients, and the default init's range."""
import math

import numpy as np
import pytest

import minitorch as mt
from minitorch import nn as mnn
from minitorch.nn import functional as MF

from ..conftest import import_torch

torch = import_torch()
tnn, TF = torch.nn, torch.nn.functional
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")  # PyTorch's note

MODULES = [  # (class name, arguments, keyword arguments, input shape)
    ("Conv2d", (3, 8, 3), {}, (2, 3, 7, 6)),
    ("Conv2d", (4, 6, (3, 2)), dict(stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2), (2, 4, 8, 7)),
    ("Conv2d", (4, 4, 3), dict(padding="same", groups=4, bias=False), (4, 6, 5)),
    ("Conv2d", (2, 3, (2, 4)), dict(padding="same", dilation=(1, 1)), (1, 2, 5, 6)),
    ("Conv2d", (3, 5, 1), dict(padding="valid"), (2, 3, 4, 4)),
    ("Conv1d", (3, 6, 3), dict(stride=2, padding=1, groups=3), (2, 3, 9)),
    ("Conv1d", (2, 4, 4), dict(padding="same", dilation=2), (2, 7)),
]
IDS = [f"{name}{args}{kwargs}" for name, args, kwargs, _ in MODULES]


def _pair(name, args, kwargs):
    """The same layer from both libraries, in float64, PyTorch's weights copied into ours."""
    torch.manual_seed(0)
    theirs = getattr(tnn, name)(*args, **kwargs).double()
    ours = getattr(mnn, name)(*args, **kwargs).double()
    ours.load_state_dict({key: mt.tensor(value.numpy()) for key, value in theirs.state_dict().items()})
    return ours, theirs


@pytest.mark.parametrize("name, args, kwargs, shape", MODULES, ids=IDS)
def test_repr_and_state_dict_keys_are_pytorchs(name, args, kwargs, shape):
    ours, theirs = _pair(name, args, kwargs)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for key, value in theirs.state_dict().items():
        assert tuple(ours.state_dict()[key].shape) == tuple(value.shape), key
    for attribute in ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups",
                      "padding_mode", "transposed", "output_padding"):
        assert getattr(ours, attribute) == getattr(theirs, attribute), attribute


@pytest.mark.parametrize("name, args, kwargs, shape", MODULES, ids=IDS)
def test_copied_weights_give_pytorchs_outputs_and_gradients(name, args, kwargs, shape):
    ours, theirs = _pair(name, args, kwargs)
    values = np.random.default_rng(1).standard_normal(shape)
    x_ours, x_theirs = mt.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    y_ours, y_theirs = ours(x_ours), theirs(x_theirs)
    np.testing.assert_allclose(y_ours.detach().numpy(), y_theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
    weights = np.random.default_rng(2).standard_normal(tuple(y_theirs.shape))
    (y_ours * mt.tensor(weights)).sum().backward()
    (y_theirs * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(x_ours.grad.numpy(), x_theirs.grad.numpy(), rtol=1e-10, atol=1e-12)
    for (key, ours_parameter), (_, their_parameter) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(ours_parameter.grad.numpy(), their_parameter.grad.numpy(), rtol=1e-10,
                                   atol=1e-12, err_msg=key)


def test_second_derivatives_are_pytorchs():
    rng = np.random.default_rng(3)
    x_values, w_values = rng.standard_normal((2, 2, 5, 5)), rng.standard_normal((3, 2, 3, 3))
    results = []
    for lib, conv in ((mt, MF.conv2d), (torch, TF.conv2d)):
        x, w = lib.tensor(x_values, requires_grad=True), lib.tensor(w_values, requires_grad=True)
        y = conv(x, w, stride=2, padding=1)
        grad_x, = lib.autograd.grad((y * y).sum(), x, create_graph=True)
        grad_w, = lib.autograd.grad((grad_x * grad_x).sum(), w)
        results.append((grad_x.detach().numpy(), grad_w.numpy()))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10)


def test_state_dict_moves_from_minitorch_to_pytorch():
    mt.manual_seed(5)
    ours = mnn.Sequential(mnn.Conv2d(1, 4, 3, padding=1), mnn.ReLU(), mnn.Conv2d(4, 2, 3, stride=2))
    theirs = tnn.Sequential(tnn.Conv2d(1, 4, 3, padding=1), tnn.ReLU(), tnn.Conv2d(4, 2, 3, stride=2))
    theirs.load_state_dict({key: torch.from_numpy(value.numpy().copy()) for key, value in ours.state_dict().items()})
    values = np.random.default_rng(4).standard_normal((2, 1, 8, 8)).astype(np.float32)
    np.testing.assert_allclose(ours(mt.tensor(values)).detach().numpy(),
                               theirs(torch.tensor(values)).detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name, args", [("Conv2d", (6, 16, (5, 3))), ("Conv1d", (4, 8, 7))])
def test_default_init_draws_from_pytorchs_ranges(name, args):
    """weight and bias both U(±1/√fan_in), fan_in = in_channels / groups · kernel elements, as PyTorch's."""
    mt.manual_seed(6)
    layer = getattr(mnn, name)(*args)
    bound = 1 / math.sqrt(layer.weight.shape[1] * math.prod(layer.kernel_size))
    for parameter in (layer.weight, layer.bias):
        values = parameter.detach().numpy()
        assert values.min() >= -bound and values.max() <= bound
        assert values.max() - values.min() > bound  # spread over the range, not a constant
    assert layer.weight.dtype is mt.float32


@pytest.mark.parametrize("kwargs", [dict(kernel_size=(2, 3)), dict(kernel_size=2, dilation=2, padding=1, stride=2)])
def test_unfold_and_fold_are_pytorchs(kwargs):
    values = np.random.default_rng(7).standard_normal((2, 3, 6, 7))
    ours = MF.unfold(mt.tensor(values), **kwargs)
    theirs = TF.unfold(torch.tensor(values), **kwargs)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    np.testing.assert_allclose(MF.fold(ours, (6, 7), **kwargs).numpy(),
                               TF.fold(theirs, (6, 7), **kwargs).numpy(), rtol=1e-12)
