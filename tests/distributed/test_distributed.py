"""minitorch.distributed with two ranks on one machine: the worker scripts here run under `mpiexec -n 2` (each
with a timeout, so a hang fails instead of stalling the suite); the argument and import checks run in-process.

Without mpi4py or mpiexec the two-rank tests skip saying what to install, except under CI=true, where they fail.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import minitorch as mt
import minitorch.distributed as dist
from minitorch.distributed import process_group
from minitorch.nn.parallel import DistributedDataParallel
from minitorch.nn.parallel.distributed import assign_buckets
from tests.distributed import launch
from tests.distributed.launch import mpiexec, run

HERE = Path(__file__).resolve().parent


def two_ranks(worker: str) -> subprocess.CompletedProcess:
    return launch.two_ranks(HERE / worker)


def test_every_collective_and_reduce_op_matches_numpy_in_place_and_async():
    result = two_ranks("worker_collectives.py")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "rank 0: 132 checks passed" in result.stdout and "rank 1: 120 checks passed" in result.stdout, result.stdout


def test_mismatched_calls_raise_the_same_clear_error_on_every_rank():
    result = two_ranks("worker_mismatch.py")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for rank in (0, 1):
        assert (f"rank {rank} shape: all_reduce: the ranks' calls do not match (collective, shape, dtype): "
                "rank 0: all_reduce (3,) float32 SUM; rank 1: all_reduce (4,) float32 SUM") in result.stdout
        assert f"rank {rank} dtype: broadcast:" in result.stdout and "rank 1: broadcast (3,) float64" in result.stdout
        assert f"rank {rank} op: all_reduce:" in result.stdout and "rank 1: all_reduce (2,) float32 MAX" in result.stdout
        assert f"rank {rank} collective:" in result.stdout
        assert f"rank {rank}: still in step" in result.stdout


def test_a_rank_that_raises_aborts_the_job_instead_of_hanging_the_others():
    result = two_ranks("worker_raise.py")  # a hang fails by the timeout
    assert result.returncode != 0
    assert "minitorch.distributed: rank 1 raised; aborting all 2 ranks" in result.stderr, result.stderr[-3000:]
    assert "ValueError: rank 1 fails mid-step on purpose" in result.stderr
    assert "rank 0 finished" not in result.stdout


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


def test_nccl_and_unknown_backends_and_init_methods_are_refused():
    with pytest.raises(NotImplementedError, match="the nccl backend .CUDA tensors. is not there yet"):
        dist.init_process_group("nccl")
    with pytest.raises(ValueError, match="Invalid backend: 'gloo'"):
        dist.init_process_group("gloo")
    with pytest.raises(ValueError, match="init_method='tcp://10.0.0.1:23456'"):
        dist.init_process_group("mpi", init_method="tcp://10.0.0.1:23456")
    assert not dist.is_initialized()


class NoCommunicator:
    """A default group whose communicator must not be reached: the checks come first."""

    rank, world_size = 0, 2
    comm = property(lambda self: pytest.fail("communicated before checking the arguments"))


def test_bad_tensors_are_refused_before_any_communication(monkeypatch, fake_cuda):
    monkeypatch.setattr(process_group, "_group", NoCommunicator())
    with pytest.raises(RuntimeError, match="all_reduce: the mpi backend takes CPU tensors, got tensor on cuda:0"):
        dist.all_reduce(mt.ones(3, device="cuda"))
    with pytest.raises(RuntimeError, match="broadcast: tensor must be contiguous"):
        dist.broadcast(mt.ones(3, 2).t(), src=0)
    with pytest.raises(ValueError, match=r"broadcast: src=2 is not a rank of the group \(world size 2\)"):
        dist.broadcast(mt.ones(3), src=2)
    with pytest.raises(ValueError, match="all_gather: tensor_list must be a list of 2 tensors .the world size., got 1"):
        dist.all_gather([mt.ones(3)], mt.ones(3))
    with pytest.raises(ValueError, match=r"all_gather: tensor_list\[1\] is \(2,\) float32, the tensor is \(3,\)"):
        dist.all_gather([mt.ones(3), mt.ones(2)], mt.ones(3))
    with pytest.raises(ValueError, match="all_gather_into_tensor: output_tensor must have 2 times the elements"):
        dist.all_gather_into_tensor(mt.ones(5), mt.ones(3))
    with pytest.raises(ValueError, match="gather: Argument ``gather_list`` must be specified on destination rank"):
        dist.gather(mt.ones(3), dst=0)
    with pytest.raises(ValueError, match="scatter: Argument ``scatter_list`` must NOT be specified on non-source"):
        dist.scatter(mt.ones(3), [mt.ones(3), mt.ones(3)], src=1)
    with pytest.raises(TypeError, match="all_reduce: op must be a ReduceOp, got 'sum'"):
        dist.all_reduce(mt.ones(3), op="sum")
    with pytest.raises(NotImplementedError, match="only the default group; got group='workers'"):
        dist.barrier(group="workers")


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
