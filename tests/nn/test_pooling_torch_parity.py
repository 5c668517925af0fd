"""Pooling modules, BatchNorm2d and Dropout2d against PyTorch itself (skipped without it; failed under CI=true):
the same modules on the same inputs give the same outputs, indices and gradients, BatchNorm2d's running
statistics and state_dict move both ways, and bad arguments raise the same errors."""
import numpy as np
import pytest

import minitorch as mt
from minitorch import nn as mnn
from minitorch.nn import functional as MF

from ..conftest import import_torch

torch = import_torch()
tnn, TF = torch.nn, torch.nn.functional


def arr(tensor):
    return tensor.detach().numpy()


def both(shape, seed=0):
    """The same float64 values as a minitorch and a torch leaf."""
    values = np.random.default_rng(seed).standard_normal(shape)
    return mt.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)


MODULES = [  # (class name, arguments, input shape)
    ("MaxPool2d", (2,), (2, 3, 8, 8)),
    ("MaxPool2d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True), (2, 2, 7, 6)),
    ("MaxPool2d", dict(kernel_size=(2, 3), stride=1, padding=(1, 1), dilation=(2, 1)), (1, 2, 6, 7)),
    ("MaxPool2d", dict(kernel_size=2, stride=3, padding=1, ceil_mode=True, return_indices=True), (2, 2, 4, 5)),
    ("MaxPool2d", dict(kernel_size=3, stride=1, return_indices=True), (3, 5, 6)),
    ("AvgPool2d", (3,), (2, 3, 9, 7)),
    ("AvgPool2d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False), (2, 2, 6, 7)),
    ("AvgPool2d", dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 1), divisor_override=5), (1, 2, 5, 7)),
    ("AvgPool2d", dict(kernel_size=2, stride=3, padding=1, ceil_mode=True), (3, 4, 5)),
    ("AdaptiveAvgPool2d", ((3, 4),), (2, 3, 7, 10)),
    ("AdaptiveAvgPool2d", (1,), (2, 3, 5, 5)),
    ("AdaptiveAvgPool2d", ((None, 2),), (3, 5, 7)),
    ("AdaptiveMaxPool2d", ((3, 4),), (2, 3, 7, 10)),
    ("AdaptiveMaxPool2d", dict(output_size=(4, 3), return_indices=True), (2, 5, 6)),
    ("MaxPool1d", dict(kernel_size=3, stride=2, padding=1, return_indices=True), (2, 3, 9)),
    ("AvgPool1d", dict(kernel_size=3, stride=2, padding=1, count_include_pad=False), (3, 9)),
    ("AdaptiveAvgPool1d", (4,), (2, 3, 9)),
    ("AdaptiveMaxPool1d", dict(output_size=4, return_indices=True), (2, 3, 9)),
]


def construct(nn, name, arguments):
    return getattr(nn, name)(**arguments) if isinstance(arguments, dict) else getattr(nn, name)(*arguments)


