"""nn.functional: the stateless forms of the layers, activations and losses (`import minitorch.nn.functional as F`).

The activations run on the backend's kernels (minitorch.functions.activation); the losses live in
minitorch.functions.loss; the layers here are compositions of differentiable tensor ops.
"""
from __future__ import annotations

import warnings
from typing import Callable, Sequence

from .. import creation, dtypes, random
from ..autograd.grad_mode import no_grad
from ..functions import activation as _activation
from ..functions.arithmetic import where
from ..functions.convolution import conv1d, conv2d, fold, unfold
from ..functions.linalg import linear
from ..functions.pooling import (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_max_pool1d, adaptive_max_pool2d,
                                 avg_pool1d, avg_pool2d, max_pool1d, max_pool2d)
from ..functions.loss import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, l1_loss,
                              mse_loss, nll_loss, one_hot)
from ..tensor import Tensor
from ._functional_more import cosine_similarity, huber_loss, kl_div, normalize, pad, smooth_l1_loss

__all__ = ["relu", "leaky_relu", "elu", "gelu", "silu", "softplus", "sigmoid", "tanh", "softmax", "log_softmax",
           "linear", "dropout", "batch_norm", "layer_norm", "embedding", "one_hot", "mse_loss", "l1_loss",
           "cross_entropy", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
           "smooth_l1_loss", "huber_loss", "kl_div", "cosine_similarity", "normalize", "pad",
           "conv1d", "conv2d", "unfold", "fold",  # convolution (issue 13, conv)
           # pooling and channel dropout (issue 13, pool)
           "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "adaptive_max_pool2d", "max_pool1d", "avg_pool1d",
           "adaptive_avg_pool1d", "adaptive_max_pool1d", "dropout2d"]

sigmoid = _activation.sigmoid
tanh = _activation.tanh
gelu = _activation.gelu
softplus = _activation.softplus


def _in_place(input: Tensor, function: Callable[[Tensor], Tensor]) -> Tensor:
    """Write function(input) into input's storage; autograd records it as PyTorch records relu_."""
    return input._apply_inplace(lambda source, _: function(source), None)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0) elementwise."""
    return _in_place(input, _activation.relu) if inplace else _activation.relu(input)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x for x > 0, negative_slope · x otherwise."""
    function = lambda x: _activation.leaky_relu(x, negative_slope)  # noqa: E731
    return _in_place(input, function) if inplace else function(input)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, alpha · (e^x - 1) otherwise."""
    function = lambda x: _activation.elu(x, alpha)  # noqa: E731
    return _in_place(input, function) if inplace else function(input)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x · sigmoid(x)."""
    return _in_place(input, _activation.silu) if inplace else _activation.silu(input)


def _softmax_dim(name: str, ndim: int) -> int:
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X "
                  "as an argument.", UserWarning, stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, dtype: dtypes.dtype | None = None) -> Tensor:
    """e^x / Σ e^x along dim (shifted by the max, so it never overflows)."""
    return _activation.softmax(input, _softmax_dim("softmax", input.ndim) if dim is None else dim, dtype)


def log_softmax(input: Tensor, dim: int | None = None, dtype: dtypes.dtype | None = None) -> Tensor:
    """x - logsumexp(x) along dim."""
    return _activation.log_softmax(input, _softmax_dim("log_softmax", input.ndim) if dim is None else dim, dtype)




