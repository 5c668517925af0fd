"""minitorch.distributed with two ranks on one machine: the worker scripts here run under `mpiexec -n 2` (each
with a timeout, so a hang fails instead of stalling the suite); the argument and import checks run in-process.
The nccl backend runs here on stand-in GPUs and NCCL (stand_in_nccl.py, behind nccl_backend.load_runtime); the
gpu-marked tests run it through real NCCL where a GPU is usable.

Without mpi4py or mpiexec the two-rank tests skip saying what to install, except under CI=true, where they fail.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
import types
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

import minitorch as mt
import minitorch.distributed as dist
from minitorch import backends
from minitorch.distributed import process_group
from minitorch.distributed.collectives import start_bucket_all_reduce
from minitorch.distributed.mpi_backend import MPIBackend
from minitorch.distributed.nccl_backend import NCCLBackend
from minitorch.distributed.watchdog import Watchdog
from minitorch.nn.parallel import DistributedDataParallel
from minitorch.nn.parallel.distributed import assign_buckets

from tests.conftest import requires_gpu, requires_two_gpus
from tests.distributed import launch
from tests.distributed.launch import mpiexec, run
from tests.distributed.stand_in_nccl import StandInRuntime, install_gpus

HERE = Path(__file__).resolve().parent


def two_ranks(worker: str, *args: str) -> subprocess.CompletedProcess:
    return launch.two_ranks(HERE / worker, *args)


@pytest.mark.parametrize("backend", ["mpi", "nccl-stand-in"])
def test_every_collective_and_reduce_op_matches_numpy_in_place_and_async(backend):
    """nccl-stand-in: the nccl backend on stand-in GPUs, with NCCL's calls done over MPI (stand_in_nccl.py)."""
    result = two_ranks("worker_collectives.py", backend)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "rank 0: 142 checks passed" in result.stdout and "rank 1: 130 checks passed" in result.stdout, result.stdout
    if backend == "nccl-stand-in":
        assert "rank 0: nccl setup on cuda:0 checked" in result.stdout, result.stdout
        assert "rank 1: nccl setup on cuda:1 checked" in result.stdout, result.stdout


@pytest.mark.parametrize("backend", ["mpi", "nccl-stand-in"])
def test_mismatched_calls_raise_the_same_clear_error_on_every_rank(backend):
    result = two_ranks("worker_mismatch.py", backend)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for rank in (0, 1):
        assert (f"rank {rank} shape: all_reduce: the ranks' calls do not match (collective, shape, dtype): "
                "rank 0: all_reduce (3,) float32 SUM; rank 1: all_reduce (4,) float32 SUM") in result.stdout
        assert f"rank {rank} dtype: broadcast:" in result.stdout and "rank 1: broadcast (3,) float64" in result.stdout
        assert f"rank {rank} op: all_reduce:" in result.stdout and "rank 1: all_reduce (2,) float32 MAX" in result.stdout
        assert f"rank {rank} collective:" in result.stdout
        assert "rank 0: barrier; rank 1: all_reduce (2,) float32 SUM" in result.stdout, result.stdout
        assert "rank 0: barrier; rank 1: all_gather_object" in result.stdout, result.stdout
        assert f"rank {rank}: still in step" in result.stdout


def test_a_rank_that_raises_aborts_the_job_instead_of_hanging_the_others():
    result = two_ranks("worker_raise.py")  # a hang fails by the timeout
    assert result.returncode != 0
    assert "minitorch.distributed: rank 1 raised; aborting all 2 ranks" in result.stderr, result.stderr[-3000:]
    assert "ValueError: rank 1 fails mid-step on purpose" in result.stderr
    assert "rank 0 finished" not in result.stdout


def test_a_rank_failing_to_join_the_nccl_group_aborts_the_job_at_once():
    started = time.monotonic()
    result = two_ranks("worker_setup_fails.py")
    assert result.returncode != 0
    assert "minitorch.distributed: rank 1 raised; aborting all 2 ranks" in result.stderr, result.stderr[-3000:]
    assert "RuntimeError: cuda:1 cannot be used, on purpose" in result.stderr
    assert "joined" not in result.stdout
    assert time.monotonic() - started < 20, "the job waited for a timeout instead of aborting at once"


