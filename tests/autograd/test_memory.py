"""Memory behaviour of the autograd graph: no reference cycles, no leaks, saved tensors freed."""
import gc
import tracemalloc
import weakref

import numpy as np
import pytest

import minitorch as mt


class _GcDisabled:
    def __enter__(self):
        gc.collect()
        self.was_enabled = gc.isenabled()
        gc.disable()
        return self

    def __exit__(self, *exc):
        if self.was_enabled:
            gc.enable()
        return False


def _leaf(n=4):
    return mt.tensor(np.linspace(-1.0, 1.0, n), dtype=mt.float64, requires_grad=True)


def test_intermediate_freed_after_backward_without_gc():
    x = _leaf()
    with _GcDisabled():
        h = (x * 2).exp()
        r = weakref.ref(h)
        loss = (h * h).sum()
        loss.backward()
        del h, loss
        assert r() is None, "intermediate kept alive (reference cycle or leaked graph)"
    assert x.grad is not None


def test_intermediate_freed_without_backward_without_gc():
    # graph built but never differentiated, then dropped: must not form cycles
    x = _leaf()
    with _GcDisabled():
        h = (x * 2).exp()  # exp saves its output in many implementations
        r = weakref.ref(h)
        y = (h * h).tanh().sum()
        ry = weakref.ref(y)
        del h, y
        assert ry() is None
        assert r() is None, "graph nodes hold a reference cycle to their outputs"


def test_output_freed_with_graph_after_backward_without_gc():
    x = _leaf()
    with _GcDisabled():
        y = (x.exp() * x).sigmoid().sum()
        r = weakref.ref(y)
        y.backward()
        del y
        assert r() is None


def test_retain_grad_intermediate_freed_without_gc():
    x = _leaf()
    with _GcDisabled():
        h = x * 3
        h.retain_grad()
        r = weakref.ref(h)
        loss = (h * h).sum()
        loss.backward()
        np.testing.assert_allclose(h.grad.numpy(), 2 * 3 * np.linspace(-1.0, 1.0, 4))
        del h, loss
        assert r() is None


def test_custom_function_ctx_freed_without_gc():
    class Sq(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    x = _leaf()
    with _GcDisabled():
        h = x * 2
        r = weakref.ref(h)
        y = Sq.apply(h)
        ry = weakref.ref(y)
        y.sum().backward()
        del h, y
        assert ry() is None
        assert r() is None


def test_saved_tensors_released_after_backward():
    x = _leaf()
    with _GcDisabled():
        h = x * 3
        r = weakref.ref(h)
        loss = (h * h).sum()  # mul saves h
        del h
        assert r() is not None  # still needed by the graph
        loss.backward()
        # loss (and its graph nodes) still alive, but saved tensors must be dropped
        assert r() is None, "saved tensor not released after backward"
        with pytest.raises(RuntimeError, match="second time"):
            loss.backward()


def test_saved_tensors_kept_with_retain_graph():
    x = _leaf()
    with _GcDisabled():
        h = x * 3
        r = weakref.ref(h)
        loss = (h * h).sum()
        del h
        loss.backward(retain_graph=True)
        assert r() is not None
        loss.backward()
        assert r() is None
    np.testing.assert_allclose(x.grad.numpy(), 2 * 2 * 9 * np.linspace(-1.0, 1.0, 4))


def test_no_memory_growth_over_training_steps():
    rng = np.random.default_rng(0)
    X = mt.tensor(rng.standard_normal((8, 4)), dtype=mt.float32)
    Y = mt.tensor(rng.standard_normal((8, 1)), dtype=mt.float32)
    w = mt.tensor(rng.standard_normal((4, 1)) * 0.1, dtype=mt.float32, requires_grad=True)
    b = mt.zeros(1, requires_grad=True)
    lr = 0.01

    def step():
        pred = (X @ w + b).tanh()
        loss = ((pred - Y) ** 2).mean()
        loss.backward()
        with mt.no_grad():
            w.sub_(w.grad * lr)
            b.sub_(b.grad * lr)
        w.grad = None
        b.grad = None
        return loss

    first = float(step().item())
    tracemalloc.start()
    try:
        for _ in range(200):  # warm-up (caches, free lists)
            step()
        gc.collect()
        start, _ = tracemalloc.get_traced_memory()
        for _ in range(2000):
            last = step()
        del last
        gc.collect()
        end, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    growth = end - start
    assert growth < 100_000, f"traced memory grew by {growth} bytes over 2000 steps"
    # the loop did real work
    final = float(step().item())
    assert final < first
    assert w.grad is None and w.is_leaf and w.requires_grad
