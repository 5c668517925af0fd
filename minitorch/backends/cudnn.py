"""torch.backends.cudnn's flags, so that scripts setting them run: minitorch's kernels do not read them.

    torch.backends.cudnn.benchmark = True        # accepted; there is no autotuner to enable
    torch.backends.cudnn.deterministic = True    # accepted; minitorch's kernels are deterministic
"""
from __future__ import annotations

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available() -> bool:
    """False: minitorch does not use cuDNN."""
    return False


def version() -> None:
    """None, as PyTorch's answer when cuDNN is not available."""
    return None
