"""minitorch/backends/cuda_kernels.py without a GPU: the kernel table and the launch shapes (the launches
themselves run on the host in test_host_*.py). Also: a wheel ships kernels/, and the CI rule of conftest.py."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from minitorch.backends import cuda_kernels
from minitorch.backends.cuda_kernels import (BLOCK_SIZE, KERNELS, MAX_BLOCKS, elementwise_blocks, kernel_name,
                                             kernel_names, kernel_source, nvrtc_target, row_blocks)
from minitorch.backends.activations import ACTIVATIONS

from .conftest import require

REPOSITORY = Path(__file__).resolve().parents[2]
DTYPES = [np.float16, np.float32, np.float64]


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
