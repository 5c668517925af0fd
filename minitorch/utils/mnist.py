"""MNIST from IDX files in a folder you give (plain or .gz); nothing is ever downloaded.

The IDX format (LeCun's): a 4-byte magic number (0, 0, type code, number of dims), one big-endian
uint32 per dim, then the values, big-endian. MNIST's four files:

    train-images-idx3-ubyte  train-labels-idx1-ubyte  t10k-images-idx3-ubyte  t10k-labels-idx1-ubyte

are found under those names (or with '.' before 'idx', as some mirrors spell them), optionally ending
in .gz, in `root` or in `root/MNIST/raw` (torchvision's layout). Fashion-MNIST uses the same names.

    train = MNIST("~/data/mnist", train=True)     # train.data (60000, 28, 28) float32 in [0, 1]
"""
from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

from .. import creation, dtypes
from ..tensor import Tensor
from .data import TensorDataset

IDX_TYPES = {0x08: np.dtype(np.uint8), 0x09: np.dtype(np.int8), 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
             0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
"""IDX type codes and the element type they stand for."""

GZIP_MAGIC = b"\x1f\x8b"


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """The array stored in an IDX file (gzip-compressed or not), in native byte order.

    Raises ValueError naming the file when the header or the size does not match the format.
    """
    path = Path(path)
    with open(path, "rb") as file:
        compressed = file.read(2) == GZIP_MAGIC
    opener = gzip.open if compressed else open
    try:
        with opener(path, "rb") as file:
            content = file.read()
    except (OSError, EOFError) as error:
        raise ValueError(f"{path}: not a readable IDX file ({error})") from None
    if len(content) < 4 or content[0] != 0 or content[1] != 0 or content[2] not in IDX_TYPES:
        raise ValueError(f"{path}: not an IDX file (magic bytes {content[:4].hex() or 'missing'})")
    dtype, ndim = IDX_TYPES[content[2]], content[3]
    header_size = 4 + 4 * ndim
    if len(content) < header_size:
        raise ValueError(f"{path}: IDX header announces {ndim} dims but the file has only {len(content)} bytes")
    shape = tuple(int(size) for size in np.frombuffer(content, dtype=">u4", count=ndim, offset=4))
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(content) - header_size != expected:
        raise ValueError(f"{path}: IDX shape {shape} of {dtype} needs {expected} bytes of data, the file has "
                         f"{len(content) - header_size}")
    values = np.frombuffer(content, dtype=dtype, offset=header_size).reshape(shape)
    return values.astype(dtype.newbyteorder("="))


def write_idx(path: str | os.PathLike, array: np.ndarray, compress: bool = False) -> None:
    """Write an array (uint8, int8, int16, int32, float32 or float64) as an IDX file (gzip when compress)."""
    codes = {dtype.newbyteorder("="): code for code, dtype in IDX_TYPES.items()}
    native = np.asarray(array)
    if native.dtype not in codes:
        raise TypeError(f"write_idx: IDX cannot hold {native.dtype}; use one of {sorted(str(d) for d in codes)}")
    code = codes[native.dtype]
    header = bytes([0, 0, code, native.ndim]) + np.asarray(native.shape, dtype=">u4").tobytes()
    payload = header + native.astype(IDX_TYPES[code]).tobytes()
    with (gzip.open if compress else open)(path, "wb") as file:
        file.write(payload)


def find_idx_file(root: str | os.PathLike, stem: str) -> Path:
    """The file for `stem` (e.g. 'train-images-idx3-ubyte') under root, in any of the accepted spellings."""
    root = Path(root).expanduser()
    names = [stem, stem.replace("-idx", ".idx")]
    candidates = [folder / (name + suffix) for folder in (root, root / "MNIST" / "raw")
                  for name in names for suffix in ("", ".gz")]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"MNIST file {stem!r} not found under {root}; looked for "
                            + ", ".join(str(candidate) for candidate in candidates)
                            + ". minitorch never downloads: put the IDX files there first.")


def load_mnist(root: str | os.PathLike, train: bool = True) -> tuple[Tensor, Tensor]:
    """(images (N, 28, 28) float32 in [0, 1], labels (N,) int64) of the train or the test (t10k) split."""
    prefix = "train" if train else "t10k"
    images = read_idx(find_idx_file(root, f"{prefix}-images-idx3-ubyte"))
    labels = read_idx(find_idx_file(root, f"{prefix}-labels-idx1-ubyte"))
    if images.ndim != 3 or labels.ndim != 1 or images.shape[0] != labels.shape[0]:
        raise ValueError(f"MNIST {prefix} files disagree: images {images.shape}, labels {labels.shape} "
                         "(expected (N, rows, cols) and (N,))")
    return (creation.tensor(images.astype(np.float32) / 255.0, dtype=dtypes.float32),
            creation.tensor(labels.astype(np.int64), dtype=dtypes.int64))


class MNIST(TensorDataset):
    """The MNIST digits as a dataset of (image (28, 28) float32 in [0, 1], label int64) pairs."""

    def __init__(self, root: str | os.PathLike, train: bool = True) -> None:
        images, labels = load_mnist(root, train)
        super().__init__(images, labels)
        self.train = train

    @property
    def data(self) -> Tensor:
        """The images (N, 28, 28)."""
        return self.tensors[0]

    @property
    def targets(self) -> Tensor:
        """The labels (N,)."""
        return self.tensors[1]
