"""Random streams, as torch.Generator, and the seeds of the global ones (manual_seed, seed, initial_seed).

Every device's backend owns minitorch's global stream of that device (a NumPy generator on the CPU, CuPy's on a
GPU); a Generator is a stream of its own, made by the same array module, that a random function draws from
instead when it is passed as `generator=`. The same seed gives the same numbers within minitorch; they are not
PyTorch's numbers (its CPU stream is a Mersenne Twister, ours NumPy's PCG64).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import dtypes
from .backends import backend_for, manual_seed_all
from .backends.cpu import DEFAULT_SEED
from .devices import device as Device
from .tensor import Tensor

_SEED_LIMIT = 2 ** 64
_STATE_FIELDS = (("seed", 8), ("state", 16), ("inc", 16), ("has_uint32", 1), ("uinteger", 4))
"""A CPU generator's state as bytes: its initial seed, then PCG64's fields (little-endian)."""
_STATE_SIZE = sum(size for _, size in _STATE_FIELDS)


def _checked_seed(seed: Any) -> int:
    """A seed as PyTorch takes it: an int in [-2^63, 2^64), negatives wrapping around to unsigned."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise RuntimeError(f"manual_seed expected a long, but got {type(seed).__name__}")
    if not -2 ** 63 <= seed < _SEED_LIMIT:
        raise ValueError(f"Overflow when unpacking long long: seed {seed} is outside [-2^63, 2^64)")
    return int(seed) % _SEED_LIMIT


def _fresh_seed() -> int:
    """A seed from the operating system's entropy."""
    return int(np.random.SeedSequence().entropy % _SEED_LIMIT)


class Generator:
    """A seeded random stream of its own on one device, independent of minitorch's global one.

        g = mt.Generator().manual_seed(0)
        x = mt.randn(3, generator=g)             # draws from g only
        loader = DataLoader(dataset, batch_size=32, shuffle=True, generator=g)
    """

    def __init__(self, device: str | Device = "cpu") -> None:
        self._backend = backend_for(device)  # a RuntimeError saying why when the device is not usable
        self.device = self._backend.device
        self.manual_seed(DEFAULT_SEED)

    def manual_seed(self, seed: int) -> Generator:
        """Restart the stream from `seed`; returns the generator, as PyTorch."""
        self._initial_seed = _checked_seed(seed)
        with self._backend.context():
            self._stream = self._backend.xp.random.default_rng(self._initial_seed)
        return self

    def initial_seed(self) -> int:
        """The seed the stream last started from."""
        return self._initial_seed

    def seed(self) -> int:
        """Reseed from the operating system's entropy; returns the new seed."""
        new_seed = _fresh_seed()
        self.manual_seed(new_seed)
        return new_seed

    def stream(self) -> Any:
        """The array module's generator that this Generator's numbers come from."""
        return self._stream

    def get_state(self) -> Tensor:
        """The stream's position as a uint8 CPU tensor, for set_state (its initial seed included, as PyTorch)."""
        state = self._pcg64_state("get_state")
        fields = {"seed": self._initial_seed, **state["state"], "has_uint32": state["has_uint32"],
                  "uinteger": state["uinteger"]}
        raw = b"".join(int(fields[name]).to_bytes(size, "little") for name, size in _STATE_FIELDS)
        return Tensor._make(np.frombuffer(raw, dtype=np.uint8).copy(), backend_for("cpu"))

    def set_state(self, new_state: Tensor) -> Generator:
        """Move the stream back (or on) to a state get_state returned."""
        if not isinstance(new_state, Tensor):
            raise TypeError(f"expected a torch.ByteTensor, but got {type(new_state).__name__}")
        if new_state.dtype is not dtypes.uint8:
            raise TypeError(f"RNG state must be a torch.ByteTensor, got a {new_state.dtype.name} tensor")
        if new_state.numel() != _STATE_SIZE:
            raise RuntimeError(f"Expected a generator state of size {_STATE_SIZE} but found the input RNG state "
                               f"size to be {new_state.numel()}")
        state = self._pcg64_state("set_state")
        raw, values, start = new_state._backend.to_numpy(new_state._data).tobytes(), {}, 0
        for name, size in _STATE_FIELDS:
            values[name], start = int.from_bytes(raw[start:start + size], "little"), start + size
        state["state"] = {"state": values["state"], "inc": values["inc"]}
        state["has_uint32"], state["uinteger"] = values["has_uint32"], values["uinteger"]
        self._stream.bit_generator.state = state
        self._initial_seed = values["seed"]
        return self

    def _pcg64_state(self, doing: str) -> dict:
        if self.device.type != "cpu":
            raise NotImplementedError(f"Generator.{doing}: minitorch saves the state of CPU generators only, "
                                      f"not of one on '{self.device}'")
        return self._stream.bit_generator.state

    def __repr__(self) -> str:
        return f"minitorch.Generator(device='{self.device}', initial_seed={self._initial_seed})"


class _GlobalGenerator(Generator):
    """The CPU's global stream seen as a Generator (torch.default_generator): it reads and seeds the backend's."""

    def __init__(self) -> None:
        self._backend = backend_for("cpu")
        self.device = self._backend.device
        self._initial_seed = DEFAULT_SEED

    def manual_seed(self, seed: int) -> Generator:
        self._initial_seed = _checked_seed(seed)
        self._backend.manual_seed(self._initial_seed)
        return self

    @property
    def _stream(self) -> Any:
        return self._backend.generator


default_generator: Generator = _GlobalGenerator()
"""minitorch's global CPU stream, which random functions draw from when given no generator."""


def stream_for(generator: Generator | None, backend: Any, doing: str) -> Any:
    """What a random function on `backend`'s device draws from: `generator`'s stream, or the device's global one.

    The generator must be on that device, as in PyTorch (a CPU generator cannot fill a CUDA tensor).
    """
    if generator is None:
        return backend.generator
    if not isinstance(generator, Generator):
        raise TypeError(f"{doing}(): argument 'generator' must be a minitorch.Generator, not "
                        f"{type(generator).__name__}")
    if generator.device != backend.device:
        raise RuntimeError(f"Expected a '{backend.device}' device type for generator but found "
                           f"'{generator.device}'")
    return generator.stream()


def manual_seed(seed: int) -> Generator:
    """Seed every device's global stream, so that runs repeat exactly; returns the CPU's (default_generator)."""
    checked = _checked_seed(seed)
    default_generator._initial_seed = checked
    manual_seed_all(checked)
    return default_generator


def seed() -> int:
    """Seed every device's global stream from the operating system's entropy; returns that seed."""
    new_seed = _fresh_seed()
    manual_seed(new_seed)
    return new_seed


def initial_seed() -> int:
    """The seed the CPU's global stream last started from (the default one until a seed is given)."""
    return default_generator.initial_seed()
