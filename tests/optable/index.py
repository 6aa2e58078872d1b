"""Op-table rows for the indexing family (ndgrad/ops/index.py); index arrays come from
``consts``."""

from __future__ import annotations

import numpy as np

from tests.optable import OpCase


def _ints(*shape_high: tuple[tuple[int, ...], int]):  # type: ignore[no-untyped-def]
    """consts: int64 index arrays of the given shapes, values in [0, high)."""
    return lambda rng: [
        rng.integers(0, high, size=shape).astype(np.int64) for shape, high in shape_high
    ]


def _mask(*shapes: tuple[int, ...]):  # type: ignore[no-untyped-def]
    return lambda rng: [rng.random(shape) > 0.5 for shape in shapes]


REPEATED = lambda rng: [np.array([0, 2, 0, 0, -1])]  # noqa: E731
REPEATED_POS = lambda rng: [np.array([0, 2, 0, 0, 1])]  # noqa: E731

CASES = [
    # __getitem__: basic
    OpCase("getitem_int", lambda m, x: x[1], [(3, 4)]),
    OpCase("getitem_neg_int", lambda m, x: x[-1, -2], [(3, 4)]),
    OpCase("getitem_slice", lambda m, x: x[1:, :3], [(3, 4)]),
    OpCase("getitem_step", lambda m, x: x[::2, 1::2], [(5, 4)]),
    OpCase("getitem_none", lambda m, x: x[None, :, None, 1], [(3, 4)]),
    OpCase("getitem_ellipsis", lambda m, x: x[..., 1], [(2, 3, 4)]),
    OpCase("getitem_ellipsis_mid", lambda m, x: x[0, ..., 1:], [(2, 3, 4)]),
    OpCase("getitem_0d", lambda m, x: x[...], [()]),
    OpCase("getitem_0d_none", lambda m, x: x[None], [()]),
    OpCase("getitem_empty_slice", lambda m, x: x[2:1], [(3, 4)]),
    # __getitem__: advanced
    OpCase("getitem_list", lambda m, x: x[[0, 2, 2]], [(3, 4)]),
    OpCase("getitem_list_neg", lambda m, x: x[:, [-1, 0, -1]], [(3, 4)]),
    OpCase("getitem_tensor", lambda m, x, i: x[i], [(4, 3)], consts=_ints(((2, 3), 4))),
    OpCase("getitem_tensor_repeated", lambda m, x, i: x[i], [(3, 2)], consts=REPEATED),
    OpCase(
        "getitem_two_arrays",
        lambda m, x, i, j: x[i, j],
        [(3, 4)],
        consts=_ints(((5,), 3), ((5,), 4)),
    ),
    OpCase(
        "getitem_arrays_broadcast",
        lambda m, x, i, j: x[i, :, j],
        [(3, 2, 4)],
        consts=_ints(((2, 1), 3), ((3,), 4)),
    ),
    OpCase("getitem_array_slice", lambda m, x, i: x[1:, i], [(3, 4, 2)], consts=_ints(((2, 2), 4))),
    OpCase(
        "getitem_array_none",
        lambda m, x, i: x[None, i, ..., 0],
        [(3, 4, 2)],
        consts=_ints(((4,), 3)),
    ),
    OpCase("getitem_list_int", lambda m, x: x[[1, 0], 2], [(3, 4)]),
    OpCase("getitem_int_slice_array", lambda m, x: x[0, :, [1, 1, 0]], [(2, 3, 4)]),
    OpCase("getitem_array_int_array", lambda m, x: x[[0, 1], 2, [1, 0]], [(2, 3, 4)]),
    OpCase("getitem_mixed_torch_layout", lambda m, x: x[:, [2, 0, 2], :, 1], [(2, 3, 4, 2)]),
    OpCase("getitem_mask", lambda m, x, k: x[k], [(3, 4)], consts=_mask((3, 4))),
    OpCase("getitem_mask_rows", lambda m, x, k: x[k], [(3, 4)], consts=_mask((3,))),
    OpCase("getitem_mask_list", lambda m, x: x[:, [True, False, True, True]], [(3, 4)]),
    OpCase("getitem_mask_0d", lambda m, x: x[m.tensor(True)], [(3,)]),
    OpCase("getitem_true", lambda m, x: x[True], [(2, 3)]),
    OpCase("getitem_empty_list", lambda m, x: x[[]], [(3, 4)]),
    OpCase("getitem_0d_int_tensor", lambda m, x: x[m.tensor(1)], [(3, 4)]),
    # gather / scatter
    OpCase("gather", lambda m, x, i: x.gather(1, i), [(3, 4)], consts=_ints(((3, 5), 4))),
    OpCase("gather_dim0", lambda m, x, i: m.gather(x, 0, i), [(3, 4)], consts=_ints(((2, 3), 3))),
    OpCase(
        "gather_neg_dim", lambda m, x, i: x.gather(-1, i), [(2, 3, 4)], consts=_ints(((2, 2, 6), 4))
    ),
    OpCase("gather_0d", lambda m, x, i: x.gather(0, i), [()], consts=lambda rng: [np.array(0)]),
    OpCase("scatter", lambda m, x, s: x.scatter(0, m.tensor([[0, 1, 2, 0]]), s), [(3, 4), (1, 4)]),
    OpCase(
        "scatter_big_src",
        lambda m, x, s: x.scatter(0, m.tensor([[0, 1, 2, 0]]), s),
        [(3, 4), (2, 4)],
        grad=False,
    ),
    OpCase(
        "scatter_2d",
        lambda m, x, s: m.scatter(x, -1, m.tensor([[2, 0], [1, 3]]), s),
        [(3, 4), (2, 2)],
    ),
    OpCase("scatter_value", lambda m, x: m.scatter(x, 1, m.tensor([[0], [3], [1]]), 2.5), [(3, 4)]),
    OpCase(
        "scatter_add",
        lambda m, x, s, i: x.scatter_add(1, i, s),
        [(3, 4), (3, 5)],
        consts=_ints(((3, 5), 4)),
    ),
    OpCase(
        "scatter_add_fn",
        lambda m, x, s, i: m.scatter_add(x, 0, i, s),
        [(3, 2), (4, 2)],
        consts=_ints(((4, 2), 3)),
    ),
    OpCase(
        "scatter_reduce_add",
        lambda m, x, s: x.scatter(0, m.tensor([[1, 1, 2]]), s, reduce="add"),
        [(3, 3), (1, 3)],
        grad=False,
    ),
    OpCase(
        "scatter_reduce_mul",
        lambda m, x, s: x.scatter(0, m.tensor([[1, 1, 2]]), s, reduce="multiply"),
        [(3, 3), (1, 3)],
        grad=False,
    ),
    # index_select / index_add / take
    OpCase("index_select", lambda m, x, i: x.index_select(0, i), [(3, 4)], consts=REPEATED_POS),
    OpCase(
        "index_select_neg_dim",
        lambda m, x, i: m.index_select(x, -1, i),
        [(3, 4)],
        consts=_ints(((6,), 4)),
    ),
    OpCase("index_select_0d_index", lambda m, x: x.index_select(1, m.tensor(2)), [(3, 4)]),
    OpCase(
        "index_select_empty", lambda m, x: x.index_select(1, m.tensor([], dtype=m.int64)), [(3, 4)]
    ),
    OpCase(
        "index_add", lambda m, x, s, i: x.index_add(0, i, s), [(3, 2), (5, 2)], consts=REPEATED_POS
    ),
    OpCase(
        "index_add_alpha",
        lambda m, x, s, i: m.index_add(x, 1, i, s, alpha=-2.0),
        [(2, 4), (2, 3)],
        consts=_ints(((3,), 4)),
    ),
    OpCase("take", lambda m, x, i: x.take(i), [(3, 4)], consts=_ints(((2, 3), 12))),
    OpCase("take_repeated", lambda m, x: m.take(x, m.tensor([0, 0, -1, 5])), [(2, 3)]),
    # masks
    OpCase("masked_fill", lambda m, x, k: x.masked_fill(k, -1.5), [(3, 4)], consts=_mask((3, 4))),
    OpCase(
        "masked_fill_bcast", lambda m, x, k: m.masked_fill(x, k, 2), [(3, 4)], consts=_mask((4,))
    ),
    OpCase(
        "masked_fill_tensor",
        lambda m, x, v, k: x.masked_fill(k, v),
        [(3, 4), ()],
        consts=_mask((3, 1)),
    ),
    OpCase("masked_select", lambda m, x, k: x.masked_select(k), [(3, 4)], consts=_mask((3, 4))),
    OpCase(
        "masked_select_bcast",
        lambda m, x, k: m.masked_select(x, k),
        [(3, 1)],
        consts=_mask((2, 3, 4)),
    ),
]
