"""A two-layer MLP written out by hand: tensors with requires_grad, tanh, mean squared error, and plain
gradient descent under no_grad. Data and initial weights come from NumPy with a fixed seed."""
import numpy as np
import torch

rng = np.random.default_rng(0)
x_np = rng.uniform(-2, 2, size=(64, 1)).astype(np.float32)
y_np = (np.sin(2 * x_np) + 0.1 * rng.standard_normal((64, 1))).astype(np.float32)
x, y = torch.from_numpy(x_np), torch.tensor(y_np)

W1 = torch.tensor(rng.standard_normal((1, 16)).astype(np.float32) * 0.8, requires_grad=True)
b1 = torch.zeros(16, requires_grad=True)
W2 = torch.tensor(rng.standard_normal((16, 1)).astype(np.float32) * 0.3, requires_grad=True)
b2 = torch.zeros(1, requires_grad=True)
params = [W1, b1, W2, b2]
print("parameters:", sum(p.numel() for p in params))

lr = 0.1
for step in range(301):
    hidden = torch.tanh(x @ W1 + b1)
    prediction = hidden @ W2 + b2
    loss = ((prediction - y) ** 2).mean()
    for p in params:
        p.grad = None
    loss.backward()
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad
    if step % 50 == 0:
        print(f"step {step:3d}  loss {loss.item():.4g}  |grad W1| {W1.grad.abs().sum().item():.4g}")

print("loss node:", loss.grad_fn.name())
print("requires grad:", prediction.requires_grad, "after detach:", prediction.detach().requires_grad)
with torch.no_grad():
    test = torch.linspace(-1, 1, 5).reshape(-1, 1)
    fitted = torch.tanh(test @ W1 + b1) @ W2 + b2
print("fit at -1, -0.5, 0, 0.5, 1:", [round(v, 2) for v in fitted.squeeze(1).tolist()])
