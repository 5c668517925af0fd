"""nn.RNN / LSTM / GRU and the cells: forward against a NumPy loop written here, gradcheck (and gradgradcheck) in
float64 for every module and cell, truncated backpropagation through time, dropout between layers, the
stand-in CUDA device and (marked gpu) a real one."""
import itertools

import numpy as np
import pytest

import minitorch as mt
from minitorch import nn
from minitorch.autograd import gradcheck, gradgradcheck

from ..conftest import requires_gpu


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def numpy_step(mode, x, h, c, w_ih, w_hh, b_ih, b_hh):
    """One step of each cell as PyTorch's documentation writes it, gate by gate."""
    hidden = h.shape[-1]
    xi, hh = x @ w_ih.T + b_ih, h @ w_hh.T + b_hh
    if mode == "LSTM":
        block = lambda a, k: a[:, k * hidden:(k + 1) * hidden]  # noqa: E731
        i, f = sigmoid(block(xi, 0) + block(hh, 0)), sigmoid(block(xi, 1) + block(hh, 1))
        g, o = np.tanh(block(xi, 2) + block(hh, 2)), sigmoid(block(xi, 3) + block(hh, 3))
        c = f * c + i * g
        return o * np.tanh(c), c
    if mode == "GRU":
        block = lambda a, k: a[:, k * hidden:(k + 1) * hidden]  # noqa: E731
        r, z = sigmoid(block(xi, 0) + block(hh, 0)), sigmoid(block(xi, 1) + block(hh, 1))
        n = np.tanh(block(xi, 2) + r * block(hh, 2))
        return (1 - z) * n + z * h, None
    pre = xi + hh
    return (np.tanh(pre) if mode == "RNN_TANH" else np.maximum(pre, 0)), None


def numpy_rnn(module, x, h0, c0):
    """The module's forward as loops over layers, directions and steps (time-major, batched inputs)."""
    params = {name: value.detach().numpy() for name, value in module.named_parameters()}
    directions = 2 if module.bidirectional else 1
    layer_input, h_n, c_n = x, [], []
    for layer in range(module.num_layers):
        outputs = []
        for direction in range(directions):
            suffix = f"l{layer}" + ("_reverse" if direction else "")
            weights = [params[f"weight_ih_{suffix}"], params[f"weight_hh_{suffix}"]]
            weights += [params.get(f"bias_ih_{suffix}", 0.0), params.get(f"bias_hh_{suffix}", 0.0)]
            index = layer * directions + direction
            h, c = h0[index], None if c0 is None else c0[index]
            steps = range(len(x))[::-1] if direction else range(len(x))
            output = np.zeros((len(x), x.shape[1], module.hidden_size))
            for t in steps:
                h, c = numpy_step(module.mode, layer_input[t], h, c, *weights)
                output[t] = h
            outputs.append(output)
            h_n.append(h)
            c_n.append(c)
        layer_input = np.concatenate(outputs, axis=2)
    return layer_input, np.stack(h_n), None if c0 is None else np.stack(c_n)


MODULES = {"RNN": nn.RNN, "RNN_relu": lambda *a, **k: nn.RNN(*a, nonlinearity="relu", **k), "LSTM": nn.LSTM,
           "GRU": nn.GRU}


def make(name, **kwargs):
    mt.manual_seed(0)
    return MODULES[name](**kwargs).double()


@pytest.mark.parametrize("name,num_layers,bidirectional,bias", list(itertools.product(MODULES, (1, 3), (False, True),
                                                                                (True, False))))
