"""DistributedDataParallel: one model replica per rank, its gradients averaged across ranks during backward.

At construction rank 0's parameters and buffers are broadcast, so every replica starts the same. The parameters
are split into buckets (in reverse order, the order backward reaches them; the first bucket at most 1 MiB, the
others 25 MiB, as PyTorch's; an explicit bucket_cap_mb caps them all). A hook after each parameter's gradient is
accumulated copies it, divided by the world size (as PyTorch's reducer divides before the SUM), into its
bucket's flat array, and a full bucket starts its all-reduce at once, without blocking, so communication
overlaps the rest of backward. Buckets start strictly in order, the same on every rank. When the backward pass
ends, a callback waits for every bucket and copies the averages back into .grad.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

from ... import distributed as dist
from ...autograd.engine import queue_callback
from ...autograd.function import AccumulateGrad
from ...autograd.grad_mode import is_grad_enabled, no_grad
from ...tensor import Tensor
from ...distributed.collectives import Work, start_bucket_all_reduce
from ...distributed.process_group import default_group
from ...functions.shape import cat
from ..module import Module
from ..parameter import Parameter

MiB = 1024 * 1024
FIRST_BUCKET_BYTES = 1 * MiB  # PyTorch's dist._DEFAULT_FIRST_BUCKET_BYTES: the first bucket fills, and starts, soon
DEFAULT_BUCKET_MB = 25
UNUSED_PARAMETERS = (
    "Expected to have finished reduction in the prior iteration before starting a new one. This error indicates "
    "that your module has parameters that were not used in producing loss. You can enable unused parameter "
    "detection by passing the keyword argument `find_unused_parameters=True` to "
    "`minitorch.nn.parallel.DistributedDataParallel`, and by making sure all `forward` function outputs "
    "participate in calculating loss.\nParameter indices which did not receive grad for rank {rank}: {indices} "
    "({names})")
READY_TWICE = (
    "Expected to mark a variable ready only once. This error is caused by one of the following reasons: 1) Use "
    "of a module parameter outside the `forward` function. Please make sure model parameters are not shared "
    "across multiple concurrent forward-backward passes. 2) Reused parameters in multiple reentrant backward "
    "passes. Parameter at index {index} with name {name} has been marked as ready twice. This means that "
    "multiple autograd engine hooks have fired for this particular parameter during this iteration.")


class _Bucket:
    """Parameters whose gradients are all-reduced together, in one flat array of their dtype and device."""

    def __init__(self, parameters: list[Parameter]) -> None:
        self.parameters = parameters
        self.offsets = [0]
        for parameter in parameters:
            self.offsets.append(self.offsets[-1] + parameter.numel())
        first = parameters[0]
        with first._backend.context():
            self.flat = first._backend.xp.zeros(self.offsets[-1], first._data.dtype)
        self.pending = len(parameters)
        self.work: Work | None = None

    def slot(self, position: int) -> Any:
        """The part of the flat array that holds parameters[position]'s gradient, shaped as the parameter."""
        start, end = self.offsets[position], self.offsets[position + 1]
        return self.flat[start:end].reshape(self.parameters[position]._data.shape)


def assign_buckets(parameters: list[Parameter], bucket_cap_bytes: int, first_bucket_bytes: int) -> list[list[int]]:
    """Parameter indices per bucket: in reverse order, one dtype and device per bucket, a bucket closed once it
    holds at least its cap (the first bucket's cap is first_bucket_bytes), then ordered by where they close."""
    open_buckets: dict[tuple, tuple[list[int], int]] = {}
    closed = []
    for index in reversed(range(len(parameters))):
        parameter = parameters[index]
        key = (str(parameter.dtype), str(parameter.device))
        members, size = open_buckets.get(key, ([], 0))
        members.append(index)
        size += parameter.numel() * parameter.element_size()
        if size >= (first_bucket_bytes if not closed else bucket_cap_bytes):
            closed.append(members)
            open_buckets.pop(key, None)
        else:
            open_buckets[key] = (members, size)
    return closed + [members for members, _ in open_buckets.values()]


