"""The host emulation of CUDA's thread model (host_cuda/cuda_host.h) and the host launch (host_runtime.py) do
what the kernel tests rely on: a real barrier, one shared array per block, the launch shape, and launches
refused or failed where a GPU would compute garbage (a race shows, divergent barriers, writes past an
array, arguments of the wrong type, non-contiguous arrays, NULL where a kernel reads)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from .conftest import gxx_missing, require
from .host_runtime import HostRuntime, build

PROBES = (Path(__file__).with_name("host_cuda") / "probe_kernels.cu").read_text()


@pytest.fixture(scope="module")
def probes(tmp_path_factory: pytest.TempPathFactory) -> HostRuntime:
    require(gxx_missing())
    return HostRuntime(build(Path(tmp_path_factory.mktemp("probes")), PROBES), PROBES)


def test_a_barrier_orders_every_thread_of_the_block(probes: HostRuntime) -> None:
    blocks, threads = 3, 256
    out = np.full(blocks * threads, np.nan, np.float32)
    probes.function("exchange_after_barrier")((blocks,), (threads,), (out,))
    block, thread = np.divmod(np.arange(blocks * threads), threads)
    np.testing.assert_array_equal(out, 1000 * block + (thread + 1) % threads)


def test_a_race_on_shared_memory_shows(probes: HostRuntime) -> None:
    """Without the barrier, threads read neighbours not yet written: in the blocks that run their threads
    forwards, every thread but the last reads a stale value."""
    blocks, threads = 3, 256
    out = np.full(blocks * threads, np.nan, np.float32)
    probes.function("exchange_without_barrier")((blocks,), (threads,), (out,))
    block, thread = np.divmod(np.arange(blocks * threads), threads)
    stale = out != 1000 * block + (thread + 1) % threads
    assert stale[block == 0].sum() >= threads - 1 and stale[block == 2].sum() >= threads - 1


def test_threads_that_skip_a_barrier_fail_the_launch(probes: HostRuntime) -> None:
    with pytest.raises(RuntimeError, match=r"divergent_barrier: block 0: 1 of 32 threads returned while the others "
                                           r"wait at __syncthreads\(\)"):
        probes.function("divergent_barrier")((1,), (32,), (np.zeros(32, np.float32),))


def test_each_thread_sees_its_launch_shape(probes: HostRuntime) -> None:
    blocks, threads = 5, 96
    out = np.zeros((blocks * threads, 4), np.int64)
    probes.function("launch_shape")((blocks,), (threads,), (out, np.int32(10), np.float64(7.0)))
    block, thread = np.divmod(np.arange(blocks * threads), threads)
    np.testing.assert_array_equal(out, np.stack([block * 10 + 7, thread, np.full_like(thread, threads),
                                                 np.full_like(thread, blocks)], axis=1))


def test_a_write_past_an_array_fails_the_launch(probes: HostRuntime) -> None:
    out = np.zeros(100, np.float32)
    probes.function("fill")((1,), (128,), (out, np.int64(100)))
    assert (out == 1).all()
    with pytest.raises(AssertionError, match="fill wrote outside float\\* out of 100 elements: 0 bytes before it, "
                                             "4 after it"):
        probes.function("fill")((1,), (128,), (np.zeros(100, np.float32), np.int64(101)))


@pytest.mark.parametrize("args, message", [
    ((np.zeros(8, np.float32), np.int32(8)), "fill: int32 8 for long long n"),
    ((np.zeros(8, np.float32), 8), "fill: int 8 for long long n"),
    ((np.zeros(8, np.float64), np.int64(8)), "fill: float64 array for float\\* out"),
    ((np.zeros((4, 4), np.float32)[:, ::2], np.int64(8)), "fill: float\\* out is not C-contiguous"),
    ((None, np.int64(8)), "fill: NULL for float\\* out"),
    ((np.zeros(8, np.float32),), "fill: 1 arguments for 2"),
])
def test_arguments_must_match_the_c_signature(probes: HostRuntime, args: tuple, message: str) -> None:
    with pytest.raises(AssertionError, match=message):
        probes.function("fill")((1,), (32,), args)


@pytest.mark.parametrize("grid, block, message", [((0,), (32,), "fill: grid \\(0,\\)"),
                                                  ((1,), (2048,), "invalid launch: grid 1, block 2048"),
                                                  ((1, 2), (32,), "grid \\(1, 2\\) is not 1-D"),
                                                  (1, (32,), "grid 1")])
def test_launch_shapes_are_checked(probes: HostRuntime, grid: object, block: tuple, message: str) -> None:
    with pytest.raises((AssertionError, RuntimeError), match=message):
        probes.function("fill")(grid, block, (np.zeros(8, np.float32), np.int64(8)))


def test_new_arrays_start_as_garbage(probes: HostRuntime) -> None:
    """empty arrays are NaN (floats) or 0xA5 bytes, so an output element no kernel writes shows."""
    assert np.isnan(probes.xp.empty(3, np.float16)).all() and np.isnan(probes.xp.empty_like(np.ones(2))).all()
    assert (probes.xp.empty(2, np.int64).view(np.uint8) == 0xA5).all()


def test_an_illegal_memory_access_fails_the_launch_not_the_process(probes: HostRuntime) -> None:
    out = np.zeros(32, np.float32)
    with pytest.raises(RuntimeError, match=r"read_through_null: illegal memory access at address \(nil\) by thread "
                                           r"\d+ of block 0"):
        probes.function("read_through_null")((1,), (32,), (out, None))
    probes.function("fill")((1,), (32,), (out, np.int64(32)))  # launches still work afterwards
    assert (out == 1).all()
