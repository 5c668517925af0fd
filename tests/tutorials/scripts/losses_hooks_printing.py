"""Robust regression with nn.HuberLoss against outliers, smooth_l1 / kl_div / cosine_similarity / normalize /
pad on small tensors, forward hooks that record and rescale activations, and set_printoptions."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(4)
x_np = rng.uniform(-1, 1, size=(50, 3)).astype(np.float32)
y_np = (x_np @ np.array([[1.5], [-2.0], [0.5]]) + 0.3).astype(np.float32)
y_np[::10] += 8.0  # outliers
x, y = torch.tensor(x_np), torch.tensor(y_np)

for name, loss_fn in [("mse", nn.MSELoss()), ("huber", nn.HuberLoss(delta=1.0)),
                      ("smooth_l1", nn.SmoothL1Loss(beta=0.5))]:
    model = nn.Linear(3, 1)
    with torch.no_grad():
        model.weight.zero_()
        model.bias.zero_()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.2)
    for step in range(150):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
    weights = [round(w, 2) for w in model.weight.detach().reshape(-1).tolist()]
    print(f"{name:9s} final loss {loss.item():.4g}  weights {weights}  bias {model.bias.item():.3f}")

log_p = F.log_softmax(torch.tensor([[1.0, 2.0, 3.0], [0.5, 0.5, 0.0]]), dim=1)
q = torch.tensor([[0.2, 0.3, 0.5], [0.6, 0.4, 0.0]])
print(f"kl batchmean {F.kl_div(log_p, q, reduction='batchmean').item():.4g}  "
      f"sum {nn.KLDivLoss(reduction='sum')(log_p, q).item():.4g}")
a, b = torch.tensor([[1.0, 0.0, 1.0], [3.0, 4.0, 0.0]]), torch.tensor([[1.0, 1.0, 1.0], [4.0, 3.0, 0.0]])
print("cosine:", [round(v, 4) for v in F.cosine_similarity(a, b).tolist()])
print("unit rows:", [round(v, 4) for v in F.normalize(a, dim=1).pow(2).sum(1).tolist()])
padded = F.pad(torch.ones(2, 2), (1, 0, 0, 2), value=7.0)
print("padded:", tuple(padded.shape), padded.tolist())

net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
with torch.no_grad():
    for parameter in net.parameters():
        parameter.copy_(torch.tensor(rng.standard_normal(tuple(parameter.shape)).astype(np.float32)))
activations = {}
handles = [module.register_forward_hook(lambda m, inp, out, name=name: activations.__setitem__(name, out.detach()))
           for name, module in net.named_children()]
net(x[:5])
print("recorded:", {name: tuple(value.shape) for name, value in activations.items()})
print("relu output non-negative:", bool((activations["1"] >= 0).all()))
doubled = net[2].register_forward_hook(lambda m, inp, out: out * 2)
halved = net[0].register_forward_pre_hook(lambda m, inp: (inp[0] * 0.5,))
hooked = net(x[:5])
for handle in handles + [doubled, halved]:
    handle.remove()
print(f"hooked output sum {hooked.sum().item():.4g}  plain {net(x[:5]).sum().item():.4g}")
vector = nn.utils.parameters_to_vector(net.parameters())
print("parameters as a vector:", tuple(vector.shape))
nn.utils.vector_to_parameters(torch.zeros_like(vector), net.parameters())
print("after zeroing:", net(x[:2]).reshape(-1).tolist())

torch.set_printoptions(precision=2)
print(torch.tensor([[1.23456, -2.5], [100.0, 0.125]]))
torch.set_printoptions(sci_mode=True)
print(torch.tensor([1.5, 2.0]))
torch.set_printoptions(profile="default", threshold=6, edgeitems=2)
print(torch.arange(20.0))
torch.set_printoptions(profile="default")
print(torch.tensor([3.14159, 2.71828]))
