"""minitorch.utils.hooks: PyTorch's home of RemovableHandle, what every register_*_hook returns."""
from ..autograd.hooks import RemovableHandle

__all__ = ["RemovableHandle"]
