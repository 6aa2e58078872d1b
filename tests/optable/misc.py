"""Op-table rows for the miscellaneous ops (ndgrad/ops/misc.py)."""

from __future__ import annotations

from typing import Any

import numpy as np

from tests.optable import OpCase


def _ints(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Small whole numbers stored as floats: repeated values, for mode."""
    return rng.integers(0, 3, size=shape).astype(np.float64)


def _probs(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.uniform(0.05, 0.95, size=shape)


def _q(m: Any, x: Any, values: list[float]) -> Any:
    return m.tensor(values, dtype=x.dtype)


CASES = [
    # matrices and grids
    OpCase("diag_1d", lambda m, x: m.diag(x), [(3,)]),
    OpCase("diag_1d_offset", lambda m, x: m.diag(x, 1), [(3,)]),
    OpCase("diag_1d_neg_offset", lambda m, x: x.diag(-2), [(2,)]),
    OpCase("diag_2d", lambda m, x: m.diag(x), [(3, 4)]),
    OpCase("diag_2d_offset", lambda m, x: x.diag(-1), [(3, 4)]),
    OpCase("diag_embed", lambda m, x: m.diag_embed(x), [(2, 3)]),
    OpCase("diag_embed_offset_dims", lambda m, x: m.diag_embed(x, 1, 0, 2), [(2, 3)]),
    OpCase("diag_embed_swapped", lambda m, x: x.diag_embed(-1, -1, -2), [(2, 3)]),
    OpCase("diagflat", lambda m, x: m.diagflat(x), [(2, 2)]),
    OpCase("diagflat_offset", lambda m, x: x.diagflat(1), [(3,)]),
    OpCase("trace", lambda m, x: m.trace(x), [(3, 4)]),
    OpCase("trace_method", lambda m, x: x.trace(), [(3, 3)]),
    OpCase("kron_2d", lambda m, a, b: m.kron(a, b), [(2, 3), (3, 2)]),
    OpCase("kron_mixed_ndim", lambda m, a, b: a.kron(b), [(2,), (2, 3)]),
    OpCase("kron_0d", lambda m, a, b: m.kron(a, b), [(), (3,)]),
    OpCase("meshgrid_ij", lambda m, a, b: m.meshgrid(a, b, indexing="ij")[1] * 2, [(2,), (3,)]),
    OpCase("meshgrid_xy", lambda m, a, b: m.stack(m.meshgrid(a, b, indexing="xy")), [(2,), (3,)]),
    OpCase(
        "meshgrid_list",
        lambda m, a, b, c: m.meshgrid([a, b, c], indexing="ij")[0] * 1,
        [(2,), (1,), (3,)],
    ),
    OpCase("cartesian_prod", lambda m, a, b: m.cartesian_prod(a, b), [(2,), (3,)]),
    OpCase("cartesian_prod_one", lambda m, a: m.cartesian_prod(a) * 1, [(3,)]),
    OpCase(
        "broadcast_tensors", lambda m, a, b: m.stack(m.broadcast_tensors(a, b)), [(3, 1), (1, 2)]
    ),
    OpCase("atleast_1d", lambda m, x: m.atleast_1d(x) * 1, [()]),
    OpCase("atleast_2d", lambda m, x: m.atleast_2d(x) * 1, [(3,)]),
    OpCase("atleast_3d_1d", lambda m, x: m.atleast_3d(x) * 1, [(3,)]),
    OpCase("atleast_3d_2d", lambda m, x: m.atleast_3d(x) * 1, [(2, 3)]),
    OpCase(
        "atleast_3d_many",
        lambda m, a, b: m.cat([t.reshape(-1) for t in m.atleast_3d(a, b)]),
        [(), (2, 3)],
    ),
    OpCase("column_stack", lambda m, a, b, c: m.column_stack([a, b, c]), [(3,), (3, 2), (3,)]),
    OpCase("ravel", lambda m, x: m.ravel(x.t()), [(2, 3)]),
    OpCase("ravel_method", lambda m, x: x.ravel(), [()]),
    OpCase("diff", lambda m, x: m.diff(x), [(2, 5)]),
    OpCase("diff_n2_dim0", lambda m, x: x.diff(n=2, dim=0), [(4, 3)]),
    OpCase(
        "diff_prepend_append",
        lambda m, x, p, a: m.diff(x, dim=-1, prepend=p, append=a),
        [(2, 3), (2, 1), (2, 2)],
    ),
    OpCase("diff_too_many", lambda m, x: m.diff(x, n=4), [(3,)]),
    OpCase("repeat_interleave_flat", lambda m, x: m.repeat_interleave(x, 2), [(2, 3)]),
    OpCase("repeat_interleave_dim", lambda m, x: x.repeat_interleave(3, dim=-1), [(2, 2)]),
    OpCase(
        "repeat_interleave_tensor",
        lambda m, x, r: m.repeat_interleave(x, r, dim=0),
        [(3, 2)],
        consts=lambda rng: [np.array([1, 0, 2])],
    ),
    OpCase(
        "masked_scatter",
        lambda m, x, s, mask: m.masked_scatter(x, mask, s),
        [(2, 3), (7,)],
        consts=lambda rng: [np.array([[True, False, True], [False, True, True]])],
    ),
    OpCase(
        "masked_scatter_broadcast",
        lambda m, x, s, mask: x.masked_scatter(mask, s),
        [(3, 2), (2, 3)],
        consts=lambda rng: [np.array([False, True])],
    ),
    # order statistics
    OpCase("kthvalue", lambda m, x: m.kthvalue(x, 2), [(3, 4)], gradgrad=False),
    OpCase(
        "kthvalue_dim_keepdim", lambda m, x: x.kthvalue(1, 0, True)[0], [(3, 4)], gradgrad=False
    ),
    OpCase("quantile_scalar", lambda m, x: m.quantile(x, 0.3), [(7,)]),
    OpCase("quantile_dim", lambda m, x: x.quantile(0.75, dim=1), [(3, 5)]),
    OpCase("quantile_dim_keepdim", lambda m, x: m.quantile(x, 0.5, dim=-2, keepdim=True), [(4, 3)]),
    OpCase(
        "quantile_vector_q", lambda m, x: m.quantile(x, _q(m, x, [0.0, 0.4, 1.0]), dim=0), [(5, 2)]
    ),
    OpCase(
        "quantile_vector_q_keepdim",
        lambda m, x: m.quantile(x, _q(m, x, [0.25, 0.6]), dim=1, keepdim=True),
        [(2, 4)],
    ),
    OpCase(
        "quantile_all_keepdim",
        lambda m, x: m.quantile(x, _q(m, x, [0.2, 0.9]), keepdim=True),
        [(2, 3)],
    ),
    OpCase(
        "quantile_lower", lambda m, x: m.quantile(x, 0.4, dim=0, interpolation="lower"), [(6, 2)]
    ),
    OpCase(
        "quantile_higher", lambda m, x: m.quantile(x, 0.4, dim=0, interpolation="higher"), [(6, 2)]
    ),
    OpCase(
        "quantile_midpoint",
        lambda m, x: m.quantile(x, 0.4, dim=0, interpolation="midpoint"),
        [(6, 2)],
    ),
    OpCase(
        "quantile_nearest",
        lambda m, x: m.quantile(x, 0.4, dim=0, interpolation="nearest"),
        [(6, 2)],
    ),
    OpCase("nanquantile_no_nan", lambda m, x: m.nanquantile(x, 0.3, dim=1), [(2, 5)]),
    OpCase("nanmean", lambda m, x: m.nanmean(x), [(3, 4)]),
    OpCase("nanmean_dim", lambda m, x: x.nanmean(dim=1, keepdim=True), [(3, 4)]),
    OpCase("mode_distinct", lambda m, x: m.mode(x), [(3, 4)], gradgrad=False),
    OpCase("mode_ties", lambda m, x: m.mode(x, 0), [(7, 3)], make=_ints, fd=False, gradgrad=False),
    OpCase(
        "mode_keepdim",
        lambda m, x: x.mode(-1, True),
        [(2, 6)],
        make=_ints,
        fd=False,
        gradgrad=False,
    ),
    OpCase("cummax", lambda m, x: m.cummax(x, 1), [(3, 5)], gradgrad=False),
    OpCase("cummax_ties", lambda m, x: x.cummax(0), [(6, 2)], make=_ints, fd=False, gradgrad=False),
    OpCase("cummin", lambda m, x: m.cummin(x, -1), [(3, 5)], gradgrad=False),
    OpCase("cummin_ties", lambda m, x: x.cummin(0), [(6, 2)], make=_ints, fd=False, gradgrad=False),
    OpCase("cummax_0d", lambda m, x: m.cummax(x, 0), [()], gradgrad=False),
    # elementwise math
    OpCase("sinc", lambda m, x: m.sinc(x), [(2, 3)]),
    # at 0 PyTorch's second derivative is NaN (0/0); ndgrad's is finite
    OpCase("sinc_method", lambda m, x: (x * 0).sinc() + x.sinc(), [(4,)], gradgrad=False),
    OpCase("logit", lambda m, x: m.logit(x), [(2, 3)], make=_probs),
    OpCase("logit_eps", lambda m, x: x.logit(eps=0.2), [(2, 3)], make=_probs, fd=False),
    OpCase("xlogy", lambda m, a, b: m.xlogy(a, b), [(2, 3), (3,)], low=0.1),
    OpCase("xlogy_scalar_other", lambda m, a: m.xlogy(a, 3.0), [(2, 3)]),
    OpCase("xlogy_scalar_self", lambda m, b: m.xlogy(2.0, b), [(2, 3)], low=0.1),
    OpCase("xlogy_zero", lambda m, a, b: m.xlogy(a * 0, b), [(2, 3), (2, 3)], low=0.1),
    OpCase("clamp_min_fn", lambda m, x: m.clamp_min(x, -0.5), [(2, 3)], fd=False),
    OpCase("clamp_max_method", lambda m, x: x.clamp_max(0.5), [(2, 3)], fd=False),
    OpCase("clamp_min_fn_tensor", lambda m, x, y: m.clamp_min(x, y), [(2, 3), (3,)], fd=False),
    OpCase("hypot", lambda m, a, b: m.hypot(a, b), [(2, 3), (3,)]),
    OpCase("deg2rad", lambda m, x: m.deg2rad(x), [(2, 3)]),
    OpCase("rad2deg", lambda m, x: x.rad2deg(), [(2, 3)]),
    # more names from ported programs
    OpCase("rot90", lambda m, x: m.rot90(x), [(2, 3)]),
    OpCase("rot90_k2", lambda m, x: x.rot90(2, (1, 0)), [(2, 3)]),
    OpCase("rot90_k3_dims", lambda m, x: m.rot90(x, -1, (0, 2)), [(2, 3, 2)]),
    OpCase("rot90_k0", lambda m, x: m.rot90(x, 4), [(2, 3)]),
    OpCase("fliplr", lambda m, x: m.fliplr(x), [(2, 3)]),
    OpCase("flipud", lambda m, x: x.flipud(), [(3, 2)]),
    OpCase("dstack", lambda m, a, b: m.dstack([a, b]), [(2, 3), (2, 3)]),
    OpCase("row_stack", lambda m, a, b: m.row_stack([a, b]), [(3,), (2, 3)]),
    OpCase(
        "take_along_dim",
        lambda m, x, i: m.take_along_dim(x, i, dim=1),
        [(3, 4)],
        consts=lambda rng: [rng.integers(0, 4, size=(3, 2))],
    ),
    OpCase(
        "take_along_dim_broadcast",
        lambda m, x, i: x.take_along_dim(i, -1),
        [(3, 4)],
        consts=lambda rng: [rng.integers(0, 4, size=(1, 5))],
    ),
    OpCase(
        "take_along_dim_flat",
        lambda m, x, i: m.take_along_dim(x, i),
        [(2, 3)],
        consts=lambda rng: [rng.integers(0, 6, size=(4,))],
    ),
    OpCase("copysign", lambda m, a, b: m.copysign(a, b), [(2, 3), (3,)], fd=False),
    OpCase("copysign_scalar", lambda m, a: a.copysign(-1.0), [(2, 3)], fd=False),
    OpCase("erfc", lambda m, x: m.erfc(x), [(2, 3)]),
    OpCase("logcumsumexp", lambda m, x: m.logcumsumexp(x, 1), [(2, 4)]),
    OpCase("logcumsumexp_neg_dim", lambda m, x: x.logcumsumexp(-2), [(3, 2)], low=-30, high=30),
    OpCase("logcumsumexp_0d", lambda m, x: m.logcumsumexp(x, 0), [()]),
    OpCase("cov", lambda m, x: m.cov(x), [(3, 5)]),
    OpCase("cov_1d_correction", lambda m, x: m.cov(x, correction=0), [(5,)]),
    OpCase("corrcoef", lambda m, x: m.corrcoef(x), [(3, 6)]),
    OpCase("block_diag", lambda m, a, b, c: m.block_diag(a, b, c), [(2, 3), (), (2,)]),
    OpCase("trapezoid", lambda m, y: m.trapezoid(y), [(2, 5)]),
    OpCase("trapezoid_dx", lambda m, y: m.trapezoid(y, dx=0.5, dim=0), [(4, 2)]),
    OpCase("trapezoid_x", lambda m, y, x: m.trapezoid(y, x), [(2, 5), (5,)]),
    OpCase("trapezoid_x_nd", lambda m, y, x: m.trapezoid(y, x, dim=0), [(4, 2), (4, 2)]),
    OpCase("addmv", lambda m, a, b, c: m.addmv(a, b, c, beta=0.5, alpha=2.0), [(3,), (3, 4), (4,)]),
    OpCase("addmv_beta0", lambda m, a, b, c: a.addmv(b, c, beta=0), [(3,), (3, 4), (4,)]),
    OpCase("addr", lambda m, a, b, c: m.addr(a, b, c, alpha=-1.5), [(3, 1), (3,), (2,)]),
    OpCase("addmm_method", lambda m, a, b, c: a.addmm(b, c, beta=2.0), [(2, 2), (2, 3), (3, 2)]),
    OpCase(
        "tensor_split_sections", lambda m, x: m.cat(m.tensor_split(x, 3, dim=1)[:2], 1), [(2, 7)]
    ),
    OpCase(
        "tensor_split_indices", lambda m, x: m.cat(x.tensor_split([1, 4], dim=-1)[1:], -1), [(2, 6)]
    ),
    OpCase("hsplit", lambda m, x: m.hsplit(x, 2)[1], [(2, 4)]),
    OpCase("vsplit", lambda m, x: x.vsplit([1])[1], [(3, 2)]),
    OpCase("dsplit", lambda m, x: m.dsplit(x, 2)[0], [(2, 2, 4)]),
    OpCase("dist", lambda m, a, b: m.dist(a, b), [(2, 3), (3,)]),
    OpCase("dist_p1", lambda m, a, b: a.dist(b, 1), [(2, 3), (2, 3)], fd=False, gradgrad=False),
    OpCase("dist_p3", lambda m, a, b: a.dist(b, 3), [(4,), (4,)]),
    OpCase("msort", lambda m, x: m.msort(x), [(4, 2)], gradgrad=False),
    OpCase("adjoint", lambda m, x: m.adjoint(x) * 1, [(2, 3, 4)]),
    OpCase("rsub_fn", lambda m, a, b: m.rsub(a, b, alpha=2), [(2, 3), (3,)]),
    OpCase("rsub_fn_scalar", lambda m, a: m.rsub(a, 1.5), [(2, 3)]),
    OpCase("logaddexp2", lambda m, a, b: m.logaddexp2(a, b), [(2, 3), (3,)]),
    OpCase("narrow_copy", lambda m, x: x.narrow_copy(1, 1, 2), [(2, 4)]),
    OpCase(
        "index_copy",
        lambda m, x, s, i: m.index_copy(x, 1, i, s),
        [(2, 4), (2, 2)],
        consts=lambda rng: [np.array([3, 0])],
    ),
    OpCase(
        "put_accumulate",
        lambda m, x, s, i: x.put(i, s, accumulate=True),
        [(2, 3), (4,)],
        consts=lambda rng: [np.array([0, 5, 0, 2])],
    ),
    OpCase("sum_to_size", lambda m, x: x.sum_to_size(3, 1), [(2, 3, 4)]),
]
