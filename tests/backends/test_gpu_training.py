"""An MLP training step on a real GPU gives the CPU's numbers (marked gpu: skipped, with the reason, without one)."""
from __future__ import annotations

import numpy as np
import pytest

import minitorch as mt

from ..conftest import requires_gpu


def train_steps(device: str, steps: int = 3) -> tuple[list[float], list[np.ndarray]]:
    """A 20-32-5 tanh MLP trained by plain SGD on fixed data; the losses and final parameters."""
    rng = np.random.default_rng(0)
    features = mt.tensor(rng.standard_normal((16, 20)), device=device)
    labels = mt.tensor(rng.integers(0, 5, 16), device=device)
    parameters = [mt.tensor(rng.standard_normal(shape) * 0.3, device=device, requires_grad=True)
                  for shape in ((20, 32), (32,), (32, 5), (5,))]
    losses = []
    for _ in range(steps):
        w1, b1, w2, b2 = parameters
        logits = (features @ w1 + b1).tanh() @ w2 + b2
        loss = -logits.log_softmax(1)[mt.arange(16, device=device), labels].mean()
        loss.backward()
        with mt.no_grad():
            for parameter in parameters:
                parameter -= 0.5 * parameter.grad
                parameter.grad = None
        losses.append(loss.item())
    return losses, [parameter.detach().cpu().numpy() for parameter in parameters]


def test_training_on_a_stand_in_device_matches_the_cpu(fake_cuda) -> None:
    cpu_losses, cpu_parameters = train_steps("cpu")
    device_losses, device_parameters = train_steps("cuda")
    assert cpu_losses[-1] < cpu_losses[0]
    np.testing.assert_allclose(device_losses, cpu_losses, rtol=1e-12)
    for device_parameter, cpu_parameter in zip(device_parameters, cpu_parameters):
        np.testing.assert_allclose(device_parameter, cpu_parameter, rtol=1e-12)


@requires_gpu
@pytest.mark.gpu
def test_training_step_on_a_real_gpu_matches_the_cpu() -> None:
    cpu_losses, cpu_parameters = train_steps("cpu")
    gpu_losses, gpu_parameters = train_steps("cuda")
    np.testing.assert_allclose(gpu_losses, cpu_losses, rtol=1e-9)
    for gpu_parameter, cpu_parameter in zip(gpu_parameters, cpu_parameters):
        np.testing.assert_allclose(gpu_parameter, cpu_parameter, rtol=1e-9, atol=1e-12)
