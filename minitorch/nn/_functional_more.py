"""nn.functional's robust losses (smooth L1, Huber, KL divergence), vector normalisation and constant padding,
each a composition of differentiable tensor ops (re-exported by minitorch.nn.functional)."""
from __future__ import annotations

import math
import warnings
from typing import Sequence

from .. import creation
from ..functions.arithmetic import check_tensor, where
from ..functions.loss import _check_floating, _check_reduction, _reduce, _warn_if_broadcast
from ..functions.shape import cat
from ..tensor import Tensor


def _checked_distance(input: Tensor, target: Tensor, reduction: str, name: str) -> Tensor:
    """|input - target| after the argument checks the distance losses share (PyTorch's errors and warning)."""
    _check_reduction(reduction)
    _check_floating(input, name)
    check_tensor(target, "target", name)
    _warn_if_broadcast(input, target)
    return (input - target).abs()


def smooth_l1_loss(input: Tensor, target: Tensor, *, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """0.5 d² / beta where |d| < beta, else |d| - 0.5 beta (d = input - target); beta = 0 is the L1 loss."""
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    distance = _checked_distance(input, target, reduction, "smooth_l1_loss")
    if beta == 0:
        return _reduce(distance, reduction)
    return _reduce(where(distance < beta, 0.5 * distance * distance / beta, distance - 0.5 * beta), reduction)


def huber_loss(input: Tensor, target: Tensor, *, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """0.5 d² where |d| < delta, else delta (|d| - 0.5 delta): smooth_l1_loss(beta=delta) times delta."""
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    distance = _checked_distance(input, target, reduction, "huber_loss")
    loss = where(distance < delta, 0.5 * distance * distance, delta * (distance - 0.5 * delta))
    return _reduce(loss if weight is None else loss * weight, reduction)


def kl_div(input: Tensor, target: Tensor, *, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """KL(target ‖ exp(input)) pointwise: target (log target - input), 0 where target is 0; input holds
    log-probabilities, target probabilities (log-probabilities with log_target). 'batchmean' divides the sum
    by the batch size (input.size(0)), the KL divergence's definition; 'mean' by the number of elements."""
    _check_floating(input, "kl_div")
    check_tensor(target, "target", "kl_div")
    if reduction == "batchmean":
        loss = _kl_pointwise(input, target, log_target).sum()
        return loss / input.shape[0] if input.ndim else loss
    _check_reduction(reduction)
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                      UserWarning, stacklevel=2)
    return _reduce(_kl_pointwise(input, target, log_target), reduction)


def _kl_pointwise(input: Tensor, target: Tensor, log_target: bool) -> Tensor:
    if log_target:
        return target.exp() * (target - input)
    positive = target > 0
    target_log_target = where(positive, target * where(positive, target, 1.0).log(), 0.0)  # xlogy(t, t)
    return target_log_target - target * input


def _vector_norm(input: Tensor, p: float, dim: int) -> Tensor:
    """The p-norm along dim, kept as a size-1 dim (p = inf: the largest |x|)."""
    if p == math.inf:
        return input.abs().max(dim, keepdim=True)[0]
    if p == 2:
        return (input * input).sum(dim, keepdim=True).sqrt()
    return (input.abs() ** p).sum(dim, keepdim=True) ** (1.0 / p)


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """input / max(‖input‖_p, eps) along dim: unit vectors (rows, for dim=1)."""
    return input / _vector_norm(input, p, dim).clamp(min=eps)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """Σ x1 x2 / (max(‖x1‖, eps) · max(‖x2‖, eps)) along dim, after broadcasting x1 and x2."""
    return ((x1 / _vector_norm(x1, 2, dim).clamp(min=eps)) * (x2 / _vector_norm(x2, 2, dim).clamp(min=eps))).sum(dim)


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad input with `value` (0 by default): pad = (left, right) for the last dim, then (top, bottom) for the
    one before, and so on (PyTorch's order); negative amounts crop. Only mode='constant' is implemented."""
    if mode != "constant":
        if mode in ("reflect", "replicate", "circular"):
            raise NotImplementedError(f"pad: mode='{mode}' is not implemented in minitorch (only 'constant')")
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    amounts = [int(amount) for amount in pad]
    if len(amounts) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(amounts) > 2 * input.ndim:
        raise RuntimeError("Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(amounts)} and input of dimension {input.ndim}")
    fill = 0 if value is None else value
    if not input.dtype.is_floating_point:
        fill = int(fill)
    result = input
    for position in range(len(amounts) // 2):
        dim = input.ndim - 1 - position
        before, after = amounts[2 * position], amounts[2 * position + 1]
        size = result.shape[dim]
        if size + min(before, 0) + min(after, 0) < 0:
            raise RuntimeError(f"pad: padding {(before, after)} of dim {dim} would leave a negative size "
                               f"(size {size})")
        crop = [slice(None)] * input.ndim
        crop[dim] = slice(max(-before, 0), size - max(-after, 0))
        result = result[tuple(crop)]
        if before > 0 or after > 0:
            result = cat([_filler(result, dim, max(before, 0), fill), result,
                          _filler(result, dim, max(after, 0), fill)], dim)
    return result


def _filler(like: Tensor, dim: int, size: int, fill: float) -> Tensor:
    """A block of fill values, shaped as `like` but `size` long along dim."""
    shape = list(like.shape)
    shape[dim] = size
    return creation.full(shape, fill, dtype=like.dtype, device=like.device)
