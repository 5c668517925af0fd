"""minitorch/backends/cuda_kernels.py without a GPU: the kernel table, the launch shapes, and every CudaKernels
method run on NumPy arrays with a stand-in launch that checks the kernel exists and that each argument has
its C parameter's type. Also: a wheel ships kernels/, and the CI rule of conftest.py."""
from __future__ import annotations

import contextlib
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from minitorch.backends import cuda_kernels
from minitorch.backends.cuda_kernels import (BLOCK_SIZE, KERNELS, MAX_BLOCKS, CudaKernels, elementwise_blocks,
                                             kernel_name, kernel_names, kernel_source, nvrtc_target, row_blocks)
from minitorch.functions.activation import ACTIVATIONS

from .conftest import require

REPOSITORY = Path(__file__).resolve().parents[2]
DTYPES = [np.float16, np.float32, np.float64]
C_TYPES = {"mt_half": np.float16, "float": np.float32, "double": np.float64, "long long": np.int64, "int": np.int32}
NULLABLE = {"pre_activation", "momentum_buffer"}  # the kernels skip them when NULL


def test_kernel_names_cover_every_activation_and_kernel_for_each_dtype() -> None:
    names = kernel_names()
    assert len(names) == len(set(names)) == 3 * (3 * len(ACTIVATIONS) + len(KERNELS))
    for activation in ACTIVATIONS:
        assert {f"{activation}_forward_half", f"{activation}_backward_float",
                f"{activation}_bias_forward_double"} <= set(names)


def test_every_kernel_has_one_entry_point() -> None:
    source = kernel_source()
    assert sorted(re.findall(r'extern "C" __global__ void (\w+)\(', source)) == sorted(kernel_names())


def test_launch_shapes() -> None:
    dtypes_header = (cuda_kernels.KERNELS_DIR / "dtypes.cuh").read_text()
    assert BLOCK_SIZE == int(re.search(r"mt_block_size = (\d+);", dtypes_header)[1])
    assert [elementwise_blocks(n) for n in (0, 1, 256, 257, 10**12)] == [1, 1, 1, 2, MAX_BLOCKS]
    assert [row_blocks(rows) for rows in (0, 3, 10**9)] == [1, 3, MAX_BLOCKS]


def test_nvrtc_target() -> None:
    supported = (75, 80, 86, 90, 120)
    assert nvrtc_target(86, supported) == "sm_86"
    assert nvrtc_target(130, supported) == "compute_120"
    with pytest.raises(RuntimeError, match="cannot compile for sm_70"):
        nvrtc_target(70, supported)


def test_kernel_name() -> None:
    assert kernel_name("relu_forward", np.float16) == "relu_forward_half"
    with pytest.raises(TypeError, match="not int64"):
        kernel_name("relu_forward", np.int64)


class CheckingLaunch:
    """Stands in for CudaKernels.launch: checks the kernel exists and the arguments against its C signature."""

    def __init__(self) -> None:
        self.signatures = {name: [" ".join(parameter.split()) for parameter in parameters.split(",")]
                           for name, parameters in re.findall(r'extern "C" __global__ void (\w+)\(([^)]*)\)',
                                                              kernel_source())}
        self.launched: list[str] = []

    def __call__(self, name: str, blocks: int, args: tuple) -> None:
        assert name in self.signatures, f"no kernel {name}"
        parameters = self.signatures[name]
        assert len(args) == len(parameters), f"{name}: {len(args)} arguments for {parameters}"
        assert 1 <= blocks <= MAX_BLOCKS
        for parameter, argument in zip(parameters, args):
            c_type, parameter_name = parameter.removeprefix("const ").rsplit(" ", 1)
            if c_type.endswith("*"):
                if argument is None:
                    assert parameter_name in NULLABLE, f"{name}: NULL for {parameter}"
                    continue
                assert isinstance(argument, np.ndarray) and argument.flags.c_contiguous, f"{name}: {parameter}"
                assert argument.dtype == C_TYPES[c_type[:-1]], f"{name}: {argument.dtype} for {parameter}"
            else:
                assert type(argument) is C_TYPES[c_type], f"{name}: {type(argument).__name__} for {parameter}"
        self.launched.append(name)


