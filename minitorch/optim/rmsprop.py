"""RMSprop: divide the gradient by a running root mean square of recent gradients."""
from __future__ import annotations

from typing import Any, Iterable

from .. import creation
from ..tensor import Tensor
from .optimizer import Optimizer, check_non_negative


class RMSprop(Optimizer):
    """v ← α v + (1 - α) g², p ← p - lr · g / (√v + eps), as torch.optim.RMSprop.

    g = ∇p + weight_decay · p. centered subtracts the squared running mean of g from v; momentum μ keeps
    b ← μ b + g / (√v + eps) and steps p ← p - lr · b. The math runs on the backend's arrays (numpy or cupy).
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0, centered: bool = False, *,
                 maximize: bool = False) -> None:
        check_non_negative(lr, "learning rate")
        check_non_negative(eps, "epsilon value")
        check_non_negative(momentum, "momentum value")
        check_non_negative(weight_decay, "weight_decay value")
        check_non_negative(alpha, "alpha value")
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                                      centered=centered, maximize=maximize))

    def _update(self, param: Tensor, grad: Any, group: dict[str, Any], state: dict[str, Any]) -> None:
        if not state:
            state["step"] = 0
            state["square_avg"] = creation.zeros_like(param)
            if group["momentum"] > 0:
                state["momentum_buffer"] = creation.zeros_like(param)
            if group["centered"]:
                state["grad_avg"] = creation.zeros_like(param)
        state["step"] = int(state["step"]) + 1
        xp, data, alpha = param._backend.xp, param._data, group["alpha"]
        if group["maximize"]:
            grad = -grad
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * data
        square_avg = state["square_avg"]._data
        square_avg *= alpha
        square_avg += (1 - alpha) * grad * grad
        if group["centered"]:
            grad_avg = state["grad_avg"]._data
            grad_avg += (grad - grad_avg) * (1 - alpha)
            average = xp.sqrt(square_avg - grad_avg * grad_avg)
        else:
            average = xp.sqrt(square_avg)
        average += group["eps"]
        if group["momentum"] > 0:
            buffer = state["momentum_buffer"]._data
            buffer *= group["momentum"]
            buffer += grad / average
            data -= group["lr"] * buffer
        else:
            data -= group["lr"] * (grad / average)
