"""nn.utils: clip_grad_norm_ (rescale gradients whose total norm is too large), zero_grads, and the parameters
as one flat vector (parameters_to_vector / vector_to_parameters)."""
from __future__ import annotations

import math
from typing import Iterable

from ... import creation
from ...autograd.grad_mode import no_grad
from ...functions.shape import cat, stack
from ...tensor import Tensor
from . import rnn  # noqa: F401 - nn.utils.rnn, as in PyTorch


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


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and concatenated, in order, into one 1-D tensor (differentiable)."""
    parameters = list(parameters)
    _check_one_device(parameters)
    return cat([parameter.reshape(-1) for parameter in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Overwrite the parameters' values with consecutive slices of the 1-D vec (the inverse of
    parameters_to_vector); each parameter then views its slice of vec, as in PyTorch."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    parameters = list(parameters)
    _check_one_device(parameters)
    total = sum(parameter.numel() for parameter in parameters)
    if vec.ndim != 1 or vec.numel() != total:
        raise RuntimeError(f"vector_to_parameters: vec of shape {list(vec.shape)} does not hold the parameters' "
                           f"{total} values as a 1-D tensor")
    start = 0
    for parameter in parameters:
        count = parameter.numel()
        parameter.data = vec[start:start + count].reshape(parameter.shape).detach()
        start += count


def _check_one_device(parameters: list) -> None:
    devices = {parameter.device for parameter in parameters}
    if len(devices) > 1:
        raise TypeError(f"Found two parameters on different devices, this is currently not supported. "
                        f"(devices: {sorted(str(device) for device in devices)})")
