"""nn.utils.rnn: pad_sequence, a batch of sequences of different lengths as one padded tensor."""
from __future__ import annotations

from typing import Sequence

from ... import creation
from ...functions.shape import cat, stack
from ...tensor import Tensor


def pad_sequence(sequences: Tensor | Sequence[Tensor], batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Sequences (L_i, *) padded with padding_value to the longest L and stacked: (L, B, *), or (B, L, *) with
    batch_first; padding_side "left" puts the padding before each sequence. Differentiable in the sequences."""
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    sequences = list(sequences.unbind(0) if isinstance(sequences, Tensor) else sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    trailing = tuple(sequences[0].shape[1:])
    for sequence in sequences[1:]:
        for dim, (expected, got) in enumerate(zip(trailing, sequence.shape[1:]), start=1):
            if expected != got:
                raise RuntimeError(f"The size of tensor a ({expected}) must match the size of tensor b ({got}) at "
                                   f"non-singleton dimension {dim}")
    longest = max(sequence.shape[0] for sequence in sequences)
    padded = []
    for sequence in sequences:
        missing = longest - sequence.shape[0]
        if missing:
            padding = creation.full((missing, *trailing), padding_value, dtype=sequence.dtype, device=sequence.device)
            sequence = cat([sequence, padding] if padding_side == "right" else [padding, sequence])
        padded.append(sequence)
    return stack(padded, 0 if batch_first else 1)
