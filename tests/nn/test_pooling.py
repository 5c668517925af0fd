"""Pooling modules, BatchNorm2d and Dropout2d: shapes, arguments, errors and statistics (the ops' numbers
and gradients are in the op table, tests/functions/test_ops.py)."""
from __future__ import annotations

import numpy as np
import pytest

import minitorch as mt
from minitorch import nn
from minitorch.nn import functional as F

from ..functions import pooling_reference as P
from .test_layers import batch_norm_reference


def values(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


def arr(tensor: mt.Tensor) -> np.ndarray:
    return tensor.detach().numpy()


# ---- pooling ----
def test_max_pool_indices_are_flat_plane_positions_of_the_maxima():
    x = values(2, 3, 5, 7)
    output, indices = F.max_pool2d(mt.tensor(x), 3, 2, 1, return_indices=True)
    assert indices.dtype is mt.int64 and indices.shape == output.shape == (2, 3, 3, 4)
    picked = np.take_along_axis(x.reshape(2, 3, -1), arr(indices).reshape(2, 3, -1), 2).reshape(2, 3, 3, 4)
    np.testing.assert_array_equal(picked, arr(output))
    np.testing.assert_array_equal(arr(output), P.max_pool2d(x, (3, 3), (2, 2), (1, 1)))


def test_max_pool_ties_pick_the_first_and_nan_propagates():
    x = mt.tensor([[[[1.0, 1.0, 2.0, 2.0], [1.0, 0.0, 2.0, float("nan")]]]])
    output, indices = F.max_pool2d(x, 2, return_indices=True)
    assert arr(indices).tolist() == [[[[0, 7]]]]
    assert arr(output)[0, 0, 0, 0] == 1.0 and np.isnan(arr(output)[0, 0, 0, 1])


def test_max_pool_gradients_add_up_where_windows_overlap():
    x = mt.tensor([[[[0.0, 1.0, 0.0], [0.0, 5.0, 0.0], [0.0, 2.0, 0.0]]]], requires_grad=True)
    F.max_pool2d(x, 2, stride=1).sum().backward()  # 5 is the max of all four windows
    assert arr(x.grad).tolist() == [[[[0.0, 0.0, 0.0], [0.0, 4.0, 0.0], [0.0, 0.0, 0.0]]]]


def test_pools_of_float32_and_float16_keep_the_dtype():
    for dtype in (mt.float32, mt.float16):
        x = mt.tensor(values(1, 2, 4, 4), dtype=dtype, requires_grad=True)
        for output in (F.max_pool2d(x, 2), F.avg_pool2d(x, 2), F.adaptive_avg_pool2d(x, 3),
                       F.adaptive_max_pool2d(x, 3)):
            assert output.dtype is dtype
            output.sum().backward()
            assert x.grad.dtype is dtype


def test_an_empty_batch_pools_to_an_empty_batch_and_back():
    x = mt.zeros(0, 2, 5, 5, requires_grad=True)
    for output, shape in ((F.max_pool2d(x, 2), (0, 2, 2, 2)), (F.avg_pool2d(x, 3, 1), (0, 2, 3, 3)),
                          (F.adaptive_avg_pool2d(x, 2), (0, 2, 2, 2)),
                          (F.adaptive_max_pool2d(x, (0, 3)), (0, 2, 0, 3))):
        assert output.shape == shape
        output.sum().backward()
        assert x.grad.shape == x.shape


@pytest.mark.parametrize("call, error, message", [
    (lambda x: F.max_pool2d(x, 2, padding=2), RuntimeError,
     "pad should be at most half of effective kernel size, but got pad=2, kernel_size=2 and dilation=1"),
    (lambda x: F.max_pool2d(x, 7), RuntimeError,
     r"Given input size: \(1x5x5\). Calculated output size: \(1x0x0\). Output size is too small"),
    (lambda x: F.max_pool2d(x, 2, stride=0), RuntimeError, "stride should not be zero"),
    (lambda x: F.avg_pool2d(x, 2, padding=-1), RuntimeError, "pad must be non-negative, but got pad: -1"),
    (lambda x: F.max_pool2d(x, -1), RuntimeError, "kernel size should be greater than zero, but got kH: -1 kW: -1"),
    (lambda x: F.max_pool2d(x, 2, dilation=0), RuntimeError,
     "dilation should be greater than zero, but got dilationH: 0 dilationW: 0"),
    (lambda x: F.max_pool2d(x, 2, padding=2, dilation=3), RuntimeError,
     "pad should be smaller than or equal to half of kernel size, but got padW = 2, padH = 2, kW = 2, kH = 2"),
    (lambda x: F.max_pool2d(x[0, 0], 2), RuntimeError, r"non-empty 3D or 4D \(batch mode\) tensor expected"),
    (lambda x: F.avg_pool2d(x[0, 0], 2), IndexError, r"Dimension out of range \(expected to be in range of "
                                                     r"\[-2, 1\], but got -3\)"),
    (lambda x: F.avg_pool2d(x[None], 2), RuntimeError, r"tensor with optional 0 dim batch size for input, but "
                                                       r"got:\[1, 1, 1, 5, 5\]"),
    (lambda x: F.max_pool2d(x, (1, 2, 3)), RuntimeError,
     "max_pool2d: kernel_size must either be a single int, or a tuple of two ints"),
    (lambda x: F.avg_pool2d(x, 2, stride=(1, 2, 3)), RuntimeError,
     "avg_pool2d: stride must either be omitted, a single int, or a tuple of two ints"),
    (lambda x: F.max_pool2d(x, 2.0), TypeError, "argument 'kernel_size' must be tuple of ints, not float"),
    (lambda x: F.avg_pool2d(x, 2, divisor_override=0), RuntimeError, "divisor must be not zero"),
    (lambda x: F.adaptive_avg_pool2d(x, (2, 3, 4)), RuntimeError, "adaptive_avg_pool2d: output_size must be 2"),
    (lambda x: F.adaptive_avg_pool2d(x, -1), RuntimeError,
     "elements of output_size must be greater than or equal to 0 but received {-1, -1}"),
    (lambda x: F.adaptive_max_pool2d(x[0, 0], 2), RuntimeError, r"Expected 3D or 4D tensor, but got: \[5, 5\]"),
    (lambda x: F.max_pool1d(x[0, 0, 0], 2), RuntimeError, "Expected 2 to 3 dimensions, but got 1-dimensional"),
    (lambda x: F.max_pool2d(x.long(), 2), RuntimeError, "not implemented for 'int64'"),
])
def test_bad_arguments_raise_pytorchs_errors_with_the_numbers(call, error, message):
    with pytest.raises(error, match=message):
        call(mt.zeros(1, 1, 5, 5))


def test_modules_default_stride_to_the_kernel_and_print_as_pytorch():
    assert repr(nn.MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    assert repr(nn.AvgPool2d((2, 3), 1, 1)) == "AvgPool2d(kernel_size=(2, 3), stride=1, padding=1)"
    assert repr(nn.AvgPool1d(3)) == "AvgPool1d(kernel_size=(3,), stride=(3,), padding=(0,))"
    assert repr(nn.AdaptiveAvgPool2d((None, 3))) == "AdaptiveAvgPool2d(output_size=(None, 3))"
    assert repr(nn.AdaptiveMaxPool1d(2)) == "AdaptiveMaxPool1d(output_size=2)"
    assert repr(nn.Dropout2d(0.2)) == "Dropout2d(p=0.2, inplace=False)"
    x = mt.tensor(values(2, 3, 6, 6))
    output, indices = nn.MaxPool2d(3, 2, return_indices=True, ceil_mode=True)(x)
    assert output.shape == indices.shape == (2, 3, 3, 3)
    assert nn.AvgPool2d(2, divisor_override=1)(x).shape == (2, 3, 3, 3)
    np.testing.assert_allclose(arr(nn.AvgPool2d(2, divisor_override=1)(x)), 4 * arr(F.avg_pool2d(x, 2)))
    assert nn.AdaptiveAvgPool2d(1)(x).shape == (2, 3, 1, 1)
    assert nn.AdaptiveMaxPool2d((2, None))(x[0]).shape == (3, 2, 6)
    assert nn.MaxPool1d(2)(x[0]).shape == (3, 6, 3) and nn.AdaptiveAvgPool1d(4)(x[0]).shape == (3, 6, 4)


# ---- BatchNorm2d ----
def test_batch_norm_2d_statistics_over_batch_and_space_and_running_values():
    layer = nn.BatchNorm2d(3, momentum=0.3).double()
    with mt.no_grad():
        layer.weight.copy_(mt.tensor([1.0, 2.0, 0.5]))
        layer.bias.copy_(mt.tensor([0.0, -1.0, 3.0]))
    running_mean, running_var = np.zeros(3), np.ones(3)
    for step in range(3):
        x = values(4, 3, 2, 5, seed=step) * (step + 1) + step
        expected = batch_norm_reference(x, np.array([1.0, 2.0, 0.5]), np.array([0.0, -1.0, 3.0]), 1e-5, (0, 2, 3))
        np.testing.assert_allclose(arr(layer(mt.tensor(x))), expected, rtol=1e-10, atol=1e-12)
        count = 4 * 2 * 5
        running_mean = 0.7 * running_mean + 0.3 * x.mean(axis=(0, 2, 3))
        running_var = 0.7 * running_var + 0.3 * x.var(axis=(0, 2, 3)) * count / (count - 1)
    np.testing.assert_allclose(arr(layer.running_mean), running_mean, rtol=1e-12)
    np.testing.assert_allclose(arr(layer.running_var), running_var, rtol=1e-12)
    assert layer.num_batches_tracked.item() == 3
    assert list(layer.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]

    layer.eval()
    x = values(2, 3, 4, 4, seed=9)
    stats = (1, 3, 1, 1)
    expected = ((x - running_mean.reshape(stats)) / np.sqrt(running_var.reshape(stats) + 1e-5)
                * np.array([1.0, 2.0, 0.5]).reshape(stats) + np.array([0.0, -1.0, 3.0]).reshape(stats))
    np.testing.assert_allclose(arr(layer(mt.tensor(x))), expected, rtol=1e-10)
    assert layer.num_batches_tracked.item() == 3


def test_batch_norm_2d_momentum_none_is_the_cumulative_average():
    layer = nn.BatchNorm2d(2, momentum=None).double()
    batches = [values(3, 2, 2, 2, seed=shift) + shift for shift in range(4)]
    for batch in batches:
        layer(mt.tensor(batch))
    np.testing.assert_allclose(arr(layer.running_mean), np.mean([b.mean((0, 2, 3)) for b in batches], axis=0),
                               rtol=1e-12)
    unbiased = [b.var((0, 2, 3), ddof=1) for b in batches]
    np.testing.assert_allclose(arr(layer.running_var), np.mean(unbiased, axis=0), rtol=1e-12)  # the 1s are gone


def test_batch_norm_2d_without_running_stats_and_errors():
    plain = nn.BatchNorm2d(2, affine=False, track_running_stats=False).double().eval()
    x = values(3, 2, 2, 2)
    assert list(plain.state_dict()) == []
    np.testing.assert_allclose(arr(plain(mt.tensor(x))), batch_norm_reference(x, np.ones(2), np.zeros(2), 1e-5,
                                                                            (0, 2, 3)), rtol=1e-10)
    with pytest.raises(ValueError, match=r"expected 4D input \(got 3D input\)"):
        nn.BatchNorm2d(2)(mt.zeros(2, 2, 3))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        nn.BatchNorm2d(2)(mt.zeros(1, 2, 1, 1))


# ---- Dropout2d ----
def test_dropout_2d_zeroes_whole_channels_and_scales_the_rest():
    mt.manual_seed(0)
    x = mt.ones(8, 16, 3, 3, dtype=mt.float64, requires_grad=True)
    output = F.dropout2d(x, 0.25)
    per_channel = arr(output).reshape(8, 16, 9)
    assert set(np.unique(per_channel)) <= {0.0, 1 / 0.75}
    assert (per_channel.min(-1) == per_channel.max(-1)).all()  # a channel is kept or dropped whole
    assert 0.1 < (per_channel[..., 0] == 0).mean() < 0.4
    output.sum().backward()
    np.testing.assert_array_equal(arr(x.grad), arr(output))
    layer = nn.Dropout2d(0.5)
    layer.eval()
    assert layer(x) is x
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        nn.Dropout2d(1.5)


def test_dropout_2d_takes_a_3d_input_as_n_c_l_with_pytorchs_warning():
    mt.manual_seed(1)
    with pytest.warns(UserWarning, match="interpreted as shape \\(N, C, L\\)"):
        output = F.dropout2d(mt.ones(6, 5, 4), 0.5)
    rows = arr(output)
    assert (rows.min(-1) == rows.max(-1)).all() and 0 < (rows[..., 0] == 0).sum() < 30
    with pytest.raises(RuntimeError, match="Feature dropout requires at least 2 dimensions in the input"), \
            pytest.warns(UserWarning, match="Received a 1-D input to dropout2d"):
        F.dropout2d(mt.ones(3))
