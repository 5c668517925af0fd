"""The argument-check audit: each bad call raises the exception PyTorch raises, naming the argument and value.

Each row is written against a library `lib` (minitorch here; the same rows were run against PyTorch to
confirm the exception types), then the message is checked for the values the user needs to see.
"""
from __future__ import annotations

from typing import Any, Callable

import pytest

import minitorch

ROWS: list[tuple[str, Callable[[Any], Any], type[Exception], str]] = [
    # shapes
    ("matmul shapes", lambda lib: lib.ones(2, 3) @ lib.ones(4, 5), RuntimeError, r"2x3 and 4x5"),
    ("broadcast", lambda lib: lib.ones(2, 3) + lib.ones(4), RuntimeError, r"\(3\).*\(4\)"),
    ("reshape size", lambda lib: lib.ones(6).reshape(4, 2), RuntimeError, r"\[4, 2\].*6"),
    ("view of non-contiguous", lambda lib: lib.ones(2, 3).t().view(6), RuntimeError, r"view"),
    ("expand", lambda lib: lib.ones(2, 3).expand(2, 4), RuntimeError, r"\(4\).*\(3\)"),
    ("cat sizes", lambda lib: lib.cat([lib.ones(2, 3), lib.ones(2, 4)], 0), RuntimeError, r"Sizes of tensors"),
    ("stack sizes", lambda lib: lib.stack([lib.ones(2), lib.ones(3)]), RuntimeError, r"equal size"),
    ("linear shapes", lambda lib: lib.nn.Linear(3, 2)(lib.ones(4, 5)), RuntimeError, r"4x5 and 3x2"),
    ("linear input type", lambda lib: lib.nn.functional.linear([[1.0, 2.0]], lib.ones(2, 2)), TypeError,
     r"argument 'input'.*must be Tensor, not list"),
    ("linear bias type", lambda lib: lib.nn.functional.linear(lib.ones(1, 2), lib.ones(2, 2), [0.0, 0.0]), TypeError,
     r"argument 'bias'.*must be Tensor, not list"),
    ("mse shapes", lambda lib: lib.nn.functional.mse_loss(lib.ones(2, 3), lib.ones(2, 4)), RuntimeError, r"3.*4"),
    ("cross_entropy batch", lambda lib: lib.nn.functional.cross_entropy(lib.ones(3, 5), lib.zeros(4, dtype=lib.long)),
     ValueError, r"3.*4"),
    ("load_state_dict shape", lambda lib: lib.nn.Linear(3, 2).load_state_dict(
        {"weight": lib.ones(2, 4), "bias": lib.ones(2)}), RuntimeError, r"weight.*\[2, 4\].*\[2, 3\]"),
    # dims and indices
    ("sum dim", lambda lib: lib.ones(2, 3).sum(dim=3), IndexError, r"range of \[-2, 1\].*3"),
    ("softmax dim", lambda lib: lib.ones(2, 3).softmax(dim=-3), IndexError, r"-3"),
    ("transpose dim", lambda lib: lib.ones(2, 3).transpose(0, 5), IndexError, r"5"),
    ("index", lambda lib: lib.ones(3)[5], IndexError, r"5.*3"),
    ("float index", lambda lib: lib.ones(3)[lib.ones(1)], IndexError, r"long|int"),
    ("permute dims", lambda lib: lib.ones(2, 3).permute(0), RuntimeError, r"dim"),
    # dtypes
    ("requires_grad int", lambda lib: lib.ones(2, dtype=lib.long).requires_grad_(), RuntimeError,
     r"Only Tensors of floating point"),
    ("mean of int", lambda lib: lib.ones(2, dtype=lib.long).mean(), RuntimeError, r"mean\(\).*Long|mean\(\).*int64"),
    ("matmul dtypes", lambda lib: lib.ones(2, 2) @ lib.ones(2, 2, dtype=lib.float64), RuntimeError,
     r"float.*double|float32.*float64"),
    ("cross_entropy float targets of the wrong shape",
     lambda lib: lib.nn.functional.cross_entropy(lib.ones(3, 5), lib.ones(3)), RuntimeError, r"dtype|shape|size"),
    ("int to negative power", lambda lib: lib.tensor([2]) ** -1, RuntimeError, r"negative integer powers"),
    ("bool subtraction", lambda lib: lib.tensor([True]) - lib.tensor([False]), RuntimeError, r"Subtraction"),
    # autograd
    ("backward of non-scalar", lambda lib: (lib.ones(2, requires_grad=True) * 2).backward(), RuntimeError,
     r"grad can be implicitly created only for scalar outputs"),
    ("backward twice", lambda lib: _backward_twice(lib), RuntimeError, r"backward through the graph a second time"),
    ("backward without grad", lambda lib: lib.ones(2).sum().backward(), RuntimeError,
     r"does not require grad"),
    ("numpy of requires_grad", lambda lib: lib.ones(2, requires_grad=True).numpy(), RuntimeError,
     r"requires grad"),
    ("in-place on a leaf", lambda lib: lib.ones(2, requires_grad=True).add_(1), RuntimeError,
     r"leaf Variable that requires grad"),
    ("bool of many", lambda lib: bool(lib.ones(2)), RuntimeError, r"more than one value"),
    ("item of many", lambda lib: lib.ones(2).item(), RuntimeError, r"2 elements"),
    # modules, losses and optimizers
    ("bad reduction", lambda lib: lib.nn.functional.mse_loss(lib.ones(2), lib.ones(2), reduction="meen"),
     ValueError, r"meen"),
    ("dropout p", lambda lib: lib.nn.Dropout(p=-0.1), ValueError, r"-0.1"),
    ("dropout p functional", lambda lib: lib.nn.functional.dropout(lib.ones(2), p=1.5), ValueError, r"1.5"),
    ("negative lr", lambda lib: lib.optim.SGD([lib.ones(2, requires_grad=True)], lr=-1), ValueError,
     r"Invalid learning rate: -1"),
    ("negative momentum", lambda lib: lib.optim.SGD([lib.ones(2, requires_grad=True)], lr=0.1, momentum=-0.5),
     ValueError, r"-0.5"),
    ("adam betas", lambda lib: lib.optim.Adam([lib.ones(2, requires_grad=True)], betas=(1.5, 0.9)), ValueError,
     r"1.5"),
    ("empty parameter list", lambda lib: lib.optim.Adam([]), ValueError, r"empty parameter list"),
    ("cross_entropy target dtype", lambda lib: lib.nn.functional.cross_entropy(
        lib.ones(3, 5), lib.tensor([1, 2, 3], dtype=lib.int32)), RuntimeError, r"Int|int32"),
    ("cross_entropy target range", lambda lib: lib.nn.functional.cross_entropy(
        lib.ones(3, 5), lib.tensor([1, 2, 7])), IndexError, r"7"),
    ("load_state_dict missing", lambda lib: lib.nn.Linear(3, 2).load_state_dict({"weight": lib.ones(2, 3)}),
     RuntimeError, r"Missing key.*bias"),
    ("load_state_dict unexpected", lambda lib: lib.nn.Linear(3, 2).load_state_dict(
        {"weight": lib.ones(2, 3), "bias": lib.ones(2), "scale": lib.ones(1)}), RuntimeError,
     r"Unexpected key.*scale"),
    ("embedding index", lambda lib: lib.nn.Embedding(4, 2)(lib.tensor([5])), IndexError, r"5|range"),
    ("linear in_features", lambda lib: lib.nn.Linear(-1, 2), RuntimeError, r"-1|negative"),
    # creation and devices
    ("negative size", lambda lib: lib.zeros(-1), RuntimeError, r"negative dimension -1"),
    ("ragged list", lambda lib: lib.tensor([[1, 2], [3]]), ValueError, r"length"),
    ("randint bounds", lambda lib: lib.randint(5, 2, (3,)), RuntimeError, r"from=5.*to=2"),
    ("arange step", lambda lib: lib.arange(0, 5, 0), RuntimeError, r"step must be nonzero"),
    ("bad device", lambda lib: lib.zeros(2, device="tpu"), RuntimeError, r"tpu"),
]


def _backward_twice(lib: Any) -> None:
    x = lib.ones(2, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    y.backward()


@pytest.mark.filterwarnings("ignore:Using a target size")  # PyTorch warns before it raises, and so do we
@pytest.mark.parametrize("description, call, error, message", ROWS, ids=[row[0] for row in ROWS])
def test_bad_arguments_raise_pytorchs_exception_with_the_values(description: str, call: Callable,
                                                                  error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message) as raised:
        call(minitorch)
    text = str(raised.value)
    assert "operands could not be broadcast" not in text and " axis " not in text, text
    assert type(raised.value).__module__ in ("builtins", "minitorch.errors", "minitorch.serialization"), \
        f"{description}: {type(raised.value)} is not the built-in type PyTorch raises"
