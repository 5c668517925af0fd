"""Creation functions, dtypes, the default dtype and PyTorch's type promotion.

Expected values come from NumPy computations written here, or from literals that
follow PyTorch's documented semantics; torch itself is never imported.
"""
import numpy as np
import pytest

import minitorch as mt


def arr(t):
    """The tensor's values as a NumPy array (through detach, so grads never block)."""
    return np.asarray(t.detach().numpy())


@pytest.fixture
def restore_default_dtype():
    saved = mt.get_default_dtype()
    yield
    mt.set_default_dtype(saved)


# --------------------------------------------------------------------------- dtypes

@pytest.mark.parametrize("dtype, np_dtype", [
    (mt.float16, np.float16),
    (mt.float32, np.float32),
    (mt.float64, np.float64),
    (mt.int32, np.int32),
    (mt.int64, np.int64),
    (mt.bool, np.bool_),
])
def test_dtype_objects_map_to_numpy(dtype, np_dtype):
    t = mt.zeros(2, dtype=dtype)
    assert t.dtype == dtype
    assert arr(t).dtype == np_dtype


def test_dtypes_are_distinct():
    dtypes = [mt.float16, mt.float32, mt.float64, mt.int32, mt.int64, mt.bool]
    for i, a in enumerate(dtypes):
        for j, b in enumerate(dtypes):
            assert (a == b) == (i == j)


@pytest.mark.parametrize("dtype, text", [
    (mt.float32, "minitorch.float32"),
    (mt.float64, "minitorch.float64"),
    (mt.int64, "minitorch.int64"),
    (mt.bool, "minitorch.bool"),
])
def test_dtype_str(dtype, text):
    assert str(dtype) == text


def test_default_dtype_is_float32():
    assert mt.get_default_dtype() == mt.float32


# --------------------------------------------------------------------------- tensor()

@pytest.mark.parametrize("data, dtype, shape", [
    ([1.0, 2.0, 3.0], mt.float32, (3,)),
    ([1, 2, 3], mt.int64, (3,)),
    ([True, False], mt.bool, (2,)),
    ([[1, 2], [3, 4]], mt.int64, (2, 2)),
    ([[1.5, 2], [3, 4]], mt.float32, (2, 2)),   # one float makes the whole tensor float
    ([True, 2], mt.int64, (2,)),                 # bool + int -> int64
    (3.5, mt.float32, ()),
    (7, mt.int64, ()),
    (True, mt.bool, ()),
    ([], mt.float32, (0,)),
    ([[[1.0]], [[2.0]]], mt.float32, (2, 1, 1)),
])
def test_tensor_infers_dtype_and_shape(data, dtype, shape):
    t = mt.tensor(data)
    assert t.dtype == dtype
    assert tuple(t.shape) == shape
    np.testing.assert_array_equal(arr(t), np.array(data, dtype=arr(t).dtype))


@pytest.mark.parametrize("np_dtype, dtype", [
    (np.float64, mt.float64),
    (np.float32, mt.float32),
    (np.float16, mt.float16),
    (np.int64, mt.int64),
    (np.int32, mt.int32),
    (np.bool_, mt.bool),
])
def test_tensor_from_numpy_array_keeps_dtype(np_dtype, dtype):
    a = np.array([1, 0, 1], dtype=np_dtype)
    t = mt.tensor(a)
    assert t.dtype == dtype
    np.testing.assert_array_equal(arr(t), a)


def test_tensor_copies_numpy_data():
    a = np.array([1.0, 2.0, 3.0])
    t = mt.tensor(a)
    a[0] = 100.0
    assert arr(t)[0] == 1.0


@pytest.mark.parametrize("data, dtype, expected", [
    ([1, 2], mt.float32, np.array([1.0, 2.0], dtype=np.float32)),
    ([1.7, -1.7], mt.int64, np.array([1, -1], dtype=np.int64)),   # truncation toward zero
    ([[1, 2]], mt.float64, np.array([[1.0, 2.0]], dtype=np.float64)),
    ([0, 2], mt.bool, np.array([False, True])),
    (2.5, mt.float16, np.array(2.5, dtype=np.float16)),
])
def test_tensor_explicit_dtype(data, dtype, expected):
    t = mt.tensor(data, dtype=dtype)
    assert t.dtype == dtype
    assert arr(t).dtype == expected.dtype
    np.testing.assert_array_equal(arr(t), expected)


