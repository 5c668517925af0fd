"""Train an MLP to read handwritten digits: the main example of minitorch.

By default it learns the 8x8 digits that scikit-learn ships (1,797 images, no download) on a fixed
train/test split; `--data mnist --mnist-dir DIR` uses the MNIST IDX files in DIR instead. It runs on
the GPU when one is usable (`--device auto`), else on the CPU. Each epoch shows a progress bar, then
the train loss, the test loss and the test accuracy. The checkpoint (model, optimizer, schedule and
history, saved after every epoch) and a plot of the curves go to --out-dir.

    python examples/train_mlp.py                          # digits: ~98% test accuracy in seconds
    python examples/train_mlp.py --quick                  # a short run (CI)
    python examples/train_mlp.py --epochs 40 --resume     # continue the saved run up to epoch 40
    python examples/train_mlp.py --data mnist --mnist-dir ~/data/mnist
    mpiexec -n 2 python examples/train_mlp.py --distributed   # data-parallel: the same batches over 2 ranks

Every global batch (--batch-size) is split over the ranks, each rank holding a DistributedSampler's share (one
process is one replica): one process and N ranks visit the same batches, so without dropout they print the same
figures; with dropout each rank draws its own masks. Rank 0 alone prints, shows progress and saves.

Regularisation: --weight-decay is AdamW's decoupled L2 penalty; --l1 adds λ·Σ|w| to the loss.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path
from typing import Callable

import numpy as np

import minitorch as mt
import minitorch.distributed as dist
from minitorch import nn
from minitorch.utils.data import DataLoader, DistributedSampler, TensorDataset

QUICK_EPOCHS = 6


def make_parser(description: str, out_dir: str, epochs: int, lr: float, dropout: float) -> argparse.ArgumentParser:
    """The options this example and examples/train_cnn.py share (data, device, schedule, checkpoint)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--data", choices=["digits", "mnist"], default="digits")
    parser.add_argument("--mnist-dir", type=Path, help="folder holding the MNIST IDX files (plain or .gz)")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    parser.add_argument("--epochs", type=int, default=epochs)
    parser.add_argument("--quick", action="store_true", help=f"train {QUICK_EPOCHS} epochs only (for CI)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=lr)
    parser.add_argument("--weight-decay", type=float, default=1e-4, help="AdamW's (decoupled L2) weight decay")
    parser.add_argument("--l1", type=float, default=0.0, help="L1 penalty λ on the weights, added to the loss")
    parser.add_argument("--dropout", type=float, default=dropout)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out-dir", type=Path, default=Path(out_dir))
    parser.add_argument("--resume", action="store_true", help="continue from the checkpoint in --out-dir")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.add_argument("--distributed", action="store_true",
                        help="data-parallel over the ranks of mpiexec or python -m minitorch.distributed.run "
                             "(NCCL and a GPU per rank on cuda, MPI on the CPU)")
    return parser


def finish_args(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs = QUICK_EPOCHS
    if args.data == "mnist" and args.mnist_dir is None:
        parser.error("--data mnist needs --mnist-dir DIR (the folder with the IDX files; nothing is downloaded)")
    return args


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = make_parser(__doc__.splitlines()[0], "runs/train_mlp", epochs=30, lr=2e-3, dropout=0.3)
    parser.add_argument("--hidden", type=int, default=512)
    return finish_args(parser, argv)


def pick_device(choice: str) -> str:
    """'cuda' when asked for or (auto) when minitorch reports a usable GPU, else 'cpu'."""
    cuda = getattr(mt, "cuda", None)
    has_gpu = cuda is not None and cuda.is_available()
    if choice == "cuda" and not has_gpu:
        raise SystemExit("--device cuda: no usable GPU (minitorch.cuda.is_available() is False)")
    if choice == "auto":
        return "cuda" if has_gpu else "cpu"
    return choice


def join_ranks(args: argparse.Namespace, device: str) -> tuple[int, int, str]:
    """(rank, world size, this rank's device): (0, 1, device) for one process; with --distributed, this rank
    joins the job's process group (NCCL with one GPU per rank on cuda, MPI on the CPU)."""
    if not args.distributed:
        return 0, 1, device
    dist.init_process_group("nccl" if device == "cuda" else "mpi")
    world = dist.get_world_size()
    if args.batch_size % world:
        raise SystemExit(f"--distributed: --batch-size {args.batch_size} must split evenly over {world} ranks")
    return dist.get_rank(), world, f"cuda:{os.environ['LOCAL_RANK']}" if device == "cuda" else device


def load_data(args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(train features, train labels, test features, test labels): features flattened, in [0, 1]."""
    if args.data == "mnist":
        from minitorch.utils.mnist import load_mnist

        train_images, train_labels = load_mnist(args.mnist_dir, train=True)
        test_images, test_labels = load_mnist(args.mnist_dir, train=False)
        return (train_images.flatten(1).numpy(), train_labels.numpy(),
                test_images.flatten(1).numpy(), test_labels.numpy())
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    features = (digits.data / 16.0).astype(np.float32)  # pixel values are 0..16
    train_x, test_x, train_y, test_y = train_test_split(features, digits.target.astype(np.int64), test_size=0.2,
                                                        random_state=0, stratify=digits.target)
    return train_x, train_y, test_x, test_y


def standardize(train_x: np.ndarray, test_x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each pixel shifted and scaled by the training set's mean and std (+0.1, so that the nearly constant
    border pixels are not blown up)."""
    mean, std = train_x.mean(axis=0), train_x.std(axis=0) + 0.1
    return ((train_x - mean) / std).astype(np.float32), ((test_x - mean) / std).astype(np.float32)


def build_model(features: int, hidden: int, classes: int, dropout: float) -> nn.Module:
    return nn.Sequential(
        nn.Linear(features, hidden), nn.ReLU(), nn.Dropout(dropout),
        nn.Linear(hidden, hidden // 2), nn.ReLU(), nn.Dropout(dropout),
        nn.Linear(hidden // 2, classes),
    )


def evaluate(model: nn.Module, features: mt.Tensor, labels: mt.Tensor, batch_size: int = 1000) -> tuple[float, float]:
    """(mean cross-entropy, accuracy) on a data set, in eval mode and without a graph."""
    model.eval()
    total_loss, correct = 0.0, 0
    with mt.no_grad():
        for start in range(0, len(labels), batch_size):
            logits = model(features[start:start + batch_size])
            batch_labels = labels[start:start + batch_size]
            total_loss += nn.functional.cross_entropy(logits, batch_labels, reduction="sum").item()
            correct += (logits.argmax(dim=1) == batch_labels).sum().item()
    return total_loss / len(labels), correct / len(labels)


def save_plot(history: dict[str, list[float]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = range(1, len(history["train_loss"]) + 1)
    figure, (loss_axes, accuracy_axes) = plt.subplots(1, 2, figsize=(10, 4))
    loss_axes.plot(epochs, history["train_loss"], label="train")
    loss_axes.plot(epochs, history["test_loss"], label="test")
    loss_axes.set(xlabel="epoch", ylabel="cross-entropy", title="loss")
    loss_axes.legend()
    accuracy_axes.plot(epochs, [100 * value for value in history["test_accuracy"]], color="tab:green")
    accuracy_axes.set(xlabel="epoch", ylabel="%", title="test accuracy")
    accuracy_axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def main(argv: list[str] | None = None) -> dict:
    """Train (or resume), print per-epoch metrics, save checkpoint and plot; returns the history and timing."""
    args = parse_args(argv)
    train_x, train_y, test_x, test_y = standardize_data(load_data(args))
    classes = int(max(train_y.max(), test_y.max())) + 1
    config = {"data": args.data, "hidden": args.hidden, "dropout": args.dropout, "features": int(train_x.shape[1])}
    return train(args, lambda: build_model(train_x.shape[1], args.hidden, classes, args.dropout),
                 (train_x, train_y, test_x, test_y), config)


def standardize_data(data: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    train_x, train_y, test_x, test_y = data
    train_x, test_x = standardize(train_x, test_x)
    return train_x, train_y, test_x, test_y


def train(args: argparse.Namespace, build: Callable[[], nn.Module], data: tuple, config: dict) -> dict:
    """AdamW with a cosine schedule for the model build() makes (after seeding) on (train x, train y, test x,
    test y): per-epoch metrics, a checkpoint after every epoch (resumable with --resume), the curves' plot;
    returns the history and timing."""
    from tqdm import tqdm

    train_x, train_y, test_x, test_y = data
    rank, world, device = join_ranks(args, pick_device(args.device))
    say = print if rank == 0 else lambda *args, **kwargs: None
    train_set = TensorDataset(mt.tensor(train_x, device=device), mt.tensor(train_y, device=device))
    test_features, test_labels = mt.tensor(test_x, device=device), mt.tensor(test_y, device=device)
    classes = int(max(train_y.max(), test_y.max())) + 1
    # the sampler's and the loader's drop_last: for any number of ranks, the same global batches, none padded
    sampler = DistributedSampler(train_set, num_replicas=world, rank=rank, seed=args.seed, drop_last=True)

    mt.manual_seed(args.seed)
    model = build().to(device)
    trained = nn.parallel.DistributedDataParallel(model) if args.distributed else model
    optimizer = mt.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    scheduler = mt.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    history: dict[str, list[float]] = {"train_loss": [], "test_loss": [], "test_accuracy": []}
    args.out_dir.mkdir(parents=True, exist_ok=True)
    checkpoint_path, plot_path = args.out_dir / "checkpoint.mt", args.out_dir / "curves.png"
    first_epoch = 1
    if args.resume:
        if not checkpoint_path.exists():
            raise SystemExit(f"--resume: no checkpoint at {checkpoint_path}")
        checkpoint = mt.load(checkpoint_path, map_location=device)
        if checkpoint["config"] != config:
            raise SystemExit(f"--resume: {checkpoint_path} was trained with {checkpoint['config']}, not {config}")
        model.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        scheduler.load_state_dict(checkpoint["scheduler"])
        scheduler.T_max = args.epochs  # a larger --epochs stretches the rest of the cosine over the new total
        history = checkpoint["history"]
        first_epoch = checkpoint["epoch"] + 1
        say(f"resumed from {checkpoint_path} after epoch {checkpoint['epoch']}")

    say(f"{args.data}: {len(train_set)} training and {len(test_labels)} test images, {classes} classes; "
        f"device {device}{f' on each of {world} ranks' if args.distributed else ''}; "
        f"{sum(p.numel() for p in model.parameters()):,} parameters")
    started = time.perf_counter()
    for epoch in range(first_epoch, args.epochs + 1):
        mt.manual_seed(args.seed * 1_000_003 + epoch + 7919 * rank)  # each epoch's dropout repeats on --resume
        sampler.set_epoch(epoch)  # the epoch's permutation: the same on every rank
        loader = DataLoader(train_set, batch_size=args.batch_size // world, sampler=sampler, drop_last=True)
        model.train()
        total_loss, seen = mt.zeros((), device=device), mt.zeros((), device=device)  # summed on the device
        batches = tqdm(loader, desc=f"epoch {epoch}/{args.epochs}", leave=False,
                       disable=args.no_progress or rank != 0, file=sys.stderr)
        for features, labels in batches:
            loss = nn.functional.cross_entropy(trained(features), labels)
            if args.l1:
                loss = loss + args.l1 * sum(p.abs().sum() for name, p in model.named_parameters() if "weight" in name)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total_loss += loss.detach() * len(labels)
            seen += len(labels)
        if args.distributed:
            dist.all_reduce(total_loss)
            dist.all_reduce(seen)
        scheduler.step()
        test_loss, test_accuracy = evaluate(model, test_features, test_labels)
        history["train_loss"].append(total_loss.item() / seen.item())
        history["test_loss"].append(test_loss)
        history["test_accuracy"].append(test_accuracy)
        say(f"epoch {epoch:3d}/{args.epochs}  train loss {history['train_loss'][-1]:.4f}  "
            f"test loss {test_loss:.4f}  test accuracy {100 * test_accuracy:.2f}%", flush=True)
        if rank == 0:
            mt.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                     "scheduler": scheduler.state_dict(), "epoch": epoch, "history": history, "config": config},
                    checkpoint_path)
    seconds = time.perf_counter() - started
    if args.distributed:
        dist.destroy_process_group()

    if history["test_accuracy"] and rank == 0:
        save_plot(history, plot_path)
        final = history["test_accuracy"][-1]
        say(f"test accuracy {100 * final:.2f}% after {len(history['test_accuracy'])} epochs "
            f"({seconds:.1f} s of training on {device}{f' x {world} ranks' if args.distributed else ''}); "
            f"checkpoint {checkpoint_path}, plot {plot_path}")
    return {"history": history, "seconds": seconds, "device": device, "checkpoint": checkpoint_path,
            "plot": plot_path, "accuracy": history["test_accuracy"][-1] if history["test_accuracy"] else math.nan}


if __name__ == "__main__":
    main()
