"""minitorch.nn.parallel: data parallelism across processes, as torch.nn.parallel (on minitorch.distributed)."""
from .distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel"]
