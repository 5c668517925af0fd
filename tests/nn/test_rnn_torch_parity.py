"""nn.RNN / LSTM / GRU and the cells against PyTorch with the same weights (state_dicts loaded both ways): outputs,
final states and the gradients of the input, the initial states and every parameter; and PyTorch's errors."""
import itertools
import warnings

import numpy as np
import pytest

import minitorch as mt
from minitorch import nn

from ..conftest import import_torch

torch = import_torch()

MODULES = ("RNN", "LSTM", "GRU")
CONFIGS = list(itertools.product(MODULES, (1, 2), (False, True), (False, True), (False, True)))


def _ours_and_theirs(name, **kwargs):
    """A minitorch module and PyTorch's with the weights of ours (float64)."""
    mt.manual_seed(0)
    ours = getattr(nn, name)(**kwargs).double()
    theirs = getattr(torch.nn, name)(**kwargs).double()
    theirs.load_state_dict({key: torch.tensor(value.numpy()) for key, value in ours.state_dict().items()})
    return ours, theirs


def _pair(array):
    return (mt.tensor(array, requires_grad=True), torch.tensor(array, requires_grad=True))


def _states(name, array_h, array_c):
    h, c = _pair(array_h), _pair(array_c)
    if name == "LSTM":
        return (h[0], c[0]), (h[1], c[1]), [h, c]
    return h[0], h[1], [h]


def _flat(result):
    output, state = result
    return [output, *(state if isinstance(state, tuple) else (state,))]


