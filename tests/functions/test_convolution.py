"""Convolution beyond the op table: the backend's im2col / col2im against the interface's formula, their
adjointness, float16, and PyTorch's errors (types and wording, with the numbers)."""
from __future__ import annotations

import re

import numpy as np
import pytest

import minitorch as mt
from minitorch.backends.cpu import cpu

F = mt.nn.functional

GEOMETRIES = [  # kernel_size, stride, padding (top, bottom, left, right), dilation
    ((3, 3), (1, 1), (0, 0, 0, 0), (1, 1)),
    ((2, 3), (2, 1), (1, 0, 2, 1), (1, 2)),
    ((1, 2), (3, 2), (0, 2, 1, 0), (2, 1)),
]


@pytest.mark.parametrize("kernel_size, stride, padding, dilation", GEOMETRIES)
def test_im2col_reads_each_window_pixel_or_zero(kernel_size, stride, padding, dilation) -> None:
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 6))
    cols = cpu.im2col(x, kernel_size, stride, padding, dilation)
    (kh, kw), (sh, sw), (top, bottom, left, right), (dh, dw) = kernel_size, stride, padding, dilation
    out_h = (5 + top + bottom - dh * (kh - 1) - 1) // sh + 1
    out_w = (6 + left + right - dw * (kw - 1) - 1) // sw + 1
    assert cols.shape == (2, 3, kh, kw, out_h, out_w) and cols.flags.c_contiguous
    for i, j, oh, ow in np.ndindex(kh, kw, out_h, out_w):
        row, column = oh * sh + i * dh - top, ow * sw + j * dw - left
        inside = 0 <= row < 5 and 0 <= column < 6
        expected = x[:, :, row, column] if inside else 0
        np.testing.assert_array_equal(cols[:, :, i, j, oh, ow], expected)


