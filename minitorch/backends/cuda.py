"""The CUDA backend: CuPy arrays on one GPU; activations, softmax, cross-entropy, optimizer steps, im2col /
col2im and pooling run as our kernels (kernels/, compiled once per process), everything else through CuPy
(cuBLAS for matmul).

CuPy is imported only here, and only when a CUDA device is first used.
"""
from __future__ import annotations

import functools
from typing import Any

from ..errors import OutOfMemoryError
from .cpu import DEFAULT_SEED
from .cuda_kernels import CudaKernels
from ..devices import device

INSTALL_HINT = "pip install 'minitorch[cuda13]' (or 'minitorch[cuda12]' for a CUDA 12 driver)"


def _import_cupy() -> Any:
    import cupy  # noqa: PLC0415 - the optional dependency, imported on first use only

    return cupy


@functools.cache
def unavailable_reason() -> str | None:
    """Why no CUDA device can be used here (CuPy missing, no driver, no device), or None if one can."""
    try:
        cupy = _import_cupy()
    except ImportError as error:
        return f"CuPy is not installed ({error}); {INSTALL_HINT}"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as error:  # CuPy raises CUDARuntimeError (e.g. cudaErrorInsufficientDriver) without a driver
        return f"the NVIDIA driver is missing or too old for this CuPy build ({type(error).__name__}: {error})"
    if count == 0:
        return "no CUDA device was found"
    return None


def device_count() -> int:
    if unavailable_reason() is not None:
        return 0
    return int(_import_cupy().cuda.runtime.getDeviceCount())


