"""The losses against formulas written here with NumPy, their gradients (gradcheck, and second derivatives
for the fused cross-entropy), their errors, and the loss modules."""
import numpy as np
import pytest

import minitorch as mt
from minitorch import nn
from minitorch.autograd import gradcheck, gradgradcheck
from minitorch.nn import functional as F

from ..conftest import import_torch

RNG = np.random.default_rng(7)


def arr(tensor):
    return tensor.detach().numpy()


def log_softmax(x, axis=1):
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def reduce(loss, reduction):
    return {"mean": loss.mean(), "sum": loss.sum(), "none": loss}[reduction]


def cross_entropy_reference(logits, target, weight=None, ignore_index=-100, reduction="mean", smoothing=0.0):
    """PyTorch's definition for class indices, with logits (N, C), target (N,)."""
    classes = logits.shape[1]
    log_p = log_softmax(logits)
    weight = np.ones(classes) if weight is None else weight
    kept = target != ignore_index
    safe = np.where(kept, target, 0)
    sample_weight = weight[safe] * kept
    nll = -log_p[np.arange(len(target)), safe] * sample_weight
    smooth = -(log_p * weight).sum(axis=1) * kept
    if reduction == "none":
        return (1 - smoothing) * nll + smoothing / classes * smooth
    if reduction == "sum":
        return (1 - smoothing) * nll.sum() + smoothing / classes * smooth.sum()
    return ((1 - smoothing) * nll.sum() + smoothing / classes * smooth.sum()) / sample_weight.sum()


CROSS_ENTROPY_CASES = [
    dict(),
    dict(reduction="sum"),
    dict(reduction="none"),
    dict(ignore_index=2),
    dict(weight=True),
    dict(weight=True, ignore_index=0, reduction="mean"),
    dict(weight=True, reduction="none"),
    dict(smoothing=0.1),
    dict(smoothing=0.1, ignore_index=3),
    dict(smoothing=0.2, weight=True, ignore_index=1),
    dict(smoothing=0.3, reduction="sum", ignore_index=1),
    dict(smoothing=0.1, reduction="none", weight=True),
]


@pytest.mark.parametrize("case", CROSS_ENTROPY_CASES, ids=str)
def test_cross_entropy_with_class_indices(case):
    logits = RNG.standard_normal((6, 4)) * 3
    target = np.array([0, 2, 1, 3, 2, 2])
    weight = np.array([0.5, 1.0, 2.0, 0.25]) if case.get("weight") else None
    reduction = case.get("reduction", "mean")
    ignore_index = case.get("ignore_index", -100)
    smoothing = case.get("smoothing", 0.0)
    expected = cross_entropy_reference(logits, target, weight, ignore_index, reduction, smoothing)

    def loss(x):
        return F.cross_entropy(x, mt.tensor(target), None if weight is None else mt.tensor(weight),
                               ignore_index=ignore_index, reduction=reduction, label_smoothing=smoothing)

    x = mt.tensor(logits, requires_grad=True)
    np.testing.assert_allclose(arr(loss(x)), expected, rtol=1e-10)
    assert gradcheck(loss, (x,))
    assert gradgradcheck(loss, (x,))


def test_cross_entropy_gradient_is_softmax_minus_one_hot_over_n():
    logits = RNG.standard_normal((5, 3))
    target = np.array([0, 1, 2, 1, 0])
    x = mt.tensor(logits, requires_grad=True)
    F.cross_entropy(x, mt.tensor(target)).backward()
    probabilities = np.exp(log_softmax(logits))
    expected = (probabilities - np.eye(3)[target]) / 5
    np.testing.assert_allclose(arr(x.grad), expected, rtol=1e-12)


@pytest.mark.parametrize("dtype", [mt.float32, mt.float64])
def test_cross_entropy_gradient_of_transposed_logits(dtype):
    """Column-major logits (x.T) take the same fused backward: the one-hot must land in the gradient."""
    logits = RNG.standard_normal((3, 4))  # used as its transpose, (4, 3)
    target = np.array([0, 1, 2, 1])
    x = mt.tensor(logits, dtype=dtype, requires_grad=True)
    F.cross_entropy(x.T, mt.tensor(target)).backward()
    probabilities = np.exp(log_softmax(logits.T))
    expected = ((probabilities - np.eye(3)[target]) / 4).T
    np.testing.assert_allclose(arr(x.grad), expected, rtol=1e-5 if dtype == mt.float32 else 1e-12, atol=1e-7)


