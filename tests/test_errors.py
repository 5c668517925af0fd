"""Errors: PyTorch's exception types, messages that name the offending values,
and never a bare NumPy error leaking through.

torch is never imported; the expected types and message fragments are PyTorch's.
"""
import re

import numpy as np
import pytest

import minitorch as mt

NUMPY_LEAKS = ("operands could not be broadcast", "axis")


def _backward_nonscalar():
    x = mt.ones(3, requires_grad=True)
    (x * 2).backward()


def _backward_twice():
    x = mt.ones(3, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    y.backward()


def _int_requires_grad_():
    mt.tensor([1, 2]).requires_grad_()


# (id, callable, exception type, regexes the message must match (case-insensitive))
CASES = [
    ("matmul 2x3 @ 4x5", lambda: mt.zeros(2, 3) @ mt.zeros(4, 5), RuntimeError, [r"2x3", r"4x5"]),
    ("matmul method", lambda: mt.zeros(2, 3).matmul(mt.zeros(4, 5)), RuntimeError, [r"2x3", r"4x5"]),
    ("add (2,3)+(4,)", lambda: mt.zeros(2, 3) + mt.zeros(4), RuntimeError, [r"\b3\b", r"\b4\b"]),
    ("mul (2,3)*(4,)", lambda: mt.zeros(2, 3) * mt.zeros(4), RuntimeError, [r"\b3\b", r"\b4\b"]),
    ("sub (5,)-(2,)", lambda: mt.zeros(5) - mt.zeros(2), RuntimeError, [r"\b5\b", r"\b2\b"]),
    ("where shapes", lambda: mt.where(mt.tensor([True]), mt.zeros(2), mt.zeros(3)), RuntimeError,
     [r"\b2\b", r"\b3\b"]),
    ("int tensor requires_grad", lambda: mt.tensor([1, 2], requires_grad=True), RuntimeError,
     [r"only tensors of floating point", r"can require gradients"]),
    ("int zeros requires_grad", lambda: mt.zeros(3, dtype=mt.int64, requires_grad=True), RuntimeError,
     [r"only tensors of floating point", r"can require gradients"]),
    ("int requires_grad_()", _int_requires_grad_, RuntimeError,
     [r"only tensors of floating point", r"can require gradients"]),
    ("index 5 of size 3", lambda: mt.zeros(3)[5], IndexError, [r"\b5\b", r"\b3\b"]),
    ("index -4 of size 3", lambda: mt.zeros(3)[-4], IndexError, [r"-4\b", r"\b3\b"]),
    ("index dim 1", lambda: mt.zeros(2, 3)[0, 7], IndexError, [r"\b7\b", r"\b3\b"]),
    ("index tensor out of range", lambda: mt.zeros(3)[mt.tensor([0, 5])], IndexError, [r"\b5\b", r"\b3\b"]),
    ("too many indices", lambda: mt.zeros(3)[0, 0], IndexError, [r"too many indices"]),
    ("sum dim=3 of 2-D", lambda: mt.zeros(2, 3).sum(dim=3), IndexError, [r"dimension out of range", r"\b3\b"]),
    ("sum dim 3 positional", lambda: mt.zeros(2, 3).sum(3), IndexError, [r"dimension out of range"]),
    ("mean dim=-3", lambda: mt.zeros(2, 3).mean(dim=-3), IndexError, [r"dimension out of range", r"-3"]),
    ("mean dims tuple", lambda: mt.zeros(2, 3).mean(dim=(0, 3)), IndexError, [r"dimension out of range"]),
    ("max dim=2", lambda: mt.zeros(2, 3).max(dim=2), IndexError, [r"dimension out of range"]),
    ("argmax dim=2", lambda: mt.zeros(2, 3).argmax(dim=2), IndexError, [r"dimension out of range"]),
    ("softmax dim=2", lambda: mt.zeros(2, 3).softmax(dim=2), IndexError, [r"dimension out of range"]),
    ("transpose dim", lambda: mt.zeros(2, 3).transpose(0, 2), IndexError, [r"dimension out of range"]),
    ("unsqueeze dim", lambda: mt.zeros(2, 3).unsqueeze(4), IndexError, [r"dimension out of range"]),
    ("size dim", lambda: mt.zeros(2, 3).size(2), IndexError, [r"dimension out of range"]),
    ("reshape 6 -> (4, 2)", lambda: mt.zeros(2, 3).reshape(4, 2), RuntimeError, [r"4, 2", r"\b6\b"]),
    ("reshape 6 -> (-1, 4)", lambda: mt.zeros(2, 3).reshape(-1, 4), RuntimeError, [r"-1, 4", r"\b6\b"]),
    ("view 6 -> (4, 2)", lambda: mt.zeros(2, 3).view(4, 2), RuntimeError, [r"4, 2", r"\b6\b"]),
    ("view two -1", lambda: mt.zeros(2, 3).view(-1, -1), RuntimeError, [r"only one dimension can be inferred"]),
    ("view non-contiguous", lambda: mt.zeros(2, 3).transpose(0, 1).view(6), RuntimeError,
     [r"view size is not compatible|reshape"]),
    ("view of T", lambda: mt.zeros(2, 3).T.view(-1), RuntimeError, [r"view size is not compatible|reshape"]),
    ("backward non-scalar", _backward_nonscalar, RuntimeError,
     [r"grad can be implicitly created only for scalar outputs"]),
    ("backward twice", _backward_twice, RuntimeError, [r"second time"]),
    ("expand (2,3) -> (4,3)", lambda: mt.zeros(2, 3).expand(4, 3), RuntimeError, [r"\b4\b", r"\b2\b"]),
    ("expand (2,3) -> (2,4)", lambda: mt.zeros(2, 3).expand(2, 4), RuntimeError, [r"\b4\b", r"\b3\b"]),
    ("expand (3,) -> (2,)", lambda: mt.zeros(3).expand(2), RuntimeError, [r"\b2\b", r"\b3\b"]),
    ("cat mismatched", lambda: mt.cat([mt.zeros(2, 3), mt.zeros(2, 4)]), RuntimeError, [r"\b3\b", r"\b4\b"]),
    ("cat ndim mismatch", lambda: mt.cat([mt.zeros(2, 3), mt.zeros(2, 3, 1)]), RuntimeError,
     [r"same number of dimensions"]),
    ("stack mismatched", lambda: mt.stack([mt.zeros(2, 3), mt.zeros(2, 4)]), RuntimeError,
     [r"equal size"]),
    # errors that name the values: both shapes, the offending shapes, the target and the number of classes
    ("matmul (3,) @ (4,)", lambda: mt.matmul(mt.zeros(3), mt.zeros(4)), RuntimeError,
     [r"inconsistent tensor size", r"\[3\]", r"\[4\]"]),
    ("matmul (2,3) @ (4,)", lambda: mt.zeros(2, 3) @ mt.zeros(4), RuntimeError,
     [r"size mismatch", r"\(2x3\)", r"\(4\)"]),
    ("matmul (3,) @ (4,5)", lambda: mt.zeros(3) @ mt.zeros(4, 5), RuntimeError, [r"\(1x3 and 4x5\)"]),
    ("matmul (2,2,3) @ (4,)", lambda: mt.zeros(2, 2, 3) @ mt.zeros(4), RuntimeError, [r"\(2x2x3 and 4\)"]),
    ("cat mismatched shapes", lambda: mt.cat([mt.zeros(2, 3), mt.zeros(2, 3), mt.zeros(5, 4)], dim=1), RuntimeError,
     [r"except in dimension 1", r"tensor number 2", r"\[5, 4\]", r"\[2, 3\]"]),
    ("cat ndim mismatch shapes", lambda: mt.cat([mt.zeros(2, 3), mt.zeros(2, 3, 1)]), RuntimeError,
     [r"got 2 and 3", r"\[2, 3\]", r"\[2, 3, 1\]"]),
    ("stack mismatched shapes", lambda: mt.stack([mt.zeros(2, 3), mt.zeros(2, 3), mt.zeros(3)]), RuntimeError,
     [r"\[2, 3\] at entry 0", r"\[3\] at entry 2"]),
    ("cross_entropy batch 2 vs 3", lambda: mt.nn.functional.cross_entropy(mt.zeros(2, 4), mt.tensor([0, 1, 2])),
     ValueError, [r"batch_size \(2\)", r"batch_size \(3\)", r"\[2, 4\]", r"target of shape \[3\]"]),
    ("cross_entropy target 7 of 4 classes", lambda: mt.nn.functional.cross_entropy(mt.zeros(2, 4), mt.tensor([0, 7])),
     IndexError, [r"Target 7 is out of bounds", r"\b4 classes", r"\[0, 3\]"]),
    ("nll_loss target -2 of 4 classes", lambda: mt.nn.functional.nll_loss(mt.zeros(2, 4), mt.tensor([-2, 0])),
     IndexError, [r"Target -2 is out of bounds", r"\b4 classes"]),
    ("mean of int", lambda: mt.tensor([1, 2]).mean(), RuntimeError, [r"mean", r"floating point"]),
    ("mean of int with dim", lambda: mt.tensor([[1, 2]]).mean(dim=0), RuntimeError, [r"floating point"]),
    ("var of int", lambda: mt.tensor([1, 2]).var(), RuntimeError, [r"floating point"]),
    ("bool() of 2 elements", lambda: bool(mt.zeros(2)), RuntimeError, [r"more than one value is ambiguous"]),
    ("if on a tensor", lambda: 1 if mt.ones(2) else 0, RuntimeError, [r"ambiguous"]),
    ("item() of 2 elements", lambda: mt.zeros(2).item(), RuntimeError, [r"\b2\b"]),
    ("numpy() requires grad", lambda: mt.ones(2, requires_grad=True).numpy(), RuntimeError,
     [r"requires grad"]),
    ("in-place on int with float result", lambda: mt.tensor([1, 2]).add_(0.5), RuntimeError,
     [r"can't be cast"]),
    ("len of 0-d", lambda: len(mt.tensor(3.0)), TypeError, [r"0-d"]),
    ("iterate a 0-d", lambda: iter(mt.tensor(3.0)), TypeError, [r"0-d"]),
    ("ragged list", lambda: mt.tensor([[1, 2], [3]]), ValueError, [r"sequence of length"]),
]


@pytest.mark.parametrize("make, exc_type, patterns", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_error_type_and_message(make, exc_type, patterns):
    with pytest.raises(exc_type) as info:
        make()
    message = str(info.value)
    for pattern in patterns:
        assert re.search(pattern, message, re.IGNORECASE), f"{pattern!r} not in {message!r}"
    for leak in NUMPY_LEAKS:
        assert leak not in message.lower(), f"NumPy message leaked: {message!r}"


@pytest.mark.parametrize("make, exc_type, patterns", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_error_is_not_a_numpy_exception(make, exc_type, patterns):
    with pytest.raises(Exception) as info:
        make()
    module = type(info.value).__module__ or ""
    assert not module.startswith("numpy"), f"raised {type(info.value)!r}"


def test_matmul_message_matches_pytorch_wording():
    with pytest.raises(RuntimeError) as info:
        mt.zeros(2, 3) @ mt.zeros(4, 5)
    assert "(2x3 and 4x5)" in str(info.value)


def test_dim_out_of_range_states_valid_range():
    with pytest.raises(IndexError) as info:
        mt.zeros(2, 3).sum(dim=3)
    message = str(info.value)
    assert "Dimension out of range" in message
    assert "[-2, 1]" in message


def test_reshape_message_names_shape_and_size():
    with pytest.raises(RuntimeError) as info:
        mt.zeros(2, 3).reshape(4, 2)
    message = str(info.value)
    assert re.search(r"[\[(]4, 2[\])]", message)
    assert "6" in message


def test_reshape_of_non_contiguous_copies_instead_of_raising():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    t = mt.tensor(a).transpose(0, 1).reshape(6)
    np.testing.assert_array_equal(t.numpy(), a.T.ravel())


def test_retain_graph_allows_second_backward():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 8.0])


def test_backward_nonscalar_with_gradient_is_fine():
    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * 2).backward(mt.tensor([1.0, 0.5, 0.0]))
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 1.0, 0.0])


def test_valid_broadcast_and_expand_do_not_raise():
    assert (mt.zeros(2, 3) + mt.zeros(3)).shape == (2, 3)
    assert (mt.zeros(2, 1) * mt.zeros(1, 4)).shape == (2, 4)
    assert mt.zeros(1, 3).expand(4, 3).shape == (4, 3)
    assert mt.zeros(3).expand(2, 3).shape == (2, 3)
    assert mt.zeros(2, 1).expand(-1, 5).shape == (2, 5)
