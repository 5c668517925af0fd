"""Our CUDA kernels (kernels/) on CuPy arrays: their source, its compilation, and launches that have the
names, arguments and meaning of CPUBackend's methods.

kernel_source() is the one source NVRTC compiles: kernels/activations.cuh, kernels/dtypes.cuh, the device
templates of kernels/*.cu, and the extern "C" kernels made here for each dtype (half, float, double) and
each registered activation, e.g. relu_forward_float. Importing this module does not import CuPy.
"""
from __future__ import annotations

import functools
import math
import re
from pathlib import Path
from typing import Any, NamedTuple, Sequence

import numpy as np

from .activations import ACTIVATIONS, ActivationSpec

_PACKAGE_DIR = Path(__file__).resolve().parents[1]
KERNELS_DIR = _PACKAGE_DIR / "kernels" if (_PACKAGE_DIR / "kernels").is_dir() else _PACKAGE_DIR.parent / "kernels"
"""kernels/: inside the package in an installed wheel, at the repository's top in a checkout."""

SOURCE_FILES = ("activations.cuh", "dtypes.cuh", "elementwise.cu", "softmax.cu", "cross_entropy.cu", "optimizers.cu",
                "convolution.cu", "pooling.cu")

COMPILE_OPTIONS: tuple[str, ...] = ("--std=c++17", "--ftz=false", "--prec-div=true", "--prec-sqrt=true", "--fmad=true")
"""NVRTC's precise defaults, stated: denormals kept, IEEE division and square root, a * b + c fused into
one FMA (as nvcc does for PyTorch). No fast math."""

BLOCK_SIZE = 256  # threads per block, kernels/dtypes.cuh's mt_block_size
MAX_BLOCKS = 65535  # kernels loop over the elements or rows a smaller grid does not cover


class KernelDtype(NamedTuple):
    """How one dtype appears in the kernels: the names' suffix, the C type stored, the C type computed in."""

    suffix: str
    storage: str
    compute: str


DTYPES = {
    "float16": KernelDtype("half", "mt_half", "float"),
    "float32": KernelDtype("float", "float", "float"),
    "float64": KernelDtype("double", "double", "double"),
}

# Every extern "C" kernel calls one device template of kernels/*.cu, with that template's parameters.
ACTIVATION_KERNELS = {  # for each registered activation
    "{activation}_forward": "mt_activation_forward<{T}, mt_{activation}_forward<{C}> >",
    "{activation}_backward": "mt_activation_backward<{T}, mt_{activation}_derivative<{C}> >",
    "{activation}_bias_forward": "mt_bias_activation_forward<{T}, mt_{activation}_forward<{C}> >",
}
KERNELS = {
    "softmax_forward": "mt_softmax_forward<{T}, false>",
    "log_softmax_forward": "mt_softmax_forward<{T}, true>",
    "cross_entropy_forward": "mt_cross_entropy_forward<{T}>",
    "cross_entropy_backward": "mt_cross_entropy_backward<{T}>",
    "sgd_update": "mt_sgd_update<{T}>",
    "adam_update": "mt_adam_update<{T}>",
    "im2col": "mt_im2col<{T}>",
    "col2im": "mt_col2im<{T}>",
    "max_pool2d_forward": "mt_max_pool2d_forward<{T}>",
    "max_pool2d_backward": "mt_max_pool2d_backward<{T}>",
    "avg_pool2d_forward": "mt_avg_pool2d_forward<{T}>",
    "avg_pool2d_backward": "mt_avg_pool2d_backward<{T}>",
}


class _Kernel(NamedTuple):
    name: str  # e.g. relu_forward_half
    call: str  # the template it calls, e.g. mt_activation_forward<mt_half, mt_relu_forward<float> >
    storage: str


def _kernels() -> list[_Kernel]:
    """Every kernel: each registered activation's three, then the others, for each dtype."""
    kernels = []
    for dtype in DTYPES.values():
        types = {"T": dtype.storage, "C": dtype.compute}
        for activation in ACTIVATIONS:
            for name, call in ACTIVATION_KERNELS.items():
                kernels.append(_Kernel(f"{name.format(activation=activation)}_{dtype.suffix}",
                                       call.format(activation=activation, **types), dtype.storage))
        for name, call in KERNELS.items():
            kernels.append(_Kernel(f"{name}_{dtype.suffix}", call.format(**types), dtype.storage))
    return kernels