@pytest.mark.parametrize("device", ["cpu", None])
def test_tensor_device_argument(device):
    t = mt.tensor([1.0, 2.0], device=device)
    assert str(t.device) == "cpu"


def test_tensor_device_object():
    t = mt.tensor([1.0], device=mt.device("cpu"))
    assert str(t.device) == "cpu"


def test_tensor_requires_grad_flag():
    t = mt.tensor([1.0, 2.0], requires_grad=True)
    assert t.requires_grad is True
    assert t.is_leaf
    assert t.grad is None
    assert mt.tensor([1.0]).requires_grad is False


@pytest.mark.parametrize("data", [
    [[1, 2], [3]],
    [[1.0, 2.0], [3.0, 4.0, 5.0]],
    [[[1], [2]], [[3], [4, 5]]],
])
def test_ragged_lists_raise_value_error(data):
    with pytest.raises(ValueError):
        mt.tensor(data)


def test_tensor_result_is_tensor_instance():
    assert isinstance(mt.tensor([1.0]), mt.Tensor)
    assert isinstance(mt.zeros(2), mt.Tensor)


# --------------------------------------------------------------------------- zeros / ones / empty / full

@pytest.mark.parametrize("fn, value", [(mt.zeros, 0.0), (mt.ones, 1.0)])
@pytest.mark.parametrize("args, shape", [
    ((2, 3), (2, 3)),
    (((2, 3),), (2, 3)),
    (([2, 3],), (2, 3)),
    ((4,), (4,)),
    (((),), ()),
    ((0,), (0,)),
    ((2, 1, 3), (2, 1, 3)),
])
def test_zeros_ones_sizes(fn, value, args, shape):
    t = fn(*args)
    assert tuple(t.shape) == shape
    assert t.dtype == mt.float32
    np.testing.assert_array_equal(arr(t), np.full(shape, value, dtype=np.float32))


@pytest.mark.parametrize("fn", [mt.zeros, mt.ones, mt.empty])
@pytest.mark.parametrize("dtype", [mt.float64, mt.int32, mt.int64, mt.bool, mt.float16])
def test_zeros_ones_empty_dtype(fn, dtype):
    t = fn(2, 3, dtype=dtype)
    assert t.dtype == dtype
    assert tuple(t.shape) == (2, 3)


@pytest.mark.parametrize("fn", [mt.zeros, mt.ones, mt.empty])
def test_zeros_ones_empty_requires_grad(fn):
    t = fn((2, 2), requires_grad=True)
    assert t.requires_grad and t.is_leaf
    assert str(fn(2, device="cpu").device) == "cpu"


@pytest.mark.parametrize("args", [(2, 3), ((2, 3),), ((5,),)])
def test_empty_shape(args):
    t = mt.empty(*args)
    expected = args[0] if isinstance(args[0], tuple) else args
    assert tuple(t.shape) == tuple(expected)
    assert t.dtype == mt.float32


@pytest.mark.parametrize("size, value, dtype", [
    ((2, 3), 7, mt.int64),
    ((2, 3), 7.0, mt.float32),
    ((2,), True, mt.bool),
    ([3], -1.5, mt.float32),
])
def test_full_infers_dtype(size, value, dtype):
    t = mt.full(size, value)
    assert t.dtype == dtype
    assert tuple(t.shape) == tuple(size)
    np.testing.assert_array_equal(arr(t), np.full(size, value))


def test_full_explicit_dtype():
    t = mt.full((2, 2), 3, dtype=mt.float64)
    assert t.dtype == mt.float64
    np.testing.assert_array_equal(arr(t), np.full((2, 2), 3.0))


# --------------------------------------------------------------------------- *_like

@pytest.mark.parametrize("dtype", [mt.float32, mt.float64, mt.int64, mt.int32])
def test_zeros_ones_like(dtype):
    src = mt.tensor([[1, 2, 3], [4, 5, 6]], dtype=dtype)
    z = mt.zeros_like(src)
    o = mt.ones_like(src)
    for t, v in ((z, 0), (o, 1)):
        assert t.dtype == dtype
        assert tuple(t.shape) == (2, 3)
        np.testing.assert_array_equal(arr(t), np.full((2, 3), v))
    # the source is untouched and not shared
    np.testing.assert_array_equal(arr(src), [[1, 2, 3], [4, 5, 6]])


