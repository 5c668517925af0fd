"""minitorch.utils: data loading (utils.data), the MNIST IDX reader (utils.mnist), and Generator."""
from . import data, mnist
from .generator import Generator

__all__ = ["data", "mnist", "Generator"]
