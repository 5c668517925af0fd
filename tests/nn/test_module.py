"""nn.Module and the containers: registration, traversal, modes, devices and dtypes, state dicts, repr.

Expected names, keys and reprs are PyTorch's, written out here (tests/nn/test_nn_torch_parity.py also
compares them with torch itself where it is installed).
"""
from collections import OrderedDict

import numpy as np
import pytest

import minitorch as mt
from minitorch import nn


class Block(nn.Module):
    """A custom module: a ModuleList, a LayerNorm, a persistent and a non-persistent buffer."""

    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 2)])
        self.norm = nn.LayerNorm(2)
        self.register_buffer("scale", mt.ones(2))
        self.register_buffer("cache", mt.zeros(2), persistent=False)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return self.norm(x) * self.scale


def make_model():
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), Block())


# --------------------------------------------------------------------------- registration and traversal

def test_named_parameters_follow_pytorch_names_and_order():
    names = [name for name, _ in make_model().named_parameters()]
    assert names == ["0.weight", "0.bias", "1.weight", "1.bias", "2.layers.0.weight", "2.layers.0.bias",
                     "2.layers.2.weight", "2.layers.2.bias", "2.norm.weight", "2.norm.bias"]


def test_state_dict_keys_are_pytorchs():
    keys = list(make_model().state_dict().keys())
    assert keys == ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
                    "1.num_batches_tracked", "2.scale", "2.layers.0.weight", "2.layers.0.bias", "2.layers.2.weight",
                    "2.layers.2.bias", "2.norm.weight", "2.norm.bias"]


def test_state_dict_values_are_detached_and_share_storage():
    model = nn.Linear(2, 2)
    state = model.state_dict()
    assert isinstance(state, OrderedDict)
    assert not state["weight"].requires_grad and type(state["weight"]) is mt.Tensor
    with mt.no_grad():
        model.weight.fill_(3.0)
    assert state["weight"].numpy().tolist() == [[3.0, 3.0], [3.0, 3.0]]
    assert model.state_dict(keep_vars=True)["weight"] is model.weight


def test_children_modules_and_buffers():
    model = make_model()
    assert [type(child).__name__ for child in model.children()] == ["Linear", "BatchNorm1d", "Block"]
    assert [name for name, _ in model.named_modules()] == ["", "0", "1", "2", "2.layers", "2.layers.0",
                                                          "2.layers.1", "2.layers.2", "2.norm"]
    assert [name for name, _ in model.named_buffers()] == ["1.running_mean", "1.running_var",
                                                          "1.num_batches_tracked", "2.scale", "2.cache"]
    assert len(list(model.parameters())) == 10
    assert len(list(model.parameters(recurse=False))) == 0


def test_shared_parameter_is_listed_once():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert [name for name, _ in model.named_parameters()] == ["0.weight", "0.bias"]
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_attribute_assignment_registers_and_replaces():
    module = nn.Module()
    module.weight = nn.Parameter(mt.zeros(2))
    module.child = nn.Linear(1, 1)
    module.plain = mt.zeros(2)  # a plain tensor attribute is neither a parameter nor a buffer
    assert [name for name, _ in module.named_parameters()] == ["weight", "child.weight", "child.bias"]
    assert list(module.state_dict()) == ["weight", "child.weight", "child.bias"]
    module.weight = None
    assert "weight" not in dict(module.named_parameters())
    del module.child
    assert list(module.children()) == []
    with pytest.raises(AttributeError, match="'Module' object has no attribute 'child'"):
        module.child


def test_assignment_type_errors():
    layer = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="cannot assign 'minitorch.tensor.Tensor' as parameter 'weight'"):
        layer.weight = mt.zeros(2, 2)
    norm = nn.BatchNorm1d(2)
    with pytest.raises(TypeError, match="as buffer 'running_mean'"):
        norm.running_mean = 3
    with pytest.raises(KeyError, match=r"can.+t be empty string"):
        layer.register_buffer("a.b", mt.zeros(1))


def test_assignment_before_init_is_an_error():
    class Broken(nn.Module):
        def __init__(self):
            self.layer = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match=r"before Module.__init__\(\) call"):
        Broken()


def test_forward_is_required():
    with pytest.raises(NotImplementedError, match='missing the required "forward" function'):
        nn.Module()(mt.zeros(1))


def test_apply_visits_children_then_self():
    visited = []
    make_model().apply(lambda module: visited.append(type(module).__name__))
    assert visited == ["Linear", "BatchNorm1d", "Linear", "ReLU", "Linear", "ModuleList", "LayerNorm", "Block",
                       "Sequential"]