def test_forward_matches_a_numpy_loop(name, num_layers, bidirectional, bias):
    module = make(name, input_size=3, hidden_size=5, num_layers=num_layers, bidirectional=bidirectional, bias=bias)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 2, 3))
    states = num_layers * (2 if bidirectional else 1)
    h0, c0 = rng.standard_normal((states, 2, 5)), rng.standard_normal((states, 2, 5))
    lstm = name == "LSTM"
    output, state = module(mt.tensor(x), (mt.tensor(h0), mt.tensor(c0)) if lstm else mt.tensor(h0))
    expected = numpy_rnn(module, x, h0, c0 if lstm else None)
    np.testing.assert_allclose(output.detach().numpy(), expected[0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose((state[0] if lstm else state).detach().numpy(), expected[1], rtol=1e-12, atol=1e-12)
    if lstm:
        np.testing.assert_allclose(state[1].detach().numpy(), expected[2], rtol=1e-12, atol=1e-12)


def _outputs(result):
    """output, h_n (and c_n) of a module, or the outputs of a cell, as one tuple."""
    if isinstance(result, mt.Tensor):
        return (result,)
    output, state = result
    if isinstance(output, mt.Tensor) and isinstance(state, tuple):
        return (output, *state)
    return (output, state)


GRADCHECK_CASES = [  # (module, num_layers, bidirectional, batch_first, batched, with states)
    (name, layers, bidirectional, batch_first, batched, with_state)
    for name in MODULES for layers, bidirectional in ((1, False), (2, True))
    for batch_first, batched, with_state in ((False, True, True), (True, True, False), (False, False, True))]


@pytest.mark.parametrize("name,num_layers,bidirectional,batch_first,batched,with_state", GRADCHECK_CASES)
def test_gradcheck_modules(name, num_layers, bidirectional, batch_first, batched, with_state):
    """The gradients of the output and of h_n (and c_n) for the input, the initial states and every parameter."""
    module = make(name, input_size=2, hidden_size=2, num_layers=num_layers, bidirectional=bidirectional,
                  batch_first=batch_first)
    rng = np.random.default_rng(1)
    shape = ((2, 3, 2) if batch_first else (3, 2, 2)) if batched else (3, 2)
    x = mt.tensor(rng.standard_normal(shape), requires_grad=True)
    state_shape = (num_layers * (2 if bidirectional else 1),) + ((2, 2) if batched else (2,))
    states = [mt.tensor(rng.standard_normal(state_shape), requires_grad=True)
              for _ in range(2 if name == "LSTM" else 1)] if with_state else []
    params = list(module.parameters())

    def run(x, *rest):
        if not states:
            return _outputs(module(x))
        return _outputs(module(x, tuple(rest[:2]) if name == "LSTM" else rest[0]))

    assert gradcheck(run, (x, *states, *params))


@pytest.mark.parametrize("name", ["RNN", "RNN_relu", "LSTM", "GRU"])
def test_gradgradcheck_modules(name):
    """Double backward through the whole-sequence op (recomputed as tensor ops) is right."""
    module = make(name, input_size=2, hidden_size=2, bidirectional=True)
    rng = np.random.default_rng(2)
    x = mt.tensor(rng.standard_normal((2, 1, 2)), requires_grad=True)
    h0 = mt.tensor(rng.standard_normal((2, 1, 2)), requires_grad=True)
    state = (h0, mt.tensor(rng.standard_normal((2, 1, 2)), requires_grad=True)) if name == "LSTM" else (h0,)
    weight = module.weight_hh_l0_reverse

    def run(x, weight_hh, *state):
        return _outputs(module(x, tuple(state) if name == "LSTM" else state[0]))

    assert gradgradcheck(run, (x, weight, *state))


def _first_derivatives(run, inputs, create_graph):
    outputs = run(*inputs)
    vectors = [mt.tensor(np.random.default_rng(7).standard_normal(tuple(out.shape))) for out in outputs]
    return [g.detach().numpy() for g in mt.autograd.grad(outputs, inputs, vectors, create_graph=create_graph)]


@pytest.mark.parametrize("name", ["RNN", "RNN_relu", "LSTM", "GRU", "LSTMCell", "GRUCell"])
def test_create_graph_gives_the_same_first_derivatives(name):
    """gradgradcheck checks the second derivatives against the first ones computed with create_graph (the
    tensor-op path); this checks that path against the fast one, which gradcheck checks."""
    mt.manual_seed(0)
    if name.endswith("Cell"):
        module = getattr(nn, name)(3, 4).double()
        x = mt.randn(2, 3, dtype=mt.float64, requires_grad=True)
    else:
        module = MODULES[name](input_size=3, hidden_size=4, num_layers=2, bidirectional=True).double()
        x = mt.randn(4, 2, 3, dtype=mt.float64, requires_grad=True)
    inputs = [x, *module.parameters()]
    run = lambda x, *params: _outputs(module(x))  # noqa: E731
    for fast, recorded in zip(_first_derivatives(run, inputs, False), _first_derivatives(run, inputs, True)):
        np.testing.assert_allclose(recorded, fast, rtol=1e-12, atol=1e-14)


CELLS = {"RNNCell": nn.RNNCell, "RNNCell_relu": lambda *a, **k: nn.RNNCell(*a, nonlinearity="relu", **k),
         "LSTMCell": nn.LSTMCell, "GRUCell": nn.GRUCell}


@pytest.mark.parametrize("name,batched,with_state", list(itertools.product(CELLS, (True, False), (True, False))))
def test_gradcheck_cells(name, batched, with_state):
    mt.manual_seed(0)
    cell = CELLS[name](3, 2).double()
    rng = np.random.default_rng(3)
    x = mt.tensor(rng.standard_normal((2, 3) if batched else (3,)), requires_grad=True)
    states = [mt.tensor(rng.standard_normal((2, 2) if batched else (2,)), requires_grad=True)
              for _ in range(2 if name == "LSTMCell" else 1)] if with_state else []

    def run(x, *rest):
        state = (tuple(rest[:2]) if name == "LSTMCell" else rest[0]) if states else None
        return _outputs(cell(x, state))

    assert gradcheck(run, (x, *states, *cell.parameters()))
    assert gradgradcheck(run, (x, *states))


@pytest.mark.parametrize("name", ["LSTMCell", "GRUCell", "RNNCell"])
def test_cells_are_one_step_of_their_layers(name):
    layer_name = name.replace("Cell", "")
    mt.manual_seed(0)
    layer = getattr(nn, layer_name)(3, 4).double()
    cell = getattr(nn, name)(3, 4).double()
    cell.load_state_dict({key[:-3]: value for key, value in layer.state_dict().items()})
    x = mt.randn(5, 2, 3, dtype=mt.float64)
    output, _ = layer(x)
    state = None
    for t in range(5):
        state = cell(x[t], state)
        h = state[0] if name == "LSTMCell" else state
        np.testing.assert_allclose(h.detach().numpy(), output[t].detach().numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", ["LSTM", "GRU", "RNN"])
def test_truncated_backpropagation_through_time_with_detach(name):
    """Two chunks with the carried state detached: the second chunk's gradient is that of a fresh run from the
    carried state's values, the first chunk's input gets none, and full BPTT's differs."""
    module = make(name, input_size=2, hidden_size=3, num_layers=2)
    rng = np.random.default_rng(4)
    x = mt.tensor(rng.standard_normal((8, 2, 2)), requires_grad=True)
    first, second = x[:4], x[4:]
    _, state = module(first)
    state = tuple(s.detach() for s in state) if name == "LSTM" else state.detach()
    output, _ = module(second, state)
    output.sum().backward()
    truncated = [p.grad.numpy().copy() for p in module.parameters()]
    assert x.grad[:4].abs().sum().item() == 0 and x.grad[4:].abs().sum().item() > 0
    module.zero_grad()
    fresh = mt.tensor(second.detach().numpy())
    carried = tuple(mt.tensor(s.numpy()) for s in state) if name == "LSTM" else mt.tensor(state.numpy())
    module(fresh, carried)[0].sum().backward()
    for grad, p in zip(truncated, module.parameters()):
        np.testing.assert_allclose(grad, p.grad.numpy(), rtol=1e-12, atol=1e-14)
    module.zero_grad()
    module(x)[0][4:].sum().backward()
    assert not all(np.allclose(grad, p.grad.numpy()) for grad, p in zip(truncated, module.parameters()))


def test_dropout_between_layers_only_in_training():
    module = make("LSTM", input_size=3, hidden_size=8, num_layers=3, dropout=0.5)
    plain = make("LSTM", input_size=3, hidden_size=8, num_layers=3)
    x = mt.randn(4, 2, 3, dtype=mt.float64)
    module.eval()
    np.testing.assert_array_equal(module(x)[0].detach().numpy(), plain(x)[0].detach().numpy())
    module.train()
    mt.manual_seed(1)
    first = module(x)[0].detach().numpy()
    mt.manual_seed(1)
    np.testing.assert_array_equal(module(x)[0].detach().numpy(), first)  # the masks come from the seeded generator
    assert not np.allclose(first, plain(x)[0].detach().numpy())
    last_layer_only = make("LSTM", input_size=3, hidden_size=8, num_layers=1, dropout=0.0)
    with pytest.warns(UserWarning, match="dropout=0.5 and num_layers=1"):
        single = make("LSTM", input_size=3, hidden_size=8, num_layers=1, dropout=0.5)
    single.train()  # no layer after the only one: no dropout at all
    np.testing.assert_array_equal(single(x)[0].detach().numpy(), last_layer_only(x)[0].detach().numpy())


@pytest.mark.parametrize("name,gates", [("RNN", 1), ("LSTM", 4), ("GRU", 3)])
def test_parameters_named_shaped_and_initialised_as_pytorchs(name, gates):
    mt.manual_seed(0)
    module = getattr(nn, name)(3, 16, num_layers=2, bidirectional=True)
    expected = []
    for layer, suffix in itertools.product(range(2), ("", "_reverse")):
        inputs = 3 if layer == 0 else 32
        expected += [(f"weight_ih_l{layer}{suffix}", (gates * 16, inputs)),
                     (f"weight_hh_l{layer}{suffix}", (gates * 16, 16)),
                     (f"bias_ih_l{layer}{suffix}", (gates * 16,)), (f"bias_hh_l{layer}{suffix}", (gates * 16,))]
    assert [(key, tuple(value.shape)) for key, value in module.state_dict().items()] == expected
    values = np.concatenate([p.detach().numpy().ravel() for p in module.parameters()])
    assert np.abs(values).max() <= 0.25 and np.abs(values).max() > 0.24  # U(-1/√16, 1/√16)
    assert abs(values.mean()) < 0.01
    assert [[p.shape for p in weights] for weights in module.all_weights][1][0] == (gates * 16, 3)
    mt.manual_seed(0)
    again = getattr(nn, name)(3, 16, num_layers=2, bidirectional=True)
    np.testing.assert_array_equal(again.weight_hh_l1.detach().numpy(), module.weight_hh_l1.detach().numpy())


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("batch_first,batched", [(False, True), (True, True), (False, False), (True, False)])
def test_output_shapes(name, batch_first, batched):
    module = getattr(nn, name)(3, 4, num_layers=3, bidirectional=True, batch_first=batch_first)
    shape = ((2, 5, 3) if batch_first else (5, 2, 3)) if batched else (5, 3)
    output, state = module(mt.randn(*shape))
    expected = ((2, 5, 8) if batch_first else (5, 2, 8)) if batched else (5, 8)
    assert tuple(output.shape) == expected
    for s in state if name == "LSTM" else (state,):
        assert tuple(s.shape) == ((6, 2, 4) if batched else (6, 4))


def test_pad_sequence_values_and_gradient():
    a = mt.tensor([[1.0], [2.0]], requires_grad=True)
    b = mt.tensor([[3.0]], requires_grad=True)
    padded = nn.utils.rnn.pad_sequence([a, b], padding_value=-1.0)
    assert padded.tolist() == [[[1.0], [3.0]], [[2.0], [-1.0]]]
    assert nn.utils.rnn.pad_sequence([a, b], batch_first=True, padding_side="left").tolist() == \
        [[[1.0], [2.0]], [[0.0], [3.0]]]
    (padded * mt.tensor([[[1.0], [2.0]], [[3.0], [4.0]]])).sum().backward()
    assert a.grad.tolist() == [[1.0], [3.0]] and b.grad.tolist() == [[2.0]]
    from minitorch.nn.utils.rnn import pad_sequence  # the import PyTorch scripts write
    assert pad_sequence(mt.ones(2, 3)).shape == (3, 2)  # a tensor is its rows


def _train_steps(device):
    mt.manual_seed(0)
    model = nn.ModuleList([nn.LSTM(3, 5, 2, bidirectional=True), nn.GRU(10, 4, batch_first=True),
                           nn.RNN(4, 3, nonlinearity="relu"), nn.LSTMCell(3, 3), nn.GRUCell(3, 2)]).to(device)
    optimizer = mt.optim.Adam(model.parameters(), lr=0.01)
    rng = np.random.default_rng(5)
    x = mt.tensor(rng.standard_normal((6, 2, 3)), dtype=mt.float32, device=device)
    losses = []
    for _ in range(3):
        output, (h, c) = model[0](x)
        output, h = model[1](output.transpose(0, 1))
        output, h = model[2](output)
        h2, c2 = model[3](output[-1])
        loss = model[4](h2).pow(2).sum() + c.sum() + h.sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses, [p.detach().cpu().numpy() for p in model.parameters()]


def test_modules_on_the_stand_in_cuda_device_give_the_cpus_numbers(fake_cuda):
    cpu_losses, cpu_params = _train_steps("cpu")
    device_losses, device_params = _train_steps("cuda:0")
    np.testing.assert_allclose(device_losses, cpu_losses, rtol=1e-6)
    for ours, reference in zip(device_params, cpu_params):
        np.testing.assert_allclose(ours, reference, rtol=1e-5, atol=1e-6)


@pytest.mark.gpu
@requires_gpu
def test_modules_on_a_gpu_give_the_cpus_numbers():
    cpu_losses, cpu_params = _train_steps("cpu")
    device_losses, device_params = _train_steps("cuda")
    np.testing.assert_allclose(device_losses, cpu_losses, rtol=1e-4)
    for ours, reference in zip(device_params, cpu_params):
        np.testing.assert_allclose(ours, reference, rtol=1e-3, atol=1e-4)


@pytest.mark.gpu
@requires_gpu
@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_gradients_on_a_gpu_match_the_cpu_in_float64(name):
    module = make(name, input_size=3, hidden_size=4, num_layers=2, bidirectional=True)
    x = np.random.default_rng(6).standard_normal((5, 2, 3))
    results = []
    for device in ("cpu", "cuda"):
        model = module.to(device)
        inputs = mt.tensor(x, device=device, requires_grad=True)
        outputs = _outputs(model(inputs))
        sum(out.sum() for out in outputs).backward()
        results.append([out.detach().cpu().numpy() for out in outputs] + [inputs.grad.cpu().numpy()]
                       + [p.grad.cpu().numpy() for p in model.parameters()])
        model.zero_grad()
    for ours, reference in zip(*results[::-1]):
        np.testing.assert_allclose(ours, reference, rtol=1e-10, atol=1e-12)