def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability p and scale the rest by 1 / (1 - p); the identity when not training.

    The mask is drawn from the generator of input's device (minitorch.manual_seed makes it repeat).
    """
    return _dropout_with_mask(input, input.shape, p, training, inplace)


def _dropout_with_mask(input: Tensor, mask_shape: Sequence[int], p: float, training: bool,
                       inplace: bool) -> Tensor:
    """input times a random mask of mask_shape (broadcast over input): 0 with probability p, else 1 / (1 - p)."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        mask = creation.zeros(mask_shape, dtype=input.dtype, device=input.device)
    else:
        keep = random.rand(mask_shape, dtype=input.dtype, device=input.device) >= p
        mask = keep.to(input.dtype) * (1.0 / (1.0 - p))
    return _in_place(input, lambda x: x * mask) if inplace else input * mask


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels with probability p and scale the rest by 1 / (1 - p): one draw per (N, C) of input
    (N, C, H, W). As PyTorch (with its warnings), a 3-d input is taken as (N, C, L), other ranks as (N, C, *)."""
    if input.ndim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is deprecated and will "
                      "result in an error in a future release. To retain the behavior and silence this warning, "
                      "please use dropout instead. Note that dropout2d exists to provide channel-wise dropout on "
                      "inputs with 2 spatial dimensions, a channel dimension, and an optional batch dimension (i.e. "
                      "3D or 4D inputs).", UserWarning, stacklevel=2)
    elif input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. "
                      "This behavior will change in a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please "
                      "switch to using dropout1d instead.", UserWarning, stacklevel=2)
    if input.ndim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    return _dropout_with_mask(input, (*input.shape[:2], *(1,) * (input.ndim - 2)), p, training, inplace)


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """y = (x - mean) / √(var + eps) · weight + bias per channel (dim 1) of input (N, C, *).

    In training, mean and var are the batch's (biased var), and the running statistics (if given) move by
    momentum towards them, the running var with the unbiased batch var. Otherwise the running ones are used.
    """
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected input of at least 2 dimensions (N, C, *), got shape {input.shape}")
    channels = input.shape[1]
    for name, tensor in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                         ("bias", bias)):
        if tensor is not None and tensor.numel() != channels:
            raise RuntimeError(f"{name} should contain {channels} elements not {tensor.numel()}")
    reduce_dims = (0,) + tuple(range(2, input.ndim))
    per_channel = (1, channels) + (1,) * (input.ndim - 2)
    if training:
        count = input.numel() // channels
        if count <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {input.shape}")
        mean = input.mean(reduce_dims)
        var = input.var(reduce_dims, correction=0)
        if running_mean is not None and running_var is not None:
            with no_grad():
                running_mean.mul_(1 - momentum).add_(mean.to(running_mean.dtype) * momentum)
                running_var.mul_(1 - momentum).add_(var.to(running_var.dtype) * (momentum * count / (count - 1)))
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError("batch_norm: running_mean and running_var are needed when training=False")
        mean, var = running_mean.to(input.dtype), running_var.to(input.dtype)
    output = (input - mean.reshape(per_channel)) / (var.reshape(per_channel) + eps).sqrt()
    if weight is not None:
        output = output * weight.reshape(per_channel)
    if bias is not None:
        output = output + bias.reshape(per_channel)
    return output


def layer_norm(input: Tensor, normalized_shape: int | Sequence[int], weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """y = (x - mean) / √(var + eps) · weight + bias over the last len(normalized_shape) dims (biased var)."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if tuple(input.shape[input.ndim - len(shape):]) != shape or input.ndim < len(shape):
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*, {', '.join(str(size) for size in shape)}], but got input of size{list(input.shape)}")
    dims = tuple(range(input.ndim - len(shape), input.ndim))
    mean = input.mean(dims, keepdim=True)
    var = input.var(dims, keepdim=True, correction=0)
    output = (input - mean) / (var + eps).sqrt()
    if weight is not None:
        output = output * weight
    if bias is not None:
        output = output + bias
    return output


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """Rows of weight (num_embeddings, dim) picked by the indices in input (*): output (*, dim).

    The row at padding_idx gets no gradient.
    """
    if not isinstance(input, Tensor) or input.dtype not in (dtypes.int64, dtypes.int32):
        got = input.dtype.name if isinstance(input, Tensor) else type(input).__name__
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {got} instead (while checking arguments for embedding)")
    if input.numel() and (input.min().item() < 0 or input.max().item() >= weight.shape[0]):
        raise IndexError(f"index out of range in self (indices must be in [0, {weight.shape[0]}), got "
                         f"min {input.min().item()}, max {input.max().item()})")
    output = weight[input]
    if padding_idx is None:
        return output
    if padding_idx < 0:
        padding_idx += weight.shape[0]
    padding = (input == padding_idx).unsqueeze(-1)
    return where(padding, weight.detach()[input], output)
