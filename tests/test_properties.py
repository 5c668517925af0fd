"""Property-based tests: broadcasting binary ops and reductions against NumPy."""
import operator
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import minitorch as mt

SETTINGS = settings(max_examples=50, deadline=None, database=None)

ELEMENTS = st.floats(-10.0, 10.0, allow_nan=False, allow_infinity=False, allow_subnormal=False)
# divisors / exponents away from 0
NONZERO = st.one_of(
    st.floats(0.25, 10.0, allow_subnormal=False), st.floats(-10.0, -0.25, allow_subnormal=False)
)
POSITIVE = st.floats(0.25, 5.0, allow_subnormal=False)
EXPONENT = st.floats(-2.0, 2.0, allow_nan=False, allow_subnormal=False)

BCAST = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, min_side=1, max_side=4)


def npy(t):
    return t.detach().numpy()


def f64(a, requires_grad=False):
    return mt.tensor(np.asarray(a, dtype=np.float64), dtype=mt.float64, requires_grad=requires_grad)


def unbroadcast(g, shape):
    """Sum a broadcast gradient back to `shape` (independent NumPy reference)."""
    g = np.asarray(g)
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for i, n in enumerate(shape):
        if n == 1 and g.shape[i] != 1:
            g = g.sum(axis=i, keepdims=True)
    return g.reshape(shape)


# op name -> (minitorch fn, numpy fn, strategy for a, strategy for b, closed-form grads(a, b, w))
BINARY = {
    "add": (operator.add, np.add, ELEMENTS, ELEMENTS, lambda a, b, w: (w, w)),
    "sub": (operator.sub, np.subtract, ELEMENTS, ELEMENTS, lambda a, b, w: (w, -w)),
    "mul": (operator.mul, np.multiply, ELEMENTS, ELEMENTS, lambda a, b, w: (w * b, w * a)),
    "div": (operator.truediv, np.divide, ELEMENTS, NONZERO, lambda a, b, w: (w / b, -w * a / b**2)),
    "pow": (
        operator.pow,
        np.power,
        POSITIVE,
        EXPONENT,
        lambda a, b, w: (w * b * a ** (b - 1), w * a**b * np.log(a)),
    ),
}

COMPARE = {
    "eq": (operator.eq, np.equal),
    "ne": (operator.ne, np.not_equal),
    "lt": (operator.lt, np.less),
    "le": (operator.le, np.less_equal),
    "gt": (operator.gt, np.greater),
    "ge": (operator.ge, np.greater_equal),
}


@st.composite
def binary_case(draw, a_elems, b_elems):
    shapes = draw(BCAST)
    sa, sb = shapes.input_shapes
    a = draw(hnp.arrays(np.float64, sa, elements=a_elems))
    b = draw(hnp.arrays(np.float64, sb, elements=b_elems))
    w = draw(hnp.arrays(np.float64, shapes.result_shape, elements=ELEMENTS))
    return a, b, w