class CUDABackend:
    """Tensors on "cuda:N" hold CuPy arrays of GPU N."""

    keeps_intermediates = False  # a kernel recomputes Φ(x) or sigmoid(x) in registers: cheaper than keeping them
    wraps_indices = True  # CuPy's indexing takes an index i of a size-n dim as i mod n: minitorch checks first

    def __init__(self, index: int, seed: int = DEFAULT_SEED) -> None:
        self.device = device("cuda", index)
        self.xp = _import_cupy()
        self._seed = seed  # the CPU's default until manual_seed: an unseeded process repeats itself
        self._generator: Any = None

    @functools.cached_property
    def kernels(self) -> Any:
        """Our compiled kernels (compiled on first use, once per process)."""
        return CudaKernels()

    def context(self) -> Any:
        """cupy.cuda.Device(N): CuPy allocates and launches on the current GPU, whatever GPU its inputs are on.

        A new Device each time: a Device keeps the devices it replaced on a stack of its own, so one shared
        instance entered from two threads would restore the wrong one.
        """
        return self.xp.cuda.Device(self.device.index)

    def translate_error(self, error: Exception, doing: str) -> Exception | None:
        return translate_cupy_error(error, doing, self.device)

    def asarray(self, data: Any, dtype: Any = None) -> Any:
        with self.context():
            return self.xp.asarray(data, dtype=dtype)

    def to_numpy(self, array: Any) -> Any:
        return self.xp.asnumpy(array)

    def manual_seed(self, seed: int) -> None:
        self._seed = seed
        self._generator = None

    @property
    def generator(self) -> Any:
        """CuPy's generator, its state on this GPU (made on first use, from the last seed)."""
        if self._generator is None:
            with self.context():
                self._generator = self.xp.random.default_rng(self._seed)
        return self._generator

    def synchronize(self) -> None:
        self.xp.cuda.Device(self.device.index).synchronize()

    def erf(self, x: Any) -> Any:
        """erf in x's dtype: cupyx's erf has no float16 loop (it would answer in float64), so float16 is
        computed in float32, as the CPU does."""
        from cupyx.scipy import special  # CuPy's, imported with the GPU's first use

        return self._in_dtype_of(special.erf, x)

    def erfc(self, x: Any) -> Any:
        """erfc in x's dtype (float16 through float32, as erf)."""
        from cupyx.scipy import special  # CuPy's, imported with the GPU's first use

        return self._in_dtype_of(special.erfc, x)

    def _in_dtype_of(self, function: Any, x: Any) -> Any:
        work = x.astype(self.xp.float32) if x.dtype == self.xp.float16 else x
        return function(work).astype(x.dtype, copy=False)

    def index_add(self, target: Any, index: tuple, values: Any) -> None:
        import cupyx  # CuPy's, imported with the GPU's first use

        cupyx.scatter_add(target, index, values)

    def reshape_view(self, array: Any, shape: tuple) -> Any:
        view = array.view()
        try:
            view.shape = shape
        except AttributeError as error:  # CuPy's way of saying the strides need a copy
            raise ValueError(str(error)) from None
        return view

    # the ops that are our kernels: same signatures and meaning as the CPU backend's
    def activation_forward(self, spec: Any, x: Any, params: tuple) -> Any:
        return self.kernels.activation_forward(spec, x, params)

    def activation_backward(self, spec: Any, grad_output: Any, saved: Any, params: tuple) -> Any:
        return self.kernels.activation_backward(spec, grad_output, saved, params)

    def bias_activation_forward(self, spec: Any, x: Any, bias: Any, params: tuple, overwrite_x: bool = False) -> tuple:
        return self.kernels.bias_activation_forward(spec, x, bias, params, overwrite_x)

    def softmax(self, x: Any, dim: int, log: bool) -> Any:
        return self.kernels.softmax(x, dim, log)

    def cross_entropy_forward(self, logits: Any, target: Any, ignore_index: int) -> tuple:
        return self.kernels.cross_entropy_forward(logits, target, ignore_index)

    def cross_entropy_backward(self, logits: Any, target: Any, row_max: Any, log_sum: Any, grad_loss: Any,
                               ignore_index: int) -> Any:
        return self.kernels.cross_entropy_backward(logits, target, row_max, log_sum, grad_loss, ignore_index)

    def sgd_update(self, *args: Any, **kwargs: Any) -> Any:
        return self.kernels.sgd_update(*args, **kwargs)

    def adam_update(self, *args: Any, **kwargs: Any) -> Any:
        return self.kernels.adam_update(*args, **kwargs)

    def im2col(self, x: Any, kernel_size: tuple, stride: tuple, padding: tuple, dilation: tuple) -> Any:
        return self.kernels.im2col(x, kernel_size, stride, padding, dilation)

    def col2im(self, cols: Any, input_size: tuple, kernel_size: tuple, stride: tuple, padding: tuple,
               dilation: tuple) -> Any:
        return self.kernels.col2im(cols, input_size, kernel_size, stride, padding, dilation)

    def max_pool2d_forward(self, x: Any, kernel_size: tuple, stride: tuple, padding: tuple, dilation: tuple,
                           ceil_mode: bool) -> tuple:
        return self.kernels.max_pool2d_forward(x, kernel_size, stride, padding, dilation, ceil_mode)

    def max_pool2d_backward(self, grad_output: Any, indices: Any, input_size: tuple) -> Any:
        return self.kernels.max_pool2d_backward(grad_output, indices, input_size)

    def avg_pool2d_forward(self, x: Any, kernel_size: tuple, stride: tuple, padding: tuple, ceil_mode: bool,
                           count_include_pad: bool, divisor_override: int | None) -> Any:
        return self.kernels.avg_pool2d_forward(x, kernel_size, stride, padding, ceil_mode, count_include_pad,
                                               divisor_override)

    def avg_pool2d_backward(self, grad_output: Any, input_size: tuple, kernel_size: tuple, stride: tuple,
                            padding: tuple, ceil_mode: bool, count_include_pad: bool,
                            divisor_override: int | None) -> Any:
        return self.kernels.avg_pool2d_backward(grad_output, input_size, kernel_size, stride, padding, ceil_mode,
                                                count_include_pad, divisor_override)


def translate_cupy_error(error: Exception, doing: str, where: device) -> Exception | None:
    """CuPy's errors as minitorch's, saying what was being done; None for errors that are not CuPy's."""
    cupy = _import_cupy()
    if isinstance(error, cupy.cuda.memory.OutOfMemoryError):
        return OutOfMemoryError(f"CUDA out of memory on {where} running {doing}: {error}")
    if type(error).__module__.startswith(("cupy", "cupy_backends")):
        return RuntimeError(f"CUDA error on {where} running {doing}: {type(error).__name__}: {error}")
    return None


def create_cuda_backend(index: int, seed: int = DEFAULT_SEED) -> CUDABackend:
    """The backend of GPU `index`, its generator seeded with `seed`; RuntimeError saying why when no GPU is
    usable."""
    reason = unavailable_reason()
    if reason is not None:
        raise RuntimeError(f"cannot use device 'cuda:{index}': {reason}")
    count = device_count()
    if index >= count:
        raise RuntimeError(f"CUDA error: invalid device ordinal (cuda:{index} requested, {count} device(s) present)")
    return CUDABackend(index, seed)