def test_cross_entropy_fused_and_differentiable_backward_agree():
    logits = mt.tensor(RNG.standard_normal((7, 5)), requires_grad=True)
    target = mt.tensor([0, 4, -100, 2, 2, 1, 3])
    loss = F.cross_entropy(logits, target, reduction="sum")
    fused, = mt.autograd.grad(loss, logits, retain_graph=True)  # the backend kernel
    composed, = mt.autograd.grad(loss, logits, create_graph=True)  # tensor ops, differentiable
    np.testing.assert_allclose(arr(fused), arr(composed), rtol=1e-12, atol=1e-15)
    assert arr(fused)[2].tolist() == [0.0] * 5  # the ignored row
    assert composed.requires_grad and not fused.requires_grad


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_spatial_and_unbatched_inputs(reduction):
    logits = RNG.standard_normal((2, 3, 4))  # (N, C, d)
    target = np.array([[0, 1, 2, 1], [2, 2, 0, -100]])
    rows = logits.transpose(0, 2, 1).reshape(-1, 3)
    expected = cross_entropy_reference(rows, target.reshape(-1), reduction=reduction)
    if reduction == "none":
        expected = expected.reshape(2, 4)
    result = F.cross_entropy(mt.tensor(logits), mt.tensor(target), reduction=reduction)
    np.testing.assert_allclose(arr(result), expected, rtol=1e-10)
    single = F.cross_entropy(mt.tensor(logits[0, :, 0]), mt.tensor(0))
    np.testing.assert_allclose(single.item(), -log_softmax(logits[0, :, 0], axis=0)[0], rtol=1e-12)


@pytest.mark.parametrize("reduction, smoothing, use_weight", [("mean", 0.0, False), ("sum", 0.0, True),
                                                               ("none", 0.25, False), ("mean", 0.1, True)])
def test_cross_entropy_with_class_probabilities(reduction, smoothing, use_weight):
    logits = RNG.standard_normal((4, 3))
    probabilities = RNG.dirichlet(np.ones(3), size=4)
    weight = np.array([1.0, 0.5, 2.0]) if use_weight else np.ones(3)
    smoothed = probabilities * (1 - smoothing) + smoothing / 3
    per_row = -(log_softmax(logits) * smoothed * weight).sum(axis=1)
    expected = per_row.sum() / 4 if reduction == "mean" else reduce(per_row, reduction)
    x = mt.tensor(logits, requires_grad=True)

    def loss(x):
        return F.cross_entropy(x, mt.tensor(probabilities), mt.tensor(weight) if use_weight else None,
                               reduction=reduction, label_smoothing=smoothing)

    np.testing.assert_allclose(arr(loss(x)), expected, rtol=1e-10)
    assert gradcheck(loss, (x,))


def test_cross_entropy_in_float32_and_float16():
    logits = RNG.standard_normal((8, 10)).astype(np.float32) * 4
    target = RNG.integers(0, 10, 8)
    expected = cross_entropy_reference(logits.astype(np.float64), target)
    result = F.cross_entropy(mt.tensor(logits), mt.tensor(target))
    assert result.dtype is mt.float32
    np.testing.assert_allclose(result.item(), expected, rtol=1e-6)
    half = F.cross_entropy(mt.tensor(logits, dtype=mt.float16), mt.tensor(target))
    assert half.dtype is mt.float16
    np.testing.assert_allclose(half.item(), expected, rtol=2e-3)