@pytest.mark.parametrize("wait", ["blocking", "work", "nccl-work", "wait-timeout"])
def test_a_rank_that_exits_early_makes_the_others_abort_within_the_timeout(wait):
    started = time.monotonic()
    result = two_ranks("worker_timeout.py", wait)
    elapsed = time.monotonic() - started
    assert result.returncode != 0, result.stdout + result.stderr[-3000:]
    waited = "all_reduce" if wait == "blocking" else "Work.wait of a DistributedDataParallel bucket's all_reduce"
    whose, seconds = ("Work.wait", 2) if wait == "wait-timeout" else ("init_process_group", 3)
    assert re.search(rf"minitorch.distributed: rank 0: {waited} has not finished after {seconds}\.\d s \(the "
                     rf"timeout of {whose} is {seconds} s\): another rank has exited or is stuck; aborting all 2 "
                     r"ranks", result.stderr), result.stderr[-3000:]
    assert "rank 0 finished" not in result.stdout
    assert elapsed < 3 + 10, f"took {elapsed:.1f} s to abort after a 3 s timeout"


def test_the_watchdog_aborts_only_a_wait_that_outlasts_the_timeout(capsys):
    aborted = threading.Event()
    watchdog = Watchdog(timedelta(seconds=0.2), rank=1, world_size=4, abort=aborted.set)
    for _ in range(50):  # many short waits, together far longer than the timeout
        watchdog.done(watchdog.watch("all_reduce"))
        time.sleep(0.01)
    assert not aborted.is_set()
    watchdog.watch("broadcast")
    assert aborted.wait(2), "a wait past the timeout was not aborted"
    assert re.fullmatch(r"minitorch.distributed: rank 1: broadcast has not finished after 0\.[2-9] s \(the timeout "
                        r"of init_process_group is 0\.2 s\): another rank has exited or is stuck; aborting all 4 "
                        r"ranks\n", capsys.readouterr().err)
    watchdog.stop()


@pytest.mark.parametrize("blas_threads", [None, "2"])
def test_the_launcher_sets_torchruns_variables_and_passes_the_arguments(blas_threads):
    mpiexec()
    result = run(sys.executable, "-m", "minitorch.distributed.run", "--nproc-per-node", "2",
                 str(HERE / "worker_environment.py"), "--epochs", "3", "x", blas_threads=blas_threads)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    ranks = sorted((json.loads(line) for line in result.stdout.splitlines()), key=lambda seen: seen["rank"])
    threads = blas_threads or "1"  # as torchrun: one thread per rank unless the user chose
    assert [seen["before"] for seen in ranks] == [
        {"RANK": str(rank), "WORLD_SIZE": "2", "LOCAL_RANK": str(rank), "LOCAL_WORLD_SIZE": "2",
         "OMP_NUM_THREADS": threads} for rank in (0, 1)]
    assert ("setting OMP_NUM_THREADS=1 for each rank" in result.stderr) == (blas_threads is None), result.stderr
    assert [(seen["rank"], seen["world_size"], seen["argv"]) for seen in ranks] == [
        (rank, 2, ["--epochs", "3", "x"]) for rank in (0, 1)]


def test_the_torchrun_variables_come_from_mpich_or_open_mpi():
    assert process_group.torchrun_environment({"PMI_RANK": "3", "PMI_SIZE": "4", "MPI_LOCALRANKID": "1",
                                               "MPI_LOCALNRANKS": "2", "HOME": "/"}) == {
        "RANK": "3", "WORLD_SIZE": "4", "LOCAL_RANK": "1", "LOCAL_WORLD_SIZE": "2"}
    assert process_group.torchrun_environment({"OMPI_COMM_WORLD_RANK": "5", "OMPI_COMM_WORLD_LOCAL_RANK": "0"}) == {
        "RANK": "5", "LOCAL_RANK": "0"}


