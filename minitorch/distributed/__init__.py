"""minitorch.distributed: torch.distributed's process group and collectives for CPU tensors, over MPI (mpi4py).

Launch with `mpiexec -n N python script.py` or `python -m minitorch.distributed.run --nproc-per-node N
script.py`; mpi4py is imported only by is_available and init_process_group (pip install 'minitorch[distributed]').
"""
from .collectives import (Work, all_gather, all_gather_object, all_gather_into_tensor, all_reduce, barrier, broadcast, gather, reduce,
                          reduce_scatter_tensor, scatter)
from .process_group import (ReduceOp, destroy_process_group, get_backend, get_rank, get_world_size,
                            init_process_group, is_available, is_initialized)

__all__ = ["ReduceOp", "Work", "all_gather", "all_gather_into_tensor", "all_gather_object", "all_reduce", "barrier", "broadcast",
           "destroy_process_group", "gather", "get_backend", "get_rank", "get_world_size", "init_process_group",
           "is_available", "is_initialized", "reduce", "reduce_scatter_tensor", "scatter"]
