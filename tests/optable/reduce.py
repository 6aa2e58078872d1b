"""Op-table rows for the reduction family (ndgrad/ops/reduce.py)."""

from __future__ import annotations

import math

import numpy as np

from tests.optable import OpCase

POS = dict(low=0.5, high=2.0)
# kinks (max ties, |x| at 0, sorting) have no finite-difference or second-order check
PICK = dict(gradgrad=False)


def _ties(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Values from {-1, 0, 1}: many ties."""
    return rng.integers(-1, 2, size=shape).astype(np.float64)


def _with_zeros(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Nonzero values with a zero at the first position of the last dim, and two in the first
    row."""
    x = rng.uniform(0.5, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    x[..., 1] = 0.0
    x.reshape(-1, shape[-1])[0, 3] = 0.0
    return x


def _distinct(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Well-separated distinct values (sorting and selection have no ties)."""
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.37 - n * 0.15).reshape(shape)


CASES = [
    # sum
    OpCase("sum_all", lambda m, x: m.sum(x), [(3, 4)]),
    OpCase("sum_dim", lambda m, x: x.sum(1), [(3, 4)]),
    OpCase("sum_neg_dim_keepdim", lambda m, x: m.sum(x, -2, keepdim=True), [(2, 3, 4)]),
    OpCase("sum_tuple_dims", lambda m, x: x.sum((0, 2)), [(2, 3, 4)]),
    OpCase("sum_list_dims_keepdim", lambda m, x: x.sum([-1, 0], keepdim=True), [(2, 3, 4)]),
    OpCase("sum_0d", lambda m, x: x.sum(), [()]),
    OpCase("sum_0d_dim", lambda m, x: x.sum(0), [()]),
    OpCase("sum_size1", lambda m, x: x.sum(1), [(3, 1)]),
    OpCase("sum_empty", lambda m, x: x.sum(0), [(0, 3)]),
    OpCase("sum_empty_all", lambda m, x: x.sum(), [(2, 0)]),
    OpCase("sum_dtype", lambda m, x: m.sum(x, 1, dtype=m.float64), [(3, 4)]),
    OpCase(
        "nansum", lambda m, x: m.nansum(x * m.where(x > 1.5, math.nan, 1.0), 1), [(3, 4)], fd=False
    ),
    # mean
    OpCase("mean_all", lambda m, x: x.mean(), [(3, 4)]),
    OpCase("mean_dim_keepdim", lambda m, x: m.mean(x, -1, keepdim=True), [(3, 4)]),
    OpCase("mean_tuple", lambda m, x: x.mean((0, 1)), [(2, 3, 4)]),
    OpCase("mean_0d", lambda m, x: x.mean(), [()]),
    OpCase("mean_empty", lambda m, x: x.mean(0), [(0, 3)]),
    # prod
    OpCase("prod_all", lambda m, x: x.prod(), [(2, 3)], **POS),
    OpCase("prod_dim", lambda m, x: m.prod(x, 1), [(3, 4)], **POS),
    OpCase("prod_neg_dim_keepdim", lambda m, x: x.prod(-2, keepdim=True), [(3, 4)]),
    OpCase("prod_0d", lambda m, x: x.prod(), [()]),
    OpCase("prod_zeros_dim", lambda m, x: x.prod(1), [(3, 5)], make=_with_zeros, gradgrad=False),
    OpCase("prod_zeros_all", lambda m, x: x.prod(), [(1, 5)], make=_with_zeros, gradgrad=False),
    OpCase("prod_one_zero_gradgrad", lambda m, x: x[1:].prod(1), [(3, 5)], make=_with_zeros),
    OpCase("prod_empty", lambda m, x: x.prod(0), [(0, 3)]),
    # max, min, amax, amin
    OpCase("max_all", lambda m, x: x.max(), [(3, 4)], **PICK),
    OpCase("max_all_ties", lambda m, x: m.max(x), [(3, 4)], make=_ties, fd=False, **PICK),
    OpCase("min_all_ties", lambda m, x: x.min(), [(3, 4)], make=_ties, fd=False, **PICK),
    OpCase("max_dim", lambda m, x: m.max(x, 1), [(3, 4)], make=_distinct, **PICK),
    OpCase(
        "max_dim_keepdim", lambda m, x: x.max(-1, keepdim=True), [(2, 3, 4)], make=_distinct, **PICK
    ),
    OpCase("max_dim_values", lambda m, x: x.max(0).values, [(3, 4)], make=_distinct, **PICK),
    OpCase("max_dim_0d", lambda m, x: x.max(0), [()], **PICK),
    OpCase("min_dim", lambda m, x: m.min(x, 0), [(3, 4)], make=_distinct, **PICK),
    OpCase("min_dim_neg_keepdim", lambda m, x: x.min(-2, True), [(3, 4)], make=_distinct, **PICK),
    OpCase("max_binary", lambda m, x, y: m.max(x, y), [(3, 4), (4,)], **PICK),
    OpCase("min_binary", lambda m, x, y: m.min(x, y), [(3, 4), (3, 1)], **PICK),
    OpCase("amax_tuple", lambda m, x: m.amax(x, (0, 2)), [(2, 3, 4)], **PICK),
    OpCase("amax_all", lambda m, x: x.amax(), [(2, 3)], **PICK),
    OpCase(
        "amax_ties_keepdim",
        lambda m, x: x.amax(1, keepdim=True),
        [(3, 5)],
        make=_ties,
        fd=False,
        **PICK,
    ),
    OpCase(
        "amin_ties_tuple",
        lambda m, x: m.amin(x, (-1, 0)),
        [(3, 4, 2)],
        make=_ties,
        fd=False,
        **PICK,
    ),
    OpCase("amax_0d", lambda m, x: x.amax(), [()], **PICK),
    OpCase("amax_empty_kept", lambda m, x: x.amax(1), [(0, 3)], **PICK),
    OpCase("aminmax", lambda m, x: m.aminmax(x, dim=1), [(3, 4)], **PICK),
    OpCase("argmax_all", lambda m, x: x.argmax(), [(3, 4)], grad=False),
    OpCase("argmax_dim", lambda m, x: m.argmax(x, 1), [(3, 4)], grad=False),
    OpCase("argmax_all_keepdim", lambda m, x: m.argmax(x, keepdim=True), [(3, 4)], grad=False),
    OpCase("argmin_neg_keepdim", lambda m, x: x.argmin(-1, keepdim=True), [(2, 3, 4)], grad=False),
    OpCase("argmax_ties_first", lambda m, x: x.argmax(1), [(4, 5)], make=_ties, grad=False),
    OpCase("argmin_0d", lambda m, x: x.argmin(0), [()], grad=False),
    # var, std
    OpCase("var_all", lambda m, x: x.var(), [(3, 4)]),
    OpCase("var_dim", lambda m, x: m.var(x, 1), [(3, 4)]),
    OpCase("var_dim_positional_unbiased", lambda m, x: m.var(x, 0, False), [(3, 4)]),
    OpCase("var_unbiased_only", lambda m, x: m.var(x, False), [(3, 4)]),
    OpCase(
        "var_correction_keepdim",
        lambda m, x: m.var(x, (0, 2), correction=2, keepdim=True),
        [(2, 3, 4)],
    ),
    OpCase("var_unbiased_false", lambda m, x: x.var(-1, unbiased=False), [(3, 4)]),
    OpCase("var_size1_correction0", lambda m, x: x.var(1, correction=0), [(3, 1)]),
    OpCase("std_all", lambda m, x: x.std(), [(3, 4)]),
    OpCase("std_dim_keepdim", lambda m, x: m.std(x, 1, keepdim=True), [(3, 4)]),
    OpCase("std_correction0", lambda m, x: x.std((0, 1), correction=0), [(3, 4)]),
    OpCase("var_mean", lambda m, x: m.var_mean(x, 1), [(3, 4)]),
    OpCase("var_mean_keepdim_sum", lambda m, x: sum(m.var_mean(x, 0, keepdim=True)), [(3, 4)]),
    OpCase("std_mean_meanpart", lambda m, x: m.std_mean(x, -1, correction=0)[1], [(3, 4)]),
    OpCase("std_mean", lambda m, x: m.std_mean(x), [(3, 4)]),
    # logsumexp
    OpCase("logsumexp_dim", lambda m, x: m.logsumexp(x, 1), [(3, 4)]),
    OpCase("logsumexp_tuple_keepdim", lambda m, x: x.logsumexp((0, 2), keepdim=True), [(2, 3, 4)]),
    OpCase(
        "logsumexp_large", lambda m, x: m.logsumexp(x * 500, -1), [(3, 4)], atol=1e-6, rtol=1e-6
    ),
    OpCase("logsumexp_0d", lambda m, x: m.logsumexp(x, 0), [()]),
    OpCase("logsumexp_empty", lambda m, x: m.logsumexp(x, 0), [(0, 3)]),
    # softmax, log_softmax
    OpCase("softmax_last", lambda m, x: m.softmax(x, -1), [(3, 4)]),
    OpCase("softmax_dim0", lambda m, x: x.softmax(0), [(3, 4)]),
    OpCase("softmax_middle", lambda m, x: m.softmax(x, 1), [(2, 3, 4)]),
    OpCase("softmax_large", lambda m, x: m.softmax(x * 300, -1), [(3, 4)], atol=1e-6, rtol=1e-6),
    OpCase("softmax_0d", lambda m, x: m.softmax(x, 0), [()]),
    OpCase("softmax_size1", lambda m, x: m.softmax(x, 1), [(3, 1)]),
    OpCase("softmax_dtype", lambda m, x: m.softmax(x, 1, dtype=m.float64), [(3, 4)]),
    OpCase("softmax_empty", lambda m, x: m.softmax(x, 1), [(0, 3)]),
    OpCase("softmax_functional", lambda m, x: m.nn.functional.softmax(x, dim=-1), [(2, 5)]),
    OpCase("log_softmax_last", lambda m, x: m.log_softmax(x, -1), [(3, 4)]),
    OpCase("log_softmax_dim0", lambda m, x: x.log_softmax(0), [(3, 4)]),
    OpCase(
        "log_softmax_large", lambda m, x: m.log_softmax(x * 300, 1), [(3, 4)], atol=1e-6, rtol=1e-6
    ),
    OpCase("log_softmax_0d", lambda m, x: m.log_softmax(x, -1), [()]),
    OpCase("log_softmax_functional", lambda m, x: m.nn.functional.log_softmax(x, 1), [(2, 3, 4)]),
    # norm (Tensor.norm / ndgrad.norm)
    OpCase("norm_fro", lambda m, x: x.norm(), [(3, 4)]),
    OpCase("norm_fro_dims", lambda m, x: m.norm(x, "fro", (0, 1)), [(3, 4, 2)]),
    OpCase("norm_2_dim_keepdim", lambda m, x: x.norm(2, 1, keepdim=True), [(3, 4)]),
    OpCase("norm_1", lambda m, x: x.norm(1), [(3, 4)], **PICK),
    OpCase("norm_3_dim", lambda m, x: x.norm(3, -1), [(3, 4)]),
    OpCase("norm_half", lambda m, x: m.norm(x, 0.5, 0), [(3, 4)], **POS),
    OpCase("norm_inf", lambda m, x: x.norm(math.inf, 1), [(3, 4)], make=_distinct, **PICK),
    OpCase("norm_neg_inf", lambda m, x: x.norm(-math.inf), [(3, 4)], make=_distinct, **PICK),
    OpCase("norm_0", lambda m, x: x.norm(0, 1), [(3, 4)], **PICK),
    # at a zero vector PyTorch's second-order gradient is NaN, ndgrad's 0: first order only
    OpCase(
        "norm_zero_vector", lambda m, x: (x * 0).norm(dim=1), [(2, 3)], fd=False, gradgrad=False
    ),
    OpCase(
        "norm_zero_rows_p3", lambda m, x: (x * 0).norm(3, 1), [(2, 3)], fd=False, gradgrad=False
    ),
    OpCase("norm_0d", lambda m, x: x.norm(), [()]),
    OpCase("norm_dtype", lambda m, x: x.norm(dtype=m.float64), [(3,)]),
    # cumulative
    OpCase("cumsum", lambda m, x: x.cumsum(1), [(3, 4)]),
    OpCase("cumsum_neg_dim", lambda m, x: m.cumsum(x, -3), [(3, 2, 2)]),
    OpCase("cumsum_0d", lambda m, x: x.cumsum(0), [()]),
    OpCase("cumsum_empty", lambda m, x: x.cumsum(0), [(0, 3)]),
    OpCase("cumsum_dtype", lambda m, x: m.cumsum(x, 0, dtype=m.float64), [(4,)]),
    OpCase("cumprod", lambda m, x: x.cumprod(1), [(3, 4)]),
    OpCase("cumprod_dim0", lambda m, x: m.cumprod(x, 0), [(4, 3)], **POS),
    OpCase("cumprod_zeros", lambda m, x: x.cumprod(-1), [(3, 5)], make=_with_zeros, gradgrad=False),
    OpCase("cumprod_one_zero", lambda m, x: x[1:].cumprod(-1), [(3, 5)], make=_with_zeros),
    OpCase("cumprod_one_zero_dim0", lambda m, x: x[1:].mT.cumprod(0), [(3, 5)], make=_with_zeros),
    OpCase("cumprod_0d", lambda m, x: x.cumprod(0), [()]),
    # logical (no gradient)
    OpCase("all_dim", lambda m, x: (x > -1).all(1), [(3, 4)], grad=False),
    OpCase("all_global", lambda m, x: m.all(x > -1.9), [(3, 4)], grad=False),
    OpCase(
        "all_tuple_keepdim", lambda m, x: m.all(x > 0, (0, 1), keepdim=True), [(3, 4)], grad=False
    ),
    OpCase("any_dim", lambda m, x: m.any(x > 1.5, -1), [(3, 4)], grad=False),
    OpCase("any_empty", lambda m, x: (x > 0).any(), [(0, 3)], grad=False),
    OpCase("all_float_input", lambda m, x: m.all(x), [(3, 4)], grad=False),
    OpCase("count_nonzero", lambda m, x: m.count_nonzero(x > 0), [(3, 4)], grad=False),
    OpCase(
        "count_nonzero_dims", lambda m, x: (x > 0).count_nonzero((0, 2)), [(2, 3, 4)], grad=False
    ),
    OpCase("sum_bool_int64", lambda m, x: (x > 0).sum(1), [(3, 4)], grad=False),
    OpCase("prod_bool_int64", lambda m, x: (x > -1.5).prod(), [(3, 4)], grad=False),
    OpCase("cumsum_bool_int64", lambda m, x: (x > 0).cumsum(1), [(3, 4)], grad=False),
    # sorting and selection
    OpCase("sort_last", lambda m, x: m.sort(x), [(3, 4)], make=_distinct, **PICK),
    OpCase(
        "sort_dim0_desc", lambda m, x: x.sort(0, descending=True), [(3, 4)], make=_distinct, **PICK
    ),
    OpCase(
        "sort_stable_ties",
        lambda m, x: m.sort(x, stable=True, dim=-1),
        [(3, 6)],
        make=_ties,
        fd=False,
        **PICK,
    ),
    OpCase(
        "sort_stable_ties_desc",
        lambda m, x: m.sort(x, stable=True, dim=1, descending=True),
        [(3, 6)],
        make=_ties,
        fd=False,
        **PICK,
    ),
    OpCase("sort_0d", lambda m, x: x.sort(), [()], **PICK),
    OpCase("sort_empty", lambda m, x: x.sort(0), [(0, 2)], **PICK),
    OpCase("argsort", lambda m, x: m.argsort(x, 1), [(3, 4)], make=_distinct, grad=False),
    OpCase(
        "argsort_desc",
        lambda m, x: x.argsort(0, descending=True),
        [(3, 4)],
        make=_distinct,
        grad=False,
    ),
    OpCase("topk", lambda m, x: m.topk(x, 2), [(3, 5)], make=_distinct, **PICK),
    OpCase(
        "topk_smallest_dim0",
        lambda m, x: x.topk(2, 0, largest=False),
        [(4, 3)],
        make=_distinct,
        **PICK,
    ),
    OpCase("topk_k0", lambda m, x: x.topk(0), [(3, 4)], **PICK),
    OpCase("topk_0d", lambda m, x: m.topk(x, 1), [()], **PICK),
    OpCase("median_all_odd", lambda m, x: x.median(), [(3, 5)], make=_distinct, **PICK),
    OpCase("median_all_even", lambda m, x: m.median(x), [(2, 4)], make=_distinct, **PICK),
    OpCase("median_all_ties", lambda m, x: x.median(), [(3, 5)], make=_ties, fd=False, **PICK),
    OpCase("median_dim", lambda m, x: m.median(x, 1), [(3, 4)], make=_distinct, **PICK),
    OpCase(
        "median_dim_keepdim",
        lambda m, x: x.median(0, keepdim=True),
        [(5, 3)],
        make=_distinct,
        **PICK,
    ),
    OpCase("median_0d", lambda m, x: x.median(), [()], **PICK),
]
