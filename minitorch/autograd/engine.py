"""The backward engine: runs the graph's nodes in topological order, without recursion."""
from __future__ import annotations

import threading
from collections import deque
from typing import Any, Callable, Sequence

import numpy as np

from ..dtypes import from_numpy_dtype
from ..tensor import Tensor
from . import anomaly_mode
from .broadcast import sum_to_shape
from .function import AccumulateGrad
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled


def backward(tensors: Any, grad_tensors: Any = None, retain_graph: bool | None = None,
             create_graph: bool = False) -> None:
    """Accumulate d(tensors)/d(leaf) into the .grad of every leaf that requires grad."""
    roots, root_grads, owned = _roots_and_grads(tensors, grad_tensors)
    retain = create_graph if retain_graph is None else retain_graph
    _execute(roots, root_grads, owned, retain, create_graph, capture=None)


def grad(outputs: Any, inputs: Any, grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool = False) -> tuple:
    """The gradients of `outputs` with respect to `inputs`, returned rather than accumulated.

    With create_graph=True the backward pass is itself recorded, so the result can be
    differentiated again.
    """
    single_input = isinstance(inputs, Tensor)
    inputs = (inputs,) if single_input else tuple(inputs)
    roots, root_grads, owned = _roots_and_grads(outputs, grad_outputs)
    capture: dict[Any, list[tuple[int, int]]] = {}
    for index, tensor in enumerate(inputs):
        if not tensor.requires_grad:
            raise RuntimeError(f"One of the differentiated Tensors (input {index}) does not require grad")
        node, output_nr = tensor._edge()
        capture.setdefault(node, []).append((output_nr, index))
    retain = create_graph if retain_graph is None else retain_graph
    results = _execute(roots, root_grads, owned, retain, create_graph, capture=capture)
    for index, result in enumerate(results):
        if result is None and not allow_unused:
            raise RuntimeError(
                f"One of the differentiated Tensors (input {index}) appears to not have been used in the "
                "graph. Set allow_unused=True if this is the desired behavior."
            )
    return tuple(results)


def _roots_and_grads(outputs: Any, grad_outputs: Any) -> tuple[list, list, dict]:
    """The root edges, their starting gradients (ones for a scalar output), and those the engine made."""
    outputs = (outputs,) if isinstance(outputs, Tensor) else tuple(outputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = (grad_outputs,) * len(outputs) if grad_outputs is None else (grad_outputs,)
    grad_outputs = tuple(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"grad_tensors has {len(grad_outputs)} entries but there are {len(outputs)} outputs")
    roots, root_grads, owned = [], [], {}
    for index, (output, grad_output) in enumerate(zip(outputs, grad_outputs)):
        if not output.requires_grad:
            raise RuntimeError(f"element {index} of tensors does not require grad and does not have a grad_fn")
        if grad_output is None:
            if output.numel() != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs (output {index} has shape "
                    f"{tuple(output.shape)})"
                )
            with output._backend.context():
                grad_output = Tensor._make(output._backend.xp.ones_like(output._data), output._backend)
            owned[id(grad_output)] = grad_output
        elif not isinstance(grad_output, Tensor):
            raise TypeError(f"gradient must be a Tensor, got {type(grad_output).__name__}")
        elif grad_output.shape != output.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{index}] has a shape of {grad_output.shape} and "
                f"output[{index}] has a shape of {output.shape}."
            )
        roots.append(output._edge())
        root_grads.append(grad_output)
    return roots, root_grads, owned


def _discover(root_nodes: Sequence) -> dict:
    """Count, for every node reachable from the roots, the edges that lead into it."""
    dependencies: dict = {}
    seen = set(root_nodes)
    stack = list(seen)
    while stack:
        node = stack.pop()
        for edge in node.next_edges:
            if edge is None:
                continue
            child = edge[0]
            dependencies[child] = dependencies.get(child, 0) + 1
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return dependencies


def _nodes_leading_to(targets: set, root_nodes: Sequence, dependencies: dict) -> set:
    """The nodes from which a target can be reached (they must run for autograd.grad)."""
    remaining = dict(dependencies)
    order = []
    ready = deque(node for node in set(root_nodes) if not remaining.get(node))
    while ready:
        node = ready.popleft()
        order.append(node)
        for edge in node.next_edges:
            if edge is not None:
                remaining[edge[0]] -= 1
                if remaining[edge[0]] == 0:
                    ready.append(edge[0])
    needed = set()
    for node in reversed(order):
        if node in targets or any(edge is not None and edge[0] in needed for edge in node.next_edges):
            needed.add(node)
    return needed


