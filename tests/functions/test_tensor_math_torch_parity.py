"""The tensor math of issue 12 against PyTorch itself (skipped without it; failed under CI=true): values,
gradients (zeros in products, norms at 0, piecewise-constant ops), NumPy-style argument names, dtypes and
the exception types of bad input. Each case is one function called the same way on both libraries."""
import math

import numpy as np
import pytest

import minitorch as mt

from ..conftest import import_torch

torch = import_torch()

RNG = np.random.default_rng(12)
X = RNG.standard_normal((3, 4))
X_ZEROS = X.copy()
X_ZEROS.reshape(-1)[[1, 4, 5]] = 0  # one zero in the first row, two in the second
X_BIG = X * 400  # exp overflows unless logsumexp takes the largest element out first


def run(library, function, *arrays):
    """function(library, *tensors) with float64 leaves that require grad: the output and the leaves' gradients
    for a fixed weighting of the output."""
    leaves = [library.tensor(array, dtype=library.float64, requires_grad=True) for array in arrays]
    output = function(library, *leaves)
    weights = np.random.default_rng(3).standard_normal(tuple(output.shape))
    (output * library.tensor(weights, dtype=library.float64)).sum().backward()
    grads = [np.zeros(array.shape) if leaf.grad is None else leaf.grad.numpy() for leaf, array in zip(leaves, arrays)]
    return output.detach().numpy(), grads