@pytest.mark.parametrize("device", ["cpu", "cuda"])
@pytest.mark.parametrize("offset", [1e4, -1e4])
def test_cross_entropy_of_float32_logits_around_1e4_is_exact_as_pytorchs(offset, device, fake_cuda):
    """1e4 has a float32 step of 1e-3: a logsumexp formed before subtracting the logit loses the loss's digits."""
    torch = import_torch()
    logits = (offset + RNG.standard_normal((6, 5)) * 2).astype(np.float32)
    target = np.array([0, 1, 2, 3, 4, 0])
    shifted = logits.astype(np.float64) - logits.max(axis=1, keepdims=True)
    exact = np.log(np.exp(shifted).sum(axis=1)) - shifted[np.arange(6), target]
    theirs = torch.tensor(logits, requires_grad=True)
    torch.nn.functional.cross_entropy(theirs, torch.tensor(target), reduction="none").sum().backward()
    x = mt.tensor(logits, device=device, requires_grad=True)
    losses = F.cross_entropy(x, mt.tensor(target, device=device), reduction="none")
    np.testing.assert_allclose(losses.detach().cpu().numpy(), exact, rtol=1e-5)
    np.testing.assert_allclose(F.cross_entropy(x, mt.tensor(target, device=device)).item(), exact.mean(), rtol=1e-5)
    losses.sum().backward()
    np.testing.assert_allclose(x.grad.cpu().numpy(), theirs.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_cross_entropy_errors():
    logits = mt.zeros(3, 4)
    with pytest.raises(IndexError, match="Target 5 is out of bounds."):
        F.cross_entropy(logits, mt.tensor([0, 5, 1]))
    with pytest.raises(IndexError, match="Target -5 is out of bounds."):
        F.cross_entropy(logits, mt.tensor([0, -5, 1]))
    with pytest.raises(ValueError, match=r"Expected input batch_size \(3\) to match target batch_size \(2\)."):
        F.cross_entropy(logits, mt.tensor([0, 1]))
    with pytest.raises(RuntimeError, match=r"Expected target size \[3, 5\], got \[3\]"):
        F.cross_entropy(mt.zeros(3, 4, 5), mt.tensor([0, 1, 2]))
    with pytest.raises(RuntimeError, match="expected target dtype to be Long"):
        F.cross_entropy(logits, mt.tensor([0, 1, 2], dtype=mt.int32))
    with pytest.raises(RuntimeError, match="ignore_index is not supported for floating point target"):
        F.cross_entropy(logits, mt.rand(3, 4), ignore_index=1)
    with pytest.raises(RuntimeError, match="weight tensor should be defined either for all 4 classes or no classes "
                                           r"but got weight tensor of shape: \[3\]"):
        F.cross_entropy(logits, mt.tensor([0, 1, 2]), mt.ones(3))
    with pytest.raises(ValueError, match="foo is not a valid value for reduction"):
        F.cross_entropy(logits, mt.tensor([0, 1, 2]), reduction="foo")


def test_cross_entropy_all_ignored_mean_is_nan_as_pytorch():
    result = F.cross_entropy(mt.zeros(2, 3), mt.tensor([-100, -100]))
    assert np.isnan(result.item())


# --------------------------------------------------------------------------- nll_loss

@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss_formula(reduction):
    log_p = log_softmax(RNG.standard_normal((5, 3)))
    target = np.array([0, 2, 1, -100, 2])
    weight = np.array([2.0, 1.0, 0.5])
    kept = target != -100
    safe = np.where(kept, target, 0)
    losses = -log_p[np.arange(5), safe] * weight[safe] * kept
    expected = losses.sum() / (weight[safe] * kept).sum() if reduction == "mean" else reduce(losses, reduction)
    x = mt.tensor(log_p, requires_grad=True)

    def loss(x):
        return F.nll_loss(x, mt.tensor(target), mt.tensor(weight), reduction=reduction)

    np.testing.assert_allclose(arr(loss(x)), expected, rtol=1e-12)
    assert gradcheck(loss, (x,))


def test_log_softmax_then_nll_equals_cross_entropy():
    logits = mt.tensor(RNG.standard_normal((6, 4)))
    target = mt.tensor([0, 1, 2, 3, 0, 1])
    np.testing.assert_allclose(F.nll_loss(F.log_softmax(logits, 1), target).item(),
                               F.cross_entropy(logits, target).item(), rtol=1e-12)


# --------------------------------------------------------------------------- regression losses

@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_and_l1(reduction):
    a, b = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4))
    np.testing.assert_allclose(arr(F.mse_loss(mt.tensor(a), mt.tensor(b), reduction=reduction)),
                               reduce((a - b) ** 2, reduction), rtol=1e-12)
    np.testing.assert_allclose(arr(F.l1_loss(mt.tensor(a), mt.tensor(b), reduction=reduction)),
                               reduce(np.abs(a - b), reduction), rtol=1e-12)
    x = mt.tensor(a, requires_grad=True)
    assert gradcheck(lambda x: F.mse_loss(x, mt.tensor(b), reduction=reduction), (x,))
    assert gradcheck(lambda x: F.l1_loss(x, mt.tensor(b), reduction=reduction), (x,))


