"""Datasets and the DataLoader that batches them, as torch.utils.data.

    dataset = TensorDataset(features, labels)            # features (N, ...), labels (N,)
    loader = DataLoader(dataset, batch_size=32, shuffle=True)
    for x, y in loader:                                   # x (32, ...), y (32,), on the dataset's device
        ...

Shuffling draws a permutation at the start of every pass over the data, from `generator` when one is
given, else from minitorch's global generator (so minitorch.manual_seed repeats the order). Loading
happens in the calling process.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Callable, Iterator

import numpy as np

from .. import creation, dtypes
from ..functions.shape import stack
from ..tensor import Tensor
from ..generator import Generator
from ..random import randperm
from .sampler import DistributedSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["Dataset", "TensorDataset", "Subset", "random_split", "DataLoader", "default_collate", "Sampler",
           "SequentialSampler", "RandomSampler", "DistributedSampler"]


class Dataset:
    """A map-style dataset: subclasses define __getitem__(index) -> sample and __len__()."""

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")


class TensorDataset(Dataset):
    """Samples are the rows of tensors that share their first dim: dataset[i] = (t[i] for t in tensors)."""

    def __init__(self, *tensors: Tensor) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        for position, tensor in enumerate(tensors):
            if not isinstance(tensor, Tensor) or tensor.ndim == 0:
                raise TypeError(f"TensorDataset: argument {position} must be a tensor of at least 1 dim, got "
                                f"{tensor!r}")
        sizes = [tensor.shape[0] for tensor in tensors]
        if len(set(sizes)) > 1:
            raise AssertionError(f"Size mismatch between tensors: first dims {sizes}")
        self.tensors = tensors

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(tensor[index] for tensor in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of `dataset` at `indices`, in that order."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = [int(index) for index in indices]

    def __getitem__(self, index: int) -> Any:
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


def random_split(dataset: Dataset, lengths: Sequence[int | float],
                 generator: Generator | None = None) -> list[Subset]:
    """Split into non-overlapping random Subsets of the given lengths (or fractions summing to 1)."""
    total = len(dataset)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        counts = [int(math.floor(total * fraction)) for fraction in lengths]
        for position in range(total - sum(counts)):  # the remainder goes round-robin, as PyTorch
            counts[position % len(counts)] += 1
    else:
        counts = [int(length) for length in lengths]
    if sum(counts) != total:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    order = randperm(total, generator=generator).numpy()
    subsets, start = [], 0
    for count in counts:
        subsets.append(Subset(dataset, order[start:start + count].tolist()))
        start += count
    return subsets


def default_collate(batch: list) -> Any:
    """Samples merged into a batch: tensors stacked on a new dim 0, numbers into tensors, and
    tuples, lists and dicts collated field by field (a tuple of fields becomes a list, as PyTorch)."""
    first = batch[0]
    if isinstance(first, Tensor):
        return stack(batch)
    if isinstance(first, np.ndarray):
        return stack([creation.from_numpy(np.asarray(sample, order="C")) for sample in batch])
    if isinstance(first, (bool, np.bool_)):
        return creation.tensor(batch, dtype=dtypes.bool_)
    if isinstance(first, (int, np.integer)):
        return creation.tensor(batch, dtype=dtypes.int64)
    if isinstance(first, (float, np.floating)):
        return creation.tensor(batch, dtype=dtypes.float64)
    if isinstance(first, str):
        return list(batch)
    if isinstance(first, Mapping):
        return {key: default_collate([sample[key] for sample in batch]) for key in first}
    if isinstance(first, Sequence):
        if any(len(sample) != len(first) for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        return [default_collate(list(field)) for field in zip(*batch)]
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
                    f"found {type(first).__name__}")


class DataLoader:
    """Batches of a dataset: DataLoader(dataset, batch_size=1, shuffle=False, sampler=None, drop_last=False).

    Each batch is collate_fn(list of samples) (default_collate stacks them); a TensorDataset is batched
    by indexing its tensors directly, which gives the same batches without a Python loop per sample. A
    sampler (e.g. DistributedSampler) gives the order of the indices instead of shuffle.
    drop_last drops a final batch smaller than batch_size. num_workers is accepted for compatibility;
    minitorch loads in the calling process.
    """

    def __init__(self, dataset: Dataset, batch_size: int = 1, shuffle: bool = False, sampler: Sampler | None = None,
                 drop_last: bool = False, collate_fn: Callable[[list], Any] | None = None,
                 generator: Generator | None = None, num_workers: int = 0) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable "
                             f"multiprocessing (got {num_workers})")
        if generator is not None and not isinstance(generator, Generator):
            raise TypeError(f"generator must be a minitorch.Generator, got {type(generator).__name__}")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = bool(shuffle)
        self.sampler = sampler
        self.drop_last = drop_last
        self.collate_fn = collate_fn
        self.generator = generator
        self.num_workers = num_workers

    def __len__(self) -> int:
        count = len(self.dataset if self.sampler is None else self.sampler)
        return count // self.batch_size if self.drop_last else math.ceil(count / self.batch_size)

    def _batches_of_indices(self) -> Iterator[np.ndarray]:
        if self.sampler is not None:
            order = np.fromiter(self.sampler, dtype=np.int64)
        else:
            count = len(self.dataset)
            order = randperm(count, generator=self.generator).numpy() if self.shuffle else np.arange(count)
        count = len(order)
        for start in range(0, count, self.batch_size):
            indices = order[start:start + self.batch_size]
            if self.drop_last and len(indices) < self.batch_size:
                return
            yield indices

    def __iter__(self) -> Iterator[Any]:
        for indices in self._batches_of_indices():
            if self.collate_fn is None and isinstance(self.dataset, TensorDataset):
                yield [tensor[creation.tensor(indices, device=tensor.device)] for tensor in self.dataset.tensors]
            else:
                samples = [self.dataset[int(index)] for index in indices]
                yield (self.collate_fn or default_collate)(samples)