def test_like_dtype_override():
    src = mt.zeros(3)
    assert mt.zeros_like(src, dtype=mt.int64).dtype == mt.int64
    assert mt.ones_like(src, dtype=mt.float64).dtype == mt.float64


def test_full_like_keeps_dtype_and_casts_value():
    src = mt.tensor([1, 2])
    t = mt.full_like(src, 2.7)
    assert t.dtype == mt.int64
    np.testing.assert_array_equal(arr(t), [2, 2])
    f = mt.full_like(mt.zeros(2, 2, dtype=mt.float64), 2.5)
    assert f.dtype == mt.float64
    np.testing.assert_array_equal(arr(f), np.full((2, 2), 2.5))


@pytest.mark.parametrize("fn", [mt.rand_like, mt.randn_like])
@pytest.mark.parametrize("dtype", [mt.float32, mt.float64])
def test_rand_like(fn, dtype):
    src = mt.zeros(4, 5, dtype=dtype)
    t = fn(src)
    assert t.dtype == dtype
    assert tuple(t.shape) == (4, 5)
    assert np.unique(arr(t)).size > 1


def test_like_requires_grad():
    assert mt.zeros_like(mt.zeros(2), requires_grad=True).requires_grad
    assert not mt.zeros_like(mt.zeros(2, requires_grad=True)).requires_grad


# --------------------------------------------------------------------------- random

@pytest.mark.parametrize("args, shape", [
    ((3, 4), (3, 4)),
    (((3, 4),), (3, 4)),
    ((5,), (5,)),
])
@pytest.mark.parametrize("fn", [mt.rand, mt.randn])
def test_rand_randn_shape_dtype(fn, args, shape):
    t = fn(*args)
    assert tuple(t.shape) == shape
    assert t.dtype == mt.float32
    assert fn(2, dtype=mt.float64).dtype == mt.float64


def test_rand_range_and_spread():
    mt.manual_seed(1)
    a = arr(mt.rand(20000))
    assert a.min() >= 0.0 and a.max() < 1.0
    assert abs(a.mean() - 0.5) < 0.02
    assert abs(a.std() - np.sqrt(1 / 12)) < 0.02


def test_randn_moments():
    mt.manual_seed(2)
    a = arr(mt.randn(20000)).astype(np.float64)
    assert abs(a.mean()) < 0.05
    assert abs(a.std() - 1.0) < 0.05
    assert (a < 0).any() and (a > 0).any()


@pytest.mark.parametrize("args, low, high, shape", [
    ((0, 10, (1000,)), 0, 10, (1000,)),
    ((3, 7, (20, 50)), 3, 7, (20, 50)),
    ((-5, 5, (1000,)), -5, 5, (1000,)),
    ((4, (1000,)), 0, 4, (1000,)),      # randint(high, size)
])
def test_randint(args, low, high, shape):
    mt.manual_seed(3)
    t = mt.randint(*args)
    assert t.dtype == mt.int64
    assert tuple(t.shape) == shape
    a = arr(t)
    assert a.min() >= low and a.max() < high
    # every value in the range shows up in a large sample
    assert set(np.unique(a).tolist()) == set(range(low, high))


def test_randint_keyword_size_and_dtype():
    t = mt.randint(0, 3, size=(4,), dtype=mt.int32)
    assert t.dtype == mt.int32
    assert tuple(t.shape) == (4,)


@pytest.mark.parametrize("make", [
    lambda: mt.rand(50),
    lambda: mt.randn(50),
    lambda: mt.randint(0, 1000, (50,)),
    lambda: mt.rand_like(mt.zeros(50)),
    lambda: mt.randn_like(mt.zeros(50)),
])
def test_manual_seed_reproducible(make):
    mt.manual_seed(1234)
    a = arr(make()).copy()
    b_next = arr(make()).copy()
    mt.manual_seed(1234)
    b = arr(make())
    np.testing.assert_array_equal(a, b)
    # successive draws differ, and a different seed gives a different stream
    assert not np.array_equal(a, b_next)
    mt.manual_seed(4321)
    assert not np.array_equal(a, arr(make()))


