"""The module-level API scripts reach for: set/get_default_device, accelerator, set_printoptions,
is_floating_point, Size, backends.mps / backends.cudnn, and the grad_fn names they print, as PyTorch's."""
import math

import numpy as np
import pytest

import minitorch as mt
from minitorch import backends, nn
from minitorch.nn import functional as F

from .conftest import import_torch

torch = import_torch()


@pytest.fixture
def restore_print_options():
    yield
    mt.set_printoptions(profile="default")
    torch.set_printoptions(profile="default")


@pytest.fixture
def restore_default_device():
    yield
    mt.set_default_device(None)


# ---- default device ----
def test_default_device_is_the_cpu_and_set_default_device_records_it(restore_default_device):
    assert mt.get_default_device() == mt.device("cpu") and repr(mt.get_default_device()) == "device(type='cpu')"
    mt.set_default_device("cuda")
    assert repr(mt.get_default_device()) == repr(torch.device("cuda", 0))
    mt.set_default_device(1)
    assert mt.get_default_device() == mt.device("cuda:1")
    mt.set_default_device("cpu")
    assert mt.get_default_device() == mt.device("cpu") and backends._default_device is None  # the fast path
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda"):
        mt.set_default_device("tpu")


def test_creation_functions_and_layers_create_on_the_default_device(restore_default_device, fake_cuda):
    mt.set_default_device("cuda")
    made = [mt.zeros(2), mt.ones(2), mt.empty(2), mt.full((2,), 1.0), mt.tensor([1.0]), mt.randn(2), mt.rand(2),
            mt.randint(3, (2,)), mt.arange(3), mt.linspace(0, 1, 3), mt.eye(2), nn.Linear(2, 3).weight,
            nn.LayerNorm(3).bias, nn.Embedding(4, 2).weight]
    assert all(tensor.device == mt.device("cuda:0") for tensor in made)
    assert mt.zeros(2, device="cpu").device == mt.device("cpu")  # an explicit device wins
    assert mt.from_numpy(np.zeros(2)).device == mt.device("cpu")  # shares NumPy's memory: always the CPU
    mt.set_default_device(None)
    assert mt.zeros(2).device == mt.device("cpu") and nn.Linear(2, 3).weight.device == mt.device("cpu")


def test_a_default_gpu_that_is_absent_fails_only_when_a_tensor_is_made(restore_default_device):
    if mt.cuda.is_available():
        pytest.skip("a GPU is usable here")
    mt.set_default_device("cuda")
    with pytest.raises(RuntimeError):
        mt.zeros(1)


# ---- accelerator, backends ----
def test_accelerator_answers_as_the_cuda_module():
    available = mt.cuda.is_available()
    assert mt.accelerator.is_available() is available
    assert mt.accelerator.device_count() == mt.cuda.device_count()
    assert mt.accelerator.current_accelerator() == (mt.device("cuda") if available else None)
    assert mt.accelerator.current_device_index() == (0 if available else -1)


def test_accelerator_reports_a_stand_in_gpu(monkeypatch):
    monkeypatch.setattr(mt.cuda, "is_available", lambda: True)
    monkeypatch.setattr(mt.cuda, "device_count", lambda: 2)
    assert mt.accelerator.is_available() and mt.accelerator.device_count() == 2
    assert mt.accelerator.current_accelerator().type == "cuda"


def test_device_choice_idioms_run():
    device = "cuda" if mt.cuda.is_available() else "mps" if mt.backends.mps.is_available() else "cpu"
    assert device == ("cuda" if mt.cuda.is_available() else "cpu")
    assert mt.backends.mps.is_available() is False and mt.backends.mps.is_built() is False
    chosen = mt.accelerator.current_accelerator().type if mt.accelerator.is_available() else "cpu"
    assert mt.zeros(1, device=chosen).device.type == chosen


def test_cudnn_flags_exist_and_can_be_set(monkeypatch):
    cudnn = mt.backends.cudnn
    assert (cudnn.enabled, cudnn.benchmark, cudnn.deterministic) == (True, False, False)
    for flag in ("benchmark", "deterministic", "enabled"):
        monkeypatch.setattr(cudnn, flag, not getattr(cudnn, flag))
    assert (cudnn.enabled, cudnn.benchmark, cudnn.deterministic) == (False, True, True)
    assert cudnn.is_available() is False and cudnn.version() is None


