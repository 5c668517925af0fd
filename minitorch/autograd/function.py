"""Function: one differentiable op, its forward and its backward side by side.

As in PyTorch, the object passed as `ctx` to forward becomes the graph node (the
output's `grad_fn`) that the engine later calls with the output gradients.
"""
from __future__ import annotations

import traceback
import weakref
from typing import Any

from ..backends.cpu import cpu
from . import anomaly_mode
from .grad_mode import is_grad_enabled, no_grad

SECOND_BACKWARD_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they "
    "have already been freed). Saved intermediate values of the graph are freed when you call .backward() "
    "or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time "
    "or if you need to access saved tensors after calling backward."
)


class SavedTensor:
    """A tensor kept for backward, with the version it had then.

    Inputs are kept as tensors. Outputs are kept as their array only and rebuilt on
    unpacking, so that a node never refers to its own output (no reference cycle).
    """

    __slots__ = ("tensor", "array", "output_nr", "version_counter", "saved_version")

    def __init__(self, tensor: Any, array: Any, output_nr: int | None, version_counter: Any) -> None:
        self.tensor = tensor
        self.array = array
        self.output_nr = output_nr
        self.version_counter = version_counter
        self.saved_version = version_counter.value if version_counter is not None else 0

    def unpack(self, node: Function) -> Any:
        if self.version_counter is not None and self.version_counter.value != self.saved_version:
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an inplace "
                f"operation: output of {node.name()} is at version {self.version_counter.value}; "
                f"expected version {self.saved_version} instead."
            )
        if self.tensor is not None:
            return self.tensor
        if self.output_nr is None:
            return Tensor._make(self.array, node._backend)
        return Tensor._make(self.array, node._backend, requires_grad=True, grad_fn=node,
                            output_nr=self.output_nr, version_counter=self.version_counter)


def _describe(args: tuple) -> str:
    """The tensor arguments of an op, for error messages: 'float32 (2, 3) on cpu, ...'."""
    tensors = [f"{arg.dtype.name} {tuple(arg.shape)} on {arg.device}" for arg in args if isinstance(arg, Tensor)]
    return "tensors " + ", ".join(tensors) if tensors else "no tensors"