# --------------------------------------------------------------------------- arange / linspace / eye

@pytest.mark.parametrize("args, dtype, expected", [
    ((5,), mt.int64, np.arange(5)),
    ((2, 7), mt.int64, np.arange(2, 7)),
    ((1, 10, 3), mt.int64, np.arange(1, 10, 3)),
    ((5, 0, -1), mt.int64, np.arange(5, 0, -1)),
    ((10, -3, -4), mt.int64, np.arange(10, -3, -4)),
    ((0.0, 5), mt.float32, np.arange(0.0, 5.0)),
    ((5.0,), mt.float32, np.arange(5.0)),
    ((0, 5, 0.5), mt.float32, np.arange(0, 5, 0.5)),
    ((1, 0, -0.25), mt.float32, np.array([1.0, 0.75, 0.5, 0.25])),
    ((0, 1, 0.1), mt.float32, np.arange(0, 1, 0.1)),
])
def test_arange(args, dtype, expected):
    t = mt.arange(*args)
    assert t.dtype == dtype
    assert tuple(t.shape) == expected.shape
    np.testing.assert_allclose(arr(t), expected, rtol=1e-6, atol=1e-6)


def test_arange_explicit_dtype():
    t = mt.arange(4, dtype=mt.float64)
    assert t.dtype == mt.float64
    np.testing.assert_array_equal(arr(t), [0.0, 1.0, 2.0, 3.0])


@pytest.mark.parametrize("start, end, steps", [(0, 1, 5), (-2, 2, 9), (0, 10, 3), (1, 0, 4), (3, 3, 1)])
def test_linspace(start, end, steps):
    t = mt.linspace(start, end, steps)
    assert t.dtype == mt.float32
    assert tuple(t.shape) == (steps,)
    np.testing.assert_allclose(arr(t), np.linspace(start, end, steps), rtol=1e-6, atol=1e-6)


def test_linspace_steps_keyword_and_dtype():
    t = mt.linspace(0, 10, steps=3, dtype=mt.float64)
    assert t.dtype == mt.float64
    np.testing.assert_array_equal(arr(t), [0.0, 5.0, 10.0])


@pytest.mark.parametrize("args, expected", [
    ((3,), np.eye(3)),
    ((1,), np.eye(1)),
    ((2, 3), np.eye(2, 3)),
    ((4, 2), np.eye(4, 2)),
])
def test_eye(args, expected):
    t = mt.eye(*args)
    assert t.dtype == mt.float32
    assert tuple(t.shape) == expected.shape
    np.testing.assert_array_equal(arr(t), expected)


def test_eye_dtype():
    t = mt.eye(2, dtype=mt.int64)
    assert t.dtype == mt.int64
    np.testing.assert_array_equal(arr(t), np.eye(2, dtype=np.int64))


# --------------------------------------------------------------------------- from_numpy

@pytest.mark.parametrize("np_dtype, dtype", [
    (np.float64, mt.float64), (np.float32, mt.float32), (np.int64, mt.int64),
    (np.int32, mt.int32), (np.bool_, mt.bool), (np.float16, mt.float16),
])
def test_from_numpy_dtype(np_dtype, dtype):
    a = np.ones((2, 2), dtype=np_dtype)
    assert mt.from_numpy(a).dtype == dtype


def test_from_numpy_shares_memory_numpy_to_tensor():
    a = np.arange(6, dtype=np.float64).reshape(2, 3)
    t = mt.from_numpy(a)
    assert tuple(t.shape) == (2, 3)
    a[1, 2] = 100.0
    assert t[1, 2].item() == 100.0
    assert t.tolist()[1][2] == 100.0


def test_from_numpy_shares_memory_tensor_to_numpy():
    a = np.zeros(4, dtype=np.float32)
    t = mt.from_numpy(a)
    t.add_(3.0)
    np.testing.assert_array_equal(a, [3.0, 3.0, 3.0, 3.0])
    t[1] = 7.0
    assert a[1] == 7.0
    assert np.shares_memory(t.numpy(), a)


# --------------------------------------------------------------------------- cat / stack / where

