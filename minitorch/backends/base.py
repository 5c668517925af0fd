"""The Backend protocol: one object per device owns its array module, its random generator and its kernels."""
from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, Protocol

from ..devices import device


class Backend(Protocol):
    """What an op may ask of the device its tensors live on.

    Ops are written against `backend.xp` (numpy or cupy), chosen once from the tensor,
    never by `if gpu:` branches in the op itself.
    """

    device: device
    xp: Any  # the array module: numpy on the CPU, cupy on CUDA
    wraps_indices: bool  # whether xp wraps out-of-range integer indices around (CuPy) instead of raising (NumPy)
    keeps_intermediates: bool  # whether the activation kernels take keep= / kept= (see ActivationSpec.intermediate)

    def context(self) -> AbstractContextManager:
        """A context making this device current, so that what runs inside allocates and launches on it.

        Entered once per op (Function.apply), allocation and update, never by the ops themselves;
        a no-op on the CPU.
        """

    def translate_error(self, error: Exception, doing: str) -> Exception | None:
        """This device's library error as a minitorch error saying what was being done (None: not ours)."""

    def asarray(self, data: Any, dtype: Any = None) -> Any:
        """An array of this device from array-like data (copying only when it must)."""

    def to_numpy(self, array: Any) -> Any:
        """A NumPy array with the same values (a view on the CPU)."""

    def reshape_view(self, array: Any, shape: tuple) -> Any:
        """array in a new shape without copying; ValueError when its strides do not allow that."""

    def erf(self, x: Any) -> Any:
        """The error function of each element."""

    def erfc(self, x: Any) -> Any:
        """1 - erf of each element, computed apart (accurate where it is tiny)."""

    def index_add(self, target: Any, index: tuple, values: Any) -> None:
        """target[index] += values in place, adding up repeated indices."""

    # Kernels: the CUDA backend runs these as our CUDA kernels, the CPU backend as NumPy formulas.
    def activation_forward(self, spec: Any, x: Any, params: tuple) -> Any:
        """y = f(x) for a registered activation (where keeps_intermediates, keep=True gives (y, kept))."""

    def activation_backward(self, spec: Any, grad_output: Any, saved: Any, params: tuple) -> Any:
        """grad_output · f'(saved) in one pass (saved: the output when spec.from_output, else the input;
        where keeps_intermediates, kept= takes what the forward kept)."""

    def bias_activation_forward(self, spec: Any, x: Any, bias: Any, params: tuple, overwrite_x: bool = False) -> tuple:
        """(x + bias or None, f(x + bias)) in one pass, for Linear followed by an activation; overwrite_x:
        x is scratch the backend may reuse (where keeps_intermediates, keep=True adds the kept third)."""

    def softmax(self, x: Any, dim: int, log: bool) -> Any:
        """softmax or log_softmax along dim."""

    def cross_entropy_forward(self, logits: Any, target: Any, ignore_index: int) -> tuple:
        """(loss, max, log Σ e^(x - max)) per row of logits (N, C) against class indices (N,); the loss is
        log Σ e^(x - max) - (x[target] - max), shifted before the difference so that large logits stay exact."""

    def cross_entropy_backward(self, logits: Any, target: Any, row_max: Any, log_sum: Any, grad_loss: Any,
                               ignore_index: int) -> Any:
        """(softmax(logits) - one_hot(target)) · grad_loss per row, softmax = e^((x - max) - log Σ)."""

    def im2col(self, x: Any, kernel_size: tuple, stride: tuple, padding: tuple, dilation: tuple) -> Any:
        """cols (N, C, kh, kw, OH, OW) of x (N, C, H, W), C-contiguous: cols[n, c, i, j, oh, ow] =
        x[n, c, oh·sh + i·dh - top, ow·sw + j·dw - left], 0 in the zero padding (top, bottom, left, right)."""

    def col2im(self, cols: Any, input_size: tuple, kernel_size: tuple, stride: tuple, padding: tuple,
               dilation: tuple) -> Any:
        """The adjoint of im2col: x_grad (N, C, H, W), each cols entry added onto the pixel it was read from."""

    # pooling (issue 13); geometry already validated, x (N, C, H, W) C-contiguous
    def max_pool2d_forward(self, x: Any, kernel_size: tuple, stride: tuple, padding: tuple, dilation: tuple,
                           ceil_mode: bool) -> tuple:
        """(out, indices): each window's max (padding as -inf) and its int64 flat index h·W + w in the plane;
        the first max wins ties, a NaN is taken."""

    def max_pool2d_backward(self, grad_output: Any, indices: Any, input_size: tuple) -> Any:
        """grad_input (N, C, H, W): grad_output added at indices (summed where windows overlap)."""

    def avg_pool2d_forward(self, x: Any, kernel_size: tuple, stride: tuple, padding: tuple, ceil_mode: bool,
                           count_include_pad: bool, divisor_override: int | None) -> Any:
        """Each window's sum (padding as 0) over PyTorch's divisor."""

    def avg_pool2d_backward(self, grad_output: Any, input_size: tuple, kernel_size: tuple, stride: tuple,
                            padding: tuple, ceil_mode: bool, count_include_pad: bool,
                            divisor_override: int | None) -> Any:
        """The adjoint of avg_pool2d_forward: grad_input (N, C, H, W)."""

    def sgd_update(self, param: Any, grad: Any, momentum_buffer: Any, lr: float, momentum: float,
                   dampening: float, weight_decay: float, nesterov: bool, maximize: bool = False) -> Any:
        """One torch.optim.SGD step in place; returns the momentum buffer."""

    def adam_update(self, param: Any, grad: Any, exp_avg: Any, exp_avg_sq: Any, step: int, lr: float,
                    beta1: float, beta2: float, eps: float, weight_decay: float,
                    decoupled_weight_decay: bool) -> None:
        """One torch.optim.Adam (AdamW when decoupled) step in place."""

    # The fused recurrent cells (issue 14; the formulas: minitorch/backends/cpu_rnn.py, kernels/rnn_cells.cuh).
    def lstm_cell_forward(self, gates: Any, c_prev: Any) -> tuple:
        """(h, c, activated) of one LSTM step from its gate pre-activations (N, 4H) and c_prev (N, H)."""

    def lstm_cell_backward(self, grad_h: Any, grad_c: Any, activated: Any, c_prev: Any, c: Any) -> tuple:
        """(grad_gates (N, 4H), grad_c_prev (N, H)) of one LSTM step."""

    def gru_cell_forward(self, input_gates: Any, hidden_gates: Any, h_prev: Any) -> tuple:
        """(h, activated) of one GRU step from x W_ihᵀ + b_ih and h_prev W_hhᵀ + b_hh (both (N, 3H))."""

    def gru_cell_backward(self, grad_h: Any, activated: Any, hidden_gates: Any, h_prev: Any) -> tuple:
        """(grad_input_gates, grad_hidden_gates, grad_h_prev) of one GRU step."""

    def manual_seed(self, seed: int) -> None:
        """Reset this device's random generator."""

    @property
    def generator(self) -> Any:
        """This device's random generator."""
