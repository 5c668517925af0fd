"""Adam and AdamW: adaptive moment estimation, with L2 (Adam) or decoupled (AdamW) weight decay."""
from __future__ import annotations

from typing import Any, Iterable

from .. import creation
from ..tensor import Tensor
from .optimizer import Optimizer, check_non_negative


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), as torch.optim.Adam:

    m ← β₁ m + (1 - β₁) g,  v ← β₂ v + (1 - β₂) g²,  p ← p - lr · (m / (1 - β₁ᵗ)) / (√(v / (1 - β₂ᵗ)) + eps)

    with g = ∇p + weight_decay · p, or (decoupled_weight_decay, AdamW) p ← p (1 - lr · weight_decay) first.
    The state of each parameter is its step count t and the averages exp_avg (m) and exp_avg_sq (v).
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0, *,
                 decoupled_weight_decay: bool = False) -> None:
        check_non_negative(lr, "learning rate")
        check_non_negative(eps, "epsilon value")
        for position, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {position}: {beta}")
        check_non_negative(weight_decay, "weight_decay value")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def _update(self, param: Tensor, grad: Any, group: dict[str, Any], state: dict[str, Any]) -> None:
        if not state:
            state["step"] = 0
            state["exp_avg"] = creation.zeros_like(param)
            state["exp_avg_sq"] = creation.zeros_like(param)
        state["step"] = int(state["step"]) + 1
        beta1, beta2 = group["betas"]
        param._backend.adam_update(param._data, grad, state["exp_avg"]._data, state["exp_avg_sq"]._data,
                                   state["step"], group["lr"], beta1, beta2, group["eps"], group["weight_decay"],
                                   group["decoupled_weight_decay"])


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019): p ← p (1 - lr · weight_decay) before the step."""

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8, weight_decay: float = 1e-2) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, decoupled_weight_decay=True)
