"""makemore-style character models of a few names: a bigram count table (its negative log-likelihood through
P[range(n), targets] indexing) and an MLP over embeddings of the previous two characters with cross_entropy."""
import numpy as np
import torch
import torch.nn.functional as F

words = ["emma", "olivia", "ava", "isabella", "sophia", "mia", "amelia", "harper", "evelyn", "abigail",
         "emily", "ella", "liam", "noah", "oliver", "elijah", "james", "william", "benjamin", "lucas"]
chars = sorted(set("".join(words)))
stoi = {s: i + 1 for i, s in enumerate(chars)}
stoi["."] = 0
itos = {i: s for s, i in stoi.items()}
vocab = len(stoi)
print("vocabulary:", vocab, "".join(itos[i] for i in range(vocab)))

# ---- bigram counts ----
N = torch.zeros((vocab, vocab), dtype=torch.int32)
first, second = [], []
for w in words:
    chs = ["."] + list(w) + ["."]
    for a, b in zip(chs, chs[1:]):
        N[stoi[a], stoi[b]] += 1
        first.append(stoi[a])
        second.append(stoi[b])
xs, ys = torch.tensor(first), torch.tensor(second)
n = xs.nelement()
print("bigrams:", n, "most common after '.':", itos[N[0].argmax().item()], "count", N[0].max().item())
P = (N + 1).float()
P /= P.sum(1, keepdim=True)
nll = -P[xs, ys].log().mean()
print(f"bigram nll {nll.item():.4f}")

# ---- the same, learned: one-hot inputs times a weight matrix ----
rng = np.random.default_rng(2)
W = torch.tensor(rng.standard_normal((vocab, vocab)).astype(np.float32), requires_grad=True)
xenc = F.one_hot(xs, num_classes=vocab).float()
for step in range(60):
    logits = xenc @ W
    counts = logits.exp()
    probs = counts / counts.sum(1, keepdim=True)
    loss = -probs[torch.arange(n), ys].log().mean() + 0.01 * (W ** 2).mean()
    W.grad = None
    loss.backward()
    W.data += -20 * W.grad
    if step % 15 == 0:
        print(f"neural bigram step {step}  loss {loss.item():.4g}")

# ---- an MLP on the previous two characters ----
block = 2
X, Y = [], []
for w in words:
    context = [0] * block
    for ch in w + ".":
        X.append(context)
        Y.append(stoi[ch])
        context = context[1:] + [stoi[ch]]
X, Y = torch.tensor(X), torch.tensor(Y)
print("dataset:", tuple(X.shape), tuple(Y.shape), X.dtype == torch.int64)

C = torch.tensor(rng.standard_normal((vocab, 5)).astype(np.float32))
W1 = torch.tensor(rng.standard_normal((block * 5, 40)).astype(np.float32) * 0.3)
b1 = torch.zeros(40)
W2 = torch.tensor(rng.standard_normal((40, vocab)).astype(np.float32) * 0.1)
b2 = torch.zeros(vocab)
parameters = [C, W1, b1, W2, b2]
for p in parameters:
    p.requires_grad = True
print("parameters:", sum(p.nelement() for p in parameters))

for step in range(200):
    emb = C[X]
    h = torch.tanh(emb.view(-1, block * 5) @ W1 + b1)
    logits = h @ W2 + b2
    loss = F.cross_entropy(logits, Y)
    for p in parameters:
        p.grad = None
    loss.backward()
    lr = 0.5 if step < 150 else 0.05
    for p in parameters:
        p.data += -lr * p.grad
    if step % 40 == 0 or step == 199:
        print(f"mlp step {step:3d}  loss {loss.item():.4g}")
print("loss node:", loss.grad_fn.name(), "| emb node:", emb.grad_fn.name(), "| row node:", C[0].grad_fn.name())

# greedy decoding from '..' (sampling would need torch.multinomial and its random stream)
with torch.no_grad():
    context, out = [0] * block, []
    for _ in range(8):
        h = torch.tanh(C[torch.tensor([context])].view(1, -1) @ W1 + b1)
        ix = (h @ W2 + b2).argmax(dim=1).item()
        if ix == 0:
            break
        out.append(itos[ix])
        context = context[1:] + [ix]
print("greedy name:", "".join(out))
