"""Op-table rows for the linear-algebra family (ndgrad/ops/linalg.py and ndgrad.linalg)."""

from __future__ import annotations

import math

import numpy as np

from tests.optable import OpCase


def _well_conditioned(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Random matrices plus 3 I: safely invertible, determinant positive (other shapes: plain)."""
    x = rng.uniform(-1.0, 1.0, size=shape)
    if len(shape) >= 2 and shape[-1] == shape[-2]:
        x += 3.0 * np.eye(shape[-1])
    return x


def _signed_det(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Invertible matrices, some with negative determinant (rows swapped)."""
    a = _well_conditioned(rng, shape)
    return a[..., ::-1, :].copy()


WC = dict(make=_well_conditioned)
EINSUMS = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("i,i->", [(4,), (4,)]),
    ("ij->ji", [(2, 3)]),
    ("...ij,...jk", [(2, 1, 2, 3), (4, 3, 2)]),
    ("bhqd,bhkd->bhqk", [(1, 2, 3, 2), (1, 2, 4, 2)]),
    ("ij->", [(2, 3)]),
    ("ij->i", [(2, 3)]),
    ("ij,ij->ij", [(1, 3), (2, 3)]),
    ("i,j->ij", [(2,), (3,)]),
    ("ij,j", [(2, 3), (3,)]),
    ("iij->j", [(2, 2, 3)]),
    ("iji->j", [(2, 3, 2)]),
    ("ii,i->i", [(3, 3), (3,)]),
    ("ijk,jk->i", [(2, 3, 2), (3, 2)]),
    ("ab,bc,cd->ad", [(2, 3), (3, 2), (2, 2)]),
    ("i...->...", [(2, 3, 2)]),
    ("...i,...i->...", [(2, 3), (3,)]),
    ("ijk", [(2, 1, 3)]),
    ("Ab,bC->AC", [(2, 3), (3, 2)]),
    ("i,->i", [(3,), ()]),
]

