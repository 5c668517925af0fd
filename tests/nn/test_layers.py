"""The layers against formulas written here: Linear, activations, Dropout, Flatten, Identity, BatchNorm1d,
LayerNorm, Embedding; gradients by gradcheck in float64."""
import math

import numpy as np
import pytest

import minitorch as mt
from minitorch import nn
from minitorch.autograd import gradcheck

RNG = np.random.default_rng(1234)


def values(*shape, dtype=np.float64):
    return RNG.standard_normal(shape).astype(dtype)


def arr(tensor):
    return tensor.detach().numpy()


def erf(x):
    return np.vectorize(math.erf)(x)


# --------------------------------------------------------------------------- Linear

@pytest.mark.parametrize("input_shape", [(4, 3), (3,), (2, 5, 3)])
def test_linear_is_x_wt_plus_b(input_shape):
    layer = nn.Linear(3, 2).double()
    x = values(*input_shape)
    expected = x @ arr(layer.weight).T + arr(layer.bias)
    np.testing.assert_allclose(arr(layer(mt.tensor(x))), expected, rtol=1e-12)
    assert layer(mt.tensor(x)).shape == input_shape[:-1] + (2,)


def test_linear_without_bias_and_gradients():
    layer = nn.Linear(3, 2, bias=False).double()
    assert layer.bias is None and [name for name, _ in layer.named_parameters()] == ["weight"]
    x = values(5, 3)
    layer(mt.tensor(x)).sum().backward()
    np.testing.assert_allclose(arr(layer.weight.grad), np.ones((2, 5)) @ x)
    full = nn.Linear(3, 2).double()
    assert gradcheck(lambda x, w, b: nn.functional.linear(x, w, b),
                     (mt.tensor(x, requires_grad=True), full.weight, full.bias))


def test_linear_default_initialisation_is_pytorchs():
    mt.manual_seed(0)
    fan_in = 400
    layer = nn.Linear(fan_in, 300)
    bound = 1 / math.sqrt(fan_in)  # kaiming_uniform_(a=√5) gives exactly this bound
    weight, bias = arr(layer.weight), arr(layer.bias)
    assert weight.shape == (300, 400) and weight.dtype == np.float32
    assert np.abs(weight).max() <= bound and np.abs(weight).max() > 0.99 * bound
    assert abs(weight.std() - bound / math.sqrt(3)) < 0.01 * bound  # uniform on [-b, b] has std b/√3
    assert abs(weight.mean()) < 0.01 * bound
    assert np.abs(bias).max() <= bound and np.abs(bias).max() > 0.95 * bound
    mt.manual_seed(0)
    np.testing.assert_array_equal(arr(nn.Linear(fan_in, 300).weight), weight)  # repeatable


def test_linear_shape_error_names_the_shapes():
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(4x4 and 3x2\)"):
        nn.Linear(3, 2)(mt.zeros(4, 4))


def test_linear_device_and_dtype_arguments():
    layer = nn.Linear(2, 3, device="cpu", dtype=mt.float64)
    assert layer.weight.dtype is mt.float64 and layer.bias.device == "cpu"


# --------------------------------------------------------------------------- activations

def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


ACTIVATIONS = [
    (nn.ReLU(), lambda x: np.maximum(x, 0)),
    (nn.LeakyReLU(0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    (nn.LeakyReLU(), lambda x: np.where(x > 0, x, 0.01 * x)),
    (nn.ELU(0.7), lambda x: np.where(x > 0, x, 0.7 * (np.exp(x) - 1))),
    (nn.GELU(), lambda x: 0.5 * x * (1 + erf(x / math.sqrt(2)))),
    (nn.GELU("tanh"), lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))),
    (nn.SiLU(), lambda x: x * sigmoid(x)),
    (nn.Softplus(), lambda x: np.log1p(np.exp(x))),
    (nn.Softplus(beta=2.0, threshold=1.0), lambda x: np.where(2 * x > 1, x, np.log1p(np.exp(2 * x)) / 2)),
    (nn.Sigmoid(), sigmoid),
    (nn.Tanh(), np.tanh),
    (nn.Softmax(dim=1), lambda x: softmax(x, 1)),
    (nn.Softmax(dim=0), lambda x: softmax(x, 0)),
    (nn.LogSoftmax(dim=1), lambda x: np.log(softmax(x, 1))),
]


