"""The whole framework on "cuda:0" with our kernels executed on the host: NumPy arrays under the name cuda:0
(tests/conftest.py's FakeCUDABackend) whose kernel ops are CUDABackend's own methods, calling CudaKernels on
the host build. Tensors, autograd, nn and optim reach the kernels as they would on a GPU, and give the CPU's
numbers."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import minitorch as mt
from minitorch import backends, nn
from minitorch.backends.cuda import CUDABackend
from minitorch.backends.cuda_kernels import CudaKernels

from ..conftest import FakeCUDABackend
from .host_runtime import HostRuntime

KERNEL_OPS = ("activation_forward", "activation_backward", "bias_activation_forward", "softmax",
              "cross_entropy_forward", "cross_entropy_backward", "sgd_update", "adam_update",
              # issue 13: convolution and pooling
              "im2col", "col2im", "max_pool2d_forward", "max_pool2d_backward", "avg_pool2d_forward",
              "avg_pool2d_backward",
              # issue 14: the LSTM and GRU cells
              "lstm_cell_forward", "lstm_cell_backward", "gru_cell_forward", "gru_cell_backward")


class HostKernelsCUDABackend(FakeCUDABackend):
    """cuda:0 on NumPy whose kernel ops are CUDABackend's, launching our kernels on the host."""

    keeps_intermediates = CUDABackend.keeps_intermediates  # the kernels' calling convention, not NumPy's

    def __init__(self, kernels: CudaKernels) -> None:
        super().__init__()
        self.kernels = kernels
        self.launched: list[str] = []
        self.kernels.launch = self._counting(self.kernels.launch)

    def _counting(self, launch):
        def counted(name: str, blocks: int, args: tuple) -> None:
            self.launched.append(name)
            launch(name, blocks, args)
        return counted


for _op in KERNEL_OPS:
    setattr(HostKernelsCUDABackend, _op, getattr(CUDABackend, _op))


@pytest.fixture
def host_cuda(host_kernel_library: Path, monkeypatch: pytest.MonkeyPatch) -> HostKernelsCUDABackend:
    backend = HostKernelsCUDABackend(CudaKernels(HostRuntime(host_kernel_library)))
    monkeypatch.setitem(backends._cuda_backends, 0, backend)
    return backend


def test_activations_of_0d_tensors_stay_0d(host_cuda: HostKernelsCUDABackend) -> None:
    x = mt.tensor(-0.75, device="cuda", requires_grad=True)
    for activation in (mt.sigmoid, mt.tanh, mt.relu, nn.functional.gelu, nn.functional.silu, nn.functional.softplus):
        y = activation(x)
        assert y.shape == () and y.device == mt.device("cuda:0"), activation
        grad, = mt.autograd.grad(y, x)
        assert grad.shape == ()
    assert any(name.startswith("gelu_forward") for name in host_cuda.launched)


def test_binary_cross_entropy_with_logits_of_0d_tensors(host_cuda: HostKernelsCUDABackend) -> None:
    logit = mt.tensor(0.3, dtype=mt.float64, device="cuda", requires_grad=True)
    target = mt.tensor(1.0, dtype=mt.float64, device="cuda")
    loss = nn.functional.binary_cross_entropy_with_logits(logit, target, reduction="none")
    assert loss.shape == ()
    np.testing.assert_allclose(loss.item(), np.log1p(np.exp(-0.3)), rtol=1e-15)
    loss.backward()
    assert logit.grad.shape == ()
    np.testing.assert_allclose(logit.grad.item(), 1 / (1 + np.exp(-0.3)) - 1, rtol=1e-15)


def _train(device: str, optimizer_class: type, steps: int, **options: float) -> tuple[list[float], list[np.ndarray]]:
    """A small classifier (no normalisation layer: every gradient is well defined) trained for some steps."""
    mt.manual_seed(0)
    model = nn.Sequential(nn.Linear(12, 32), nn.Tanh(), nn.Linear(32, 32), nn.GELU(), nn.Linear(32, 5)).to(device)
    optimizer = optimizer_class(model.parameters(), **options)
    random = np.random.default_rng(1)
    inputs = mt.tensor(random.normal(size=(64, 12)).astype(np.float32), device=device)
    targets = mt.tensor(random.integers(0, 5, 64), device=device)
    losses = []
    for _ in range(steps):
        loss = nn.functional.cross_entropy(model(inputs), targets, label_smoothing=0.0)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses, [parameter.detach().cpu().numpy() for parameter in model.parameters()]


@pytest.mark.parametrize("optimizer_class, options", [
    (mt.optim.SGD, dict(lr=0.1, momentum=0.9, dampening=0.1, weight_decay=1e-3, nesterov=False)),
    (mt.optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True)),
    (mt.optim.Adam, dict(lr=0.01)),
    (mt.optim.AdamW, dict(lr=0.01, weight_decay=0.1)),
], ids=["SGD-momentum-dampening", "SGD-nesterov", "Adam", "AdamW"])
def test_training_on_the_host_kernels_gives_the_cpus_numbers(host_cuda: HostKernelsCUDABackend,
                                                             optimizer_class: type, options: dict) -> None:
    cpu_losses, cpu_parameters = _train("cpu", optimizer_class, 6, **options)
    cuda_losses, cuda_parameters = _train("cuda", optimizer_class, 6, **options)
    launched = {name.rsplit("_", 1)[0] for name in host_cuda.launched}
    kernel = "sgd_update" if optimizer_class is mt.optim.SGD else "adam_update"
    assert {"tanh_bias_forward", "gelu_bias_forward", "cross_entropy_forward", "cross_entropy_backward",
            "tanh_backward", "gelu_backward", kernel} <= launched
    assert cpu_losses[-1] < cpu_losses[0]
    np.testing.assert_allclose(cuda_losses, cpu_losses, rtol=2e-5)
    for cuda_parameter, cpu_parameter in zip(cuda_parameters, cpu_parameters):
        np.testing.assert_allclose(cuda_parameter, cpu_parameter, rtol=1e-4, atol=1e-5)


