"""The Linear op's backward computes only the gradients autograd asked for."""
import numpy as np
import pytest

import minitorch
from minitorch.functions.linalg import linear_gradients


class _NotMultipliable:
    """A weight that fails if anything multiplies by it."""

    def __rmatmul__(self, other):
        raise AssertionError("grad_output @ weight was computed although the input needs no gradient")


def test_no_input_gradient_skips_its_matmul():
    rng = np.random.default_rng(0)
    grad_output, x = rng.standard_normal((4, 3)), rng.standard_normal((4, 5))
    grad_x, grad_weight, grad_bias = linear_gradients(grad_output, x, _NotMultipliable(), (False, True, True))
    assert grad_x is None
    np.testing.assert_allclose(grad_weight, grad_output.T @ x)
    np.testing.assert_allclose(grad_bias, grad_output.sum(0))


@pytest.mark.parametrize("input_requires_grad", [False, True])
def test_first_layer_gradients(input_requires_grad):
    rng = np.random.default_rng(1)
    x_values, weight_values = rng.standard_normal((6, 5)), rng.standard_normal((3, 5))
    x = minitorch.tensor(x_values, requires_grad=input_requires_grad)
    weight = minitorch.tensor(weight_values, requires_grad=True)
    minitorch.nn.functional.linear(x, weight).sum().backward()
    np.testing.assert_allclose(weight.grad.numpy(), np.ones((6, 3)).T @ x_values)
    if input_requires_grad:
        np.testing.assert_allclose(x.grad.numpy(), np.ones((6, 3)) @ weight_values)
    else:
        assert x.grad is None
