"""The op table: every differentiable op, forward against NumPy written here, backward by gradcheck.

A new op is one row of OPS: its minitorch call, an independent NumPy reference, and input shapes
(broadcasting pairs included).
"""
from __future__ import annotations

import math
import operator
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pytest

import minitorch as mt
from minitorch.autograd import gradcheck, gradgradcheck
from minitorch.functions import TENSOR_METHODS
from minitorch.functions import activation as A

from ..conftest import requires_gpu
from .conv_rows import CONV_ROWS
from .pool_rows import POOL_ROWS


def np_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def np_logsumexp(x: np.ndarray, axis: tuple) -> np.ndarray:
    """log Σ exp x over axis, with each slice's largest element taken out first (keepdims)."""
    largest = x.max(axis=axis, keepdims=True)
    return np.log(np.exp(x - largest).sum(axis=axis, keepdims=True)) + largest


def np_sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


@dataclass
class Op:
    name: str
    function: Callable  # on minitorch tensors
    reference: Callable  # the same math on NumPy arrays
    shapes: list
    positive: bool = False  # inputs drawn from [0.5, 2) (log, sqrt, pow bases)
    second_order: bool = True  # also run gradgradcheck
    marks: list = field(default_factory=list)
    covers: tuple = ()  # the public names the row calls, exactly (its name if empty)
    zeros: bool = False  # inputs hold exact zeros at ZERO_AT (products' gradients there)

    def __post_init__(self) -> None:
        self.covers = self.covers or (self.name,)


ZERO_AT = [1, 4, 5]
"""The flat positions a row with zeros=True has exact zeros at: in a (3, 4) input one zero in the first row,
two in the second, none in the third."""


INDEX = np.array([0, 2, 2, 1])
TARGETS = np.array([0, 2, 1, 2])


