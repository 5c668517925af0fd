"""Train a two-layer network on the spiral data set with nothing but tensors and autograd.

Three interleaved spiral arms, one class each, cannot be split by a straight line: a hidden
layer of ReLU units learns to bend the decision boundary around them.

    python examples/train_small.py --epochs 1000
"""
from __future__ import annotations

import argparse

import numpy as np

import minitorch as mt


def spiral(points_per_class: int = 100, classes: int = 3, seed: int = 0) -> tuple[mt.Tensor, mt.Tensor]:
    """Points (N, 2) on `classes` noisy spiral arms, and their labels (N,)."""
    rng = np.random.default_rng(seed)
    radius = np.linspace(0.0, 1.0, points_per_class)
    features, labels = [], []
    for label in range(classes):
        angle = np.linspace(label * 4.0, (label + 1) * 4.0, points_per_class) + rng.normal(0, 0.2, points_per_class)
        features.append(np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1))
        labels.append(np.full(points_per_class, label))
    return mt.tensor(np.concatenate(features), dtype=mt.float32), mt.tensor(np.concatenate(labels))


def init_layer(fan_in: int, fan_out: int) -> tuple[mt.Tensor, mt.Tensor]:
    """Weights (fan_in, fan_out) and bias (fan_out,), uniform in ±1/√fan_in as PyTorch's Linear."""
    bound = fan_in ** -0.5
    weight = ((mt.rand(fan_in, fan_out) * 2 - 1) * bound).requires_grad_()
    bias = ((mt.rand(fan_out) * 2 - 1) * bound).requires_grad_()
    return weight, bias


def cross_entropy(logits: mt.Tensor, labels: mt.Tensor) -> mt.Tensor:
    """Mean of -log softmax(logits)[label] over the batch."""
    log_probabilities = logits.log_softmax(dim=1)
    return -log_probabilities[mt.arange(len(labels)), labels].mean()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=1000)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    mt.manual_seed(args.seed)
    features, labels = spiral(seed=args.seed)
    w1, b1 = init_layer(2, args.hidden)
    w2, b2 = init_layer(args.hidden, 3)
    parameters = [w1, b1, w2, b2]

    for epoch in range(1, args.epochs + 1):
        logits = (features @ w1 + b1).relu() @ w2 + b2
        loss = cross_entropy(logits, labels)
        loss.backward()
        with mt.no_grad():
            for parameter in parameters:
                parameter -= args.lr * parameter.grad
                parameter.grad = None
        if epoch % max(1, args.epochs // 10) == 0 or epoch == args.epochs:
            accuracy = (logits.argmax(dim=1) == labels).float().mean().item()
            print(f"epoch {epoch:4d}  loss {loss.item():.4f}  accuracy {accuracy:.1%}")


if __name__ == "__main__":
    main()
