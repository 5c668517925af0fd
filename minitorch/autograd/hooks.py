"""RemovableHandle: what every register_*_hook returns (PyTorch's torch.utils.hooks.RemovableHandle)."""
from __future__ import annotations

from typing import Any


class RemovableHandle:
    """What register_*_hook returns: remove() (or leaving a `with` block) unregisters the hook."""

    next_id = 0

    def __init__(self, hooks: dict, entry: Any, prepend: bool = False) -> None:
        self.hooks_dict_ref = hooks
        self.id = RemovableHandle.next_id
        RemovableHandle.next_id += 1
        hooks[self.id] = entry
        if prepend:
            for key in [key for key in hooks if key != self.id]:
                hooks[key] = hooks.pop(key)

    def remove(self) -> None:
        self.hooks_dict_ref.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.remove()


class LeafHooks:
    """A leaf tensor's hooks, by handle id: on its gradient, and after its .grad is accumulated."""

    __slots__ = ("grad", "post_accumulate")

    def __init__(self) -> None:
        self.grad: dict = {}
        self.post_accumulate: dict = {}