def test_mse_broadcasting_warns_as_pytorch():
    with pytest.warns(UserWarning, match="Using a target size .* that is different to the input size"):
        F.mse_loss(mt.zeros(3), mt.zeros(3, 1))


# --------------------------------------------------------------------------- binary losses

@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_cross_entropy_formula(reduction):
    probabilities = RNG.uniform(0.05, 0.95, (4, 3))
    target = RNG.uniform(0, 1, (4, 3))
    weight = RNG.uniform(0.5, 2, (3,))
    losses = -weight * (target * np.log(probabilities) + (1 - target) * np.log(1 - probabilities))
    x = mt.tensor(probabilities, requires_grad=True)

    def loss(x):
        return F.binary_cross_entropy(x, mt.tensor(target), mt.tensor(weight), reduction=reduction)

    np.testing.assert_allclose(arr(loss(x)), reduce(losses, reduction), rtol=1e-12)
    assert gradcheck(loss, (x,))
    assert gradgradcheck(loss, (x,))
    t = mt.tensor(target, requires_grad=True)
    assert gradcheck(lambda t: F.binary_cross_entropy(mt.tensor(probabilities), t, reduction=reduction), (t,))


@pytest.mark.parametrize("device", ["cpu", "cuda"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_binary_cross_entropy_at_probabilities_0_and_1_is_finite_as_pytorchs(dtype, device, fake_cuda):
    """The logs clamped at -100 and x (1 - x) floored at 1e-12 in the gradient: PyTorch's loss and gradients."""
    torch = import_torch()
    probabilities = [0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.25]
    target = [0.0, 1.0, 1.0, 0.0, 0.5, 0.5, 1.0]
    weight = [1.0, 2.0, 0.5, 1.5, 1.0, 3.0, 2.0]
    grad_loss = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]
    theirs = torch.tensor(probabilities, dtype=getattr(torch, dtype), requires_grad=True)
    their_target = torch.tensor(target, dtype=theirs.dtype, requires_grad=True)
    their_weight = torch.tensor(weight, dtype=theirs.dtype)
    their_loss = torch.nn.functional.binary_cross_entropy(theirs, their_target, their_weight, reduction="none")
    their_loss.backward(torch.tensor(grad_loss, dtype=theirs.dtype))
    x = mt.tensor(probabilities, dtype=getattr(mt, dtype), device=device, requires_grad=True)
    t = mt.tensor(target, dtype=x.dtype, device=device, requires_grad=True)
    loss = F.binary_cross_entropy(x, t, mt.tensor(weight, dtype=x.dtype, device=device), reduction="none")
    loss.backward(mt.tensor(grad_loss, dtype=x.dtype, device=device))
    assert np.isfinite(loss.detach().cpu().numpy()).all() and np.isfinite(x.grad.cpu().numpy()).all()
    np.testing.assert_allclose(loss.detach().cpu().numpy(), their_loss.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(x.grad.cpu().numpy(), theirs.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(t.grad.cpu().numpy(), their_target.grad.numpy(), rtol=1e-6)  # ±inf where x is 0 or 1
    mean = F.binary_cross_entropy(x, mt.tensor(target, dtype=x.dtype, device=device))
    np.testing.assert_allclose(mean.item(), torch.nn.functional.binary_cross_entropy(
        theirs, torch.tensor(target, dtype=theirs.dtype)).item(), rtol=1e-6)


def test_binary_cross_entropy_clamps_log_at_minus_100():
    result = F.binary_cross_entropy(mt.tensor([0.0, 1.0, 1.0]), mt.tensor([1.0, 0.0, 1.0]), reduction="none")
    assert arr(result).tolist() == [100.0, 100.0, 0.0]


def test_binary_cross_entropy_errors():
    with pytest.raises(ValueError, match="that is different to the input size"):
        F.binary_cross_entropy(mt.rand(3), mt.rand(3, 1))
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(mt.tensor([1.5]), mt.tensor([1.0]))


@pytest.mark.parametrize("use_pos_weight", [False, True])
def test_binary_cross_entropy_with_logits(use_pos_weight):
    logits = RNG.standard_normal((5, 3)) * 4
    target = RNG.uniform(0, 1, (5, 3))
    pos_weight = np.array([1.0, 3.0, 0.5]) if use_pos_weight else np.ones(3)
    p = 1 / (1 + np.exp(-logits))
    expected = -(pos_weight * target * np.log(p) + (1 - target) * np.log(1 - p)).mean()
    x = mt.tensor(logits, requires_grad=True)

    def loss(x):
        return F.binary_cross_entropy_with_logits(x, mt.tensor(target),
                                                  pos_weight=mt.tensor(pos_weight) if use_pos_weight else None)

    np.testing.assert_allclose(loss(x).item(), expected, rtol=1e-10)
    assert gradcheck(loss, (x,))


def test_binary_cross_entropy_with_logits_is_stable_and_exact_at_zero():
    x = mt.tensor([-1000.0, 1000.0, 0.0], requires_grad=True)
    result = F.binary_cross_entropy_with_logits(x, mt.tensor([1.0, 0.0, 1.0]), reduction="none")
    np.testing.assert_allclose(arr(result), [1000.0, 1000.0, np.log(2)], rtol=1e-6)
    result.sum().backward()
    np.testing.assert_allclose(arr(x.grad), [-1.0, 1.0, -0.5])  # sigmoid(x) - t
    with pytest.raises(ValueError, match="Target size .* must be the same as input size"):
        F.binary_cross_entropy_with_logits(mt.zeros(3), mt.zeros(3, 1))


# --------------------------------------------------------------------------- one_hot

def test_one_hot():
    result = F.one_hot(mt.tensor([[0, 2], [1, 0]]))
    assert result.dtype is mt.int64 and result.shape == (2, 2, 3)
    np.testing.assert_array_equal(result.numpy(), np.eye(3, dtype=np.int64)[[[0, 2], [1, 0]]])
    assert F.one_hot(mt.tensor([1]), num_classes=4).numpy().tolist() == [[0, 1, 0, 0]]
    with pytest.raises(RuntimeError, match="one_hot is only applicable to index tensor of type LongTensor."):
        F.one_hot(mt.tensor([0.0, 1.0]))
    with pytest.raises(RuntimeError, match="Class values must be smaller than num_classes."):
        F.one_hot(mt.tensor([0, 3]), 3)
    with pytest.raises(RuntimeError, match="Class values must be non-negative."):
        F.one_hot(mt.tensor([0, -1]), 3)


# --------------------------------------------------------------------------- loss modules

def test_loss_modules_call_their_functions_with_their_options():
    logits = mt.tensor(RNG.standard_normal((4, 3)))
    target = mt.tensor([0, 1, 2, 1])
    weight = mt.tensor([1.0, 2.0, 3.0], dtype=mt.float64)
    module = nn.CrossEntropyLoss(weight=weight, ignore_index=1, reduction="sum", label_smoothing=0.1)
    assert module(logits, target).item() == F.cross_entropy(logits, target, weight, ignore_index=1,
                                                            reduction="sum", label_smoothing=0.1).item()
    assert list(module.state_dict()) == ["weight"] and list(nn.CrossEntropyLoss().state_dict()) == []
    probabilities = mt.tensor(RNG.uniform(0.1, 0.9, (4,)))
    labels = mt.tensor([0.0, 1.0, 1.0, 0.0], dtype=mt.float64)
    assert nn.BCELoss()(probabilities, labels).item() == F.binary_cross_entropy(probabilities, labels).item()
    assert nn.BCEWithLogitsLoss(pos_weight=mt.tensor([2.0], dtype=mt.float64))(logits[:, 0], labels).item() == \
        F.binary_cross_entropy_with_logits(logits[:, 0], labels, pos_weight=mt.tensor([2.0], dtype=mt.float64)).item()
    assert nn.NLLLoss(reduction="none")(logits, target).shape == (4,)
    assert nn.MSELoss(reduction="sum")(logits, logits * 0).item() == (logits ** 2).sum().item()
    assert nn.L1Loss()(logits, logits * 0).item() == logits.abs().mean().item()
    with pytest.raises(ValueError, match="bad is not a valid value for reduction"):
        nn.MSELoss(reduction="bad")


@pytest.mark.parametrize("target_dtype", [mt.float64, mt.int64, mt.float16])
def test_binary_cross_entropy_refuses_a_target_of_another_dtype_as_pytorch(target_dtype):
    """PyTorch raises rather than promote: a float64 or integer target with float32 probabilities is an error."""
    with pytest.raises(RuntimeError, match="Found dtype (Double|Long|Half) but expected Float") as raised:
        F.binary_cross_entropy(mt.full((3,), 0.5), mt.ones(3, dtype=target_dtype))
    assert str(target_dtype) in str(raised.value)
