"""cuda:N is honoured: every allocation, launch and random draw for a tensor on cuda:1 runs with cuda:1 current.

On the stand-in cuda:1 (tests/conftest.py) any NumPy work on its arrays, any xp call and any draw made while
another GPU is current fails, so these tests find the op, creation function or update that forgot its device.
Marked gpu and needing two GPUs: the same on real ones, where a result on the wrong GPU shows in its .device.
"""
from __future__ import annotations

import copy

import numpy as np
import pytest

import minitorch as mt
from minitorch import nn, optim
from minitorch.backends.cpu import cpu
from minitorch.backends.cuda import CUDABackend

from ..conftest import OnStandInGPU1, requires_gpu, requires_two_gpus
from ..functions.test_ops import OPS, Op, _forward_and_gradients, make_inputs
from ..nn.test_nn_devices import run


def test_the_stand_in_refuses_work_outside_its_device(stand_in_gpu1) -> None:
    """The harness itself: without the context, cuda:1's arrays and xp refuse to run."""
    array = stand_in_gpu1.asarray([1.0, 2.0])
    assert isinstance(array, OnStandInGPU1)
    for work in (lambda: array + 1, lambda: array.sum(), lambda: np.concatenate([array, array]),
                 lambda: stand_in_gpu1.xp.zeros(3), lambda: stand_in_gpu1.generator.random(2),
                 lambda: array.copy(), lambda: array[[0, 0]]):
        with pytest.raises(AssertionError, match="with cuda:0 current"):
            work()
    with stand_in_gpu1.context():
        assert isinstance(array + 1, OnStandInGPU1)


@pytest.mark.parametrize("op", OPS, ids=[op.name for op in OPS])
def test_every_op_runs_on_its_tensors_gpu(op: Op, stand_in_gpu1) -> None:
    arrays = make_inputs(op, seed=5)
    cpu_output, cpu_grads = _forward_and_gradients(op, arrays, "cpu")
    device_output, device_grads = _forward_and_gradients(op, arrays, "cuda:1")
    np.testing.assert_allclose(device_output, cpu_output, rtol=1e-12)
    for device_grad, cpu_grad in zip(device_grads, cpu_grads):
        np.testing.assert_allclose(device_grad, cpu_grad, rtol=1e-12, atol=1e-15)


CREATIONS = {
    "tensor": lambda device: mt.tensor([[1.0, 2.0]], device=device),
    "zeros": lambda device: mt.zeros(2, 3, device=device),
    "ones": lambda device: mt.ones(2, device=device),
    "empty": lambda device: mt.empty(4, device=device),
    "full": lambda device: mt.full((2,), 7.0, device=device),
    "rand": lambda device: mt.rand(3, device=device),
    "randn": lambda device: mt.randn(3, dtype=mt.float16, device=device),
    "randint": lambda device: mt.randint(0, 5, (4,), device=device),
    "arange": lambda device: mt.arange(5, device=device),
    "linspace": lambda device: mt.linspace(0, 1, 5, device=device),
    "eye": lambda device: mt.eye(3, device=device),
    "zeros_like": lambda device: mt.zeros_like(mt.ones(2, device=device)),
    "randn_like": lambda device: mt.randn_like(mt.ones(2, device=device)),
}


@pytest.mark.parametrize("name", list(CREATIONS))
def test_creation_and_draws_run_on_the_requested_gpu(name: str, stand_in_gpu1) -> None:
    created = CREATIONS[name]("cuda:1")
    assert created.device == "cuda:1" and isinstance(created._data, OnStandInGPU1)


