"""smooth_l1_loss, huber_loss, kl_div, cosine_similarity, normalize and pad (and their loss modules): values and
gradients against PyTorch in float64, gradcheck and gradgradcheck, and PyTorch's exceptions for bad input."""
import warnings

import numpy as np
import pytest

import minitorch as mt
from minitorch import nn as mnn
from minitorch.autograd.gradcheck import gradcheck, gradgradcheck
from minitorch.nn import functional as MF

from ..conftest import import_torch

torch = import_torch()
TF = torch.nn.functional

RNG = np.random.default_rng(5)
X = RNG.standard_normal((4, 5)) * 2  # differences on both sides of beta / delta = 1
Y = RNG.standard_normal((4, 5))
LOGP = np.log(RNG.dirichlet(np.ones(5), size=4))
P = RNG.dirichlet(np.ones(5), size=4)
P_WITH_ZERO = P.copy()
P_WITH_ZERO[0, 1] = 0.0  # kl_div's target may hold zeros (0 log 0 = 0); not differentiable there in the target

CASES = [
    ("smooth_l1", lambda F, a, b: F.smooth_l1_loss(a, b), X, Y),
    ("smooth_l1 beta=0.5 sum", lambda F, a, b: F.smooth_l1_loss(a, b, reduction="sum", beta=0.5), X, Y),
    ("smooth_l1 beta=0 none", lambda F, a, b: F.smooth_l1_loss(a, b, reduction="none", beta=0.0), X, Y),
    ("huber", lambda F, a, b: F.huber_loss(a, b), X, Y),
    ("huber delta=2 none", lambda F, a, b: F.huber_loss(a, b, reduction="none", delta=2.0), X, Y),
    ("kl_div batchmean", lambda F, a, b: F.kl_div(a, b, reduction="batchmean"), LOGP, P),
    ("kl_div sum", lambda F, a, b: F.kl_div(a, b, reduction="sum"), LOGP, P),
    ("kl_div none", lambda F, a, b: F.kl_div(a, b, reduction="none"), LOGP, P),
    ("kl_div log_target", lambda F, a, b: F.kl_div(a, b, reduction="batchmean", log_target=True), LOGP,
     LOGP[::-1].copy()),
    ("cosine_similarity", lambda F, a, b: F.cosine_similarity(a, b), X, Y),
    ("cosine_similarity dim=0", lambda F, a, b: F.cosine_similarity(a, b, dim=0), X, Y),
    ("cosine_similarity broadcast", lambda F, a, b: F.cosine_similarity(a, b[:1], dim=-1), X, Y),
    ("normalize", lambda F, a, b: F.normalize(a) * b, X, Y),
    ("normalize p=1 dim=0", lambda F, a, b: F.normalize(a, p=1.0, dim=0) * b, X, Y),
    ("normalize p=3", lambda F, a, b: F.normalize(a, p=3.0, dim=-1) * b, X, Y),
    ("normalize p=inf", lambda F, a, b: F.normalize(a, p=float("inf")) * b, X, Y),
    ("pad last dim", lambda F, a, b: F.pad(a, (1, 2)) * 1.5, X, Y),
    ("pad two dims, value", lambda F, a, b: F.pad(a, (0, 1, 2, 0), value=-3.0), X, Y),
    ("pad crops", lambda F, a, b: F.pad(a, (-1, 2, 1, -2), mode="constant", value=0.5), X, Y),
]


@pytest.mark.parametrize("name, function, a, b", CASES + [("kl_div zero target", CASES[5][1], LOGP, P_WITH_ZERO)],
                         ids=[case[0] for case in CASES] + ["kl_div zero target"])