@pytest.mark.parametrize("kernel_size, stride, padding, dilation", GEOMETRIES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
def test_col2im_is_the_adjoint_of_im2col(kernel_size, stride, padding, dilation, dtype) -> None:
    """<im2col(x), c> = <x, col2im(c)> for random x and c: col2im adds each entry where im2col read it."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 5, 6)).astype(dtype)
    cols = cpu.im2col(x, kernel_size, stride, padding, dilation)
    c = rng.standard_normal(cols.shape).astype(dtype)
    back = cpu.col2im(c, (5, 6), kernel_size, stride, padding, dilation)
    assert back.shape == x.shape and back.dtype == dtype and back.flags.c_contiguous
    left = (cols.astype(np.float64) * c.astype(np.float64)).sum()
    right = (x.astype(np.float64) * back.astype(np.float64)).sum()
    np.testing.assert_allclose(left, right, rtol=1e-12 if dtype == np.float64 else 1e-2)


def test_float16_convolution_is_float32s_rounded() -> None:
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((2, 3, 6, 6)), rng.standard_normal((4, 3, 3, 3))
    half = F.conv2d(mt.tensor(x, dtype=mt.float16), mt.tensor(w, dtype=mt.float16), padding=1)
    single = F.conv2d(mt.tensor(x, dtype=mt.float16).float(), mt.tensor(w, dtype=mt.float16).float(), padding=1)
    assert half.dtype is mt.float16
    np.testing.assert_allclose(half.float().numpy(), single.numpy(), rtol=2e-3, atol=2e-3)


def test_conv2d_of_an_empty_batch_is_empty() -> None:
    output = F.conv2d(mt.zeros(0, 3, 5, 5), mt.zeros(8, 3, 3, 3))
    assert tuple(output.shape) == (0, 8, 3, 3)


def _x(*shape: int) -> mt.Tensor:
    return mt.zeros(*shape)


ERRORS = [  # call, exception type, PyTorch's message (regex-escaped here)
    (lambda: F.conv2d(_x(2, 4, 5, 5), _x(8, 3, 3, 3)), RuntimeError,
     "Given groups=1, weight of size [8, 3, 3, 3], expected input[2, 4, 5, 5] to have 3 channels, but got 4 "
     "channels instead"),
    (lambda: F.conv2d(_x(4, 5, 5), _x(8, 3, 3, 3)), RuntimeError,
     "Given groups=1, weight of size [8, 3, 3, 3], expected input[1, 4, 5, 5] to have 3 channels, but got 4 "
     "channels instead"),
    (lambda: F.conv2d(_x(2, 5, 5, 5), _x(8, 2, 3, 3), groups=2), RuntimeError,
     "Given groups=2, weight of size [8, 2, 3, 3], expected input[2, 5, 5, 5] to have 4 channels, but got 5 "
     "channels instead"),
    (lambda: F.conv2d(_x(2, 6, 5, 5), _x(8, 2, 3, 3), groups=3), RuntimeError,
     "Given groups=3, expected weight to be divisible by 3 at dimension 0, but got weight of size [[8, 2, 3, 3]] "
     "instead"),
    (lambda: F.conv2d(_x(2, 3, 2, 2), _x(8, 3, 3, 3), padding=(0, 1)), RuntimeError,
     "Calculated padded input size per channel: (2 x 4). Kernel size: (3 x 3). Kernel size can't be greater than "
     "actual input size"),
    (lambda: F.conv2d(_x(2, 3, 4, 4), _x(8, 3, 3, 3), dilation=2), RuntimeError,
     "Calculated padded input size per channel: (4 x 4). Kernel size: (5 x 5)."),
    (lambda: F.conv1d(_x(2, 3, 2), _x(8, 3, 3)), RuntimeError,
     "Calculated padded input size per channel: (2). Kernel size: (3)."),
    (lambda: F.conv2d(_x(2, 3, 5, 5), _x(8, 3, 3, 3), padding=(1, -1)), RuntimeError,
     "negative padding is not supported (got padding=(1, -1))"),
    (lambda: F.conv2d(_x(2, 3, 5, 5), _x(8, 3, 3, 3), stride=(1, 0)), RuntimeError,
     "non-positive stride is not supported (got stride=(1, 0))"),
    (lambda: F.conv2d(_x(2, 3, 5, 5), _x(8, 3, 3, 3), dilation=0), RuntimeError,
     "non-positive dilation is not supported (got dilation=(0, 0))"),
    (lambda: F.conv2d(_x(2, 3, 5, 5), _x(8, 3, 3, 3), groups=0), RuntimeError,
     "non-positive groups is not supported (got groups=0)"),
    (lambda: F.conv2d(_x(3, 5), _x(8, 3, 3, 3)), RuntimeError,
     "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [3, 5]"),
    (lambda: F.conv1d(_x(2, 3, 5, 5), _x(8, 3, 3)), RuntimeError,
     "Expected 2D (unbatched) or 3D (batched) input to conv1d, but got input of size: [2, 3, 5, 5]"),
    (lambda: F.conv2d(_x(2, 3, 5, 5), _x(8, 3, 3)), RuntimeError, "expected weight of 4 dims"),
    (lambda: F.conv2d(_x(2, 3, 5, 5), _x(8, 3, 3, 3), _x(7)), RuntimeError,
     "Given weight of size [8, 3, 3, 3], expected bias to be 1-dimensional with 8 elements, but got bias of size "
     "[7] instead"),
    (lambda: F.conv2d(_x(2, 3, 5, 5), _x(8, 3, 3, 3).double()), RuntimeError,
     "Input type (float32) and weight type (float64) should be the same"),
    (lambda: F.conv2d(_x(2, 3, 5, 5), _x(8, 3, 3, 3), _x(8).double()), RuntimeError,
     "Input type (float32) and bias type (float64) should be the same"),
    (lambda: F.conv2d(_x(2, 3, 5, 5).long(), _x(8, 3, 3, 3).long()), RuntimeError,
     "conv2d: expected a floating point input, got int64"),
    (lambda: F.conv2d(_x(2, 3, 5, 5), _x(8, 3, 3, 3), stride=2, padding="same"), RuntimeError,
     "padding='same' is not supported for strided convolutions"),
    (lambda: F.conv2d(_x(2, 3, 5, 5), _x(8, 3, 3, 3), padding="full"), RuntimeError,
     "Invalid padding string: 'full'"),
    (lambda: F.conv2d(_x(2, 3, 5, 5), _x(8, 3, 3, 3), padding=(1, 1, 1)), RuntimeError,
     "expected padding to be a single integer value or a list of 2 values to match the convolution dimensions, "
     "but got padding=[1, 1, 1]"),
    (lambda: F.conv2d(_x(2, 3, 5, 5), _x(8, 3, 3, 3), stride=1.5), TypeError, "stride must be an int"),
    (lambda: F.conv2d(_x(2, 3, 5, 5), [1.0]), TypeError, "conv2d(): argument 'weight' must be Tensor, not list"),
    (lambda: F.unfold(_x(2, 3, 5, 5), 3, stride=0), RuntimeError,
     "stride should be greater than zero, but got stride_height: 0 stride_width: 0"),
    (lambda: F.unfold(_x(2, 3, 5, 5), 3, padding=-1), RuntimeError,
     "padding should be non-negative, but got pad_height: -1 pad_width: -1"),
    (lambda: F.unfold(_x(2, 3, 2, 2), 3), RuntimeError,
     "Given input with spatial size (2, 2), kernel_size=(3, 3), dilation=(1, 1), padding=(0, 0), calculated shape "
     "of the array of sliding blocks as (0, 0), but its components must be at least one."),
    (lambda: F.unfold(_x(5, 5), 3), RuntimeError, "Only 3D or 4D input Tensors are supported (got 2D)"),
    (lambda: F.fold(_x(2, 26, 9), (5, 5), 3), RuntimeError,
     "Expected size of input's dimension 1 to be divisible by the product of kernel_size, but got "
     "input.size(1)=26 and kernel_size=(3, 3)."),
    (lambda: F.fold(_x(2, 27, 8), (5, 5), 3), RuntimeError,
     "Given output_size=(5, 5), kernel_size=(3, 3), dilation=(1, 1), padding=(0, 0), stride=(1, 1), expected size "
     "of input's dimension 2 to match the calculated number of sliding blocks 3 * 3 = 9, but got input.size(2)=8."),
    (lambda: mt.nn.Conv2d(3, 8, 3, groups=2), ValueError, "in_channels must be divisible by groups"),
    (lambda: mt.nn.Conv2d(4, 6, 3, groups=4), ValueError, "out_channels must be divisible by groups"),
    (lambda: mt.nn.Conv2d(4, 8, 3, groups=0), ValueError, "groups must be a positive integer"),
    (lambda: mt.nn.Conv2d(4, 8, 3, stride=2, padding="same"), ValueError,
     "padding='same' is not supported for strided convolutions"),
    (lambda: mt.nn.Conv2d(4, 8, 3, padding="full"), ValueError, "Invalid padding string 'full'"),
    (lambda: mt.nn.Conv2d(4, 8, 3, padding_mode="mirror"), ValueError,
     "padding_mode must be one of {'circular', 'reflect', 'replicate', 'zeros'}, but got padding_mode='mirror'"),
    (lambda: mt.nn.Conv1d(4, 8, 3, padding_mode="reflect"), NotImplementedError, "padding_mode='reflect'"),
]


@pytest.mark.parametrize("call, error, message", ERRORS, ids=[message[:50] for _, _, message in ERRORS])
def test_bad_arguments_raise_pytorchs_errors(call, error, message) -> None:
    with pytest.raises(error, match=re.escape(message)):
        call()


def test_tensors_on_two_devices_are_refused_before_any_work(fake_cuda) -> None:
    with pytest.raises(RuntimeError, match=re.escape("Expected all tensors to be on the same device, but found at "
                                                     "least two devices, cpu and cuda:0!")):
        F.conv2d(_x(2, 3, 5, 5), mt.zeros(8, 3, 3, 3, device="cuda"))
