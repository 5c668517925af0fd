"""The Tensor class: attributes, conversions, views, in-place ops, repr and Python protocols.

Expected values come from NumPy computations written here or from literals that follow
PyTorch's semantics; torch itself is never imported.
"""
import math

import numpy as np
import pytest

import minitorch as mt


def arr(t):
    return np.asarray(t.detach().numpy())


def base23():
    return mt.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]])


# --------------------------------------------------------------------------- attributes

@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 1, 4), (0, 2)])
def test_shape_ndim_numel(shape):
    t = mt.zeros(shape)
    assert t.shape == shape
    assert isinstance(t.shape, tuple)
    assert t.size() == shape
    assert t.ndim == len(shape)
    assert t.dim() == len(shape)
    assert t.numel() == int(np.prod(shape))


@pytest.mark.parametrize("dim, expected", [(0, 2), (1, 3), (2, 4), (-1, 4), (-3, 2)])
def test_size_dim(dim, expected):
    assert mt.zeros(2, 3, 4).size(dim) == expected
    assert mt.zeros(2, 3, 4).size(dim=dim) == expected


def test_shape_indexable():
    t = mt.zeros(2, 3)
    assert t.shape[0] == 2 and t.shape[-1] == 3
    assert len(t.shape) == 2


@pytest.mark.parametrize("dtype", [mt.float32, mt.float64, mt.int64, mt.bool])
def test_dtype_attribute(dtype):
    assert mt.zeros(2, dtype=dtype).dtype == dtype


def test_device_attribute():
    t = mt.zeros(2)
    assert str(t.device) == "cpu"
    assert t.device.type == "cpu"


def test_T_transposes_2d():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    t = mt.tensor(a)
    assert t.T.shape == (3, 2)
    np.testing.assert_array_equal(arr(t.T), a.T)


def test_data_shares_storage_and_has_no_grad():
    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    d = x.data
    assert d.requires_grad is False
    assert d.is_leaf
    d.mul_(10.0)                      # allowed: .data is outside autograd
    np.testing.assert_array_equal(arr(x), [10.0, 20.0, 30.0])
    assert x.requires_grad


@pytest.mark.filterwarnings("ignore::UserWarning")  # PyTorch warns on reading a non-leaf .grad
def test_grad_requires_grad_is_leaf_grad_fn():
    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = mt.tensor([4.0, 5.0, 6.0])
    assert x.grad is None and x.grad_fn is None and x.is_leaf and x.requires_grad
    assert w.grad is None and w.grad_fn is None and w.is_leaf and not w.requires_grad
    y = x * w
    assert y.requires_grad and not y.is_leaf and y.grad_fn is not None
    z = w * 2
    assert not z.requires_grad and z.is_leaf and z.grad_fn is None
    y.sum().backward()
    np.testing.assert_array_equal(arr(x.grad), [4.0, 5.0, 6.0])
    assert x.grad.shape == x.shape
    assert w.grad is None
    assert y.grad is None             # non-leaf grads are not kept by default


# --------------------------------------------------------------------------- item / tolist / numpy

@pytest.mark.parametrize("data, dtype, value, pytype", [
    (3.5, None, 3.5, float),
    ([2.25], None, 2.25, float),
    ([[7]], None, 7, int),
    (True, None, True, bool),
    (1.5, mt.float64, 1.5, float),
    (4, mt.int32, 4, int),
])
def test_item(data, dtype, value, pytype):
    v = mt.tensor(data, dtype=dtype).item()
    assert type(v) is pytype
    assert v == value


@pytest.mark.parametrize("data", [
    [[1, 2], [3, 4]],
    [1.5, -2.0],
    [[True, False]],
    [],
])
def test_tolist_roundtrip(data):
    out = mt.tensor(data).tolist()
    assert out == data
    flat = np.array(data).ravel().tolist()
    flat_out = np.array(out).ravel().tolist()
    assert [type(v) for v in flat_out] == [type(v) for v in flat]


def test_tolist_scalar_is_python_number():
    assert mt.tensor(2.0).tolist() == 2.0
    assert type(mt.tensor(2.0).tolist()) is float
    assert type(mt.tensor(2).tolist()) is int


