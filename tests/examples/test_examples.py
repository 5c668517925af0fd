"""The examples run: the worked examples' numbers, the main example's accuracy in its short mode, its
resume after a crash, its MNIST mode on small IDX files, and the two small examples."""
import importlib.util
import os
import re
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import requires_gpu
from tests.distributed import launch

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load_example(name):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


# --------------------------------------------------------------------------- worked examples

@pytest.fixture(scope="module")
def worked():
    return load_example("worked_examples")


def test_rent_network_forward_loss_and_one_backpropagation_step(worked):
    rent = worked.rent_forward_and_backward()
    assert rent["hidden"] == [13.0, -8.0] and rent["activated"] == [13.0, 0.0]
    assert rent["prediction"] == 26.0 and rent["loss"] == 256.0
    assert rent["grad_output_weight"] == [416.0, 0.0]
    assert rent["grad_hidden_weight"] == [[64.0, 128.0, 192.0], [0.0, 0.0, 0.0]]
    np.testing.assert_allclose(rent["updated_output_weight"], [1.584, 1.0], rtol=1e-12)
    np.testing.assert_allclose(rent["updated_hidden_weight"], [[1.936, 0.872, 2.808], [-3, -1, -1]], rtol=1e-12)
    # u = 1.936 + 2·0.872 + 3·2.808 = 12.104, y = 1.584 · 12.104
    assert rent["new_prediction"] == pytest.approx(19.172736, rel=1e-12)
    assert rent["new_loss"] == pytest.approx((19.172736 - 10) ** 2, rel=1e-12)


def test_single_neuron(worked):
    neuron = worked.single_neuron()
    assert neuron["output"] == pytest.approx(-0.1, abs=1e-12) and not neuron["test_tomorrow"]


def test_stable_softmax(worked):
    softmax = worked.stable_softmax()
    assert all(np.isnan(softmax["naive"]))
    expected = [9.99954600e-01, 4.53978686e-05, 2.06106005e-09]
    np.testing.assert_allclose(softmax["softmax"], expected, rtol=1e-8)
    np.testing.assert_allclose(softmax["by_hand"], softmax["softmax"], rtol=1e-15)


def test_sigmoid_derivative_chain_rule_and_numerical_gradient(worked):
    sigmoid = worked.sigmoid_derivative()
    assert sigmoid["autograd"][1] == 0.25
    np.testing.assert_allclose(sigmoid["autograd"], sigmoid["formula"], rtol=1e-14)
    chain = worked.chain_rule(3.0)
    assert chain["autograd"] == chain["by_hand"] == 2.0
    gradients = worked.numerical_vs_backprop()
    for name in ("0.weight", "2.weight"):
        np.testing.assert_allclose(gradients[f"numerical {name}"], gradients[f"backprop {name}"], atol=1e-6)
    assert gradients["backprop 0.weight"] == [[64.0, 128.0, 192.0], [0.0, 0.0, 0.0]]


def test_convolution_by_hand_and_by_conv2d(worked):
    conv = worked.convolution()
    assert conv["by_hand"] == conv["conv2d"] == [[15.0, 16.0], [6.0, 15.0]]
    assert conv["with_bias"] == [[18.0, 19.0], [9.0, 18.0]]
    assert conv["padded"] == conv["padded_by_hand"] and len(conv["padded"]) == 4
    assert conv["padded"][0] == [7.0, 12.0, 10.0, 2.0]  # the corner sees 1·1 + 2·2 + 1·2 = 7
    assert conv["strided"] == conv["strided_by_hand"] == [conv["padded"][0][::2], conv["padded"][2][::2]]


def test_pooling_and_where_max_pooling_sends_the_gradient(worked):
    pool = worked.pooling()
    assert pool["max"] == pool["max_by_hand"] == [[2.0, 3.0], [4.0, 2.0]]
    assert pool["average"] == pool["average_by_hand"] == [[1.0, 1.5], [2.25, 1.0]]
    assert pool["max_gradient"] == [[0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 1, 0, 0]]


def test_worked_examples_print_their_explanation(worked, capsys):
    worked.main()
    printed = capsys.readouterr().out
    for text in ("prediction y = 2·13 + 1·0 = 26", "L = (26 - 10)² = 256", "dL/dW2 = 32 · z = [416.0, 0.0]",
                 "y = -0.1", "no test tomorrow", "[nan, nan, nan]", "0.999954600070331", "by autograd 2",
                 "by conv2d [[15.0, 16.0], [6.0, 15.0]]", "largest value: [[2.0, 3.0], [4.0, 2.0]]"):
        assert text in printed, text


