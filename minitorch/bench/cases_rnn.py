"""The recurrent benchmarks (issue 14): an LSTM or GRU forward+backward over a whole sequence, and one step of a
small LSTM (the fixed cost per call). minitorch and PyTorch run the same code with the same weights; NumPy has no
recurrent layer of its own, so its rows are n/a."""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

from .backends import NUMPY, Backend, Unavailable

RECURRENT_SIZES = {  # suite: (input, hidden, layers, sequence, batch) of the whole-sequence cases
    "smoke": (16, 32, 2, 8, 4),
    "quick": (128, 256, 2, 35, 32),
    "full": (128, 256, 2, 35, 32),
}
STEP_SIZE = (32, 32, 1, 1, 1)
"""The single-step case: LSTM(32, 32) on one step of a batch of one."""


def recurrent_text(mode: str, sizes: tuple[int, ...]) -> str:
    input_size, hidden, layers, sequence, batch = sizes
    return f"float32 {layers} layers {input_size}->{hidden} seq {sequence} batch {batch}"


def build_recurrent(backend: Backend, mode: str, sizes: tuple[int, ...]) -> Callable[[], object]:
    """zero_grad, nn.LSTM / nn.GRU forward over the sequence, output.sum() backward (float32); returns the loss
    and W_hh's gradient of the first layer."""
    if backend.family == NUMPY:
        raise Unavailable(f"NumPy has no {mode} of its own (minitorch against PyTorch only)")
    input_size, hidden, layers, sequence, batch = sizes
    module = backend.attribute(f"nn.{mode}")(input_size, hidden, layers).to(backend.device)
    bound = 1 / math.sqrt(hidden)
    rng = np.random.default_rng(0)
    with backend.attribute("no_grad")():
        for parameter in module.parameters():
            values = rng.uniform(-bound, bound, tuple(parameter.shape)).astype(np.float32)
            parameter.copy_(backend.array(values))
    x = backend.array(np.random.default_rng(1).standard_normal((sequence, batch, input_size), dtype=np.float32))

    def step() -> object:
        module.zero_grad()
        loss = module(x)[0].sum()
        loss.backward()
        return loss, module.weight_hh_l0.grad

    return step