@pytest.mark.parametrize("dtype, np_dtype", [
    (mt.float32, np.float32), (mt.float64, np.float64), (mt.int64, np.int64),
    (mt.int32, np.int32), (mt.bool, np.bool_), (mt.float16, np.float16),
])
def test_numpy_dtype(dtype, np_dtype):
    a = mt.ones(2, 2, dtype=dtype).numpy()
    assert isinstance(a, np.ndarray)
    assert a.dtype == np_dtype


def test_numpy_shares_memory():
    t = mt.zeros(3)
    a = t.numpy()
    a[1] = 5.0
    assert t[1].item() == 5.0
    t.add_(1.0)
    np.testing.assert_array_equal(a, [1.0, 6.0, 1.0])


def test_numpy_refuses_requires_grad():
    t = mt.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError) as info:
        t.numpy()
    assert "detach" in str(info.value)
    np.testing.assert_array_equal(t.detach().numpy(), [1.0, 1.0, 1.0])


# --------------------------------------------------------------------------- detach / clone / contiguous

def test_detach_shares_storage():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    d = x.detach()
    assert not d.requires_grad and d.is_leaf and d.grad_fn is None
    d.add_(1.0)
    np.testing.assert_array_equal(arr(x), [2.0, 3.0])
    with mt.no_grad():
        x.mul_(2.0)
    np.testing.assert_array_equal(arr(d), [4.0, 6.0])


def test_clone_copies_and_is_differentiable():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    c = x.clone()
    assert c.requires_grad and not c.is_leaf and c.grad_fn is not None
    with mt.no_grad():
        c.add_(5.0)
    np.testing.assert_array_equal(arr(x), [1.0, 2.0])
    (c * 3).sum().backward()
    np.testing.assert_array_equal(arr(x.grad), [3.0, 3.0])


def test_clone_plain():
    x = mt.tensor([[1, 2], [3, 4]])
    c = x.clone()
    assert c.dtype == mt.int64 and c.shape == (2, 2)
    c.fill_(0)
    np.testing.assert_array_equal(arr(x), [[1, 2], [3, 4]])


def test_contiguous():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    t = mt.tensor(a).transpose(0, 1).contiguous()
    np.testing.assert_array_equal(arr(t), a.T)
    assert t.view(6).shape == (6,)          # a contiguous copy can be viewed flat
    np.testing.assert_array_equal(arr(t.view(6)), a.T.ravel())
    c = mt.tensor(a)
    assert c.contiguous() is c


# --------------------------------------------------------------------------- conversions

@pytest.mark.parametrize("method, dtype, expected", [
    ("float", mt.float32, [1.5, -1.7, 0.0]),
    ("double", mt.float64, [1.5, -1.7, 0.0]),
    ("long", mt.int64, [1, -1, 0]),
    ("int", mt.int32, [1, -1, 0]),
    ("bool", mt.bool, [True, True, False]),
])
def test_conversion_methods(method, dtype, expected):
    src = mt.tensor([1.5, -1.7, 0.0], dtype=mt.float64)
    out = getattr(src, method)()
    assert out.dtype == dtype
    np.testing.assert_allclose(arr(out).astype(np.float64), np.array(expected, dtype=np.float64), rtol=1e-6)


@pytest.mark.parametrize("dtype", [mt.float16, mt.float64, mt.int32, mt.int64, mt.bool])
def test_to_dtype(dtype):
    src = mt.tensor([0.0, 1.0, 2.0])
    out = src.to(dtype)
    assert out.dtype == dtype
    np.testing.assert_array_equal(arr(out), np.array([0.0, 1.0, 2.0]).astype(arr(out).dtype))
    assert src.dtype == mt.float32


def test_to_same_dtype_and_cpu_return_self():
    t = mt.tensor([1.0, 2.0])
    assert t.to(mt.float32) is t
    assert t.to("cpu") is t
    assert t.to(mt.device("cpu")) is t
    assert t.cpu() is t
    assert t.float() is t


