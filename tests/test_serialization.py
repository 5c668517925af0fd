"""mt.save / mt.load: exact round trips, the documented format, atomic writes, and files that must be refused
(truncated, corrupt, foreign, and crafted to run code on load)."""
import io
import json
import os
import pickle
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import minitorch as mt
from minitorch import nn
from minitorch.serialization import CheckpointError

from .conftest import import_torch


def every_dtype():
    return {
        "float16": mt.tensor([1.5, -2.25], dtype=mt.float16),
        "float32": mt.randn(3, 4),
        "float64": mt.tensor([[np.pi]], dtype=mt.float64),
        "int32": mt.tensor([1, -2, 3], dtype=mt.int32),
        "int64": mt.tensor(2 ** 40),
        "bool": mt.tensor([True, False]),
        "empty": mt.zeros(0, 3),
        "scalar": mt.tensor(3.5),
        "strided": mt.arange(12.0).reshape(3, 4).T,  # not contiguous
    }


def test_tensors_round_trip_with_dtype_shape_and_values(tmp_path):
    tensors = every_dtype()
    mt.save(tensors, tmp_path / "t.mt")
    loaded = mt.load(tmp_path / "t.mt")
    assert list(loaded) == list(tensors)
    for name, tensor in tensors.items():
        assert loaded[name].dtype is tensor.dtype and loaded[name].shape == tensor.shape, name
        np.testing.assert_array_equal(loaded[name].numpy(), tensor.numpy(), err_msg=name)


def test_plain_values_and_containers_round_trip(tmp_path):
    shared = mt.ones(2)
    obj = OrderedDict([
        ("numbers", [1, -2.5, True, None, float("inf"), float("-inf"), 2 ** 70]),
        ("text", "résumé ✓"),
        ("tuple", (1, (2, "three"))),
        (7, "int key"),
        ((1, "a"), "tuple key"),
        ("nested", {"a": {"b": [shared, {"c": shared}]}}),
        ("dtype", mt.float16),
        ("device", mt.device("cpu")),
        ("array", np.arange(6, dtype=np.int32).reshape(2, 3)),
        ("numpy scalars", [np.float32(0.5), np.int64(3), np.bool_(True)]),
    ])
    mt.save(obj, tmp_path / "o.mt")
    loaded = mt.load(tmp_path / "o.mt")
    assert isinstance(loaded, OrderedDict) and list(loaded) == list(obj)
    assert loaded["numbers"] == [1, -2.5, True, None, float("inf"), float("-inf"), 2 ** 70]
    assert loaded["text"] == "résumé ✓" and loaded["tuple"] == (1, (2, "three"))
    assert loaded[7] == "int key" and loaded[(1, "a")] == "tuple key"
    first, second = loaded["nested"]["a"]["b"][0], loaded["nested"]["a"]["b"][1]["c"]
    assert first is second  # one tensor, saved once
    assert loaded["dtype"] is mt.float16 and loaded["device"] == mt.device("cpu")
    assert isinstance(loaded["array"], np.ndarray) and loaded["array"].tolist() == [[0, 1, 2], [3, 4, 5]]
    assert loaded["numpy scalars"] == [0.5, 3, True]
    nan = mt.load(io.BytesIO(_saved_bytes({"nan": float("nan")})))["nan"]
    assert nan != nan


def _saved_bytes(obj):
    buffer = io.BytesIO()
    mt.save(obj, buffer)
    return buffer.getvalue()