class _PassCallbacks(threading.local):
    """Per thread (two threads may run backward at once), one list per backward pass in progress (a hook may
    start a pass of its own): what queue_callback queued."""

    def __init__(self) -> None:
        self.stack: list[list[Callable[[], None]]] = []


_final_callbacks = _PassCallbacks()


def queue_callback(callback: Callable[[], None]) -> None:
    """Run callback once the backward pass in progress has finished, before backward() returns (PyTorch's
    Variable._execution_engine.queue_callback): DistributedDataParallel waits for its all-reduces there."""
    if not _final_callbacks.stack:
        raise RuntimeError("Final callbacks can only be installed during backward pass.")
    _final_callbacks.stack[-1].append(callback)


def _execute(roots: list, root_grads: list, owned: dict, retain_graph: bool, create_graph: bool,
             capture: dict | None) -> list | None:
    """Run the graph's backward from the roots, then the callbacks queued while it ran."""
    stack = _final_callbacks.stack
    stack.append([])
    try:
        results = _run_nodes(roots, root_grads, owned, retain_graph, create_graph, capture)
        callbacks = stack[-1]
        while callbacks:  # a callback may queue another
            callbacks.pop(0)()
    finally:
        stack.pop()
    return results


def _run_nodes(roots: list, root_grads: list, owned: dict, retain_graph: bool, create_graph: bool,
               capture: dict | None) -> list | None:
    """Run the graph's nodes in topological order.

    `owned` maps id -> gradient tensor for the gradients whose storage only the engine holds: a leaf may
    take such a gradient as its .grad without a copy (a copy per parameter per step, otherwise).
    """
    root_nodes = [node for node, _ in roots]
    dependencies = _discover(root_nodes)
    needed = None if capture is None else _nodes_leading_to(set(capture), root_nodes, dependencies)
    results = None if capture is None else [None] * sum(len(slots) for slots in capture.values())

    buffers: dict = {}
    for (node, output_nr), grad_output in zip(roots, root_grads):
        _accumulate_into(buffers, owned, node, output_nr, grad_output)
    ready = deque(node for node in dict.fromkeys(root_nodes) if not dependencies.get(node))
    check_finite = anomaly_mode.is_anomaly_enabled()
    with enable_grad() if create_graph else no_grad():  # once for the pass, not per node
        while ready:
            node = ready.popleft()
            grads = buffers.pop(node)
            is_leaf = isinstance(node, AccumulateGrad)
            hooks = node.variable._leaf_hooks if is_leaf else node._tensor_hooks
            captured = None if capture is None else capture.get(node)
            if captured and any(edge is not None and edge[0] in needed for edge in node.next_edges):
                _capture(results, captured, grads)  # as PyTorch: a node that runs on is captured before its hooks
                captured = None
            if hooks is not None:
                for output_nr, output_hooks in ({0: hooks.grad} if is_leaf else hooks).items():
                    _run_tensor_hooks(output_hooks, grads, output_nr, owned)
            grads_owned = [owned.pop(id(grad), None) is not None for grad in grads]
            if captured:
                _capture(results, captured, grads)
            if is_leaf:
                if capture is None:
                    if grads[0] is not None:
                        node.accumulate(grads[0], create_graph, steal=grads_owned[0])
                    if hooks is not None:  # as PyTorch's, also when the only gradient that came was None
                        _run_post_accumulate_hooks(hooks.post_accumulate, node.variable)
                continue
            if node._retained:
                _store_retained_grads(node, grads, create_graph)
                grads_owned = [False] * len(grads)  # a retained .grad shares their storage
            runs = any(grad is not None for grad in grads) and (
                needed is None or any(edge is not None and edge[0] in needed for edge in node.next_edges))
            input_grads = node._call_backward(grads) if runs else (None,) * len(node.next_edges)
            if not node.forward_on_arrays and is_grad_enabled() != bool(create_graph):
                set_grad_enabled(create_graph)  # a user's backward changed grad mode: not for the nodes after it
            if check_finite:
                _check_finite(node, input_grads)
            if node.forward_on_arrays:  # our own ops: we know what their gradients share
                _claim_fresh_gradients(owned, grads, grads_owned, input_grads)
            for index, (edge, input_grad) in enumerate(zip(node.next_edges, input_grads)):
                if edge is None or (needed is not None and edge[0] not in needed):
                    continue
                child, output_nr = edge
                if input_grad is not None:
                    matched = _match_input(input_grad, node, index)
                    if matched is not input_grad and owned.pop(id(input_grad), None) is not None:
                        owned[id(matched)] = matched
                    input_grad = matched
                _accumulate_into(buffers, owned, child, output_nr, input_grad)
                dependencies[child] -= 1
                if dependencies[child] == 0:
                    ready.append(child)
            if not retain_graph:
                node.release()
    return results


