"""Graph convolutional network (Kipf & Welling), as pygcn writes it: a normalized sparse adjacency
built from NumPy, ``torch.spmm`` / ``torch.sparse.mm`` in the layer, node classification."""

import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.parameter import Parameter

torch.set_default_dtype(torch.float32)
rng = np.random.default_rng(21)
device = torch.device("cpu")


def make_graph(n_per_class=20, classes=3, features=12):
    """A stochastic block model: dense inside the communities, sparse between them."""
    labels = np.repeat(np.arange(classes), n_per_class)
    n = len(labels)
    same = labels[:, None] == labels[None, :]
    p = np.where(same, 0.2, 0.05)
    upper = np.triu(rng.random((n, n)) < p, 1)
    adj = (upper | upper.T).astype(np.float32)
    centers = rng.standard_normal((classes, features))
    x = centers[labels] * 0.3 + rng.standard_normal((n, features))
    return adj, x.astype(np.float32), labels


def normalize_adjacency(adj):
    """D^-1/2 (A + I) D^-1/2, the renormalization trick."""
    adj = adj + np.eye(adj.shape[0], dtype=adj.dtype)
    d_inv_sqrt = 1.0 / np.sqrt(adj.sum(1))
    return adj * d_inv_sqrt[:, None] * d_inv_sqrt[None, :]


def numpy_to_torch_sparse_tensor(dense):
    rows, cols = np.nonzero(dense)
    indices = torch.from_numpy(np.vstack((rows, cols)).astype(np.int64))
    values = torch.from_numpy(dense[rows, cols].astype(np.float32))
    return torch.sparse_coo_tensor(indices, values, torch.Size(dense.shape)).coalesce()


class GraphConvolution(nn.Module):
    def __init__(self, in_features, out_features, bias=True, use_spmm=True):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.use_spmm = use_spmm
        self.weight = Parameter(torch.empty(in_features, out_features))
        if bias:
            self.bias = Parameter(torch.empty(out_features))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.weight.size(1))
        self.weight.data.uniform_(-stdv, stdv)
        if self.bias is not None:
            self.bias.data.uniform_(-stdv, stdv)

    def forward(self, input, adj):
        support = torch.mm(input, self.weight)
        output = torch.spmm(adj, support) if self.use_spmm else torch.sparse.mm(adj, support)
        if self.bias is not None:
            return output + self.bias
        return output

    def __repr__(self):
        return f"{self.__class__.__name__} ({self.in_features} -> {self.out_features})"


class GCN(nn.Module):
    def __init__(self, nfeat, nhid, nclass, dropout):
        super().__init__()
        self.gc1 = GraphConvolution(nfeat, nhid)
        self.gc2 = GraphConvolution(nhid, nclass, use_spmm=False)
        self.dropout = dropout

    def forward(self, x, adj):
        x = F.relu(self.gc1(x, adj))
        x = F.dropout(x, self.dropout, training=self.training)
        x = self.gc2(x, adj)
        return F.log_softmax(x, dim=1)


def accuracy(output, labels):
    preds = output.max(1)[1].type_as(labels)
    correct = preds.eq(labels).float()
    return correct.sum() / len(labels)


adj_np, features_np, labels_np = make_graph()
adj = numpy_to_torch_sparse_tensor(normalize_adjacency(adj_np)).to(device)
assert adj.is_sparse and adj.shape == (60, 60)
features = torch.from_numpy(features_np).to(device)
labels = torch.from_numpy(labels_np).long().to(device)
order = rng.permutation(60)
idx_train = torch.tensor(np.sort(order[:18]))
idx_val = torch.tensor(np.sort(order[18:36]))
idx_test = torch.tensor(np.sort(order[36:]))

model = GCN(nfeat=features.shape[1], nhid=16, nclass=int(labels.max()) + 1, dropout=0.0)
model.load_state_dict(
    {
        k: torch.tensor(rng.uniform(-0.4, 0.4, size=tuple(v.shape)).astype(np.float32))
        for k, v in model.state_dict().items()
    }
)
model.to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=0.02, weight_decay=5e-4)

losses, val_accs = [], []
for _epoch in range(40):
    model.train()
    optimizer.zero_grad()
    output = model(features, adj)
    loss_train = F.nll_loss(output[idx_train], labels[idx_train])
    loss_train.backward()
    optimizer.step()
    losses.append(loss_train.item())
    model.eval()
    with torch.no_grad():
        output = model(features, adj)
        val_accs.append(accuracy(output[idx_val], labels[idx_val]).item())

model.eval()
output = model(features, adj)
loss_test = F.nll_loss(output[idx_test], labels[idx_test])
RESULT = {
    "losses": losses,
    "final_loss": losses[-1],
    "val_acc": val_accs[-1],
    "test_loss": loss_test.item(),
    "test_acc": accuracy(output[idx_test], labels[idx_test]).item(),
    "grad_norm_w1": model.gc1.weight.grad.norm().item(),
}
print(RESULT)
