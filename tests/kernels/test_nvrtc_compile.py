"""kernel_source() compiled by NVRTC exactly as the runtime compiles it (compile_kernels, COMPILE_OPTIONS),
for Turing, Ampere and Hopper cubins and Hopper PTX, without a GPU: every kernel is there, none spills
registers, and none uses approximate or flush-to-zero arithmetic beyond CUDA's precise math library's own."""
from __future__ import annotations

import re

import pytest

from minitorch.backends.cuda_kernels import COMPILE_OPTIONS, KERNELS_DIR, kernel_names

from .conftest import NVRTC_TARGETS

CUBIN_TARGETS = [target for target in NVRTC_TARGETS if target.startswith("sm_")]
PTX_TARGET = "compute_90"

APPROXIMATE_MATH_KERNELS: frozenset[str] = frozenset()
"""Kernels allowed approximate math beyond the precise library's (none yet): a kernel opts in here, by name."""

FAST_MATH_ONLY = ("tanh.approx", "div.approx", "div.full", "sqrt.approx", "rsqrt.approx", "lg2.approx",
                  "sin.approx", "cos.approx")
"""Instructions that --use_fast_math or __intrinsics bring in and the precise library never uses."""

FLOAT_INSTRUCTION = re.compile(r"\b(?:[a-z0-9]+\.)+(?:f16|f32|f64)\b")


def _functions(ptx: str) -> dict[str, str]:
    """Each .entry or .func of a PTX module -> its body."""
    starts = list(re.finditer(r"^\.(?:visible |weak )?\.?(?:entry|func)\s+(?:\([^)]*\)\s*)?(\w+)", ptx, re.M))
    ends = [match.start() for match in starts[1:]] + [len(ptx)]
    return {match.group(1): ptx[match.end():end] for match, end in zip(starts, ends)}


def _imprecise(body: str) -> set[str]:
    """The approximate (.approx) and flush-to-zero (.ftz) floating-point instructions of a PTX body."""
    return {instruction for instruction in FLOAT_INSTRUCTION.findall(body)
            if ".approx" in instruction or ".ftz" in instruction}


PRECISE_FUNCTIONS = {"float": ("expf", "expm1f", "logf", "log1pf", "erff", "erfcf", "tanhf", "sqrtf", "fabsf"),
                     "double": ("exp", "expm1", "log", "log1p", "erf", "erfc", "tanh", "sqrt", "fabs")}
"""CUDA's precise math functions that kernels/ may call: the probe compiles exactly these, alone, so the
approximate instructions they use inside are allowed and nothing else is (a kernel header cannot widen it)."""

FAST_INTRINSICS = re.compile(r"\b__(?:expf|exp10f|logf|log2f|log10f|powf|sinf|cosf|tanf|sincosf|fdividef|"
                             r"frcp_\w+|frsqrt_\w+|fsqrt_\w+|fdiv_\w+)\b|\b(?:rsqrtf?|__nv_fast_\w+)\b|fast_math")
"""CUDA's fast (approximate) intrinsics, rsqrt, and fast-math switches: refused anywhere in kernels/."""


@pytest.fixture(scope="module")
def precise_library_instructions(nvrtc: None) -> set[str]:
    """What CUDA's precise math library uses internally (expf reduces its argument, then ex2.approx.ftz):
    a fixed probe calling each of PRECISE_FUNCTIONS, and / and sqrt, for float and double, compiled alone
    with NVRTC's defaults only."""
    from cupy.cuda import nvrtc

    probes = [f'extern "C" __global__ void probe_{c_type}_{function}({c_type}* y, {c_type} x) {{ '
              f'y[0] = {function}(x); y[1] = x / y[2]; y[3] = sqrt(x); }}'
              for c_type, functions in PRECISE_FUNCTIONS.items() for function in functions]
    program = nvrtc.createProgram("\n".join(probes), "probe.cu", [], [])
    try:
        nvrtc.compileProgram(program, [f"--gpu-architecture={PTX_TARGET}"])
        ptx = nvrtc.getPTX(program)
    finally:
        nvrtc.destroyProgram(program)
    return _imprecise(ptx.decode() if isinstance(ptx, bytes) else ptx)


