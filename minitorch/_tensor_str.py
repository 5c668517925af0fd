"""repr(tensor) in PyTorch's format: 4 decimals, shared width, '1.' for whole floats, '...' past 1000 elements.

set_printoptions changes these, as torch.set_printoptions.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import dtypes


@dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None  # None: scientific notation when the values' range asks for it


PRINT_OPTS = _PrintOptions()
_PROFILES = {"default": _PrintOptions(), "short": _PrintOptions(precision=2, edgeitems=2),
             "full": _PrintOptions(threshold=math.inf)}


def set_printoptions(precision: int | None = None, threshold: float | None = None, edgeitems: int | None = None,
                     linewidth: int | None = None, profile: str | None = None, sci_mode: bool | None = None) -> None:
    """Set how tensors print, as torch.set_printoptions: profile ('default', 'short', 'full') first sets the
    four numbers, the arguments given then override it; sci_mode is always set (None: chosen per tensor)."""
    if profile is not None and profile in _PROFILES:
        preset = _PROFILES[profile]
        PRINT_OPTS.precision, PRINT_OPTS.threshold = preset.precision, preset.threshold
        PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = preset.edgeitems, preset.linewidth
    for name, value in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                        ("linewidth", linewidth)):
        if value is not None:
            setattr(PRINT_OPTS, name, value)
    PRINT_OPTS.sci_mode = sci_mode


class _Formatter:
    """Chooses one format for all elements (fixed, integer-valued or scientific) and a common width."""

    def __init__(self, values: np.ndarray) -> None:
        self.floating = values.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        flat = values.reshape(-1)
        if not self.floating:
            self.max_width = max((len(self._plain(value)) for value in flat), default=1)
            return
        finite = flat[np.isfinite(flat) & (flat != 0)].astype(np.float64)
        if finite.size == 0:
            self.max_width = max((len(self.format_value(v)) for v in flat), default=1)
            return
        magnitudes = np.abs(finite)
        smallest, largest = magnitudes.min(), magnitudes.max()
        self.int_mode = bool(np.all(finite == np.ceil(finite)))
        if PRINT_OPTS.sci_mode is not None:
            self.sci_mode = PRINT_OPTS.sci_mode
        elif self.int_mode:
            self.sci_mode = largest / smallest > 1000.0 or largest > 1.0e8
        else:
            self.sci_mode = largest / smallest > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4
        self.max_width = max(len(self.format_value(value)) for value in flat)

    @staticmethod
    def _plain(value: Any) -> str:
        return str(bool(value)) if isinstance(value, (bool, np.bool_)) else str(value)

    def format_value(self, value: Any) -> str:
        if not self.floating:
            return self._plain(value)
        value = float(value)
        if self.sci_mode:
            return f"{value:.{PRINT_OPTS.precision}e}"
        if self.int_mode:
            text = f"{value:.0f}"
            return text if math.isinf(value) or math.isnan(value) else text + "."
        return f"{value:.{PRINT_OPTS.precision}f}"

    def format(self, value: Any) -> str:
        return self.format_value(value).rjust(self.max_width)


def _summarize(values: np.ndarray) -> np.ndarray:
    """The elements PyTorch shows when it elides (the first and last edgeitems of each dim)."""
    edge = PRINT_OPTS.edgeitems
    if values.ndim == 0:
        return values
    if values.shape[0] > 2 * edge:
        values = np.concatenate([values[:edge], values[-edge:]])
    return np.stack([_summarize(row) for row in values]) if values.ndim > 1 else values


def _format_nested(values: np.ndarray, formatter: _Formatter, indent: int, summarize: bool) -> str:
    edge = PRINT_OPTS.edgeitems
    if values.ndim == 0:
        return formatter.format(values.item())
    if values.ndim == 1:
        elements = [formatter.format(value) for value in values.tolist()]
        if summarize and len(elements) > 2 * edge:
            elements = elements[:edge] + [" ..."] + elements[-edge:]  # PyTorch pads it: "2.,  ..., 7."
        per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / (formatter.max_width + 2)))
        lines = [", ".join(elements[start:start + per_line]) for start in range(0, len(elements), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    rows = list(values)
    if summarize and len(rows) > 2 * edge:
        shown = ([_format_nested(row, formatter, indent + 1, summarize) for row in rows[:edge]] + ["..."]
                 + [_format_nested(row, formatter, indent + 1, summarize) for row in rows[-edge:]])
    else:
        shown = [_format_nested(row, formatter, indent + 1, summarize) for row in rows]
    separator = "," + "\n" * (values.ndim - 1) + " " * (indent + 1)
    return "[" + separator.join(shown) + "]"


def tensor_repr(tensor: Any) -> str:
    values = tensor._backend.to_numpy(tensor._data)
    prefix = "tensor("
    suffixes = []
    if tensor.device.type != "cpu":
        suffixes.append(f"device='{tensor.device}'")
    if values.size == 0:
        body = "[]"
        if values.ndim != 1:
            suffixes.append(f"size={tuple(values.shape)}")
        shows_dtype = tensor.dtype is not dtypes.get_default_dtype()  # nothing to infer it from
    else:
        summarize = values.size > PRINT_OPTS.threshold
        formatter = _Formatter(_summarize(values) if summarize else values)
        body = _format_nested(values, formatter, len(prefix), summarize)
        shows_dtype = tensor.dtype not in (dtypes.get_default_dtype(), dtypes.int64, dtypes.bool_)
    if shows_dtype:
        suffixes.append(f"dtype={tensor.dtype!r}")
    if tensor.grad_fn is not None:
        suffixes.append(f"grad_fn=<{tensor.grad_fn.name()}>")
    elif tensor.requires_grad:
        suffixes.append("requires_grad=True")
    return prefix + ", ".join([body] + suffixes) + ")"
