"""Tutorial-style scripts written against `import torch` (tests/tutorials/scripts/) run on minitorch under the
alias torch -> minitorch (run_as_torch.py), each in its own process, and print line for line what PyTorch
prints for them (losses to 4 significant digits; data and initial weights come from NumPy, not torch's RNG).
PyTorch runs all of them in one process, to import it once."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import minitorch as mt

from ..conftest import import_torch

HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parents[1]
SCRIPTS = sorted((HERE / "scripts").glob("*.py"))
TIMEOUT_S = 300

RUN_ALL_ON_TORCH = """
import contextlib, io, json, runpy, sys
outputs = {}
for script in sys.argv[1:]:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        runpy.run_path(script, run_name="__main__")
    outputs[script] = buffer.getvalue()
print(json.dumps(outputs))
"""


def run_on_minitorch(script: Path) -> str:
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
    result = subprocess.run([sys.executable, str(HERE / "run_as_torch.py"), str(script)], capture_output=True,
                            text=True, env=environment, cwd=REPOSITORY, timeout=TIMEOUT_S)
    assert result.returncode == 0, f"{script.name} failed on minitorch:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


@pytest.fixture(scope="module")
def torch_outputs() -> dict:
    import_torch()  # a skip without PyTorch, a failure under CI=true
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    result = subprocess.run([sys.executable, "-c", RUN_ALL_ON_TORCH, *map(str, SCRIPTS)], capture_output=True,
                            text=True, env=environment, cwd=HERE, timeout=TIMEOUT_S * 2)
    assert result.returncode == 0, f"a script failed on PyTorch:\n{result.stderr[-3000:]}"
    return json.loads(result.stdout.splitlines()[-1])


def test_there_are_tutorials():
    assert len(SCRIPTS) >= 4


@pytest.mark.parametrize("script", SCRIPTS, ids=[script.stem for script in SCRIPTS])
def test_script_prints_what_pytorch_prints(script, torch_outputs):
    ours = run_on_minitorch(script).splitlines()
    theirs = torch_outputs[str(script)].splitlines()
    if script.stem == "device_choice" and mt.cuda.is_available():
        pytest.skip("minitorch sees a GPU here and the installed PyTorch (a CPU build) does not: the devices differ")
    assert len(ours) == len(theirs), f"{len(ours)} lines printed, PyTorch prints {len(theirs)}"
    for number, (mine, reference) in enumerate(zip(ours, theirs), start=1):
        assert mine == reference, f"{script.name}, line {number}:\n  minitorch: {mine}\n  PyTorch:   {reference}"


def test_the_alias_reaches_torchs_submodules(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("import torch, torch.nn as nn, torch.nn.functional as F, torch.optim, torch.utils.data as data\n"
                     "from torch.utils.data import DataLoader\n"
                     "print(torch.__name__, nn.__name__, F.__name__, torch.optim.__name__, data.__name__, "
                     "DataLoader.__module__, torch.backends.mps.is_available())\n")
    assert run_on_minitorch(probe).split() == ["minitorch", "minitorch.nn", "minitorch.nn.functional",
                                               "minitorch.optim", "minitorch.utils.data", "minitorch.utils.data",
                                               "False"]
