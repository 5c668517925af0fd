"""Module forward hooks (and their handles), apply, named_modules, and nn.utils' parameters as one vector,
as PyTorch's: the same calls on both, the same results."""
import numpy as np
import pytest

import minitorch as mt
from minitorch import nn

from ..conftest import import_torch

torch = import_torch()


def linear(library, weight=((1.0, 2.0), (3.0, 4.0))):
    layer = library.nn.Linear(2, 2, bias=False)
    with library.no_grad():
        layer.weight.copy_(library.tensor(weight))
    return layer


@pytest.mark.parametrize("library", [mt, torch], ids=["minitorch", "torch"])
def test_forward_hook_sees_input_and_output_and_may_replace_the_output(library):
    layer, seen = linear(library), []
    handle = layer.register_forward_hook(lambda module, args, output: seen.append((module, args, output)) or output * 10)
    x = library.tensor([[1.0, 1.0]])
    assert layer(x).tolist() == [[30.0, 70.0]]
    module, args, output = seen[0]
    assert module is layer and args[0] is x and output.tolist() == [[3.0, 7.0]]
    handle.remove()
    assert layer(x).tolist() == [[3.0, 7.0]] and len(seen) == 1
    handle.remove()  # a second remove is harmless


@pytest.mark.parametrize("library", [mt, torch], ids=["minitorch", "torch"])
def test_pre_hook_may_replace_the_input_with_a_tuple_or_a_single_value(library):
    layer = linear(library)
    x = library.tensor([[1.0, 0.0]])
    with layer.register_forward_pre_hook(lambda module, args: args[0] * 2):
        assert layer(x).tolist() == [[2.0, 6.0]]
    first = layer.register_forward_pre_hook(lambda module, args: (args[0] + 1,))
    second = layer.register_forward_pre_hook(lambda module, args: (args[0] * 3,))
    assert layer(x).tolist() == [[12.0, 30.0]]  # in order of registration: (x + 1) * 3
    third = layer.register_forward_pre_hook(lambda module, args: (args[0] - 1,), prepend=True)
    assert layer(x).tolist() == [[3.0, 9.0]]  # the prepended one first: ((x - 1) + 1) * 3
    for handle in (first, second, third):
        handle.remove()
    assert layer(x).tolist() == [[1.0, 3.0]]


@pytest.mark.parametrize("library", [mt, torch], ids=["minitorch", "torch"])
def test_hooks_with_kwargs(library):
    class Scale(library.nn.Module):
        def forward(self, x, factor=1.0):
            return x * factor

    module, x = Scale(), library.tensor([1.0, 2.0])
    module.register_forward_pre_hook(lambda m, args, kwargs: (args, {"factor": kwargs.get("factor", 1.0) + 1}),
                                     with_kwargs=True)
    module.register_forward_hook(lambda m, args, kwargs, output: output + kwargs["factor"], with_kwargs=True)
    assert module(x, factor=2.0).tolist() == [6.0, 9.0]


def test_hooks_fire_inside_a_container_and_record_activations():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    shapes = {}
    handles = [module.register_forward_hook(lambda m, args, out, name=name: shapes.__setitem__(name, tuple(out.shape)))
               for name, module in model.named_children()]
    model(mt.ones(5, 3))
    assert shapes == {"0": (5, 4), "1": (5, 4), "2": (5, 2)}
    for handle in handles:
        handle.remove()
    shapes.clear()
    model(mt.ones(5, 3))
    assert shapes == {}


@pytest.mark.parametrize("library", [mt, torch], ids=["minitorch", "torch"])
def test_named_modules_prefix_memo_and_duplicates(library):
    model = library.nn.Sequential(library.nn.Linear(1, 1), library.nn.Tanh())
    model.add_module("again", model[0])
    assert [name for name, _ in model.named_modules()] == ["", "0", "1"]
    assert [name for name, _ in model.named_modules(prefix="net")] == ["net", "net.0", "net.1"]
    assert [name for name, _ in model.named_modules(remove_duplicate=False)] == ["", "0", "1", "again"]
    memo = {model[0]} if library is torch else {id(model[0])}
    assert [name for name, _ in model.named_modules(memo)] == ["", "1"]


def test_apply_visits_children_first_then_the_module():
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Linear(2, 2)))
    visited = []
    assert model.apply(lambda module: visited.append(type(module).__name__)) is model
    assert visited == ["Linear", "Linear", "Sequential", "Sequential"]
    model.apply(lambda module: nn.init.zeros_(module.weight) if isinstance(module, nn.Linear) else None)
    assert all(not parameter.detach().numpy().any() for name, parameter in model.named_parameters() if "weight" in name)


def test_parameters_to_vector_and_back_match_pytorch():
    ours, theirs = nn.Linear(3, 2), torch.nn.Linear(3, 2)
    ours.load_state_dict({key: mt.tensor(value.detach().numpy()) for key, value in theirs.state_dict().items()})
    vector = nn.utils.parameters_to_vector(ours.parameters())
    expected = torch.nn.utils.parameters_to_vector(theirs.parameters())
    np.testing.assert_array_equal(vector.detach().numpy(), expected.detach().numpy())
    assert vector.requires_grad  # differentiable, as PyTorch's
    new = np.arange(8, dtype=np.float32)
    nn.utils.vector_to_parameters(mt.tensor(new), ours.parameters())
    torch.nn.utils.vector_to_parameters(torch.tensor(new), theirs.parameters())
    for (name, mine), reference in zip(ours.named_parameters(), theirs.parameters()):
        assert isinstance(mine, nn.Parameter) and mine.is_leaf and mine.requires_grad, name
        np.testing.assert_array_equal(mine.detach().numpy(), reference.detach().numpy())


def test_vector_to_parameters_rejects_what_is_not_a_matching_vector():
    with pytest.raises(TypeError, match="expected torch.Tensor, but got: list"):
        nn.utils.vector_to_parameters([1.0], nn.Linear(1, 1).parameters())
    with pytest.raises(RuntimeError, match="2 values"):
        nn.utils.vector_to_parameters(mt.zeros(3), nn.Linear(1, 1).parameters())
