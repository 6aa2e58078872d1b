"""A tiny VAE: reparameterisation with randn_like, BCE-with-logits reconstruction + KL, sampling."""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(4)
rng = np.random.default_rng(4)

prototypes = (rng.random((4, 16)) > 0.5).astype(np.float32)
data = prototypes[rng.integers(0, 4, size=128)]
flip = rng.random(data.shape) < 0.05
data = np.where(flip, 1.0 - data, data).astype(np.float32)


class VAE(nn.Module):
    def __init__(self, n_in=16, hidden=32, latent=2):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(n_in, hidden), nn.Tanh())
        self.mu = nn.Linear(hidden, latent)
        self.logvar = nn.Linear(hidden, latent)
        self.decoder = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, n_in))

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)
        return mu + eps * std

    def forward(self, x):
        h = self.encoder(x)
        mu, logvar = self.mu(h), self.logvar(h)
        z = self.reparameterize(mu, logvar)
        return self.decoder(z), mu, logvar


def vae_loss(recon_logits, x, mu, logvar):
    bce = F.binary_cross_entropy_with_logits(recon_logits, x, reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return (bce + kld) / x.shape[0]


model = VAE()
n_params = sum(p.numel() for p in model.parameters())
flat = torch.from_numpy((rng.standard_normal(n_params) * 0.2).astype(np.float32))
torch.nn.utils.vector_to_parameters(flat, model.parameters())

loader = DataLoader(TensorDataset(torch.from_numpy(data)), batch_size=32, shuffle=True)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
epoch_losses = []
for _epoch in range(8):
    total = 0.0
    for (xb,) in loader:
        recon, mu, logvar = model(xb)
        loss = vae_loss(recon, xb, mu, logvar)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item()
    epoch_losses.append(total / len(loader))

model.eval()
with torch.no_grad():
    samples = torch.sigmoid(model.decoder(torch.randn(5, 2)))
    _, mu, _ = model(torch.from_numpy(data))

RESULT = {
    "losses": epoch_losses,
    "final_loss": epoch_losses[-1],
    "sample_shape": tuple(samples.shape),
    "samples_in_range": bool(((samples >= 0) & (samples <= 1)).all()),
    "latent_std": mu.std(dim=0).tolist(),
}
print(RESULT)
