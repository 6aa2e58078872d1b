"""Sparse COO tensors against PyTorch: construction, coalesce, to_dense / to_sparse, and the
sparse @ dense product with its gradients (to the dense operand and to the values)."""

from __future__ import annotations

import numpy as np
import pytest

import ndgrad
from ndgrad.ops import sparse as sparse_ops

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

RNG = np.random.default_rng(0)
# duplicates on purpose: (1, 2) twice, so nothing is coalesced yet
INDICES = np.array([[0, 1, 1, 3, 1, 2], [2, 0, 2, 1, 2, 3]])
VALUES = RNG.standard_normal(6)
SHAPE = (4, 5)


def _pair(requires_grad: bool = False):
    ours = ndgrad.sparse_coo_tensor(INDICES, VALUES, SHAPE, requires_grad=requires_grad)
    theirs = torch.sparse_coo_tensor(
        torch.tensor(INDICES), torch.tensor(VALUES), SHAPE, requires_grad=requires_grad
    )
    return ours, theirs


def test_construction_and_reports():
    A, T = _pair()
    assert isinstance(A, ndgrad.Tensor) and A.is_sparse and not ndgrad.ones(2).is_sparse
    assert A.shape == tuple(T.shape) and A.dtype == ndgrad.float64 and A.ndim == 2
    assert (A._nnz(), A.sparse_dim(), A.dense_dim()) == (T._nnz(), T.sparse_dim(), T.dense_dim())
    assert not A.is_coalesced() and A.coalesce().is_coalesced()
    np.testing.assert_allclose(A.to_dense().numpy(), T.to_dense().numpy())
    inferred = ndgrad.sparse_coo_tensor(INDICES, VALUES)
    assert inferred.shape == tuple(
        torch.sparse_coo_tensor(torch.tensor(INDICES), torch.tensor(VALUES)).shape
    )
    legacy = ndgrad.sparse.FloatTensor(
        ndgrad.tensor(INDICES), ndgrad.tensor(VALUES, dtype=ndgrad.float32), SHAPE
    )
    assert legacy.dtype == ndgrad.float32 and legacy.shape == SHAPE
    assert "layout=ndgrad.sparse_coo" in repr(A)


def test_coalesce_indices_values_match_torch():
    A, T = _pair()
    with pytest.raises(RuntimeError, match="uncoalesced"):
        A.values()
    with pytest.raises(RuntimeError, match="uncoalesced"):
        A.indices()
    a, t = A.coalesce(), T.coalesce()
    np.testing.assert_array_equal(a.indices().numpy(), t.indices().numpy())
    np.testing.assert_allclose(a.values().numpy(), t.values().numpy())


def test_to_sparse_and_back_with_gradient():
    dense = RNG.standard_normal((3, 4)) * (RNG.random((3, 4)) > 0.5)
    x, tx = ndgrad.tensor(dense, requires_grad=True), torch.tensor(dense, requires_grad=True)
    s, ts = x.to_sparse(), tx.to_sparse()
    assert s.is_coalesced() and ts.is_coalesced()
    np.testing.assert_array_equal(s.indices().numpy(), ts.indices().numpy())
    w = RNG.standard_normal((3, 4))
    (s.to_dense() * ndgrad.tensor(w)).sum().backward()
    (ts.to_dense() * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())
    assert x.to_dense() is x