class Function:
    """A differentiable op (PyTorch's torch.autograd.Function).

    Subclasses define static `forward(ctx, *args)` and `backward(ctx, *grad_outputs)`
    and are called through `Function.apply(*args)`. `backward` returns one gradient
    (or None) per forward argument and is written with tensor ops, so that it can
    itself be differentiated (double backward).

    Built-in ops set `forward_on_arrays = True`: their forward gets and returns the
    backend's arrays (numpy or cupy), which skips wrapping every intermediate.
    """

    forward_on_arrays = False
    is_view = False  # the output shares the first input's storage (and its version counter)

    # node state, as class-level defaults so that creating a node costs nothing until it is recorded
    needs_input_grad: tuple[bool, ...] = ()
    next_edges: tuple = ()
    n_outputs = 1
    materialize_grads = True
    output_backend: Any = None  # set by a forward whose result lives on another device
    forward_stack: str | None = None  # where forward ran, kept under detect_anomaly
    _to_save: tuple = ()
    _saved: tuple[SavedTensor | None, ...] = ()
    _released = False
    _retained: dict[int, weakref.ref] | None = None
    _tensor_hooks: dict[int, dict] | None = None  # output_nr -> register_hook's hooks on that output
    _backend: Any = None

    @staticmethod
    def forward(ctx: Function, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("a Function subclass must define forward(ctx, *args)")

    @staticmethod
    def backward(ctx: Function, *grad_outputs: Any) -> Any:
        raise NotImplementedError("a Function subclass must define backward(ctx, *grad_outputs)")

    # ---- the ctx API used inside forward and backward ----
    def save_for_backward(self, *values: Any) -> None:
        """Keep inputs or outputs of forward (tensors, or arrays for built-in ops) for backward."""
        self._to_save = values

    @property
    def saved_tensors(self) -> tuple:
        if self._released:
            raise RuntimeError(SECOND_BACKWARD_MESSAGE)
        return tuple(None if saved is None else saved.unpack(self) for saved in self._saved)

    @property
    def xp(self) -> Any:
        """The array module of this op's device (numpy or cupy), for forward code."""
        return self._backend.xp

    def set_materialize_grads(self, value: bool) -> None:
        """Whether backward gets zeros (True, the default) or None for outputs that got no gradient."""
        self.materialize_grads = value

    # ---- the node API used by the engine ----
    node_name: str | None = None  # PyTorch's name for this node when the class's own differs (a fused op)

    def name(self) -> str:
        """The name grad_fn prints: PyTorch's (ClassBackward0), or node_name where the class sets one."""
        if self.node_name is not None:
            return self.node_name
        suffix = "Backward0" if self.forward_on_arrays else "Backward"
        return type(self).__name__ + suffix

    @property
    def next_functions(self) -> tuple:
        return tuple((None, 0) if edge is None else edge for edge in self.next_edges)

    def __repr__(self) -> str:
        return f"<{self.name()} object at {id(self):#x}>"

    def release(self) -> None:
        """Free the saved tensors once backward has used them (unless retain_graph)."""
        if self._saved:
            self._saved = ()
            self._released = True

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run forward on the arguments and, when grad mode and an input asks for it, record the node."""
        ctx = cls()
        backend = None
        requires_grad = False
        for arg in args:
            if isinstance(arg, Tensor):
                if backend is None:
                    backend = arg._backend
                elif arg._backend is not backend:
                    raise RuntimeError(
                        "Expected all tensors to be on the same device, but found at least two devices, "
                        f"{backend.device} and {arg._backend.device}!"
                    )
                if arg._requires_grad:
                    requires_grad = True
        ctx._backend = backend = backend or cpu
        record = requires_grad and is_grad_enabled()
        if record:  # one pass over the arguments: which need a gradient, where it goes, what it must look like
            needs_input_grad, next_edges, input_meta = [], [], []
            for arg in args:
                is_tensor = isinstance(arg, Tensor)
                needs_grad = is_tensor and arg._requires_grad
                needs_input_grad.append(needs_grad)
                next_edges.append(arg._edge() if needs_grad else None)
                input_meta.append((arg._data.shape, arg._data.dtype) if is_tensor else None)
            ctx.needs_input_grad = tuple(needs_input_grad)

        with backend.context():  # the one place every op's allocations and launches land on its device
            try:
                if cls.forward_on_arrays:
                    forward_args = tuple([arg._data if isinstance(arg, Tensor) else arg for arg in args])
                    raw_outputs = cls.forward(ctx, *forward_args, **kwargs)
                else:
                    forward_args = args
                    with no_grad():
                        raw_outputs = cls.forward(ctx, *args, **kwargs)
            except Exception as error:
                translated = backend.translate_error(error, f"{cls.__name__} on {_describe(args)}")
                if translated is None:
                    raise
                raise translated from error
            if ctx.output_backend is not None:
                backend = ctx._backend = ctx.output_backend
            outputs_in = raw_outputs if type(raw_outputs) is tuple else (raw_outputs,)
            array_type, to_array = backend.xp.ndarray, backend.xp.asarray
            outputs = []
            for output_nr, out in enumerate(outputs_in):  # NumPy turns 0-d results into scalars: made arrays here
                # (only those: CuPy's asarray would copy an array of another GPU, e.g. ToDevice's, to this one)
                array = out if isinstance(out, array_type) else out._data if isinstance(out, Tensor) else to_array(out)
                differentiable = record and array.dtype.kind == "f"
                outputs.append(Tensor._make(array, backend, differentiable, ctx if differentiable else None, output_nr))
            if cls.is_view:
                source = args[0]
                if backend.xp.may_share_memory(outputs[0]._data, source._data):
                    outputs[0]._version_counter = source._version_counter
                    outputs[0]._base = source if source._base is None else source._base

            if record:
                if anomaly_mode.is_anomaly_enabled():
                    ctx.forward_stack = "".join(traceback.format_stack()[:-1])
                ctx.next_edges = tuple(next_edges)
                ctx._input_meta = tuple(input_meta)
                ctx._output_meta = tuple([(output._data.shape, output._data.dtype) for output in outputs])
                ctx.n_outputs = len(outputs)
                if ctx._to_save:
                    ctx._saved = tuple([ctx._resolve_saved(value, args, forward_args, outputs_in, outputs)
                                        for value in ctx._to_save])
            ctx._to_save = ()
        return outputs[0] if type(raw_outputs) is not tuple else tuple(outputs)

    def _resolve_saved(self, value: Any, args: tuple, forward_args: tuple, raw_outputs: tuple,
                       outputs: list) -> SavedTensor | None:
        """Tell a saved value apart by identity: an input, an output of this op, or a constant."""
        if value is None:
            return None
        for output_nr, raw in enumerate(raw_outputs):
            if value is raw:
                output = outputs[output_nr]
                return SavedTensor(None, output._data, output_nr if output.requires_grad else None,
                                   output._version_counter)
        for index, forward_arg in enumerate(forward_args):
            if value is forward_arg and isinstance(args[index], Tensor):
                tensor = args[index]
                return SavedTensor(tensor, None, None, tensor._version_counter)
        if isinstance(value, Tensor):
            return SavedTensor(value, None, None, value._version_counter)
        return SavedTensor(None, self._backend.xp.asarray(value), None, None)

    def _call_backward(self, grad_outputs: list) -> tuple:
        """Run backward on the output gradients (the engine has set grad mode); one gradient (or None) per input."""
        with self._backend.context():  # for the zeros below and a custom backward's own array code
            if self.materialize_grads and any(grad is None for grad in grad_outputs):
                grad_outputs = [
                    Tensor._make(self._backend.xp.zeros(shape, dtype), self._backend) if grad is None else grad
                    for grad, (shape, dtype) in zip(grad_outputs, self._output_meta)
                ]
            grads = type(self).backward(self, *grad_outputs)
        if not isinstance(grads, tuple):
            grads = (grads,)
        expected = len(self.next_edges)
        if len(grads) < expected or any(grad is not None for grad in grads[expected:]):
            raise RuntimeError(
                f"function {self.name()} returned an incorrect number of gradients "
                f"(expected {expected}, got {len(grads)})"
            )
        return grads[:expected]


class AccumulateGrad:
    """The node of a leaf tensor: backward adds the incoming gradient into `variable.grad`."""

    next_edges: tuple = ()
    next_functions: tuple = ()
    n_outputs = 1
    _retained = None
    _tensor_hooks = None  # a leaf's hooks live on the tensor (LeafHooks), as this node is made afresh

    def __init__(self, variable: Any) -> None:
        self.variable = variable

    def name(self) -> str:
        return "AccumulateGrad"

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {id(self):#x}>"

    def accumulate(self, grad: Any, create_graph: bool, steal: bool = False) -> None:
        """Add grad into variable.grad; `steal`: the engine alone holds grad's storage, so no copy is needed."""
        variable = self.variable  # .grad is set directly, past the setter's checks: only the shape can be off
        if grad._data.shape != variable._data.shape:  # the leaf's data was replaced by another shape since forward
            raise RuntimeError(f"assigned grad has data of a different size: {tuple(grad.shape)} vs "
                               f"{tuple(variable.shape)}")
        with variable._backend.context():  # the copy or the sum lands on the leaf's device
            if variable._grad is None:
                if create_graph:  # a recorded copy: the gradient may be a read-only view or reach other leaves
                    variable._grad = grad.clone()
                else:  # a copy unless stolen: the same array may reach several leaves, whose .grad must not alias
                    variable._grad = Tensor._make(grad._data if steal else grad._data.copy(), grad._backend)
            elif create_graph or not getattr(variable._grad._data.flags, "writeable", True):
                variable._grad = variable._grad + grad
            else:
                variable._grad._data += grad._data
                variable._grad._version_counter.value += 1

# tensor.py needs AccumulateGrad from this module, so Tensor comes in once both are defined
from ..tensor import Tensor  # noqa: E402
