"""detect_anomaly names the op that produced NaN/inf in backward; device errors surface as minitorch's."""
from __future__ import annotations

import numpy as np
import pytest

import minitorch as mt
from minitorch.devices import device
from minitorch.functions.arithmetic import Exp


def forward_that_makes_inf(x: mt.Tensor) -> mt.Tensor:
    return x.sqrt().sum()  # d sqrt(x) / dx at x = 0 is inf


def test_detect_anomaly_names_the_function_and_the_forward_call() -> None:
    x = mt.tensor([0.0, 1.0], requires_grad=True)
    with mt.autograd.detect_anomaly():
        loss = forward_that_makes_inf(x)
        with pytest.raises(RuntimeError, match="SqrtBackward0.*inf") as raised:
            loss.backward()
    assert "forward_that_makes_inf" in str(raised.value)


def test_nan_is_reported_as_nan() -> None:
    x = mt.tensor([-1.0], requires_grad=True)
    with mt.autograd.detect_anomaly(), pytest.raises(RuntimeError, match="SqrtBackward0' returned nan"):
        x.sqrt().sum().backward()  # 1 / (2 sqrt(-1)) is nan


def test_without_detect_anomaly_the_inf_reaches_the_gradient() -> None:
    x = mt.tensor([0.0, 1.0], requires_grad=True)
    forward_that_makes_inf(x).backward()
    assert np.isinf(x.grad.numpy()[0]) and x.grad.numpy()[1] == 0.5


def test_detect_anomaly_restores_the_mode_and_works_as_decorator() -> None:
    @mt.autograd.detect_anomaly()
    def run() -> None:
        forward_that_makes_inf(mt.tensor([0.0], requires_grad=True)).backward()

    with pytest.raises(RuntimeError, match="SqrtBackward0"):
        run()
    x = mt.tensor([0.0], requires_grad=True)
    forward_that_makes_inf(x).backward()  # detection is off again
    with mt.autograd.set_detect_anomaly(False):
        forward_that_makes_inf(mt.tensor([0.0], requires_grad=True)).backward()


def test_cupy_out_of_memory_becomes_minitorch_error(monkeypatch, fake_cuda) -> None:
    cupy = pytest.importorskip("cupy")
    from minitorch.backends.cuda import translate_cupy_error

    original = cupy.cuda.memory.OutOfMemoryError(1 << 30, 1 << 29, 1 << 30)
    monkeypatch.setattr(fake_cuda, "translate_error",
                        lambda error, doing: translate_cupy_error(error, doing, device("cuda:0")))

    def forward_out_of_memory(ctx, x):
        raise original

    monkeypatch.setattr(Exp, "forward", staticmethod(forward_out_of_memory))
    with pytest.raises(mt.OutOfMemoryError, match=r"CUDA out of memory on cuda:0 running Exp on tensors "
                                                  r"float32 \(2, 3\) on cuda:0") as raised:
        mt.ones(2, 3, device="cuda").exp()
    assert raised.value.__cause__ is original
    assert isinstance(raised.value, RuntimeError) and isinstance(raised.value, MemoryError)
    assert mt.cuda.OutOfMemoryError is mt.OutOfMemoryError


def test_other_errors_pass_through_untouched() -> None:
    with pytest.raises(ValueError):
        mt.tensor([[1, 2], [3]])
