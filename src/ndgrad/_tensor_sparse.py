"""The sparse-tensor methods of every dense Tensor (a mixin among ``Tensor``'s bases):
``is_sparse``, ``to_sparse`` and ``to_dense``. The sparse tensor itself is ``ndgrad.sparse``'s."""

from __future__ import annotations

from typing import Any


class SparseTensorMixin:
    """What a dense tensor answers about sparsity, as PyTorch's dense tensors do."""

    __slots__ = ()

    @property
    def is_sparse(self) -> bool:
        return False

    def to_sparse(self, sparse_dim: int | None = None) -> Any:
        """The COO form of this tensor (its nonzeros, coalesced); differentiable."""
        from ndgrad.sparse import to_sparse

        return to_sparse(self, sparse_dim)  # type: ignore[arg-type]

    def to_sparse_coo(self) -> Any:
        return self.to_sparse()

    def to_dense(self, dtype: Any = None, *, masked_grad: bool | None = None) -> Any:
        """A dense tensor is its own dense form (converted to ``dtype`` if given)."""
        return self if dtype is None else self.to(dtype)  # type: ignore[attr-defined]
