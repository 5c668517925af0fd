"""minitorch.utils: data loading (utils.data), the MNIST IDX reader (utils.mnist) and hook handles (utils.hooks)."""
from . import data, hooks, mnist

__all__ = ["data", "hooks", "mnist"]