@pytest.mark.parametrize("module, formula", ACTIVATIONS, ids=[repr(module) for module, _ in ACTIVATIONS])
def test_activation_modules(module, formula):
    x = values(4, 5) * 2
    np.testing.assert_allclose(arr(module(mt.tensor(x))), formula(x), rtol=1e-10, atol=1e-12)
    assert gradcheck(module, (mt.tensor(x, requires_grad=True),))
    x32 = mt.tensor(x, dtype=mt.float32)
    assert module(x32).dtype is mt.float32


def test_softmax_without_dim_warns_as_pytorch():
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax has been deprecated"):
        result = nn.Softmax()(mt.tensor([[1.0, 2.0], [3.0, 5.0]]))
    np.testing.assert_allclose(arr(result), softmax(np.array([[1.0, 2.0], [3.0, 5.0]]), 1), rtol=1e-6)


def test_inplace_relu_writes_into_its_input():
    x = mt.tensor([-1.0, 2.0, -3.0])
    output = nn.ReLU(inplace=True)(x)
    assert output is x and x.numpy().tolist() == [0.0, 2.0, 0.0]
    leaf = mt.tensor([-1.0, 2.0], requires_grad=True)
    hidden = leaf * 3
    nn.functional.leaky_relu(hidden, 0.5, inplace=True).sum().backward()
    assert leaf.grad.numpy().tolist() == [1.5, 3.0]


# --------------------------------------------------------------------------- Dropout

def test_dropout_zeroes_with_probability_p_and_scales_the_rest():
    mt.manual_seed(0)
    layer = nn.Dropout(0.3)
    x = mt.ones(200, 500)
    y = arr(layer(x))
    kept = y != 0
    assert abs(kept.mean() - 0.7) < 0.01
    np.testing.assert_allclose(y[kept], 1 / 0.7, rtol=1e-6)


def test_dropout_gradient_is_the_mask_and_repeats_with_the_seed():
    x = mt.tensor(values(50, 40), requires_grad=True)
    mt.manual_seed(3)
    y = nn.functional.dropout(x, p=0.5)
    y.sum().backward()
    mask = arr(y) / arr(x)
    np.testing.assert_allclose(arr(x.grad), mask, rtol=1e-12)
    assert set(np.round(np.unique(mask), 9)) == {0.0, 2.0}
    mt.manual_seed(3)
    np.testing.assert_array_equal(arr(nn.functional.dropout(x, p=0.5)), arr(y))


def test_dropout_eval_p0_p1_and_errors():
    x = mt.tensor(values(3, 4))
    layer = nn.Dropout(0.5).eval()
    assert layer(x) is x
    assert nn.functional.dropout(x, p=0.0) is x
    assert np.all(arr(nn.functional.dropout(x, p=1.0)) == 0)
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        nn.Dropout(1.5)
    with pytest.raises(ValueError, match="but got -0.1"):
        nn.functional.dropout(x, p=-0.1)


# --------------------------------------------------------------------------- Flatten, Identity

def test_flatten_and_identity():
    x = mt.zeros(2, 3, 4, 5)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 2)(x).shape == (24, 5)
    assert nn.Identity(54, unused="argument")(x) is x
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"


# --------------------------------------------------------------------------- BatchNorm1d

def batch_norm_reference(x, weight, bias, eps, axes):
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    shape = [1] * x.ndim
    shape[1] = -1
    return (x - mean) / np.sqrt(var + eps) * weight.reshape(shape) + bias.reshape(shape)