def test_import_minitorch_never_imports_mpi4py_and_init_says_what_to_install():
    code = ("import sys, minitorch, minitorch.distributed as dist; assert 'mpi4py' not in sys.modules; "
            "assert 'cupy.cuda.nccl' not in sys.modules; "
            "sys.modules['mpi4py'] = None; sys.modules['mpi4py.MPI'] = None; print(dist.is_available()); "
            "dist.init_process_group('mpi')")
    result = run(sys.executable, "-c", code)
    assert result.stdout == "False\n", result.stdout + result.stderr[-2000:]
    assert "ImportError: minitorch.distributed needs mpi4py and an MPI library" in result.stderr
    assert "pip install 'minitorch[distributed]'" in result.stderr


def test_without_a_process_group_the_queries_raise_pytorchs_value_error():
    assert not dist.is_initialized()
    for query in (dist.get_rank, dist.get_world_size, dist.get_backend, dist.barrier, dist.destroy_process_group):
        with pytest.raises(ValueError, match="Default process group has not been initialized, please make sure "
                                             "to call init_process_group."):
            query()
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        dist.all_reduce(mt.ones(2))


def test_unknown_backends_init_methods_and_timeouts_are_refused():
    with pytest.raises(ValueError, match="Invalid backend: 'gloo'"):
        dist.init_process_group("gloo")
    with pytest.raises(ValueError, match="init_method='tcp://10.0.0.1:23456'"):
        dist.init_process_group("mpi", init_method="tcp://10.0.0.1:23456")
    with pytest.raises(TypeError, match="Expected timeout argument to be of type datetime.timedelta, got int"):
        dist.init_process_group("mpi", timeout=30)
    assert not dist.is_initialized()


def test_nccl_without_a_gpu_or_without_cupy_says_why():
    result = run(sys.executable, "-c", "import minitorch.distributed as d; d.init_process_group('nccl')")
    assert result.returncode != 0
    assert "RuntimeError: the nccl backend needs a CUDA GPU for each rank: " in result.stderr, result.stderr[-2000:]
    code = "import sys; sys.modules['cupy'] = None; import minitorch.distributed as d; d.init_process_group('nccl')"
    result = run(sys.executable, "-c", code)
    assert "ImportError: the nccl backend needs CuPy with NCCL" in result.stderr, result.stderr[-2000:]


class RecordingComm:
    """MPI's side of the nccl setup for one rank of two: bcast hands out rank 0's unique id."""

    def __init__(self, from_rank_0: bytes) -> None:
        self.from_rank_0, self.broadcasts = from_rank_0, []

    def bcast(self, value: object, root: int) -> bytes:
        self.broadcasts.append((value, root))
        return self.from_rank_0 if value is None else value


@pytest.mark.parametrize("rank", [0, 1])
def test_nccl_setup_rank_0_makes_the_unique_id_and_every_rank_builds_its_communicator_on_its_gpu(rank):
    runtime, comm = StandInRuntime(), RecordingComm(b"rank 0's id")
    backend = NCCLBackend(comm, rank=rank, world_size=2, local_rank=rank, runtime=runtime, host=None)
    unique_id = comm.broadcasts[0][0] if rank == 0 else b"rank 0's id"
    assert comm.broadcasts == [(unique_id if rank == 0 else None, 0)]
    assert unique_id.startswith(b"stand-in id " if rank == 0 else b"rank 0")
    assert runtime.log == [("use_device", rank), *([("get_unique_id",)] if rank == 0 else []),
                           ("NcclCommunicator", 2, unique_id, rank), ("stream", backend.stream.ptr)]
    assert backend.device == f"cuda:{rank}" and backend.name == "nccl"


class NoCommunicator:
    """A default group of two whose communicator must not be reached: the checks come first."""

    rank, world_size = 0, 2
    comm = property(lambda self: pytest.fail("communicated before checking the arguments"))
    watchdog = property(lambda self: pytest.fail("watched a collective whose arguments are wrong"))

    def __init__(self, backend: str = "mpi") -> None:
        stub_mpi = types.SimpleNamespace(SUM="sum", PROD="prod", MIN="min", MAX="max", LOR="or", LAND="and")
        self.backend = backend
        self.engine = MPIBackend(stub_mpi, types.SimpleNamespace(Get_size=lambda: 2)) if backend == "mpi" else \
            NCCLBackend(RecordingComm(b"id"), 0, 2, 0, StandInRuntime(), None)


