"""The activation registry (minitorch/functions/activation.py), the header (kernels/activations.cuh) and the
test references agree: each registered activation has its function pair and its reference, and nothing else."""
from __future__ import annotations

import re

from minitorch.backends.cuda_kernels import KERNELS_DIR, kernel_source
from minitorch.backends import activations as activation
from minitorch.backends.activations import ACTIVATIONS

from .reference import REFERENCES

HEADER = (KERNELS_DIR / "activations.cuh").read_text()


def _header_functions(kind: str) -> list[str]:
    return re.findall(rf"^template <typename T> MT_HOST_DEVICE inline T mt_(\w+)_{kind}\(", HEADER, re.M)


def test_every_registered_activation_has_its_function_pair_in_the_header() -> None:
    assert _header_functions("forward") == list(ACTIVATIONS)
    assert _header_functions("derivative") == list(ACTIVATIONS)


def test_every_registered_activation_has_a_reference() -> None:
    assert list(REFERENCES) == list(ACTIVATIONS)


def test_the_kernels_compile_without_include_paths() -> None:
    """NVRTC gets kernel_source() as text, with no include path: no #include, no std::."""
    code = re.sub(r"//.*", "", kernel_source())
    assert "#include" not in code
    assert "std::" not in code


def test_the_header_constants_are_the_registry_constants() -> None:
    constants = dict(re.findall(r"constexpr double mt_(\w+) = ([0-9.eE+-]+);", HEADER))
    for name in ("SQRT_HALF", "INV_SQRT_2PI", "GELU_TANH_SCALE", "GELU_TANH_CUBIC"):
        assert float(constants[name.lower()]) == getattr(activation, name), name