def kernel_names() -> list[str]:
    """The extern "C" kernels of kernel_source(): every activation and kernel, for each dtype."""
    return [kernel.name for kernel in _kernels()]


def _entry_point(kernel: _Kernel, templates: str) -> str:
    """extern "C" {name}(the template's parameters, T being the storage type) { call(those arguments); }."""
    template = kernel.call.split("<", 1)[0]
    declaration = re.search(rf"__device__ void {template}\(([^)]*)\)", templates)
    if declaration is None:
        raise RuntimeError(f"kernel {kernel.name}: no template '__device__ void {template}(...)' in kernels/")
    parameters = [" ".join(parameter.split()) for parameter in declaration.group(1).split(",")]
    arguments = ", ".join(parameter.split()[-1] for parameter in parameters)
    signature = re.sub(r"\bT\b", kernel.storage, ", ".join(parameters))
    return f'extern "C" __global__ void {kernel.name}({signature}) {{ {kernel.call}({arguments}); }}'


def kernel_source() -> str:
    """The CUDA source of all our kernels: kernels/*, then the extern "C" kernels (one line each)."""
    templates = "\n".join((KERNELS_DIR / file).read_text() for file in SOURCE_FILES)
    entry_points = [_entry_point(kernel, templates) for kernel in _kernels()]
    banner = '// ---- the extern "C" kernels, made by minitorch/backends/cuda_kernels.py'
    return "\n".join([templates, banner, *entry_points, ""])


def compile_kernels(target: str, extra_options: Sequence[str] = ()) -> tuple[bytes, str]:
    """NVRTC compiles kernel_source() with COMPILE_OPTIONS for target ("sm_80": a cubin, "compute_90": PTX).

    Returns (the cubin or PTX, NVRTC's log). Needs NVRTC (CuPy's), not a GPU.
    """
    from cupy.cuda import nvrtc

    program = nvrtc.createProgram(kernel_source(), "minitorch_kernels.cu", [], [])
    try:
        try:
            nvrtc.compileProgram(program, [*COMPILE_OPTIONS, f"--gpu-architecture={target}", *extra_options])
        except nvrtc.NVRTCError as error:
            log = nvrtc.getProgramLog(program)
            raise RuntimeError(f"NVRTC could not compile the kernels for {target}:\n{log}") from error
        binary = nvrtc.getCUBIN(program) if target.startswith("sm_") else nvrtc.getPTX(program)
        return binary, nvrtc.getProgramLog(program)
    finally:
        nvrtc.destroyProgram(program)


def nvrtc_target(compute_capability: int, supported_archs: Sequence[int]) -> str:
    """The target for a GPU: its own cubin when NVRTC knows its architecture, else PTX of the newest it knows."""
    if compute_capability in supported_archs:
        return f"sm_{compute_capability}"
    if compute_capability > max(supported_archs):
        return f"compute_{max(supported_archs)}"  # the driver compiles it for the newer GPU
    raise RuntimeError(f"this NVRTC cannot compile for sm_{compute_capability}: it supports "
                       f"{', '.join(f'sm_{arch}' for arch in supported_archs)}")


@functools.cache
def loaded_module(device_id: int) -> Any:
    """Our kernels compiled for GPU device_id and loaded on it, once per device and process.

    Not cupy.RawModule: CuPy appends -ftz=true to every kernel's options, which would flush float32
    denormals to zero where the CPU backend (and PyTorch) keeps them.
    """
    from cupy.cuda import Device, function, nvrtc

    with Device(device_id) as device:
        binary, _ = compile_kernels(nvrtc_target(int(device.compute_capability), nvrtc.getSupportedArchs()))
        module = function.Module()
        module.load(binary)
    return module


def elementwise_blocks(n: int) -> int:
    """Blocks of BLOCK_SIZE threads for n elements: enough for one element per thread, within 1..MAX_BLOCKS."""
    return max(1, min(math.ceil(n / BLOCK_SIZE), MAX_BLOCKS))


def row_blocks(rows: int) -> int:
    """Blocks for the row kernels (softmax, cross entropy): one per row, within 1..MAX_BLOCKS."""
    return max(1, min(rows, MAX_BLOCKS))