# --------------------------------------------------------------------------- the main example

@pytest.fixture(scope="module")
def train_mlp():
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    pytest.importorskip("tqdm")
    return load_example("train_mlp")


QUICK_ACCURACY = 0.95  # the short mode reaches about 97.5% on the fixed split; the margin absorbs seed changes


def test_quick_mode_learns_the_digits(train_mlp, tmp_path, capsys):
    result = train_mlp.main(["--quick", "--no-progress", "--out-dir", str(tmp_path), "--device", "cpu"])
    printed = capsys.readouterr().out
    assert result["accuracy"] >= QUICK_ACCURACY, printed
    assert len(result["history"]["test_accuracy"]) == train_mlp.QUICK_EPOCHS
    assert result["history"]["train_loss"][-1] < result["history"]["train_loss"][0] / 5
    assert f"epoch   {train_mlp.QUICK_EPOCHS}/{train_mlp.QUICK_EPOCHS}  train loss" in printed
    assert result["plot"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    import minitorch as mt

    checkpoint = mt.load(result["checkpoint"])
    assert checkpoint["epoch"] == train_mlp.QUICK_EPOCHS and checkpoint["history"] == result["history"]


def test_resume_after_a_crash_gives_the_uninterrupted_run(train_mlp, tmp_path, monkeypatch, capsys):
    arguments = ["--epochs", "3", "--hidden", "64", "--no-progress", "--device", "cpu"]
    straight = train_mlp.main(arguments + ["--out-dir", str(tmp_path / "straight")])
    real_evaluate, calls = train_mlp.evaluate, []

    def crash_in_epoch_three(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real_evaluate(*args, **kwargs)

    monkeypatch.setattr(train_mlp, "evaluate", crash_in_epoch_three)
    with pytest.raises(KeyboardInterrupt):
        train_mlp.main(arguments + ["--out-dir", str(tmp_path / "resumed")])
    monkeypatch.undo()
    resumed = train_mlp.main(arguments + ["--out-dir", str(tmp_path / "resumed"), "--resume"])
    assert "resumed from" in capsys.readouterr().out
    assert resumed["history"] == straight["history"]
    import minitorch as mt

    expected, result = mt.load(straight["checkpoint"])["model"], mt.load(resumed["checkpoint"])["model"]
    for name in expected:
        assert np.array_equal(expected[name].numpy(), result[name].numpy()), name


def write_idx(path, array):
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def write_small_mnist(folder, seed):
    """64 training and 16 test images in MNIST's IDX files, a bright row per class: learnable in a few epochs."""
    rng = np.random.default_rng(seed)
    for prefix, count in (("train", 64), ("t10k", 16)):
        labels = rng.integers(0, 10, count)
        images = np.zeros((count, 28, 28), dtype=np.uint8)
        images[np.arange(count), 2 * labels, :] = 255
        write_idx(folder / f"{prefix}-images-idx3-ubyte", images)
        write_idx(folder / f"{prefix}-labels-idx1-ubyte", labels)
    return ["--data", "mnist", "--mnist-dir", str(folder), "--epochs", "10", "--lr", "1e-2", "--no-progress",
            "--out-dir", str(folder / "run")]


def test_mnist_mode_on_small_idx_files(train_mlp, tmp_path):
    result = train_mlp.main(write_small_mnist(tmp_path, seed=0) + ["--hidden", "32"])
    assert result["accuracy"] >= 0.9


def test_device_choice(train_mlp):
    import minitorch as mt

    assert train_mlp.pick_device("cpu") == "cpu"
    assert train_mlp.pick_device("auto") == ("cuda" if mt.cuda.is_available() else "cpu")
    if not mt.cuda.is_available():
        with pytest.raises(SystemExit, match="no usable GPU"):
            train_mlp.pick_device("cuda")


def test_mnist_mode_needs_a_folder(train_mlp):
    with pytest.raises(SystemExit):
        train_mlp.parse_args(["--data", "mnist"])


# --------------------------------------------------------------------------- the CNN example

@pytest.fixture(scope="module")
def train_cnn(train_mlp):  # the same libraries
    return load_example("train_cnn")


CNN_QUICK_ACCURACY = 0.97  # its short mode reaches about 98.5% (PyTorch's same net: 97.8-98.9% in 4 epochs)


def test_cnn_quick_mode_learns_the_digits(train_cnn, tmp_path, capsys):
    result = train_cnn.main(["--quick", "--no-progress", "--out-dir", str(tmp_path), "--device", "cpu"])
    printed = capsys.readouterr().out
    assert result["accuracy"] >= CNN_QUICK_ACCURACY, printed
    assert len(result["history"]["test_accuracy"]) == train_cnn.QUICK_EPOCHS
    assert result["plot"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    import minitorch as mt

    state = mt.load(result["checkpoint"])["model"]
    assert state["0.weight"].shape == (32, 1, 3, 3) and "1.running_mean" in state


def test_cnn_on_small_mnist_files(train_cnn, tmp_path):
    result = train_cnn.main(write_small_mnist(tmp_path, seed=1) + ["--channels", "4", "8"])
    assert result["accuracy"] >= 0.9


# --------------------------------------------------------------------------- the small examples

def test_spiral_is_learned():
    assert load_example("spiral").main(["--epochs", "200"]) >= 0.95


def test_regression_fits_the_sine_and_l1_zeroes_weights(capsys):
    regression = load_example("regression")
    assert regression.main(["--epochs", "60"]) < 0.01
    plain = capsys.readouterr().out
    regression.main(["--epochs", "60", "--l1", "1e-3"])
    with_l1 = capsys.readouterr().out

    def small_weights(text):
        return int(text.rsplit("weights with |w| < 1e-3: ", 1)[1])

    assert small_weights(with_l1) > 10 * max(1, small_weights(plain))


def test_the_core_imports_none_of_the_examples_libraries():
    import subprocess

    code = ("import sys, minitorch, minitorch.nn, minitorch.optim, minitorch.utils.data, minitorch.utils.mnist; "
            "print([name for name in ('sklearn', 'matplotlib', 'tqdm') if name in sys.modules])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


# --------------------------------------------------------------------------- train_rnn (the adding problem)

def test_train_rnn_quick_mode_shows_the_lstm_and_gru_beating_the_plain_rnn(tmp_path):
    """Run as a script, as a user runs it: the example keeps OpenBLAS to one thread, which only works before
    NumPy is loaded (see examples/train_rnn.py)."""
    pytest.importorskip("matplotlib")
    environment = dict(os.environ, PYTHONPATH=os.pathsep.join([str(EXAMPLES.parent), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, str(EXAMPLES / "train_rnn.py"), "--quick", "--out-dir", str(tmp_path)],
                          capture_output=True, text=True, env=environment, timeout=600)
    assert done.returncode == 0, done.stderr
    losses = {kind: float(value) for kind, value in re.findall(r"^(\w+) +test MSE ([\d.]+)", done.stdout, re.M)}
    assert set(losses) == {"RNN", "LSTM", "GRU"}, done.stdout
    assert losses["LSTM"] < losses["RNN"] and losses["GRU"] < losses["RNN"], done.stdout
    assert (tmp_path / "losses.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    import minitorch as mt

    checkpoint = mt.load(tmp_path / "adding.mt")
    assert set(checkpoint) == set(losses)
    assert tuple(checkpoint["LSTM"]["recurrent.weight_hh_l0"].shape) == (4 * 32, 32)


def test_distributed_training_on_two_ranks_prints_what_one_process_prints(train_mlp, tmp_path, capsys):
    """Without dropout the two ranks' halves of each batch give one process's steps: the same figures."""
    options = ["--quick", "--no-progress", "--dropout", "0", "--device", "cpu"]
    train_mlp.main([*options, "--out-dir", str(tmp_path / "one")])
    alone = [line for line in capsys.readouterr().out.splitlines() if line.startswith("epoch")]
    done = launch.two_ranks(EXAMPLES / "train_mlp.py", *options, "--distributed", "--out-dir", str(tmp_path / "two"))
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    ranks = [line for line in done.stdout.splitlines() if line.startswith("epoch")]
    assert len(alone) == train_mlp.QUICK_EPOCHS and ranks == alone, (alone, done.stdout)  # rank 0 alone prints
    assert "device cpu on each of 2 ranks" in done.stdout and (tmp_path / "two" / "checkpoint.mt").exists()


@requires_gpu
@pytest.mark.gpu
def test_distributed_training_on_one_gpu_through_nccl(tmp_path):
    """One rank (mpi4py without mpiexec is a world of one) on cuda:0: DDP's buckets through real NCCL."""
    launch.mpiexec()  # mpi4py, or a skip saying what to install
    done = launch.run(sys.executable, str(EXAMPLES / "train_mlp.py"), "--quick", "--no-progress", "--distributed",
                      "--device", "cuda", "--out-dir", str(tmp_path))
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "device cuda:0 on each of 1 ranks" in done.stdout
    assert float(re.search(r"test accuracy ([\d.]+)% after", done.stdout).group(1)) >= 100 * QUICK_ACCURACY