# ---- printing ----
PRINT_CASES = [
    (dict(precision=2), lambda lib: lib.tensor([1.23456, 2.5])),
    (dict(precision=6), lambda lib: lib.tensor([[1.5, -2.25], [3.0, 4.125]])),
    (dict(sci_mode=True), lambda lib: lib.tensor([1.23456, 2.5])),
    (dict(sci_mode=True), lambda lib: lib.tensor([1.0, 2.0])),
    (dict(sci_mode=False), lambda lib: lib.tensor([1e-6, 2.5e5])),
    (dict(threshold=5, edgeitems=1), lambda lib: lib.arange(10.0)),
    (dict(threshold=5, edgeitems=2), lambda lib: lib.ones(6, 7)),
    (dict(linewidth=20), lambda lib: lib.arange(10.0)),
    (dict(profile="short"), lambda lib: lib.arange(2000.0)),
    (dict(profile="short"), lambda lib: lib.tensor([0.123456, 3.0])),
    (dict(profile="full"), lambda lib: lib.arange(1200).reshape(2, 600)),
    (dict(), lambda lib: lib.arange(2000.0)),
    (dict(), lambda lib: lib.arange(3000).reshape(1000, 3)),
]


@pytest.mark.parametrize("options, make", PRINT_CASES, ids=[str(options) for options, _ in PRINT_CASES])
def test_set_printoptions_prints_as_pytorch(options, make, restore_print_options):
    mt.set_printoptions(**options)
    torch.set_printoptions(**options)
    assert repr(make(mt)) == repr(make(torch))


def test_a_profile_resets_earlier_options_and_sci_mode_is_always_set(restore_print_options):
    for library in (mt, torch):
        library.set_printoptions(precision=1, sci_mode=True)
        library.set_printoptions(precision=3)  # sci_mode back to automatic, as PyTorch
    assert repr(mt.tensor([1.5])) == repr(torch.tensor([1.5])) == "tensor([1.500])"
    mt.set_printoptions(profile="default")
    torch.set_printoptions(profile="default")
    assert repr(mt.tensor([math.pi])) == repr(torch.tensor([math.pi])) == "tensor([3.1416])"


# ---- types ----
def test_is_floating_point():
    assert mt.is_floating_point(mt.zeros(1)) and mt.is_floating_point(mt.zeros(1, dtype=mt.float16))
    assert not mt.is_floating_point(mt.tensor([1])) and not mt.is_floating_point(mt.tensor([True]))
    with pytest.raises(TypeError, match="must be Tensor, not int"):
        mt.is_floating_point(3)


def test_size_is_the_type_of_shape_and_behaves_as_torch_size():
    shape = mt.zeros(2, 3).shape
    assert type(shape) is mt.Size and isinstance(shape, tuple)
    assert shape == (2, 3) == mt.Size([2, 3]) and repr(shape) == "minitorch.Size([2, 3])"  # as dtypes: minitorch.
    assert shape.numel() == 6 and mt.Size([]).numel() == 1
    for same in (lambda s: s[1:], lambda s: s + (4,), lambda s: (4,) + s, lambda s: s * 2):
        assert type(same(shape)) is mt.Size and type(same(torch.Size([2, 3]))) is torch.Size
        assert same(shape) == same(torch.Size([2, 3]))
    assert type(shape[0]) is int
    assert mt.zeros(shape).shape == shape and mt.ones(4).reshape(mt.Size([2, 2])).shape == (2, 2)


# ---- node names ----
INDEXING = [lambda x: x[0], lambda x: x[:, 1], lambda x: x[0, 1:], lambda x: x[1:], lambda x: x[::2],
            lambda x: x[None], lambda x: x[:, :], lambda x: x[..., 1], lambda x: x[[0, 1]],
            lambda x: x[x > 0]]


@pytest.mark.parametrize("index", INDEXING, ids=range(len(INDEXING)))
def test_indexing_nodes_are_named_as_pytorchs(index):
    values = np.arange(12.0).reshape(3, 4) - 5
    ours = index(mt.tensor(values, requires_grad=True))
    theirs = index(torch.tensor(values, requires_grad=True))
    assert ours.grad_fn.name() == theirs.grad_fn.name()


TENSOR_MATH = [lambda x: x.frac(), lambda x: x.square(), lambda x: x.logsumexp(1), lambda x: x.exp(),
               lambda x: x.sum(), lambda x: x.sign()]


@pytest.mark.parametrize("op", TENSOR_MATH, ids=range(len(TENSOR_MATH)))
def test_tensor_math_nodes_are_named_as_pytorchs(op):
    values = np.arange(12.0).reshape(3, 4) / 3 - 2
    ours, theirs = op(mt.tensor(values, requires_grad=True)), op(torch.tensor(values, requires_grad=True))
    assert ours.grad_fn.name() == theirs.grad_fn.name()


def test_cross_entropy_ends_in_nll_loss_backward():
    logits, target = np.array([[1.0, 2.0, 0.5], [0.1, 0.2, 3.0]], dtype=np.float32), np.array([1, 2])
    ours = F.cross_entropy(mt.tensor(logits, requires_grad=True), mt.tensor(target))
    theirs = torch.nn.functional.cross_entropy(torch.tensor(logits, requires_grad=True), torch.tensor(target))
    assert ours.grad_fn.name() == theirs.grad_fn.name() == "NllLossBackward0"
    assert repr(ours) == repr(theirs)