@pytest.mark.parametrize("shapes, dim", [
    ([(2, 3), (4, 3)], 0),
    ([(2, 3), (2, 5)], 1),
    ([(2, 3), (2, 1), (2, 2)], -1),
    ([(1, 2, 3), (1, 2, 3)], 2),
    ([(3,), (2,)], 0),
])
def test_cat(shapes, dim):
    rng = np.random.default_rng(0)
    parts = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    t = mt.cat([mt.tensor(p) for p in parts], dim)
    np.testing.assert_array_equal(arr(t), np.concatenate(parts, axis=dim))
    t2 = mt.cat(tuple(mt.tensor(p) for p in parts), dim=dim)
    np.testing.assert_array_equal(arr(t2), np.concatenate(parts, axis=dim))


def test_cat_default_dim_is_zero():
    t = mt.cat([mt.ones(1, 2), mt.zeros(2, 2)])
    np.testing.assert_array_equal(arr(t), [[1, 1], [0, 0], [0, 0]])


@pytest.mark.parametrize("dtypes, result", [
    ((mt.int64, mt.float32), mt.float32),
    ((mt.int32, mt.int64), mt.int64),
    ((mt.float32, mt.float64), mt.float64),
    ((mt.bool, mt.int32), mt.int32),
])
def test_cat_stack_promote(dtypes, result):
    ts = [mt.ones(2, dtype=d) for d in dtypes]
    assert mt.cat(ts).dtype == result
    assert mt.stack(ts).dtype == result


@pytest.mark.parametrize("dim, np_axis", [(0, 0), (1, 1), (2, 2), (-1, 2), (-3, 0)])
def test_stack(dim, np_axis):
    rng = np.random.default_rng(1)
    parts = [rng.standard_normal((2, 3)).astype(np.float32) for _ in range(4)]
    t = mt.stack([mt.tensor(p) for p in parts], dim)
    np.testing.assert_array_equal(arr(t), np.stack(parts, axis=np_axis))


def test_stack_default_dim():
    t = mt.stack([mt.tensor([1, 2]), mt.tensor([3, 4])])
    assert t.dtype == mt.int64
    np.testing.assert_array_equal(arr(t), [[1, 2], [3, 4]])


def test_where_tensors():
    cond = np.array([[True, False, True], [False, False, True]])
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = -np.arange(6, dtype=np.float32).reshape(2, 3)
    t = mt.where(mt.tensor(cond), mt.tensor(a), mt.tensor(b))
    assert t.dtype == mt.float32
    np.testing.assert_array_equal(arr(t), np.where(cond, a, b))


def test_where_broadcasts():
    cond = np.array([True, False, True])
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = np.array([[10.0], [20.0]], dtype=np.float32)
    t = mt.where(mt.tensor(cond), mt.tensor(a), mt.tensor(b))
    np.testing.assert_array_equal(arr(t), np.where(cond, a, b))


def test_where_condition_from_comparison():
    x = mt.tensor([-1.0, 2.0, -3.0, 4.0])
    t = mt.where(x > 0, x, mt.zeros_like(x))
    np.testing.assert_array_equal(arr(t), [0.0, 2.0, 0.0, 4.0])


@pytest.mark.parametrize("a, b, dtype, expected", [
    (mt.tensor([1, 2]), 2.5, mt.float32, [1.0, 2.5]),
    (mt.tensor([1, 2]), mt.tensor([1.5, 2.5]), mt.float32, [1.0, 2.5]),
    (mt.tensor([1, 2], dtype=mt.int32), 5, mt.int32, [1, 5]),
    (1.0, 0.0, mt.float32, [1.0, 0.0]),
    (1, 0, mt.int64, [1, 0]),
    (mt.tensor([1.0, 2.0], dtype=mt.float64), 0, mt.float64, [1.0, 0.0]),
    (mt.tensor([1.0, 2.0]), mt.tensor([5.0, 6.0], dtype=mt.float64), mt.float64, [1.0, 6.0]),
])
def test_where_promotion_and_scalars(a, b, dtype, expected):
    cond = mt.tensor([True, False])
    t = mt.where(cond, a, b)
    assert t.dtype == dtype
    np.testing.assert_array_equal(arr(t), np.array(expected))


# --------------------------------------------------------------------------- type promotion