def np_cross_entropy(logits: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """-log softmax(logits)[target] per row."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probabilities = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -log_probabilities[np.arange(len(targets)), targets]  # repeated indices: their gradients must add up

def assign_row(matrix, row: int, values):
    """A copy of matrix with matrix[row] = values written in place: __setitem__ as an op of both inputs."""
    result = matrix * 1
    result[row] = values
    return result


OPS = [
    # arithmetic, with broadcasting
    Op("add", lambda a, b: a + b, lambda a, b: a + b, [(3, 1), (1, 4)], covers=("__add__",)),
    Op("add_scalar", lambda a: 2.5 + a, lambda a: 2.5 + a, [(2, 3)], covers=("__radd__",)),
    Op("add_alpha", lambda a, b: a.add(b, alpha=-2), lambda a, b: a - 2 * b, [(2, 3), (3,)], covers=("add",)),
    Op("sub", lambda a, b: a - b, lambda a, b: a - b, [(2, 3), (3,)], covers=("__sub__",)),
    Op("sub_alpha", lambda a, b: mt.sub(a, b, alpha=0.5), lambda a, b: a - 0.5 * b, [(2, 3), (3,)], covers=("sub",)),
    Op("rsub", lambda a: 1 - a, lambda a: 1 - a, [(4,)], covers=("__rsub__",)),
    Op("mul", lambda a, b: a * b, lambda a, b: a * b, [(2, 1, 3), (4, 1)], covers=("__mul__",)),
    Op("mul_function", lambda a, b: mt.mul(a, b), lambda a, b: a * b, [(3, 4), (4,)], covers=("mul",)),
    Op("rmul", lambda a: 3 * a, lambda a: 3 * a, [(4,)], covers=("__rmul__",)),
    Op("div", lambda a, b: a / b, lambda a, b: a / b, [(3, 4), (4,)], positive=True, covers=("__truediv__",)),
    Op("div_function", lambda a, b: mt.div(a, b), lambda a, b: a / b, [(3, 4), (3, 1)], positive=True,
       covers=("div",)),
    Op("rdiv", lambda a: 3 / a, lambda a: 3 / a, [(5,)], positive=True, covers=("__rtruediv__",)),
    Op("neg", lambda a: -a, lambda a: -a, [(2, 3)], covers=("__neg__",)),
    Op("neg_function", lambda a: mt.neg(a), lambda a: -a, [(2, 3)], covers=("neg",)),
    Op("pos", lambda a: +a, lambda a: +a, [(2, 3)], covers=("__pos__",)),
    Op("remainder", lambda a, b: a % b, np.remainder, [(3, 4), (4,)], positive=True, covers=("__mod__",)),
    Op("remainder_function", lambda a, b: mt.remainder(a, b), np.remainder, [(3, 4), (4,)], positive=True,
       covers=("remainder",)),
    Op("rremainder", lambda a: 5.0 % a, lambda a: np.remainder(5.0, a), [(5,)], positive=True, covers=("__rmod__",)),
    Op("pow_scalar", lambda a: a ** 3, lambda a: a ** 3, [(5,)], covers=("__pow__",)),
    Op("pow_fraction", lambda a: a ** 0.5, lambda a: a ** 0.5, [(5,)], positive=True, covers=("__pow__",)),
    Op("pow_tensor", lambda a, b: a ** b, lambda a, b: a ** b, [(3, 1), (3,)], positive=True, covers=("__pow__",)),
    Op("pow_function", lambda a, b: mt.pow(a, b), lambda a, b: a ** b, [(3, 1), (3,)], positive=True, covers=("pow",)),
    Op("rpow", lambda a: 2 ** a, lambda a: 2 ** a, [(5,)], covers=("__rpow__",)),
    Op("exp", lambda a: a.exp(), np.exp, [(2, 3)]),
    Op("log", lambda a: a.log(), np.log, [(2, 3)], positive=True),
    Op("sqrt", lambda a: a.sqrt(), np.sqrt, [(2, 3)], positive=True),
    Op("abs", lambda a: a.abs(), np.abs, [(2, 3)]),
    Op("abs_builtin", lambda a: abs(a), np.abs, [(2, 3)], covers=("__abs__",)),
    Op("clamp", lambda a: a.clamp(-0.5, 0.7), lambda a: np.clip(a, -0.5, 0.7), [(12,)]),
    Op("clamp_min", lambda a: a.clamp(min=0.1), lambda a: np.maximum(a, 0.1), [(12,)], covers=("clamp",)),
    Op("maximum", lambda a, b: mt.maximum(a, b), np.maximum, [(3, 4), (4,)]),
    Op("minimum", lambda a, b: mt.minimum(a, b), np.minimum, [(3, 4), (3, 1)]),
    Op("where", lambda a, b: mt.where(a > 0, a, b), lambda a, b: np.where(a > 0, a, b), [(3, 4), (4,)]),
    # in place, on a copy (a leaf that requires grad may not change in place)
    Op("iadd", lambda a, b: operator.iadd(a * 1, b), lambda a, b: a + b, [(3, 4), (4,)], covers=("__iadd__",)),
    Op("isub", lambda a, b: operator.isub(a * 1, b), lambda a, b: a - b, [(3, 4), (4,)], covers=("__isub__",)),
    Op("imul", lambda a, b: operator.imul(a * 1, b), lambda a, b: a * b, [(3, 4), (4,)], covers=("__imul__",)),
    Op("itruediv", lambda a, b: operator.itruediv(a * 1, b), lambda a, b: a / b, [(3, 4), (4,)], positive=True,
       covers=("__itruediv__",)),
    Op("setitem", lambda a, b: assign_row(a, 1, b), lambda a, b: np.concatenate([a[:1], b[None], a[2:]]),
       [(3, 4), (4,)], covers=("__setitem__",)),
    # reductions
    Op("sum", lambda a: a.sum(), np.sum, [(2, 3, 4)]),
    Op("sum_dims", lambda a: a.sum((0, -1), keepdim=True), lambda a: a.sum((0, 2), keepdims=True), [(2, 3, 4)],
       covers=("sum",)),
    Op("sum_to_size", lambda a: a.sum_to_size((3, 1)), lambda a: a.sum(1, keepdims=True), [(3, 4)]),
    Op("mean", lambda a: a.mean(), np.mean, [(2, 3, 4)]),
    Op("mean_dim", lambda a: a.mean(1), lambda a: a.mean(1), [(2, 3, 4)], covers=("mean",)),
    Op("var", lambda a: a.var(), lambda a: a.var(ddof=1), [(3, 4)]),
    Op("var_dim", lambda a: a.var(-1, keepdim=True), lambda a: a.var(-1, ddof=1, keepdims=True), [(3, 4)],
       covers=("var",)),
    Op("var_biased", lambda a: a.var(0, unbiased=False), lambda a: a.var(0), [(3, 4)], covers=("var",)),
    Op("std", lambda a: a.std(), lambda a: a.std(ddof=1), [(3, 4)]),
    Op("std_dims", lambda a: a.std((0, 2)), lambda a: a.std((0, 2), ddof=1), [(2, 3, 4)], covers=("std",)),
    Op("max", lambda a: a.max(), np.max, [(3, 4)]),
    Op("min", lambda a: a.min(), np.min, [(3, 4)]),
    Op("max_dim", lambda a: a.max(1).values, lambda a: a.max(1), [(3, 4)], covers=("max",)),
    Op("min_dim_keepdim", lambda a: a.min(-2, keepdim=True)[0], lambda a: a.min(-2, keepdims=True), [(3, 4)],
       covers=("min",)),
    # shapes
    Op("reshape", lambda a: a.reshape(4, -1), lambda a: a.reshape(4, -1), [(2, 3, 2)]),
    Op("view", lambda a: a.view(-1), lambda a: a.reshape(-1), [(2, 3)]),
    Op("flatten", lambda a: a.flatten(1), lambda a: a.reshape(2, -1), [(2, 3, 2)]),
    Op("squeeze", lambda a: a.squeeze(), np.squeeze, [(2, 1, 3, 1)]),
    Op("unsqueeze", lambda a: a.unsqueeze(-1), lambda a: a[..., None], [(2, 3)]),
    Op("transpose", lambda a: a.transpose(0, 2), lambda a: a.transpose(2, 1, 0), [(2, 3, 4)]),
    Op("permute", lambda a: a.permute(1, 2, 0), lambda a: a.transpose(1, 2, 0), [(2, 3, 4)]),
    Op("T", lambda a: a.T, lambda a: a.T, [(2, 3)]),
    Op("t", lambda a: a.t(), lambda a: a.T, [(2, 3)]),
    Op("expand", lambda a: a.expand(2, 3, 4), lambda a: np.broadcast_to(a, (2, 3, 4)), [(3, 1)]),
    Op("clone", lambda a: a.clone() * a, lambda a: a * a, [(3, 4)]),
    Op("to", lambda a: a.to(a.device, copy=True) * a.to(dtype=a.dtype, copy=True), lambda a: a * a, [(2, 3)]),
    Op("cat", lambda a, b: mt.cat([a, b, a], dim=1), lambda a, b: np.concatenate([a, b, a], 1), [(2, 3), (2, 1)]),
    Op("stack", lambda a, b: mt.stack([a, b], dim=1), lambda a, b: np.stack([a, b], 1), [(2, 3), (2, 3)]),
    # indexing
    Op("index_int", lambda a: a[1], lambda a: a[1], [(3, 4)], covers=("__getitem__",)),
    Op("index_slices", lambda a: a[::2, 1:-1], lambda a: a[::2, 1:-1], [(5, 4)], covers=("__getitem__",)),
    Op("index_none_ellipsis", lambda a: a[None, ..., -1], lambda a: a[None, ..., -1], [(2, 3, 4)],
       covers=("__getitem__",)),
    Op("index_tensor_repeated", lambda a: a[mt.tensor(INDEX)], lambda a: a[INDEX], [(3, 2)], covers=("__getitem__",)),
    Op("index_bool", lambda a: a[a > 0], lambda a: a[a > 0], [(4, 3)], covers=("__getitem__",)),
    Op("index_two_tensors", lambda a: a[mt.tensor([0, 1, 1]), mt.tensor([2, 0, 2])],
       lambda a: a[[0, 1, 1], [2, 0, 2]], [(2, 3)], covers=("__getitem__",)),
    Op("gather", lambda a: a.gather(1, mt.tensor([[0, 0], [2, 1]], device=a.device)),
       lambda a: np.take_along_axis(a, np.array([[0, 0], [2, 1]]), 1), [(2, 3)]),
    # matrix products
    Op("matmul_2d", lambda a, b: a @ b, lambda a, b: a @ b, [(3, 4), (4, 2)], covers=("__matmul__",)),
    Op("matmul_vector_matrix", lambda a, b: a @ b, lambda a, b: a @ b, [(4,), (4, 2)], covers=("__matmul__",)),
    Op("matmul_matrix_vector", lambda a, b: a @ b, lambda a, b: a @ b, [(3, 4), (4,)], covers=("__matmul__",)),
    Op("matmul_dot", lambda a, b: a @ b, lambda a, b: a @ b, [(4,), (4,)], covers=("__matmul__",)),
    Op("matmul_batched_broadcast", lambda a, b: a @ b, lambda a, b: a @ b, [(2, 1, 3, 4), (5, 4, 2)],
       covers=("__matmul__",)),
    Op("matmul_function", lambda a, b: mt.matmul(a, b), lambda a, b: a @ b, [(2, 3, 4), (4,)], covers=("matmul",)),
    Op("rmatmul", lambda a, b: b.__rmatmul__(a), lambda a, b: a @ b, [(3, 4), (4, 2)], covers=("__rmatmul__",)),
    Op("linear", lambda x, w, b: mt.nn.functional.linear(x, w, b), lambda x, w, b: x @ w.T + b,
       [(2, 3, 4), (5, 4), (5,)], covers=("linear",)),
    Op("linear_no_bias", lambda x, w: mt.nn.functional.linear(x, w), lambda x, w: x @ w.T, [(3, 4), (2, 4)],
       covers=("linear",)),
    Op("linear_activation_tanh", lambda x, w, b: A.linear_activation(x, w, b, "tanh"),
       lambda x, w, b: np.tanh(x @ w.T + b), [(2, 3, 4), (5, 4), (5,)], covers=("linear_activation",)),
    Op("linear_activation_elu", lambda x, w, b: A.linear_activation(x, w, b, "elu", 0.5),
       lambda x, w, b: np.where(x @ w.T + b > 0, x @ w.T + b, 0.5 * np.expm1(x @ w.T + b)), [(3, 4), (2, 4), (2,)],
       covers=("linear_activation",)),
    Op("cross_entropy_mean", lambda x: mt.nn.functional.cross_entropy(x, mt.tensor(TARGETS, device=x.device)),
       lambda x: np_cross_entropy(x, TARGETS).mean(), [(4, 3)], covers=("cross_entropy",)),
    Op("cross_entropy_sum_ignored", lambda x: mt.nn.functional.cross_entropy(
        x, mt.tensor(TARGETS, device=x.device), ignore_index=2, reduction="sum"),
       lambda x: np.where(TARGETS == 2, 0, np_cross_entropy(x, TARGETS)).sum(), [(4, 3)], covers=("cross_entropy",)),
    Op("cross_entropy_none", lambda x: mt.nn.functional.cross_entropy(x, mt.tensor(TARGETS, device=x.device),
                                                                     reduction="none"),
       lambda x: np_cross_entropy(x, TARGETS), [(4, 3)], covers=("cross_entropy",)),
    Op("einsum_matmul", lambda a, b: mt.einsum("ij,jk->ik", a, b), lambda a, b: np.einsum("ij,jk->ik", a, b),
       [(3, 4), (4, 2)], covers=("einsum",)),
    Op("einsum_batched_ellipsis", lambda a, b: mt.einsum("...ij,...jk", a, b),
       lambda a, b: np.einsum("...ij,...jk", a, b), [(2, 3, 4), (4, 2)], covers=("einsum",)),
    Op("einsum_trace", lambda a: mt.einsum("ii", a), lambda a: np.einsum("ii", a), [(3, 3)], covers=("einsum",)),
    Op("einsum_diagonal", lambda a: mt.einsum("ii->i", a), lambda a: np.einsum("ii->i", a), [(3, 3)],
       covers=("einsum",)),
    Op("einsum_outer", lambda a, b: mt.einsum("i,j->ij", a, b), lambda a, b: np.einsum("i,j->ij", a, b),
       [(3,), (2,)], covers=("einsum",)),
    Op("einsum_summed_alone", lambda a, b: mt.einsum("ij,k->i", a, b), lambda a, b: np.einsum("ij,k->i", a, b),
       [(3, 2), (4,)], covers=("einsum",)),
    Op("einsum_three", lambda a, b, c: mt.einsum("ij,jk,k->i", a, b, c),
       lambda a, b, c: np.einsum("ij,jk,k->i", a, b, c), [(2, 3), (3, 4), (4,)], covers=("einsum",)),
    Op("einsum_broadcast_one", lambda a, b: mt.einsum("ij,ij->i", a, b), lambda a, b: (a * b).sum(1),
       [(1, 3), (2, 3)], covers=("einsum",)),
    # activations
    Op("relu", lambda a: a.relu(), lambda a: np.maximum(a, 0), [(3, 4)]),
    Op("sigmoid", lambda a: a.sigmoid(), np_sigmoid, [(3, 4)]),
    Op("tanh", lambda a: a.tanh(), np.tanh, [(3, 4)]),
    Op("leaky_relu", lambda a: A.leaky_relu(a, 0.2), lambda a: np.where(a > 0, a, 0.2 * a), [(3, 4)]),
    Op("elu", lambda a: A.elu(a, 0.7), lambda a: np.where(a > 0, a, 0.7 * (np.exp(a) - 1)), [(3, 4)]),
    Op("gelu", lambda a: A.gelu(a), lambda a: a * 0.5 * (1 + np.vectorize(math.erf)(a / math.sqrt(2))), [(3, 4)]),
    Op("gelu_tanh", lambda a: A.gelu(a, approximate="tanh"),
       lambda a: 0.5 * a * (1 + np.tanh(math.sqrt(2 / math.pi) * (a + 0.044715 * a ** 3))), [(3, 4)]),
    Op("silu", lambda a: A.silu(a), lambda a: a / (1 + np.exp(-a)), [(3, 4)]),
    Op("softplus", lambda a: A.softplus(a * 8, beta=0.5, threshold=2.0) / 8,
       lambda a: np.where(a * 4 > 2, a, np.log1p(np.exp(a * 4)) / 4), [(3, 4)]),
    Op("step", lambda a: A.activation(a, "step") * a, lambda a: np.where(a > 0, a, 0.0), [(3, 4)]),
    Op("identity", lambda a: A.activation(a, "identity"), lambda a: a, [(3, 4)]),
    Op("sin", lambda a: a.sin(), np.sin, [(3, 4)]),
    Op("cos", lambda a: mt.cos(a), np.cos, [(3, 4)]),
    Op("expm1", lambda a: mt.expm1(a), np.expm1, [(3, 4)]),
    Op("log1p", lambda a: mt.log1p(a), np.log1p, [(3, 4)], positive=True),
    Op("erf", lambda a: mt.erf(a), np.vectorize(math.erf), [(3, 4)]),
    Op("erfc", lambda a: a.erfc() * 0.5 + mt.erfc(a * -2.0), lambda a: (np.vectorize(math.erfc)(a) * 0.5
                                                                     + np.vectorize(math.erfc)(a * -2.0)), [(3, 4)]),
    Op("softmax", lambda a: a.softmax(-1), lambda a: np_softmax(a, -1), [(3, 4)]),
    Op("softmax_dim0", lambda a: mt.softmax(a, 0), lambda a: np_softmax(a, 0), [(3, 4)], covers=("softmax",)),
    Op("log_softmax", lambda a: a.log_softmax(1), lambda a: np.log(np_softmax(a, 1)), [(3, 4)]),
    # nn.functional's robust losses, normalisation and padding (issue 12, module-api)
    Op("smooth_l1_loss", lambda a, b: mt.nn.functional.smooth_l1_loss(a, b, beta=0.5),
       lambda a, b: np.where(np.abs(a - b) < 0.5, (a - b) ** 2, np.abs(a - b) - 0.25).mean(), [(3, 4), (3, 4)]),
    Op("huber_loss", lambda a, b: mt.nn.functional.huber_loss(a, b, reduction="none", delta=0.5),
       lambda a, b: np.where(np.abs(a - b) < 0.5, 0.5 * (a - b) ** 2, 0.5 * (np.abs(a - b) - 0.25)),
       [(3, 4), (3, 4)]),
    Op("kl_div", lambda a, b: mt.nn.functional.kl_div(a.log_softmax(1), b.softmax(1), reduction="batchmean"),
       lambda a, b: (np_softmax(b, 1) * (np.log(np_softmax(b, 1)) - np.log(np_softmax(a, 1)))).sum() / 3,
       [(3, 4), (3, 4)], covers=("kl_div", "log_softmax", "softmax")),
    Op("cosine_similarity", lambda a, b: mt.nn.functional.cosine_similarity(a, b, dim=1),
       lambda a, b: (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)), [(3, 4), (1, 4)]),
    Op("normalize", lambda a: mt.nn.functional.normalize(a, p=2.0, dim=0),
       lambda a: a / np.linalg.norm(a, axis=0, keepdims=True), [(3, 4)]),
    Op("pad", lambda a: mt.nn.functional.pad(a, (1, -1, 2, 0), value=0.5),
       lambda a: np.pad(a[:, :-1], ((2, 0), (1, 0)), constant_values=0.5), [(3, 4)]),
    # selection, rearranging and list / range indexing (issue 12, tensor-select)
    Op("topk", lambda a: a.topk(2, dim=1).values, lambda a: -np.sort(-a, axis=1)[:, :2], [(3, 4)]),
    Op("topk_smallest", lambda a: mt.topk(a, 3, 0, largest=False, sorted=True)[0], lambda a: np.sort(a, 0)[:3],
       [(4, 2)], covers=("topk",)),
    Op("sort", lambda a: a.sort()[0], lambda a: np.sort(a, -1), [(3, 4)]),
    Op("sort_descending", lambda a: mt.sort(a, 0, descending=True, stable=True).values, lambda a: -np.sort(-a, 0),
       [(4, 3)], covers=("sort",)),
    Op("chunk", lambda a: mt.cat([p * (i + 1) for i, p in enumerate(a.chunk(3, 1))], 1),
       lambda a: a * np.array([1, 1, 2, 2, 3]), [(2, 5)]),
    Op("split_sizes", lambda a: mt.cat([p * (i + 1) for i, p in enumerate(mt.split(a, [1, 3]))]),
       lambda a: a * np.array([[1], [2], [2], [2]]), [(4, 3)], covers=("split",)),
    Op("split_int", lambda a: mt.cat([p * (i + 1) for i, p in enumerate(a.split(2, -1))], -1),
       lambda a: a * np.array([1, 1, 2, 2, 3]), [(3, 5)], covers=("split",)),
    Op("unbind", lambda a: mt.stack([p * (i + 1) for i, p in enumerate(a.unbind(1))]),
       lambda a: (a * np.array([1, 2, 3])).T, [(2, 3)]),
    Op("flip", lambda a: a.flip(0, 2), lambda a: a[::-1, :, ::-1], [(2, 3, 4)]),
    Op("flip_function", lambda a: mt.flip(a, [1]), lambda a: a[:, ::-1], [(2, 3)], covers=("flip",)),
    Op("roll_flat", lambda a: a.roll(1), lambda a: np.concatenate([a.reshape(-1)[-1:], a.reshape(-1)[:-1]]).reshape(
        a.shape), [(2, 3)], covers=("roll",)),
    Op("roll_dims", lambda a: mt.roll(a, (1, -2), (0, 1)),
       lambda a: a[np.ix_((np.arange(3) - 1) % 3, (np.arange(4) + 2) % 4)], [(3, 4)], covers=("roll",)),
    Op("tril", lambda a: a.tril(), lambda a: a * (np.arange(3)[:, None] >= np.arange(4)), [(2, 3, 4)]),
    Op("triu", lambda a: mt.triu(a, 1), lambda a: a * (np.arange(4) - np.arange(3)[:, None] >= 1), [(3, 4)]),
    Op("masked_fill", lambda a: a.masked_fill(a > 0, 0.5), lambda a: np.where(a > 0, 0.5, a), [(3, 4)]),
    Op("masked_fill_tensor", lambda a, v: mt.masked_fill(a, mt.tensor([True, False, True], device=a.device), v),
       lambda a, v: np.where([True, False, True], v, a), [(2, 3), ()], covers=("masked_fill",)),
    Op("masked_fill_", lambda a: (a * 1).masked_fill_(a < 0, -1.0), lambda a: np.where(a < 0, -1.0, a), [(3, 4)]),
    Op("repeat", lambda a: a.repeat(2, 1, 3), lambda a: np.tile(a, (2, 1, 3)), [(2, 3)]),
    Op("tile", lambda a: mt.tile(a, (2,)), lambda a: np.concatenate([a, a], 1), [(2, 3)]),
    Op("repeat_interleave", lambda a: a.repeat_interleave(2, dim=0), lambda a: a[[0, 0, 1, 1]], [(2, 3)]),
    Op("repeat_interleave_tensor", lambda a: mt.repeat_interleave(a, mt.tensor([1, 0, 2], device=a.device), dim=1),
       lambda a: a[:, [0, 2, 2]], [(2, 3)], covers=("repeat_interleave",)),
    Op("repeat_interleave_flat", lambda a: a.repeat_interleave(2), lambda a: np.repeat(a.reshape(-1), 2), [(2, 2)],
       covers=("repeat_interleave",)),
    Op("meshgrid_xy", lambda a, b: mt.stack(mt.meshgrid(a, b, indexing="xy")),
       lambda a, b: np.stack([np.broadcast_to(a, (4, 3)), np.broadcast_to(b[:, None], (4, 3))]), [(3,), (4,)],
       covers=("meshgrid",)),
    Op("meshgrid_ij", lambda a, b, c: sum(g * (i + 1) for i, g in enumerate(mt.meshgrid([a, b, c], indexing="ij"))),
       lambda a, b, c: a[:, None, None] + 2 * b[None, :, None] + 3 * c, [(2,), (3,), (4,)], covers=("meshgrid",)),
    Op("type", lambda a: a.type(a.type()) * a.type(a.dtype), lambda a: a * a, [(2, 3)]),
    Op("index_range_list", lambda a: a[range(3), [0, 2, 2]], lambda a: a[np.arange(3), np.array([0, 2, 2])],
       [(3, 4)], covers=("__getitem__",)),
    Op("index_list_slice_repeated", lambda a: a[[0, 0, 2], 1:], lambda a: a[np.array([0, 0, 2])][:, 1:], [(3, 4)],
       covers=("__getitem__",)),
    Op("index_slice_range", lambda a: a[:, range(1, 3)], lambda a: a[:, 1:3], [(2, 4)], covers=("__getitem__",)),
    Op("setitem_list", lambda a, b: assign_row(a, [2, 0], b), lambda a, b: np.stack([b[1], a[1], b[0]]),
       [(3, 4), (2, 4)], covers=("__setitem__",)),
    # tensor math (issue 12): more elementwise math, products, reductions, and in-place forms (IN_PLACE_ROWS)
    Op("log10", lambda a: a.log10(), np.log10, [(3, 4)], positive=True),
    Op("log2", lambda a: mt.log2(a), np.log2, [(3, 4)], positive=True),
    Op("exp2", lambda a: a.exp2(), np.exp2, [(3, 4)]),
    Op("sinh", lambda a: a.sinh(), np.sinh, [(3, 4)]),
    Op("cosh", lambda a: mt.cosh(a), np.cosh, [(3, 4)]),
    Op("tan", lambda a: mt.tan(a * 0.4), lambda a: np.tan(a * 0.4), [(3, 4)]),
    Op("asin", lambda a: mt.asin(a * 0.3), lambda a: np.arcsin(a * 0.3), [(3, 4)]),
    Op("acos", lambda a: (a * 0.3).acos(), lambda a: np.arccos(a * 0.3), [(3, 4)]),
    Op("atan", lambda a: mt.arctan(a), np.arctan, [(3, 4)], covers=("arctan", "atan")),
    Op("atan2", lambda a, b: mt.atan2(a, b), np.arctan2, [(3, 4), (4,)]),
    Op("arctan2_method", lambda a, b: a.arctan2(b), np.arctan2, [(3, 1), (4,)], covers=("arctan2",)),
    Op("reciprocal", lambda a: a.reciprocal(), lambda a: 1 / a, [(3, 4)], positive=True),
    Op("rsqrt", lambda a: mt.rsqrt(a), lambda a: 1 / np.sqrt(a), [(3, 4)], positive=True),
    Op("square", lambda a: a.square(), np.square, [(3, 4)]),
    Op("sign", lambda a: a.sign() * a + mt.sign(a), lambda a: np.abs(a) + np.sign(a), [(3, 4)]),
    Op("floor", lambda a: mt.floor(a * 3) + a, lambda a: np.floor(a * 3) + a, [(3, 4)]),
    Op("ceil", lambda a: (a * 3).ceil() * a, lambda a: np.ceil(a * 3) * a, [(3, 4)]),
    Op("round", lambda a: mt.round(a * 3) * a, lambda a: np.round(a * 3) * a, [(3, 4)]),
    Op("round_decimals", lambda a: (a * 3).round(decimals=1) + a, lambda a: np.round(a * 3, 1) + a, [(3, 4)],
       covers=("round",)),
    Op("trunc", lambda a: mt.trunc(a * 3) * a, lambda a: np.trunc(a * 3) * a, [(3, 4)], covers=("trunc", "fix")),
    Op("frac", lambda a: (a * 3).frac(), lambda a: a * 3 - np.trunc(a * 3), [(3, 4)]),
    Op("mm", lambda a, b: a.mm(b), lambda a, b: a @ b, [(3, 4), (4, 2)]),
    Op("bmm", lambda a, b: mt.bmm(a, b), lambda a, b: a @ b, [(2, 3, 4), (2, 4, 5)]),
    Op("mv", lambda a, b: mt.mv(a, b), lambda a, b: a @ b, [(3, 4), (4,)]),
    Op("dot", lambda a, b: a.dot(b), lambda a, b: a @ b, [(4,), (4,)]),
    Op("outer", lambda a, b: mt.outer(a, b), np.outer, [(3,), (2,)]),
    Op("addmm", lambda c, a, b: mt.addmm(c, a, b), lambda c, a, b: c + a @ b, [(2,), (3, 4), (4, 2)]),
    Op("addmm_beta_alpha", lambda c, a, b: c.addmm(a, b, beta=0.5, alpha=-2), lambda c, a, b: 0.5 * c - 2 * (a @ b),
       [(3, 1), (3, 4), (4, 2)], covers=("addmm",)),
    Op("addmm_beta_zero", lambda c, a, b: mt.addmm(c, a, b, beta=0), lambda c, a, b: a @ b,
       [(3, 2), (3, 4), (4, 2)], covers=("addmm",)),
    Op("logsumexp", lambda a: a.logsumexp(1), lambda a: np.log(np.exp(a).sum(1)), [(3, 4)]),
    Op("logsumexp_dims_keepdim", lambda a: mt.logsumexp(a * 300, (0, 2), keepdim=True),
       lambda a: np_logsumexp(a * 300, (0, 2)),
       [(2, 3, 2)], covers=("logsumexp",)),
    Op("prod", lambda a: a.prod(), np.prod, [(3, 4)]),
    Op("prod_dim_keepdim", lambda a: mt.prod(a, -1, keepdim=True), lambda a: a.prod(-1, keepdims=True), [(3, 4)],
       covers=("prod",)),
    Op("prod_zeros", lambda a: a.prod(1), lambda a: a.prod(1), [(3, 4)], zeros=True, covers=("prod",)),
    Op("prod_all_zeros", lambda a: mt.prod(a[1]), lambda a: a[1].prod(), [(3, 4)], zeros=True,
       covers=("prod", "__getitem__")),
    Op("cumsum", lambda a: a.cumsum(0), lambda a: np.cumsum(a, 0), [(3, 4)]),
    Op("cumsum_function", lambda a: mt.cumsum(a, dim=-1), lambda a: np.cumsum(a, -1), [(2, 3, 4)],
       covers=("cumsum",)),
    Op("cumprod", lambda a: mt.cumprod(a, 1), lambda a: np.cumprod(a, 1), [(3, 4)]),
    Op("cumprod_zeros", lambda a: a.cumprod(1), lambda a: np.cumprod(a, 1), [(3, 4)], zeros=True,
       covers=("cumprod",)),
    Op("cumprod_zeros_dim0", lambda a: mt.cumprod(a, 0), lambda a: np.cumprod(a, 0), [(3, 4)], zeros=True,
       covers=("cumprod",)),
    Op("norm", lambda a: a.norm(), lambda a: np.sqrt((a * a).sum()), [(3, 4)]),
    Op("norm_fro_dims", lambda a: mt.norm(a, "fro", dim=(0, 2)), lambda a: np.sqrt((a * a).sum((0, 2))),
       [(2, 3, 2)], covers=("norm",)),
    Op("norm_1", lambda a: a.norm(1, dim=1), lambda a: np.abs(a).sum(1), [(3, 4)], covers=("norm",)),
    Op("norm_inf", lambda a: mt.norm(a, float("inf"), dim=0, keepdim=True), lambda a: np.abs(a).max(0, keepdims=True),
       [(3, 4)], covers=("norm",)),
    Op("norm_minus_inf", lambda a: mt.norm(a, -math.inf), lambda a: np.abs(a).min(), [(3, 4)], covers=("norm",)),
    Op("norm_3", lambda a: a.norm(3, dim=-1), lambda a: (np.abs(a) ** 3).sum(-1) ** (1 / 3), [(3, 4)],
       covers=("norm",)),
    Op("norm_half", lambda a: a.norm(0.5), lambda a: (np.abs(a) ** 0.5).sum() ** 2, [(3, 4)], covers=("norm",)),
]

F = mt.nn.functional
OPS += [Op(name, function, reference, shapes, covers=covers)  # pooling (issue 13, pool): pool_rows.py
        for name, function, reference, shapes, covers in POOL_ROWS]

IN_PLACE_ROWS = [  # name, reference, positive inputs, arguments
    ("exp_", np.exp, False, ()), ("log_", np.log, True, ()), ("sqrt_", np.sqrt, True, ()), ("abs_", np.abs, False, ()),
    ("neg_", np.negative, False, ()), ("sin_", np.sin, False, ()), ("cos_", np.cos, False, ()),
    ("expm1_", np.expm1, False, ()), ("log1p_", np.log1p, True, ()), ("log10_", np.log10, True, ()),
    ("log2_", np.log2, True, ()), ("exp2_", np.exp2, False, ()), ("sinh_", np.sinh, False, ()),
    ("cosh_", np.cosh, False, ()), ("atan_", np.arctan, False, ()), ("arctan_", np.arctan, False, ()),
    ("reciprocal_", np.reciprocal, True, ()), ("rsqrt_", lambda a: 1 / np.sqrt(a), True, ()),
    ("square_", np.square, False, ()), ("sigmoid_", np_sigmoid, False, ()), ("tanh_", np.tanh, False, ()),
    ("relu_", lambda a: np.maximum(a, 0), False, ()), ("clamp_", lambda a: np.clip(a, -0.5, 0.7), False, (-0.5, 0.7)),
    ("clip_", lambda a: np.maximum(a, 0.1), False, (0.1,)), ("pow_", lambda a: a ** 3, False, (3,)),
    ("frac_", lambda a: a - np.trunc(a), False, ()), ("cumsum_", lambda a: np.cumsum(a, 1), False, (1,)),
    ("cumprod_", lambda a: np.cumprod(a, 1), False, (1,)),
]
"""The in-place forms of the ops: each runs on a copy (a leaf that requires grad may not change in place)."""

OPS += [Op(name, (lambda name, args: lambda a: getattr(a * 1, name)(*args))(name, args), reference, [(3, 4)],
           positive=positive) for name, reference, positive, args in IN_PLACE_ROWS]
OPS += [
    Op("tan_", lambda a: (a * 0.4).tan_(), lambda a: np.tan(a * 0.4), [(3, 4)]),
    Op("asin_", lambda a: (a * 0.3).asin_(), lambda a: np.arcsin(a * 0.3), [(3, 4)]),
    Op("acos_", lambda a: (a * 0.3).arccos_(), lambda a: np.arccos(a * 0.3), [(3, 4)], covers=("arccos_",)),
    Op("atan2_", lambda a, b: (a * 1).atan2_(b), np.arctan2, [(3, 4), (4,)]),
    Op("addmm_", lambda c, a, b: (c * 1).addmm_(a, b, alpha=2), lambda c, a, b: c + 2 * (a @ b),
       [(3, 2), (3, 4), (4, 2)]),
    Op("rounding_", lambda a: (a * 3).floor_() * (a * 3).ceil_() + (a * 3).round_() * (a * 3).trunc_() * a
       + (a * 3).sign_() * (a * 3).fix_(), lambda a: np.floor(a * 3) * np.ceil(a * 3) + np.round(a * 3)
       * np.trunc(a * 3) * a + np.sign(a) * np.trunc(a * 3), [(3, 4)],
       covers=("floor_", "ceil_", "round_", "trunc_", "sign_", "fix_")),
]


OPS += [Op(name, function, reference, shapes, covers=covers)  # convolution (issue 13, conv): conv_rows.py
        for name, function, reference, shapes, covers in CONV_ROWS]


def make_inputs(op: Op, seed: int, dtype: mt.dtype = mt.float64, shapes: list | None = None) -> list[np.ndarray]:
    """Random inputs of the op's shapes (or of `shapes`) in dtype."""
    rng = np.random.default_rng(seed)
    arrays = []
    for shape in op.shapes if shapes is None else shapes:
        values = rng.uniform(0.5, 2.0, shape) if op.positive else rng.standard_normal(shape)
        if op.zeros:
            values.reshape(-1)[ZERO_AT] = 0
        arrays.append(values.astype(dtype.numpy))
    return arrays


@pytest.mark.parametrize("op", OPS, ids=[op.name for op in OPS])
@pytest.mark.parametrize("dtype", [mt.float64, mt.float32], ids=["float64", "float32"])
def test_forward_matches_numpy(op: Op, dtype: mt.dtype) -> None:
    arrays = make_inputs(op, seed=0, dtype=dtype)
    result = op.function(*(mt.tensor(array) for array in arrays))
    expected = np.asarray(op.reference(*arrays))
    assert result.dtype is dtype
    assert tuple(result.shape) == expected.shape
    tolerance = 1e-12 if dtype is mt.float64 else 1e-5
    np.testing.assert_allclose(result.numpy(), expected, rtol=tolerance, atol=tolerance)


@pytest.mark.parametrize("op", OPS, ids=[op.name for op in OPS])
def test_gradcheck(op: Op) -> None:
    inputs = [mt.tensor(array, requires_grad=True) for array in make_inputs(op, seed=1)]
    assert gradcheck(op.function, inputs)


@pytest.mark.parametrize("op", [op for op in OPS if op.second_order], ids=[op.name for op in OPS if op.second_order])
def test_gradgradcheck(op: Op) -> None:
    inputs = [mt.tensor(array, requires_grad=True) for array in make_inputs(op, seed=2)]
    assert gradgradcheck(op.function, inputs)


@pytest.mark.parametrize("op", OPS, ids=[op.name for op in OPS])
def test_gradient_dtype_and_shape_match_each_input(op: Op) -> None:
    inputs = [mt.tensor(array, requires_grad=True) for array in make_inputs(op, seed=3, dtype=mt.float32)]
    op.function(*inputs).sum().backward()
    for tensor in inputs:
        assert tensor.grad is not None
        assert tensor.grad.dtype is mt.float32
        assert tensor.grad.shape == tensor.shape


def _forward_and_gradients(op: Op, arrays: list[np.ndarray], device: str, strided: bool = False) -> tuple:
    """The op's output and every input's gradient (for a fixed random weighting), as NumPy arrays.

    strided: each input (of at least one dim) is the non-contiguous view [..., ::2] of a leaf twice as wide,
    holding the same values; the gradients are then the leaves'.
    """
    if strided:
        leaves = [mt.tensor(np.repeat(array, 2, axis=-1) if array.ndim else array, device=device,
                            requires_grad=True) for array in arrays]
        inputs = [leaf[..., ::2] if leaf.ndim else leaf for leaf in leaves]
        assert any(not tensor.is_contiguous() for tensor in inputs)
    else:
        leaves = inputs = [mt.tensor(array, device=device, requires_grad=True) for array in arrays]
    output = op.function(*inputs)
    weights = np.random.default_rng(4).standard_normal(tuple(output.shape))
    (output * mt.tensor(weights, dtype=output.dtype, device=device)).sum().backward()
    assert output.device == device and all(tensor.grad.device == device for tensor in leaves)
    return output.detach().cpu().numpy(), [tensor.grad.cpu().numpy() for tensor in leaves]


@pytest.mark.parametrize("op", OPS, ids=[op.name for op in OPS])
def test_ops_follow_their_tensors_device(op: Op, fake_cuda) -> None:
    """On a stand-in "cuda" device (NumPy under another name) every op stays there and gives the CPU's numbers."""
    arrays = make_inputs(op, seed=5)
    cpu_output, cpu_grads = _forward_and_gradients(op, arrays, "cpu")
    device_output, device_grads = _forward_and_gradients(op, arrays, "cuda:0")
    np.testing.assert_allclose(device_output, cpu_output, rtol=1e-12)
    for device_grad, cpu_grad in zip(device_grads, cpu_grads):
        np.testing.assert_allclose(device_grad, cpu_grad, rtol=1e-12, atol=1e-15)


ZERO_D = {"add", "add_scalar", "add_alpha", "sub", "rsub", "mul", "div", "rdiv", "neg", "remainder", "rremainder",
          "pow_scalar", "pow_fraction", "pow_tensor", "rpow", "exp", "log", "sqrt", "abs", "clamp", "clamp_min",
          "maximum", "minimum", "where", "sum", "mean", "max", "min", "view", "squeeze", "unsqueeze", "T", "expand",
          "index_bool", "relu", "sigmoid", "tanh", "leaky_relu", "elu", "gelu", "gelu_tanh", "silu", "softplus",
          "step", "identity", "sin", "cos", "expm1", "log1p", "erf", "erfc", "softmax", "softmax_dim0"}
"""The rows whose inputs may all be 0-d tensors."""
ZERO_D |= {"log10", "log2", "exp2", "sinh", "cosh", "tan", "asin", "acos", "atan", "atan2", "reciprocal", "rsqrt",
           "square", "sign", "floor", "ceil", "round", "round_decimals", "trunc", "frac", "prod", "norm", "norm_half",
           "norm_minus_inf", "exp_", "sqrt_", "frac_", "rounding_"}  # tensor math (issue 12)

GPU_TOLERANCES = {"float64": (1e-10, 1e-12), "float32": (1e-5, 1e-6), "float16": (1e-2, 1e-2)}
"""(rtol, atol) between the GPU and the CPU in the same dtype: a few roundings apart (CUDA's math functions
are within 2 ulp, sums add in another order), where a wrong kernel is off by O(1)."""

GPU_CASES = [(op, dtype, layout) for op in OPS for dtype in GPU_TOLERANCES
             for layout in ("contiguous", "strided", *(("0-d",) if op.name in ZERO_D else ()))]


def test_zero_d_rows_take_0_d_inputs_on_the_cpu() -> None:
    """ZERO_D names real rows that accept 0-d inputs and give their reference's numbers."""
    for op in OPS:
        if op.name in ZERO_D:
            arrays = [np.asarray(value) for value in make_inputs(op, seed=6, shapes=[()] * len(op.shapes))]
            output, _ = _forward_and_gradients(op, arrays, "cpu")
            np.testing.assert_allclose(output, op.reference(*arrays), rtol=1e-12, err_msg=op.name)


@requires_gpu
@pytest.mark.gpu
@pytest.mark.parametrize("op, dtype, layout", GPU_CASES, ids=[f"{op.name}-{dtype}-{layout}" for op, dtype, layout
                                                               in GPU_CASES])
def test_ops_on_a_real_gpu_match_the_cpu(op: Op, dtype: str, layout: str) -> None:
    shapes = [()] * len(op.shapes) if layout == "0-d" else None
    arrays = make_inputs(op, seed=6, dtype=getattr(mt, dtype), shapes=shapes)
    cpu_output, cpu_grads = _forward_and_gradients(op, arrays, "cpu", strided=layout == "strided")
    gpu_output, gpu_grads = _forward_and_gradients(op, arrays, "cuda:0", strided=layout == "strided")
    rtol, atol = GPU_TOLERANCES[dtype]
    assert gpu_output.dtype == cpu_output.dtype and [grad.dtype for grad in gpu_grads] == [np.dtype(dtype)] * len(
        gpu_grads)
    np.testing.assert_allclose(gpu_output, cpu_output, rtol=rtol, atol=atol)
    for gpu_grad, cpu_grad in zip(gpu_grads, cpu_grads):
        np.testing.assert_allclose(gpu_grad, cpu_grad, rtol=rtol, atol=atol)
    if dtype == "float64" and layout == "contiguous":
        inputs = [mt.tensor(array, device="cuda", requires_grad=True) for array in arrays]
        assert gradcheck(op.function, inputs)


NOT_OPS = {"__init__", "__repr__", "__format__", "__len__", "__iter__", "__bool__", "__float__", "__int__",
           "__index__", "__array__", "__dlpack__", "__dlpack_device__", "__deepcopy__", "__hash__", "__module__",
           "__doc__", "__slots__", "__weakref__"}
"""Tensor's dunders that are Python protocols (conversion, printing, iteration), not ops on tensors."""

NOT_DIFFERENTIABLE: dict[str, Callable] = {
    **{name: (lambda name: lambda a: getattr(mt, name)(a, 0.5))(name)
       for name in ("eq", "ne", "lt", "le", "gt", "ge", "floor_divide")},
    **{name: (lambda name: lambda a: getattr(operator, name)(a, 0.5))(name)
       for name in ("__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__floordiv__")},
    "__rfloordiv__": lambda a: 0.5 // a,
    "logical_and": lambda a: mt.logical_and(a, a), "logical_or": lambda a: mt.logical_or(a, a),
    "logical_not": lambda a: mt.logical_not(a), "__invert__": lambda a: ~(a > 0),
    "__and__": lambda a: (a > 0) & (a < 1), "__or__": lambda a: (a > 0) | (a < 1),
    "any": lambda a: a.any(), "all": lambda a: a.all(), "argmax": lambda a: a.argmax(), "argmin": lambda a: a.argmin(),
    # selection, construction and comparison (issue 12, tensor-select): indices, counts, new tensors, verdicts
    "argsort": lambda a: a.argsort(), "unique": lambda a: a.unique(), "nonzero": lambda a: a.nonzero(),
    "argwhere": lambda a: mt.argwhere(a), "histc": lambda a: a.histc(3), "histogram": lambda a: a.histogram(3).hist,
    "bincount": lambda a: mt.bincount(mt.tensor([0, 2]), weights=a[:2]),
    "new_zeros": lambda a: a.new_zeros(2), "new_ones": lambda a: a.new_ones(2), "new_empty": lambda a: a.new_empty(2),
    "new_full": lambda a: a.new_full((2,), 1.0), "new_tensor": lambda a: a.new_tensor(a),
    "isclose": lambda a: mt.isclose(a, a), "allclose": lambda a: mt.tensor(mt.allclose(a, a)),
    "equal": lambda a: mt.tensor(a.equal(a)), "is_tensor": lambda a: mt.tensor(mt.is_tensor(a)),
    "numel": lambda a: mt.tensor(mt.numel(a)),
}
"""The public ops without a gradient, each called here on an input that requires grad."""


def public_ops() -> dict[str, object]:
    """Every op the package exports, by name: minitorch's functions from minitorch.functions, the Tensor
    methods those are bound as, Tensor's operators, and the activation registry's names."""
    functions = {name: value for name, value in vars(mt).items()
                 if callable(value) and getattr(value, "__module__", "").startswith("minitorch.functions.")}
    operators = {name: value for name, value in vars(mt.Tensor).items()
                 if name.startswith("__") and name not in NOT_OPS}
    return {**functions, **TENSOR_METHODS, **operators, **A.ACTIVATIONS}


def _exists(name: str) -> bool:
    """A public name of minitorch, Tensor, nn.functional, the activation module, or the activation registry."""
    return name in A.ACTIVATIONS or any(hasattr(namespace, name)
                                        for namespace in (mt, mt.Tensor, mt.nn.functional, A))


def test_every_row_covers_public_names_exactly() -> None:
    unknown = sorted({name for op in OPS for name in op.covers if not _exists(name)})
    assert not unknown, f"rows cover names the package does not export: {unknown}"


def test_table_covers_every_differentiable_public_op() -> None:
    """A new differentiable op must get a row: every exported op (an alias counts as its target) is in OPS."""
    ops = public_ops()
    covered = {name for op in OPS for name in op.covers}
    covered_objects = [ops[name] for name in covered if name in ops]
    missing = sorted(name for name, value in ops.items() if name not in NOT_DIFFERENTIABLE and name not in covered
                     and not any(value is target for target in covered_objects))
    assert not missing, f"differentiable ops without a row in OPS: {missing}"


@pytest.mark.parametrize("name", list(NOT_DIFFERENTIABLE))
def test_ops_left_out_of_the_table_have_no_gradient(name: str) -> None:
    assert name in public_ops(), f"{name} is not a public op: remove it from NOT_DIFFERENTIABLE"
    output = NOT_DIFFERENTIABLE[name](mt.tensor([0.25, -1.5, 2.0], requires_grad=True))
    assert not output.requires_grad


@pytest.mark.parametrize("name", list(A.ACTIVATIONS))
def test_fused_bias_activation_matches_the_two_step_form(name: str) -> None:
    rng = np.random.default_rng(7)
    x_values, bias_values = rng.standard_normal((5, 4)), rng.standard_normal(4)
    fused_x = mt.tensor(x_values, requires_grad=True)
    fused_bias = mt.tensor(bias_values, requires_grad=True)
    fused = A.bias_activation(fused_x, fused_bias, name, 0.3, 1.5)
    plain_x = mt.tensor(x_values, requires_grad=True)
    plain_bias = mt.tensor(bias_values, requires_grad=True)
    plain = A.activation(plain_x + plain_bias, name, 0.3, 1.5)
    np.testing.assert_allclose(fused.detach().numpy(), plain.detach().numpy(), rtol=1e-14)
    fused.sum().backward()
    plain.sum().backward()
    np.testing.assert_allclose(fused_x.grad.numpy(), plain_x.grad.numpy(), rtol=1e-14)
    np.testing.assert_allclose(fused_bias.grad.numpy(), plain_bias.grad.numpy(), rtol=1e-14)
    assert gradcheck(lambda x, b: A.bias_activation(x, b, name, 0.3, 1.5), [fused_x, fused_bias])
    assert gradgradcheck(lambda x, b: A.bias_activation(x, b, name, 0.3, 1.5), [fused_x, fused_bias])
