"""A leaf's .grad may take the engine's gradient array without a copy, but never one that something else holds."""
from __future__ import annotations

import numpy as np

import minitorch as mt


def test_one_gradient_reaching_two_leaves_gives_each_its_own_storage() -> None:
    x, y = mt.ones(3, requires_grad=True), mt.ones(3, requires_grad=True)
    (x + y).sum().backward()  # Add passes the same gradient tensor to both inputs
    x.grad.add_(1)
    assert y.grad.tolist() == [1.0, 1.0, 1.0]
    assert not np.shares_memory(x.grad.numpy(), y.grad.numpy())


def test_a_retained_gradient_is_not_shared_with_a_leaf() -> None:
    x = mt.ones(3, requires_grad=True)
    y = x.clone()  # passes its gradient through unchanged
    y.retain_grad()
    y.sum().backward()
    x.grad.mul_(5)
    assert y.grad.tolist() == [1.0, 1.0, 1.0] and x.grad.tolist() == [5.0, 5.0, 5.0]


def test_a_user_supplied_gradient_is_copied() -> None:
    x = mt.ones(3, requires_grad=True)
    gradient = mt.tensor([1.0, 2.0, 3.0])
    x.clone().backward(gradient)
    x.grad.zero_()
    assert gradient.tolist() == [1.0, 2.0, 3.0]


def test_a_custom_function_returning_its_input_is_copied() -> None:
    class ReturnsSaved(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x, weights):
            ctx.save_for_backward(weights)
            return x * 1

        @staticmethod
        def backward(ctx, grad_output):
            weights, = ctx.saved_tensors
            return weights, None

    x, weights = mt.ones(2, requires_grad=True), mt.tensor([3.0, 4.0])
    ReturnsSaved.apply(x, weights).sum().backward()
    x.grad.zero_()
    assert weights.tolist() == [3.0, 4.0]


def test_gradients_accumulate_in_place_over_steps() -> None:
    w = mt.tensor([[1.0, 2.0]], requires_grad=True)
    x = mt.tensor([[3.0], [4.0]])
    for _ in range(3):
        (w @ x).sum().backward()
    assert w.grad.tolist() == [[9.0, 12.0]]


def test_retained_and_create_graph_gradients_are_writable_and_private() -> None:
    x = mt.ones(3, requires_grad=True)
    y = x * 2
    y.retain_grad()
    y.sum().backward()  # Sum's gradient is a broadcast (read-only) view
    y.grad.zero_()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]
    gradient = mt.ones(3)
    z = x.clone()
    z.retain_grad()
    z.backward(gradient)
    gradient.mul_(5)
    assert z.grad.tolist() == [1.0, 1.0, 1.0]
    leaf = mt.ones(3, requires_grad=True)
    leaf.sum().backward(create_graph=True)
    leaf.grad.zero_()
    assert leaf.grad.tolist() == [0.0, 0.0, 0.0]


def test_double_backward_keeps_float64_constants_exact() -> None:
    x = mt.tensor([-1.0, 2.0], dtype=mt.float64, requires_grad=True)
    grad, = mt.autograd.grad(mt.nn.functional.leaky_relu(x, 0.1).sum(), x, create_graph=True)
    assert grad.tolist() == [0.1, 1.0]


def test_float16_bias_gradient_accumulates_in_float32() -> None:
    linear = mt.nn.Linear(2, 1).half()
    inputs = mt.ones(4096, 2, dtype=mt.float16)
    linear(inputs).sum().backward()
    assert linear.bias.grad.item() == 4096