def test_the_nccl_backend_refuses_cpu_tensors_other_gpus_and_dtypes_nccl_lacks(monkeypatch):
    monkeypatch.setattr(process_group, "_group", NoCommunicator("nccl"))
    monkeypatch.setattr(backends, "_cuda_backends", {})
    install_gpus(2)  # cuda:0 and cuda:1, holding NumPy arrays, for this test only
    with pytest.raises(RuntimeError, match=r"all_reduce: the nccl backend takes CUDA tensors, got tensor on cpu "
                                           r"\(init_process_group\('mpi'\) for CPU tensors\)"):
        dist.all_reduce(mt.ones(3))
    with pytest.raises(RuntimeError, match=r"broadcast: the nccl backend of rank 0 uses cuda:0 \(one GPU per rank, "
                                           r"cuda:LOCAL_RANK\), got tensor on cuda:1"):
        dist.broadcast(mt.ones(3, device="cuda:1"), src=0)
    with pytest.raises(RuntimeError, match="all_gather_into_tensor: the nccl backend takes CUDA tensors, got "
                                           "output_tensor on cpu"):
        dist.all_gather_into_tensor(mt.ones(6), mt.ones(3, device="cuda:0"))
    with pytest.raises(RuntimeError, match=r"all_gather: the nccl backend takes CUDA tensors, got tensor_list\[1\]"):
        dist.all_gather([mt.ones(3, device="cuda:0"), mt.ones(3)], mt.ones(3, device="cuda:0"))
    with pytest.raises(TypeError, match="all_reduce: the nccl backend has no NCCL type for complex64 .it takes "
                                        "float16, float32, float64, int32, int64, uint8, int8, bool."):
        start_bucket_all_reduce(np.zeros(3, np.complex64))
    with pytest.raises(RuntimeError, match="reduce: ReduceOp.AVG needs a floating tensor, got int64"):
        dist.reduce(mt.ones(3, dtype=mt.int64, device="cuda:0"), dst=0, op=dist.ReduceOp.AVG)


def test_bad_tensors_are_refused_before_any_communication(monkeypatch, fake_cuda):
    monkeypatch.setattr(process_group, "_group", NoCommunicator("mpi"))
    with pytest.raises(RuntimeError, match="all_reduce: the mpi backend takes CPU tensors, got tensor on cuda:0"):
        dist.all_reduce(mt.ones(3, device="cuda"))
    with pytest.raises(RuntimeError, match="broadcast: tensor must be contiguous"):
        dist.broadcast(mt.ones(3, 2).t(), src=0)
    with pytest.raises(RuntimeError, match=r"broadcast: src=2 is not a rank of the group \(world size 2\)"):
        dist.broadcast(mt.ones(3), src=2)
    with pytest.raises(RuntimeError, match="all_gather: tensor_list must be a list of 2 tensors .the world size., got 1"):
        dist.all_gather([mt.ones(3)], mt.ones(3))
    with pytest.raises(RuntimeError, match=r"all_gather: tensor_list\[1\] is \(2,\) float32, the tensor is \(3,\)"):
        dist.all_gather([mt.ones(3), mt.ones(2)], mt.ones(3))
    with pytest.raises(RuntimeError, match="all_gather_into_tensor: output_tensor must have 2 times the elements"):
        dist.all_gather_into_tensor(mt.ones(5), mt.ones(3))
    with pytest.raises(ValueError, match="gather: Argument ``gather_list`` must be specified on destination rank"):
        dist.gather(mt.ones(3), dst=0)
    with pytest.raises(ValueError, match="scatter: Argument ``scatter_list`` must NOT be specified on non-source"):
        dist.scatter(mt.ones(3), [mt.ones(3), mt.ones(3)], src=1)
    with pytest.raises(TypeError, match="all_reduce: op must be a ReduceOp, got 'sum'"):
        dist.all_reduce(mt.ones(3), op="sum")
    with pytest.raises(NotImplementedError, match="only the default group; got group='workers'"):
        dist.barrier(group="workers")


