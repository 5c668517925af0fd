"""Tests for the autograd engine: backward, autograd.grad, custom Functions, gradcheck.

Expected values are closed-form derivatives computed independently with NumPy.
"""
import warnings

import numpy as np
import pytest

import minitorch as mt


def npy(t):
    return t.detach().numpy()


def leaf(values, dtype=None):
    dtype = mt.float64 if dtype is None else dtype
    return mt.tensor(values, dtype=dtype, requires_grad=True)


X0 = np.array([0.3, -1.2, 2.0, 0.7])


# ---------------------------------------------------------------- accumulation / retain_graph


def test_grad_accumulates_across_two_backward_calls():
    x = leaf(X0)
    (x * x).sum().backward()
    np.testing.assert_allclose(npy(x.grad), 2 * X0)
    (x * 3.0).sum().backward()
    np.testing.assert_allclose(npy(x.grad), 2 * X0 + 3.0)


def test_grad_mode_a_custom_backward_leaves_on_does_not_reach_later_nodes():
    class LeavesGradOn(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.clone()

        @staticmethod
        def backward(ctx, grad_output):
            mt.set_grad_enabled(True)  # not restored
            return grad_output

    x = mt.tensor([1.0, 2.0], requires_grad=True)
    grad, = mt.autograd.grad(LeavesGradOn.apply(x * x).sum(), x)  # Mul's backward runs after the custom one
    np.testing.assert_allclose(grad.numpy(), [2.0, 4.0])
    assert not grad.requires_grad and grad.grad_fn is None  # Mul's backward recorded no graph
    assert mt.is_grad_enabled()


def test_leaf_data_replaced_by_another_shape_before_backward_raises():
    weight = mt.ones(3, requires_grad=True)
    loss = (weight * 2).sum()
    weight.data = mt.ones(5)
    with pytest.raises(RuntimeError, match=r"assigned grad has data of a different size"):
        loss.backward()


def test_leaf_grad_shape_and_dtype():
    x = leaf(X0)
    (x.exp()).sum().backward()
    assert tuple(x.grad.shape) == (4,)
    assert x.grad.dtype == mt.float64
    assert x.grad.requires_grad is False
    assert x.grad.grad_fn is None


def test_retain_graph_allows_second_backward_and_grads_double():
    x = leaf(X0)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    np.testing.assert_allclose(npy(x.grad), 2 * X0)
    y.backward()
    np.testing.assert_allclose(npy(x.grad), 4 * X0)


def test_second_backward_without_retain_graph_raises():
    x = leaf(X0)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_second_autograd_grad_without_retain_graph_raises():
    x = leaf(X0)
    y = (x * x).sum()
    mt.autograd.grad(y, x)
    with pytest.raises(RuntimeError, match="second time"):
        mt.autograd.grad(y, x)


def test_backward_non_scalar_without_gradient_raises():
    x = leaf(X0)
    y = x * 2
    with pytest.raises(RuntimeError):
        y.backward()


def test_backward_with_gradient_is_vjp():
    x = leaf(X0)
    v = np.array([1.0, -2.0, 0.5, 3.0])
    y = x * x * x
    y.backward(gradient=mt.tensor(v, dtype=mt.float64))
    np.testing.assert_allclose(npy(x.grad), 3 * X0**2 * v)


def test_backward_with_gradient_matrix_vjp():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((3, 4))
    B = rng.standard_normal((4, 2))
    G = rng.standard_normal((3, 2))
    a, b = leaf(A), leaf(B)
    (a @ b).backward(mt.tensor(G, dtype=mt.float64))
    np.testing.assert_allclose(npy(a.grad), G @ B.T)
    np.testing.assert_allclose(npy(b.grad), A.T @ G)


# ---------------------------------------------------------------- non-leaf grads, detach


def test_non_leaf_grad_is_none_without_retain_grad():
    x = leaf(X0)
    h = x * 2
    h.exp().sum().backward()
    assert h.is_leaf is False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert h.grad is None
    assert x.grad is not None


def test_retain_grad_keeps_non_leaf_grad():
    x = leaf(X0)
    h = x * 2
    h.retain_grad()
    h.exp().sum().backward()
    np.testing.assert_allclose(npy(h.grad), np.exp(2 * X0))
    np.testing.assert_allclose(npy(x.grad), 2 * np.exp(2 * X0))


def test_is_leaf_and_grad_fn():
    x = leaf(X0)
    c = mt.tensor(X0)
    assert x.is_leaf and x.grad_fn is None
    assert c.is_leaf and c.requires_grad is False
    y = x * c
    assert y.is_leaf is False
    assert y.grad_fn is not None
    assert y.requires_grad is True
    z = c * 2
    assert z.requires_grad is False and z.grad_fn is None and z.is_leaf


def test_detach_cuts_graph():
    x = leaf(X0)
    h = x * 3
    d = h.detach()
    assert d.requires_grad is False
    assert d.grad_fn is None
    assert d.is_leaf
    # d used with x: only the direct x path contributes
    y = (d * x).sum()
    y.backward()
    np.testing.assert_allclose(npy(x.grad), 3 * X0)  # d/dx (const * x) = const = 3x


def test_detach_shares_storage():
    x = leaf(X0)
    d = x.detach()
    with mt.no_grad():
        x.mul_(2.0)
    np.testing.assert_allclose(npy(d), 2 * X0)


# ---------------------------------------------------------------- graph shapes


def test_diamond_graph_gradient():
    # a = 2x ; b = exp(a) ; c = tanh(a) ; y = sum(b * c)
    x = leaf(X0)
    a = x * 2
    b = a.exp()
    c = a.tanh()
    (b * c).sum().backward()
    A = 2 * X0
    expected = 2 * (np.exp(A) * np.tanh(A) + np.exp(A) * (1 - np.tanh(A) ** 2))
    np.testing.assert_allclose(npy(x.grad), expected, rtol=1e-10)


def test_same_tensor_used_many_times():
    x = leaf(X0)
    y = (x * x + x * 3 + x).sum()  # d = 2x + 4
    y.backward()
    np.testing.assert_allclose(npy(x.grad), 2 * X0 + 4)


def test_mixed_ops_closed_form():
    # y = mean(sigmoid(x) * relu(x) + log(x**2 + 1)) ; pow + log + sigmoid + relu + mean
    x = leaf(X0)
    y = (x.sigmoid() * x.relu() + (x.pow(2) + 1).log()).mean()
    y.backward()
    s = 1 / (1 + np.exp(-X0))
    r = np.maximum(X0, 0)
    dr = (X0 > 0).astype(float)
    expected = (s * (1 - s) * r + s * dr + 2 * X0 / (X0**2 + 1)) / X0.size
    np.testing.assert_allclose(npy(x.grad), expected, rtol=1e-10)


def test_matmul_chain_gradient():
    rng = np.random.default_rng(1)
    W1 = rng.standard_normal((4, 5))
    W2 = rng.standard_normal((5, 3))
    X = rng.standard_normal((2, 4))
    w1, w2 = leaf(W1), leaf(W2)
    x = mt.tensor(X, dtype=mt.float64)
    (x @ w1 @ w2).sum().backward()
    G = np.ones((2, 3))
    np.testing.assert_allclose(npy(w2.grad), (X @ W1).T @ G)
    np.testing.assert_allclose(npy(w1.grad), X.T @ (G @ W2.T))


def test_long_chain_no_recursion_error():
    n = 100_000
    x = mt.tensor(1.0, dtype=mt.float64, requires_grad=True)
    y = x
    for _ in range(n):
        y = y * 1.0000001
    y.backward()
    np.testing.assert_allclose(float(x.grad), 1.0000001**n, rtol=1e-9)


def test_long_additive_chain_no_recursion_error():
    n = 100_000
    x = mt.tensor([1.0, 2.0], dtype=mt.float64, requires_grad=True)
    y = x
    for _ in range(n):
        y = y + 0
    y.sum().backward()
    np.testing.assert_allclose(npy(x.grad), [1.0, 1.0])


# ---------------------------------------------------------------- double backward


@pytest.mark.parametrize(
    "fn, d1, d2",
    [
        (lambda x: x**3, lambda x: 3 * x**2, lambda x: 6 * x),
        (
            lambda x: x.tanh(),
            lambda x: 1 - np.tanh(x) ** 2,
            lambda x: -2 * np.tanh(x) * (1 - np.tanh(x) ** 2),
        ),
        (lambda x: x * x.exp(), lambda x: np.exp(x) * (1 + x), lambda x: np.exp(x) * (2 + x)),
    ],
    ids=["cube", "tanh", "x_exp_x"],
)
def test_double_backward(fn, d1, d2):
    x = leaf(X0)
    y = fn(x).sum()
    (g,) = mt.autograd.grad(y, x, create_graph=True)
    np.testing.assert_allclose(npy(g), d1(X0), rtol=1e-10)
    assert g.requires_grad
    (g2,) = mt.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(npy(g2), d2(X0), rtol=1e-10)


def test_double_backward_via_backward_create_graph_style():
    # grad with create_graph, then .backward() on a function of that grad
    x = leaf(X0)
    (g,) = mt.autograd.grad((x**3).sum(), x, create_graph=True)
    (g * g).sum().backward()  # d/dx sum(9x^4) = 36 x^3
    np.testing.assert_allclose(npy(x.grad), 36 * X0**3, rtol=1e-10)


# ---------------------------------------------------------------- autograd.grad


def test_autograd_grad_returns_tuple():
    x = leaf(X0)
    res = mt.autograd.grad((x * x).sum(), x)
    assert isinstance(res, tuple) and len(res) == 1
    np.testing.assert_allclose(npy(res[0]), 2 * X0)


def test_autograd_grad_with_grad_outputs():
    x = leaf(X0)
    v = np.array([0.5, 1.0, -1.0, 2.0])
    y = x * x
    (g,) = mt.autograd.grad(y, x, grad_outputs=mt.tensor(v, dtype=mt.float64))
    np.testing.assert_allclose(npy(g), 2 * X0 * v)


def test_autograd_grad_multiple_inputs():
    x, z = leaf(X0), leaf(X0[::-1].copy())
    y = (x * z).sum()
    gx, gz = mt.autograd.grad(y, [x, z])
    np.testing.assert_allclose(npy(gx), X0[::-1])
    np.testing.assert_allclose(npy(gz), X0)


def test_autograd_grad_non_leaf_input():
    x = leaf(X0)
    h = x * 2
    y = h.exp().sum()
    (gh,) = mt.autograd.grad(y, h)
    np.testing.assert_allclose(npy(gh), np.exp(2 * X0))


def test_autograd_grad_unused_input_raises():
    x = leaf(X0)
    unused = leaf([1.0])
    y = (x * 2).sum()
    with pytest.raises(RuntimeError):
        mt.autograd.grad(y, [x, unused])


def test_autograd_grad_allow_unused_returns_none():
    x = leaf(X0)
    unused = leaf([1.0])
    y = (x * 2).sum()
    gx, gu = mt.autograd.grad(y, [x, unused], allow_unused=True)
    np.testing.assert_allclose(npy(gx), 2 * np.ones(4))
    assert gu is None


def test_autograd_grad_does_not_touch_leaf_grad():
    x = leaf(X0)
    mt.autograd.grad((x * x).sum(), x)
    assert x.grad is None
    (x * 3).sum().backward()
    before = npy(x.grad).copy()
    mt.autograd.grad((x * x).sum(), x)
    np.testing.assert_allclose(npy(x.grad), before)


def test_autograd_grad_retain_graph():
    x = leaf(X0)
    y = (x * x).sum()
    (g1,) = mt.autograd.grad(y, x, retain_graph=True)
    (g2,) = mt.autograd.grad(y, x)
    np.testing.assert_allclose(npy(g1), 2 * X0)
    np.testing.assert_allclose(npy(g2), 2 * X0)


# ---------------------------------------------------------------- custom Function


class Cube(mt.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * 3 * x * x


class WrongCube(mt.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * 2 * x  # wrong


class CubeDetachedBackward(mt.autograd.Function):
    """First derivative correct, but the backward is not differentiable (detach)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        xd = x.detach()
        return grad_output * 3 * xd * xd


class TwoOut(mt.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * 2, x * x

    @staticmethod
    def backward(ctx, g1, g2):
        (x,) = ctx.saved_tensors
        return g1 * 2 + g2 * 2 * x


def test_custom_function_forward_backward():
    x = leaf(X0)
    y = Cube.apply(x)
    assert y.requires_grad and y.grad_fn is not None
    np.testing.assert_allclose(npy(y), X0**3)
    y.sum().backward()
    np.testing.assert_allclose(npy(x.grad), 3 * X0**2)


def test_custom_function_in_larger_graph():
    x = leaf(X0)
    y = Cube.apply(x.exp()).sum()  # d/dx exp(3x) = 3 exp(3x)
    y.backward()
    np.testing.assert_allclose(npy(x.grad), 3 * np.exp(3 * X0), rtol=1e-10)


def test_custom_function_no_grad_input():
    x = mt.tensor(X0, dtype=mt.float64)
    y = Cube.apply(x)
    assert y.requires_grad is False
    np.testing.assert_allclose(npy(y), X0**3)


def test_custom_function_needs_input_grad():
    seen = {}

    class F(mt.autograd.Function):
        @staticmethod
        def forward(ctx, a, b, k):
            seen["nig"] = tuple(ctx.needs_input_grad)
            return a * b * k

        @staticmethod
        def backward(ctx, g):
            seen["nig_bwd"] = tuple(ctx.needs_input_grad)
            return g * 2.0, None, None

    a = leaf(X0)
    b = mt.tensor(X0, dtype=mt.float64)
    out = F.apply(a, b, 2.0)
    assert seen["nig"] == (True, False, False)
    out.sum().backward()
    assert seen["nig_bwd"] == (True, False, False)
    np.testing.assert_allclose(npy(a.grad), 2 * np.ones(4))


def test_custom_function_two_outputs():
    x = leaf(X0)
    a, b = TwoOut.apply(x)
    np.testing.assert_allclose(npy(a), 2 * X0)
    np.testing.assert_allclose(npy(b), X0**2)
    (a * 3 + b).sum().backward()
    np.testing.assert_allclose(npy(x.grad), 6 + 2 * X0)


def test_custom_function_two_outputs_one_unused_gets_zero_grad():
    seen = {}

    class F(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            seen["g2"] = g2
            return g1 * 2 + g2 * 3

    x = leaf(X0)
    a, _ = F.apply(x)
    a.sum().backward()
    # PyTorch materializes missing output grads as zeros by default
    assert seen["g2"] is not None
    np.testing.assert_allclose(npy(seen["g2"]), np.zeros(4))
    np.testing.assert_allclose(npy(x.grad), 2 * np.ones(4))


# ---------------------------------------------------------------- broadcasting / dtype


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div"])
def test_broadcast_binary_grad_is_summed_back(op):
    rng = np.random.default_rng(2)
    A = rng.standard_normal((3, 1))
    B = rng.uniform(0.5, 2.0, (1, 4))
    W = rng.standard_normal((3, 4))
    a, b = leaf(A), leaf(B)
    w = mt.tensor(W, dtype=mt.float64)
    f = {
        "add": lambda p, q: p + q,
        "sub": lambda p, q: p - q,
        "mul": lambda p, q: p * q,
        "div": lambda p, q: p / q,
    }[op]
    (f(a, b) * w).sum().backward()
    ga, gb = {
        "add": (W, W),
        "sub": (W, -W),
        "mul": (W * B, W * A),
        "div": (W / B, -W * A / B**2),
    }[op]
    assert tuple(a.grad.shape) == (3, 1)
    assert tuple(b.grad.shape) == (1, 4)
    np.testing.assert_allclose(npy(a.grad), ga.sum(axis=1, keepdims=True), rtol=1e-10)
    np.testing.assert_allclose(npy(b.grad), gb.sum(axis=0, keepdims=True), rtol=1e-10)


def test_broadcast_rank_expansion_grad():
    a = leaf(np.ones((2, 3)))
    b = leaf(np.arange(3.0))
    (a * b).sum().backward()
    assert tuple(b.grad.shape) == (3,)
    np.testing.assert_allclose(npy(b.grad), [2.0, 2.0, 2.0])
    np.testing.assert_allclose(npy(a.grad), np.tile(np.arange(3.0), (2, 1)))


def test_float32_input_with_float64_gets_float32_grad():
    x32 = mt.tensor([1.0, 2.0, 3.0], dtype=mt.float32, requires_grad=True)
    y64 = mt.tensor([0.5, 0.25, 2.0], dtype=mt.float64, requires_grad=True)
    out = x32 * y64
    assert out.dtype == mt.float64
    out.sum().backward()
    assert x32.grad.dtype == mt.float32
    assert y64.grad.dtype == mt.float64
    np.testing.assert_allclose(npy(x32.grad), [0.5, 0.25, 2.0])
    np.testing.assert_allclose(npy(y64.grad), [1.0, 2.0, 3.0])


def test_scalar_python_operand_keeps_float32():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    assert x.dtype == mt.float32
    y = (x * 2.5).sum()
    assert y.dtype == mt.float32
    y.backward()
    assert x.grad.dtype == mt.float32


# ---------------------------------------------------------------- gradcheck


def test_gradcheck_passes_on_correct_function():
    rng = np.random.default_rng(3)
    a = leaf(rng.standard_normal((2, 3)))
    b = leaf(rng.standard_normal((3,)))
    assert mt.autograd.gradcheck(lambda p, q: (p * q).tanh().exp(), (a, b)) is True


def test_gradcheck_passes_on_correct_custom_function():
    x = leaf(X0)
    assert mt.autograd.gradcheck(Cube.apply, (x,)) is True


def test_gradcheck_raises_on_wrong_backward():
    x = leaf(X0)
    with pytest.raises(RuntimeError):
        mt.autograd.gradcheck(WrongCube.apply, (x,))


def test_gradgradcheck_passes_on_correct_function():
    x = leaf(X0)
    assert mt.autograd.gradgradcheck(lambda t: t.tanh() * t, (x,)) is True
    assert mt.autograd.gradgradcheck(Cube.apply, (x,)) is True


def test_gradgradcheck_raises_on_non_differentiable_backward():
    x = leaf(X0)
    assert mt.autograd.gradcheck(CubeDetachedBackward.apply, (x,)) is True
    with pytest.raises(RuntimeError):
        mt.autograd.gradgradcheck(CubeDetachedBackward.apply, (x,))


def test_gradcheck_fails_a_function_that_detaches_its_only_output():
    """No output requires grad, yet it moves with the input: PyTorch's gradcheck raises, and so must ours."""
    x = leaf(X0)
    with pytest.raises(mt.autograd.GradcheckError, match="^Numerical gradient for function expected to be zero$"):
        mt.autograd.gradcheck(lambda t: t.detach() * 2, [x])
    assert mt.autograd.gradcheck(lambda t: t.detach() * 2, [x], raise_exception=False) is False


def test_gradcheck_passes_a_constant_function_without_differentiable_outputs():
    x = leaf(X0)
    assert mt.autograd.gradcheck(lambda t: (mt.ones(3, dtype=mt.float64), t > 0), [x]) is True


def test_gradcheck_needs_an_input_that_requires_grad():
    with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
        mt.autograd.gradcheck(lambda t: t * 2, [mt.tensor(X0)])
