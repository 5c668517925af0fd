"""Grad mode: whether ops record the graph. Thread-local, as in PyTorch."""
from __future__ import annotations

import functools
import threading
from typing import Any, Callable

_state = threading.local()


def is_grad_enabled() -> bool:
    """True when new ops record the graph for backward (the default)."""
    return getattr(_state, "enabled", True)


def _set_enabled(mode: bool) -> None:
    _state.enabled = bool(mode)


class _GradMode:
    """A context manager and decorator that sets grad mode and restores it on exit."""

    mode: bool

    def __enter__(self) -> None:
        self.previous = is_grad_enabled()
        _set_enabled(self.mode)

    def __exit__(self, *exc_info: Any) -> None:
        _set_enabled(self.previous)

    def __call__(self, function: Callable) -> Callable:
        mode = self.mode

        @functools.wraps(function)
        def with_grad_mode(*args: Any, **kwargs: Any) -> Any:
            previous = is_grad_enabled()
            _set_enabled(mode)
            try:
                return function(*args, **kwargs)
            finally:
                _set_enabled(previous)

        return with_grad_mode


class _NoArgumentGradMode(_GradMode):
    """Usable as `with no_grad():`, `@no_grad()` and bare `@no_grad`, as in PyTorch."""

    def __new__(cls, function: Callable | None = None) -> Any:
        context = super().__new__(cls)
        return context if function is None else context(function)


class no_grad(_NoArgumentGradMode):
    """Ops inside do not record the graph: for inference and parameter updates."""

    mode = False


class enable_grad(_NoArgumentGradMode):
    """Ops inside record the graph, even within no_grad."""

    mode = True


class set_grad_enabled(_GradMode):
    """set_grad_enabled(mode): takes effect at once; as a context manager, restores on exit."""

    def __init__(self, mode: bool) -> None:
        self.previous = is_grad_enabled()
        self.mode = bool(mode)
        _set_enabled(mode)

    def __enter__(self) -> None:
        pass

    def __call__(self, function: Callable) -> Callable:
        _set_enabled(self.previous)  # as a decorator it must not change the mode at definition time
        return super().__call__(function)
