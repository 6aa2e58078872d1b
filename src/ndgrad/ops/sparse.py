"""The ops of sparse COO tensors: sparse @ dense, scatter to dense, and summing duplicate entries.

A COO matrix is ``indices`` (sparse_dim, nnz), int64, and ``values`` (nnz,). The ops take the
indices as a constant input (no gradient) and the values as a differentiable one, so a gradient
reaches both the dense operand and the values (PyTorch gives it to the sparse tensor on the
nonzero pattern, which is the same numbers).

The product runs in SciPy's compiled CSR kernel (CuPy's ``cupyx.scipy.sparse`` on the GPU) when
that is installed (``pip install ndgrad[sparse]``), and in plain index ops otherwise;
``benchmarks/bench_sparse.py`` measures both (SciPy's forward is 18-35x faster; ``docs/sparse.md``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ndgrad.autograd.function import Op
from ndgrad.tensor import Tensor

__all__ = ["sparse_dense_mm", "sparse_to_dense", "sparse_sum_duplicates"]


def _csr_module(xp: Any) -> Any:
    """SciPy's (or, for CuPy arrays, cupyx's) sparse module; None when it is not installed."""
    try:
        if xp is np:
            import scipy.sparse as sp
        else:
            import cupyx.scipy.sparse as sp
    except ImportError:
        return None
    return sp


def coo_matmul(
    rows: Any, cols: Any, values: Any, dense: Any, n_rows: int, use_scipy: bool = True
) -> Any:
    """out[r] = sum over entries e with rows[e] == r of values[e] * dense[cols[e]] (raw arrays)."""
    xp = np if isinstance(dense, np.ndarray) else _xp_of(dense)
    sp = _csr_module(xp) if use_scipy else None
    if sp is not None:
        matrix = sp.csr_matrix((values, (rows, cols)), shape=(n_rows, dense.shape[0]))
        return xp.asarray(matrix @ dense, dtype=dense.dtype)
    out = xp.zeros((n_rows,) + dense.shape[1:], dtype=dense.dtype)
    contrib = values.reshape((-1,) + (1,) * (dense.ndim - 1)) * dense[cols]
    xp.add.at(out, rows, contrib)  # duplicates (uncoalesced entries) add up, as in the matrix
    return out


def _xp_of(a: Any) -> Any:
    from ndgrad._backend import xp_of

    return xp_of(a)


class SparseDenseMM(Op):
    """out = A @ X for A = coo(indices, values) of shape (n, m) and X dense (m, k);
    dX = A^T @ g, dvalues_e = <g[row_e], X[col_e]>"""

    @staticmethod
    def forward(ctx: Any, indices: Any, values: Any, dense: Any, n_rows: int = 0) -> Any:
        ctx.save_for_backward(indices, values, dense)
        return coo_matmul(
            indices[0], indices[1], values.astype(dense.dtype, copy=False), dense, n_rows
        )

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        indices, values, dense = ctx.saved_tensors
        d_values = d_dense = None
        if ctx.needs_input_grad[1]:
            d_values = (grad[indices[0]] * dense[indices[1]]).sum(-1)
        if ctx.needs_input_grad[2]:
            d_dense = sparse_dense_mm(indices.flip(0), values, grad, dense.shape[0])
        return None, d_values, d_dense


def sparse_dense_mm(indices: Tensor, values: Tensor, dense: Tensor, n_rows: int) -> Tensor:
    """coo(indices, values) @ dense, for a sparse matrix of ``n_rows`` rows (differentiable in
    values and dense)."""
    return SparseDenseMM.apply(indices, values, dense, n_rows=n_rows)


class SparseToDense(Op):
    """out = zeros(shape); out[indices[:, e]] += values[e]; dvalues_e = g[indices[:, e]]"""

    @staticmethod
    def forward(ctx: Any, indices: Any, values: Any, shape: tuple[int, ...] = ()) -> Any:
        ctx.save_for_backward(indices)
        xp = _xp_of(values)
        out = xp.zeros(shape, dtype=values.dtype)
        xp.add.at(out, tuple(indices), values)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        (indices,) = ctx.saved_tensors
        return None, grad[tuple(indices.unbind(0))]


def sparse_to_dense(indices: Tensor, values: Tensor, shape: tuple[int, ...]) -> Tensor:
    """The dense tensor of a COO tensor (duplicate entries add up); differentiable in values."""
    return SparseToDense.apply(indices, values, shape=tuple(shape))


def sparse_sum_duplicates(
    indices: Tensor, values: Tensor, shape: tuple[int, ...]
) -> tuple[Tensor, Tensor]:
    """Coalesce: the entries sorted by their row-major position, duplicates summed (differentiable
    in values: a segment sum, whose backward is a gather)."""
    idx = indices.array
    xp = _xp_of(idx)
    sparse_shape = tuple(shape[: idx.shape[0]])
    flat = (
        xp.ravel_multi_index(tuple(idx), sparse_shape)
        if idx.shape[1]
        else xp.zeros(0, dtype=np.int64)
    )
    unique, inverse = xp.unique(flat, return_inverse=True)
    new_indices = (
        xp.stack(xp.unravel_index(unique, sparse_shape))
        .astype(np.int64)
        .reshape(len(sparse_shape), -1)
    )
    from ndgrad.ops.factory import zeros

    summed = zeros(
        (len(unique),) + tuple(values.shape[1:]), dtype=values.dtype, device=values.device
    ).index_add(0, Tensor._make(inverse.reshape(-1).astype(np.int64), False, None), values)
    return Tensor._make(new_indices, False, None), summed