# --------------------------------------------------------------------------- modes and gradients

def test_train_and_eval_reach_every_module():
    model = make_model()
    assert model.eval() is model
    assert not any(module.training for module in model.modules())
    model.train()
    assert all(module.training for module in model.modules())
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        model.train("yes")


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none):
    model = nn.Linear(3, 2)
    model(mt.ones(1, 3)).sum().backward()
    grad_object = model.weight.grad
    model.zero_grad(set_to_none=set_to_none)
    if set_to_none:
        assert model.weight.grad is None and model.bias.grad is None
    else:
        assert model.weight.grad.numpy().tolist() == [[0.0] * 3] * 2
        assert np.shares_memory(model.weight.grad.numpy(), grad_object.numpy())


def test_requires_grad_():
    model = nn.Linear(2, 2).requires_grad_(False)
    assert not any(parameter.requires_grad for parameter in model.parameters())


# --------------------------------------------------------------------------- dtypes and devices

def test_double_casts_floating_state_and_keeps_parameter_objects():
    model = make_model()
    model(mt.randn(5, 3)).sum().backward()
    weight = model[0].weight
    assert model.double() is model
    assert model[0].weight is weight and isinstance(weight, nn.Parameter)
    assert weight.dtype is mt.float64 and weight.grad.dtype is mt.float64 and weight.requires_grad
    assert model[1].running_mean.dtype is mt.float64
    assert model[1].num_batches_tracked.dtype is mt.int64  # not floating: left alone
    assert model(mt.randn(5, 3, dtype=mt.float64)).dtype is mt.float64


@pytest.mark.parametrize("method, dtype", [("half", mt.float16), ("float", mt.float32), ("double", mt.float64)])
def test_float_double_half(method, dtype):
    model = getattr(nn.Linear(2, 2).double(), method)()
    assert model.weight.dtype is dtype and model.bias.dtype is dtype


def test_to_dtype_device_and_errors():
    model = nn.Linear(2, 2)
    assert model.to(mt.float64).weight.dtype is mt.float64
    assert model.to("cpu", mt.float32).weight.dtype is mt.float32
    assert model.to(mt.zeros(1, dtype=mt.float64)).weight.dtype is mt.float64
    assert model.cpu() is model and model.weight.device == "cpu"
    with pytest.raises(TypeError, match="only accepts floating point or complex dtypes"):
        model.to(mt.int64)


# --------------------------------------------------------------------------- load_state_dict

def test_load_state_dict_round_trip_between_models():
    mt.manual_seed(0)
    source, target = make_model(), make_model()
    source(mt.randn(6, 3))  # moves the running statistics
    result = target.load_state_dict(source.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    for (name, a), (_, b) in zip(source.state_dict().items(), target.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)
    x = mt.randn(4, 3)
    source.eval(), target.eval()
    np.testing.assert_array_equal(source(x).detach().numpy(), target(x).detach().numpy())


def test_load_state_dict_casts_dtype_and_keeps_parameters():
    model = nn.Linear(2, 2)
    weight = model.weight
    model.load_state_dict({"weight": mt.ones(2, 2, dtype=mt.float64), "bias": mt.zeros(2, dtype=mt.float64)})
    assert model.weight is weight and weight.dtype is mt.float32 and weight.requires_grad
    assert weight.detach().numpy().tolist() == [[1.0, 1.0], [1.0, 1.0]]


def test_load_state_dict_reports_missing_unexpected_and_size_mismatch():
    model = nn.Linear(2, 2)
    bad = {"weight": mt.zeros(3, 2), "foo": mt.zeros(1)}
    with pytest.raises(RuntimeError) as error:
        model.load_state_dict(bad)
    assert str(error.value) == (
        'Error(s) in loading state_dict for Linear:\n'
        '\tMissing key(s) in state_dict: "bias". \n'
        '\tUnexpected key(s) in state_dict: "foo". \n'
        '\tsize mismatch for weight: copying a param with shape minitorch.Size([3, 2]) from checkpoint, the shape in '
        'current model is minitorch.Size([2, 2]).')


def test_load_state_dict_non_strict_returns_the_keys():
    model = nn.Linear(2, 2)
    before = model.weight.detach().numpy().copy()
    result = model.load_state_dict({"bias": mt.ones(2), "extra": mt.ones(1)}, strict=False)
    assert result.missing_keys == ["weight"] and result.unexpected_keys == ["extra"]
    np.testing.assert_array_equal(model.weight.detach().numpy(), before)
    assert model.bias.detach().numpy().tolist() == [1.0, 1.0]
    with pytest.raises(RuntimeError, match="size mismatch for bias"):
        model.load_state_dict({"bias": mt.ones(3)}, strict=False)


def test_load_state_dict_rejects_non_tensor_values():
    with pytest.raises(RuntimeError, match='While copying the parameter named "bias", expected torch.Tensor'):
        nn.Linear(2, 2).load_state_dict({"weight": mt.zeros(2, 2), "bias": [0.0, 0.0]})


def test_non_persistent_buffer_is_not_saved_or_loaded():
    block = Block()
    assert "cache" not in block.state_dict()
    block.load_state_dict(Block().state_dict())


# --------------------------------------------------------------------------- repr

def test_repr_matches_pytorchs_layout():
    model = nn.Sequential(nn.Linear(3, 4, bias=False), nn.ReLU(), Block(), nn.Dropout(0.25))
    assert repr(model) == """Sequential(
  (0): Linear(in_features=3, out_features=4, bias=False)
  (1): ReLU()
  (2): Block(
    (layers): ModuleList(
      (0): Linear(in_features=4, out_features=4, bias=True)
      (1): ReLU()
      (2): Linear(in_features=4, out_features=2, bias=True)
    )
    (norm): LayerNorm((2,), eps=1e-05, elementwise_affine=True, bias=True)
  )
  (3): Dropout(p=0.25, inplace=False)
)"""


def test_module_list_repr_compresses_repeats():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.ReLU()])
    assert repr(layers) == """ModuleList(
  (0-2): 3 x Linear(in_features=2, out_features=2, bias=True)
  (3): ReLU()
)"""
    assert repr(nn.ModuleList()) == "ModuleList()"