CASES = {
    "log10": (lambda t, a: t.log10(a.abs()), X), "log2": (lambda t, a: a.abs().log2(), X),
    "exp2": (lambda t, a: t.exp2(a), X), "sinh": (lambda t, a: t.sinh(a), X), "cosh": (lambda t, a: a.cosh(), X),
    "tan": (lambda t, a: t.tan(a), X), "asin": (lambda t, a: t.asin(a * 0.3), X),
    "arccos": (lambda t, a: t.arccos(a * 0.3), X), "arctan": (lambda t, a: a.arctan(), X),
    "atan2": (lambda t, a, b: t.atan2(a, b), X, X[0]), "reciprocal": (lambda t, a: a.reciprocal(), X),
    "rsqrt": (lambda t, a: t.rsqrt(a.abs()), X), "square": (lambda t, a: t.square(a), X),
    "sign": (lambda t, a: t.sign(a) * a, X), "floor": (lambda t, a: t.floor(a * 3) + a.ceil(), X),
    "round": (lambda t, a: t.round(a * 3) + t.round(a * 3, decimals=1) + a.trunc() + a.fix(), X),
    "frac": (lambda t, a: t.frac(a * 3), X),
    "mm": (lambda t, a, b: t.mm(a, b), X, X.T), "bmm": (lambda t, a, b: a.bmm(b), X[None], X.T[None]),
    "mv": (lambda t, a, b: t.mv(a, b), X, X[0]), "dot": (lambda t, a, b: a.dot(b), X[0], X[1]),
    "outer": (lambda t, a, b: t.outer(a, b), X[0], X[1]),
    "addmm": (lambda t, c, a, b: t.addmm(c, a, b, beta=0.5, alpha=2), X[0, :3], X, X.T),
    "logsumexp": (lambda t, a: t.logsumexp(a, 1) + a.logsumexp(dim=0, keepdim=True).sum(), X_BIG),
    "prod": (lambda t, a: t.prod(a, 1) + a.prod() + a[2].prod(), X_ZEROS),
    "prod_of_a_zero_row": (lambda t, a: a[1].prod(), X_ZEROS), "prod_keepdim": (lambda t, a: a.prod(0, True), X),
    "cumsum": (lambda t, a: t.cumsum(a, 1) + a.cumsum(dim=0), X),
    "cumprod": (lambda t, a: t.cumprod(a, 1) + a.cumprod(0), X_ZEROS),
    "norm": (lambda t, a: t.norm(a) + a.norm(1) + a.norm(3) + a.norm(0.5) + a.norm(math.inf) + a.norm(-math.inf)
             + a.norm(0), X),
    "norm_dims": (lambda t, a: a.norm(2, dim=1).sum() + t.norm(a, "fro", dim=(0, 1), keepdim=True)
                  + a.norm(1, dim=(0,)).sum() + a.norm(3, dim=1, keepdim=True).sum(), X),
    "norm_at_zero": (lambda t, a: t.norm(a * 0) + (a * 0).norm(1) + (a * 0).norm(3) + (a * 0).norm(0.5)
                     + (a * 0).norm(math.inf, dim=1).sum(), X),
    "inf_norm_ties": (lambda t, a: t.norm(t.cat([a, a]), math.inf), X),
    "axis_keepdims": (lambda t, a: a.sum(axis=1, keepdims=True).sum() + t.mean(a, axis=0).sum() + a.var(axis=1).sum()
                      + a.std(axis=0, keepdims=True).sum() + a.prod(axis=1).sum() + a.logsumexp(axis=1).sum()
                      + a.max(axis=1).values.sum() + t.min(a, axis=0, keepdims=True)[0].sum()
                      + a.cumsum(axis=1).sum() + a.cumprod(axis=0).sum(), X),
    "in_place": (lambda t, a: (a * 1).exp_() + (a * 1).clamp_(-0.5, 0.5) + (a * 1).clip_(max=0.1) + (a * 1).abs_()
                 + (a * 1).abs_().sqrt_() + (a * 1).tan_() + (a * 1).round_(decimals=1) + (a * 1).sign_()
                 + (a * 1).cumsum_(1) + (a * 1).cumprod_(0) + (a * 1).addmm_(a * 1, a * 1, beta=2), X[:3, :3]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_values_and_gradients_match_pytorch(name):
    function, *arrays = CASES[name]
    ours, our_grads = run(mt, function, *arrays)
    theirs, their_grads = run(torch, function, *arrays)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    for our_grad, their_grad in zip(our_grads, their_grads):
        np.testing.assert_allclose(our_grad, their_grad, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["sign", "floor", "ceil", "round", "trunc"])
def test_piecewise_constant_ops_require_grad_with_a_zero_gradient(name):
    for library in (mt, torch):
        x = library.tensor([0.0, 1.5, -2.5], requires_grad=True)
        y = getattr(library, name)(x)
        assert y.requires_grad
        assert y.grad_fn.name() == f"{name.capitalize()}Backward0"  # printed in the tensor's repr
        y.sum().backward()
        assert x.grad.tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("name, values", [("sign", [1, -2, 0]), ("floor", [1, 2]), ("tan", [1]), ("square", [3]),
                                          ("reciprocal", [2]), ("prod", [2, 3]), ("logsumexp", [2, 3]),
                                          ("cumsum", [True, False]), ("cumprod", [2, 3]), ("round", [2, 5])])
def test_integer_inputs_give_pytorchs_dtypes(name, values):
    arguments = (0,) if name in ("logsumexp", "cumsum", "cumprod") else ()
    ours = getattr(mt, name)(mt.tensor(values), *arguments)
    theirs = getattr(torch, name)(torch.tensor(values), *arguments)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert ours.tolist() == pytest.approx(theirs.tolist())


def test_logsumexp_of_infinities_and_addmm_with_beta_zero_ignores_nan():
    for values in ([-math.inf, -math.inf], [math.inf, 1.0], [1.0, 2.0]):
        assert mt.logsumexp(mt.tensor(values), 0).item() == torch.logsumexp(torch.tensor(values), 0).item()
    for library in (mt, torch):
        c = library.tensor([[math.nan, math.inf], [1.0, 2.0]], requires_grad=True)
        result = library.addmm(c, library.ones(2, 3), library.ones(3, 2), beta=0)
        result.sum().backward()
        assert result.tolist() == [[3.0, 3.0], [3.0, 3.0]] and c.grad.tolist() == [[0.0, 0.0], [0.0, 0.0]]


BAD_CALLS = {
    "mm_vector": lambda t: t.mm(t.ones(3), t.ones(3, 2)),
    "mm_shapes": lambda t: t.mm(t.ones(3, 4), t.ones(3, 2)),
    "mm_dtypes": lambda t: t.mm(t.ones(3, 4), t.ones(4, 2, dtype=t.float64)),
    "bmm_2d": lambda t: t.bmm(t.ones(3, 4), t.ones(3, 4, 2)),
    "bmm_batch": lambda t: t.bmm(t.ones(2, 3, 4), t.ones(3, 4, 2)),
    "mv_vector": lambda t: t.mv(t.ones(3), t.ones(3)),
    "mv_sizes": lambda t: t.mv(t.ones(3, 4), t.ones(3)),
    "dot_sizes": lambda t: t.dot(t.ones(3), t.ones(4)),
    "dot_2d": lambda t: t.dot(t.ones(3, 1), t.ones(3)),
    "dot_dtypes": lambda t: t.dot(t.ones(3), t.ones(3, dtype=t.float64)),
    "outer_2d": lambda t: t.outer(t.ones(3, 1), t.ones(3)),
    "addmm_input": lambda t: t.addmm(t.ones(3), t.ones(3, 4), t.ones(4, 2)),
    "logsumexp_no_dim": lambda t: t.logsumexp(t.ones(3)),
    "norm_integers": lambda t: t.norm(t.tensor([1, 2])),
    "norm_axis": lambda t: t.norm(t.ones(3), axis=0),
    "cumsum_keepdims": lambda t: t.cumsum(t.ones(3), 0, keepdims=True),
    "sum_dim_and_axis": lambda t: t.ones(3).sum(dim=0, axis=0),
    "round_float_decimals": lambda t: t.round(t.ones(3), decimals=1.5),
    "prod_dim_out_of_range": lambda t: t.prod(t.ones(3), 1),
}


@pytest.mark.parametrize("name", list(BAD_CALLS))
def test_bad_calls_raise_pytorchs_exception_types(name):
    with pytest.raises(Exception) as theirs:
        BAD_CALLS[name](torch)
    with pytest.raises(theirs.type):
        BAD_CALLS[name](mt)