class DistributedDataParallel(Module):
    """Wrap `module` for data-parallel training: every rank runs it on its share of each batch, and backward
    leaves on every rank the gradient averaged over all ranks. `.module` is the wrapped model; state_dict keys
    carry the `module.` prefix, as PyTorch's."""

    def __init__(self, module: Module, device_ids: list | None = None, output_device: Any = None, dim: int = 0,
                 broadcast_buffers: bool = True, process_group: None = None, bucket_cap_mb: float | None = None,
                 find_unused_parameters: bool = False, gradient_as_bucket_view: bool = False) -> None:
        super().__init__()
        group = default_group()
        if process_group is not None:
            raise NotImplementedError(f"minitorch.distributed has only the default group; got "
                                      f"process_group={process_group!r}")
        parameters = list(dict.fromkeys(p for p in module.parameters() if p.requires_grad))
        if not parameters:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any parameter "
                               "that requires a gradient.")
        self._check_devices(parameters, device_ids, output_device, group.backend)
        self.module = module
        self.broadcast_buffers, self.find_unused_parameters = broadcast_buffers, find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.bucket_bytes_cap = int((DEFAULT_BUCKET_MB if bucket_cap_mb is None else bucket_cap_mb) * MiB)
        first_bucket_bytes = FIRST_BUCKET_BYTES if bucket_cap_mb is None else self.bucket_bytes_cap
        self.require_backward_grad_sync = self.require_forward_param_sync = True
        names = {id(p): name for name, p in module.named_parameters()}
        self._parameters_synced = parameters
        self._parameter_names = [names.get(id(p), f"parameter {i}") for i, p in enumerate(parameters)]
        self._world_size = group.world_size
        self._check_same_model(group)
        # every parameter, frozen ones too (as PyTorch's _sync_module_states), and every buffer
        self._broadcast_from_rank_0([*dict.fromkeys(module.parameters()), *module.buffers()])
        self._buckets = [_Bucket([parameters[i] for i in members])
                         for members in assign_buckets(parameters, self.bucket_bytes_cap, first_bucket_bytes)]
        self._place = {}  # parameter id -> (bucket, position in it)
        for bucket in self._buckets:
            for position, parameter in enumerate(bucket.parameters):
                self._place[id(parameter)] = (bucket, position)
        self._gradient_hooks = [p.register_post_accumulate_grad_hook(self._gradient_ready) for p in parameters]
        self._expect_hooks = False   # set by a forward that will be followed by a synchronised backward
        self._reducing = False       # a backward pass has started filling the buckets, and not finished
        self._next_bucket = 0        # the next bucket to start, in order
        self._ready: set[int] = set()  # the ids of the parameters marked ready in this iteration
        self._used: set[int] = set()   # of those, the ones whose gradient came from this backward
        self._unused_now: list[Parameter] = []
        self._unfinished: list[int] | None = None

    @staticmethod
    def _check_devices(parameters: list[Parameter], device_ids: list | None, output_device: Any,
                       backend: str) -> None:
        devices = {p.device for p in parameters}
        if len(devices) > 1:
            raise ValueError(f"DistributedDataParallel's module must be on one device, got parameters on "
                             f"{sorted(str(d) for d in devices)}")
        device = devices.pop()
        wanted = "cpu" if backend == "mpi" else "cuda"
        if device.type != wanted:
            raise ValueError(f"DistributedDataParallel: the {backend} backend takes {wanted.upper()} tensors, but "
                             f"the module's parameters are on {device}")
        if device.type == "cpu" and (device_ids is not None or output_device is not None):
            raise ValueError("DistributedDataParallel device_ids and output_device arguments only work with "
                             "single-device/multiple-device GPU modules or CPU modules, but got device_ids "
                             f"{device_ids}, output_device {output_device}, and module parameters {{{device}}}.")
        if device_ids is not None and (len(device_ids) != 1 or str(device_ids[0]) not in
                                       (str(device.index), str(device))):
            raise ValueError(f"DistributedDataParallel: device_ids must be None or the module's one device "
                             f"[{device.index}], got {device_ids}")

    def _check_same_model(self, group: Any) -> None:
        """Every rank raises the same error unless all ranks wrap parameters of the same shapes and dtypes."""
        everyone: list = [None] * group.world_size
        dist.all_gather_object(everyone, [(tuple(p.shape), str(p.dtype)) for p in self._parameters_synced])
        if any(theirs != everyone[0] for theirs in everyone):
            for rank, theirs in enumerate(everyone):
                if theirs != everyone[0]:
                    break
            detail = (f"Rank {rank} has {len(theirs)} params, while rank 0 has inconsistent {len(everyone[0])} "
                      "params." if len(theirs) != len(everyone[0]) else
                      next(f"parameter {i} ({self._parameter_names[i]}) is {a[0]} {a[1]} on rank 0 and "
                           f"{b[0]} {b[1]} on rank {rank}." for i, (a, b) in enumerate(zip(everyone[0], theirs))
                           if a != b))
            raise RuntimeError(f"DDP expects same model across all ranks, but {detail}")

    @staticmethod
    def _broadcast_from_rank_0(tensors: list[Tensor]) -> None:
        """Give every rank rank 0's values: one broadcast of a flat copy per dtype."""
        by_dtype: dict[Any, list[Tensor]] = {}
        for tensor in tensors:
            by_dtype.setdefault(tensor.dtype, []).append(tensor)
        with no_grad():
            for group in by_dtype.values():
                flat = cat([tensor.reshape(-1) for tensor in group]) if len(group) > 1 else \
                    group[0].reshape(-1).clone()
                dist.broadcast(flat, src=0)
                start = 0
                for tensor in group:
                    tensor.copy_(flat[start:start + tensor.numel()].reshape(tensor.shape))
                    start += tensor.numel()

    # ---- forward ----
    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        if self._reducing:  # the last backward raised before its end: finish what it started, then say so
            self._wait_started()
            self._reducing, self._unfinished = False, self._not_ready()
        if self._unfinished is not None:
            unfinished, self._unfinished = self._unfinished, None
            raise RuntimeError(UNUSED_PARAMETERS.format(
                rank=dist.get_rank(), indices=" ".join(map(str, unfinished)),
                names=", ".join(self._parameter_names[i] for i in unfinished)))
        if self.require_forward_param_sync and self.broadcast_buffers and dist.get_world_size() > 1:
            buffers = list(self.module.buffers())
            if buffers:
                self._broadcast_from_rank_0(buffers)
        output = self.module(*inputs, **kwargs)
        synchronised = is_grad_enabled() and self.require_backward_grad_sync
        self.require_forward_param_sync = self._expect_hooks = synchronised
        if synchronised:
            self._start_iteration(output)
        return output

    def _start_iteration(self, output: Any) -> None:
        """Empty the buckets; with find_unused_parameters, mark now the parameters output does not reach."""
        for bucket in self._buckets:
            bucket.pending, bucket.work = len(bucket.parameters), None
        self._next_bucket, self._reducing = 0, False
        self._ready, self._used = set(), set()
        if self.find_unused_parameters:
            reached = _parameters_reached(output)
            self._unused_now = [p for p in self._parameters_synced if id(p) not in reached]
        else:
            self._unused_now = []

    # ---- backward ----
    def _gradient_ready(self, parameter: Parameter) -> None:
        """After parameter.grad is accumulated: copy it into its bucket; start every bucket that is full."""
        if not self._expect_hooks:
            return  # under no_sync, or a forward without grad: the gradient stays this rank's own
        if not self._reducing:
            self._reducing = True
            queue_callback(self._finish_reduction)
            for unused in self._unused_now:
                self._mark_ready(unused, used=False)
        self._mark_ready(parameter, used=True)
        for bucket in self._buckets[:self._next_bucket]:
            if bucket.work is not None:
                bucket.work.is_completed()  # lets MPI progress the all-reduces already started

    def _mark_ready(self, parameter: Parameter, used: bool) -> None:
        if id(parameter) in self._ready:
            index = next(i for i, p in enumerate(self._parameters_synced) if p is parameter)
            raise RuntimeError(READY_TWICE.format(index=index, name=self._parameter_names[index]))
        self._ready.add(id(parameter))
        bucket, position = self._place[id(parameter)]
        slot = bucket.slot(position)
        if parameter.grad is None:
            slot[...] = 0
        else:  # divided as it is copied (as PyTorch's reducer divides before the SUM): no pass over it later
            parameter._backend.xp.multiply(parameter.grad._data, 1 / self._world_size, out=slot)
        if used:
            self._used.add(id(parameter))
        bucket.pending -= 1
        while self._next_bucket < len(self._buckets) and self._buckets[self._next_bucket].pending == 0:
            ready = self._buckets[self._next_bucket]
            ready.work = start_bucket_all_reduce(ready.flat)
            self._next_bucket += 1

    def _finish_reduction(self) -> None:
        """At the end of backward: wait for every bucket, then .grad = the average over the ranks."""
        self._expect_hooks = self._reducing = False
        self._wait_started()
        if self._next_bucket < len(self._buckets):  # parameters without a gradient: raise at the next forward
            self._unfinished = self._not_ready()
            return
        used_anywhere = self._used_by_any_rank() if self.find_unused_parameters else None
        with no_grad():
            for bucket in self._buckets:
                for position, parameter in enumerate(bucket.parameters):
                    if used_anywhere is not None and id(parameter) not in used_anywhere:
                        continue  # no rank used it: its .grad stays as it was, as PyTorch leaves it
                    self._write_gradient(parameter, bucket.slot(position))

    def _wait_started(self) -> None:
        for bucket in self._buckets[:self._next_bucket]:
            bucket.work.wait()

    def _not_ready(self) -> list[int]:
        """The indices of the parameters not marked ready in this iteration."""
        return [i for i, p in enumerate(self._parameters_synced) if id(p) not in self._ready]

    def _write_gradient(self, parameter: Parameter, average: Any) -> None:
        if self.gradient_as_bucket_view or parameter.grad is None:
            parameter._grad = Tensor._make(average if self.gradient_as_bucket_view else average.copy(),
                                           parameter._backend)
        else:
            parameter.grad._data[...] = average

    def _used_by_any_rank(self) -> set[int]:
        """The ids of the parameters that got a gradient on at least one rank (one small all-reduce)."""
        parameters = self._parameters_synced
        backend = parameters[0]._backend
        with backend.context():
            used = backend.xp.asarray([id(p) in self._used for p in parameters], dtype="int32")
        start_bucket_all_reduce(used).wait()
        used = backend.to_numpy(used)
        return {id(p) for p, count in zip(parameters, used) if count > 0}

    @contextmanager
    def no_sync(self) -> Iterator[None]:
        """Inside, forward and backward accumulate this rank's gradients without communicating; the first
        synchronised backward after it averages the accumulated gradients."""
        previous, self.require_backward_grad_sync = self.require_backward_grad_sync, False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous


def _parameters_reached(output: Any) -> set[int]:
    """The ids of the leaf tensors whose gradients backward from output's tensors would accumulate."""
    stack = [tensor._edge()[0] for tensor in _tensors_in(output) if tensor.requires_grad]
    seen, reached = set(), set()
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        if isinstance(node, AccumulateGrad):
            reached.add(id(node.variable))
        stack.extend(edge[0] for edge in node.next_edges if edge is not None)
    return reached


def _tensors_in(output: Any) -> Iterator[Tensor]:
    """Every tensor in forward's output, however nested in tuples, lists and dicts."""
    if isinstance(output, Tensor):
        yield output
    elif isinstance(output, (list, tuple)):
        for item in output:
            yield from _tensors_in(item)
    elif isinstance(output, dict):
        for item in output.values():
            yield from _tensors_in(item)
