"""The device model: mt.device, mt.cuda without a GPU, moving tensors, mixing devices, DLPack."""
from __future__ import annotations

import subprocess
import sys
import types

import numpy as np
import pytest

import minitorch as mt
from minitorch.backends import cuda as cuda_backend

from ..conftest import import_torch, requires_gpu


@pytest.mark.parametrize("spec, kind, index, text", [
    ("cpu", "cpu", None, "cpu"), ("cuda", "cuda", None, "cuda"), ("cuda:1", "cuda", 1, "cuda:1"),
])
def test_device_parses_like_torch(spec: str, kind: str, index: int | None, text: str) -> None:
    device = mt.device(spec)
    assert (device.type, device.index, str(device)) == (kind, index, text)
    assert device == spec and device == mt.device(spec)
    assert repr(device).startswith(f"device(type='{kind}'")


@pytest.mark.parametrize("spec", ["gpu", "cuda:x", "cuda:-1", ""])
def test_bad_device_string_raises(spec: str) -> None:
    with pytest.raises(RuntimeError, match="device"):
        mt.device(spec)


def test_import_does_not_import_cupy() -> None:
    code = "import sys, minitorch as mt; mt.zeros(2).sum(); print('cupy' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


@pytest.fixture
def fresh_availability():
    cuda_backend.unavailable_reason.cache_clear()
    yield
    cuda_backend.unavailable_reason.cache_clear()


def _fake_cupy(device_count=None, error=None) -> types.SimpleNamespace:
    def get_device_count():
        if error is not None:
            raise error
        return device_count

    return types.SimpleNamespace(cuda=types.SimpleNamespace(runtime=types.SimpleNamespace(getDeviceCount=get_device_count)))


class InsufficientDriver(RuntimeError):
    """Stands in for cupy's CUDARuntimeError: cudaErrorInsufficientDriver."""


@pytest.mark.parametrize("fake, reason", [
    (None, "CuPy is not installed"),
    (_fake_cupy(error=InsufficientDriver("cudaErrorInsufficientDriver: CUDA driver version is insufficient")),
     "driver is missing or too old"),
    (_fake_cupy(device_count=0), "no CUDA device"),
])
def test_is_available_is_false_with_the_reason(monkeypatch, fresh_availability, fake, reason: str) -> None:
    def import_cupy():
        if fake is None:
            raise ImportError("No module named 'cupy'")
        return fake

    monkeypatch.setattr(cuda_backend, "_import_cupy", import_cupy)
    assert mt.cuda.is_available() is False
    assert mt.cuda.device_count() == 0
    assert reason in mt.cuda.unavailable_reason()
    monkeypatch.setattr(mt.backends, "_cuda_backends", {})
    with pytest.raises(RuntimeError, match=reason):
        mt.ones(2).to("cuda")
    with pytest.raises(RuntimeError, match=reason):
        mt.zeros(2, device="cuda:0")


def test_missing_cupy_names_the_extra(monkeypatch, fresh_availability) -> None:
    monkeypatch.setattr(cuda_backend, "_import_cupy", lambda: (_ for _ in ()).throw(ImportError("no cupy")))
    assert "minitorch[cuda13]" in mt.cuda.unavailable_reason()


def test_this_machine_reports_why_without_raising() -> None:
    available = mt.cuda.is_available()
    assert isinstance(available, bool)
    assert (mt.cuda.unavailable_reason() is None) == available


def test_to_device_and_back_keeps_values_and_gradient(fake_cuda) -> None:
    x = mt.tensor([1.0, -2.0, 3.0], requires_grad=True)
    on_gpu = x.to("cuda")
    assert on_gpu.device == "cuda:0" and on_gpu.is_cuda
    assert "device='cuda:0'" in repr(on_gpu)
    y = (on_gpu * on_gpu).sum().cpu()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.detach().numpy())
    assert x.grad.device == "cpu"


def test_creation_takes_device(fake_cuda) -> None:
    for tensor in (mt.zeros(2, 3, device="cuda"), mt.randn(4, device="cuda"), mt.arange(3, device="cuda"),
                   mt.tensor([1, 2], device="cuda:0"), mt.eye(2, device=mt.device("cuda"))):
        assert tensor.device == "cuda:0"


def test_mixing_devices_names_both(fake_cuda) -> None:
    a, b = mt.ones(2), mt.ones(2, device="cuda")
    for operation in (lambda: a + b, lambda: a @ b, lambda: mt.cat([a, b]), lambda: a == b):
        with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device.*cpu.*cuda:0"):
            operation()


def test_cuda_tensor_refuses_numpy(fake_cuda) -> None:
    with pytest.raises(TypeError, match="cuda:0"):
        mt.ones(2, device="cuda").numpy()


def test_dlpack_round_trip_with_numpy_shares_memory() -> None:
    array = np.arange(6.0).reshape(2, 3)
    tensor = mt.from_dlpack(array)
    array[0, 0] = 42.0
    assert tensor[0, 0].item() == 42.0 and tensor.dtype is mt.float64
    back = np.from_dlpack(tensor)
    tensor.add_(1)
    assert back[0, 0] == 43.0
    assert tensor.__dlpack_device__() == (1, 0)


def test_dlpack_refuses_tensors_that_require_grad() -> None:
    with pytest.raises(RuntimeError, match="require gradient"):
        np.from_dlpack(mt.ones(2, requires_grad=True))


def test_dlpack_with_pytorch_when_installed() -> None:
    torch = import_torch()
    source = torch.arange(4, dtype=torch.float32)
    tensor = mt.from_dlpack(source)
    source[0] = 9
    assert tensor.tolist() == [9.0, 1.0, 2.0, 3.0]
    back = torch.from_dlpack(mt.tensor([1.5, 2.5]))
    assert back.tolist() == [1.5, 2.5]


def test_array_protocol() -> None:
    tensor = mt.tensor([[1, 2], [3, 4]])
    assert np.asarray(tensor).sum() == 10
    assert np.asarray(tensor, dtype=np.float64).dtype == np.float64
    with pytest.raises(RuntimeError, match="requires grad"):
        np.asarray(mt.ones(2, requires_grad=True))


@requires_gpu
@pytest.mark.gpu
def test_real_gpu_round_trip() -> None:
    x = mt.randn(3, 4)
    on_gpu = x.cuda()
    assert on_gpu.device == "cuda:0"
    np.testing.assert_array_equal(on_gpu.cpu().numpy(), x.numpy())
    mt.cuda.synchronize()
