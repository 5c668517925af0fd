"""Tensor.register_hook and Tensor.register_post_accumulate_grad_hook, run side by side with PyTorch.

Each scenario is written once against a library (minitorch or torch) and returns what its hooks saw;
the two logs must match.
"""
import threading

import numpy as np
import pytest

import minitorch as mt
from minitorch.autograd.engine import queue_callback
from tests.conftest import import_torch

torch = import_torch()

X0 = [0.3, -1.2, 2.0]


def npy(tensor):
    return None if tensor is None else tensor.detach().numpy().copy()


def assert_same_log(scenario):
    ours, theirs = scenario(mt), scenario(torch)
    assert len(ours) == len(theirs), (ours, theirs)
    for mine, reference in zip(ours, theirs):
        assert type(mine) is type(reference), (mine, reference)
        if isinstance(mine, tuple):
            assert mine[0] == reference[0]
            for a, b in zip(mine[1:], reference[1:]):
                if b is None or isinstance(b, bool):
                    assert a == b, (mine, reference)
                else:
                    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
        else:
            assert mine == reference


def leaf(lib, values=X0):
    return lib.tensor(values, dtype=lib.float64, requires_grad=True)


# ---------------------------------------------------------------- register_hook


def test_leaf_hooks_run_in_order_before_accumulation_and_replace_the_gradient():
    def scenario(lib):
        log = []
        x = leaf(lib)
        x.register_hook(lambda g: log.append(("first", npy(g), npy(x.grad))))
        x.register_hook(lambda g: g * 10)
        x.register_hook(lambda g: log.append(("third", npy(g))))
        x.register_post_accumulate_grad_hook(lambda t: log.append(("post", npy(t.grad))))
        y = (x * x).sum() + (x * 3).sum()
        y.backward(retain_graph=True)
        log.append(("grad", npy(x.grad)))
        y.backward()  # a second backward: the hooks run again, .grad sums both
        log.append(("grad", npy(x.grad)))
        return log

    assert_same_log(scenario)


def test_hook_on_non_leaf_changes_what_flows_on_and_what_retain_grad_keeps():
    def scenario(lib):
        log = []
        a = leaf(lib)
        b = a * 3
        b.register_hook(lambda g: g + 1)
        b.retain_grad()
        b.register_hook(lambda g: log.append(("b", npy(g))))
        (b * b).sum().backward()
        return log + [("b.grad", npy(b.grad)), ("a.grad", npy(a.grad))]

    assert_same_log(scenario)


def test_non_leaf_hook_outlives_the_tensor_object():
    def scenario(lib):
        log = []
        a = leaf(lib)
        b = a.exp()
        b.register_hook(lambda g: log.append(("b", npy(g))) or g * 2)
        total = (b * a).sum()
        del b
        total.backward()
        return log + [("a.grad", npy(a.grad))]

    assert_same_log(scenario)


def test_removed_hook_no_longer_runs_and_remove_twice_is_harmless():
    def scenario(lib):
        log = []
        x = leaf(lib)
        handle = x.register_hook(lambda g: g * 0)
        log.append(("handle is utils.hooks.RemovableHandle", type(handle) is lib.utils.hooks.RemovableHandle))
        x.register_hook(lambda g: log.append(("kept", npy(g))))
        post = x.register_post_accumulate_grad_hook(lambda t: log.append(("post", npy(t.grad))))
        (x * x).sum().backward()
        handle.remove()
        handle.remove()
        post.remove()
        x.grad = None
        (x * x).sum().backward()
        with x.register_hook(lambda g: g * 100):
            pass  # leaving the block removes it
        x.grad = None
        (x * x).sum().backward()
        return log + [("grad", npy(x.grad))]

    assert_same_log(scenario)


def test_hook_that_removes_itself_while_running():
    def scenario(lib):
        log = []
        x = leaf(lib)
        handles = []
        handles.append(x.register_hook(lambda g: handles[0].remove() or g * 2))
        x.register_hook(lambda g: log.append(("second", npy(g))))
        (x * 1).sum().backward(retain_graph=True)
        x.grad = None
        (x * 1).sum().backward()
        return log + [("grad", npy(x.grad))]

    assert_same_log(scenario)


def test_hooks_run_for_autograd_grad_and_post_accumulate_hooks_do_not():
    def scenario(lib):
        log = []
        x = leaf(lib)
        x.register_hook(lambda g: log.append(("x", npy(g))) or g * 2)
        x.register_post_accumulate_grad_hook(lambda t: log.append(("post", npy(t.grad))))
        b = x.sin()
        b.register_hook(lambda g: g + 1)
        grad_x, grad_b = lib.autograd.grad((b * b).sum(), (x, b), retain_graph=True)
        (grad_b_alone,) = lib.autograd.grad((b * b).sum(), b)  # b's node need not run on: hooked
        return log + [("grad x", npy(grad_x)), ("grad b", npy(grad_b)), ("grad b alone", npy(grad_b_alone)),
                      ("x.grad", npy(x.grad))]

    assert_same_log(scenario)


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")  # PyTorch's, about .grad cycles
def test_hooks_under_create_graph_see_differentiable_tensors():
    def scenario(lib):
        log = []
        x = leaf(lib)
        x.register_hook(lambda g: log.append(("hook", g.requires_grad, g.grad_fn is not None)) or g * x)
        x.register_post_accumulate_grad_hook(lambda t: log.append(("post", t.grad.requires_grad, npy(t.grad))))
        (x ** 3).sum().backward(create_graph=True)
        (grad2,) = lib.autograd.grad(x.grad.sum(), x)  # d/dx of the hooked gradient 3x^2 * x
        return log + [("second order", npy(grad2))]

    assert_same_log(scenario)


