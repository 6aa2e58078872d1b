"""A DCGAN-style GAN on 8x8 "images": ConvTranspose2d generator, Conv2d discriminator, BCELoss,
.detach() for the discriminator step, two Adam optimizers, fixed noise from NumPy."""

import numpy as np
import torch
import torch.nn as nn

rng = np.random.default_rng(5)
NZ, NGF, NDF = 8, 8, 8
real_images = np.tanh(rng.standard_normal((16, 1, 8, 8))).astype(np.float32)


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(NZ, NGF * 2, 4, 1, 0, bias=False),  # 1x1 -> 4x4
            nn.BatchNorm2d(NGF * 2),
            nn.ReLU(True),
            nn.ConvTranspose2d(NGF * 2, 1, 4, 2, 1, bias=False),  # 4x4 -> 8x8
            nn.Tanh(),
        )

    def forward(self, z):
        return self.main(z)


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(1, NDF, 4, 2, 1, bias=False),  # 8x8 -> 4x4
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(NDF, NDF * 2, 4, 2, 1, bias=False),  # 4x4 -> 2x2
            nn.BatchNorm2d(NDF * 2),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(NDF * 2, 1, 2, 1, 0, bias=False),  # 2x2 -> 1x1
            nn.Sigmoid(),
        )

    def forward(self, x):
        return self.main(x).view(-1, 1).squeeze(1)


def weights_init(m):
    classname = m.__class__.__name__
    shape = tuple(m.weight.shape) if hasattr(m, "weight") and m.weight is not None else None
    if classname.find("Conv") != -1:
        m.weight.data.copy_(torch.from_numpy(rng.normal(0.0, 0.02, shape).astype(np.float32)))
    elif classname.find("BatchNorm") != -1:
        m.weight.data.copy_(torch.from_numpy(rng.normal(1.0, 0.02, shape).astype(np.float32)))
        m.bias.data.fill_(0)


netG, netD = Generator(), Discriminator()
netG.apply(weights_init)
netD.apply(weights_init)
criterion = nn.BCELoss()
optimizerD = torch.optim.Adam(netD.parameters(), lr=2e-3, betas=(0.5, 0.999))
optimizerG = torch.optim.Adam(netG.parameters(), lr=2e-3, betas=(0.5, 0.999))
real_label, fake_label = 1.0, 0.0
fixed_noise = torch.from_numpy(rng.standard_normal((4, NZ, 1, 1)).astype(np.float32))

d_losses, g_losses, d_x = [], [], []
for _i in range(6):
    real = torch.from_numpy(real_images)
    b_size = real.size(0)
    # (1) update D: maximize log(D(x)) + log(1 - D(G(z)))
    netD.zero_grad()
    label = torch.full((b_size,), real_label, dtype=torch.float)
    output = netD(real)
    errD_real = criterion(output, label)
    errD_real.backward()
    noise = torch.from_numpy(rng.standard_normal((b_size, NZ, 1, 1)).astype(np.float32))
    fake = netG(noise)
    label.fill_(fake_label)
    output = netD(fake.detach())
    errD_fake = criterion(output, label)
    errD_fake.backward()
    optimizerD.step()
    # (2) update G: maximize log(D(G(z)))
    netG.zero_grad()
    label.fill_(real_label)
    output = netD(fake)
    errG = criterion(output, label)
    errG.backward()
    optimizerG.step()
    d_losses.append((errD_real + errD_fake).item())
    g_losses.append(errG.item())
    d_x.append(netD(real).mean().item())

with torch.no_grad():
    samples = netG(fixed_noise).detach()

RESULT = {
    "d_losses": d_losses,
    "g_losses": g_losses,
    "d_x": d_x,
    "sample_shape": tuple(samples.shape),
    "sample_mean": samples.mean().item(),
}
print(RESULT)
