"""The device-choice idioms of PyTorch scripts: torch.cuda / torch.backends.mps probing, torch.accelerator
(PyTorch 2.6+), cudnn flags, a model and its data moved to the chosen device, and the default device."""
import numpy as np
import torch
import torch.nn as nn

device = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
print("device:", device)
accelerator = torch.accelerator.current_accelerator() if torch.accelerator.is_available() else torch.device("cpu")
print("accelerator:", accelerator.type, "| count:", torch.accelerator.device_count() if torch.accelerator.is_available() else 0)
torch.backends.cudnn.benchmark = True
torch.backends.cudnn.deterministic = True
print("cudnn flags:", torch.backends.cudnn.benchmark, torch.backends.cudnn.deterministic)

rng = np.random.default_rng(3)
model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
with torch.no_grad():
    for parameter in model.parameters():
        parameter.copy_(torch.from_numpy(rng.standard_normal(tuple(parameter.shape)).astype(np.float32) * 0.5))
model = model.to(device)
x = torch.tensor(rng.standard_normal((32, 4)).astype(np.float32)).to(device)
y = x.sum(dim=1, keepdim=True).to(device)
print("on device:", next(model.parameters()).device.type == torch.device(device).type, x.device.type == device)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
for step in range(40):
    loss = nn.functional.mse_loss(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 10 == 0:
        print(f"step {step}  loss {loss.item():.4g}")
print("loss back on cpu:", loss.detach().cpu().item() == loss.item(), loss.cpu().device)

print("default device:", torch.get_default_device())
torch.set_default_device(device)
z = torch.zeros(3)
print("zeros made on the default device:", z.device.type == device, "| linear weight:",
      nn.Linear(2, 2).weight.device.type == device)
torch.set_default_device("cpu")
print("is floating point:", torch.is_floating_point(z), torch.is_floating_point(torch.arange(3)))
