"""Long runs do not grow: the graph, saved tensors and optimizer state are freed every step, without cycles."""
from __future__ import annotations

import gc
import tracemalloc

import pytest

import minitorch as mt
from minitorch import nn


def make_training_step(optimizer_name: str, retain_graph: bool):
    mt.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
    optimizers = {"sgd": lambda: mt.optim.SGD(model.parameters(), lr=0.01, momentum=0.9),
                  "adam": lambda: mt.optim.Adam(model.parameters(), lr=1e-3)}
    optimizer = optimizers[optimizer_name]()
    features, labels = mt.randn(32, 8), mt.randint(0, 4, (32,))

    def step() -> None:
        loss = nn.functional.cross_entropy(model(features), labels)
        optimizer.zero_grad()
        loss.backward(retain_graph=retain_graph)  # retained graphs must still go when the loss goes
        optimizer.step()

    return step


@pytest.mark.parametrize("retain_graph, steps", [(False, 20_000), (True, 5_000)])
def test_long_training_keeps_memory_flat(retain_graph: bool, steps: int) -> None:
    step = make_training_step("sgd", retain_graph)
    for _ in range(500):
        step()
    tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0]
        for _ in range(steps):
            step()
        growth = tracemalloc.get_traced_memory()[0] - baseline
    finally:
        tracemalloc.stop()
    assert growth < 1_000_000, f"traced memory grew by {growth} bytes over {steps} steps"


@pytest.mark.parametrize("optimizer_name", ["sgd", "adam"])
def test_a_training_step_leaves_no_reference_cycles(optimizer_name: str) -> None:
    step = make_training_step(optimizer_name, retain_graph=False)
    step()  # optimizer state is created on the first step
    gc.collect()
    gc.disable()
    try:
        for _ in range(3):
            step()
        unreachable = gc.collect()
    finally:
        gc.enable()
    assert unreachable == 0, f"{unreachable} objects were only reachable through reference cycles"