def kernel_name(base: str, dtype: Any) -> str:
    """The kernel `base` for arrays of dtype, e.g. relu_forward_half for float16."""
    kernel_dtype = DTYPES.get(np.dtype(dtype).name)
    if kernel_dtype is None:
        raise TypeError(f"{base}: our CUDA kernels take float16, float32 or float64 arrays, not {np.dtype(dtype).name}")
    return f"{base}_{kernel_dtype.suffix}"


def pool_output_size(size: int, kernel: int, stride: int, padding: int, dilation: int, ceil_mode: bool) -> int:
    """PyTorch's pooled length: floor (or ceil) of (size + 2 padding - dilation (kernel - 1) - 1) / stride, plus
    1; with ceil_mode the last window must start inside the input or its leading padding."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    out = (-(-span // stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def _int64s(*values: int) -> tuple[np.int64, ...]:
    return tuple(np.int64(value) for value in values)


def _params(params: tuple) -> tuple[np.float64, np.float64]:
    p0, p1 = params
    return np.float64(p0), np.float64(p1)


class CupyRuntime:
    """Where CudaKernels allocates and launches on a GPU: CuPy as the array module, an array's GPU as the
    context to allocate and launch in, and our kernels loaded on each GPU on its first launch there.

    tests/kernels/host_runtime.py has the same three members over NumPy, running the kernels on the host.
    """

    def __init__(self) -> None:
        import cupy  # noqa: PLC0415 - the optional dependency, imported when a GPU is first used

        self.xp = cupy
        self._functions: dict[tuple[int, str], Any] = {}

    def device_of(self, array: Any) -> Any:
        """array's GPU, as a context making it current."""
        return array.device

    def function(self, name: str) -> Any:
        """Kernel `name` on the current GPU: called as function(grid, block, args), as cupy's."""
        key = (self.xp.cuda.get_device_id(), name)
        if key not in self._functions:
            self._functions[key] = loaded_module(key[0]).get_function(name)
        return self._functions[key]


