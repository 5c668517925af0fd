"""detect_anomaly: name the op whose backward produced NaN or inf, and where its forward ran."""
from __future__ import annotations

import functools
from typing import Any, Callable

_enabled = False


def is_anomaly_enabled() -> bool:
    return _enabled


class detect_anomaly:
    """Within it, ops remember the stack of their forward call, and a backward step that returns
    NaN or inf raises RuntimeError naming the op and that stack (as torch.autograd.detect_anomaly).
    Slow: for debugging only.
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan

    def __enter__(self) -> None:
        global _enabled
        self.previous = _enabled
        _enabled = self.check_nan

    def __exit__(self, *exc_info: Any) -> None:
        global _enabled
        _enabled = self.previous

    def __call__(self, function: Callable) -> Callable:
        @functools.wraps(function)
        def with_anomaly_detection(*args: Any, **kwargs: Any) -> Any:
            with detect_anomaly(self.check_nan):
                return function(*args, **kwargs)

        return with_anomaly_detection


class set_detect_anomaly(detect_anomaly):
    """set_detect_anomaly(mode): anomaly detection on or off inside the block."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        super().__init__(check_nan=mode and check_nan)