def test_module_and_optimizer_state_dicts_round_trip(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    optimizer = mt.optim.Adam(model.parameters(), lr=0.01)
    model(mt.randn(5, 3)).sum().backward()
    optimizer.step()
    mt.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()}, tmp_path / "c.mt")
    loaded = mt.load(tmp_path / "c.mt")
    assert list(loaded["model"]) == list(model.state_dict())
    assert loaded["optimizer"]["state"][0]["step"] == 1 and list(loaded["optimizer"]["state"]) == [0, 1, 2, 3]
    assert loaded["optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)
    assert loaded["model"]["1.num_batches_tracked"].dtype is mt.int64
    assert loaded["model"]["1.num_batches_tracked"].shape == ()


def test_parameters_and_requires_grad_are_kept():
    parameter = nn.Parameter(mt.ones(2))
    leaf = mt.zeros(2, requires_grad=True)
    loaded = mt.load(io.BytesIO(_saved_bytes([parameter, leaf, mt.ones(1)])))
    assert isinstance(loaded[0], nn.Parameter) and loaded[0].requires_grad
    assert type(loaded[1]) is mt.Tensor and loaded[1].requires_grad and not loaded[2].requires_grad


def test_map_location(tmp_path):
    mt.save({"w": mt.ones(2)}, tmp_path / "m.mt")
    assert mt.load(tmp_path / "m.mt", map_location="cpu")["w"].device == "cpu"
    assert mt.load(tmp_path / "m.mt", map_location={"cuda:0": "cpu"})["w"].device == "cpu"
    assert mt.load(tmp_path / "m.mt", map_location=mt.device("cpu"), weights_only=True)["w"].device == "cpu"
    with pytest.raises(TypeError, match="map_location must be"):
        mt.load(tmp_path / "m.mt", map_location=3)


def test_a_tensor_saved_on_an_unavailable_device_names_the_way_out(tmp_path):
    path = tmp_path / "gpu.mt"
    mt.save({"w": mt.ones(2)}, path)
    _rewrite_index(path, lambda index: index["arrays"][0].update(device="cuda:7"))
    if mt.cuda.is_available() and mt.cuda.device_count() > 7:
        pytest.skip("this machine has a cuda:7")
    with pytest.raises(RuntimeError, match="saved on 'cuda:7'.*map_location='cpu'"):
        mt.load(path)
    assert mt.load(path, map_location="cpu")["w"].numpy().tolist() == [1.0, 1.0]


def test_the_file_is_the_documented_zip(tmp_path):
    mt.save({"weight": mt.tensor([[1.0, 2.0]])}, tmp_path / "f.mt")
    with zipfile.ZipFile(tmp_path / "f.mt") as archive:
        assert sorted(archive.namelist()) == ["minitorch/arrays/0.npy", "minitorch/index.json"]
        index = json.loads(archive.read("minitorch/index.json"))
        array = np.load(io.BytesIO(archive.read("minitorch/arrays/0.npy")), allow_pickle=False)
    assert index["format"] == "minitorch-checkpoint" and index["version"] == 1
    assert index["arrays"] == [{"dtype": "float32", "shape": [1, 2], "device": "cpu"}]
    assert index["object"] == {"type": "dict", "ordered": False, "items": [
        ["weight", {"type": "tensor", "array": 0, "requires_grad": False, "parameter": False}]]}
    assert array.tolist() == [[1.0, 2.0]]


def test_unsupported_values_are_refused_at_save(tmp_path):
    with pytest.raises(TypeError, match=r"cannot store builtins.object \(at obj\['bad'\]\[1\]\)"):
        mt.save({"bad": [1, object()]}, tmp_path / "x.mt")
    with pytest.raises(TypeError, match="dict key"):
        mt.save({mt.device("cpu"): 1}, tmp_path / "x.mt")
    assert not (tmp_path / "x.mt").exists() and os.listdir(tmp_path) == []


# --------------------------------------------------------------------------- atomic writes

def test_a_failure_mid_write_leaves_the_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "checkpoint.mt"
    mt.save({"version": 1, "w": mt.ones(1000)}, path)
    before = path.read_bytes()
    real_write_array = np.lib.format.write_array
    calls = []

    def write_half_then_fail(file, array, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # the second array: write part of it, then "crash"
            file.write(array.tobytes()[: array.nbytes // 2])
            raise OSError("disk unplugged")
        real_write_array(file, array, **kwargs)

    monkeypatch.setattr(np.lib.format, "write_array", write_half_then_fail)
    with pytest.raises(OSError, match="disk unplugged"):
        mt.save({"version": 2, "a": mt.zeros(1000), "b": mt.zeros(1000)}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["checkpoint.mt"]  # no temporary file left behind
    monkeypatch.undo()
    assert mt.load(path)["version"] == 1


def test_save_replaces_and_keeps_permissions(tmp_path):
    path = tmp_path / "c.mt"
    mt.save({"v": 1}, path)
    os.chmod(path, 0o640)
    mt.save({"v": 2}, path)
    assert mt.load(path)["v"] == 2 and (os.stat(path).st_mode & 0o777) == 0o640
    fresh = tmp_path / "fresh.mt"
    mt.save({}, fresh)
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(fresh).st_mode & 0o777 == 0o666 & ~umask


# --------------------------------------------------------------------------- files that must be refused

def _rewrite_index(path, change):
    with zipfile.ZipFile(path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    index = json.loads(entries["minitorch/index.json"])
    change(index)
    entries["minitorch/index.json"] = json.dumps(index).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)


@pytest.mark.parametrize("keep", [0.3, 0.9, 0.999])
def test_truncated_files_raise_checkpoint_error(tmp_path, keep):
    path = tmp_path / "c.mt"
    mt.save({"w": mt.randn(100, 10)}, path)
    content = path.read_bytes()
    path.write_bytes(content[: int(len(content) * keep)])
    with pytest.raises(CheckpointError, match="truncated or corrupt"):
        mt.load(path)


def test_a_flipped_byte_in_an_array_is_caught_by_the_crc(tmp_path):
    path = tmp_path / "c.mt"
    mt.save({"w": mt.zeros(1000)}, path)
    content = bytearray(path.read_bytes())
    offset = content.index(b"\x93NUMPY") + 200  # inside the array's values
    content[offset] ^= 0xFF
    path.write_bytes(bytes(content))
    with pytest.raises(CheckpointError, match="array 0 is corrupt or truncated"):
        mt.load(path)


@pytest.mark.parametrize("change, message", [
    (lambda index: index.update(format="something-else"), "not a minitorch checkpoint"),
    (lambda index: index.update(version=99), "format version 99"),
    (lambda index: index["arrays"][0].update(shape=[3]), "but the index says"),
    (lambda index: index.update(object={"type": "pickle", "data": "..."}), "unknown entry in the index"),
    (lambda index: index.update(object={"type": "tensor", "array": 5}), "does not list"),
])
def test_an_inconsistent_index_is_refused(tmp_path, change, message):
    path = tmp_path / "c.mt"
    mt.save({"w": mt.zeros(2)}, path)
    _rewrite_index(path, change)
    with pytest.raises(CheckpointError, match=message):
        mt.load(path)


def test_foreign_files_are_refused(tmp_path):
    (tmp_path / "text.mt").write_text("hello, I am not a checkpoint")
    with pytest.raises(CheckpointError, match="not a ZIP archive"):
        mt.load(tmp_path / "text.mt")
    with zipfile.ZipFile(tmp_path / "other.zip", "w") as archive:
        archive.writestr("archive/data.pkl", b"...")
    with pytest.raises(CheckpointError, match="no minitorch/index.json"):
        mt.load(tmp_path / "other.zip")
    (tmp_path / "empty.mt").write_bytes(b"")
    with pytest.raises(CheckpointError):
        mt.load(tmp_path / "empty.mt")
    assert issubclass(CheckpointError, RuntimeError)


class RunsCode:
    """Unpickling this would create the marker file: the classic pickle attack."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_a_crafted_pickle_never_runs(tmp_path):
    marker = tmp_path / "pwned"
    (tmp_path / "evil.pt").write_bytes(pickle.dumps(RunsCode(marker)))
    with pytest.raises(CheckpointError, match="pickle file.*never unpickles"):
        mt.load(tmp_path / "evil.pt")
    assert not marker.exists()


def test_a_pickle_hidden_inside_an_npy_never_runs(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.mt"
    mt.save({"w": mt.zeros(1)}, path)
    hidden = io.BytesIO()
    np.save(hidden, np.array([RunsCode(marker)], dtype=object), allow_pickle=True)
    with zipfile.ZipFile(path) as archive:
        index = archive.read("minitorch/index.json")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("minitorch/index.json", index)
        archive.writestr("minitorch/arrays/0.npy", hidden.getvalue())
    with pytest.raises(CheckpointError, match="array 0 is corrupt"):
        mt.load(path)
    assert not marker.exists()


def test_a_pytorch_checkpoint_is_refused_clearly(tmp_path):
    torch = import_torch()
    torch.save({"w": torch.ones(2)}, tmp_path / "torch.pt")
    with pytest.raises(CheckpointError, match="a PyTorch checkpoint is a different format"):
        mt.load(tmp_path / "torch.pt")
