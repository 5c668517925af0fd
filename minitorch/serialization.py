"""Checkpoints: mt.save / mt.load for state dicts, in a format whose loading never executes code.

    mt.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": 3}, "ckpt.mt")
    checkpoint = mt.load("ckpt.mt", map_location="cpu")

What can be saved: tensors (Parameters too), NumPy arrays, None, bools, ints, floats (inf and nan
included), strings, minitorch dtypes and devices, and lists, tuples and dicts (keys: str, int, float,
bool, None or tuples of those) nesting them. A tensor that appears twice is stored once and loads as
one tensor; distinct tensors sharing storage (views) load as separate copies. Gradients are not saved.

The file (format version 1) is a ZIP archive, uncompressed, holding:

    minitorch/index.json        {"format": "minitorch-checkpoint", "version": 1,
                                 "arrays": [{"dtype": "float32", "shape": [3, 2], "device": "cpu"}, ...],
                                 "object": <the saved object, encoded as below>}
    minitorch/arrays/<k>.npy    the k-th array's values in NumPy's .npy format

The encoded object is JSON: null, true/false, integers, finite floats and strings are themselves; any
other value is a JSON object with a "type": {"type": "float", "value": "nan" | "inf" | "-inf"},
{"type": "list" | "tuple", "items": [...]}, {"type": "dict", "ordered": bool, "items": [[key, value], ...]},
{"type": "tensor", "array": k, "requires_grad": bool, "parameter": bool}, {"type": "ndarray", "array": k},
{"type": "dtype", "name": "float32"}, {"type": "device", "name": "cuda:0"}.

Loading parses that JSON and reads each .npy with allow_pickle=False: nothing in the file is ever
unpickled or executed. A file that is not such an archive, is truncated, or whose contents disagree
with the index raises CheckpointError (a RuntimeError) naming the problem.

Saving to a path is atomic: the archive is written to a temporary file in the same folder, flushed
and fsynced, then renamed over the target, so a crash mid-write leaves the previous file intact.
"""
from __future__ import annotations

import contextlib
import io
import json
import math
import os
import tempfile
import zipfile
from collections import OrderedDict
from typing import Any, BinaryIO, Callable

import numpy as np

from . import dtypes
from .backends import backend_for
from .devices import device as Device
from .nn.parameter import Parameter
from .tensor import Tensor

FORMAT_NAME = "minitorch-checkpoint"
FORMAT_VERSION = 1
INDEX_NAME = "minitorch/index.json"
PICKLE_PROTOCOL_BYTE = 0x80


class CheckpointError(RuntimeError):
    """A file that mt.load cannot read as a minitorch checkpoint (foreign, truncated or corrupt)."""


def _array_name(position: int) -> str:
    return f"minitorch/arrays/{position}.npy"


# ---- encoding ----
class _Encoder:
    """Turns an object into its JSON form, collecting the arrays it holds."""

    def __init__(self) -> None:
        self.arrays: list[np.ndarray] = []
        self.meta: list[dict] = []
        self.tensor_positions: dict[int, int] = {}  # id(tensor) -> array number, so a shared tensor is stored once

    def _add_array(self, array: np.ndarray, device: str) -> int:
        self.arrays.append(array)
        self.meta.append({"dtype": str(array.dtype), "shape": list(array.shape), "device": device})
        return len(self.arrays) - 1

    def encode(self, value: Any, where: str) -> Any:
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, (int, np.integer)) and not isinstance(value, np.bool_):
            return int(value)
        if isinstance(value, np.bool_):
            return bool(value)
        if isinstance(value, (float, np.floating)):
            value = float(value)
            return value if math.isfinite(value) else {"type": "float", "value": repr(value)}
        if isinstance(value, Tensor):
            return self._encode_tensor(value)
        if isinstance(value, np.ndarray):
            dtypes.from_numpy_dtype(value.dtype)  # TypeError for dtypes a checkpoint cannot hold
            return {"type": "ndarray", "array": self._add_array(np.asarray(value, order="C"), "cpu")}
        if isinstance(value, dtypes.dtype):
            return {"type": "dtype", "name": value.name}
        if isinstance(value, Device):
            return {"type": "device", "name": str(value)}
        if isinstance(value, (list, tuple)):
            return {"type": "tuple" if isinstance(value, tuple) else "list",
                    "items": [self.encode(item, f"{where}[{position}]") for position, item in enumerate(value)]}
        if isinstance(value, dict):
            items = []
            for key, item in value.items():
                self._check_key(key, where)
                items.append([self.encode(key, where), self.encode(item, f"{where}[{key!r}]")])
            return {"type": "dict", "ordered": isinstance(value, OrderedDict), "items": items}
        raise TypeError(f"mt.save cannot store {type(value).__module__}.{type(value).__name__} (at {where}): "
                        "a checkpoint holds tensors, arrays, numbers, strings, None, dtypes, devices, and lists, "
                        "tuples and dicts of them (never pickled objects)")

    @staticmethod
    def _check_key(key: Any, where: str) -> None:
        if isinstance(key, tuple):
            for part in key:
                _Encoder._check_key(part, where)
        elif not (key is None or isinstance(key, (str, int, float, bool, np.integer))):
            raise TypeError(f"mt.save: dict key {key!r} (at {where}) must be a str, int, float, bool, None or a "
                            "tuple of those")

    def _encode_tensor(self, tensor: Tensor) -> dict:
        position = self.tensor_positions.get(id(tensor))
        if position is None:
            array = np.asarray(tensor._backend.to_numpy(tensor._data), order="C")
            position = self._add_array(array, str(tensor.device))
            self.tensor_positions[id(tensor)] = position
        return {"type": "tensor", "array": position, "requires_grad": tensor.requires_grad,
                "parameter": isinstance(tensor, Parameter)}


