"""Losses: softmax cross-entropy as one Function (a fused backend kernel each way), the others composed of
differentiable tensor ops, and one_hot.

Every loss takes reduction='mean' | 'sum' | 'none' as PyTorch's. With class-index targets, cross_entropy
and nll_loss accept inputs (N, C), (C,) or (N, C, d1, ...), per-class weights and an ignore_index.
"""
from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from .. import creation, dtypes
from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..tensor import Tensor
from .activation import log_softmax, softmax, softplus
from .arithmetic import check_tensor, clamp, log, log1p, where
from .construction import TYPE_NAMES

REDUCTIONS = ("mean", "sum", "none")
BCE_EPSILON = 1e-12  # PyTorch's floor on x (1 - x) in binary_cross_entropy's gradient


class SoftmaxCrossEntropy(Function):
    """loss_n = log Σ e^(x_n - m_n) - (x_n[t_n] - m_n), m_n = max x_n, for logits x (N, C) and class indices t (N,),
    0 where t_n is ignored: the logit is shifted before the difference, so that logits of ±1e4 stay exact.

    With `scale`, the result is scale · Σ_n loss_n (the mean when scale = 1 / kept rows), so a reduced
    loss is one node. dx_n = (softmax(x_n) - one_hot(t_n)) · grad_n. Both passes are one backend kernel;
    under create_graph the gradient is built from tensor ops instead, so that it can be differentiated again.
    """

    node_name = "NllLossBackward0"  # PyTorch's last node of cross_entropy, which this one fuses
    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, logits: Any, target: Any, ignore_index: int, scale: float | None) -> Any:
        loss, row_max, log_sum = ctx._backend.cross_entropy_forward(logits, target, ignore_index)
        ctx.ignore_index, ctx.scale = ignore_index, scale
        ctx.save_for_backward(logits, target, row_max, log_sum)
        if scale is None:
            return loss
        total = loss.sum(dtype=np.float32) if loss.dtype == np.float16 else loss.sum()
        return (total * scale).astype(loss.dtype)

    @staticmethod
    def backward(ctx: Function, grad_loss: Tensor) -> tuple:
        logits, target, row_max, log_sum = ctx.saved_tensors
        rows = logits.shape[0]
        if is_grad_enabled():
            if ctx.scale is not None:  # every row's loss entered the sum with weight scale
                grad_loss = (grad_loss * ctx.scale).expand(rows)
            kept = (target != ctx.ignore_index).to(logits.dtype)
            classes = creation.arange(logits.shape[1], device=logits.device)
            picked = (target.unsqueeze(1) == classes).to(logits.dtype)
            return (softmax(logits, 1) - picked) * (grad_loss * kept).unsqueeze(1), None, None, None
        grad_per_row = (ctx.xp.ascontiguousarray(grad_loss._data) if ctx.scale is None  # the kernel reads rows
                         else ctx.xp.full(rows, grad_loss._data * ctx.scale, dtype=grad_loss._data.dtype))
        grad_logits = ctx._backend.cross_entropy_backward(logits._data, target._data, row_max._data, log_sum._data,
                                                          grad_per_row, ctx.ignore_index)
        return Tensor._make(grad_logits, ctx._backend), None, None, None


class BinaryCrossEntropy(Function):
    """loss = -(t · max(log x, -100) + (1 - t) · max(log(1 - x), -100)) per element, as PyTorch's.

    dx = grad · (x - t) / max(x (1 - x), 1e-12) and dt = grad · (log(1 - x) - log x), PyTorch's gradients:
    finite for x in [0, 1], also at x = 0 and 1 where the clamped logs have no derivative.
    """

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, input: Any, target: Any) -> Any:
        ctx.save_for_backward(input, target)
        with np.errstate(divide="ignore"):  # log 0 = -inf, clamped to -100
            log_input = ctx.xp.maximum(ctx.xp.log(input), -100)
            log_complement = ctx.xp.maximum(ctx.xp.log1p(-input), -100)
        return (target - 1) * log_complement - target * log_input

    @staticmethod
    def backward(ctx: Function, grad_loss: Tensor) -> tuple:
        input, target = ctx.saved_tensors
        grad_input = grad_target = None
        if ctx.needs_input_grad[0]:
            grad_input = grad_loss * (input - target) / clamp(input * (1 - input), min=BCE_EPSILON)
        if ctx.needs_input_grad[1]:
            grad_target = grad_loss * (log1p(-input) - log(input))
        return grad_input, grad_target


