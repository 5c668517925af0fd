"""Freed host memory is kept for the next training step (glibc's mallopt), unless the user opts out."""
import os
import subprocess
import sys

import pytest

from minitorch.backends import host_memory

GLIBC = bool(os.confstr("CS_GNU_LIBC_VERSION")) if hasattr(os, "confstr") else False

# Steps of the benchmark's 784-512-512-10 MLP (batch 256) in a fresh process; prints page faults per step.
FAULTS_PER_STEP = """
import resource
import minitorch
from minitorch import nn
minitorch.manual_seed(0)
model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
optimizer = minitorch.optim.SGD(model.parameters(), lr=0.01)
features, labels = minitorch.randn(256, 784), minitorch.randint(0, 10, (256,))
def step():
    optimizer.zero_grad()
    nn.functional.cross_entropy(model(features), labels).backward()
    optimizer.step()
for _ in range(5):
    step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):
    step()
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 20)
"""


# Blocks of 2 and 8 MB allocated and freed over and over; prints page faults per round. Before minitorch comes
# in, the process's malloc is left with glibc's 128 KiB mmap threshold pinned (as any earlier mallopt does):
# minitorch's settings must hold whatever state it finds.
FAULTS_PER_REALLOCATION = """
import ctypes
ctypes.CDLL(None).mallopt(-2, 1 << 20)  # M_TOP_PAD: pins the mmap threshold where it stands
import resource
import minitorch
import numpy as np
np.ones(1 << 21, np.float32)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(30):
    large, small = np.ones(1 << 21, np.float32), np.ones(1 << 19, np.float32)
    del large, small
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 30)
"""


def _faults_per_step(script: str = FAULTS_PER_STEP, **environment: str) -> float:
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                            env={**os.environ, **environment})
    return float(result.stdout)


@pytest.mark.skipif(not GLIBC, reason="mallopt is a glibc malloc setting; this C library is not glibc")
def test_training_steps_do_not_fault_their_memory_in_again():
    # one step touches ~7 MB of fresh activations and gradients: ~1,800 faults if the heap were trimmed
    assert _faults_per_step() < 100


@pytest.mark.skipif(not GLIBC, reason="mallopt is a glibc malloc setting; this C library is not glibc")
def test_freed_blocks_are_reused_not_mapped_afresh():
    # 10 MB a round: ~2,560 faults if every block were a fresh mmap (as with M_TOP_PAD alone)
    assert _faults_per_step(FAULTS_PER_REALLOCATION) < 100


@pytest.mark.skipif(not GLIBC, reason="mallopt is a glibc malloc setting; this C library is not glibc")
def test_setting_is_taken_on_glibc(monkeypatch):
    monkeypatch.delenv("MINITORCH_KEEP_HEAP", raising=False)
    assert host_memory.keep_freed_heap() is True


def test_opt_out_leaves_malloc_alone(monkeypatch):
    monkeypatch.setenv("MINITORCH_KEEP_HEAP", "0")
    monkeypatch.setattr(host_memory, "_glibc", lambda: pytest.fail("malloc was touched despite the opt-out"))
    assert host_memory.keep_freed_heap() is False