@pytest.mark.parametrize("name, arguments, shape", MODULES, ids=[f"{m[0]}-{i}" for i, m in enumerate(MODULES)])
def test_pooling_modules_give_pytorchs_outputs_indices_and_gradients(name, arguments, shape):
    ours, theirs = construct(mnn, name, arguments), construct(tnn, name, arguments)
    assert repr(ours) == repr(theirs)
    x, tx = both(shape)
    output, toutput = ours(x), theirs(tx)
    if isinstance(toutput, tuple):
        (output, indices), (toutput, tindices) = output, toutput
        np.testing.assert_array_equal(arr(indices), tindices.numpy())
        assert indices.dtype is mt.int64
    np.testing.assert_allclose(arr(output), toutput.detach().numpy(), rtol=1e-12, atol=1e-14)
    weights = np.random.default_rng(1).standard_normal(tuple(toutput.shape))
    (output * mt.tensor(weights)).sum().backward()
    (toutput * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(arr(x.grad), tx.grad.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("pool", [lambda F, x: F.max_pool2d(x, 3, 1, 1), lambda F, x: F.avg_pool2d(x, 3, 2, 1)],
                         ids=["max_pool2d", "avg_pool2d"])
def test_double_backward_matches_pytorch(pool):
    x, tx = both((2, 2, 5, 5))
    (grad,) = mt.autograd.grad(pool(MF, x).pow(2).sum(), x, create_graph=True)
    (tgrad,) = torch.autograd.grad(pool(TF, tx).pow(2).sum(), tx, create_graph=True)
    (grad * grad).sum().backward()
    (tgrad * tgrad).sum().backward()
    np.testing.assert_allclose(arr(x.grad), tx.grad.numpy(), rtol=1e-12)


def test_batch_norm_2d_trains_and_evaluates_as_pytorch_and_its_state_moves_both_ways():
    ours, theirs = mnn.BatchNorm2d(3, momentum=0.2).double(), tnn.BatchNorm2d(3, momentum=0.2).double()
    with mt.no_grad(), torch.no_grad():
        for layer, tensor in ((ours, mt.tensor), (theirs, torch.tensor)):
            layer.weight.copy_(tensor([1.0, 2.0, 0.5], dtype=layer.weight.dtype))
            layer.bias.copy_(tensor([0.0, -1.0, 3.0], dtype=layer.bias.dtype))
    for step in range(3):
        x, tx = both((4, 3, 5, 6), seed=step)
        output, toutput = ours(x * (step + 1)), theirs(tx * (step + 1))
        np.testing.assert_allclose(arr(output), toutput.detach().numpy(), rtol=1e-10, atol=1e-12)
        output.pow(3).sum().backward()
        toutput.pow(3).sum().backward()
        np.testing.assert_allclose(arr(x.grad), tx.grad.numpy(), rtol=1e-9, atol=1e-10)
    for parameter in ("weight", "bias"):
        np.testing.assert_allclose(arr(getattr(ours, parameter).grad), getattr(theirs, parameter).grad.numpy(),
                                   rtol=1e-9)
    state, tstate = ours.state_dict(), theirs.state_dict()
    assert list(state) == list(tstate)
    for key in tstate:
        np.testing.assert_allclose(arr(state[key]), tstate[key].numpy(), rtol=1e-12)
    ours.eval(), theirs.eval()
    x, tx = both((2, 3, 4, 4), seed=7)
    np.testing.assert_allclose(arr(ours(x)), theirs(tx).detach().numpy(), rtol=1e-10)

    into_ours, into_theirs = mnn.BatchNorm2d(3).double(), tnn.BatchNorm2d(3).double()
    into_ours.load_state_dict({key: mt.tensor(value.numpy()) for key, value in tstate.items()})
    into_theirs.load_state_dict({key: torch.tensor(arr(value)) for key, value in state.items()})
    into_ours.eval(), into_theirs.eval()
    np.testing.assert_allclose(arr(into_ours(x)), theirs(tx).detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(into_theirs(tx).detach().numpy(), arr(ours(x)), rtol=1e-10)
    assert into_ours.num_batches_tracked.item() == into_theirs.num_batches_tracked.item() == 3


def test_batch_norm_2d_momentum_none_matches_pytorch():
    ours, theirs = mnn.BatchNorm2d(2, momentum=None).double(), tnn.BatchNorm2d(2, momentum=None).double()
    for step in range(4):
        x, tx = both((3, 2, 3, 3), seed=step)
        ours(x + step), theirs(tx + step)
    np.testing.assert_allclose(arr(ours.running_mean), theirs.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(arr(ours.running_var), theirs.running_var.numpy(), rtol=1e-12)
    assert repr(ours) == repr(theirs)


def test_dropout_2d_keeps_or_drops_channels_as_pytorch_does():
    """The masks differ (other generators); their shape, scale and the eval identity are PyTorch's."""
    ours, theirs = mnn.Dropout2d(0.4), tnn.Dropout2d(0.4)
    assert repr(ours) == repr(theirs)
    x, tx = both((6, 8, 3, 3))
    for output in (arr(ours(x)), theirs(tx).detach().numpy()):
        per_channel = output.reshape(6, 8, 9) / x.detach().numpy().reshape(6, 8, 9)
        assert np.allclose(per_channel, per_channel[..., :1]) and np.isin(per_channel.round(6), [0, 1.666667]).all()
    ours.eval(), theirs.eval()
    np.testing.assert_array_equal(arr(ours(x)), theirs(tx).detach().numpy())


BAD_CALLS = [
    lambda F, x: F.max_pool2d(x, 2, padding=2),
    lambda F, x: F.max_pool2d(x, 7),
    lambda F, x: F.max_pool2d(x, 2, stride=0),
    lambda F, x: F.max_pool2d(x, 2, stride=-1),
    lambda F, x: F.max_pool2d(x, -1),
    lambda F, x: F.max_pool2d(x, 2, dilation=0),
    lambda F, x: F.max_pool2d(x, 3, dilation=3),
    lambda F, x: F.max_pool2d(x, 2, padding=2, dilation=3),
    lambda F, x: F.max_pool2d(x, (2, 3, 4)),
    lambda F, x: F.max_pool2d(x, 2, stride=(1, 2, 3)),
    lambda F, x: F.max_pool2d(x, 2, padding=(1, 2, 3)),
    lambda F, x: F.max_pool2d(x[:, :0], 2),
    lambda F, x: F.avg_pool2d(x, 2, padding=2),
    lambda F, x: F.avg_pool2d(x, 6),
    lambda F, x: F.avg_pool2d(x, 2, padding=-1),
    lambda F, x: F.avg_pool2d(x, 2, divisor_override=0),
    lambda F, x: F.avg_pool2d(x, (1, 2, 3)),
    lambda F, x: F.avg_pool2d(x, 2, stride=(1, 2, 3)),
    lambda F, x: F.avg_pool2d(x[None], 2),
    lambda F, x: F.adaptive_avg_pool2d(x[0, 0], 2),
    lambda F, x: F.adaptive_avg_pool2d(x, (2, 3, 4)),
    lambda F, x: F.adaptive_avg_pool2d(x, -1),
    lambda F, x: F.adaptive_max_pool2d(x[0, 0], 2),
    lambda F, x: F.adaptive_max_pool2d(x[:, :0], 2),
    lambda F, x: F.avg_pool1d(x[0, 0, 0], 2),
    lambda F, x: F.adaptive_avg_pool1d(x[0, 0, 0], 2),
    lambda F, x: F.adaptive_max_pool1d(x[0, 0, 0], 2),
    lambda F, x: F.dropout2d(x[0, 0, 0], 0.5),
    lambda F, x: F.max_pool2d(x[0, 0], 2),
    lambda F, x: F.avg_pool2d(x[0, 0], 2),
]
OTHER_WORDS = [
    lambda F, x: F.adaptive_max_pool2d(x, (2, 3, 4)),  # PyTorch: "internal error: output_size.size() must be 2"
]
"""Bad calls whose error has PyTorch's type, not its words."""
CASES = [(call, True) for call in BAD_CALLS] + [(call, False) for call in OTHER_WORDS]


@pytest.mark.parametrize("call, same_words", CASES, ids=[f"call-{number}" for number in range(len(CASES))])
def test_bad_arguments_raise_pytorchs_exception_and_message(call, same_words):
    with pytest.raises(Exception) as theirs:
        call(TF, torch.zeros(1, 1, 5, 5))
    with pytest.raises(Exception) as ours:
        call(MF, mt.zeros(1, 1, 5, 5))
    assert type(ours.value) is type(theirs.value)
    if same_words:
        assert str(ours.value) == str(theirs.value)