# ---- argument checks ----
def _check_reduction(reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")


def _check_floating(input: Tensor, function: str) -> None:
    check_tensor(input, "input", function)
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"{function}(): expected a floating-point input, got {input.dtype.name}")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


def _warn_if_broadcast(input: Tensor, target: Tensor) -> None:
    if target.shape != input.shape:
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
                      "This will likely lead to incorrect results due to broadcasting. Please ensure they have "
                      "the same size.", UserWarning, stacklevel=3)


# ---- class-index targets ----
def _rows_and_targets(input: Tensor, target: Tensor, weight: Tensor | None, ignore_index: int,
                      function: str) -> tuple[Tensor, Tensor, Tensor]:
    """Check a class-index target; return input as rows (M, C), target (M,), and kept (M,) (bool)."""
    _check_floating(input, function)
    check_tensor(target, "target", function)
    shape, targets = input._data.shape, target._data  # checked on the arrays: no graph nodes for bookkeeping
    if not shape:
        raise ValueError(f"{function}(): input must have at least 1 dimension (classes), got a 0-d tensor")
    if targets.dtype != np.int64:
        raise RuntimeError(f"expected target dtype to be Long (int64), but got {target.dtype.name}")
    class_dim = 0 if len(shape) == 1 else 1
    classes = shape[class_dim]
    expected = shape[:class_dim] + shape[class_dim + 1:]
    if len(shape) == 2 and targets.ndim == 1 and targets.shape[0] != shape[0]:
        raise ValueError(f"Expected input batch_size ({shape[0]}) to match target batch_size ({targets.shape[0]}): "
                         f"input of shape {list(shape)}, target of shape {list(targets.shape)}.")
    if targets.shape != expected:
        raise RuntimeError(f"Expected target size {list(expected)}, got {list(targets.shape)}")
    if weight is not None and (weight.ndim != 1 or weight.shape[0] != classes):
        raise RuntimeError(f"weight tensor should be defined either for all {classes} classes or no classes but "
                           f"got weight tensor of shape: {list(weight.shape)}")
    with target._backend.context():
        kept_array = targets != ignore_index
        if targets.size and bool((targets.min() < 0) | (targets.max() >= classes)):  # out of range, or ignored
            out_of_bounds = kept_array & ((targets < 0) | (targets >= classes))
            if out_of_bounds.any():
                raise IndexError(f"Target {int(targets[out_of_bounds].reshape(-1)[0])} is out of bounds: "
                                 f"{classes} classes, so a target must be in [0, {classes - 1}].")
        kept = Tensor._make(kept_array.reshape(-1), target._backend)
    if len(shape) == 2:
        rows = input
    elif len(shape) == 1:
        rows = input.reshape(1, classes)
    else:
        rows = input.permute(0, *range(2, input.ndim), 1).reshape(-1, classes)
    return rows, target if targets.ndim == 1 else target.reshape(-1), kept


