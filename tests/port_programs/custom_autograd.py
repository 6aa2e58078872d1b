"""A custom autograd.Function, torch.autograd.grad with create_graph (a gradient penalty), second
order."""

import numpy as np
import torch
import torch.nn as nn


class ScaledSoftplus(torch.autograd.Function):
    """y = log(1 + exp(beta * x)) / beta, with a hand-written backward."""

    @staticmethod
    def forward(ctx, x, beta):
        ctx.save_for_backward(x)
        ctx.beta = beta
        return torch.log1p(torch.exp(beta * x)) / beta

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * torch.sigmoid(ctx.beta * x), None


def scaled_softplus(x, beta=2.0):
    return ScaledSoftplus.apply(x, beta)


torch.manual_seed(5)
torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(5)

# the custom Function agrees with the built-in one, values and gradients
x = torch.tensor(rng.standard_normal(6), requires_grad=True)
scaled_softplus(x).sum().backward()
custom_grad = x.grad.clone()
x.grad = None
torch.nn.functional.softplus(x, beta=2.0).sum().backward()
custom_matches = torch.allclose(custom_grad, x.grad)

# a critic trained with a gradient penalty: || d critic / d input || should be close to 1
critic = nn.Sequential(nn.Linear(3, 16), nn.Tanh(), nn.Linear(16, 1))
critic.load_state_dict(
    {
        k: torch.tensor(rng.standard_normal(tuple(v.shape)) * 0.5)
        for k, v in critic.state_dict().items()
    }
)
real = torch.tensor(rng.standard_normal((32, 3)) + 1.0)
fake = torch.tensor(rng.standard_normal((32, 3)) - 1.0)
alpha = torch.tensor(rng.random((32, 1)))
optimizer = torch.optim.RMSprop(critic.parameters(), lr=5e-3)

losses = []
for _step in range(25):
    mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    scores = critic(mixed)
    (grad_in,) = torch.autograd.grad(scores.sum(), mixed, create_graph=True)
    penalty = ((grad_in.norm(2, dim=1) - 1) ** 2).mean()
    wasserstein = critic(fake).mean() - critic(real).mean()
    loss = wasserstein + 10.0 * penalty + scaled_softplus(critic(real)).mean() * 0.01
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    losses.append(loss.item())

# second derivative of a scalar function through the graph
t = torch.tensor(0.7, requires_grad=True)
(dy,) = torch.autograd.grad(torch.sin(t) * t, t, create_graph=True)
(d2y,) = torch.autograd.grad(dy, t)

RESULT = {
    "custom_matches": custom_matches,
    "losses": losses,
    "final_loss": losses[-1],
    "second_derivative": d2y.item(),
}
print(RESULT)