@pytest.mark.parametrize("shape, axes", [((8, 3), (0,)), ((4, 3, 5), (0, 2))])
def test_batch_norm_training_output_and_running_statistics(shape, axes):
    layer = nn.BatchNorm1d(3, momentum=0.2).double()
    with mt.no_grad():
        layer.weight.copy_(mt.tensor([1.0, 2.0, 0.5]))
        layer.bias.copy_(mt.tensor([0.0, -1.0, 3.0]))
    running_mean, running_var = np.zeros(3), np.ones(3)
    for step in range(3):
        x = values(*shape) * (step + 1) + step
        output = layer(mt.tensor(x))
        expected = batch_norm_reference(x, np.array([1.0, 2.0, 0.5]), np.array([0.0, -1.0, 3.0]), 1e-5, axes)
        np.testing.assert_allclose(arr(output), expected, rtol=1e-10, atol=1e-12)
        count = x.size // 3
        running_mean = 0.8 * running_mean + 0.2 * x.mean(axis=axes)
        running_var = 0.8 * running_var + 0.2 * x.var(axis=axes) * count / (count - 1)
    np.testing.assert_allclose(arr(layer.running_mean), running_mean, rtol=1e-12)
    np.testing.assert_allclose(arr(layer.running_var), running_var, rtol=1e-12)
    assert layer.num_batches_tracked.item() == 3 and layer.num_batches_tracked.dtype is mt.int64

    layer.eval()
    x = values(*shape)
    stats_shape = (1, 3) + (1,) * (len(shape) - 2)
    expected = ((x - running_mean.reshape(stats_shape)) / np.sqrt(running_var.reshape(stats_shape) + 1e-5)
                * np.array([1.0, 2.0, 0.5]).reshape(stats_shape) + np.array([0.0, -1.0, 3.0]).reshape(stats_shape))
    np.testing.assert_allclose(arr(layer(mt.tensor(x))), expected, rtol=1e-10)
    assert layer.num_batches_tracked.item() == 3


def test_batch_norm_cumulative_average_when_momentum_is_none():
    layer = nn.BatchNorm1d(2, momentum=None).double()
    batches = [values(5, 2) + shift for shift in range(3)]
    for batch in batches:
        layer(mt.tensor(batch))
    np.testing.assert_allclose(arr(layer.running_mean), np.mean([b.mean(0) for b in batches], axis=0), rtol=1e-12)


def test_batch_norm_without_affine_or_running_stats():
    x = values(6, 2)
    plain = nn.BatchNorm1d(2, affine=False, track_running_stats=False).double()
    assert list(plain.state_dict()) == [] and plain.weight is None
    expected = batch_norm_reference(x, np.ones(2), np.zeros(2), 1e-5, (0,))
    np.testing.assert_allclose(arr(plain(mt.tensor(x))), expected, rtol=1e-10)
    plain.eval()  # no running statistics: eval mode still normalises with the batch's
    np.testing.assert_allclose(arr(plain(mt.tensor(x))), expected, rtol=1e-10)


def test_batch_norm_gradients():
    layer = nn.BatchNorm1d(3).double()
    x = mt.tensor(values(5, 3), requires_grad=True)
    assert gradcheck(lambda x, w, b: nn.functional.batch_norm(x, None, None, w, b, training=True),
                     (x, layer.weight, layer.bias))


def test_batch_norm_errors():
    with pytest.raises(ValueError, match=r"Expected more than 1 value per channel when training, got input size "
                                         r"minitorch.Size\(\[1, 3\]\)"):
        nn.BatchNorm1d(3)(mt.zeros(1, 3))
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        nn.BatchNorm1d(3)(mt.zeros(4, 3, 2, 2))
    with pytest.raises(RuntimeError, match="running_mean should contain 4 elements not 3"):
        nn.BatchNorm1d(3)(mt.zeros(4, 4))


# --------------------------------------------------------------------------- LayerNorm

def test_layer_norm_formula_and_gradients():
    layer = nn.LayerNorm((3, 4)).double()
    with mt.no_grad():
        layer.weight.copy_(mt.tensor(values(3, 4)))
        layer.bias.copy_(mt.tensor(values(3, 4)))
    x = values(2, 3, 4)
    mean = x.mean(axis=(1, 2), keepdims=True)
    var = x.var(axis=(1, 2), keepdims=True)
    expected = (x - mean) / np.sqrt(var + 1e-5) * arr(layer.weight) + arr(layer.bias)
    np.testing.assert_allclose(arr(layer(mt.tensor(x))), expected, rtol=1e-10)
    assert gradcheck(layer, (mt.tensor(x, requires_grad=True),))


def test_layer_norm_options_and_error():
    assert nn.LayerNorm(4, elementwise_affine=False).weight is None
    assert nn.LayerNorm(4, bias=False).bias is None
    with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[3\], expected input with shape \[\*, 3\], "
                                           r"but got input of size\[4, 4\]"):
        nn.LayerNorm(3)(mt.zeros(4, 4))


# --------------------------------------------------------------------------- Embedding