def test_to_cpu_keeps_values():
    t = mt.tensor([1.0, 2.0])
    out = t.to("cpu")
    assert str(out.device) == "cpu"
    np.testing.assert_array_equal(arr(out), [1.0, 2.0])


def test_to_dtype_is_differentiable():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = x.double()
    assert y.dtype == mt.float64 and y.requires_grad
    (y * y).sum().backward()
    assert x.grad.dtype == mt.float32
    np.testing.assert_allclose(arr(x.grad), [2.0, 4.0])


# --------------------------------------------------------------------------- grad helpers

def test_requires_grad_():
    t = mt.zeros(3)
    assert t.requires_grad_() is t
    assert t.requires_grad
    t.requires_grad_(False)
    assert not t.requires_grad


def test_retain_grad():
    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    (y * y).sum().backward()
    np.testing.assert_allclose(arr(y.grad), 2 * np.array([2.0, 4.0, 6.0]))
    np.testing.assert_allclose(arr(x.grad), 8 * np.array([1.0, 2.0, 3.0]))


def test_zero_():
    t = mt.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert t.zero_() is t
    np.testing.assert_array_equal(arr(t), np.zeros((2, 2)))


@pytest.mark.parametrize("dtype, value, expected", [
    (mt.float32, 2.5, 2.5),
    (mt.int64, 7, 7),
    (mt.float64, -1, -1.0),
])
def test_fill_(dtype, value, expected):
    t = mt.zeros(2, 3, dtype=dtype)
    assert t.fill_(value) is t
    assert t.dtype == dtype
    np.testing.assert_array_equal(arr(t), np.full((2, 3), expected))


def test_fill_with_0dim_tensor():
    t = mt.zeros(3)
    t.fill_(mt.tensor(4.0))
    np.testing.assert_array_equal(arr(t), [4.0, 4.0, 4.0])


def test_grad_accumulates_and_zero_():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_array_equal(arr(x.grad), [6.0, 6.0])
    x.grad.zero_()
    np.testing.assert_array_equal(arr(x.grad), [0.0, 0.0])


# --------------------------------------------------------------------------- views share storage

VIEWS = [
    ("view", lambda t: t.view(3, 2), lambda a: a.reshape(3, 2)),
    ("view tuple", lambda t: t.view((6,)), lambda a: a.reshape(6)),
    ("view -1", lambda t: t.view(-1), lambda a: a.reshape(-1)),
    ("reshape", lambda t: t.reshape(3, 2), lambda a: a.reshape(3, 2)),
    ("reshape tuple", lambda t: t.reshape((1, 6)), lambda a: a.reshape(1, 6)),
    ("row", lambda t: t[0], lambda a: a[0]),
    ("column", lambda t: t[:, 1], lambda a: a[:, 1]),
    ("step slice", lambda t: t[:, ::2], lambda a: a[:, ::2]),
    ("negative index", lambda t: t[-1, 1:], lambda a: a[-1, 1:]),
    ("None/Ellipsis", lambda t: t[None, ..., 0], lambda a: a[None, ..., 0]),
    ("transpose", lambda t: t.transpose(0, 1), lambda a: a.T),
    ("T", lambda t: t.T, lambda a: a.T),
    ("detach", lambda t: t.detach(), lambda a: a),
    ("unsqueeze", lambda t: t.unsqueeze(0), lambda a: a[None]),
    ("permute", lambda t: t.permute(1, 0), lambda a: a.T),
]


@pytest.mark.parametrize("name, make_view, np_view", VIEWS, ids=[v[0] for v in VIEWS])
def test_view_writes_reach_base(name, make_view, np_view):
    t = base23()
    v = make_view(t)
    expected_base = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(arr(v), np_view(expected_base))
    v.mul_(10.0)
    np_view(expected_base)[...] *= 10.0
    np.testing.assert_array_equal(arr(t), expected_base)


@pytest.mark.parametrize("name, make_view, np_view", VIEWS, ids=[v[0] for v in VIEWS])
def test_base_writes_reach_view(name, make_view, np_view):
    t = base23()
    v = make_view(t)
    t.add_(100.0)
    np.testing.assert_array_equal(
        arr(v), np_view(np.arange(6, dtype=np.float32).reshape(2, 3) + 100.0))