@pytest.mark.parametrize("name", list(BINARY))
@SETTINGS
@given(data=st.data())
def test_binary_forward_and_grad(name, data):
    mt_fn, np_fn, sa, sb, grads = BINARY[name]
    a, b, w = data.draw(binary_case(sa, sb))
    ta, tb = f64(a, True), f64(b, True)
    out = mt_fn(ta, tb)
    expected = np_fn(a, b)
    assert tuple(out.shape) == expected.shape
    assert out.dtype == mt.float64
    np.testing.assert_allclose(npy(out), expected, rtol=1e-10, atol=1e-12)

    (out * f64(w)).sum().backward()
    ga, gb = grads(a, b, w)
    ga, gb = unbroadcast(ga, a.shape), unbroadcast(gb, b.shape)
    assert tuple(ta.grad.shape) == a.shape
    assert tuple(tb.grad.shape) == b.shape
    np.testing.assert_allclose(npy(ta.grad), ga, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(npy(tb.grad), gb, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("name", list(COMPARE))
@SETTINGS
@given(data=st.data())
def test_comparison_forward(name, data):
    mt_fn, np_fn = COMPARE[name]
    # small integer-valued floats so that ties (==) are frequent
    elems = st.integers(-3, 3).map(float)
    a, b, _ = data.draw(binary_case(elems, elems))
    ta, tb = f64(a, True), f64(b)
    out = mt_fn(ta, tb)
    expected = np_fn(a, b)
    assert out.dtype == mt.bool
    assert out.requires_grad is False
    assert tuple(out.shape) == expected.shape
    np.testing.assert_array_equal(out.numpy(), expected)


# ---------------------------------------------------------------- reductions


@st.composite
def reduce_case(draw, allow_tuple, allow_none=True):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4))
    x = draw(hnp.arrays(np.float64, shape, elements=ELEMENTS))
    r = len(shape)
    kinds = ["int"] + (["tuple"] if allow_tuple else []) + (["none"] if allow_none else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "none":
        dim = None
    elif kind == "int":
        dim = draw(st.integers(-r, r - 1))
    else:
        axes = draw(st.lists(st.integers(0, r - 1), min_size=1, max_size=r, unique=True))
        dim = tuple(ax - r if draw(st.booleans()) else ax for ax in axes)
    keepdim = draw(st.booleans())
    return x, dim, keepdim


def _call_reduce(t, name, dim, keepdim):
    fn = getattr(t, name)
    if dim is None:
        return fn()
    return fn(dim=dim, keepdim=keepdim)


def _np_reduce(x, name, dim, keepdim):
    kw = {} if dim is None else {"axis": dim, "keepdims": keepdim}
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        if name == "var":
            return np.asarray(np.var(x, ddof=1, **kw))
        if name == "std":
            return np.asarray(np.std(x, ddof=1, **kw))
        return np.asarray(getattr(np, name)(x, **kw))


@pytest.mark.parametrize("name", ["sum", "mean", "var", "std"])
@SETTINGS
@given(case=reduce_case(allow_tuple=True))
def test_reduction_matches_numpy(name, case):
    x, dim, keepdim = case
    out = _call_reduce(f64(x), name, dim, keepdim)
    expected = _np_reduce(x, name, dim, keepdim)
    assert tuple(out.shape) == expected.shape
    assert out.dtype == mt.float64
    # var/std of a single element (correction=1) is nan in both
    np.testing.assert_allclose(npy(out), expected, rtol=1e-9, atol=1e-10, equal_nan=True)


@pytest.mark.parametrize("name", ["sum", "mean"])
@SETTINGS
@given(case=reduce_case(allow_tuple=True, allow_none=False), seed=st.integers(0, 2**16))
def test_reduction_grad(name, case, seed):
    x, dim, keepdim = case
    tx = f64(x, True)
    out = _call_reduce(tx, name, dim, keepdim)
    w = np.random.default_rng(seed).standard_normal(tuple(out.shape))
    (out * f64(w)).sum().backward()
    axes = tuple(d % x.ndim for d in (dim if isinstance(dim, tuple) else (dim,)))
    wk = w if keepdim else np.expand_dims(w, axes)
    expected = np.broadcast_to(wk, x.shape)
    if name == "mean":
        expected = expected / np.prod([x.shape[a] for a in axes])
    np.testing.assert_allclose(npy(tx.grad), expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["max", "min"])
@SETTINGS
@given(case=reduce_case(allow_tuple=False))
def test_max_min_matches_numpy(name, case):
    x, dim, keepdim = case
    t = f64(x)
    if dim is None:
        out = getattr(t, name)()
        expected = getattr(np, name)(x)
        assert tuple(out.shape) == ()
        np.testing.assert_array_equal(npy(out), expected)
        return
    values, indices = getattr(t, name)(dim=dim, keepdim=keepdim)
    exp_values = getattr(np, name)(x, axis=dim, keepdims=keepdim)
    exp_indices = getattr(np, "arg" + name)(x, axis=dim, keepdims=keepdim)  # first occurrence
    assert tuple(values.shape) == exp_values.shape
    assert tuple(indices.shape) == exp_indices.shape
    assert indices.dtype == mt.int64
    np.testing.assert_array_equal(npy(values), exp_values)
    np.testing.assert_array_equal(indices.numpy(), exp_indices)


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@SETTINGS
@given(case=reduce_case(allow_tuple=False))
def test_argmax_argmin_matches_numpy(name, case):
    x, dim, keepdim = case
    t = f64(x)
    np_fn = getattr(np, name)
    if dim is None:
        out = getattr(t, name)()
        expected = np.asarray(np_fn(x))  # index into the flattened tensor
    else:
        out = getattr(t, name)(dim=dim, keepdim=keepdim)
        expected = np_fn(x, axis=dim, keepdims=keepdim)
    assert out.dtype == mt.int64
    assert tuple(out.shape) == expected.shape
    np.testing.assert_array_equal(out.numpy(), expected)


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min"])
@pytest.mark.parametrize("dim", [None, 0, -1])
def test_zero_dim_reductions(name, dim):
    t = f64(np.array(2.5))
    out = getattr(t, name)() if dim is None else getattr(t, name)(dim)
    if name in ("max", "min") and dim is not None:
        values, indices = out
        assert tuple(values.shape) == () and float(values) == 2.5
        assert int(indices) == 0
    else:
        assert tuple(out.shape) == ()
        assert float(out) == 2.5
