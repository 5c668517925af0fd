"""nn.utils: clip_grad_norm_ (rescale gradients whose total norm is too large) and zero_grads."""
from __future__ import annotations

import math
from typing import Iterable

from .. import creation
from ..autograd.grad_mode import no_grad
from ..functions.shape import stack
from ..tensor import Tensor


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False) -> Tensor:
    """Scale all gradients by min(1, max_norm / (total_norm + 1e-6)) in place; returns the total norm.

    total_norm is the norm_type-norm of all gradients taken together as one vector (inf: the largest |g|).
    """
    parameters = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    grads = [parameter.grad for parameter in parameters if parameter.grad is not None]
    if not grads:
        return creation.tensor(0.0)
    norm_type = float(norm_type)
    with no_grad():
        device = grads[0].device
        if norm_type == math.inf:
            total_norm = stack([grad.abs().max().to(device) for grad in grads]).max()
        else:
            total_norm = stack([(grad.abs() ** norm_type).sum().to(device) for grad in grads]).sum() ** (1 / norm_type)
        if error_if_nonfinite and not math.isfinite(total_norm.item()):
            raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, "
                               "so it cannot be clipped. To disable this error and scale the gradients by the "
                               "non-finite norm anyway, set `error_if_nonfinite=False`")
        scale = (max_norm / (total_norm + 1e-6)).clamp(max=1.0)
        for grad in grads:
            grad.mul_(scale.to(device=grad.device, dtype=grad.dtype))
    return total_norm


def zero_grads(parameters: Iterable[Tensor], set_to_none: bool = True) -> None:
    """Reset each parameter's gradient: to None (frees it), or to zeros in place."""
    for parameter in parameters:
        if parameter.grad is None:
            continue
        if set_to_none:
            parameter.grad = None
        else:
            parameter.grad = parameter.grad.detach()
            parameter.grad.zero_()
