# mypy: disable-error-code="misc"
"""Tensor's named methods, part 3: linear algebra and the rest (written as ``_tensor_methods.py``
says)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ndgrad import ops

if TYPE_CHECKING:
    from ndgrad.tensor import Tensor

# the class has methods named bool, int and float: inside it these names annotate the builtins
_bool = bool
_int = int
_float = float


class TensorLinalgMethods:
    """Linear algebra and other methods (written as ``TensorMethods``'s)."""

    __slots__ = ()

    # -- linear algebra (ops/linalg.py) ----------------------------------------------------
    def matmul(self: Tensor, other: Tensor) -> Tensor:
        """The method form of ``ndgrad.matmul``."""
        return ops.linalg.matmul(self, other)

    def mm(self: Tensor, other: Tensor) -> Tensor:
        """out = input @ mat2 for two matrices: the method form of ``ndgrad.mm``."""
        return ops.linalg.mm(self, other)

    def bmm(self: Tensor, other: Tensor) -> Tensor:
        """The method form of ``ndgrad.bmm``."""
        return ops.linalg.bmm(self, other)

    def mv(self: Tensor, vec: Tensor) -> Tensor:
        """out = input @ vec for a matrix and a vector: the method form of ``ndgrad.mv``."""
        return ops.linalg.mv(self, vec)

    def dot(self: Tensor, other: Tensor) -> Tensor:
        """The method form of ``ndgrad.dot``."""
        return ops.linalg.dot(self, other)

    def outer(self: Tensor, other: Tensor) -> Tensor:
        """out_ij = input_i * vec2_j: the method form of ``ndgrad.outer``."""
        return ops.linalg.outer(self, other)

    def inverse(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.ops.linalg_matrix.inv``."""
        return ops.linalg_matrix.inv(self)

    def det(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.det``."""
        return ops.linalg_matrix.det(self)

    def is_nonzero(self: Tensor) -> _bool:
        """The method form of ``ndgrad.is_nonzero``."""
        return ops.settings.is_nonzero(self)

    def diag(self: Tensor, diagonal: _int = 0) -> Tensor:
        """The method form of ``ndgrad.diag``."""
        return ops.grid.diag(self, diagonal)

    def diag_embed(self: Tensor, offset: _int = 0, dim1: _int = -2, dim2: _int = -1) -> Tensor:
        """The method form of ``ndgrad.diag_embed``."""
        return ops.grid.diag_embed(self, offset, dim1, dim2)

    def diagflat(self: Tensor, offset: _int = 0) -> Tensor:
        """The method form of ``ndgrad.diagflat``."""
        return ops.grid.diagflat(self, offset)

    def trace(self: Tensor) -> Tensor:
        """out = sum_i input[i, i] (a 2-d input): the method form of ``ndgrad.trace``."""
        return ops.grid.trace(self)

    def kron(self: Tensor, other: Tensor) -> Tensor:
        """The method form of ``ndgrad.kron``."""
        return ops.grid.kron(self, other)

    def ravel(self: Tensor) -> Tensor:
        """out = input flattened to 1-d: the method form of ``ndgrad.ravel``."""
        return ops.grid.ravel(self)

    def diff(
        self: Tensor, n: _int = 1, dim: _int = -1, prepend: Any = None, append: Any = None
    ) -> Tensor:
        """The method form of ``ndgrad.diff``."""
        return ops.grid.diff(self, n, dim, prepend, append)

    def repeat_interleave(
        self: Tensor, repeats: Any = None, dim: _int | None = None, *, output_size: Any = None
    ) -> Tensor:
        """The method form of ``ndgrad.repeat_interleave``."""
        return ops.grid.repeat_interleave(self, repeats, dim, output_size=output_size)

    def fill_diagonal_(self: Tensor, fill_value: Any, wrap: _bool = False) -> Tensor:
        """The method form of ``ndgrad.ops.gather_scatter.fill_diagonal_``."""
        return ops.gather_scatter.fill_diagonal_(self, fill_value, wrap)

    def index_fill_(self: Tensor, dim: _int, index: Tensor, value: Any) -> Tensor:
        """The method form of ``ndgrad.ops.gather_scatter.index_fill_``."""
        return ops.gather_scatter.index_fill_(self, dim, index, value)

    def masked_scatter(self: Tensor, mask: Tensor, source: Tensor) -> Tensor:
        """The method form of ``ndgrad.masked_scatter``."""
        return ops.gather_scatter.masked_scatter(self, mask, source)

    def masked_scatter_(self: Tensor, mask: Tensor, source: Tensor) -> Tensor:
        """The method form of ``ndgrad.ops.gather_scatter.masked_scatter_``."""
        return ops.gather_scatter.masked_scatter_(self, mask, source)

    def unique(
        self: Tensor,
        sorted: _bool = True,
        return_inverse: _bool = False,
        return_counts: _bool = False,
        dim: Any = None,
    ) -> Any:
        """The method form of ``ndgrad.unique``."""
        return ops.order_stats.unique(self, sorted, return_inverse, return_counts, dim)

    def bincount(self: Tensor, weights: Tensor | None = None, minlength: _int = 0) -> Tensor:
        """The method form of ``ndgrad.bincount``."""
        return ops.order_stats.bincount(self, weights, minlength)

    def histc(self: Tensor, bins: _int = 100, min: _float = 0, max: _float = 0) -> Tensor:
        """The method form of ``ndgrad.histc``."""
        return ops.order_stats.histc(self, bins, min, max)

    def kthvalue(self: Tensor, k: _int, dim: _int = -1, keepdim: _bool = False) -> Any:
        """The method form of ``ndgrad.kthvalue``."""
        return ops.order_stats.kthvalue(self, k, dim, keepdim)

    def quantile(
        self: Tensor,
        q: Any,
        dim: Any = None,
        keepdim: _bool = False,
        *,
        interpolation: str = "linear",
    ) -> Tensor:
        """The method form of ``ndgrad.quantile``."""
        return ops.order_stats.quantile(self, q, dim, keepdim, interpolation=interpolation)

    def nanquantile(
        self: Tensor,
        q: Any,
        dim: Any = None,
        keepdim: _bool = False,
        *,
        interpolation: str = "linear",
    ) -> Tensor:
        """The method form of ``ndgrad.nanquantile``."""
        return ops.order_stats.nanquantile(self, q, dim, keepdim, interpolation=interpolation)

    def nanmean(
        self: Tensor, dim: Any = None, keepdim: _bool = False, *, dtype: Any = None
    ) -> Tensor:
        """out = mean of the non-NaN elements of input over ``dim``: the method form of
        ``ndgrad.nanmean``."""
        return ops.order_stats.nanmean(self, dim, keepdim, dtype=dtype)

    def mode(self: Tensor, dim: _int = -1, keepdim: _bool = False) -> Any:
        """The method form of ``ndgrad.mode``."""
        return ops.order_stats.mode(self, dim, keepdim)

    def cummax(self: Tensor, dim: _int) -> Any:
        """The method form of ``ndgrad.cummax``."""
        return ops.order_stats.cummax(self, dim)

    def cummin(self: Tensor, dim: _int) -> Any:
        """The method form of ``ndgrad.cummin``."""
        return ops.order_stats.cummin(self, dim)

    def heaviside(self: Tensor, values: Tensor) -> Tensor:
        """The method form of ``ndgrad.heaviside``."""
        return ops.misc.heaviside(self, values)

    def sinc(self: Tensor) -> Tensor:
        """out = sin(pi x) / (pi x), and 1 at x = 0: the method form of ``ndgrad.sinc``."""
        return ops.misc.sinc(self)

    def logit(self: Tensor, eps: _float | None = None) -> Tensor:
        """The method form of ``ndgrad.logit``."""
        return ops.misc.logit(self, eps)

    def xlogy(self: Tensor, other: Any) -> Tensor:
        """The method form of ``ndgrad.xlogy``."""
        return ops.misc.xlogy(self, other)

    def clamp_min(self: Tensor, min: Any) -> Tensor:
        """out = max(input, min): the method form of ``ndgrad.clamp_min``."""
        return ops.misc.clamp_min(self, min)

    def clamp_max(self: Tensor, max: Any) -> Tensor:
        """out = min(input, max): the method form of ``ndgrad.clamp_max``."""
        return ops.misc.clamp_max(self, max)

    def clamp_min_(self: Tensor, min: Any) -> Tensor:
        """The method form of ``ndgrad.clamp_``."""
        return ops.rounding.clamp_(self, min=min)

    def clamp_max_(self: Tensor, max: Any) -> Tensor:
        """The method form of ``ndgrad.clamp_``."""
        return ops.rounding.clamp_(self, max=max)

    def hypot(self: Tensor, other: Tensor) -> Tensor:
        """out = sqrt(input^2 + other^2): the method form of ``ndgrad.hypot``."""
        return ops.misc.hypot(self, other)

    def deg2rad(self: Tensor) -> Tensor:
        """out = input * pi / 180: the method form of ``ndgrad.deg2rad``."""
        return ops.misc.deg2rad(self)

    def rad2deg(self: Tensor) -> Tensor:
        """out = input * 180 / pi: the method form of ``ndgrad.rad2deg``."""
        return ops.misc.rad2deg(self)

    def rot90(self: Tensor, k: _int = 1, dims: Any = (0, 1)) -> Tensor:
        """The method form of ``ndgrad.rot90``."""
        return ops.grid.rot90(self, k, dims)

    def fliplr(self: Tensor) -> Tensor:
        """out = input with its columns (dim 1) reversed: the method form of ``ndgrad.fliplr``."""
        return ops.grid.fliplr(self)

    def flipud(self: Tensor) -> Tensor:
        """out = input with its rows (dim 0) reversed: the method form of ``ndgrad.flipud``."""
        return ops.grid.flipud(self)

    def take_along_dim(self: Tensor, indices: Tensor, dim: _int | None = None) -> Tensor:
        """The method form of ``ndgrad.take_along_dim``."""
        return ops.gather_scatter.take_along_dim(self, indices, dim)

    def signbit(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.signbit``."""
        return ops.misc.signbit(self)

    def copysign(self: Tensor, other: Any) -> Tensor:
        """The method form of ``ndgrad.copysign``."""
        return ops.misc.copysign(self, other)

    def erfc(self: Tensor) -> Tensor:
        """out = 1 - erf(input): the method form of ``ndgrad.erfc``."""
        return ops.misc.erfc(self)

    def logcumsumexp(self: Tensor, dim: _int) -> Tensor:
        """out[i] = log(sum_{j <= i} e^input[j]) along ``dim``: the method form of
        ``ndgrad.logcumsumexp``."""
        return ops.cumulative.logcumsumexp(self, dim)

    def cov(
        self: Tensor, *, correction: _int = 1, fweights: Any = None, aweights: Any = None
    ) -> Tensor:
        """The method form of ``ndgrad.cov``."""
        return ops.misc.cov(self, correction=correction, fweights=fweights, aweights=aweights)

    def corrcoef(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.corrcoef``."""
        return ops.misc.corrcoef(self)

    def unique_consecutive(
        self: Tensor,
        return_inverse: _bool = False,
        return_counts: _bool = False,
        dim: _int | None = None,
    ) -> Any:
        """The method form of ``ndgrad.unique_consecutive``."""
        return ops.order_stats.unique_consecutive(self, return_inverse, return_counts, dim)

    def addmm(self: Tensor, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        """The method form of ``ndgrad.addmm``."""
        return ops.linalg.addmm(self, mat1, mat2, beta=beta, alpha=alpha)

    def baddbmm(
        self: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1
    ) -> Tensor:
        """The method form of ``ndgrad.baddbmm``."""
        return ops.linalg.baddbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def addmv(self: Tensor, mat: Tensor, vec: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        """The method form of ``ndgrad.addmv``."""
        return ops.misc.addmv(self, mat, vec, beta=beta, alpha=alpha)

    def addr(self: Tensor, vec1: Tensor, vec2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        """The method form of ``ndgrad.addr``."""
        return ops.misc.addr(self, vec1, vec2, beta=beta, alpha=alpha)

    def is_complex(self: Tensor) -> _bool:
        """False: ndgrad has no complex dtypes: the method form of ``ndgrad.is_complex``."""
        return ops.misc.is_complex(self)

    def is_same_size(self: Tensor, other: Tensor) -> _bool:
        """The method form of ``ndgrad.is_same_size``."""
        return ops.misc.is_same_size(self, other)

    def tensor_split(self: Tensor, indices_or_sections: Any, dim: _int = 0) -> tuple[Tensor, ...]:
        """The method form of ``ndgrad.tensor_split``."""
        return ops.grid.tensor_split(self, indices_or_sections, dim)

    def hsplit(self: Tensor, sections: Any) -> tuple[Tensor, ...]:
        """The method form of ``ndgrad.hsplit``."""
        return ops.grid.hsplit(self, sections)

    def vsplit(self: Tensor, sections: Any) -> tuple[Tensor, ...]:
        """The method form of ``ndgrad.vsplit``."""
        return ops.grid.vsplit(self, sections)

    def dsplit(self: Tensor, sections: Any) -> tuple[Tensor, ...]:
        """The method form of ``ndgrad.dsplit``."""
        return ops.grid.dsplit(self, sections)

    def dist(self: Tensor, other: Tensor, p: _float = 2) -> Tensor:
        """out = ||input - other||_p over all elements: the method form of ``ndgrad.dist``."""
        return ops.misc.dist(self, other, p)

    def msort(self: Tensor) -> Tensor:
        """out = input sorted along dim 0: the method form of ``ndgrad.msort``."""
        return ops.order_stats.msort(self)

    def adjoint(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.adjoint``."""
        return ops.misc.adjoint(self)

    def positive(self: Tensor) -> Tensor:
        """out = input (refuses bool, as PyTorch does): the method form of ``ndgrad.positive``."""
        return ops.misc.positive(self)

    def gcd(self: Tensor, other: Tensor) -> Tensor:
        """out = the greatest common divisor, elementwise (integers): the method form of
        ``ndgrad.gcd``."""
        return ops.misc.gcd(self, other)

    def lcm(self: Tensor, other: Tensor) -> Tensor:
        """out = the least common multiple, elementwise (integers): the method form of
        ``ndgrad.lcm``."""
        return ops.misc.lcm(self, other)

    def logaddexp2(self: Tensor, other: Tensor) -> Tensor:
        """out = log2(2^input + 2^other): the method form of ``ndgrad.logaddexp2``."""
        return ops.misc.logaddexp2(self, other)

    def narrow_copy(self: Tensor, dim: _int, start: _int, length: _int) -> Tensor:
        """out = a copy of input.narrow(dim, start, length): the method form of
        ``ndgrad.narrow_copy``."""
        return ops.misc.narrow_copy(self, dim, start, length)

    def index_copy(self: Tensor, dim: _int, index: Tensor, source: Tensor) -> Tensor:
        """The method form of ``ndgrad.index_copy``."""
        return ops.gather_scatter.index_copy(self, dim, index, source)

    def index_copy_(self: Tensor, dim: _int, index: Tensor, source: Tensor) -> Tensor:
        """The method form of ``ndgrad.ops.gather_scatter.index_copy_``."""
        return ops.gather_scatter.index_copy_(self, dim, index, source)

    def put(self: Tensor, index: Tensor, source: Tensor, accumulate: _bool = False) -> Tensor:
        """The method form of ``ndgrad.ops.gather_scatter.put``."""
        return ops.gather_scatter.put(self, index, source, accumulate)

    def put_(self: Tensor, index: Tensor, source: Tensor, accumulate: _bool = False) -> Tensor:
        """The method form of ``ndgrad.ops.gather_scatter.put_``."""
        return ops.gather_scatter.put_(self, index, source, accumulate)

    def sum_to_size(self: Tensor, *size: Any) -> Tensor:
        """The method form of ``ndgrad.ops.misc.sum_to_size``."""
        return ops.misc.sum_to_size(self, *size)

    def aminmax(self: Tensor, *, dim: _int | None = None, keepdim: _bool = False) -> Any:
        """(min, max) of input over ``dim`` (all dims when None): the method form of
        ``ndgrad.aminmax``."""
        return ops.reduce.aminmax(self, dim=dim, keepdim=keepdim)

    def nansum(
        self: Tensor, dim: Any = None, keepdim: _bool = False, *, dtype: Any = None
    ) -> Tensor:
        """out = sum of input over ``dim``, NaNs counted as zero: the method form of
        ``ndgrad.nansum``."""
        return ops.reduce.nansum(self, dim, keepdim, dtype=dtype)

    def argwhere(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.argwhere``."""
        return ops.gather_scatter.argwhere(self)

    def is_pinned(self: Tensor) -> _bool:
        """False: ndgrad has no pinned host memory."""
        return False

    def pin_memory(self: Tensor) -> Tensor:
        """The tensor itself: ndgrad has no pinned host memory."""
        return self

    def share_memory_(self: Tensor) -> Tensor:
        """The tensor itself: ndgrad does not move tensors to shared memory."""
        return self

    # in place (ops/misc.py)
    def floor_(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.floor_``."""
        return ops.rounding.floor_(self)

    def ceil_(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.ceil_``."""
        return ops.rounding.ceil_(self)

    def trunc_(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.trunc_``."""
        return ops.rounding.trunc_(self)

    def round_(self: Tensor, decimals: _int = 0) -> Tensor:
        """The method form of ``ndgrad.round_``."""
        return ops.rounding.round_(self, decimals)

    def sign_(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.ops.rounding.sign_``."""
        return ops.rounding.sign_(self)

    def log_(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.log_``."""
        return ops.unary.log_(self)

    def log1p_(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.ops.unary.log1p_``."""
        return ops.unary.log1p_(self)

    def sin_(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.sin_``."""
        return ops.trig.sin_(self)

    def cos_(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.ops.trig.cos_``."""
        return ops.trig.cos_(self)

    def square_(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.square_``."""
        return ops.unary.square_(self)

    def reciprocal_(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.reciprocal_``."""
        return ops.unary.reciprocal_(self)

    def fmod_(self: Tensor, other: Any) -> Tensor:
        """The method form of ``ndgrad.ops.arithmetic.fmod_``."""
        return ops.arithmetic.fmod_(self, other)

    def remainder_(self: Tensor, other: Any) -> Tensor:
        """The method form of ``ndgrad.ops.arithmetic.remainder_``."""
        return ops.arithmetic.remainder_(self, other)

    def logical_not_(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.ops.compare.logical_not_``."""
        return ops.compare.logical_not_(self)

    def nan_to_num_(
        self: Tensor, nan: _float = 0.0, posinf: _float | None = None, neginf: _float | None = None
    ) -> Tensor:
        """The method form of ``ndgrad.nan_to_num_``."""
        return ops.rounding.nan_to_num_(self, nan, posinf, neginf)

    def triu_(self: Tensor, diagonal: _int = 0) -> Tensor:
        """The method form of ``ndgrad.ops.shape.triu_``."""
        return ops.shape.triu_(self, diagonal)

    def tril_(self: Tensor, diagonal: _int = 0) -> Tensor:
        """The method form of ``ndgrad.ops.shape.tril_``."""
        return ops.shape.tril_(self, diagonal)
