"""minitorch.utils: data loading (utils.data) and the MNIST IDX reader (utils.mnist)."""
from . import data, mnist

__all__ = ["data", "mnist"]
