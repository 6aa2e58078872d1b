"""Op-table rows for the convolution and pooling family (ndgrad/ops/conv.py)."""

from __future__ import annotations

import numpy as np

from tests.optable import F, OpCase


def _distinct(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Well-separated values, so that finite differences never cross a max-pool tie."""
    n = int(np.prod(shape))
    return (rng.permutation(n) * (4.0 / max(n, 1)) - 2.0).reshape(shape)


# max pooling: first order only (its second derivative in x is zero almost everywhere)
MAX = dict(make=_distinct, gradgrad=False)

CASES = [
    # -- conv2d ---------------------------------------------------------------------------------
    OpCase("F.conv2d", lambda m, x, w, b: F(m).conv2d(x, w, b), [(2, 3, 5, 5), (4, 3, 3, 3), (4,)]),
    OpCase("F.conv2d_no_bias", lambda m, x, w: F(m).conv2d(x, w), [(2, 3, 5, 5), (4, 3, 3, 3)]),
    OpCase(
        "F.conv2d_stride_pad",
        lambda m, x, w: F(m).conv2d(x, w, stride=2, padding=1),
        [(2, 3, 6, 5), (4, 3, 3, 2)],
    ),
    OpCase(
        "F.conv2d_tuple_args",
        lambda m, x, w, b: F(m).conv2d(x, w, b, stride=(2, 1), padding=(1, 2), dilation=(2, 1)),
        [(1, 2, 7, 6), (3, 2, 3, 3), (3,)],
    ),
    OpCase(
        "F.conv2d_dilation",
        lambda m, x, w: F(m).conv2d(x, w, dilation=2),
        [(2, 2, 6, 6), (3, 2, 2, 2)],
    ),
    OpCase(
        "F.conv2d_groups",
        lambda m, x, w, b: F(m).conv2d(x, w, b, padding=1, groups=2),
        [(2, 4, 4, 4), (6, 2, 3, 3), (6,)],
    ),
    OpCase(
        "F.conv2d_depthwise",
        lambda m, x, w: F(m).conv2d(x, w, stride=2, groups=3),
        [(2, 3, 5, 5), (3, 1, 3, 3)],
    ),
    OpCase(
        "F.conv2d_same",
        lambda m, x, w, b: F(m).conv2d(x, w, b, padding="same"),
        [(2, 3, 5, 5), (4, 3, 3, 3), (4,)],
    ),
    OpCase(
        "F.conv2d_same_even_kernel",
        lambda m, x, w: F(m).conv2d(x, w, padding="same", dilation=(1, 2)),
        [(1, 2, 5, 6), (3, 2, 2, 3)],
    ),
    OpCase(
        "F.conv2d_valid",
        lambda m, x, w: F(m).conv2d(x, w, padding="valid"),
        [(2, 3, 4, 5), (2, 3, 3, 3)],
    ),
    OpCase(
        "F.conv2d_unbatched",
        lambda m, x, w, b: F(m).conv2d(x, w, b, padding=1),
        [(3, 4, 4), (2, 3, 3, 3), (2,)],
    ),
    OpCase(
        "F.conv2d_one_channel",
        lambda m, x, w, b: F(m).conv2d(x, w, b),
        [(3, 1, 5, 5), (4, 1, 3, 3), (4,)],
    ),
    OpCase("F.conv2d_1x1", lambda m, x, w: F(m).conv2d(x, w), [(2, 3, 3, 4), (5, 3, 1, 1)]),
    OpCase(
        "F.conv2d_kernel_equals_input",
        lambda m, x, w: F(m).conv2d(x, w),
        [(2, 2, 3, 3), (3, 2, 3, 3)],
    ),
    OpCase("F.conv2d_empty_batch", lambda m, x, w: F(m).conv2d(x, w), [(0, 2, 4, 4), (3, 2, 3, 3)]),
    # -- conv1d / conv3d ------------------------------------------------------------------------
    OpCase(
        "F.conv1d",
        lambda m, x, w, b: F(m).conv1d(x, w, b, stride=2, padding=1),
        [(2, 3, 7), (4, 3, 3), (4,)],
    ),
    OpCase(
        "F.conv1d_groups_dilation",
        lambda m, x, w: F(m).conv1d(x, w, dilation=2, groups=2),
        [(2, 4, 8), (4, 2, 3)],
    ),
    OpCase(
        "F.conv1d_same", lambda m, x, w: F(m).conv1d(x, w, padding="same"), [(2, 3, 6), (2, 3, 4)]
    ),
    OpCase("F.conv1d_unbatched", lambda m, x, w: F(m).conv1d(x, w), [(3, 6), (2, 3, 3)]),
    OpCase(
        "F.conv3d",
        lambda m, x, w, b: F(m).conv3d(x, w, b, stride=(1, 2, 1), padding=1),
        [(1, 2, 3, 4, 3), (2, 2, 2, 3, 2), (2,)],
    ),
    # -- transposed convolutions ----------------------------------------------------------------
    OpCase(
        "F.conv_transpose2d",
        lambda m, x, w, b: F(m).conv_transpose2d(x, w, b),
        [(2, 3, 4, 4), (3, 2, 3, 3), (2,)],
    ),
    OpCase(
        "F.conv_transpose2d_stride_outpad",
        lambda m, x, w, b: F(m).conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
        [(2, 3, 3, 3), (3, 2, 3, 3), (2,)],
    ),
    OpCase(
        "F.conv_transpose2d_groups_dilation",
        lambda m, x, w: F(m).conv_transpose2d(
            x, w, stride=(2, 3), padding=(0, 1), output_padding=(1, 0), groups=2, dilation=(1, 2)
        ),
        [(1, 4, 3, 3), (4, 2, 3, 2)],
    ),
    OpCase(
        "F.conv_transpose2d_unbatched",
        lambda m, x, w: F(m).conv_transpose2d(x, w, stride=2),
        [(3, 3, 3), (3, 2, 2, 2)],
    ),
    OpCase(
        "F.conv_transpose1d",
        lambda m, x, w, b: F(m).conv_transpose1d(x, w, b, stride=3, output_padding=2),
        [(2, 3, 4), (3, 2, 3), (2,)],
    ),
    OpCase(
        "F.conv_transpose1d_dilation",
        lambda m, x, w: F(m).conv_transpose1d(x, w, padding=1, dilation=2),
        [(2, 3, 5), (3, 2, 3)],
    ),
    # -- max pooling ----------------------------------------------------------------------------
    OpCase("F.max_pool2d", lambda m, x: F(m).max_pool2d(x, 2), [(2, 3, 4, 4)], **MAX),
    OpCase(
        "F.max_pool2d_overlap", lambda m, x: F(m).max_pool2d(x, 3, stride=1), [(2, 2, 5, 5)], **MAX
    ),
    OpCase(
        "F.max_pool2d_pad_stride",
        lambda m, x: F(m).max_pool2d(x, 3, stride=2, padding=1),
        [(2, 2, 5, 6)],
        **MAX,
    ),
    OpCase(
        "F.max_pool2d_dilation",
        lambda m, x: F(m).max_pool2d(x, 2, stride=1, dilation=2),
        [(1, 2, 5, 5)],
        **MAX,
    ),
    OpCase(
        "F.max_pool2d_ceil",
        lambda m, x: F(m).max_pool2d(x, 2, ceil_mode=True),
        [(2, 2, 5, 5)],
        **MAX,
    ),
    OpCase(
        "F.max_pool2d_ceil_pad",
        lambda m, x: F(m).max_pool2d(x, (3, 2), stride=2, padding=1, ceil_mode=True),
        [(1, 2, 6, 7)],
        **MAX,
    ),
    OpCase("F.max_pool2d_unbatched", lambda m, x: F(m).max_pool2d(x, (2, 3)), [(2, 4, 6)], **MAX),
    OpCase(
        "F.max_pool2d_indices",
        lambda m, x: F(m).max_pool2d(x, 3, 2, 1, return_indices=True),
        [(2, 2, 5, 5)],
        **MAX,
    ),
    OpCase(
        "F.max_pool2d_ties",
        lambda m, x: F(m).max_pool2d(x.round(), 2, stride=1),
        [(2, 2, 4, 4)],
        gradgrad=False,
        fd=False,
    ),
    OpCase(
        "F.max_pool1d", lambda m, x: F(m).max_pool1d(x, 3, stride=2, padding=1), [(2, 3, 7)], **MAX
    ),
    OpCase(
        "F.max_pool1d_indices_ceil",
        lambda m, x: F(m).max_pool1d(x, 2, ceil_mode=True, return_indices=True),
        [(2, 3, 7)],
        **MAX,
    ),
    OpCase(
        "F.max_pool2d_double_backward",
        lambda m, x: F(m).max_pool2d(x, 2) * F(m).max_pool2d(x, 2),
        [(1, 2, 4, 4)],
        make=_distinct,
    ),
    OpCase("F.max_pool3d", lambda m, x: F(m).max_pool3d(x, 2), [(2, 2, 4, 5, 4)], **MAX),
    OpCase(
        "F.max_pool3d_pad_stride_indices",
        lambda m, x: F(m).max_pool3d(x, 3, stride=2, padding=1, return_indices=True),
        [(2, 2, 4, 5, 4)],
        **MAX,
    ),
    OpCase(
        "F.max_pool3d_dilation_overlap",
        lambda m, x: F(m).max_pool3d(x, (2, 2, 1), stride=1, dilation=(1, 2, 1)),
        [(1, 2, 3, 5, 3)],
        **MAX,
    ),
    OpCase(
        "F.max_pool3d_ceil_indices",
        lambda m, x: F(m).max_pool3d(
            x, (2, 3, 2), stride=2, padding=(0, 1, 1), ceil_mode=True, return_indices=True
        ),
        [(2, 2, 5, 5, 4)],
        **MAX,
    ),
    OpCase(
        "F.max_pool3d_unbatched_indices",
        lambda m, x: F(m).max_pool3d(x, (1, 2, 2), return_indices=True),
        [(2, 3, 4, 4)],
        **MAX,
    ),
    OpCase(
        "F.max_pool3d_ties",
        lambda m, x: F(m).max_pool3d(x.round(), 2, stride=1, return_indices=True),
        [(1, 2, 3, 4, 3)],
        gradgrad=False,
        fd=False,
    ),
    # -- average pooling ------------------------------------------------------------------------
    OpCase("F.avg_pool2d", lambda m, x: F(m).avg_pool2d(x, 2), [(2, 3, 4, 4)]),
    OpCase(
        "F.avg_pool2d_pad", lambda m, x: F(m).avg_pool2d(x, 3, stride=2, padding=1), [(2, 2, 5, 6)]
    ),
    OpCase(
        "F.avg_pool2d_exclude_pad",
        lambda m, x: F(m).avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False),
        [(2, 2, 5, 6)],
    ),
    OpCase("F.avg_pool2d_ceil", lambda m, x: F(m).avg_pool2d(x, 2, ceil_mode=True), [(2, 2, 5, 5)]),
    OpCase(
        "F.avg_pool2d_ceil_pad",
        lambda m, x: F(m).avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True),
        [(1, 2, 6, 6)],
    ),
    OpCase(
        "F.avg_pool2d_ceil_exclude",
        lambda m, x: F(m).avg_pool2d(
            x, (2, 3), stride=2, padding=1, ceil_mode=True, count_include_pad=False
        ),
        [(1, 2, 6, 7)],
    ),
    OpCase(
        "F.avg_pool2d_divisor",
        lambda m, x: F(m).avg_pool2d(x, 2, stride=1, divisor_override=3),
        [(2, 2, 4, 4)],
    ),
    OpCase("F.avg_pool2d_unbatched", lambda m, x: F(m).avg_pool2d(x, (1, 2)), [(3, 4, 4)]),
    OpCase("F.avg_pool3d", lambda m, x: F(m).avg_pool3d(x, 2), [(2, 2, 4, 5, 4)]),
    OpCase(
        "F.avg_pool3d_pad_exclude",
        lambda m, x: F(m).avg_pool3d(x, 3, stride=2, padding=1, count_include_pad=False),
        [(2, 2, 4, 5, 4)],
    ),
    OpCase(
        "F.avg_pool3d_ceil",
        lambda m, x: F(m).avg_pool3d(x, (2, 3, 2), stride=2, padding=(1, 1, 0), ceil_mode=True),
        [(1, 2, 5, 5, 4)],
    ),
    OpCase(
        "F.avg_pool3d_ceil_exclude",
        lambda m, x: F(m).avg_pool3d(
            x, 2, stride=2, padding=1, ceil_mode=True, count_include_pad=False
        ),
        [(1, 2, 4, 5, 3)],
    ),
    OpCase(
        "F.avg_pool3d_divisor",
        lambda m, x: F(m).avg_pool3d(x, (2, 2, 1), stride=1, divisor_override=3),
        [(2, 2, 3, 4, 3)],
    ),
    OpCase("F.avg_pool3d_unbatched", lambda m, x: F(m).avg_pool3d(x, (1, 2, 2)), [(2, 3, 4, 4)]),
    OpCase(
        "F.avg_pool1d",
        lambda m, x: F(m).avg_pool1d(x, 3, stride=2, padding=1, count_include_pad=False),
        [(2, 3, 7)],
    ),
    OpCase("F.avg_pool1d_ceil", lambda m, x: F(m).avg_pool1d(x, 2, ceil_mode=True), [(2, 3, 7)]),
    # -- adaptive pooling -----------------------------------------------------------------------
    OpCase(
        "F.adaptive_avg_pool2d", lambda m, x: F(m).adaptive_avg_pool2d(x, (3, 2)), [(2, 3, 5, 7)]
    ),
    OpCase(
        "F.adaptive_avg_pool2d_global", lambda m, x: F(m).adaptive_avg_pool2d(x, 1), [(2, 3, 4, 5)]
    ),
    OpCase(
        "F.adaptive_avg_pool2d_none",
        lambda m, x: F(m).adaptive_avg_pool2d(x, (None, 2)),
        [(2, 3, 4, 5)],
    ),
    OpCase(
        "F.adaptive_avg_pool2d_upscale",
        lambda m, x: F(m).adaptive_avg_pool2d(x, (4, 5)),
        [(3, 3, 3)],
    ),
    OpCase("F.adaptive_avg_pool1d", lambda m, x: F(m).adaptive_avg_pool1d(x, 3), [(2, 3, 7)]),
    OpCase(
        "F.adaptive_avg_pool3d",
        lambda m, x: F(m).adaptive_avg_pool3d(x, (2, 3, 2)),
        [(2, 2, 4, 5, 3)],
    ),
    OpCase(
        "F.adaptive_avg_pool3d_global",
        lambda m, x: F(m).adaptive_avg_pool3d(x, 1),
        [(2, 2, 4, 5, 4)],
    ),
    OpCase(
        "F.adaptive_avg_pool3d_none_unbatched",
        lambda m, x: F(m).adaptive_avg_pool3d(x, (None, 2, 4)),
        [(2, 3, 5, 3)],
    ),
    OpCase(
        "F.adaptive_max_pool2d",
        lambda m, x: F(m).adaptive_max_pool2d(x, (3, 2)),
        [(2, 3, 5, 7)],
        **MAX,
    ),
    OpCase(
        "F.adaptive_max_pool2d_indices",
        lambda m, x: F(m).adaptive_max_pool2d(x, 3, return_indices=True),
        [(2, 2, 5, 5)],
        **MAX,
    ),
    OpCase(
        "F.adaptive_max_pool2d_global",
        lambda m, x: F(m).adaptive_max_pool2d(x, 1),
        [(3, 4, 4)],
        **MAX,
    ),
    OpCase(
        "F.adaptive_max_pool3d_indices",
        lambda m, x: F(m).adaptive_max_pool3d(x, (2, 3, 2), return_indices=True),
        [(2, 2, 4, 5, 3)],
        **MAX,
    ),
    OpCase(
        "F.adaptive_max_pool3d_none_unbatched",
        lambda m, x: F(m).adaptive_max_pool3d(x, (3, None, 1), return_indices=True),
        [(2, 5, 3, 4)],
        **MAX,
    ),
    OpCase(
        "F.adaptive_max_pool3d_global",
        lambda m, x: F(m).adaptive_max_pool3d(x, 1),
        [(2, 2, 3, 4, 3)],
        **MAX,
    ),
    OpCase(
        "F.adaptive_max_pool1d",
        lambda m, x: F(m).adaptive_max_pool1d(x, 4, return_indices=True),
        [(2, 3, 7)],
        **MAX,
    ),
    # -- interpolate ----------------------------------------------------------------------------
    OpCase(
        "F.interpolate_nearest_scale",
        lambda m, x: F(m).interpolate(x, scale_factor=2),
        [(2, 3, 3, 3)],
    ),
    OpCase(
        "F.interpolate_nearest_size", lambda m, x: F(m).interpolate(x, size=(5, 3)), [(2, 2, 3, 4)]
    ),
    OpCase(
        "F.interpolate_nearest_frac",
        lambda m, x: F(m).interpolate(x, scale_factor=1.7),
        [(1, 2, 3, 4)],
    ),
    OpCase(
        "F.interpolate_nearest_exact",
        lambda m, x: F(m).interpolate(x, size=(5, 3), mode="nearest-exact"),
        [(1, 2, 3, 4)],
    ),
    OpCase("F.interpolate_nearest_1d", lambda m, x: F(m).interpolate(x, size=7), [(2, 3, 4)]),
    OpCase(
        "F.interpolate_bilinear",
        lambda m, x: F(m).interpolate(x, size=(5, 7), mode="bilinear"),
        [(2, 2, 3, 4)],
    ),
    OpCase(
        "F.interpolate_bilinear_corners",
        lambda m, x: F(m).interpolate(x, size=(5, 7), mode="bilinear", align_corners=True),
        [(2, 2, 3, 4)],
    ),
    OpCase(
        "F.interpolate_bilinear_scale",
        lambda m, x: F(m).interpolate(x, scale_factor=(1.5, 2), mode="bilinear"),
        [(1, 2, 3, 4)],
    ),
    OpCase(
        "F.interpolate_bilinear_down",
        lambda m, x: F(m).interpolate(x, size=(2, 3), mode="bilinear"),
        [(1, 2, 5, 6)],
    ),
    OpCase(
        "F.interpolate_bilinear_recompute",
        lambda m, x: F(m).interpolate(
            x, scale_factor=1.7, mode="bilinear", recompute_scale_factor=True
        ),
        [(1, 2, 3, 4)],
    ),
    OpCase(
        "F.interpolate_linear",
        lambda m, x: F(m).interpolate(x, scale_factor=2.5, mode="linear"),
        [(2, 3, 4)],
    ),
    OpCase(
        "F.interpolate_linear_corners",
        lambda m, x: F(m).interpolate(x, size=6, mode="linear", align_corners=True),
        [(2, 3, 4)],
    ),
    OpCase(
        "F.interpolate_area",
        lambda m, x: F(m).interpolate(x, size=(2, 3), mode="area"),
        [(1, 2, 5, 7)],
    ),
    # -- unfold / fold --------------------------------------------------------------------------
    OpCase("F.unfold", lambda m, x: F(m).unfold(x, 2), [(2, 3, 4, 4)]),
    OpCase(
        "F.unfold_args",
        lambda m, x: F(m).unfold(x, (2, 3), dilation=(1, 2), padding=1, stride=2),
        [(2, 2, 5, 6)],
    ),
    OpCase("F.unfold_unbatched", lambda m, x: F(m).unfold(x, 3, padding=1), [(2, 3, 3)]),
    OpCase("F.fold", lambda m, x: F(m).fold(x, (4, 5), 2), [(2, 12, 12)]),
    OpCase(
        "F.fold_args",
        lambda m, x: F(m).fold(x, (5, 6), (2, 3), dilation=(1, 2), padding=1, stride=2),
        [(2, 12, 6)],
    ),
    OpCase("F.fold_unbatched", lambda m, x: F(m).fold(x, (3, 3), 2, stride=1), [(8, 4)]),
    OpCase(
        "F.fold_unfold_roundtrip",
        lambda m, x: F(m).fold(F(m).unfold(x, 3, padding=1), (4, 4), 3, padding=1),
        [(1, 2, 4, 4)],
    ),
]