CASES = [
    # matmul and its special cases
    OpCase("matmul_1d_1d", lambda m, x, y: m.matmul(x, y), [(3,), (3,)]),
    OpCase("matmul_2d_1d", lambda m, x, y: x @ y, [(2, 3), (3,)]),
    OpCase("matmul_1d_2d", lambda m, x, y: x @ y, [(3,), (3, 2)]),
    OpCase("matmul_2d_2d", lambda m, x, y: m.matmul(x, y), [(2, 3), (3, 4)]),
    OpCase("matmul_batched", lambda m, x, y: x @ y, [(2, 2, 3), (2, 3, 2)]),
    OpCase("matmul_batch_broadcast", lambda m, x, y: x @ y, [(2, 1, 2, 3), (4, 3, 2)]),
    OpCase("matmul_batch_2d", lambda m, x, y: x @ y, [(3, 2, 3), (3, 2)]),
    OpCase("matmul_1d_3d", lambda m, x, y: x @ y, [(3,), (2, 3, 4)]),
    OpCase("matmul_3d_1d", lambda m, x, y: m.matmul(x, y), [(2, 4, 3), (3,)]),
    OpCase("matmul_size1", lambda m, x, y: x @ y, [(1, 1), (1, 3)]),
    OpCase("matmul_empty_inner", lambda m, x, y: x @ y, [(2, 0), (0, 3)]),
    OpCase("matmul_empty_batch", lambda m, x, y: x @ y, [(0, 2, 3), (3, 2)]),
    OpCase("matmul_self", lambda m, x: x @ x.mT, [(2, 3)]),
    OpCase("mm", lambda m, x, y: m.mm(x, y), [(2, 3), (3, 4)]),
    OpCase("mm_method", lambda m, x, y: x.mm(y), [(1, 3), (3, 1)]),
    OpCase("bmm", lambda m, x, y: m.bmm(x, y), [(2, 2, 3), (2, 3, 4)]),
    OpCase("mv", lambda m, x, y: m.mv(x, y), [(2, 3), (3,)]),
    OpCase("dot", lambda m, x, y: m.dot(x, y), [(4,), (4,)]),
    OpCase("dot_method", lambda m, x, y: x.dot(y), [(1,), (1,)]),
    OpCase("vdot", lambda m, x, y: m.vdot(x, y), [(3,), (3,)]),
    OpCase("inner", lambda m, x, y: m.inner(x, y), [(2, 3), (4, 3)]),
    OpCase("outer", lambda m, x, y: m.outer(x, y), [(3,), (2,)]),
    OpCase("ger", lambda m, x, y: m.ger(x, y), [(2,), (3,)]),
    OpCase("addmm", lambda m, b, x, y: m.addmm(b, x, y), [(2, 4), (2, 3), (3, 4)]),
    OpCase(
        "addmm_broadcast_alpha_beta",
        lambda m, b, x, y: m.addmm(b, x, y, beta=0.5, alpha=2.0),
        [(4,), (2, 3), (3, 4)],
    ),
    OpCase("addmm_beta0", lambda m, b, x, y: m.addmm(b, x, y, beta=0), [(2, 4), (2, 3), (3, 4)]),
    OpCase(
        "baddbmm",
        lambda m, b, x, y: m.baddbmm(b, x, y, alpha=0.5),
        [(2, 2, 4), (2, 2, 3), (2, 3, 4)],
    ),
    # einsum, tensordot, cross
    *[
        OpCase(f"einsum_{eq}", lambda m, *xs, eq=eq: m.einsum(eq, *xs), shapes)
        for eq, shapes in EINSUMS
    ],
    OpCase("einsum_list_operands", lambda m, x, y: m.einsum("ij,jk", [x, y]), [(2, 3), (3, 2)]),
    OpCase(
        "einsum_spaces",
        lambda m, x, y: m.einsum("b i j , b j k -> b k i", x, y),
        [(2, 2, 3), (2, 3, 2)],
    ),
    OpCase("einsum_second_order", lambda m, x: m.einsum("ij,jk->ik", x, x.exp()), [(3, 3)]),
    OpCase("tensordot_int", lambda m, x, y: m.tensordot(x, y, 2), [(2, 3, 4), (3, 4, 2)]),
    OpCase("tensordot_0", lambda m, x, y: m.tensordot(x, y, 0), [(2,), (3,)]),
    OpCase(
        "tensordot_lists",
        lambda m, x, y: m.tensordot(x, y, ([0, 2], [1, 0])),
        [(2, 3, 4), (4, 2, 3)],
    ),
    OpCase(
        "tensordot_ints_pair", lambda m, x, y: m.tensordot(x, y, dims=([1], [0])), [(2, 3), (3, 2)]
    ),
    OpCase("cross", lambda m, x, y: m.cross(x, y, dim=1), [(2, 3), (2, 3)]),
    OpCase("cross_broadcast_dim0", lambda m, x, y: m.cross(x, y, dim=0), [(3, 2), (3, 1)]),
    OpCase("linalg_cross", lambda m, x, y: m.linalg.cross(x, y), [(2, 3), (1, 3)]),
    # inverse, determinant, solve
    OpCase("inv", lambda m, x: m.linalg.inv(x), [(3, 3)], **WC),
    OpCase("inv_batched", lambda m, x: m.linalg.inv(x), [(2, 3, 3)], **WC),
    OpCase("inverse_method", lambda m, x: x.inverse(), [(2, 2)], **WC),
    OpCase("inverse_1x1", lambda m, x: m.inverse(x), [(1, 1)], low=0.5, high=2.0),
    OpCase("det", lambda m, x: m.linalg.det(x), [(3, 3)], **WC),
    OpCase("det_batched_signed", lambda m, x: m.det(x), [(2, 3, 3)], make=_signed_det),
    OpCase("det_method_2x2", lambda m, x: x.det(), [(2, 2)]),
    OpCase("slogdet", lambda m, x: m.linalg.slogdet(x)[1], [(2, 3, 3)], make=_signed_det),
    OpCase("slogdet_both", lambda m, x: m.slogdet(x)[::-1], [(3, 3)], make=_signed_det),
    OpCase("logdet", lambda m, x: m.logdet(x), [(3, 3)], **WC),
    OpCase("solve_matrix", lambda m, a, b: m.linalg.solve(a, b), [(3, 3), (3, 2)], **WC),
    OpCase("solve_vector", lambda m, a, b: m.linalg.solve(a, b), [(3, 3), (3,)], **WC),
    OpCase(
        "solve_batched_vectors", lambda m, a, b: m.linalg.solve(a, b), [(2, 3, 3), (2, 3)], **WC
    ),
    OpCase(
        "solve_batch_broadcast", lambda m, a, b: m.linalg.solve(a, b), [(2, 3, 3), (3, 1)], **WC
    ),
    OpCase("solve_right", lambda m, a, b: m.linalg.solve(a, b, left=False), [(3, 3), (2, 3)], **WC),
    # norms
    OpCase("vector_norm", lambda m, x: m.linalg.vector_norm(x), [(3, 4)]),
    OpCase("vector_norm_ord3_dim", lambda m, x: m.linalg.vector_norm(x, 3, dim=1), [(3, 4)]),
    OpCase(
        "vector_norm_inf_tuple",
        lambda m, x: m.linalg.vector_norm(x, math.inf, (0, 2)),
        [(2, 3, 2)],
        gradgrad=False,
    ),
    OpCase(
        "vector_norm_1_keepdim",
        lambda m, x: m.linalg.vector_norm(x, 1, -1, keepdim=True),
        [(3, 4)],
        gradgrad=False,
    ),
    OpCase(
        "vector_norm_neg_ord",
        lambda m, x: m.linalg.vector_norm(x, -2, 0),
        [(3, 4)],
        low=0.5,
        high=2.0,
    ),
    OpCase("matrix_norm_fro", lambda m, x: m.linalg.matrix_norm(x), [(2, 3, 4)]),
    OpCase(
        "matrix_norm_nuc", lambda m, x: m.linalg.matrix_norm(x, "nuc"), [(3, 2)], gradgrad=False
    ),
    OpCase("matrix_norm_2", lambda m, x: m.linalg.matrix_norm(x, 2), [(2, 3, 3)], gradgrad=False),
    OpCase("matrix_norm_neg2", lambda m, x: m.linalg.matrix_norm(x, -2), [(3, 3)], gradgrad=False),
    OpCase("matrix_norm_1", lambda m, x: m.linalg.matrix_norm(x, 1), [(3, 4)], gradgrad=False),
    OpCase("matrix_norm_neg1", lambda m, x: m.linalg.matrix_norm(x, -1), [(3, 4)], gradgrad=False),
    OpCase(
        "matrix_norm_inf_keepdim",
        lambda m, x: m.linalg.matrix_norm(x, math.inf, keepdim=True),
        [(2, 3, 4)],
        gradgrad=False,
    ),
    OpCase(
        "matrix_norm_dims", lambda m, x: m.linalg.matrix_norm(x, "fro", dim=(0, 2)), [(3, 2, 4)]
    ),
    OpCase(
        "matrix_norm_nuc_dims_keepdim",
        lambda m, x: m.linalg.matrix_norm(x, "nuc", (2, 0), True),
        [(3, 2, 4)],
        gradgrad=False,
    ),
    OpCase("linalg_norm_default", lambda m, x: m.linalg.norm(x), [(2, 3, 2)]),
    OpCase("linalg_norm_vector_ord", lambda m, x: m.linalg.norm(x, 4), [(5,)]),
    OpCase("linalg_norm_matrix_ord", lambda m, x: m.linalg.norm(x, "fro"), [(2, 3)]),
    OpCase(
        "linalg_norm_matrix_inf", lambda m, x: m.linalg.norm(x, -math.inf), [(3, 3)], gradgrad=False
    ),
    OpCase("linalg_norm_dim_int", lambda m, x: m.linalg.norm(x, dim=1, keepdim=True), [(2, 3)]),
    OpCase(
        "linalg_norm_dim_pair",
        lambda m, x: m.linalg.norm(x, 1, dim=(1, 0)),
        [(2, 3)],
        gradgrad=False,
    ),
    OpCase("norm_nuc", lambda m, x: m.norm(x, "nuc"), [(2, 3)], gradgrad=False),
    OpCase("svdvals", lambda m, x: m.linalg.svdvals(x), [(3, 2)], gradgrad=False),
]
