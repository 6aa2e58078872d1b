"""A 2017-era tutorial: a two-layer net fitted by hand with Variables, legacy tensor types and
``.data`` updates (``w.data -= lr * w.grad.data; w.grad.data.zero_()``)."""

import numpy as np
import torch
from torch.autograd import Variable

rng = np.random.default_rng(7)
dtype = torch.FloatTensor
N, D_in, H, D_out = 32, 10, 20, 3

x = Variable(
    torch.from_numpy(rng.standard_normal((N, D_in)).astype(np.float32)).type(dtype),
    requires_grad=False,
)
y = Variable(
    torch.from_numpy(rng.standard_normal((N, D_out)).astype(np.float32)).type(dtype),
    requires_grad=False,
)
w1 = Variable(torch.Tensor(rng.standard_normal((D_in, H)) * 0.3).type(dtype), requires_grad=True)
w2 = Variable(torch.Tensor(rng.standard_normal((H, D_out)) * 0.3).type(dtype), requires_grad=True)
assert isinstance(w1, Variable) and isinstance(w1.data, torch.FloatTensor)

learning_rate = 1e-3
losses = []
for _t in range(40):
    y_pred = x.mm(w1).clamp(min=0).mm(w2)
    loss = (y_pred - y).pow(2).sum()
    losses.append(loss.data.item())
    loss.backward()
    w1.data -= learning_rate * w1.grad.data
    w2.data -= learning_rate * w2.grad.data
    w1.grad.data.zero_()
    w2.grad.data.zero_()

counts = torch.LongTensor(3).zero_()
for label in y.data.max(1)[1]:
    counts[label] += 1

RESULT = {
    "losses": losses,
    "type": w1.data.type(),
    "grad_type": w1.grad.type(),
    "counts": counts.tolist(),
    "is_long": isinstance(counts, torch.LongTensor),
    "w_norm": w1.data.norm().item(),
}
print(RESULT)
