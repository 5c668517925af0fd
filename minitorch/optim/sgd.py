"""SGD: stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay."""
from __future__ import annotations

from typing import Any, Iterable

from ..tensor import Tensor
from .optimizer import Optimizer, check_non_negative


class SGD(Optimizer):
    """p ← p - lr · d, with g = ∇p + weight_decay · p, and with momentum μ:
    b ← μ b + (1 - dampening) g (b = g at the first step), d = g + μ b (nesterov) or b; without momentum d = g.

        optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float = 0, nesterov: bool = False, *,
                 maximize: bool = False) -> None:
        check_non_negative(lr, "learning rate")
        check_non_negative(momentum, "momentum value")
        check_non_negative(weight_decay, "weight_decay value")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize))

    def _update(self, param: Tensor, grad: Any, group: dict[str, Any], state: dict[str, Any]) -> None:
        buffer = state.get("momentum_buffer")
        new_buffer = param._backend.sgd_update(
            param._data, grad, None if buffer is None else buffer._data, group["lr"], group["momentum"],
            group["dampening"], group["weight_decay"], group["nesterov"], group["maximize"])
        if group["momentum"] and buffer is None:
            state["momentum_buffer"] = Tensor._make(new_buffer, param._backend)
