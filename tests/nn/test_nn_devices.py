"""nn, optim, data and checkpoints follow their tensors' device: on the stand-in "cuda" device (NumPy under
another name, tests/conftest.py) a whole training run gives the CPU's numbers; marked gpu, on a real one."""
import numpy as np
import pytest

import minitorch as mt
from minitorch import nn, optim
from minitorch.utils.data import DataLoader, TensorDataset

from ..conftest import requires_gpu


def make_model():
    """Well conditioned on every device: no Dropout (its masks come from each device's own generator, so two runs
    would differ, as in PyTorch), and no bias right before a normalization, where its gradient would be pure
    rounding noise (the normalization removes the bias) that Adam's step, divided by that gradient's size, blows up."""
    return nn.Sequential(nn.Linear(6, 16, bias=False), nn.BatchNorm1d(16), nn.GELU(), nn.Linear(16, 8, bias=False),
                         nn.LayerNorm(8), nn.SiLU(), nn.Linear(8, 3))


OPTIMIZERS = {"adamw": lambda params: optim.AdamW(params, lr=0.01),
              "adam": lambda params: optim.Adam(params, lr=0.01, weight_decay=1e-3),
              "sgd": lambda params: optim.SGD(params, lr=0.1, momentum=0.9, weight_decay=1e-3)}


def run(device, tmp_path, optimizer_name="adamw", label_smoothing=0.1):
    """Train in float32 with an optimizer + clipping + a schedule, checkpoint, reload on the CPU; the losses and
    final state. Without label smoothing, cross-entropy is one fused kernel on the GPU; SGD and Adam are too."""
    rng = np.random.default_rng(0)
    features = mt.tensor(rng.standard_normal((40, 6)), dtype=mt.float32, device=device)
    labels = mt.tensor(rng.integers(0, 3, 40), device=device)
    mt.manual_seed(0)
    model = make_model().to(device)
    optimizer = OPTIMIZERS[optimizer_name](model.parameters())
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=5)
    losses = []
    for epoch in range(3):
        mt.manual_seed(100 + epoch)
        for x, y in DataLoader(TensorDataset(features, labels), batch_size=8, shuffle=True):
            assert x.device == device and y.device == device
            loss = nn.functional.cross_entropy(model(x), y, label_smoothing=label_smoothing)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            losses.append(loss.item())
        scheduler.step()
    state = optimizer.state[model[0].weight]
    assert all(value.device == device for value in state.values() if isinstance(value, mt.Tensor))
    mt.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()}, tmp_path / f"{device}.mt")
    reloaded = mt.load(tmp_path / f"{device}.mt", map_location="cpu")
    return losses, {key: value.numpy() for key, value in reloaded["model"].items()}


def test_training_on_the_stand_in_device_gives_the_cpus_numbers(fake_cuda, tmp_path):
    cpu_losses, cpu_state = run("cpu", tmp_path)
    device_losses, device_state = run("cuda:0", tmp_path)
    np.testing.assert_allclose(device_losses, cpu_losses, rtol=1e-6)
    for key, value in cpu_state.items():
        np.testing.assert_allclose(device_state[key], value, rtol=1e-5, atol=1e-6, err_msg=key)


def test_dropout_draws_on_the_device(fake_cuda):
    x = mt.ones(1000, device="cuda")
    y = nn.functional.dropout(x, 0.5)
    assert y.device == "cuda:0" and 0.4 < (y == 0).float().mean().item() < 0.6


def test_module_to_moves_parameters_grads_and_buffers(fake_cuda):
    model = make_model()
    model(mt.randn(4, 6)).sum().backward()
    weight = model[0].weight
    model.cuda()
    assert model[0].weight is weight and weight.device == "cuda:0" and weight.grad.device == "cuda:0"
    assert model[1].running_mean.device == "cuda:0" and model[1].num_batches_tracked.device == "cuda:0"
    assert model(mt.randn(4, 6, device="cuda")).device == "cuda:0"
    model.to("cpu")
    assert {parameter.device.type for parameter in model.parameters()} == {"cpu"}


def test_checkpoints_remember_the_device_and_map_it(fake_cuda, tmp_path):
    mt.save({"w": mt.ones(2, device="cuda")}, tmp_path / "c.mt")
    assert mt.load(tmp_path / "c.mt")["w"].device == "cuda:0"
    assert mt.load(tmp_path / "c.mt", map_location="cpu")["w"].device == "cpu"
    model = nn.Linear(2, 2).cuda()
    model.load_state_dict(nn.Linear(2, 2).state_dict())  # from the CPU onto the device
    assert model.weight.device == "cuda:0"


def test_optimizer_state_loads_onto_each_parameters_device(fake_cuda):
    cpu_model = nn.Linear(3, 2)
    cpu_optimizer = optim.SGD(cpu_model.parameters(), lr=0.1, momentum=0.9)
    cpu_model(mt.ones(1, 3)).sum().backward()
    cpu_optimizer.step()
    device_model = nn.Linear(3, 2).cuda()
    device_optimizer = optim.SGD(device_model.parameters(), lr=0.1, momentum=0.9)
    device_optimizer.load_state_dict(cpu_optimizer.state_dict())
    assert device_optimizer.state[device_model.weight]["momentum_buffer"].device == "cuda:0"


@requires_gpu
@pytest.mark.gpu
@pytest.mark.parametrize("optimizer_name, label_smoothing", [("adam", 0.0), ("sgd", 0.0), ("adamw", 0.1)])
def test_training_on_a_real_gpu_gives_the_cpus_numbers(tmp_path, optimizer_name, label_smoothing):
    """float32 on both: the GPU's kernels (cross-entropy, the SGD and Adam steps, the activations) and cuBLAS round
    differently from NumPy, by about 1e-7 per op; over 15 steps that stays far below the 1e-4 a wrong kernel
    would exceed at once."""
    cpu_losses, cpu_state = run("cpu", tmp_path, optimizer_name, label_smoothing)
    gpu_losses, gpu_state = run("cuda:0", tmp_path, optimizer_name, label_smoothing)
    assert cpu_losses[-1] < cpu_losses[0]
    np.testing.assert_allclose(gpu_losses, cpu_losses, rtol=1e-4)
    for key, value in cpu_state.items():
        np.testing.assert_allclose(gpu_state[key], value, rtol=1e-3, atol=1e-4, err_msg=key)