def test_post_accumulate_hook_runs_once_after_every_use_is_summed():
    def scenario(lib):
        log = []
        p = leaf(lib)
        p.register_post_accumulate_grad_hook(lambda t: log.append(("post", npy(t.grad))))
        (p * p + p.exp() * p + p).sum().backward()  # p reaches the loss along four edges
        return log

    log = scenario(mt)
    assert len(log) == 1
    assert_same_log(scenario)


def test_post_accumulate_hook_may_step_the_parameter_in_place():
    """The use DDP and optimizers-in-backward make of it: update the leaf and clear its .grad."""
    def scenario(lib):
        p = leaf(lib)

        def step(tensor):
            with lib.no_grad():
                tensor.sub_(0.1 * tensor.grad)
            tensor.grad = None

        p.register_post_accumulate_grad_hook(step)
        (p * p).sum().backward()
        return [("p", npy(p)), ("grad", npy(p.grad))]

    assert_same_log(scenario)


# ---------------------------------------------------------------- errors


def error_of(call):
    with pytest.raises(Exception) as caught:
        call()
    return type(caught.value), str(caught.value)


@pytest.mark.parametrize("case", ["hook_no_grad", "post_no_grad", "post_non_leaf"])
def test_registration_errors_match_pytorch(case):
    def attempt(lib):
        plain = lib.tensor(X0)
        calls = {
            "hook_no_grad": lambda: plain.register_hook(lambda g: g),
            "post_no_grad": lambda: plain.register_post_accumulate_grad_hook(lambda t: None),
            "post_non_leaf": lambda: (leaf(lib) * 2).register_post_accumulate_grad_hook(lambda t: None),
        }
        return error_of(calls[case])

    assert attempt(mt) == attempt(torch)


@pytest.mark.parametrize("bad", ["size", "not_a_tensor", "post_returns"])
def test_bad_hook_results_raise_pytorchs_errors(bad):
    def attempt(lib):
        x = leaf(lib)
        if bad == "size":
            x.register_hook(lambda g: g.sum())
        elif bad == "not_a_tensor":
            x.register_hook(lambda g: 5)
        else:
            x.register_post_accumulate_grad_hook(lambda t: 5)
        return error_of(lambda: (x * 2).sum().backward())

    assert attempt(mt) == attempt(torch)


def test_hook_changing_the_dtype_is_refused():
    x = leaf(mt)
    x.register_hook(lambda g: g.float())
    with pytest.raises(RuntimeError, match="hook '<lambda>' has changed the type of value"):
        (x * 2).sum().backward()


def test_grad_does_not_alias_the_tensor_a_hook_returned():
    def scenario(lib):
        kept = []
        x = leaf(lib)
        x.register_hook(lambda g: kept.append(g * 10) or kept[-1])
        (x * 1).sum().backward()
        kept[0].add_(1)  # the caller's tensor: changing it must leave .grad alone
        return [("grad", npy(x.grad)), ("kept", npy(kept[0]))]

    assert_same_log(scenario)


def test_a_queued_callback_runs_once_the_backward_pass_is_over_and_only_inside_one():
    with pytest.raises(RuntimeError, match="Final callbacks can only be installed during backward pass"):
        queue_callback(lambda: None)
    weight, events = mt.ones(3, requires_grad=True), []
    bias = mt.zeros(1, requires_grad=True)

    def on_weight(grad):
        events.append("weight gradient")
        queue_callback(lambda: events.append(("callback", bias.grad is not None)) or queue_callback(
            lambda: events.append("queued by a callback")))
    weight.register_hook(on_weight)
    (weight * 2 + bias).sum().backward()
    assert events == ["weight gradient", ("callback", True), "queued by a callback"]
    with pytest.raises(RuntimeError, match="Final callbacks can only be installed"):
        queue_callback(lambda: None)  # the pass's list is gone with it


def test_post_accumulate_hooks_run_when_the_only_gradient_that_came_is_none():
    """As PyTorch's: DistributedDataParallel counts on it to know that a parameter's backward is done."""
    class FirstOnly(mt.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 2, None

    a, b, seen = mt.ones(3, requires_grad=True), mt.ones(3, requires_grad=True), []
    b.register_post_accumulate_grad_hook(lambda tensor: seen.append(tensor.grad))
    FirstOnly.apply(a, b).sum().backward()
    assert seen == [None] and b.grad is None


def test_each_thread_has_its_own_backward_passes_for_queued_callbacks():
    """Thread A queues a callback while thread B's pass is in progress, and its own pass ends after B's: the
    callback must run at the end of A's pass, in A."""
    b_inside, a_queued, b_done, ran_in = threading.Event(), threading.Event(), threading.Event(), []

    def in_a(grad):
        assert b_inside.wait(10)
        queue_callback(lambda: ran_in.append(threading.current_thread().name))
        a_queued.set()
        assert b_done.wait(10)

    def in_b(grad):
        b_inside.set()
        assert a_queued.wait(10)

    def backward(hook, done=None):
        weight = mt.ones(2, requires_grad=True)
        weight.register_hook(hook)
        (weight * 3).sum().backward()
        if done is not None:
            done.set()

    threads = [threading.Thread(target=backward, args=(in_a,), name="A"),
               threading.Thread(target=backward, args=(in_b, b_done), name="B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert ran_in == ["A"]