@pytest.mark.parametrize("name,num_layers,bidirectional,batch_first,with_state", CONFIGS)
def test_outputs_and_gradients_match_pytorch(name, num_layers, bidirectional, batch_first, with_state):
    ours, theirs = _ours_and_theirs(name, input_size=3, hidden_size=4, num_layers=num_layers,
                                    bidirectional=bidirectional, batch_first=batch_first)
    rng = np.random.default_rng(1)
    x = _pair(rng.standard_normal((2, 5, 3) if batch_first else (5, 2, 3)))
    state_shape = (num_layers * (2 if bidirectional else 1), 2, 4)
    our_state, their_state, state_pairs = _states(name, rng.standard_normal(state_shape),
                                                  rng.standard_normal(state_shape))
    ours_out = _flat(ours(x[0], our_state) if with_state else ours(x[0]))
    theirs_out = _flat(theirs(x[1], their_state) if with_state else theirs(x[1]))
    weights = [rng.standard_normal(tuple(out.shape)) for out in theirs_out]
    for mine, reference in zip(ours_out, theirs_out):
        np.testing.assert_allclose(mine.detach().numpy(), reference.detach().numpy(), rtol=1e-10, atol=1e-12)
    sum((out * mt.tensor(w)).sum() for out, w in zip(ours_out, weights)).backward()
    sum((out * torch.tensor(w)).sum() for out, w in zip(theirs_out, weights)).backward()
    pairs = [x] + (state_pairs if with_state else [])
    pairs += [(p, dict(theirs.named_parameters())[n]) for n, p in ours.named_parameters()]
    for mine, reference in pairs:
        np.testing.assert_allclose(mine.grad.numpy(), reference.grad.numpy(), rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("name", MODULES)
def test_unbatched_input_matches_pytorch(name):
    ours, theirs = _ours_and_theirs(name, input_size=3, hidden_size=2, num_layers=2, bidirectional=True)
    array = np.random.default_rng(2).standard_normal((4, 3))
    for mine, reference in zip(_flat(ours(mt.tensor(array))), _flat(theirs(torch.tensor(array)))):
        assert tuple(mine.shape) == tuple(reference.shape)
        np.testing.assert_allclose(mine.detach().numpy(), reference.detach().numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", MODULES)
def test_pytorchs_state_dict_loads_into_ours(name):
    torch.manual_seed(0)
    theirs = getattr(torch.nn, name)(3, 4, num_layers=2, bidirectional=True)
    ours = getattr(nn, name)(3, 4, num_layers=2, bidirectional=True)
    ours.load_state_dict({key: mt.tensor(value.numpy()) for key, value in theirs.state_dict().items()})
    assert list(ours.state_dict()) == list(theirs.state_dict())
    array = np.random.default_rng(3).standard_normal((5, 2, 3)).astype(np.float32)
    for mine, reference in zip(_flat(ours(mt.tensor(array))), _flat(theirs(torch.tensor(array)))):
        np.testing.assert_allclose(mine.detach().numpy(), reference.detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name,nonlinearity", [("RNNCell", "tanh"), ("RNNCell", "relu"), ("LSTMCell", None),
                                               ("GRUCell", None)])
@pytest.mark.parametrize("batched", [True, False])
def test_cells_match_pytorch(name, nonlinearity, batched):
    kwargs = {} if nonlinearity is None else {"nonlinearity": nonlinearity}
    ours, theirs = _ours_and_theirs(name, input_size=3, hidden_size=4, **kwargs)
    rng = np.random.default_rng(4)
    x = _pair(rng.standard_normal((2, 3) if batched else (3,)))
    shape = (2, 4) if batched else (4,)
    h, c = _pair(rng.standard_normal(shape)), _pair(rng.standard_normal(shape))
    if name == "LSTMCell":
        ours_out, theirs_out = ours(x[0], (h[0], c[0])), theirs(x[1], (h[1], c[1]))
    else:
        ours_out, theirs_out = (ours(x[0], h[0]),), (theirs(x[1], h[1]),)
    for mine, reference in zip(ours_out, theirs_out):
        np.testing.assert_allclose(mine.detach().numpy(), reference.detach().numpy(), rtol=1e-10, atol=1e-12)
    weights = [rng.standard_normal(shape) for _ in ours_out]
    sum((out * mt.tensor(w)).sum() for out, w in zip(ours_out, weights)).backward()
    sum((out * torch.tensor(w)).sum() for out, w in zip(theirs_out, weights)).backward()
    pairs = [x, h] + ([c] if name == "LSTMCell" else [])
    pairs += [(p, dict(theirs.named_parameters())[n]) for n, p in ours.named_parameters()]
    for mine, reference in pairs:
        np.testing.assert_allclose(mine.grad.numpy(), reference.grad.numpy(), rtol=1e-9, atol=1e-11)


def _error(library, build):
    try:
        build(library)
    except Exception as error:  # noqa: BLE001 - the type and message are what is compared
        return type(error).__name__, str(error)
    return None


BAD_CALLS = {
    "wrong input size": lambda lib: lib.nn.LSTM(3, 4, 2)(lib.randn(5, 2, 7)),
    "wrong h0 shape": lambda lib: lib.nn.LSTM(3, 4, 2)(lib.randn(5, 2, 3), (lib.randn(2, 3, 4), lib.randn(2, 2, 4))),
    "wrong c0 shape": lambda lib: lib.nn.LSTM(3, 4, 2)(lib.randn(5, 2, 3), (lib.randn(2, 2, 4), lib.randn(1, 2, 4))),
    "4-D input": lambda lib: lib.nn.LSTM(3, 4)(lib.randn(5, 2, 3, 1)),
    "4-D input GRU": lambda lib: lib.nn.GRU(3, 4)(lib.randn(5, 2, 3, 1)),
    "4-D input RNN": lambda lib: lib.nn.RNN(3, 4)(lib.randn(5, 2, 3, 1)),
    "GRU input size": lambda lib: lib.nn.GRU(3, 4)(lib.randn(5, 2, 7)),
    "GRU h0 shape": lambda lib: lib.nn.GRU(3, 4)(lib.randn(5, 2, 3), lib.randn(2, 2, 4)),
    "RNN batch_first h0": lambda lib: lib.nn.RNN(3, 4, batch_first=True)(lib.randn(2, 5, 3), lib.randn(1, 5, 4)),
    "unbatched with 3-D states": lambda lib: lib.nn.LSTM(3, 4)(lib.randn(5, 3), (lib.randn(1, 1, 4),
                                                                                   lib.randn(1, 1, 4))),
    "batched with 2-D state": lambda lib: lib.nn.GRU(3, 4)(lib.randn(5, 2, 3), lib.randn(2, 4)),
    "unbatched with 3-D state": lambda lib: lib.nn.RNN(3, 4)(lib.randn(5, 3), lib.randn(1, 1, 4)),
    "dtype": lambda lib: lib.nn.GRU(3, 4)(lib.randn(5, 2, 3, dtype=lib.float64)),
    "empty sequence": lambda lib: lib.nn.LSTM(3, 4)(lib.randn(0, 2, 3)),
    "nonlinearity": lambda lib: lib.nn.RNN(3, 4, nonlinearity="sigmoid"),
    "dropout": lambda lib: lib.nn.RNN(3, 4, dropout=1.5),
    "hidden_size 0": lambda lib: lib.nn.LSTM(3, 0),
    "hidden_size float": lambda lib: lib.nn.GRU(3, 4.5),
    "num_layers 0": lambda lib: lib.nn.GRU(3, 4, num_layers=0),
    "cell input size": lambda lib: lib.nn.LSTMCell(3, 4)(lib.randn(2, 7)),
    "cell batch": lambda lib: lib.nn.LSTMCell(3, 4)(lib.randn(2, 3), (lib.randn(3, 4), lib.randn(3, 4))),
    "cell c batch": lambda lib: lib.nn.LSTMCell(3, 4)(lib.randn(2, 3), (lib.randn(2, 4), lib.randn(3, 4))),
    "cell 3-D": lambda lib: lib.nn.LSTMCell(3, 4)(lib.randn(2, 3, 1)),
    "cell 3-D state": lambda lib: lib.nn.GRUCell(3, 4)(lib.randn(2, 3), lib.randn(1, 2, 4)),
    "cell hidden size": lambda lib: lib.nn.GRUCell(3, 4)(lib.randn(2, 3), lib.randn(2, 5)),
    "cell nonlinearity": lambda lib: lib.nn.RNNCell(3, 4, nonlinearity="x")(lib.randn(2, 3)),
    "pad_sequence side": lambda lib: lib.nn.utils.rnn.pad_sequence([lib.ones(2, 3)], padding_side="middle"),
    "pad_sequence sizes": lambda lib: lib.nn.utils.rnn.pad_sequence([lib.ones(2, 3), lib.ones(4, 2)]),
    "pad_sequence empty": lambda lib: lib.nn.utils.rnn.pad_sequence([]),
}


@pytest.mark.parametrize("case", list(BAD_CALLS))
def test_errors_match_pytorch(case):
    theirs = _error(torch, BAD_CALLS[case])
    assert theirs is not None
    ours = _error(mt, BAD_CALLS[case])
    if case == "dtype":  # the dtypes print as minitorch.float64 here, torch.float64 there
        ours = (ours[0], ours[1].replace("minitorch.", "torch."))
    assert ours == theirs


def test_reprs_match_pytorch():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for build in (lambda lib: lib.nn.LSTM(3, 4, 2), lambda lib: lib.nn.RNN(3, 4, nonlinearity="relu", bias=False),
                      lambda lib: lib.nn.GRU(3, 4, 2, batch_first=True, dropout=0.1, bidirectional=True),
                      lambda lib: lib.nn.LSTMCell(3, 4), lambda lib: lib.nn.GRUCell(3, 4, bias=False),
                      lambda lib: lib.nn.RNNCell(3, 4, nonlinearity="relu")):
            assert repr(build(mt)) == repr(build(torch))


def test_pad_sequence_matches_pytorch():
    arrays = [np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(4, 3), np.arange(3.0).reshape(1, 3)]
    for batch_first, side in itertools.product((False, True), ("left", "right")):
        ours = nn.utils.rnn.pad_sequence([mt.tensor(a) for a in arrays], batch_first, -1.5, side)
        theirs = torch.nn.utils.rnn.pad_sequence([torch.tensor(a) for a in arrays], batch_first, -1.5, side)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
