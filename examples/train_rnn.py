"""The adding problem: why the LSTM exists. A plain RNN, an LSTM and a GRU learn the same task.

Each input is a sequence of `--length` steps with two channels: a random number in [0, 1), and a marker that is 1
at exactly two steps (one in each half of the sequence) and 0 elsewhere. The target is the sum of the two marked
numbers (Hochreiter & Schmidhuber 1997). Predicting the mean, 1, scores an MSE of Var(u1 + u2) = 1/6 ≈ 0.167;
to do better a network must carry a number across tens of steps. The plain RNN's gradient through those steps
vanishes and it stays near 0.167; the LSTM's and GRU's gated memory carries it, and they go below 0.01.

    python examples/train_rnn.py            # about 1,500 Adam steps of batch 64 per network
    python examples/train_rnn.py --quick    # a short run for CI (shorter sequences, fewer steps)

Prints the three final losses (on a fixed test set), writes the loss curves (PNG) and a checkpoint of the three
networks to --out-dir.
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

# Each step of the recurrence is a matmul too small for OpenBLAS's threads to pay off: their hand-offs, thousands
# per training step, made this example 15x slower on a loaded 2-core machine. Set before NumPy loads OpenBLAS.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

import minitorch as mt  # noqa: E402
from minitorch import nn  # noqa: E402

KINDS = ("RNN", "LSTM", "GRU")
MEAN_PREDICTION_MSE = 1 / 6


def adding_problem(count: int, length: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(x (count, length, 2), y (count, 1)) float32: numbers and two-hot markers, and the marked numbers' sum."""
    numbers = rng.random((count, length))
    markers = np.zeros((count, length))
    rows = np.arange(count)
    first, second = rng.integers(0, length // 2, count), rng.integers(length // 2, length, count)
    markers[rows, first] = markers[rows, second] = 1
    target = numbers[rows, first] + numbers[rows, second]
    return np.stack([numbers, markers], axis=2).astype(np.float32), target[:, None].astype(np.float32)


class Adder(nn.Module):
    """A recurrent layer over the sequence (batch_first), and a linear read-out of its last hidden state."""

    def __init__(self, kind: str, hidden: int) -> None:
        super().__init__()
        self.recurrent = getattr(nn, kind)(2, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x: mt.Tensor) -> mt.Tensor:
        output, _ = self.recurrent(x)
        return self.head(output[:, -1])


def train(kind: str, args: argparse.Namespace, test: tuple[mt.Tensor, mt.Tensor]) -> tuple[Adder, list, float]:
    """Adam on fresh batches of the adding problem; returns the model, the training losses and the test MSE."""
    mt.manual_seed(args.seed)
    model = Adder(kind, args.hidden).to(args.device)
    optimizer = mt.optim.Adam(model.parameters(), lr=args.lr)
    rng = np.random.default_rng(args.seed)
    losses = []
    for _ in range(args.steps):
        x, y = (mt.tensor(array, device=args.device) for array in adding_problem(args.batch_size, args.length, rng))
        loss = nn.functional.mse_loss(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)  # an exploding step of the plain RNN cannot derail it
        optimizer.step()
        losses.append(loss.item())
    with mt.no_grad():
        test_loss = nn.functional.mse_loss(model(test[0]), test[1]).item()
    return model, losses, test_loss


def plot(curves: dict[str, list], path: Path, window: int = 25) -> None:
    """The training losses (a moving average over `window` steps) of the three networks, log scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 4))
    for kind, losses in curves.items():
        smooth = np.convolve(losses, np.ones(window) / window, mode="valid")
        axes.plot(np.arange(len(smooth)) + window, smooth, label=kind)
    axes.axhline(MEAN_PREDICTION_MSE, color="gray", linestyle="--", label="predict the mean (1/6)")
    axes.set(xlabel="Adam step", ylabel="MSE", yscale="log", title="the adding problem")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--length", type=int, default=50, help="sequence length (>= 50 for the real problem)")
    parser.add_argument("--steps", type=int, default=1500, help="Adam steps per network")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--quick", action="store_true", help="length 30, 400 steps: the ordering only (for CI)")
    parser.add_argument("--out-dir", type=Path, default=Path("runs/train_rnn"))
    args = parser.parse_args(argv)
    if args.quick:
        args.length, args.steps = 30, 400
    if args.device == "cuda" and not mt.cuda.is_available():
        parser.error(f"--device cuda: no usable GPU ({mt.cuda.unavailable_reason()})")
    return args


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Train the three networks; returns their test MSEs."""
    args = parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    test = tuple(mt.tensor(array, device=args.device)
                 for array in adding_problem(1000, args.length, np.random.default_rng(12345)))
    curves, results, states = {}, {}, {}
    start = time.perf_counter()
    for kind in KINDS:
        began = time.perf_counter()
        model, curves[kind], results[kind] = train(kind, args, test)
        states[kind] = model.state_dict()
        print(f"{kind:4s}  test MSE {results[kind]:.4f}  ({args.steps} steps, {time.perf_counter() - began:.0f} s)")
    print(f"sequence length {args.length}; predicting the mean scores {MEAN_PREDICTION_MSE:.3f}; "
          f"{time.perf_counter() - start:.0f} s in all")
    mt.save({kind: state for kind, state in states.items()}, args.out_dir / "adding.mt")
    plot(curves, args.out_dir / "losses.png")
    print(f"wrote {args.out_dir / 'losses.png'} and {args.out_dir / 'adding.mt'}")
    return results


if __name__ == "__main__":
    main()