class CudaKernels:
    """Our kernels on the runtime's arrays (CuPy's by default), with the methods of CPUBackend that are kernels
    on the GPU.

    The kernels are compiled on the first launch on each GPU; the outputs are allocated on the inputs' GPU.
    Every array a kernel reads or writes is made C-contiguous first (0-d arrays stay 0-d); parameters and
    optimizer state that are not are updated through a contiguous copy that is written back.
    """

    def __init__(self, runtime: Any = None) -> None:
        self.runtime = CupyRuntime() if runtime is None else runtime
        self.xp = self.runtime.xp

    def launch(self, name: str, blocks: int, args: tuple) -> None:
        """Run kernel `name`: `blocks` blocks of BLOCK_SIZE threads, arguments as its C signature."""
        self.runtime.function(name)((blocks,), (BLOCK_SIZE,), args)

    def _contiguous(self, array: Any, dtype: Any = None) -> Any:
        """array as a C-contiguous array of dtype, copied only if need be; 0-d stays 0-d (ascontiguousarray
        would make it (1,))."""
        return self.xp.asarray(array, dtype=dtype, order="C")

    # ---- the methods of CPUBackend that are kernels here ----
    def activation_forward(self, spec: ActivationSpec, x: Any, params: tuple) -> Any:
        """y = f(x) for a registered activation."""
        with self.runtime.device_of(x):
            x = self._contiguous(x)
            y = self.xp.empty_like(x)
            self.launch(kernel_name(f"{spec.name}_forward", x.dtype), elementwise_blocks(x.size),
                        (x, y, np.int64(x.size), *_params(params)))
            return y

    def activation_backward(self, spec: ActivationSpec, grad_output: Any, saved: Any, params: tuple) -> Any:
        """grad_input = grad_output · f'(saved), saved being the input or the output (same shape)."""
        with self.runtime.device_of(grad_output):
            grad_output = self._contiguous(grad_output)
            saved = self._contiguous(saved, dtype=grad_output.dtype)
            grad_input = self.xp.empty_like(grad_output)
            self.launch(kernel_name(f"{spec.name}_backward", grad_output.dtype), elementwise_blocks(grad_output.size),
                        (grad_output, saved, grad_input, np.int64(grad_output.size), *_params(params)))
            return grad_input

    def bias_activation_forward(self, spec: ActivationSpec, x: Any, bias: Any, params: tuple,
                                overwrite_x: bool = False) -> tuple[Any, Any]:
        """(pre_activation, y) = (x + bias, f(x + bias)), bias (features,) along x's last dim, in one pass.

        pre_activation is None when the backward needs only y (sigmoid, tanh, relu: spec.from_output). The kernel
        writes it to an array of its own, so overwrite_x (CPUBackend's memory saving) changes nothing here.
        """
        if x.shape[-1:] != bias.shape:
            raise ValueError(f"bias_activation_forward: bias of shape {bias.shape} does not match the last dim of "
                             f"x of shape {x.shape}")
        with self.runtime.device_of(x):
            x = self._contiguous(x)
            bias = self._contiguous(bias, dtype=x.dtype)
            y = self.xp.empty_like(x)
            pre_activation = None if spec.from_output else self.xp.empty_like(x)
            self.launch(kernel_name(f"{spec.name}_bias_forward", x.dtype), elementwise_blocks(x.size),
                        (x, bias, pre_activation, y, np.int64(x.size), np.int64(bias.size), *_params(params)))
            return pre_activation, y

    def softmax(self, x: Any, dim: int, log: bool) -> Any:
        """softmax (or log_softmax) along dim, shifted by the max so it never overflows."""
        last = x.ndim - 1
        if dim % x.ndim != last:  # the kernel reduces rows of the last dim
            moved = self.softmax(self.xp.moveaxis(x, dim, -1), last, log)
            return self.xp.moveaxis(moved, -1, dim)
        with self.runtime.device_of(x):
            x = self._contiguous(x)
            y = self.xp.empty_like(x)
            cols = x.shape[-1]
            rows = x.size // cols if cols else 0
            self.launch(kernel_name("log_softmax_forward" if log else "softmax_forward", x.dtype), row_blocks(rows),
                        (x, y, np.int64(rows), np.int64(cols)))
            return y

    def cross_entropy_forward(self, logits: Any, target: Any, ignore_index: int) -> tuple[Any, Any, Any]:
        """Per row of logits (N, C) with class indices (N,): loss = log Σ e^(x - max) - (x[target] - max), 0 where
        ignored. Returns (loss, row max, log Σ e^(x - max)), each (N,), as CPUBackend's; a target outside [0, C)
        gives NaN.
        """
        with self.runtime.device_of(logits):
            logits = self._contiguous(logits)
            target = self._contiguous(target, dtype=np.int64)
            rows, cols = logits.shape
            loss, row_max, log_sum = (self.xp.empty(rows, dtype=logits.dtype) for _ in range(3))
            self.launch(kernel_name("cross_entropy_forward", logits.dtype), row_blocks(rows),
                        (logits, target, loss, row_max, log_sum, np.int64(rows), np.int64(cols),
                         np.int64(ignore_index)))
            return loss, row_max, log_sum

    def cross_entropy_backward(self, logits: Any, target: Any, row_max: Any, log_sum: Any, grad_loss: Any,
                               ignore_index: int) -> Any:
        """grad_logits = (e^((x - max) - log Σ) - one_hot(target)) · grad_loss per row (0 where ignored)."""
        with self.runtime.device_of(logits):
            logits = self._contiguous(logits)
            rows, cols = logits.shape
            target = self._contiguous(target, dtype=np.int64)
            row_max = self._contiguous(row_max, dtype=logits.dtype)
            log_sum = self._contiguous(log_sum, dtype=logits.dtype)
            grad_loss = self._contiguous(self.xp.broadcast_to(grad_loss, (rows,)), dtype=logits.dtype)
            grad_logits = self.xp.empty_like(logits)
            self.launch(kernel_name("cross_entropy_backward", logits.dtype), row_blocks(rows),
                        (logits, target, row_max, log_sum, grad_loss, grad_logits, np.int64(rows), np.int64(cols),
                         np.int64(ignore_index)))
            return grad_logits

    def sgd_update(self, param: Any, grad: Any, momentum_buffer: Any | None, lr: float, momentum: float,
                   dampening: float, weight_decay: float, nesterov: bool, maximize: bool = False) -> Any | None:
        """One SGD step in place, as torch.optim.SGD; returns the momentum buffer (created on the first step)."""
        with self.runtime.device_of(param):
            work_param = self._contiguous(param)
            grad = self._contiguous(grad, dtype=param.dtype)
            first_step = bool(momentum) and momentum_buffer is None
            if first_step:
                momentum_buffer = self.xp.empty(param.shape, dtype=param.dtype)
            work_buffer = None if momentum_buffer is None else self._contiguous(momentum_buffer)
            self.launch(kernel_name("sgd_update", param.dtype), elementwise_blocks(param.size),
                        (work_param, grad, work_buffer, np.int64(param.size), np.float64(lr), np.float64(momentum),
                         np.float64(dampening), np.float64(weight_decay), np.int32(nesterov), np.int32(first_step),
                         np.int32(maximize)))
            _write_back(param, work_param)
            if momentum_buffer is not None:
                _write_back(momentum_buffer, work_buffer)
            return momentum_buffer

    def adam_update(self, param: Any, grad: Any, exp_avg: Any, exp_avg_sq: Any, step: int, lr: float, beta1: float,
                    beta2: float, eps: float, weight_decay: float, decoupled_weight_decay: bool) -> None:
        """One Adam (or AdamW, decoupled) step in place, with PyTorch's formulas and order of operations."""
        with self.runtime.device_of(param):
            updated = [(array, self._contiguous(array)) for array in (param, exp_avg, exp_avg_sq)]
            (_, work_param), (_, work_avg), (_, work_avg_sq) = updated
            grad = self._contiguous(grad, dtype=param.dtype)
            bias_correction1 = 1 - beta1 ** step
            bias_correction2_sqrt = math.sqrt(1 - beta2 ** step)
            self.launch(kernel_name("adam_update", param.dtype), elementwise_blocks(param.size),
                        (work_param, grad, work_avg, work_avg_sq, np.int64(param.size), np.float64(lr),
                         np.float64(beta1), np.float64(beta2), np.float64(eps), np.float64(weight_decay),
                         np.float64(bias_correction1), np.float64(bias_correction2_sqrt),
                         np.int32(decoupled_weight_decay)))
            for array, work in updated:
                _write_back(array, work)

    # ---- convolution and pooling (docs: the backend interface of issue 13): x is (N, C, H, W) ----
    def im2col(self, x: Any, kernel_size: tuple, stride: tuple, padding: tuple, dilation: tuple) -> Any:
        """cols (N, C, kh, kw, OH, OW) with cols[n, c, i, j, oh, ow] = x[n, c, oh sh + i dh - top,
        ow sw + j dw - left], 0 in the padding (top, bottom, left, right): F.unfold's layout."""
        (kh, kw), (sh, sw), (top, bottom, left, right), (dh, dw) = kernel_size, stride, padding, dilation
        with self.runtime.device_of(x):
            x = self._contiguous(x)
            batch, channels, height, width = x.shape
            out_h = (height + top + bottom - dh * (kh - 1) - 1) // sh + 1
            out_w = (width + left + right - dw * (kw - 1) - 1) // sw + 1
            cols = self.xp.empty((batch, channels, kh, kw, out_h, out_w), dtype=x.dtype)
            self.launch(kernel_name("im2col", x.dtype), elementwise_blocks(cols.size),
                        (x, cols, *_int64s(batch * channels, height, width, kh, kw, sh, sw, top, left, dh, dw, out_h,
                                           out_w)))
            return cols

    def col2im(self, cols: Any, input_size: tuple, kernel_size: tuple, stride: tuple, padding: tuple,
               dilation: tuple) -> Any:
        """The adjoint of im2col (F.fold): each input pixel the sum of the cols entries read from it."""
        (height, width), (sh, sw), (top, _, left, _), (dh, dw) = input_size, stride, padding, dilation
        with self.runtime.device_of(cols):
            cols = self._contiguous(cols)
            batch, channels, kh, kw, out_h, out_w = cols.shape
            if (kh, kw) != tuple(kernel_size):
                raise ValueError(f"col2im: cols of shape {cols.shape} for kernel_size {kernel_size}")
            x = self.xp.empty((batch, channels, height, width), dtype=cols.dtype)
            self.launch(kernel_name("col2im", cols.dtype), elementwise_blocks(x.size),
                        (cols, x, *_int64s(batch * channels, height, width, kh, kw, sh, sw, top, left, dh, dw, out_h,
                                           out_w)))
            return x

    def max_pool2d_forward(self, x: Any, kernel_size: tuple, stride: tuple, padding: tuple, dilation: tuple,
                           ceil_mode: bool) -> tuple[Any, Any]:
        """(out, indices): each window's maximum (the first in row-major order; NaN wins) and its flat index
        h * W + w in the input plane, int64, as F.max_pool2d(return_indices=True)."""
        (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel_size, stride, padding, dilation
        with self.runtime.device_of(x):
            x = self._contiguous(x)
            batch, channels, height, width = x.shape
            out_h = pool_output_size(height, kh, sh, ph, dh, ceil_mode)
            out_w = pool_output_size(width, kw, sw, pw, dw, ceil_mode)
            out = self.xp.empty((batch, channels, out_h, out_w), dtype=x.dtype)
            indices = self.xp.empty(out.shape, dtype=np.int64)
            self.launch(kernel_name("max_pool2d_forward", x.dtype), elementwise_blocks(out.size),
                        (x, out, indices, *_int64s(batch * channels, height, width, kh, kw, sh, sw, ph, pw, dh, dw,
                                                   out_h, out_w)))
            return out, indices

    def max_pool2d_backward(self, grad_output: Any, indices: Any, input_size: tuple) -> Any:
        """grad_input (N, C, H, W): each grad_output added onto the input pixel its index names, summed in
        row-major output order where windows overlap (one thread per plane: deterministic)."""
        height, width = input_size
        with self.runtime.device_of(grad_output):
            grad_output = self._contiguous(grad_output)
            indices = self._contiguous(indices, dtype=np.int64)
            batch, channels, out_h, out_w = grad_output.shape
            grad_input = self.xp.empty((batch, channels, height, width), dtype=grad_output.dtype)
            self.launch(kernel_name("max_pool2d_backward", grad_output.dtype), elementwise_blocks(batch * channels),
                        (grad_output, indices, grad_input, *_int64s(batch * channels, height * width, out_h * out_w)))
            return grad_input

    def avg_pool2d_forward(self, x: Any, kernel_size: tuple, stride: tuple, padding: tuple, ceil_mode: bool,
                           count_include_pad: bool, divisor_override: int | None) -> Any:
        """Each window's sum over PyTorch's divisor (divisor_override, or the window's size with or without
        the padding), as F.avg_pool2d."""
        (kh, kw), (sh, sw), (ph, pw) = kernel_size, stride, padding
        with self.runtime.device_of(x):
            x = self._contiguous(x)
            batch, channels, height, width = x.shape
            out_h = pool_output_size(height, kh, sh, ph, 1, ceil_mode)
            out_w = pool_output_size(width, kw, sw, pw, 1, ceil_mode)
            out = self.xp.empty((batch, channels, out_h, out_w), dtype=x.dtype)
            self.launch(kernel_name("avg_pool2d_forward", x.dtype), elementwise_blocks(out.size),
                        (x, out, *_int64s(batch * channels, height, width, kh, kw, sh, sw, ph, pw, out_h, out_w),
                         np.int32(count_include_pad), np.int64(divisor_override or 0)))
            return out

    def avg_pool2d_backward(self, grad_output: Any, input_size: tuple, kernel_size: tuple, stride: tuple,
                            padding: tuple, ceil_mode: bool, count_include_pad: bool,
                            divisor_override: int | None) -> Any:
        """The adjoint of avg_pool2d_forward: each input pixel sums grad / divisor over its windows."""
        (height, width), (kh, kw), (sh, sw), (ph, pw) = input_size, kernel_size, stride, padding
        with self.runtime.device_of(grad_output):
            grad_output = self._contiguous(grad_output)
            batch, channels, out_h, out_w = grad_output.shape
            expected = (pool_output_size(height, kh, sh, ph, 1, ceil_mode), pool_output_size(width, kw, sw, pw, 1,
                                                                                             ceil_mode))
            if (out_h, out_w) != expected:
                raise ValueError(f"avg_pool2d_backward: grad_output of shape {grad_output.shape} for an input of "
                                 f"{input_size} pooled to {expected}")
            grad_input = self.xp.empty((batch, channels, height, width), dtype=grad_output.dtype)
            self.launch(kernel_name("avg_pool2d_backward", grad_output.dtype), elementwise_blocks(grad_input.size),
                        (grad_output, grad_input, *_int64s(batch * channels, height, width, kh, kw, sh, sw, ph, pw,
                                                           out_h, out_w),
                         np.int32(count_include_pad), np.int64(divisor_override or 0)))
            return grad_input


def _write_back(array: Any, work: Any) -> None:
    """array[...] = work when the kernel updated a contiguous copy of array (nothing when work is array)."""
    if work is not array:
        array[...] = work