@pytest.fixture
def kernels(nvrtc: None) -> CudaKernels:
    """CudaKernels on NumPy arrays, launching through CheckingLaunch."""
    kernels = CudaKernels()
    kernels.xp = np
    kernels.launch = CheckingLaunch()
    kernels._device_of = lambda array: contextlib.nullcontext()
    return kernels


@pytest.mark.parametrize("dtype", DTYPES)
def test_every_method_launches_its_kernel_with_the_right_arguments(kernels: CudaKernels, dtype: type) -> None:
    suffix = cuda_kernels.DTYPES[np.dtype(dtype).name].suffix
    x = np.ones((3, 4), dtype)[:, ::-1]  # not contiguous: the methods make it so
    for spec in ACTIVATIONS.values():
        assert kernels.activation_forward(spec, x, (0.1, 2.0)).shape == (3, 4)
        assert kernels.activation_backward(spec, x, x, (0.1, 2.0)).dtype == dtype
        pre_activation, y = kernels.bias_activation_forward(spec, x, np.ones(4, dtype), (0.1, 2.0))
        assert y.shape == (3, 4) and (pre_activation is None) == spec.from_output
    assert kernels.softmax(x, 1, log=False).shape == (3, 4)
    assert kernels.softmax(x, 0, log=True).shape == (3, 4)  # moved to the last dim and back
    target = np.array([0, 3, -100])
    loss, logsumexp = kernels.cross_entropy_forward(x, target, -100)
    assert loss.shape == logsumexp.shape == (3,)
    assert kernels.cross_entropy_backward(x, target, logsumexp, np.array(1.0), -100).shape == (3, 4)
    param = np.ones(5, dtype)
    assert kernels.sgd_update(param, np.ones(5), None, 0.1, 0.0, 0.0, 0.0, False) is None
    buffer = kernels.sgd_update(param, np.ones(5), None, 0.1, 0.9, 0.0, 0.01, True)
    assert kernels.sgd_update(param, np.ones(5), buffer, 0.1, 0.9, 0.0, 0.01, True, maximize=True) is buffer
    kernels.adam_update(param, np.ones(5), np.zeros(5, dtype), np.zeros(5, dtype), 1, 1e-3, 0.9, 0.999, 1e-8, 0.0, True)
    expected = {f"{activation}_{kind}_{suffix}" for activation in ACTIVATIONS
                for kind in ("forward", "backward", "bias_forward")} | {f"{name}_{suffix}" for name in KERNELS}
    assert set(kernels.launch.launched) == expected


def test_in_place_updates_refuse_non_contiguous_arrays(kernels: CudaKernels) -> None:
    with pytest.raises(ValueError, match="param is updated in place"):
        kernels.sgd_update(np.ones((4, 4))[:, ::2], np.ones((4, 2)), None, 0.1, 0.0, 0.0, 0.0, False)


def test_a_wheel_ships_kernels_and_every_package() -> None:
    """pyproject lists the packages (kernels/ maps to minitorch/kernels): a new package must be added there."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    setuptools = tomllib.loads((REPOSITORY / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert setuptools["package-dir"] == {"minitorch.kernels": "kernels"}
    assert set(setuptools["package-data"]["minitorch.kernels"]) == {"*.cu", "*.cuh"}
    packages = {".".join(path.parent.relative_to(REPOSITORY).parts)
                for path in (REPOSITORY / "minitorch").rglob("*.py")}
    assert set(setuptools["packages"]) == packages | {"minitorch.kernels"}


def test_a_missing_tool_skips_on_a_users_machine_and_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no g\\+\\+"):
        require("no g++")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="no g\\+\\+"):
        require("no g++")
    require(None)


def test_importing_the_module_does_not_import_cupy() -> None:
    code = ("import sys; from minitorch.backends import cuda_kernels; cuda_kernels.kernel_source(); "
            "assert 'cupy' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