@requires_gpu
@pytest.mark.gpu
def test_every_collective_through_real_nccl_on_one_gpu():
    """One rank (mpi4py without mpiexec is a world of one) on cuda:0: NCCL's calls, streams, events and pointers."""
    mpiexec()  # mpi4py, or a skip saying what to install
    result = run(sys.executable, str(HERE / "worker_collectives.py"), "nccl")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "rank 0: 130 checks passed" in result.stdout, result.stdout  # rank 0 is every root of a world of one


@requires_two_gpus
@pytest.mark.gpu
def test_every_collective_through_real_nccl_on_two_gpus():
    result = two_ranks("worker_collectives.py", "nccl")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "rank 0: 142 checks passed" in result.stdout and "rank 1: 130 checks passed" in result.stdout, result.stdout


def test_ddp_trains_as_one_process_on_the_whole_batches():
    result = two_ranks("worker_ddp.py")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for rank in (0, 1):
        assert f"rank {rank}: ddp checks passed" in result.stdout, result.stdout
    for case in ("sgd momentum", "adam", "adam float32, a bucket per parameter",
                 "sgd, no_sync accumulation of 2 micro-batches", "adam, gradient_as_bucket_view"):
        assert f"rank 0: {case}: largest parameter difference" in result.stdout, result.stdout


def test_ddp_refuses_bad_arguments_before_any_communication(monkeypatch, fake_cuda):
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        DistributedDataParallel(mt.nn.Linear(2, 2))
    monkeypatch.setattr(process_group, "_group", NoCommunicator())
    monkeypatch.setattr(NoCommunicator, "backend", "mpi", raising=False)
    with pytest.raises(RuntimeError, match="DistributedDataParallel is not needed when a module doesn't have any "
                                           "parameter that requires a gradient."):
        DistributedDataParallel(mt.nn.ReLU())
    with pytest.raises(ValueError, match=r"device_ids and output_device arguments only work with .* but got "
                                         r"device_ids \[0\], output_device None, and module parameters \{cpu\}"):
        DistributedDataParallel(mt.nn.Linear(2, 2), device_ids=[0])
    with pytest.raises(ValueError, match="the mpi backend takes CPU tensors, but the module's parameters are on "
                                         "cuda:0"):
        DistributedDataParallel(mt.nn.Linear(2, 2).to("cuda"))
    with pytest.raises(NotImplementedError, match="only the default group; got process_group='workers'"):
        DistributedDataParallel(mt.nn.Linear(2, 2), process_group="workers")


def test_buckets_go_in_reverse_order_by_dtype_closed_at_their_cap():
    parameters = [mt.nn.Parameter(mt.zeros(n, dtype=dtype)) for n, dtype in
                  ((300, mt.float32), (10, mt.float64), (200, mt.float32), (100, mt.float32), (50, mt.float64))]
    # reversed: 50 f64 (400 B), 100 f32 (400 B), 200 f32 (the float32 bucket reaches 1200 B and closes), 10 f64,
    # 300 f32 (1200 B: closes at once); the float64 one is still open at the end
    assert assign_buckets(parameters, bucket_cap_bytes=1000, first_bucket_bytes=1000) == [[3, 2], [0], [4, 1]]
    assert assign_buckets(parameters, bucket_cap_bytes=10 ** 6, first_bucket_bytes=300) == [[4], [3, 2, 0], [1]]


def test_ddp_on_the_nccl_backend_trains_as_one_process():
    """Stand-in GPUs and NCCL (stand_in_nccl.py): DDP's broadcast and buckets through the nccl engine."""
    result = two_ranks("worker_ddp_nccl.py")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for rank in (0, 1):
        assert f"rank {rank}: ddp on nccl matches one process" in result.stdout, result.stdout


def test_work_wait_takes_its_timeout_as_a_timedelta():
    with pytest.raises(TypeError, match="Work.wait: timeout must be a datetime.timedelta, got int"):
        dist.Work(None, None, "all_reduce").wait(timeout=5)
