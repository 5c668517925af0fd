"""The float64 references of conv_reference.py against PyTorch itself (where the parity extra installed it),
so that the kernels' tests compare with PyTorch's definitions: F.unfold / F.fold, F.max_pool2d with indices
(ties and NaN), F.avg_pool2d with ceil_mode, count_include_pad and divisor_override."""
from __future__ import annotations

import numpy as np
import pytest

from . import conv_reference as reference
from .conv_reference import AVG_POOL_CASES, CONV_CASES, MAX_POOL_CASES, ConvCase, PoolCase, case_id

torch = pytest.importorskip("torch")
functional = torch.nn.functional


def _input(shape: tuple, seed: int = 0) -> np.ndarray:
    """Small integers: ties in every window, and sums exact in float64 for both sides."""
    return np.random.default_rng(seed).integers(-3, 4, shape).astype(np.float64)


@pytest.mark.parametrize("case", CONV_CASES, ids=case_id)
def test_im2col_and_col2im_are_unfold_and_fold(case: ConvCase) -> None:
    x = _input(case.shape)
    top, bottom, left, right = case.padding
    padded = functional.pad(torch.tensor(x), (left, right, top, bottom))
    unfolded = functional.unfold(padded, case.kernel, dilation=case.dilation, stride=case.stride).numpy()
    cols = reference.im2col(x, case)
    np.testing.assert_array_equal(cols.reshape(unfolded.shape), unfolded)
    height, width = case.shape[2:]
    folded = functional.fold(torch.tensor(cols.reshape(unfolded.shape)), (top + height + bottom, left + width + right),
                             case.kernel, dilation=case.dilation, stride=case.stride).numpy()
    np.testing.assert_array_equal(reference.col2im(cols, case), folded[:, :, top:top + height, left:left + width])


@pytest.mark.parametrize("case", MAX_POOL_CASES, ids=case_id)
def test_max_pool2d_is_pytorchs(case: PoolCase) -> None:
    x = _input(case.shape)
    x.reshape(-1)[::7] = np.nan  # some windows with one NaN, some with two
    out, indices = functional.max_pool2d(torch.tensor(x), case.kernel, case.stride, case.padding, case.dilation,
                                         case.ceil_mode, return_indices=True)
    reference_out, reference_indices = reference.max_pool2d(x, case)
    np.testing.assert_array_equal(reference_out, out.numpy())
    np.testing.assert_array_equal(reference_indices, indices.numpy())
    grad_output = _input(out.shape, seed=1)
    x_tensor = torch.tensor(x, requires_grad=True)
    functional.max_pool2d(x_tensor, case.kernel, case.stride, case.padding, case.dilation,
                          case.ceil_mode).backward(torch.tensor(grad_output))
    np.testing.assert_array_equal(reference.max_pool2d_backward(grad_output, reference_indices, case.shape[2:]),
                                  x_tensor.grad.numpy())


@pytest.mark.parametrize("case", AVG_POOL_CASES, ids=case_id)
def test_avg_pool2d_is_pytorchs(case: PoolCase) -> None:
    x = _input(case.shape)
    x_tensor = torch.tensor(x, requires_grad=True)
    out = functional.avg_pool2d(x_tensor, case.kernel, case.stride, case.padding, case.ceil_mode,
                                case.count_include_pad, case.divisor_override)
    np.testing.assert_allclose(reference.avg_pool2d(x, case), out.detach().numpy(), rtol=1e-15)
    grad_output = _input(out.shape, seed=1)
    out.backward(torch.tensor(grad_output))
    np.testing.assert_allclose(reference.avg_pool2d_backward(grad_output, case), x_tensor.grad.numpy(), rtol=1e-14)
