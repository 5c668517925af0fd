"""nn.init (bounds and spreads from the fan formulas written here, seeding, in place) and nn.utils.clip_grad_norm_."""
import math

import numpy as np
import pytest

import minitorch as mt
from minitorch import nn


def arr(tensor):
    return tensor.detach().numpy()


def test_calculate_gain():
    assert nn.init.calculate_gain("linear") == 1 and nn.init.calculate_gain("sigmoid") == 1
    assert nn.init.calculate_gain("tanh") == 5 / 3
    assert nn.init.calculate_gain("relu") == math.sqrt(2)
    assert nn.init.calculate_gain("leaky_relu") == math.sqrt(2 / (1 + 0.01 ** 2))
    assert nn.init.calculate_gain("leaky_relu", math.sqrt(5)) == math.sqrt(2 / 6)
    with pytest.raises(ValueError, match="Unsupported nonlinearity foo"):
        nn.init.calculate_gain("foo")


# (function, kwargs, "uniform" bound or "normal" std) with fan_in = 300, fan_out = 200 (weight of shape (200, 300))
SPREADS = [
    (nn.init.kaiming_uniform_, {}, ("uniform", math.sqrt(2) * math.sqrt(3 / 300))),  # a = 0: the relu gain
    (nn.init.kaiming_uniform_, {"a": math.sqrt(5)}, ("uniform", 1 / math.sqrt(300))),
    (nn.init.kaiming_uniform_, {"mode": "fan_out", "nonlinearity": "relu"}, ("uniform", math.sqrt(2) * math.sqrt(3 / 200))),
    (nn.init.kaiming_normal_, {"nonlinearity": "relu"}, ("normal", math.sqrt(2) / math.sqrt(300))),
    (nn.init.xavier_uniform_, {}, ("uniform", math.sqrt(6 / 500))),
    (nn.init.xavier_uniform_, {"gain": 2.0}, ("uniform", 2 * math.sqrt(6 / 500))),
    (nn.init.xavier_normal_, {}, ("normal", math.sqrt(2 / 500))),
    (nn.init.uniform_, {"a": -0.5, "b": 2.0}, ("range", (-0.5, 2.0))),
    (nn.init.normal_, {"mean": 3.0, "std": 0.5}, ("normal", 0.5)),
]


@pytest.mark.parametrize("function, kwargs, spread", SPREADS, ids=lambda v: getattr(v, "__name__", str(v)))
def test_initialisers_follow_their_formulas(function, kwargs, spread):
    mt.manual_seed(0)
    weight = nn.Parameter(mt.empty(200, 300))
    assert function(weight, **kwargs) is weight
    values = arr(weight)
    kind, size = spread
    if kind == "uniform":
        assert size * 0.99 < np.abs(values).max() <= size * (1 + 1e-6)  # float32 rounding at the edge
        assert abs(values.std() - size / math.sqrt(3)) < 0.02 * size
    elif kind == "range":
        low, high = size
        assert values.min() >= low and values.max() < high and abs(values.mean() - (low + high) / 2) < 0.02
    else:
        mean = kwargs.get("mean", 0.0)
        assert abs(values.mean() - mean) < 0.02 * size + 1e-3 and abs(values.std() - size) < 0.02 * size
    assert weight.requires_grad and weight.grad_fn is None  # written under no_grad
    mt.manual_seed(0)
    again = function(nn.Parameter(mt.empty(200, 300)), **kwargs)
    np.testing.assert_array_equal(arr(again), values)


def test_generator_argument_gives_its_own_stream():
    first = nn.init.normal_(mt.empty(5), generator=mt.Generator().manual_seed(4))
    mt.manual_seed(123)
    second = nn.init.normal_(mt.empty(5), generator=mt.Generator().manual_seed(4))
    np.testing.assert_array_equal(arr(first), arr(second))
    assert not np.array_equal(arr(first), arr(nn.init.normal_(mt.empty(5), generator=mt.Generator().manual_seed(5))))


def test_constants_and_dtype():
    weight = mt.empty(2, 3, dtype=mt.float64)
    assert arr(nn.init.zeros_(weight)).tolist() == [[0.0] * 3] * 2
    assert arr(nn.init.ones_(weight)).tolist() == [[1.0] * 3] * 2
    assert arr(nn.init.constant_(weight, 2.5)).tolist() == [[2.5] * 3] * 2
    assert nn.init.uniform_(weight).dtype is mt.float64


def test_fan_errors_and_empty_tensor():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        nn.init.xavier_uniform_(mt.empty(3))
    with pytest.raises(ValueError, match="Mode fan_sideways not supported"):
        nn.init.kaiming_uniform_(mt.empty(2, 2), mode="fan_sideways")
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        nn.init.kaiming_uniform_(mt.empty(0, 3))


# --------------------------------------------------------------------------- clip_grad_norm_

def test_clip_grad_norm_scales_all_gradients_together():
    a, b = mt.zeros(3, requires_grad=True), mt.zeros(2, requires_grad=True)
    a.grad, b.grad = mt.tensor([3.0, 0.0, 4.0]), mt.tensor([0.0, 12.0])  # total norm 13
    total = nn.utils.clip_grad_norm_([a, b], max_norm=1.3)
    assert total.item() == pytest.approx(13.0)
    scale = 1.3 / (13.0 + 1e-6)
    np.testing.assert_allclose(arr(a.grad), np.array([3.0, 0.0, 4.0]) * scale, rtol=1e-6)
    np.testing.assert_allclose(arr(b.grad), np.array([0.0, 12.0]) * scale, rtol=1e-6)


def test_clip_grad_norm_leaves_small_gradients_and_supports_inf_norm():
    weight = mt.zeros(2, requires_grad=True)
    weight.grad = mt.tensor([0.3, -0.4])
    assert nn.utils.clip_grad_norm_(weight, 1.0).item() == pytest.approx(0.5)
    np.testing.assert_allclose(arr(weight.grad), [0.3, -0.4], rtol=1e-6)
    assert nn.utils.clip_grad_norm_(weight, 0.1, norm_type=math.inf).item() == pytest.approx(0.4)
    np.testing.assert_allclose(arr(weight.grad), np.array([0.3, -0.4]) * 0.1 / (0.4 + 1e-6), rtol=1e-6)
    assert nn.utils.clip_grad_norm_([mt.zeros(2, requires_grad=True)], 1.0).item() == 0.0
    weight.grad = mt.tensor([math.inf, 1.0])
    with pytest.raises(RuntimeError, match="is non-finite, so it cannot be clipped"):
        nn.utils.clip_grad_norm_(weight, 1.0, error_if_nonfinite=True)
