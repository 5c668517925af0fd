"""Fit a noisy sine curve with an MLP: regression with MSELoss, Adam, a StepLR schedule and an L1 penalty.

Regularisation is one argument or one line away: --weight-decay is Adam's L2 penalty, and --l1 adds
λ·Σ|w| to the loss before backward (the line marked "L1" below), which pushes weights to exactly zero.

    python examples/regression.py --epochs 400 --l1 1e-4
"""
from __future__ import annotations

import argparse
import math

import numpy as np

import minitorch as mt
from minitorch import nn
from minitorch.utils.data import DataLoader, TensorDataset


def noisy_sine(count: int, seed: int) -> tuple[mt.Tensor, mt.Tensor]:
    """x (count, 1) uniform in [-π, π] and y = sin(x) + N(0, 0.1²)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-math.pi, math.pi, size=(count, 1))
    y = np.sin(x) + rng.normal(0.0, 0.1, size=(count, 1))
    return mt.tensor(x, dtype=mt.float32), mt.tensor(y, dtype=mt.float32)


def main(argv: list[str] | None = None) -> float:
    """Train on 256 noisy points; returns the mean squared error against the clean curve on a grid."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--lr", type=float, default=1e-2)
    parser.add_argument("--weight-decay", type=float, default=0.0, help="L2 penalty (Adam's weight_decay)")
    parser.add_argument("--l1", type=float, default=0.0, help="L1 penalty λ added to the loss")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    mt.manual_seed(args.seed)
    x, y = noisy_sine(256, args.seed)
    loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True)
    model = nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 1))
    optimizer = mt.optim.Adam(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    scheduler = mt.optim.lr_scheduler.StepLR(optimizer, step_size=max(1, args.epochs // 3), gamma=0.3)
    criterion = nn.MSELoss()
    for epoch in range(1, args.epochs + 1):
        for batch_x, batch_y in loader:
            loss = criterion(model(batch_x), batch_y)
            if args.l1:  # L1: λ Σ|w| over the weight matrices
                loss = loss + args.l1 * sum(p.abs().sum() for n, p in model.named_parameters() if n.endswith("weight"))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        scheduler.step()
        if epoch % max(1, args.epochs // 5) == 0:
            print(f"epoch {epoch:4d}  batch loss {loss.item():.4f}  lr {scheduler.get_last_lr()[0]:.5f}")

    grid = mt.linspace(-math.pi, math.pi, 200).reshape(-1, 1)
    with mt.no_grad():
        error = nn.functional.mse_loss(model(grid), mt.from_numpy(np.sin(grid.numpy()))).item()
    small = sum(int((p.abs() < 1e-3).sum().item()) for n, p in model.named_parameters() if n.endswith("weight"))
    print(f"mean squared error against sin(x) on a grid: {error:.5f}; weights with |w| < 1e-3: {small}")
    return error


if __name__ == "__main__":
    main()