def test_setitem_through_slice():
    t = base23()
    t[0, 1] = -1.0
    t[1] = mt.tensor([7.0, 8.0, 9.0])
    t[:, 2] = 0.0
    np.testing.assert_array_equal(arr(t), [[0.0, -1.0, 0.0], [7.0, 8.0, 0.0]])


# --------------------------------------------------------------------------- in-place arithmetic

INPLACE = [
    ("add_", lambda t, o: t.add_(o), np.add),
    ("sub_", lambda t, o: t.sub_(o), np.subtract),
    ("mul_", lambda t, o: t.mul_(o), np.multiply),
    ("div_", lambda t, o: t.div_(o), np.divide),
]


@pytest.mark.parametrize("name, op, npop", INPLACE, ids=[i[0] for i in INPLACE])
@pytest.mark.parametrize("other", [2.0, "tensor", "row"])
def test_inplace_methods(name, op, npop, other):
    a = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=np.float32)
    if other == "tensor":
        o_np = np.array([[2.0, 4.0, 8.0], [0.5, 1.0, 2.0]], dtype=np.float32)
        o = mt.tensor(o_np)
    elif other == "row":                       # broadcast on the right
        o_np = np.array([2.0, 4.0, 8.0], dtype=np.float32)
        o = mt.tensor(o_np)
    else:
        o_np = o = other
    t = mt.tensor(a)
    result = op(t, o)
    assert result is t
    assert t.dtype == mt.float32
    np.testing.assert_allclose(arr(t), npop(a, o_np), rtol=1e-6)


AUGMENTED = [
    ("+=", np.add),
    ("-=", np.subtract),
    ("*=", np.multiply),
    ("/=", np.divide),
]


@pytest.mark.parametrize("op, npop", AUGMENTED, ids=[a[0] for a in AUGMENTED])
def test_augmented_assignment_is_in_place(op, npop):
    a = np.array([1.0, 2.0, 4.0], dtype=np.float32)
    t = mt.tensor(a)
    alias = t.view(3)
    ident = id(t)
    ns = {"t": t}
    exec(f"t {op} 2.0", ns)
    assert id(ns["t"]) == ident
    np.testing.assert_allclose(arr(t), npop(a, 2.0))
    np.testing.assert_allclose(arr(alias), npop(a, 2.0))


@pytest.mark.parametrize("op, npop", AUGMENTED, ids=[a[0] for a in AUGMENTED])
def test_augmented_assignment_through_view(op, npop):
    t = base23()
    ns = {"v": t[1]}
    exec(f"v {op} 4.0", ns)
    expected = np.arange(6, dtype=np.float64).reshape(2, 3)
    expected[1] = npop(expected[1], 4.0)
    np.testing.assert_allclose(arr(t), expected)


def test_inplace_int_tensor_stays_int():
    t = mt.tensor([1, 2, 3])
    t += 1
    t *= 2
    assert t.dtype == mt.int64
    np.testing.assert_array_equal(arr(t), [4, 6, 8])


@pytest.mark.parametrize("op", [
    lambda t: t.add_(1.5),
    lambda t: t.div_(2),
    lambda t: t.mul_(mt.tensor([1.5, 1.5, 1.5])),
])
def test_inplace_cannot_upcast_int_result(op):
    # PyTorch: "result type Float can't be cast to the desired output type Long"
    t = mt.tensor([1, 2, 3])
    with pytest.raises(RuntimeError):
        op(t)


def test_inplace_float32_with_float64_other_keeps_float32():
    t = mt.tensor([1.0, 2.0])
    t.add_(mt.tensor([0.5, 0.5], dtype=mt.float64))
    assert t.dtype == mt.float32
    np.testing.assert_array_equal(arr(t), [1.5, 2.5])


@pytest.mark.parametrize("op", [
    lambda x: x.add_(1.0),
    lambda x: x.mul_(2.0),
    lambda x: x.zero_(),
    lambda x: x.fill_(3.0),
    lambda x: x.__iadd__(1.0),
    lambda x: x.__imul__(2.0),
])
def test_inplace_on_leaf_requiring_grad_raises(op):
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError) as info:
        op(x)
    assert "leaf" in str(info.value)
    np.testing.assert_array_equal(arr(x), [1.0, 2.0])


