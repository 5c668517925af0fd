"""Conv1d and Conv2d: learned filters slid over a signal or an image (F.conv1d / F.conv2d with parameters)."""
from __future__ import annotations

import math
from typing import Any, Sequence

from .. import creation
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter

PADDING_MODES = ("circular", "reflect", "replicate", "zeros")


def _tuple(value: int | Sequence[int], dims: int) -> tuple[int, ...]:
    return (value,) * dims if isinstance(value, int) else tuple(value)


class _ConvNd(Module):
    """What Conv1d and Conv2d share: PyTorch's arguments, checks, parameters, init and repr."""

    dims = 0

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | Sequence[int],
                 stride: int | Sequence[int] = 1, padding: str | int | Sequence[int] = 0,
                 dilation: int | Sequence[int] = 1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups:
            raise ValueError("out_channels must be divisible by groups")
        self.kernel_size = _tuple(kernel_size, self.dims)
        self.stride = _tuple(stride, self.dims)
        self.dilation = _tuple(dilation, self.dims)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'same', 'valid'}}")
            if padding == "same" and any(step != 1 for step in self.stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
            self.padding: str | tuple[int, ...] = padding
        else:
            self.padding = _tuple(padding, self.dims)
        if padding_mode not in PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {{{', '.join(map(repr, PADDING_MODES))}}}, but got "
                             f"padding_mode={padding_mode!r}")
        if padding_mode != "zeros":
            raise NotImplementedError(f"padding_mode={padding_mode!r} is not in minitorch yet (only 'zeros')")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.padding_mode = padding_mode
        self.transposed = False
        self.output_padding = (0,) * self.dims
        self.weight = Parameter(creation.empty((out_channels, in_channels // groups, *self.kernel_size),
                                               device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(creation.empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's: weight kaiming_uniform_(a=√5), i.e. U(±1/√fan_in); bias U(±1/√fan_in)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * math.prod(self.kernel_size)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding != (0,) * self.dims:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * self.dims:
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        return text


class Conv2d(_ConvNd):
    """y = conv2d(x, W) + b over input (N, C_in, H, W) or (C_in, H, W) -> (N, C_out, OH, OW).

    weight (C_out, C_in / groups, kH, kW), bias (C_out); OH = (H + 2·padding - dilation·(kH - 1) - 1) // stride + 1.

        layer = nn.Conv2d(1, 32, 3, padding=1)
        layer(mt.randn(64, 1, 28, 28)).shape   # minitorch.Size([64, 32, 28, 28])
    """

    dims = 2

    def forward(self, input: Tensor) -> Tensor:
        return F.conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class Conv1d(_ConvNd):
    """y = conv1d(x, W) + b over input (N, C_in, L) or (C_in, L) -> (N, C_out, L_out); weight (C_out, C_in / groups,
    k), bias (C_out).

        layer = nn.Conv1d(16, 33, 3, stride=2)
        layer(mt.randn(20, 16, 50)).shape   # minitorch.Size([20, 33, 24])
    """

    dims = 1

    def forward(self, input: Tensor) -> Tensor:
        return F.conv1d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)