def _write_archive(file: BinaryIO, obj: Any) -> None:
    encoder = _Encoder()
    encoded = encoder.encode(obj, "obj")
    index = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "arrays": encoder.meta, "object": encoded}
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for position, array in enumerate(encoder.arrays):
            with archive.open(_array_name(position), "w", force_zip64=True) as entry:
                np.lib.format.write_array(entry, array, allow_pickle=False)
        archive.writestr(INDEX_NAME, json.dumps(index, allow_nan=False))


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_atomically(path: str, write: Callable[[BinaryIO], None]) -> None:
    """Write to a temporary file beside `path`, fsync it, and rename it over `path` (all or nothing)."""
    directory = os.path.dirname(os.path.abspath(path))
    mode = os.stat(path).st_mode & 0o777 if os.path.exists(path) else 0o666 & ~_current_umask()
    descriptor, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(descriptor, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable (POSIX; not possible everywhere)
        directory_descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(directory_descriptor)
        finally:
            os.close(directory_descriptor)


def save(obj: Any, f: str | os.PathLike | BinaryIO) -> None:
    """Save obj (typically a state dict, or a dict of them) to a path, atomically, or to a binary file object."""
    if hasattr(f, "write"):
        _write_archive(f, obj)
    else:
        _write_atomically(os.fspath(f), lambda file: _write_archive(file, obj))


# ---- decoding ----
class _Decoder:
    """Rebuilds the saved object from the index, reading each array on first use."""

    def __init__(self, archive: zipfile.ZipFile, meta: list, source: str, map_location: Any) -> None:
        self.archive, self.meta, self.source, self.map_location = archive, meta, source, map_location
        self.arrays: dict[int, np.ndarray] = {}
        self.tensors: dict[int, Tensor] = {}

    def fail(self, message: str) -> CheckpointError:
        return CheckpointError(f"{self.source}: {message}")

    def decode(self, value: Any) -> Any:
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, dict):
            kind = value.get("type")
            try:
                if kind == "float":
                    return float(value["value"])
                if kind in ("list", "tuple"):
                    items = [self.decode(item) for item in value["items"]]
                    return tuple(items) if kind == "tuple" else items
                if kind == "dict":
                    pairs = [(self._decode_key(key), self.decode(item)) for key, item in value["items"]]
                    return OrderedDict(pairs) if value.get("ordered") else dict(pairs)
                if kind == "tensor":
                    return self._tensor(value)
                if kind == "ndarray":
                    return self._array(value["array"])
                if kind == "dtype":
                    return _dtype_named(value["name"], self)
                if kind == "device":
                    return Device(value["name"])
            except (KeyError, TypeError, ValueError) as error:
                raise self.fail(f"malformed {kind!r} entry in the index ({error!r})") from None
        raise self.fail(f"unknown entry in the index: {str(value)[:80]}")

    def _decode_key(self, key: Any) -> Any:
        decoded = self.decode(key)
        return tuple(decoded) if isinstance(decoded, list) else decoded

    def _array(self, position: int) -> np.ndarray:
        if position in self.arrays:
            return self.arrays[position]
        if not isinstance(position, int) or not 0 <= position < len(self.meta):
            raise self.fail(f"the index refers to array {position!r}, which it does not list")
        meta = self.meta[position]
        try:
            content = self.archive.read(_array_name(position))  # read whole, so the ZIP's CRC is checked
            array = np.lib.format.read_array(io.BytesIO(content), allow_pickle=False)
        except KeyError:
            raise self.fail(f"array {position} is listed in the index but missing from the archive") from None
        except (zipfile.BadZipFile, ValueError, OSError, EOFError) as error:
            raise self.fail(f"array {position} is corrupt or truncated ({error})") from None
        if str(array.dtype) != meta.get("dtype") or list(array.shape) != meta.get("shape"):
            raise self.fail(f"array {position} holds {array.dtype} {list(array.shape)}, but the index says "
                            f"{meta.get('dtype')} {meta.get('shape')}")
        _dtype_named(str(array.dtype), self)
        self.arrays[position] = array
        return array

    def _target_device(self, saved: str) -> str | Device:
        location = self.map_location
        if location is None:
            return saved
        if isinstance(location, dict):
            return location.get(saved, saved)
        return location

    def _tensor(self, entry: dict) -> Tensor:
        position = entry["array"]
        if position in self.tensors:
            return self.tensors[position]
        array = self._array(position)
        saved_device = self.meta[position].get("device", "cpu")
        target = self._target_device(saved_device)
        try:
            backend = backend_for(target)
        except RuntimeError as error:
            raise RuntimeError(f"{self.source}: a tensor was saved on '{saved_device}' and would load on "
                               f"'{target}', which is not available ({error}); pass map_location='cpu'") from None
        tensor = Tensor._make(backend.asarray(array), backend)
        if entry.get("parameter"):
                tensor = Parameter(tensor, requires_grad=bool(entry.get("requires_grad")))
        elif entry.get("requires_grad"):
            tensor.requires_grad_(True)
        self.tensors[position] = tensor
        return tensor