def _t(values, dtype):
    return mt.tensor(values, dtype=dtype)


@pytest.mark.parametrize("name, make, dtype", [
    ("int64 + 2.5", lambda: _t([1, 2], mt.int64) + 2.5, mt.float32),
    ("2.5 * int64", lambda: 2.5 * _t([1, 2], mt.int64), mt.float32),
    ("float16 + 2.5", lambda: _t([1, 2], mt.float16) + 2.5, mt.float16),
    ("2.5 * float16", lambda: 2.5 * _t([1, 2], mt.float16), mt.float16),
    ("float16 * 3", lambda: _t([1, 2], mt.float16) * 3, mt.float16),
    ("1 - float16", lambda: 1 - _t([1, 2], mt.float16), mt.float16),
    ("float64 0-dim * 2", lambda: mt.tensor(1.0, dtype=mt.float64) * 2, mt.float64),
    ("0.5 / float64 0-dim", lambda: 0.5 / mt.tensor(2.0, dtype=mt.float64), mt.float64),
    ("int32 + 5", lambda: _t([1, 2], mt.int32) + 5, mt.int32),
    ("int32 1-D + int64 0-dim", lambda: _t([1, 2], mt.int32) + mt.tensor(2), mt.int32),
    ("int32 1-D + float64 0-dim", lambda: _t([1, 2], mt.int32) + mt.tensor(1.0, dtype=mt.float64), mt.float64),
    ("int64 1-D * float64 0-dim", lambda: _t([1, 2], mt.int64) * mt.tensor(2.5, dtype=mt.float64), mt.float64),
    ("float32 1-D + float64 0-dim", lambda: _t([1, 2], mt.float32) + mt.tensor(1.0, dtype=mt.float64), mt.float32),
    ("float16 1-D + float64 0-dim", lambda: _t([1, 2], mt.float16) + mt.tensor(1.0, dtype=mt.float64), mt.float16),
    ("bool + bool", lambda: _t([True], mt.bool) + _t([True], mt.bool), mt.bool),
    ("bool + 1", lambda: _t([True, False], mt.bool) + 1, mt.int64),
    ("True + int32", lambda: True + _t([1], mt.int32), mt.int32),
    ("int32 + int64", lambda: _t([1], mt.int32) + _t([1], mt.int64), mt.int64),
    ("int32 * bool", lambda: _t([1, 2], mt.int32) * _t([True, False], mt.bool), mt.int32),
    ("int / int", lambda: _t([1, 2], mt.int64) / _t([2, 2], mt.int64), mt.float32),
    ("int32 / int", lambda: _t([1, 2], mt.int32) / 2, mt.float32),
    ("int64 + float16", lambda: _t([1], mt.int64) + _t([1.0], mt.float16), mt.float16),
    ("float64 * float16", lambda: _t([1.0], mt.float64) * _t([1.0], mt.float16), mt.float64),
    ("float32 + float64", lambda: _t([1.0], mt.float32) + _t([1.0], mt.float64), mt.float64),
    ("int64 ** 2", lambda: _t([1, 2], mt.int64) ** 2, mt.int64),
    ("int64 ** 0.5", lambda: _t([1, 2], mt.int64) ** 0.5, mt.float32),
    ("2 ** int64", lambda: 2 ** _t([1, 2], mt.int64), mt.int64),
    ("int64 - 1", lambda: _t([1, 2], mt.int64) - 1, mt.int64),
    ("1.5 - int32", lambda: 1.5 - _t([1, 2], mt.int32), mt.float32),
])
def test_binary_promotion(name, make, dtype):
    assert make().dtype == dtype, name


@pytest.mark.parametrize("make, expected", [
    (lambda: _t([1, 2], mt.int64) + 2.5, [3.5, 4.5]),
    (lambda: _t([1, 3], mt.int64) / _t([2, 2], mt.int64), [0.5, 1.5]),
    (lambda: _t([True, False], mt.bool) + 1, [2, 1]),
    (lambda: _t([True, False], mt.bool) + _t([True, True], mt.bool), [True, True]),
    (lambda: _t([7, 8], mt.int32) + 5, [12, 13]),
    (lambda: 1 - _t([0.5, 2.0], mt.float16), [0.5, -1.0]),
    (lambda: 3 / _t([2.0, 4.0], mt.float32), [1.5, 0.75]),
    (lambda: _t([1, 2], mt.int32) + mt.tensor(0.5, dtype=mt.float64), [1.5, 2.5]),
])
def test_promotion_values(make, expected):
    np.testing.assert_allclose(arr(make()), np.array(expected, dtype=np.float64))


