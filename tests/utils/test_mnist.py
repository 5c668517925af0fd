"""The IDX reader and the MNIST loader, on small IDX files this test writes itself (plain and gzip)."""
import gzip
import struct

import numpy as np
import pytest

import minitorch as mt
from minitorch.utils.data import DataLoader
from minitorch.utils.mnist import MNIST, find_idx_file, load_mnist, read_idx, write_idx

RNG = np.random.default_rng(3)


def idx_bytes(array, type_code=0x08):
    """The IDX encoding, written out by hand: 0, 0, type, ndim, big-endian sizes, big-endian values."""
    header = struct.pack(">BBBB", 0, 0, type_code, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_split(folder, prefix, images, labels, compress=False, dotted=False):
    folder.mkdir(parents=True, exist_ok=True)
    for kind, array, rank in (("images", images, 3), ("labels", labels, 1)):
        name = f"{prefix}-{kind}-idx{rank}-ubyte"
        if dotted:
            name = name.replace("-idx", ".idx")
        payload = idx_bytes(array)
        if compress:
            (folder / (name + ".gz")).write_bytes(gzip.compress(payload))
        else:
            (folder / name).write_bytes(payload)


def fake_mnist(count):
    return (RNG.integers(0, 256, (count, 28, 28), dtype=np.uint8), RNG.integers(0, 10, count, dtype=np.uint8))


@pytest.mark.parametrize("compress", [False, True])
def test_load_mnist_reads_both_splits(tmp_path, compress):
    train_images, train_labels = fake_mnist(12)
    test_images, test_labels = fake_mnist(5)
    write_split(tmp_path, "train", train_images, train_labels, compress)
    write_split(tmp_path, "t10k", test_images, test_labels, compress)
    images, labels = load_mnist(tmp_path, train=True)
    assert images.shape == (12, 28, 28) and images.dtype is mt.float32 and labels.dtype is mt.int64
    np.testing.assert_allclose(images.numpy(), train_images / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(labels.numpy(), train_labels)
    test = MNIST(tmp_path, train=False)
    assert len(test) == 5 and test.data.shape == (5, 28, 28)
    np.testing.assert_array_equal(test.targets.numpy(), test_labels)
    image, label = test[2]
    assert image.shape == (28, 28) and label.item() == test_labels[2]
    x, y = next(iter(DataLoader(test, batch_size=4)))
    assert x.shape == (4, 28, 28) and y.shape == (4,)


def test_other_layouts_and_spellings_are_found(tmp_path):
    images, labels = fake_mnist(3)
    write_split(tmp_path / "MNIST" / "raw", "train", images, labels, dotted=True)
    assert find_idx_file(tmp_path, "train-images-idx3-ubyte").name == "train-images.idx3-ubyte"
    np.testing.assert_array_equal(MNIST(tmp_path).targets.numpy(), labels)


def test_missing_files_say_where_they_were_looked_for(tmp_path):
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte.*never downloads"):
        load_mnist(tmp_path)


@pytest.mark.parametrize("dtype, code", [(np.uint8, 0x08), (np.int8, 0x09), (np.int16, 0x0B), (np.int32, 0x0C),
                                         (np.float32, 0x0D), (np.float64, 0x0E)])
def test_read_idx_of_every_type(tmp_path, dtype, code):
    array = (RNG.standard_normal((2, 3, 4)) * 50).astype(dtype)
    (tmp_path / "data.idx").write_bytes(idx_bytes(array, code))
    result = read_idx(tmp_path / "data.idx")
    assert result.dtype == np.dtype(dtype) and result.dtype.isnative
    np.testing.assert_array_equal(result, array)
    write_idx(tmp_path / "again.idx.gz", array, compress=True)
    np.testing.assert_array_equal(read_idx(tmp_path / "again.idx.gz"), array)


@pytest.mark.parametrize("content, message", [
    (b"\x00\x00\x08", "not an IDX file"),
    (b"\x01\x02\x08\x01\x00\x00\x00\x01\x00", "not an IDX file"),
    (b"\x00\x00\x08\x02\x00\x00\x00\x02", "IDX header announces 2 dims"),
    (b"\x00\x00\x08\x01\x00\x00\x00\x05\x01\x02", r"needs 5 bytes of data, the file has 2"),
])
def test_read_idx_rejects_malformed_files(tmp_path, content, message):
    (tmp_path / "bad").write_bytes(content)
    with pytest.raises(ValueError, match=message):
        read_idx(tmp_path / "bad")


def test_truncated_gzip_is_a_clear_error(tmp_path):
    payload = gzip.compress(idx_bytes(np.zeros((10, 28, 28), dtype=np.uint8)))
    (tmp_path / "cut.gz").write_bytes(payload[: len(payload) // 2])
    with pytest.raises(ValueError, match="not a readable IDX file"):
        read_idx(tmp_path / "cut.gz")


def test_images_and_labels_must_agree(tmp_path):
    images, _ = fake_mnist(4)
    write_split(tmp_path, "train", images, np.zeros(3, dtype=np.uint8))
    with pytest.raises(ValueError, match=r"images \(4, 28, 28\), labels \(3,\)"):
        load_mnist(tmp_path)
