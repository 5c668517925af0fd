"""Selection, rearranging, construction and comparison against PyTorch: one script, run with `lib` = minitorch
and `lib` = torch, must give the same values, dtypes, shapes, result types and gradients, and the same
exception types for bad input."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import minitorch as mt

from ..conftest import import_torch

torch = import_torch()

X = np.random.default_rng(0).standard_normal((3, 4))
TIES = np.array([[2.0, 1.0, 2.0, 0.0], [1.0, 1.0, 3.0, 1.0], [0.0, 0.0, 0.0, 0.0]])
INTS = np.array([3, 1, 2, 1, 0, 3, 3])


def _tensor(lib, array, **kwargs):
    return lib.tensor(array, **kwargs)


def _plain(value):
    """A result as plain data: tensors as (dtype name, shape, values, requires_grad), tuples with their type."""
    if isinstance(value, (mt.Tensor, torch.Tensor)):
        return (str(value.dtype).replace("minitorch.", "").replace("torch.", ""), tuple(value.shape),
                value.detach().cpu().numpy().tolist(), value.requires_grad)
    if isinstance(value, tuple):
        fields = getattr(type(value), "__match_args__", None)  # a namedtuple's or a torch.return_types' fields
        return (type(value).__name__ if fields else "tuple", fields, [_plain(item) for item in value])
    return value


CASES = {
    "topk": lambda lib, x: x.topk(2),
    "topk_dim0_smallest": lambda lib, x: lib.topk(x, 3, dim=0, largest=False),
    "topk_k0": lambda lib, x: x.topk(0, 1),
    "sort": lambda lib, x: x.sort(),
    "sort_descending_dim0": lambda lib, x: lib.sort(x, 0, descending=True),
    "sort_stable_ties": lambda lib, x: lib.sort(_tensor(lib, TIES), stable=True),
    "sort_stable_descending_ties": lambda lib, x: lib.sort(_tensor(lib, TIES), descending=True, stable=True),
    "sort_0d": lambda lib, x: lib.sort(x[0, 0]),
    "sort_stable_descending_many_ties": lambda lib, x: _tensor(lib, np.arange(70) % 3).sort(descending=True,
                                                                                             stable=True),
    "sort_bool_descending": lambda lib, x: (x > 0).sort(dim=0, descending=True, stable=True),
    "topk_int": lambda lib, x: _tensor(lib, [4, 9, 1, 7, 0]).topk(3),  # ties: PyTorch leaves their order open
    "argsort": lambda lib, x: x.argsort(dim=0, descending=True),
    "argsort_ties": lambda lib, x: lib.argsort(_tensor(lib, TIES), stable=True),
    "unique": lambda lib, x: lib.unique(_tensor(lib, INTS)),
    "unique_inverse_counts": lambda lib, x: _tensor(lib, INTS).reshape(7, 1).unique(
        return_inverse=True, return_counts=True),
    "unique_dim": lambda lib, x: lib.unique(_tensor(lib, [[1, 2], [0, 1], [1, 2]]), dim=0, return_inverse=True,
                                            return_counts=True),
    "bincount": lambda lib, x: lib.bincount(_tensor(lib, INTS)),
    "bincount_weights_minlength": lambda lib, x: _tensor(lib, INTS).bincount(x.detach().reshape(-1)[:7],
                                                                                          minlength=6),
    "bincount_int_weights": lambda lib, x: lib.bincount(_tensor(lib, [0, 2]), weights=_tensor(lib, [3, 4])),
    "histc": lambda lib, x: lib.histc(x, bins=5),
    "histc_range": lambda lib, x: x.histc(4, min=-1, max=1),
    # PyTorch marks these results as requiring grad, with a grad_fn that refuses to run; ours do not require it
    "histogram": lambda lib, x: lib.histogram(x.detach(), bins=4),
    "histogram_range_weight_density": lambda lib, x: x.detach().histogram(3, range=(-1.0, 2.0),
                                                                          weight=x.detach().abs(), density=True),
    "histogram_edges": lambda lib, x: lib.histogram(x.detach(), bins=_tensor(lib, [-2.0, 0.0, 0.5, 3.0],
                                                                             dtype=x.dtype)),
    "nonzero": lambda lib, x: (x > 0).nonzero(),
    "nonzero_tuple": lambda lib, x: lib.nonzero(x > 0, as_tuple=True),
    "nonzero_0d": lambda lib, x: (lib.nonzero(_tensor(lib, 5)), lib.nonzero(_tensor(lib, 0.0))),
    "argwhere": lambda lib, x: lib.argwhere(x < 0),
    "chunk": lambda lib, x: x.chunk(3, 1),
    "chunk_fewer": lambda lib, x: lib.chunk(_tensor(lib, [1, 2, 3, 4, 5, 6]), 4),
    "split": lambda lib, x: x.split(3, dim=1),
    "split_sizes": lambda lib, x: lib.split(x, [1, 0, 2]),
    "unbind": lambda lib, x: lib.unbind(x, 1),
    "flip": lambda lib, x: lib.flip(x, [0, 1]),
    "flip_method": lambda lib, x: x.flip(-1),
    "roll": lambda lib, x: lib.roll(x, 5),
    "roll_dims": lambda lib, x: x.roll((1, -1), (1, 0)),
    "tril": lambda lib, x: x.tril(),
    "tril_diagonal": lambda lib, x: lib.tril(x, -1),
    "triu": lambda lib, x: lib.triu(x, diagonal=2),
    "masked_fill": lambda lib, x: x.masked_fill(x > 0, -1),
    "masked_fill_broadcast": lambda lib, x: lib.masked_fill(x, _tensor(lib, [True, False, False, True]), 7.5),
    "masked_fill_int": lambda lib, x: _tensor(lib, [1, 2, 3]).masked_fill(_tensor(lib, [True, False, True]), 2.7),
    "masked_fill_": lambda lib, x: x.clone().masked_fill_(x < 0, 0.0),
    "masked_fill_broadcast_to_mask": lambda lib, x: x.masked_fill(_tensor(lib, [[[True]], [[False]]]), 1.0),
    "repeat": lambda lib, x: x.repeat(2, 1, 2),
    "tile": lambda lib, x: lib.tile(x, (2,)),
    "tile_more": lambda lib, x: x.tile(2, 1, 1),
    "repeat_interleave": lambda lib, x: x.repeat_interleave(2),
    "repeat_interleave_dim": lambda lib, x: lib.repeat_interleave(x, _tensor(lib, [0, 1, 2, 1]), dim=1),
    "repeat_interleave_counts": lambda lib, x: lib.repeat_interleave(_tensor(lib, [2, 0, 3])),
    "new_zeros": lambda lib, x: x.new_zeros(2, 3),
    "new_ones": lambda lib, x: x.new_ones((2,), dtype=lib.int64),
    "new_full": lambda lib, x: x.new_full((1, 2), 4),
    "new_tensor": lambda lib, x: x.new_tensor([[1, 2]]),
    "new_tensor_grad": lambda lib, x: x.new_tensor([1.5], requires_grad=True),
    "new_tensor_of_int": lambda lib, x: _tensor(lib, [1, 2]).new_tensor([1.5, 2.5]),
    "new_empty": lambda lib, x: tuple(x.new_empty(2, 5).shape),
    "isclose": lambda lib, x: lib.isclose(x, x + 1e-6),
    "isclose_nan": lambda lib, x: _tensor(lib, [float("nan"), 1.0]).isclose(_tensor(lib, [float("nan"), 1.1]),
                                                                           equal_nan=True, rtol=0.1),
    "allclose": lambda lib, x: (lib.allclose(x, x + 1e-3), x.allclose(x + 1e-9)),
    "equal": lambda lib, x: (lib.equal(x, x.clone()), x.equal(x[:2]), lib.equal(x, x + 1)),
    "is_tensor": lambda lib, x: (lib.is_tensor(x), lib.is_tensor(X)),
    "numel": lambda lib, x: (lib.numel(x), x.nelement()),
    "meshgrid_ij": lambda lib, x: lib.meshgrid(x[0], x[1, :2], indexing="ij"),
    "meshgrid_xy": lambda lib, x: lib.meshgrid([x[0], x[1, :2], x[2, :3]], indexing="xy"),
    "type": lambda lib, x: (x.type(), x.long().type(), (x > 0).type(), x.half().type()),
    "type_convert": lambda lib, x: (x.type(lib.int32), x.type("torch.DoubleTensor")),
    "index_range": lambda lib, x: x[range(3), [0, 3, 3]],
    "index_list_slice": lambda lib, x: x[[2, 0, 2], 1:3],
    "index_slice_range": lambda lib, x: x[:, range(0, 4, 2)],
    "index_nested_list": lambda lib, x: x[[[0, 1], [2, 2]], 1:],
}


def _run(lib, case: str):
    x = lib.tensor(X, requires_grad=True)
    return x, CASES[case](lib, x)


@pytest.mark.parametrize("case", list(CASES))
def test_results_match_pytorch(case: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, ours = _run(mt, case)
        _, theirs = _run(torch, case)
    assert _close(_plain(ours), _plain(theirs))


def _close(ours, theirs) -> bool:
    """Equal structure and strings, numbers within float rounding."""
    if isinstance(theirs, (list, tuple)):
        assert isinstance(ours, (list, tuple)) and len(ours) == len(theirs), (ours, theirs)
        return all(_close(a, b) for a, b in zip(ours, theirs))
    if isinstance(theirs, float) and not isinstance(theirs, bool):
        assert ours == pytest.approx(theirs, rel=1e-6, abs=1e-6, nan_ok=True), (ours, theirs)
        return True
    assert ours == theirs, (ours, theirs)
    return True


def _gradient(lib, case: str):
    x, result = _run(lib, case)
    outputs = [item for item in (result if isinstance(result, tuple) else (result,))
               if isinstance(item, (mt.Tensor, torch.Tensor)) and item.requires_grad]
    assert outputs, "the case gives no differentiable output"
    total = sum((out * lib.arange(out.numel(), dtype=out.dtype).reshape(out.shape)).sum() for out in outputs)
    total.backward()
    return x.grad.numpy()


DIFFERENTIABLE = ["topk", "topk_dim0_smallest", "sort", "sort_descending_dim0", "chunk", "split", "split_sizes",
                  "unbind", "flip", "roll", "roll_dims", "tril", "triu", "masked_fill", "masked_fill_broadcast",
                  "masked_fill_", "masked_fill_broadcast_to_mask", "repeat", "tile_more", "repeat_interleave",
                  "repeat_interleave_dim", "meshgrid_ij", "meshgrid_xy", "index_range", "index_list_slice",
                  "index_slice_range", "index_nested_list"]


@pytest.mark.parametrize("case", DIFFERENTIABLE)
def test_gradients_match_pytorch(case: str) -> None:
    np.testing.assert_allclose(_gradient(mt, case), _gradient(torch, case), rtol=1e-6)


def test_assignment_with_range_and_list_matches_pytorch() -> None:
    def script(lib):
        x = lib.tensor(X, requires_grad=True)
        y = x * 1
        y[range(2), [1, 3]] = lib.tensor([10.0, 20.0], dtype=lib.float64)
        y[[0, 2], 1:3] = 0.5
        (y * y).sum().backward()
        return y.detach().numpy(), x.grad.numpy()
    for ours, theirs in zip(script(mt), script(torch)):
        np.testing.assert_allclose(ours, theirs)


def test_meshgrid_without_indexing_warns_as_pytorch_does() -> None:
    with pytest.warns(UserWarning, match="indexing argument") as ours:
        grids = mt.meshgrid(mt.arange(2), mt.arange(3))
    with pytest.warns(UserWarning) as theirs:
        torch.meshgrid(torch.arange(2), torch.arange(3))
    assert str(theirs[0].message).startswith(str(ours[0].message))  # PyTorch adds where in C++ it warned
    assert [tuple(grid.shape) for grid in grids] == [(2, 3), (2, 3)]


ERRORS = {
    "topk_k_too_large": lambda lib, x: x.topk(5),
    "sort_bad_dim": lambda lib, x: x.sort(2),
    "bincount_negative": lambda lib, x: lib.bincount(_tensor(lib, [-1, 2])),
    "bincount_float": lambda lib, x: lib.bincount(x.reshape(-1)),
    "bincount_2d": lambda lib, x: lib.bincount(_tensor(lib, [[1]])),
    "histc_int": lambda lib, x: lib.histc(_tensor(lib, [1, 2])),
    "split_sizes_wrong_sum": lambda lib, x: x.split([1, 1]),
    "chunk_zero": lambda lib, x: x.chunk(0),
    "split_negative": lambda lib, x: x.split(-1),
    "masked_fill__mask_too_big": lambda lib, x: x.masked_fill_(lib.ones(2, 3, 4, dtype=lib.bool), 0.0),
    "bincount_weights_length": lambda lib, x: lib.bincount(_tensor(lib, [0, 1]), weights=_tensor(lib, [1.0])),
    "histc_zero_bins": lambda lib, x: x.histc(0),
    "repeat_interleave_negative": lambda lib, x: x.repeat_interleave(-1),
    "unique_bad_dim": lambda lib, x: x.unique(dim=2),
    "tril_1d": lambda lib, x: x[0].tril(),
    "repeat_too_few": lambda lib, x: x.repeat(2),
    "flip_duplicate_dims": lambda lib, x: x.flip(0, 0),
    "roll_misaligned": lambda lib, x: x.roll((1, 2), 0),
    "masked_fill_float_mask": lambda lib, x: x.masked_fill(x, 0.0),
    "masked_fill_1d_value": lambda lib, x: x.masked_fill(x > 0, x[0]),
    "isclose_dtypes": lambda lib, x: lib.isclose(x, x.float()),
    "meshgrid_2d": lambda lib, x: lib.meshgrid(x, indexing="ij"),
    "meshgrid_bad_indexing": lambda lib, x: lib.meshgrid(x[0], indexing="yx"),
    "type_bad_string": lambda lib, x: x.type("torch.NoSuchTensor"),
    "index_list_out_of_bounds": lambda lib, x: x[[0, 3]],
    "index_range_out_of_bounds": lambda lib, x: x[range(5)],
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_bad_input_raises_pytorchs_exception_type(case: str) -> None:
    raised = []
    for lib in (torch, mt):
        x = lib.tensor(X, dtype=lib.float64)
        with pytest.raises(Exception) as error:
            ERRORS[case](lib, x)
        raised.append(error.type)
    assert raised[1] is raised[0] or issubclass(raised[1], raised[0]), raised
