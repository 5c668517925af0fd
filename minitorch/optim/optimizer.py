"""Optimizer: parameter groups, per-parameter state, zero_grad and state dicts, as torch.optim.Optimizer.

Subclasses implement step(); each update runs on the parameters' raw arrays through their backend
(`param._backend.sgd_update`, `adam_update`, or `xp` array math), so no optimizer has device branches.

Regularisation: L2 is the `weight_decay` option of every optimizer (AdamW decouples it from the
gradient). For L1, add the penalty to the loss before backward:

    loss = criterion(model(x), y) + l1_lambda * sum(p.abs().sum() for p in model.parameters())
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

from ..autograd.grad_mode import enable_grad
from ..nn.utils import zero_grads
from ..tensor import Tensor


def _type_name(value: Any) -> str:
    return f"minitorch.{type(value).__name__}" if isinstance(value, Tensor) else type(value).__name__


class Optimizer:
    """Base class: params is an iterable of tensors, or of dicts {"params": [...], option: value} (param groups).

    Options missing from a group take the optimizer's defaults.
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            f"but got {_type_name(params)}")
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own options (e.g. a smaller lr for a pretrained part)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering "
                            "of tensors in sets will change between runs. Please use a list instead.")
        params = [params] if isinstance(params, Tensor) else list(params)
        for param in params:
            if not isinstance(param, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {_type_name(param)}")
            if not param.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        group = {**self.defaults, **param_group, "params": params}
        existing = {id(param) for other in self.param_groups for param in other["params"]}
        if any(id(param) in existing for param in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters: to None (the default), or to zeros."""
        zero_grads((param for group in self.param_groups for param in group["params"]), set_to_none)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient; closure (if given) recomputes and returns the loss."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is not None:
                    with param._backend.context():  # the update's array math and new state land on its device
                        self._update(param, param.grad._data, group, self.state.setdefault(param, {}))
                    param._version_counter.value += 1  # changed in place, as PyTorch's version counter records
        return loss

    def _update(self, param: Tensor, grad: Any, group: dict[str, Any], state: dict[str, Any]) -> None:
        """Update param's array in place from grad (the gradient's array) with the group's options."""
        raise NotImplementedError(f"{type(self).__name__} must define _update")

    # ---- state dicts ----
    def state_dict(self) -> dict[str, Any]:
        """{"state": {index: {name: value}}, "param_groups": [{option: value, "params": [index, ...]}]}.

        Parameters are numbered in order across the groups, as PyTorch does; the tensors are references.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {key: value for key, value in group.items() if key != "params"}
            for param in group["params"]:
                index.setdefault(id(param), len(index))
            packed["params"] = [index[id(param)] for param in group["params"]]
            groups.append(packed)
        state = {index[id(param)]: dict(values) for param, values in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore state and options saved by state_dict() into this optimizer's own parameters.

        Tensors are copied to each parameter's device (and dtype, for floating-point state).
        """
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(saved["params"]) != len(group["params"]) for saved, group in zip(saved_groups, self.param_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                             "optimizer's group")
        params_by_index = {index: param for saved, group in zip(saved_groups, self.param_groups)
                           for index, param in zip(saved["params"], group["params"])}
        self.state = {}
        for index, values in state_dict["state"].items():
            if index not in params_by_index:
                raise ValueError(f"loaded state dict has state for parameter {index!r}, which no group holds")
            param = params_by_index[index]
            self.state[param] = {name: self._restore(param, value) for name, value in values.items()}
        self.param_groups = [{**saved, "params": group["params"]} for saved, group in zip(saved_groups,
                                                                                          self.param_groups)]

    @staticmethod
    def _restore(param: Tensor, value: Any) -> Any:
        if not isinstance(value, Tensor):
            return value
        dtype = param.dtype if value.dtype.is_floating_point else None
        return value.to(device=param.device, dtype=dtype, copy=True)

    def __repr__(self) -> str:
        text = type(self).__name__ + " ("
        for position, group in enumerate(self.param_groups):
            text += f"\nParameter Group {position}\n"
            for key in sorted(group):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"


def check_non_negative(value: float, name: str) -> None:
    """ValueError in PyTorch's words ("Invalid learning rate: -1") for a negative option."""
    if not 0.0 <= value:
        raise ValueError(f"Invalid {name}: {value}")
