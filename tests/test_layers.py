"""The architecture is one-way: each layer imports only the layers below it (import-linter's layers contract
in pyproject.toml, over the whole import graph, imports inside functions included), and the only import cycle
is the core's knot of Tensor and the autograd engine. See the README's "How it is built"."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

REPOSITORY = Path(__file__).resolve().parents[1]
CORE_KNOT = {"minitorch.tensor", "minitorch.autograd.engine", "minitorch.autograd.function",
             "minitorch.autograd.broadcast"}
"""Tensor hands its gradients to the engine (backward, AccumulateGrad), which builds on Tensor."""


def test_no_layer_imports_a_layer_above_it() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), str(REPOSITORY / "pyproject.toml"), "--no-cache"],
                            cwd=REPOSITORY, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "One-way layers KEPT" in result.stdout


def test_the_only_import_cycle_is_the_tensor_and_the_engine() -> None:
    graph = grimp.build_graph("minitorch")
    in_cycles = {importer for importer in graph.modules
                 for imported in graph.find_modules_directly_imported_by(importer)
                 if graph.chain_exists(importer=imported, imported=importer)}
    assert in_cycles == CORE_KNOT, (
        f"import cycles outside the core's knot: {sorted(in_cycles - CORE_KNOT)}; "
        f"e.g. {[graph.find_shortest_chain(importer=m, imported=m) for m in sorted(in_cycles - CORE_KNOT)][:3]}")
