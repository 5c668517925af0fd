"""Run a script written for PyTorch on minitorch: `python run_as_torch.py script.py`.

Every minitorch module is registered under torch's name first (minitorch.nn.functional as torch.nn.functional,
minitorch.utils.data as torch.utils.data, ...), so the script's `import torch` statements get minitorch.
"""
import importlib
import runpy
import sys

for name in ("minitorch", "minitorch.nn.functional", "minitorch.nn.init", "minitorch.nn.utils", "minitorch.optim",
             "minitorch.optim.lr_scheduler", "minitorch.utils.data", "minitorch.backends", "minitorch.cuda",
             "minitorch.accelerator"):
    importlib.import_module(name)
for name, module in list(sys.modules.items()):
    if name == "minitorch" or name.startswith("minitorch."):
        sys.modules["torch" + name[len("minitorch"):]] = module

if __name__ == "__main__":
    script = sys.argv[1]
    sys.argv = sys.argv[1:]
    runpy.run_path(script, run_name="__main__")
