"""Automatic differentiation, part of the core (layer 3) with Tensor: Function, the backward engine and the
broadcasting pair it reduces gradients with (broadcast.py), grad modes, anomaly mode and gradcheck. The ops
built on Function are one layer up, in minitorch.functions."""
from .anomaly_mode import detect_anomaly, set_detect_anomaly
from .engine import backward, grad
from .function import Function
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled

__all__ = ["detect_anomaly", "set_detect_anomaly", "Function", "backward", "grad", "gradcheck", "gradgradcheck", "GradcheckError",
           "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled"]