@pytest.mark.parametrize("use_scipy", [True, False])
@pytest.mark.parametrize(
    "how", ["sparse.mm", "spmm", "matmul", "vector", "dense_left", "torch.mm", "torch.matmul"]
)
def test_sparse_dense_product_and_gradients_match_torch(how, use_scipy, monkeypatch):
    if not use_scipy:
        monkeypatch.setattr(sparse_ops, "_csr_module", lambda xp: None)
    A, T = _pair(requires_grad=True)
    dense = RNG.standard_normal(
        (5,) if how == "vector" else (2, 4) if how == "dense_left" else (5, 3)
    )
    x, tx = ndgrad.tensor(dense, requires_grad=True), torch.tensor(dense, requires_grad=True)
    if how == "sparse.mm":
        out, tout = ndgrad.sparse.mm(A, x), torch.sparse.mm(T, tx)
    elif how == "spmm":
        out, tout = ndgrad.spmm(A, x), torch.spmm(T, tx)
    elif how == "torch.mm":
        out, tout = ndgrad.mm(A, x), torch.mm(T, tx)
    elif how == "torch.matmul":
        out, tout = ndgrad.matmul(A, x), torch.matmul(T, tx)
    elif how == "dense_left":
        out, tout = x @ A, tx @ T
    else:
        out, tout = A @ x, T @ tx
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-12)
    w = RNG.standard_normal(tuple(tout.shape))
    (out * ndgrad.tensor(w)).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)
    # torch gives the sparse operand a sparse gradient (dense for some of these calls): compare
    # them on the nonzero pattern
    ours = A.grad
    assert ours.is_sparse and ours.is_coalesced()
    theirs = T.grad.to_dense() if T.grad.is_sparse else T.grad
    mask = np.zeros(SHAPE, dtype=bool)
    mask[tuple(INDICES)] = True
    np.testing.assert_allclose(
        ours.to_dense().numpy(), theirs.numpy() * mask, rtol=1e-12, atol=1e-14
    )


def test_gradient_reaches_values_from_a_graph_and_second_order():
    """Edge weights computed by the model (as in attention over a graph) get their gradient."""
    logits = ndgrad.tensor(VALUES, requires_grad=True)
    tlogits = torch.tensor(VALUES, requires_grad=True)
    x = RNG.standard_normal((5, 2))
    out = ndgrad.sparse.mm(
        ndgrad.sparse_coo_tensor(INDICES, logits.sigmoid(), SHAPE), ndgrad.tensor(x)
    )
    tout = torch.sparse.mm(
        torch.sparse_coo_tensor(torch.tensor(INDICES), tlogits.sigmoid(), SHAPE), torch.tensor(x)
    )
    out.pow(2).sum().backward()
    tout.pow(2).sum().backward()
    np.testing.assert_allclose(logits.grad.numpy(), tlogits.grad.numpy(), rtol=1e-12)
    # the backward is written in ops: a gradient of a gradient works
    xs = ndgrad.tensor(x, requires_grad=True)
    A = ndgrad.sparse_coo_tensor(INDICES, VALUES, SHAPE)
    (g,) = ndgrad.autograd.grad(ndgrad.sparse.mm(A, xs).pow(2).sum(), xs, create_graph=True)
    g.sum().backward()
    dense_a = A.to_dense().numpy()
    np.testing.assert_allclose(
        xs.grad.numpy(), 2 * dense_a.T @ dense_a @ np.ones((5, 2)), rtol=1e-10
    )


def test_scaling_transpose_device_and_dtype():
    A, T = _pair()
    np.testing.assert_allclose((A * 2).to_dense().numpy(), (T * 2).to_dense().numpy())
    np.testing.assert_allclose((A / 4).to_dense().numpy(), (T / 4).to_dense().numpy())
    np.testing.assert_allclose(A.t().to_dense().numpy(), T.t().to_dense().numpy())
    assert A.float().dtype == ndgrad.float32 and A.to("cpu").device == ndgrad.device("cpu")
    assert A.detach().requires_grad is False


def test_errors_name_what_is_wrong():
    A, _ = _pair()
    with pytest.raises(RuntimeError, match="indices must be an int64 tensor"):
        ndgrad.sparse_coo_tensor(ndgrad.tensor(INDICES, dtype=ndgrad.float32), VALUES)
    with pytest.raises(RuntimeError, match="indices must be sparse_dim x nnz"):
        ndgrad.sparse_coo_tensor(INDICES[0], VALUES)
    with pytest.raises(RuntimeError, match="indices and values must have same nnz"):
        ndgrad.sparse_coo_tensor(INDICES, VALUES[:2])
    with pytest.raises(RuntimeError, match="size is inconsistent with indices"):
        ndgrad.sparse_coo_tensor(INDICES, VALUES, (2, 2))
    with pytest.raises(RuntimeError, match="number of dimensions must be sparse_dim"):
        ndgrad.sparse_coo_tensor(INDICES, VALUES, (4, 5, 6))
    with pytest.raises(RuntimeError, match="cannot be multiplied"):
        ndgrad.sparse.mm(A, ndgrad.ones(4, 2, dtype=ndgrad.float64))
    with pytest.raises(RuntimeError, match="add\\(sparse, dense\\) is not supported"):
        A + 1