# --------------------------------------------------------------------------- Parameter

def test_parameter_basics():
    data = mt.tensor([1.0, 2.0])
    parameter = nn.Parameter(data)
    assert isinstance(parameter, mt.Tensor) and parameter.requires_grad and parameter.is_leaf
    assert np.shares_memory(parameter.detach().numpy(), data.numpy())
    assert repr(parameter) == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"
    assert not nn.Parameter(data, requires_grad=False).requires_grad
    assert type(parameter * 2) is mt.Tensor
    with pytest.raises(RuntimeError, match="Only Tensors of floating point"):
        nn.Parameter(mt.tensor([1, 2]))
    assert nn.Parameter().shape == (0,)


# --------------------------------------------------------------------------- containers

def test_sequential_indexing_and_editing():
    layers = [nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1)]
    model = nn.Sequential(*layers)
    assert len(model) == 3 and model[0] is layers[0] and model[-1] is layers[2]
    assert list(model) == layers
    head = model[:2]
    assert isinstance(head, nn.Sequential) and list(head) == layers[:2]
    model.append(nn.Sigmoid())
    assert len(model) == 4 and list(model._modules) == ["0", "1", "2", "3"]
    del model[1]
    assert list(model._modules) == ["0", "1", "2"] and model[1] is layers[2]
    model.insert(1, nn.Tanh())
    assert [type(m).__name__ for m in model] == ["Linear", "Tanh", "Linear", "Sigmoid"]
    with pytest.raises(IndexError, match="index 9 is out of range"):
        model[9]
    named = nn.Sequential(OrderedDict([("hidden", nn.Linear(2, 3)), ("act", nn.ReLU())]))
    assert list(named.state_dict()) == ["hidden.weight", "hidden.bias"]


def test_sequential_forward_chains():
    mt.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2))
    x = mt.randn(4, 3)
    expected = model[2](model[1](model[0](x)))
    np.testing.assert_allclose(model(x).detach().numpy(), expected.detach().numpy(), rtol=1e-6)


def test_module_list_and_dict():
    layers = nn.ModuleList([nn.Linear(1, 1)])
    layers.append(nn.ReLU())
    layers += [nn.Tanh()]
    layers.insert(0, nn.Sigmoid())
    assert [type(m).__name__ for m in layers] == ["Sigmoid", "Linear", "ReLU", "Tanh"]
    assert list(layers.state_dict()) == ["1.weight", "1.bias"]
    del layers[0]
    assert list(layers.state_dict()) == ["0.weight", "0.bias"]
    assert isinstance(layers[1:], nn.ModuleList) and len(layers[1:]) == 2
    with pytest.raises(TypeError, match="should be called with an iterable"):
        layers.extend(nn.ReLU())
    heads = nn.ModuleDict({"a": nn.Linear(1, 2), "b": nn.Linear(2, 1)})
    assert list(heads.keys()) == ["a", "b"] and "a" in heads and len(heads) == 2
    assert list(heads.state_dict()) == ["a.weight", "a.bias", "b.weight", "b.bias"]
