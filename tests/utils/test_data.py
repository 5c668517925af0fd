"""Dataset, TensorDataset, Subset, random_split, default_collate and DataLoader (batching, shuffling, seeding)."""
import numpy as np
import pytest

import minitorch as mt
from minitorch.utils.data import DataLoader, Dataset, Subset, TensorDataset, default_collate, random_split


def dataset(count=10):
    features = mt.arange(count * 2, dtype=mt.float32).reshape(count, 2)
    return TensorDataset(features, mt.arange(count))


def labels_of(loader):
    return [batch[1].numpy().tolist() for batch in loader]


def test_tensor_dataset_indexing_and_errors():
    data = dataset()
    x, y = data[3]
    assert x.numpy().tolist() == [6.0, 7.0] and y.item() == 3 and len(data) == 10
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TensorDataset(mt.zeros(3), mt.zeros(4))
    with pytest.raises(TypeError, match="argument 0 must be a tensor of at least 1 dim"):
        TensorDataset(mt.tensor(1.0))


def test_batches_in_order_with_the_last_one_short_or_dropped():
    loader = DataLoader(dataset(), batch_size=4)
    assert len(loader) == 3
    assert labels_of(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    first_x, first_y = next(iter(loader))
    assert first_x.shape == (4, 2) and first_x.dtype is mt.float32 and first_y.dtype is mt.int64
    dropping = DataLoader(dataset(), batch_size=4, drop_last=True)
    assert len(dropping) == 2 and labels_of(dropping) == [[0, 1, 2, 3], [4, 5, 6, 7]]


def test_shuffle_covers_everything_and_repeats_with_manual_seed():
    loader = DataLoader(dataset(), batch_size=3, shuffle=True)
    mt.manual_seed(7)
    first_epoch, second_epoch = labels_of(loader), labels_of(loader)
    assert sorted(sum(first_epoch, [])) == list(range(10))
    assert first_epoch != second_epoch  # a new order every pass
    assert sum(first_epoch, []) != list(range(10))
    mt.manual_seed(7)
    assert labels_of(loader) == first_epoch  # the global generator makes it repeat


def test_generator_argument_is_independent_of_the_global_generator():
    def epoch(seed, global_seed):
        mt.manual_seed(global_seed)
        return labels_of(DataLoader(dataset(), batch_size=5, shuffle=True, generator=mt.Generator().manual_seed(seed)))

    assert epoch(1, 100) == epoch(1, 200)
    assert epoch(1, 100) != epoch(2, 100)


def test_features_and_labels_stay_paired_after_shuffling():
    mt.manual_seed(0)
    for x, y in DataLoader(dataset(), batch_size=4, shuffle=True):
        np.testing.assert_array_equal(x.numpy()[:, 0], 2 * y.numpy())


class Squares(Dataset):
    def __len__(self):
        return 5

    def __getitem__(self, index):
        return {"x": np.full(2, index, dtype=np.float32), "square": index * index, "name": f"item{index}",
                "pair": (float(index), mt.tensor([index, -index]))}


def test_default_collate_of_a_custom_dataset():
    batch = next(iter(DataLoader(Squares(), batch_size=3)))
    assert batch["x"].shape == (3, 2) and batch["x"].dtype is mt.float32
    assert batch["square"].numpy().tolist() == [0, 1, 4] and batch["square"].dtype is mt.int64
    assert batch["name"] == ["item0", "item1", "item2"]
    floats, tensors = batch["pair"]
    assert floats.dtype is mt.float64 and tensors.numpy().tolist() == [[0, 0], [1, -1], [2, -2]]
    assert default_collate([(1, True), (2, False)])[1].dtype is mt.bool
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        default_collate([object()])


def test_collate_fn_and_argument_checks():
    loader = DataLoader(dataset(4), batch_size=2, collate_fn=lambda samples: len(samples))
    assert list(loader) == [2, 2]
    with pytest.raises(ValueError, match="batch_size should be a positive integer value, but got batch_size=0"):
        DataLoader(dataset(), batch_size=0)
    with pytest.raises(TypeError, match="generator must be a minitorch.Generator"):
        DataLoader(dataset(), generator=np.random.default_rng(0))


def test_subset_and_random_split():
    data = dataset()
    subset = Subset(data, [4, 1])
    assert len(subset) == 2 and subset[0][1].item() == 4
    train, test = random_split(data, [0.75, 0.25], generator=mt.Generator().manual_seed(0))
    assert (len(train), len(test)) == (8, 2)  # the remainder goes to the first split
    indices = sorted(train.indices + test.indices)
    assert indices == list(range(10))
    again, _ = random_split(data, [8, 2], generator=mt.Generator().manual_seed(0))
    assert again.indices == train.indices
    with pytest.raises(ValueError, match="Sum of input lengths does not equal"):
        random_split(data, [3, 3])