def _weighted_reduce(losses: Tensor, target: Tensor, kept: Tensor, weight: Tensor | None, reduction: str,
                     shape: tuple) -> Tensor:
    """Reduce per-row losses (already 0 where ignored); 'mean' divides by the total weight of the kept rows."""
    if weight is None:
        if reduction == "mean":  # by the number of kept rows, counted on the array
            with kept._backend.context():
                count = int(kept._data.sum())
            return losses.sum() / count
        sample_weight = None
    else:
        sample_weight = weight.to(losses.dtype)[where(kept, target, 0)] * kept
        losses = losses * sample_weight
    if reduction == "none":
        return losses.reshape(shape)
    if reduction == "sum":
        return losses.sum()
    return losses.sum() / sample_weight.sum()


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, *, ignore_index: int = -100,
             reduction: str = "mean") -> Tensor:
    """The negative log-likelihood of class indices: loss_n = -weight[t_n] · input[n, t_n].

    input: log-probabilities (N, C), (C,) or (N, C, d1, ...); target: (N,), () or (N, d1, ...) of int64.
    """
    _check_reduction(reduction)
    rows, flat_target, kept = _rows_and_targets(input, target, weight, ignore_index, "nll_loss")
    picked = rows.gather(1, where(kept, flat_target, 0).unsqueeze(1)).squeeze(1)
    return _weighted_reduce(-picked * kept, flat_target, kept, weight, reduction, tuple(target.shape))


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, *, ignore_index: int = -100,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy of logits against class indices or class probabilities, as torch.nn.functional's.

    input: logits (N, C), (C,) or (N, C, d1, ...). target: class indices (N,), () or (N, d1, ...) of int64
    (rows equal to ignore_index count for nothing), or probabilities of input's shape.
    loss_n = -Σ_c weight_c · q_nc · log softmax(x_n)_c with q the (label-smoothed) target distribution:
    q = (1 - ε) · target + ε / C.
    """
    _check_reduction(reduction)
    check_tensor(target, "target", "cross_entropy")
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if target.dtype.is_floating_point:
        return _cross_entropy_probabilities(input, target, weight, ignore_index, reduction, label_smoothing)
    rows, flat_target, kept = _rows_and_targets(input, target, weight, ignore_index, "cross_entropy")
    if weight is None and reduction != "none" and label_smoothing == 0.0:  # the common case: one node
        with kept._backend.context():
            kept_count = int(kept._backend.xp.count_nonzero(kept._data))
        scale = 1.0 if reduction == "sum" else 1.0 / kept_count if kept_count else math.nan
        return SoftmaxCrossEntropy.apply(rows, flat_target, int(ignore_index), scale)
    losses = SoftmaxCrossEntropy.apply(rows, flat_target, int(ignore_index), None)
    loss = _weighted_reduce(losses, flat_target, kept, weight, reduction, tuple(target.shape))
    if label_smoothing == 0.0:
        return loss
    # PyTorch's smoothing term: the (weighted) sum of -log p over all classes, normalised like the main term
    log_probabilities = log_softmax(rows, 1)
    if weight is not None:
        log_probabilities = log_probabilities * weight.to(rows.dtype)
    smooth = -log_probabilities.sum(1) * kept
    if reduction == "none":
        smooth = smooth.reshape(tuple(target.shape))
    elif reduction == "sum":
        smooth = smooth.sum()
    elif weight is None:
        smooth = smooth.sum() / kept.sum()
    else:
        smooth = smooth.sum() / (weight.to(rows.dtype)[where(kept, flat_target, 0)] * kept).sum()
    classes = rows.shape[1]
    return (1 - label_smoothing) * loss + smooth * (label_smoothing / classes)


def _cross_entropy_probabilities(input: Tensor, target: Tensor, weight: Tensor | None, ignore_index: int,
                                 reduction: str, label_smoothing: float) -> Tensor:
    _check_floating(input, "cross_entropy")
    if target.shape != input.shape:
        raise RuntimeError(f"Expected target size {list(input.shape)}, got {list(target.shape)}")
    if ignore_index != -100:
        raise RuntimeError("ignore_index is not supported for floating point target")
    class_dim = 0 if input.ndim == 1 else 1
    classes = input.shape[class_dim]
    if label_smoothing > 0:
        target = target * (1 - label_smoothing) + label_smoothing / classes
    terms = log_softmax(input, class_dim) * target
    if weight is not None:
        if weight.ndim != 1 or weight.shape[0] != classes:
            raise RuntimeError(f"weight tensor should be defined either for all {classes} classes or no classes "
                               f"but got weight tensor of shape: {list(weight.shape)}")
        terms = terms * weight.to(input.dtype).reshape((classes,) + (1,) * (input.ndim - class_dim - 1))
    if reduction == "none":
        return -terms.sum(class_dim)
    if reduction == "sum":
        return -terms.sum()
    return -terms.sum() / (input.numel() // classes)


# ---- regression and binary losses ----
def mse_loss(input: Tensor, target: Tensor, *, reduction: str = "mean") -> Tensor:
    """The squared error (input - target)², averaged ('mean'), summed, or per element ('none')."""
    _check_reduction(reduction)
    _check_floating(input, "mse_loss")
    check_tensor(target, "target", "mse_loss")
    _warn_if_broadcast(input, target)
    difference = input - target
    return _reduce(difference * difference, reduction)


def l1_loss(input: Tensor, target: Tensor, *, reduction: str = "mean") -> Tensor:
    """The absolute error |input - target|, averaged ('mean'), summed, or per element ('none')."""
    _check_reduction(reduction)
    _check_floating(input, "l1_loss")
    check_tensor(target, "target", "l1_loss")
    _warn_if_broadcast(input, target)
    return _reduce((input - target).abs(), reduction)


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, *,
                         reduction: str = "mean") -> Tensor:
    """-weight · (t log x + (1 - t) log(1 - x)) for probabilities x in [0, 1]; each log is clamped at -100.

    input and target have the same shape; weight broadcasts to it.
    """
    _check_reduction(reduction)
    _check_floating(input, "binary_cross_entropy")
    check_tensor(target, "target", "binary_cross_entropy")
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size "
                         f"({input.shape}) is deprecated. Please ensure they have the same size.")
    if target.dtype != input.dtype:  # PyTorch's check and wording, our names added
        found, expected = (TYPE_NAMES[dtype].removesuffix("Tensor") for dtype in (target.dtype, input.dtype))
        raise RuntimeError(f"Found dtype {found} but expected {expected} (binary_cross_entropy: target "
                           f"{target.dtype}, input {input.dtype})")
    if ((input < 0) | (input > 1)).sum().item():
        raise RuntimeError("all elements of input should be between 0 and 1")
    loss = BinaryCrossEntropy.apply(input, target)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None, *,
                                     reduction: str = "mean", pos_weight: Tensor | None = None) -> Tensor:
    """binary_cross_entropy(sigmoid(x), t) in a stable form: (1 - t) x + (1 + (p - 1) t) · softplus(-x).

    softplus(-x) = log(1 + e^-x) never overflows; p is pos_weight (the weight of positive examples,
    broadcast along the last dim, one per class), weight scales each element.
    """
    _check_reduction(reduction)
    _check_floating(input, "binary_cross_entropy_with_logits")
    check_tensor(target, "target", "binary_cross_entropy_with_logits")
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    log_sigmoid_complement = softplus(-input, 1.0, math.inf)  # threshold inf: always the exact formula
    if pos_weight is None:
        loss = (1 - target) * input + log_sigmoid_complement
    else:
        loss = (1 - target) * input + (1 + (pos_weight - 1) * target) * log_sigmoid_complement
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Class indices (*) as int64 one-hot vectors (*, num_classes); num_classes=-1 means max + 1."""
    check_tensor(tensor, "tensor", "one_hot")
    if tensor.dtype is not dtypes.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        if tensor.numel() == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(tensor.max().item()) + 1
    if tensor.numel():
        if tensor.min().item() < 0:
            raise RuntimeError("Class values must be non-negative.")
        if tensor.max().item() >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    classes = creation.arange(num_classes, device=tensor.device)
    return (tensor.unsqueeze(-1) == classes).long()
