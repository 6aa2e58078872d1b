"""A VAE variant: Gaussian decoder with an MSE reconstruction term, the KL term written per latent
dimension and annealed (beta warm-up), torch.randn_like noise, sampling from the prior."""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(9)
rng = np.random.default_rng(9)
basis = rng.standard_normal((2, 12))
codes = rng.standard_normal((96, 2))
data = torch.from_numpy((codes @ basis + 0.05 * rng.standard_normal((96, 12))).astype(np.float32))


class VAE(nn.Module):
    def __init__(self, d=12, h=24, z=2):
        super().__init__()
        self.enc = nn.Linear(d, h)
        self.enc_mu, self.enc_logvar = nn.Linear(h, z), nn.Linear(h, z)
        self.dec1, self.dec2 = nn.Linear(z, h), nn.Linear(h, d)

    def encode(self, x):
        h = F.relu(self.enc(x))
        return self.enc_mu(h), self.enc_logvar(h)

    def decode(self, z):
        return self.dec2(F.relu(self.dec1(z)))

    def forward(self, x):
        mu, logvar = self.encode(x)
        std = torch.exp(0.5 * logvar)
        z = mu + torch.randn_like(std) * std
        return self.decode(z), mu, logvar


model = VAE()
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.from_numpy((rng.standard_normal(tuple(p.shape)) * 0.25).astype(np.float32)))
optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)

losses, kls = [], []
for epoch in range(40):
    beta = min(1.0, epoch / 10)
    recon, mu, logvar = model(data)
    rec = F.mse_loss(recon, data, reduction="sum") / data.size(0)
    kl_per_dim = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar)  # KL(q(z|x) || N(0, I)) per dim
    kl = kl_per_dim.sum(dim=1).mean()
    loss = rec + beta * kl
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
    kls.append(kl.item())

model.eval()
with torch.no_grad():
    prior_samples = model.decode(torch.randn(8, 2))
    mu, _ = model.encode(data)

RESULT = {
    "losses": losses,
    "final_loss": losses[-1],
    "kl_positive": all(k >= 0 for k in kls),
    "sample_shape": tuple(prior_samples.shape),
    "latent_std": mu.std(dim=0).tolist(),
}
print(RESULT)