def test_embedding_lookup_and_gradient_accumulates_repeats():
    mt.manual_seed(0)
    layer = nn.Embedding(5, 3)
    weight = arr(layer.weight)
    assert abs(weight.std() - 1) < 0.6  # drawn from N(0, 1)
    indices = mt.tensor([[0, 2], [2, 4]])
    output = layer(indices)
    np.testing.assert_array_equal(arr(output), weight[[[0, 2], [2, 4]]])
    output.sum().backward()
    np.testing.assert_array_equal(arr(layer.weight.grad)[:, 0], [1, 0, 2, 0, 1])


def test_embedding_padding_row_is_zero_and_gets_no_gradient():
    layer = nn.Embedding(4, 2, padding_idx=-1)
    assert layer.padding_idx == 3 and arr(layer.weight)[3].tolist() == [0.0, 0.0]
    layer(mt.tensor([3, 1, 3])).sum().backward()
    assert arr(layer.weight.grad).tolist() == [[0, 0], [1, 1], [0, 0], [0, 0]]
    assert repr(layer) == "Embedding(4, 2, padding_idx=3)"


def test_embedding_errors_and_from_pretrained():
    layer = nn.Embedding(3, 2)
    with pytest.raises(IndexError, match="index out of range in self"):
        layer(mt.tensor([3]))
    with pytest.raises(RuntimeError, match="'indices' to have one of the following scalar types: Long, Int"):
        layer(mt.tensor([1.0]))
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        nn.Embedding(3, 2, padding_idx=3)
    table = mt.tensor([[1.0, 2.0], [3.0, 4.0]])
    frozen = nn.Embedding.from_pretrained(table)
    assert not frozen.weight.requires_grad and arr(frozen(mt.tensor([1])))[0].tolist() == [3.0, 4.0]


# --------------------------------------------------------------------------- Sequential's Linear + activation fusion

FUSABLE = [nn.ReLU(), nn.LeakyReLU(0.3), nn.ELU(0.5), nn.GELU(), nn.GELU("tanh"), nn.SiLU(), nn.Softplus(2.0, 1.0),
           nn.Sigmoid(), nn.Tanh()]


@pytest.mark.parametrize("activation", FUSABLE, ids=repr)
def test_sequential_fuses_linear_and_activation_with_the_same_numbers(activation):
    mt.manual_seed(0)
    linear = nn.Linear(4, 3).double()
    model = nn.Sequential(linear, activation)
    x = values(5, 4)
    fused_input, plain_input = mt.tensor(x, requires_grad=True), mt.tensor(x, requires_grad=True)
    fused = model(fused_input)
    assert fused.grad_fn.name() == "LinearActivationBackward0"  # the fused kernel ran
    plain = activation(linear(plain_input))
    np.testing.assert_allclose(arr(fused), arr(plain), rtol=1e-13, atol=1e-15)
    weights = mt.tensor(values(5, 3))
    fused_grads = mt.autograd.grad((fused * weights).sum(), [fused_input, linear.weight, linear.bias])
    plain_grads = mt.autograd.grad((plain * weights).sum(), [plain_input, linear.weight, linear.bias])
    for fused_grad, plain_grad in zip(fused_grads, plain_grads):
        np.testing.assert_allclose(arr(fused_grad), arr(plain_grad), rtol=1e-12, atol=1e-14)
    assert gradcheck(model, (mt.tensor(x, requires_grad=True),))


def test_sequential_does_not_fuse_what_it_must_not():
    linear = nn.Linear(2, 2)
    assert nn.Sequential(linear, nn.ReLU(inplace=True))(mt.ones(1, 2)).grad_fn.name() != "LinearActivationBackward0"
    assert nn.Sequential(nn.Linear(2, 2, bias=False), nn.ReLU())(mt.ones(1, 2)).grad_fn.name() == "ReluBackward0"
    assert nn.Sequential(linear, nn.Softmax(dim=1))(mt.ones(1, 2)).grad_fn.name() == "SoftmaxBackward0"
    with pytest.raises(RuntimeError, match="mat1 and mat2 shapes cannot be multiplied"):
        nn.Sequential(linear, nn.ReLU())(mt.ones(1, 3))
    tied = nn.Linear(2, 2)  # weight tying: the parameter replaced by a plain tensor attribute
    del tied.weight
    tied.weight = linear.weight * 2
    out = nn.Sequential(tied, nn.ReLU())(mt.ones(1, 2))
    np.testing.assert_allclose(arr(out), np.maximum(np.ones((1, 2)) @ arr(linear.weight).T * 2 + arr(tied.bias), 0),
                               rtol=1e-6)