def test_values_and_gradients_match_pytorch(name, function, a, b):
    ours_a, ours_b = (mt.tensor(v, dtype=mt.float64, requires_grad=True) for v in (a, b))
    theirs_a, theirs_b = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (a, b))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = function(MF, ours_a, ours_b), function(TF, theirs_a, theirs_b)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
    weights = RNG.standard_normal(tuple(ours.shape))
    (ours * mt.tensor(weights)).sum().backward()
    (theirs * torch.tensor(weights)).sum().backward()
    for mine, reference in ((ours_a, theirs_a), (ours_b, theirs_b)):
        if reference.grad is None:
            assert mine.grad is None or not mine.grad.numpy().any()
        else:  # where PyTorch's is nan (d/dt t log t at t = 0, which is -inf) ours is 0: compare the others
            finite = np.isfinite(reference.grad.numpy())
            np.testing.assert_allclose(mine.grad.numpy()[finite], reference.grad.numpy()[finite], rtol=1e-9,
                                       atol=1e-12)


@pytest.mark.parametrize("name, function, a, b", CASES, ids=[case[0] for case in CASES])
def test_gradcheck_and_gradgradcheck(name, function, a, b):
    inputs = [mt.tensor(v, dtype=mt.float64, requires_grad=True) for v in (a, b)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert gradcheck(lambda x, y: function(MF, x, y), inputs)
        assert gradgradcheck(lambda x, y: function(MF, x, y), inputs)


def test_loss_modules_match_the_functions():
    a, b = mt.tensor(X), mt.tensor(Y)
    pairs = [(mnn.SmoothL1Loss(beta=0.5), torch.nn.SmoothL1Loss(beta=0.5)),
             (mnn.HuberLoss(reduction="sum", delta=0.7), torch.nn.HuberLoss(reduction="sum", delta=0.7)),
             (mnn.KLDivLoss(reduction="batchmean"), torch.nn.KLDivLoss(reduction="batchmean"))]
    for ours, theirs in pairs:
        first, second = (mt.tensor(LOGP), mt.tensor(P)) if isinstance(ours, mnn.KLDivLoss) else (a, b)
        expected = theirs(torch.tensor(first.numpy()), torch.tensor(second.numpy())).item()
        assert ours(first, second).item() == pytest.approx(expected, rel=1e-6)
    assert repr(mnn.HuberLoss()) == repr(torch.nn.HuberLoss()) == "HuberLoss()"


def test_kl_div_mean_warns_as_pytorch():
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        value = MF.kl_div(mt.tensor(LOGP), mt.tensor(P))
    assert value.item() == pytest.approx(MF.kl_div(mt.tensor(LOGP), mt.tensor(P), reduction="sum").item() / P.size)


def test_pad_keeps_integer_dtype_and_truncates_the_value_as_pytorch():
    ours = MF.pad(mt.ones(2, 3, dtype=mt.int64), (1, 1), value=2.7)
    theirs = TF.pad(torch.ones(2, 3, dtype=torch.int64), (1, 1), value=2.7)
    assert ours.dtype == mt.int64 and ours.tolist() == theirs.tolist()


@pytest.mark.parametrize("call, error, match", [
    (lambda F, t: F.pad(t, (1, 2, 3)), RuntimeError, "divisible by 2"),
    (lambda F, t: F.pad(t, (1, 2, 3, 4, 5, 6)), RuntimeError, "padding length 6 and input of dimension 2"),
    (lambda F, t: F.pad(t, (1, 2), mode="foo"), NotImplementedError, "Unrecognised padding mode foo"),
    (lambda F, t: F.pad(t, (-2, -2)), RuntimeError, "negative"),
    (lambda F, t: F.smooth_l1_loss(t, t, beta=-1.0), RuntimeError, "negative values for beta"),
    (lambda F, t: F.huber_loss(t, t, delta=0.0), RuntimeError, "non-positive values for delta"),
    (lambda F, t: F.kl_div(t, t, reduction="foo"), ValueError, "foo is not a valid value for reduction"),
], ids=["odd pad", "too long pad", "unknown mode", "crop past size", "beta", "delta", "reduction"])
def test_bad_input_raises_pytorchs_exception(call, error, match):
    with pytest.raises(error, match=match):
        call(TF, torch.ones(2, 3))
    with pytest.raises(error, match=match):
        call(MF, mt.ones(2, 3))


def test_pad_modes_other_than_constant_say_they_are_not_implemented():
    with pytest.raises(NotImplementedError, match="mode='reflect'"):
        MF.pad(mt.ones(1, 2, 3), (1, 1), mode="reflect")