def _dtype_named(name: str, decoder: _Decoder) -> dtypes.dtype:
    for candidate in dtypes.ALL_DTYPES:
        if candidate.name == name or str(candidate.numpy) == name:
            return candidate
    raise decoder.fail(f"unsupported dtype {name!r}")


def _open_archive(source: str, file: BinaryIO) -> zipfile.ZipFile:
    head = file.read(4)
    file.seek(0)
    if head[:1] == bytes([PICKLE_PROTOCOL_BYTE]):
        raise CheckpointError(f"{source}: this is a pickle file (for example torch.save's legacy format), not a "
                              "minitorch checkpoint; minitorch never unpickles, as unpickling can run any code")
    try:
        return zipfile.ZipFile(file)
    except zipfile.BadZipFile:
        if head.startswith(b"PK"):
            raise CheckpointError(f"{source}: a truncated or corrupt checkpoint (the ZIP archive is "
                                  "incomplete)") from None
        raise CheckpointError(f"{source}: not a minitorch checkpoint (not a ZIP archive; starts with "
                              f"{head!r})") from None


def _read_index(source: str, archive: zipfile.ZipFile) -> dict:
    if INDEX_NAME not in archive.namelist():
        raise CheckpointError(f"{source}: a ZIP archive but not a minitorch checkpoint (no {INDEX_NAME}; "
                              "a PyTorch checkpoint is a different format)")
    try:
        index = json.loads(archive.read(INDEX_NAME).decode("utf-8"))
    except (zipfile.BadZipFile, UnicodeDecodeError, json.JSONDecodeError, OSError) as error:
        raise CheckpointError(f"{source}: the checkpoint's index is corrupt ({error})") from None
    if not isinstance(index, dict) or index.get("format") != FORMAT_NAME:
        raise CheckpointError(f"{source}: not a minitorch checkpoint (its index names no {FORMAT_NAME!r} format)")
    version = index.get("version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise CheckpointError(f"{source}: checkpoint format version {version!r}; this minitorch reads version "
                              f"{FORMAT_VERSION} or older")
    if not isinstance(index.get("arrays"), list) or "object" not in index:
        raise CheckpointError(f"{source}: the checkpoint's index lacks its arrays or its object")
    return index


def load(f: str | os.PathLike | BinaryIO, map_location: str | Device | dict | None = None,
         weights_only: bool | None = None) -> Any:
    """Load what mt.save wrote; tensors go to map_location (a device, or a {saved: target} dict), else
    to the device they were saved from.

    Never executes code from the file (weights_only is accepted for PyTorch compatibility: loading is
    always weights-only). Raises CheckpointError for a foreign, truncated or corrupt file.
    """
    if map_location is not None and not isinstance(map_location, (str, Device, dict)):
        raise TypeError(f"map_location must be a device, a device string or a dict, got {type(map_location).__name__}")
    if hasattr(f, "read"):
        return _load_from(getattr(f, "name", "<file object>"), f, map_location)
    source = os.fspath(f)
    with open(source, "rb") as file:
        return _load_from(source, file, map_location)


def _load_from(source: str, file: BinaryIO, map_location: Any) -> Any:
    with _open_archive(str(source), file) as archive:
        index = _read_index(str(source), archive)
        return _Decoder(archive, index["arrays"], str(source), map_location).decode(index["object"])