def test_a_parameter_made_from_a_transpose_trains(host_cuda: HostKernelsCUDABackend) -> None:
    for device in ("cpu", "cuda"):
        weight = nn.Parameter(mt.arange(12.0, device=device).reshape(3, 4).T)  # (4, 3), not contiguous
        for optimizer in (mt.optim.SGD([weight], lr=0.1, momentum=0.9), mt.optim.Adam([weight], lr=0.1)):
            for _ in range(2):
                optimizer.zero_grad()
                (weight * mt.tensor([1.0, -2.0, 3.0], device=device)).sum().backward()
                optimizer.step()
        if device == "cpu":
            expected = weight.detach().numpy().copy()
    np.testing.assert_allclose(weight.detach().cpu().numpy(), expected, rtol=1e-6)
    assert {"sgd_update_float", "adam_update_float"} <= set(host_cuda.launched)


@pytest.mark.parametrize("offset", [1e4, -1e4])
def test_cross_entropy_of_logits_around_1e4_through_the_kernels_is_exact(host_cuda: HostKernelsCUDABackend,
                                                                         offset: float) -> None:
    """float32 logits near ±1e4 (a step of 1e-3): the loss to 1e-5 relative and the gradient, as on the CPU."""
    logits = (offset + np.random.default_rng(5).normal(0, 2, (6, 5))).astype(np.float32)
    target = np.array([0, 1, 2, 3, 4, 0])
    shifted = logits.astype(np.float64) - logits.max(axis=1, keepdims=True)
    exact = np.log(np.exp(shifted).sum(axis=1)) - shifted[np.arange(6), target]
    grads = []
    for device in ("cpu", "cuda"):
        x = mt.tensor(logits, device=device, requires_grad=True)
        loss = nn.functional.cross_entropy(x, mt.tensor(target, device=device), reduction="sum")
        np.testing.assert_allclose(loss.item(), exact.sum(), rtol=1e-5)
        loss.backward()
        grads.append(x.grad.cpu().numpy())
    assert {"cross_entropy_forward_float", "cross_entropy_backward_float"} <= set(host_cuda.launched)
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-5, atol=1e-7)


def test_a_cnn_step_on_the_host_kernels_gives_the_cpus_numbers(host_cuda: HostKernelsCUDABackend) -> None:
    """conv (stride, padding, dilation) - relu - max pool (overlapping, ceil_mode) - avg pool, forward and
    backward: the loss and every gradient as on the CPU."""
    functional = nn.functional
    random = np.random.default_rng(6)
    arrays = [random.normal(size=shape) for shape in ((2, 3, 9, 8), (4, 3, 3, 3), (4,))]
    results = []
    for device in ("cpu", "cuda"):
        x, weight, bias = (mt.tensor(array, device=device, requires_grad=True) for array in arrays)
        hidden = functional.relu(functional.conv2d(x, weight, bias, stride=(1, 2), padding=1, dilation=(2, 1)))
        pooled = functional.max_pool2d(hidden, 3, stride=2, padding=1, ceil_mode=True)
        loss = (functional.avg_pool2d(pooled, 2, ceil_mode=True, count_include_pad=False) ** 2).sum()
        loss.backward()
        results.append([loss.detach().cpu().numpy()] + [t.grad.cpu().numpy() for t in (x, weight, bias)])
    launched = {name.rsplit("_", 1)[0] for name in host_cuda.launched}
    assert {"im2col", "col2im", "max_pool2d_forward", "max_pool2d_backward", "avg_pool2d_forward",
            "avg_pool2d_backward"} <= launched
    for cuda_result, cpu_result in zip(results[1], results[0]):
        np.testing.assert_allclose(cuda_result, cpu_result, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("module_name", ["LSTM", "GRU"])
def test_a_recurrent_network_on_the_host_kernels_gives_the_cpus_numbers(host_cuda: HostKernelsCUDABackend,
                                                                        module_name: str) -> None:
    """Two bidirectional layers over 5 steps in float64, backward from the output and the final states: the
    loss and every gradient as on the CPU, through the cell kernels."""
    sequence = np.random.default_rng(7).normal(size=(5, 3, 4))
    results = []
    for device in ("cpu", "cuda"):
        mt.manual_seed(0)
        module = getattr(nn, module_name)(4, 6, num_layers=2, bidirectional=True).double().to(device)
        x = mt.tensor(sequence, device=device, requires_grad=True)
        output, final = module(x)
        loss = (output ** 2).sum() + sum((state ** 2).sum() for state in (final if module_name == "LSTM" else (final,)))
        loss.backward()
        results.append([loss.detach().cpu().numpy(), x.grad.cpu().numpy()]
                       + [parameter.grad.cpu().numpy() for parameter in module.parameters()])
    cell = module_name.lower()
    assert {f"{cell}_cell_forward_double", f"{cell}_cell_backward_double"} <= set(host_cuda.launched)
    for cuda_result, cpu_result in zip(results[1], results[0]):
        np.testing.assert_allclose(cuda_result, cpu_result, rtol=1e-12, atol=1e-13)