def test_in_place_and_gradient_free_ops_run_on_the_tensors_gpu(stand_in_gpu1) -> None:
    x = mt.tensor([[1.0, -2.0], [3.0, 0.0]], device="cuda:1")
    x.fill_(2.0)
    x.zero_()
    x.copy_(mt.tensor([[1.0, -2.0], [3.0, 0.0]]))
    x[0, 1] = 5.0
    x[mt.tensor([1])] = mt.tensor([[4.0, 4.0]], device="cuda:1")
    x += 1
    x.mul_(mt.tensor(2.0, device="cuda:1"))
    copied = copy.deepcopy(x)
    results = [x == copied, x > 0, x.sign(), ~(x > 0), x.argmax(), x.argmax(1), x.any(), x.all(1),
               x.max(1).indices, mt.tensor(1.5, device="cuda:1").max(0).indices, x // 2, x ** 2,
               mt.arange(4, device="cuda:1") // mt.tensor([1, 2, 3, 4], device="cuda:1"),
               mt.arange(4, device="cuda:1") ** mt.tensor([1, 2, 0, 1], device="cuda:1")]
    weight = mt.ones(2, device="cuda:1", requires_grad=True)
    hidden = weight * 2
    hidden.retain_grad()
    hidden.sum().backward()
    results += [weight.grad, hidden.grad]
    assert x.tolist() == [[4.0, 12.0], [10.0, 10.0]] and copied.tolist() == x.tolist()
    assert all(result.device == "cuda:1" and isinstance(result._data, OnStandInGPU1) for result in results)


def test_training_on_gpu1_gives_the_cpus_numbers(stand_in_gpu1, tmp_path) -> None:
    """Modules, Adam, clipping, DataLoader and checkpoints on cuda:1, every step under its device."""
    cpu_losses, cpu_state = run("cpu", tmp_path)
    device_losses, device_state = run("cuda:1", tmp_path)
    np.testing.assert_allclose(device_losses, cpu_losses, rtol=1e-6)
    for key, value in cpu_state.items():
        np.testing.assert_allclose(device_state[key], value, rtol=1e-5, atol=1e-6, err_msg=key)


@pytest.mark.parametrize("make_optimizer", [
    lambda params: optim.SGD(params, lr=0.1, momentum=0.9, nesterov=True),
    lambda params: optim.RMSprop(params, lr=0.01, momentum=0.5, centered=True),
], ids=["sgd", "rmsprop"])
def test_optimizer_steps_run_on_the_parameters_gpu(make_optimizer, stand_in_gpu1) -> None:
    model = nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.5), nn.Tanh(), nn.Linear(4, 2)).to("cuda:1")
    optimizer = make_optimizer(model.parameters())
    for _ in range(2):
        optimizer.zero_grad()
        nn.functional.mse_loss(model(mt.randn(5, 3, device="cuda:1")), mt.zeros(5, 2, device="cuda:1")).backward()
        optimizer.step()
    assert all(isinstance(parameter._data, OnStandInGPU1) for parameter in model.parameters())


def test_the_cpu_enters_no_device() -> None:
    """The CPU's context is one shared no-op, so the CPU path pays a method call per op and nothing more."""
    assert cpu.context() is cpu.context()
    with cpu.context() as entered:
        assert entered is None


def test_the_cuda_backend_makes_its_own_gpu_current() -> None:
    backend = CUDABackend(1)  # CuPy imports without a GPU; a Device object is made without touching one
    context = backend.context()
    assert context.id == 1 and context is not backend.context()  # a fresh Device: its stack is per object


@requires_gpu
@requires_two_gpus
@pytest.mark.gpu
def test_work_for_cuda1_lands_on_gpu1_while_gpu0_is_current() -> None:
    import cupy

    with cupy.cuda.Device(0):
        x = mt.randn(8, 4, device="cuda:1", requires_grad=True)
        model = nn.Sequential(nn.Linear(4, 3), nn.GELU()).to("cuda:1")
        optimizer = optim.Adam(model.parameters(), lr=0.01)
        loss = model(x).softmax(1)[mt.arange(8, device="cuda:1"), mt.zeros(8, dtype=mt.int64, device="cuda:1")].sum()
        loss.backward()
        optimizer.step()
        tensors = [x, x.grad, loss, mt.zeros(2, device="cuda:1"), mt.eye(2, device="cuda:1"),
                   mt.randint(0, 3, (4,), device="cuda:1"), x > 0, x.argmax(1), *model.parameters(),
                   *(parameter.grad for parameter in model.parameters()),
                   *(state for value in optimizer.state.values() for state in value.values()
                     if isinstance(state, mt.Tensor))]
        assert {tensor._data.device.id for tensor in tensors} == {1}
        assert cupy.cuda.runtime.getDevice() == 0
