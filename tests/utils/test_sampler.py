"""Samplers and DataLoader(sampler=): DistributedSampler splits every epoch as PyTorch's does (checked against
torch.utils.data.DistributedSampler without shuffling, where the order is the same), and with shuffling every
rank draws the same epoch permutation, so the shares never overlap and cover the data."""
import numpy as np
import pytest

import minitorch as mt
from minitorch.utils.data import DataLoader, DistributedSampler, RandomSampler, SequentialSampler, TensorDataset

from ..conftest import import_torch

torch = import_torch()

CASES = [(10, 3, False), (10, 3, True), (9, 3, False), (9, 3, True), (2, 5, False), (1, 4, False), (7, 2, True),
         (0, 2, True)]


@pytest.mark.parametrize("size, replicas, drop_last", CASES)
def test_unshuffled_shares_are_pytorchs(size, replicas, drop_last):
    data = list(range(size))
    for rank in range(replicas):
        ours = DistributedSampler(data, replicas, rank, shuffle=False, drop_last=drop_last)
        theirs = torch.utils.data.DistributedSampler(data, replicas, rank, shuffle=False, drop_last=drop_last)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)


@pytest.mark.parametrize("size, replicas, drop_last", [case for case in CASES if case[0]])
def test_shuffled_shares_of_an_epoch_partition_its_permutation(size, replicas, drop_last):
    data = list(range(size))
    samplers = [DistributedSampler(data, replicas, rank, seed=3, drop_last=drop_last) for rank in range(replicas)]
    epochs = []
    for epoch in (0, 1):
        for sampler in samplers:
            sampler.set_epoch(epoch)
        shares = [list(sampler) for sampler in samplers]
        assert len({len(share) for share in shares}) == 1 and len(shares[0]) == len(samplers[0])
        interleaved = [share[i] for i in range(len(shares[0])) for share in shares]  # back to one permutation
        if drop_last:
            assert len(set(interleaved)) == len(interleaved) == replicas * len(shares[0])
        else:
            assert set(interleaved) == set(data)  # every index, some twice at the end (the padding)
        epochs.append(interleaved)
        assert [list(sampler) for sampler in samplers] == shares  # the same epoch repeats
    assert epochs[0] != epochs[1] or size < 3


def test_bad_rank_and_missing_process_group():
    with pytest.raises(ValueError, match=r"Invalid rank 3, rank should be in the interval \[0, 2\]"):
        DistributedSampler(list(range(6)), num_replicas=3, rank=3)
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        DistributedSampler(list(range(6)))  # as PyTorch's: the defaults ask the (missing) default group


def test_without_mpi4py_the_defaults_say_the_distributed_package_is_missing(monkeypatch):
    monkeypatch.setattr(mt.distributed, "is_available", lambda: False)
    with pytest.raises(RuntimeError, match="Requires distributed package to be available"):
        DistributedSampler(list(range(6)), num_replicas=2)
    assert list(DistributedSampler(list(range(6)), num_replicas=2, rank=1, shuffle=False)) == [1, 3, 5]


def test_data_loader_takes_a_sampler_and_refuses_it_with_shuffle():
    dataset = TensorDataset(mt.arange(10), mt.arange(10) * 10)
    sampler = DistributedSampler(dataset, num_replicas=2, rank=1, shuffle=False)
    batches = list(DataLoader(dataset, batch_size=3, sampler=sampler))
    assert [batch[0].tolist() for batch in batches] == [[1, 3, 5], [7, 9]]
    assert [batch[1].tolist() for batch in batches] == [[10, 30, 50], [70, 90]]
    assert len(DataLoader(dataset, batch_size=3, sampler=sampler)) == 2
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        DataLoader(dataset, shuffle=True, sampler=sampler)


def test_sequential_and_random_samplers():
    data = list(range(6))
    assert list(SequentialSampler(data)) == data and len(SequentialSampler(data)) == 6
    generator = mt.Generator().manual_seed(1)
    drawn = list(RandomSampler(data, generator=generator))
    assert sorted(drawn) == data
    assert list(RandomSampler(data, generator=mt.Generator().manual_seed(1))) == drawn
    assert np.array_equal(drawn, mt.randperm(6, generator=mt.Generator().manual_seed(1)).numpy())
