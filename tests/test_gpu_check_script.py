"""scripts/gpu_check.sh, without a GPU: valid bash, and its dry run names the three steps with their outputs under
OUT_DIR and the chosen interpreter, running nothing (the real run is for a lent CUDA machine)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "gpu_check.sh"

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")


def test_script_is_valid_bash() -> None:
    subprocess.run(["bash", "-n", str(SCRIPT)], check=True)


def test_dry_run_names_every_step_and_writes_nothing(tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    result = subprocess.run(["bash", str(SCRIPT), "--dry-run", str(out_dir)], capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin", "PYTHON": "my-python"}, check=True, timeout=30)
    steps = result.stdout.splitlines()
    assert [line.split(" ")[0] for line in steps] == ["gpu_tests", "bench", "train_mlp"]
    assert all(": my-python " in line for line in steps)
    assert "-m gpu -rs" in steps[0] and f"--junitxml={out_dir}/gpu_tests.xml" in steps[0]
    assert "minitorch:cuda" in steps[1] and f"--json {out_dir}/bench.json --plot {out_dir}/bench.png" in steps[1]
    assert "--device cuda" in steps[2] and f"--out-dir {out_dir}/train_mlp" in steps[2]
    assert not out_dir.exists()
