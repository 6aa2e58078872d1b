"""makemore-style character MLP (Bengio et al. 2003): an embedding table C and hidden layer as
plain tensors, F.cross_entropy, manual .data updates, then sampling with torch.multinomial and a
seeded torch.Generator."""

import numpy as np
import torch
import torch.nn.functional as F

words = [
    "emma",
    "olivia",
    "ava",
    "isabella",
    "sophia",
    "mia",
    "amelia",
    "harper",
    "evelyn",
    "abigail",
]
chars = sorted(set("".join(words)))
stoi = {s: i + 1 for i, s in enumerate(chars)}
stoi["."] = 0
itos = {i: s for s, i in stoi.items()}
block_size = 3

X, Y = [], []
for w in words:
    context = [0] * block_size
    for ch in w + ".":
        ix = stoi[ch]
        X.append(context)
        Y.append(ix)
        context = context[1:] + [ix]
X, Y = torch.tensor(X), torch.tensor(Y)

rng = np.random.default_rng(2147483647)
vocab = len(stoi)
C = torch.tensor(rng.standard_normal((vocab, 4)), dtype=torch.float32)
W1 = torch.tensor(rng.standard_normal((block_size * 4, 32)) * 0.2, dtype=torch.float32)
b1 = torch.tensor(rng.standard_normal(32) * 0.01, dtype=torch.float32)
W2 = torch.tensor(rng.standard_normal((32, vocab)) * 0.1, dtype=torch.float32)
b2 = torch.zeros(vocab)
parameters = [C, W1, b1, W2, b2]
for p in parameters:
    p.requires_grad = True
n_params = sum(p.nelement() for p in parameters)

batches = rng.integers(0, X.shape[0], size=(60, 16))
lossi = []
for i in range(60):
    ix = torch.from_numpy(batches[i])
    emb = C[X[ix]]  # (16, 3, 4)
    h = torch.tanh(emb.view(-1, block_size * 4) @ W1 + b1)
    logits = h @ W2 + b2
    loss = F.cross_entropy(logits, Y[ix])
    for p in parameters:
        p.grad = None
    loss.backward()
    lr = 0.1 if i < 40 else 0.01
    for p in parameters:
        p.data += -lr * p.grad
    lossi.append(loss.log10().item())

with torch.no_grad():
    emb = C[X]
    h = torch.tanh(emb.view(emb.shape[0], -1) @ W1 + b1)
    full_loss = F.cross_entropy(h @ W2 + b2, Y).item()

g = torch.Generator().manual_seed(2147483647 + 10)
samples = []
for _ in range(5):
    out, context = [], [0] * block_size
    for _step in range(20):
        emb = C[torch.tensor([context])]
        h = torch.tanh(emb.view(1, -1) @ W1 + b1)
        probs = F.softmax(h @ W2 + b2, dim=1)
        ix = torch.multinomial(probs, num_samples=1, generator=g).item()
        context = context[1:] + [ix]
        if ix == 0:
            break
        out.append(itos[ix])
    samples.append("".join(out))

RESULT = {
    "losses": lossi,
    "full_loss": full_loss,
    "n_params": n_params,
    "n_samples": len(samples),
    "samples_valid": all(set(s) <= set(chars) for s in samples),
}
print(RESULT)