def test_inplace_on_leaf_allowed_under_no_grad():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    with mt.no_grad():
        x.add_(1.0)
        x *= 3.0
    assert x.requires_grad and x.is_leaf and x.grad_fn is None
    np.testing.assert_array_equal(arr(x), [6.0, 9.0])
    (x * x).sum().backward()
    np.testing.assert_array_equal(arr(x.grad), [12.0, 18.0])


@pytest.mark.parametrize("build", [
    ("sigmoid mul_", lambda x: x.sigmoid(), lambda y: y.mul_(2)),
    ("exp add_", lambda x: x.exp(), lambda y: y.add_(1)),
    ("tanh +=", lambda x: x.tanh(), lambda y: y.__iadd__(1)),
])
def test_inplace_on_saved_tensor_raises_at_backward(build):
    _, forward, modify = build
    x = mt.tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = forward(x)
    modify(y)
    with pytest.raises(RuntimeError) as info:
        y.sum().backward()
    assert "modified by an inplace operation" in str(info.value)


def test_inplace_on_saved_input_raises():
    x = mt.tensor([0.5, -1.0, 2.0], requires_grad=True)
    a = x * 1
    z = a * a                   # saves a
    a.add_(1)
    with pytest.raises(RuntimeError) as info:
        z.sum().backward()
    assert "modified by an inplace operation" in str(info.value)


@pytest.mark.parametrize("forward, modify, grad", [
    (lambda x: x * 2, lambda y: y.add_(1), [2.0, 2.0, 2.0]),
    (lambda x: x + 1, lambda y: y.mul_(3), [3.0, 3.0, 3.0]),
    (lambda x: x - 1, lambda y: y.__isub__(5), [1.0, 1.0, 1.0]),
])
def test_inplace_on_unsaved_tensor_backpropagates(forward, modify, grad):
    x = mt.tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = forward(x)
    modify(y)
    y.sum().backward()
    np.testing.assert_allclose(arr(x.grad), grad)


# --------------------------------------------------------------------------- repr

@pytest.mark.parametrize("make, text", [
    (lambda: mt.tensor([1.0, 2.0, 3.0]), "tensor([1., 2., 3.])"),
    (lambda: mt.tensor([[0.1, 0.2], [0.3, 0.4]]), "tensor([[0.1000, 0.2000],\n        [0.3000, 0.4000]])"),
    (lambda: mt.tensor(3.0), "tensor(3.)"),
    (lambda: mt.tensor([1, 2, 3]), "tensor([1, 2, 3])"),
    (lambda: mt.tensor(5), "tensor(5)"),
    (lambda: mt.tensor([[1, 2], [3, 4]]), "tensor([[1, 2],\n        [3, 4]])"),
    (lambda: mt.tensor([1.5, 2.25]), "tensor([1.5000, 2.2500])"),
    (lambda: mt.tensor([-1.0, 2.0]), "tensor([-1.,  2.])"),
    (lambda: mt.tensor([True, False]), "tensor([ True, False])"),
    (lambda: mt.tensor([1.0, 2.0], dtype=mt.float64), "tensor([1., 2.], dtype=minitorch.float64)"),
    (lambda: mt.tensor([1, 2], dtype=mt.int32), "tensor([1, 2], dtype=minitorch.int32)"),
    (lambda: mt.tensor([1.0, 2.0], requires_grad=True), "tensor([1., 2.], requires_grad=True)"),
    (lambda: mt.tensor([1.0, 2.0], dtype=mt.float64, requires_grad=True),
     "tensor([1., 2.], dtype=minitorch.float64, requires_grad=True)"),
])
def test_repr_exact(make, text):
    assert repr(make()) == text


def test_repr_grad_fn_suffix():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    text = repr(x * 2)
    assert text.startswith("tensor([2., 4.], grad_fn=<")
    assert "Backward" in text
    assert text.endswith(">)")