def test_the_header_calls_only_the_probed_precise_functions() -> None:
    header = (KERNELS_DIR / "activations.cuh").read_text()
    wrappers = re.findall(r"MT_HOST_DEVICE inline \w+ mt_\w+\((float|double) x\) \{ return (\w+)\(x\); \}", header)
    assert len(wrappers) >= 16, "the math library wrappers of activations.cuh were not found"
    outside = [(c_type, function) for c_type, function in wrappers if function not in PRECISE_FUNCTIONS[c_type]
               and function != "isfinite"]
    assert not outside, f"math functions the precise probe does not cover: {outside}"


@pytest.mark.parametrize("source", sorted(path.name for path in KERNELS_DIR.iterdir() if path.suffix in {".cu", ".cuh"}))
def test_no_fast_intrinsic_in_the_kernel_sources(source: str) -> None:
    code = re.sub(r"//.*", "", (KERNELS_DIR / source).read_text())
    found = sorted({match.group(0) for match in FAST_INTRINSICS.finditer(code)})
    assert not found, f"{source} uses fast, approximate math: {found}"


def test_compile_options_ask_for_precise_math() -> None:
    fast = {"--use_fast_math", "-use_fast_math", "--ftz=true", "-ftz=true", "--prec-div=false", "-prec-div=false",
            "--prec-sqrt=false", "-prec-sqrt=false"}
    assert not fast & set(COMPILE_OPTIONS)


@pytest.mark.parametrize("target", CUBIN_TARGETS)
def test_every_kernel_is_in_the_cubin(nvrtc_builds: dict, target: str) -> None:
    cubin, log = nvrtc_builds[target]
    compiled = re.findall(rf"Compiling entry function '(\w+)' for '{target}'", log)
    assert sorted(compiled) == sorted(kernel_names())
    missing = [name for name in kernel_names() if b"\0" + name.encode() + b"\0" not in cubin]
    assert not missing, f"symbols missing from the {target} cubin: {missing}"


@pytest.mark.parametrize("target", CUBIN_TARGETS)
def test_no_kernel_spills_registers(nvrtc_builds: dict, target: str) -> None:
    _, log = nvrtc_builds[target]
    properties = re.findall(r"Function properties for (\w+)\n.*?(\d+) bytes spill stores, (\d+) bytes spill loads", log)
    assert sorted(name for name, _, _ in properties) == sorted(kernel_names())
    spilling = {name: f"{stores} B stored, {loads} B loaded" for name, stores, loads in properties
                if (stores, loads) != ("0", "0")}
    assert not spilling, f"register spills on {target}: {spilling}"


def test_every_kernel_is_in_the_ptx(nvrtc_builds: dict) -> None:
    ptx, _ = nvrtc_builds[PTX_TARGET]
    entries = re.findall(r"^\.visible \.entry (\w+)\(", ptx.decode(), re.M)
    assert sorted(entries) == sorted(kernel_names())


def test_no_approximate_math_beyond_the_precise_library(nvrtc_builds: dict, precise_library_instructions: set) -> None:
    assert not any(instruction.startswith(FAST_MATH_ONLY) for instruction in precise_library_instructions)
    ptx, _ = nvrtc_builds[PTX_TARGET]
    functions = _functions(ptx.decode())
    assert set(kernel_names()) <= set(functions)
    offending = {name: sorted(_imprecise(body) - precise_library_instructions) for name, body in functions.items()
                 if name not in APPROXIMATE_MATH_KERNELS and _imprecise(body) - precise_library_instructions}
    assert not offending, f"approximate or flush-to-zero instructions: {offending}"
