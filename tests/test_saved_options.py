"""Options an op saves for backward (dims, padding index, slopes) travel through
``save_for_backward``: given as NumPy scalars they must still work, and gradients match PyTorch's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import ndgrad
import ndgrad.nn.functional as F

CASES: dict[str, tuple[Callable[[Any, Any], Any], tuple[int, ...]]] = {
    "max_dim": (lambda lib, x: x.max(dim=np.int64(1))[0], (3, 4)),
    "sort_dim": (lambda lib, x: lib.sort(x, dim=np.int64(0))[0] * lib.arange(3.0)[:, None], (3, 4)),
    "diag_embed": (lambda lib, x: lib.diag_embed(x, offset=np.int64(1), dim1=np.int64(0)), (3, 4)),
    "vector_norm": (lambda lib, x: lib.linalg.vector_norm(x, ord=3, dim=np.int64(1)), (3, 4)),
    "leaky_relu": (
        lambda lib, x: (F if lib is ndgrad else torch.nn.functional).leaky_relu(x, np.float64(0.2)),
        (3, 4),
    ),
    "celu": (lambda lib, x: (F if lib is ndgrad else torch.nn.functional).celu(x, 0.5), (3, 4)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_numpy_scalar_options_give_torch_gradients(name: str) -> None:
    fn, shape = CASES[name]
    data = np.random.default_rng(0).standard_normal(shape)
    x = ndgrad.tensor(data, requires_grad=True)
    xt = torch.tensor(data, requires_grad=True)
    w = np.random.default_rng(1).standard_normal(tuple(fn(torch, xt).shape))
    (fn(ndgrad, x) * ndgrad.tensor(w)).sum().backward()
    (fn(torch, xt) * torch.tensor(w)).sum().backward()
    assert x.grad is not None and xt.grad is not None
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_embedding_numpy_padding_index() -> None:
    weight = np.random.default_rng(2).standard_normal((5, 3))
    idx = [[0, 2, 1, 2]]
    w = ndgrad.tensor(weight, requires_grad=True)
    wt = torch.tensor(weight, requires_grad=True)
    F.embedding(ndgrad.tensor(idx), w, padding_idx=np.int64(2)).sum().backward()
    torch.nn.functional.embedding(torch.tensor(idx), wt, padding_idx=2).sum().backward()
    assert w.grad is not None and wt.grad is not None
    np.testing.assert_array_equal(w.grad.numpy(), wt.grad.numpy())