def test_str_matches_repr():
    t = mt.tensor([1.0, 2.0])
    assert str(t) == repr(t)


# --------------------------------------------------------------------------- Python protocols

@pytest.mark.parametrize("data, expected", [
    (0.0, False), (2.0, True), ([0], False), ([3], True), ([[True]], True), (False, False),
])
def test_bool(data, expected):
    assert bool(mt.tensor(data)) is expected


@pytest.mark.parametrize("shape, n", [((4,), 4), ((2, 5), 2), ((0, 3), 0), ((3, 1, 1), 3)])
def test_len(shape, n):
    assert len(mt.zeros(shape)) == n


def test_iteration_over_first_dim():
    a = np.arange(6, dtype=np.float32).reshape(3, 2)
    rows = list(mt.tensor(a))
    assert len(rows) == 3
    for row, expected in zip(rows, a):
        assert isinstance(row, mt.Tensor)
        assert row.shape == (2,)
        np.testing.assert_array_equal(arr(row), expected)
    items = [v.item() for v in mt.tensor([4, 5, 6])]
    assert items == [4, 5, 6]


def test_iteration_rows_are_views():
    t = base23()
    for row in t:
        row.mul_(2.0)
    np.testing.assert_array_equal(arr(t), 2 * np.arange(6).reshape(2, 3))


def test_hash_by_identity():
    a = mt.tensor([1.0, 2.0])
    b = mt.tensor([1.0, 2.0])
    d = {a: "a", b: "b"}
    assert len(d) == 2
    assert d[a] == "a" and d[b] == "b"
    assert hash(a) == hash(a)
    s = {a, b, a}
    assert len(s) == 2
    assert a in s


def test_isinstance_and_equality_is_elementwise():
    a = mt.tensor([1.0, 2.0])
    assert isinstance(a, mt.Tensor)
    eq = a == mt.tensor([1.0, 3.0])
    assert isinstance(eq, mt.Tensor)
    np.testing.assert_array_equal(arr(eq), [True, False])


def test_deepcopy_copies_storage_grad_and_parameter_type() -> None:
    import copy

    from minitorch.nn import Parameter

    weight = Parameter(mt.tensor([1.0, 2.0]))
    weight.grad = mt.tensor([0.5, 0.5])
    copied = copy.deepcopy(weight)
    assert isinstance(copied, Parameter) and copied.requires_grad
    copied.data.add_(1)
    assert weight.tolist() == [1.0, 2.0] and copied.tolist() == [2.0, 3.0]
    assert copied.grad.tolist() == [0.5, 0.5] and copied.grad is not weight.grad
    with pytest.raises(RuntimeError, match="graph leaves"):
        copy.deepcopy(weight * 2)


@pytest.mark.parametrize("dim, keepdim, expected_any, expected_all", [
    (None, False, True, False),
    (1, False, [True, False], [False, False]),
    (0, True, [[True, False, True]], [[False, False, False]]),
])
def test_any_and_all(dim, keepdim, expected_any, expected_all) -> None:
    values = mt.tensor([[1, 0, 2], [0, 0, 0]])
    assert values.any(dim, keepdim=keepdim).tolist() == expected_any
    assert values.all(dim, keepdim=keepdim).tolist() == expected_all
    assert values.any().dtype is mt.bool


def test_floor_division_and_remainder_follow_python_and_pytorch() -> None:
    a, b = mt.tensor([-3, 7, 8]), mt.tensor([2, -2, 3])
    assert (a // b).tolist() == [-2, -4, 2] and (a % b).tolist() == [1, -1, 2]
    assert (a // b).dtype is mt.int64
    assert (mt.tensor([5]) // 2.0).tolist() == [2.0] and (mt.tensor([5]) // 2.0).dtype is mt.float32
    assert (7 // mt.tensor([2])).tolist() == [3] and (7 % mt.tensor([4])).tolist() == [3]
    x = mt.tensor([3.5, -3.5], requires_grad=True)
    assert not (x // 2).requires_grad
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        mt.tensor([1]) // mt.tensor([0])
    assert math.isinf((mt.tensor([1.0]) // 0).item())
