"""mt.device: where a tensor lives ("cpu", "cuda", "cuda:N"), as torch.device."""
from __future__ import annotations


def cuda_device(index: int | str | device | None = None) -> str | device:
    """The device that .cuda(index) means: "cuda" by default, "cuda:N" for an int, else the device given."""
    if index is None:
        return "cuda"
    return index if isinstance(index, (str, device)) else f"cuda:{index}"


class device:
    """A device type and index; compares equal to its string form ("cpu", "cuda:0")."""

    def __init__(self, spec: str | device, index: int | None = None) -> None:
        if isinstance(spec, device):
            spec, index = spec.type, spec.index if index is None else index
        if not isinstance(spec, str):
            raise TypeError(f"device(): expected a string like 'cpu' or 'cuda:0', got {spec!r}")
        kind, _, number = spec.partition(":")
        if kind not in ("cpu", "cuda"):
            raise RuntimeError(f"Expected one of cpu, cuda device type at start of device string: {spec}")
        if number:
            if not number.isdigit() or index is not None:
                raise RuntimeError(f"Invalid device string: '{spec}'")
            index = int(number)
        self.type = kind
        self.index = index

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))