@pytest.mark.parametrize("op", ["==", "!=", "<", "<=", ">", ">="])
@pytest.mark.parametrize("a, b", [
    (mt.tensor([1, 2, 3]), 2),
    (mt.tensor([1.0, 2.0, 3.0]), mt.tensor([3.0, 2.0, 1.0])),
    (mt.tensor([1, 2, 3], dtype=mt.int32), mt.tensor([1.5, 2.0, 2.5], dtype=mt.float64)),
    (mt.tensor([1.0, 2.0, 3.0]), 2.5),
])
def test_comparisons_return_bool(op, a, b):
    result = eval(f"a {op} b")
    assert result.dtype == mt.bool
    nb = arr(b) if isinstance(b, mt.Tensor) else b
    expected = eval(f"arr(a).astype(np.float64) {op} np.asarray(nb, dtype=np.float64)")
    np.testing.assert_array_equal(arr(result), expected)
    assert not result.requires_grad


def test_comparison_of_grad_tensor_has_no_grad():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    r = x > 1.5
    assert r.dtype == mt.bool
    assert not r.requires_grad
    assert r.grad_fn is None


@pytest.mark.parametrize("values, dtype, total", [
    ([1, 2, 3], mt.int32, 6),
    ([True, True, False], mt.bool, 2),
    ([1, 2, 3], mt.int64, 6),
])
def test_sum_of_ints_and_bools_is_int64(values, dtype, total):
    s = mt.tensor(values, dtype=dtype).sum()
    assert s.dtype == mt.int64
    assert s.item() == total
    assert mt.tensor([[1, 2], [3, 4]], dtype=dtype).sum(dim=0).dtype == mt.int64


@pytest.mark.parametrize("fn, npfn", [("exp", np.exp), ("sqrt", np.sqrt), ("log", np.log)])
@pytest.mark.parametrize("dtype", [mt.int64, mt.int32])
def test_float_unary_of_int_is_float32(fn, npfn, dtype):
    x = mt.tensor([1, 4, 9], dtype=dtype)
    y = getattr(x, fn)()
    assert y.dtype == mt.float32
    np.testing.assert_allclose(arr(y), npfn(np.array([1.0, 4.0, 9.0])), rtol=1e-6)


# --------------------------------------------------------------------------- default dtype

def test_set_default_dtype_float64(restore_default_dtype):
    mt.set_default_dtype(mt.float64)
    assert mt.get_default_dtype() == mt.float64
    assert mt.tensor([1.5]).dtype == mt.float64
    assert mt.tensor(2.0).dtype == mt.float64
    assert mt.tensor([1, 2]).dtype == mt.int64           # ints are not affected
    assert mt.zeros(2).dtype == mt.float64
    assert mt.ones(2).dtype == mt.float64
    assert mt.rand(2).dtype == mt.float64
    assert mt.randn(2).dtype == mt.float64
    assert mt.arange(0.0, 3).dtype == mt.float64
    assert mt.arange(3).dtype == mt.int64
    assert mt.linspace(0, 1, 3).dtype == mt.float64
    assert mt.eye(2).dtype == mt.float64
    assert mt.full((2,), 1.5).dtype == mt.float64
    assert (mt.tensor([1, 2]) + 2.5).dtype == mt.float64
    assert (mt.tensor([1, 2]) / mt.tensor([1, 2])).dtype == mt.float64
    assert mt.tensor([1, 2]).exp().dtype == mt.float64


def test_fixture_restored_default_dtype():
    # runs after the test above in file order; the fixture must have restored float32
    assert mt.get_default_dtype() == mt.float32
    assert mt.tensor([1.5]).dtype == mt.float32


def test_set_default_dtype_float16_arithmetic(restore_default_dtype):
    mt.set_default_dtype(mt.float16)
    assert mt.tensor([1.0]).dtype == mt.float16
    assert (mt.tensor([1, 2]) + 0.5).dtype == mt.float16
