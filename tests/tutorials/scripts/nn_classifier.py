"""An nn.Module classifier of three Gaussian blobs: TensorDataset and DataLoader in batches, CrossEntropyLoss,
Adam, train / eval modes and accuracy. Initial weights are copied in from NumPy, so runs repeat anywhere."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

rng = np.random.default_rng(1)
centers = np.array([[0.0, 2.0], [2.0, -1.0], [-2.0, -1.0]])
labels_np = np.repeat(np.arange(3), 40)
points_np = (centers[labels_np] + rng.standard_normal((120, 2))).astype(np.float32)


class Classifier(nn.Module):
    def __init__(self, hidden=32):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(2, hidden), nn.ReLU(), nn.Dropout(0.0), nn.Linear(hidden, hidden),
                                  nn.ReLU())
        self.head = nn.Linear(hidden, 3)

    def forward(self, x):
        return self.head(self.body(x))


model = Classifier()
with torch.no_grad():
    for name, parameter in model.named_parameters():
        parameter.copy_(torch.tensor(rng.standard_normal(tuple(parameter.shape)).astype(np.float32) * 0.3))
print(model)
print("parameters:", sum(p.numel() for p in model.parameters() if p.requires_grad))
print("modules:", [name for name, _ in model.named_modules()])

dataset = TensorDataset(torch.tensor(points_np), torch.tensor(labels_np))
loader = DataLoader(dataset, batch_size=16, shuffle=False)
print("batches per epoch:", len(loader))
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
loss_fn = nn.CrossEntropyLoss()

for epoch in range(8):
    model.train()
    total = 0.0
    for inputs, targets in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(targets)
    model.eval()
    with torch.no_grad():
        logits = model(dataset.tensors[0])
        accuracy = (logits.argmax(dim=1) == dataset.tensors[1]).float().mean().item()
    print(f"epoch {epoch}  loss {total / len(dataset):.4g}  accuracy {accuracy:.3f}")

probabilities = F.softmax(model(torch.tensor([[0.0, 2.0], [2.0, -1.0]])), dim=1)
print("predicted classes:", probabilities.argmax(1).tolist(), "max prob > 0.5:", bool((probabilities.max(1).values > 0.5).all()))
print("state dict keys:", list(model.state_dict().keys()))
