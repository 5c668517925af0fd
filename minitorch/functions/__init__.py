"""The functions layer: the differentiable ops, one Function class each, grouped by kind (arithmetic,
special, shape, indexing, reduction, linalg, activation, loss), above the core (tensor, creation, autograd)
and below nn and optim. methods.py binds them onto Tensor as its operators and methods, in one place.
"""
from .methods import TENSOR_METHODS, bind_tensor_methods

__all__ = ["TENSOR_METHODS", "bind_tensor_methods"]