def _capture(results: list, captured: list, grads: list) -> None:
    """autograd.grad: keep the gradients of the requested inputs that this node receives."""
    for output_nr, index in captured:
        results[index] = grads[output_nr]


def _run_tensor_hooks(hooks: dict, grads: list, output_nr: int, owned: dict) -> None:
    """register_hook's hooks, in registration order: a tensor one returns replaces grads[output_nr]."""
    for hook in tuple(hooks.values()):  # a hook may remove itself
        grad = grads[output_nr]
        result = hook(grad)
        if result is None:
            continue
        if not isinstance(result, Tensor):
            raise TypeError(f"expected Variable, but hook returned '{type(result).__name__}'")
        if grad is not None:
            name = getattr(hook, "__name__", type(hook).__name__)
            if result.shape != grad.shape:
                raise RuntimeError(f"hook '{name}' has changed the size of value")
            if result.dtype != grad.dtype:
                raise RuntimeError(f"hook '{name}' has changed the type of value (was {grad.dtype} got {result.dtype})")
            owned.pop(id(grad), None)  # the hook's result is the caller's: never stolen
        grads[output_nr] = result


def _run_post_accumulate_hooks(hooks: dict, variable: Tensor) -> None:
    """register_post_accumulate_grad_hook's hooks, once .grad holds this backward's whole gradient."""
    for hook in tuple(hooks.values()):
        result = hook(variable)
        if result is not None:
            raise TypeError(f"expected Variable, but hook returned '{type(result).__name__}'")


def _check_finite(node: Any, input_grads: tuple) -> None:
    """Under detect_anomaly: refuse a backward step that produced NaN or inf, naming the op."""
    for index, grad in enumerate(input_grads):
        if grad is None:
            continue
        values = grad._backend.to_numpy(grad._data)
        if values.dtype.kind == "f" and not np.isfinite(values).all():
            kind = "nan" if np.isnan(values).any() else "inf"
            raise RuntimeError(
                f"Function '{node.name()}' returned {kind} values in its {index}th output.\n"
                f"The forward call that created it:\n{node.forward_stack or '(not recorded)'}"
            )


def _claim_fresh_gradients(owned: dict, grads: list, grads_owned: list, input_grads: tuple) -> None:
    """Mark the gradients an op returned as owned by the engine: new arrays that are not views, or an
    incoming gradient that was owned, passed through to a single input."""
    returned = [grad for grad in input_grads if grad is not None]
    repeated = len({id(grad) for grad in returned}) < len(returned)  # one gradient given to two inputs
    for input_grad in returned:
        if repeated and sum(other is input_grad for other in returned) > 1:
            continue
        for grad, owned_before in zip(grads, grads_owned):
            if grad is input_grad:  # passed through: owned if the incoming gradient was
                if owned_before:
                    owned[id(input_grad)] = input_grad
                break
        else:
            if input_grad._data.base is None:
                owned[id(input_grad)] = input_grad


def _accumulate_into(buffers: dict, owned: dict, node: Any, output_nr: int, grad: Any) -> None:
    slots = buffers.get(node)
    if slots is None:
        slots = buffers[node] = [None] * node.n_outputs
    if grad is None:
        return
    previous = slots[output_nr]
    if previous is None:
        slots[output_nr] = grad
        return
    owned.pop(id(previous), None)
    owned.pop(id(grad), None)
    slots[output_nr] = total = previous + grad
    owned[id(total)] = total


def _store_retained_grads(node: Any, grads: list, create_graph: bool) -> None:
    for output_nr, tensor_ref in node._retained.items():
        tensor = tensor_ref()
        grad = grads[output_nr]
        if tensor is None or grad is None:
            continue
        with grad._backend.context():
            grad = grad.clone() if create_graph else Tensor._make(grad._data.copy(), grad._backend)  # own storage
        tensor._grad = grad if tensor._grad is None else tensor._grad + grad


def _match_input(grad: Any, node: Any, index: int) -> Any:
    """Bring a gradient to its input's shape (summing broadcast dims) and dtype, as PyTorch's engine does."""
    shape, dtype = node._input_meta[index]  # dtype: the input array's NumPy dtype
    if grad._data.shape != shape:
        try:
            grad = sum_to_shape(grad, shape)
        except RuntimeError:
            raise RuntimeError(
                f"Function {node.name()} returned an invalid gradient at index {index} - got "
                f"{list(grad.shape)} but expected shape compatible with {list(shape)}"
            ) from None
    if grad._data.dtype != dtype:
        grad = grad.to(from_numpy_dtype(dtype))
    return grad
