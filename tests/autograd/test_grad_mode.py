"""Grad-mode tests: no_grad / enable_grad / set_grad_enabled / is_grad_enabled, thread locality."""
import threading

import numpy as np
import pytest

import minitorch as mt


@pytest.fixture(autouse=True)
def _restore_grad_mode():
    assert mt.is_grad_enabled() is True
    yield
    mt.set_grad_enabled(True)


def _leaf():
    return mt.tensor([1.0, 2.0, 3.0], requires_grad=True)


def test_default_grad_enabled():
    assert mt.is_grad_enabled() is True


def test_no_grad_context():
    x = _leaf()
    with mt.no_grad():
        assert mt.is_grad_enabled() is False
        y = x * 2
        z = (x.exp() + 1).sum()
    assert mt.is_grad_enabled() is True
    for t in (y, z):
        assert t.requires_grad is False
        assert t.grad_fn is None
    np.testing.assert_allclose(y.numpy(), [2.0, 4.0, 6.0])


def test_no_grad_leaf_stays_requires_grad():
    x = _leaf()
    with mt.no_grad():
        assert x.requires_grad is True
        x.mul_(2.0)  # in-place on a leaf that requires grad is allowed under no_grad
    assert x.requires_grad is True and x.is_leaf
    np.testing.assert_allclose(x.detach().numpy(), [2.0, 4.0, 6.0])


def test_no_grad_result_cannot_backward():
    x = _leaf()
    with mt.no_grad():
        y = (x * 2).sum()
    with pytest.raises(RuntimeError):
        y.backward()


def test_enable_grad_inside_no_grad():
    x = _leaf()
    with mt.no_grad():
        with mt.enable_grad():
            assert mt.is_grad_enabled() is True
            y = x * 2
        assert mt.is_grad_enabled() is False
        z = x * 2
    assert y.requires_grad is True and y.grad_fn is not None
    assert z.requires_grad is False
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0, 2.0])


def test_nesting_restores_state():
    with mt.no_grad():
        with mt.no_grad():
            assert not mt.is_grad_enabled()
        assert not mt.is_grad_enabled()
        with mt.enable_grad():
            with mt.no_grad():
                assert not mt.is_grad_enabled()
            assert mt.is_grad_enabled()
        assert not mt.is_grad_enabled()
        with mt.set_grad_enabled(True):
            assert mt.is_grad_enabled()
        assert not mt.is_grad_enabled()
    assert mt.is_grad_enabled()


def test_state_restored_after_exception():
    with pytest.raises(ValueError):
        with mt.no_grad():
            raise ValueError("boom")
    assert mt.is_grad_enabled() is True
    with mt.no_grad():
        with pytest.raises(ValueError):
            with mt.enable_grad():
                raise ValueError("boom")
        assert mt.is_grad_enabled() is False


def test_set_grad_enabled_context_manager():
    x = _leaf()
    with mt.set_grad_enabled(False):
        assert mt.is_grad_enabled() is False
        y = x * 2
    assert mt.is_grad_enabled() is True
    assert y.requires_grad is False
    with mt.set_grad_enabled(True):
        z = x * 2
    assert z.requires_grad is True


def test_set_grad_enabled_plain_call_takes_effect_immediately():
    x = _leaf()
    mt.set_grad_enabled(False)
    try:
        assert mt.is_grad_enabled() is False
        y = x * 2
        assert y.requires_grad is False and y.grad_fn is None
    finally:
        mt.set_grad_enabled(True)
    assert mt.is_grad_enabled() is True
    assert (x * 2).requires_grad is True


def test_set_grad_enabled_plain_call_true_inside_no_grad():
    with mt.no_grad():
        mt.set_grad_enabled(True)
        assert mt.is_grad_enabled() is True
    # leaving no_grad restores the state from before it was entered
    assert mt.is_grad_enabled() is True


def test_no_grad_decorator():
    x = _leaf()

    @mt.no_grad()
    def f(t):
        assert mt.is_grad_enabled() is False
        return t * 2

    y = f(x)
    assert y.requires_grad is False
    assert mt.is_grad_enabled() is True


def test_no_grad_bare_decorator():
    @mt.no_grad
    def f():
        return mt.is_grad_enabled()

    assert f() is False
    assert mt.is_grad_enabled() is True


def test_enable_grad_decorator():
    x = _leaf()

    @mt.enable_grad()
    def f(t):
        return t * 2

    with mt.no_grad():
        y = f(x)
        assert mt.is_grad_enabled() is False
    assert y.requires_grad is True


def test_set_grad_enabled_decorator():
    @mt.set_grad_enabled(False)
    def f():
        return mt.is_grad_enabled()

    assert f() is False
    assert mt.is_grad_enabled() is True


def test_decorator_preserves_function_metadata():
    @mt.no_grad()
    def my_function():
        """doc"""
        return 1

    assert my_function.__name__ == "my_function"
    assert my_function() == 1


def test_grad_mode_is_thread_local():
    x = _leaf()
    entered = threading.Event()
    checked = threading.Event()
    results = {}

    def worker_no_grad():
        with mt.no_grad():
            entered.set()
            checked.wait(timeout=10)
            results["a_enabled"] = mt.is_grad_enabled()
            results["a_req"] = (x * 2).requires_grad

    def worker_default():
        entered.wait(timeout=10)
        results["b_enabled"] = mt.is_grad_enabled()
        results["b_req"] = (x * 2).requires_grad
        checked.set()

    ta = threading.Thread(target=worker_no_grad)
    tb = threading.Thread(target=worker_default)
    ta.start()
    tb.start()
    # the main thread too is unaffected while thread A holds no_grad
    entered.wait(timeout=10)
    main_enabled = mt.is_grad_enabled()
    ta.join(timeout=10)
    tb.join(timeout=10)
    assert entered.is_set() and checked.is_set()
    assert main_enabled is True
    assert results == {"a_enabled": False, "a_req": False, "b_enabled": True, "b_req": True}
    assert mt.is_grad_enabled() is True


def test_set_grad_enabled_false_in_thread_does_not_leak():
    done = threading.Event()
    out = {}

    def worker():
        mt.set_grad_enabled(False)
        out["inner"] = mt.is_grad_enabled()
        done.set()

    t = threading.Thread(target=worker)
    t.start()
    t.join(timeout=10)
    assert done.is_set()
    assert out["inner"] is False
    assert mt.is_grad_enabled() is True
    assert (_leaf() * 2).requires_grad is True
