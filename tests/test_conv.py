"""Behaviour of the convolution and pooling family beyond the op table: indices, errors, larger
shapes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import ndgrad
import ndgrad.nn.functional as F


def _pair(a: np.ndarray, requires_grad: bool = False) -> tuple[ndgrad.Tensor, torch.Tensor]:
    return ndgrad.tensor(a, requires_grad=requires_grad), torch.tensor(
        a, requires_grad=requires_grad
    )


def _same(n: Any, t: Any, rtol: float = 1e-9, atol: float = 1e-9) -> None:
    assert tuple(n.shape) == tuple(t.shape)
    np.testing.assert_allclose(n.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol)


# -- return_indices --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(kernel_size=2),
        dict(kernel_size=3, stride=2, padding=1),
        dict(kernel_size=(2, 3), stride=1, dilation=(2, 1)),
        dict(kernel_size=2, ceil_mode=True),
        dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    ],
)
def test_max_pool2d_indices_match_torch(kwargs: dict[str, Any]) -> None:
    # integer values make ties common: the first maximum in row-major window order wins, as in torch
    a = np.random.default_rng(0).integers(0, 4, (2, 3, 7, 6)).astype(np.float64)
    n, t = _pair(a)
    nv, ni = F.max_pool2d(n, return_indices=True, **kwargs)
    tv, ti = TF.max_pool2d(t, return_indices=True, **kwargs)
    _same(nv, tv)
    assert ni.dtype == ndgrad.int64
    np.testing.assert_array_equal(ni.numpy(), ti.numpy())


def test_max_pool1d_and_unbatched_indices() -> None:
    a = np.random.default_rng(1).integers(0, 3, (3, 9)).astype(np.float32)
    n, t = _pair(a)
    nv, ni = F.max_pool1d(n, 3, stride=2, padding=1, return_indices=True)
    tv, ti = TF.max_pool1d(t, 3, stride=2, padding=1, return_indices=True)
    _same(nv, tv)
    np.testing.assert_array_equal(ni.numpy(), ti.numpy())
    b = np.random.default_rng(2).integers(0, 3, (2, 5, 5)).astype(np.float32)
    n, t = _pair(b)
    np.testing.assert_array_equal(
        F.max_pool2d(n, 2, return_indices=True)[1].numpy(),
        TF.max_pool2d(t, 2, return_indices=True)[1].numpy(),
    )


@pytest.mark.parametrize("size", [(3, 2), 4, (1, 1), (5, 7)])
def test_adaptive_max_pool2d_indices(size: Any) -> None:
    a = np.random.default_rng(3).integers(0, 4, (2, 2, 5, 7)).astype(np.float64)
    n, t = _pair(a)
    nv, ni = F.adaptive_max_pool2d(n, size, return_indices=True)
    tv, ti = TF.adaptive_max_pool2d(t, size, return_indices=True)
    _same(nv, tv)
    np.testing.assert_array_equal(ni.numpy(), ti.numpy())


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(kernel_size=2),
        dict(kernel_size=3, stride=2, padding=1),
        dict(kernel_size=(2, 1, 3), stride=1, dilation=(1, 2, 1)),
        dict(kernel_size=(3, 2, 2), stride=2, padding=(1, 0, 1), ceil_mode=True),
    ],
)
def test_max_pool3d_indices_match_torch(kwargs: dict[str, Any]) -> None:
    # flat index (d * H + h) * W + w in each (n, c) volume; the first maximum wins on ties
    a = np.random.default_rng(4).integers(0, 3, (2, 2, 5, 6, 5)).astype(np.float64)
    n, t = _pair(a, requires_grad=True)
    nv, ni = F.max_pool3d(n, return_indices=True, **kwargs)
    tv, ti = TF.max_pool3d(t, return_indices=True, **kwargs)
    _same(nv, tv)
    assert ni.dtype == ndgrad.int64
    np.testing.assert_array_equal(ni.numpy(), ti.numpy())
    nv.sum().backward()
    tv.sum().backward()
    np.testing.assert_array_equal(n.grad.numpy(), t.grad.numpy())


@pytest.mark.parametrize("size", [(2, 3, 2), 4, 1, (None, 2, 5)])
def test_adaptive_max_pool3d_indices(size: Any) -> None:
    a = np.random.default_rng(5).integers(0, 4, (2, 2, 4, 5, 3)).astype(np.float64)
    n, t = _pair(a)
    nv, ni = F.adaptive_max_pool3d(n, size, return_indices=True)
    tv, ti = TF.adaptive_max_pool3d(t, size, return_indices=True)
    _same(nv, tv)
    np.testing.assert_array_equal(ni.numpy(), ti.numpy())


@pytest.mark.parametrize("name", ["max_pool3d", "avg_pool3d", "max_pool2d", "avg_pool1d"])
def test_pool_empty_batch(name: str) -> None:
    # an empty batch is allowed (only the non-batch dims must be non-empty), as in torch
    a = np.zeros((0, 2) + (4,) * int(name[-2]))
    n, t = _pair(a, requires_grad=True)
    nv, tv = getattr(F, name)(n, 2), getattr(TF, name)(t, 2)
    assert tuple(nv.shape) == tuple(tv.shape)
    nv.sum().backward()
    assert tuple(n.grad.shape) == a.shape
    for size in (1, 2, 3):
        assert (
            tuple(F.adaptive_avg_pool3d(ndgrad.zeros(0, 2, 4, 4, 4), size).shape)
            == (0, 2) + (size,) * 3
        )
        assert (
            tuple(F.adaptive_max_pool3d(ndgrad.zeros(0, 2, 4, 4, 4), size).shape)
            == (0, 2) + (size,) * 3
        )


def test_max_pool_gradient_goes_to_first_maximum() -> None:
    a = np.zeros((1, 1, 4, 4))
    n, t = _pair(a, requires_grad=True)
    F.max_pool2d(n, 3, stride=1).sum().backward()
    TF.max_pool2d(t, 3, stride=1).sum().backward()
    np.testing.assert_array_equal(n.grad.numpy(), t.grad.numpy())


# -- larger shapes against torch in float32
# -----------------------------------------------------------


def _compare(fn: Any, shapes: list[tuple[int, ...]], seed: int = 0, rtol: float = 1e-4) -> None:
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    ns = [ndgrad.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    nout, tout = fn(ndgrad, ns), fn(torch, ts)
    _same(nout, tout, rtol=rtol, atol=rtol)
    up = rng.standard_normal(tuple(tout.shape)).astype(np.float32)
    nout.backward(ndgrad.tensor(up))
    tout.backward(torch.tensor(up))
    for a, b in zip(ns, ts, strict=True):
        scale = float(np.abs(b.grad.numpy()).max()) + 1.0
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol, atol=rtol * scale)


def _f(lib: Any) -> Any:
    return lib.nn.functional


def test_conv2d_large_float32() -> None:
    _compare(
        lambda m, v: _f(m).conv2d(v[0], v[1], v[2], stride=2, padding=1),
        [(8, 16, 21, 20), (32, 16, 3, 3), (32,)],
    )


def test_conv2d_first_layer_one_channel() -> None:
    _compare(
        lambda m, v: _f(m).conv2d(v[0], v[1], v[2], padding=2),
        [(16, 1, 28, 28), (8, 1, 5, 5), (8,)],
    )


def test_conv2d_groups_dilation_float32() -> None:
    _compare(
        lambda m, v: _f(m).conv2d(v[0], v[1], padding="same", dilation=2, groups=4),
        [(4, 16, 15, 15), (24, 4, 3, 3)],
    )


def test_conv_transpose2d_large_float32() -> None:
    _compare(
        lambda m, v: _f(m).conv_transpose2d(
            v[0], v[1], v[2], stride=2, padding=1, output_padding=1
        ),
        [(4, 16, 9, 8), (16, 8, 3, 3), (8,)],
    )


def test_conv1d_conv3d_float32() -> None:
    _compare(lambda m, v: _f(m).conv1d(v[0], v[1], stride=2, padding=2), [(8, 6, 40), (10, 6, 5)])
    _compare(
        lambda m, v: _f(m).conv3d(v[0], v[1], v[2], padding=1),
        [(2, 3, 6, 7, 5), (4, 3, 3, 3, 3), (4,)],
    )


def test_pooling_and_resampling_float32() -> None:
    _compare(lambda m, v: _f(m).max_pool2d(v[0], 3, stride=2, padding=1), [(8, 16, 20, 20)])
    _compare(
        lambda m, v: _f(m).avg_pool2d(v[0], 3, stride=2, padding=1, ceil_mode=True),
        [(8, 16, 20, 20)],
    )
    _compare(lambda m, v: _f(m).adaptive_avg_pool2d(v[0], (7, 5)), [(4, 8, 19, 23)])
    _compare(
        lambda m, v: _f(m).interpolate(v[0], scale_factor=2, mode="bilinear"), [(4, 8, 10, 12)]
    )
    _compare(lambda m, v: _f(m).unfold(v[0], 3, padding=1, stride=2), [(4, 8, 11, 10)])


def test_small_cnn_matches_torch() -> None:
    def net(m: Any, v: list[Any]) -> Any:
        f = _f(m)
        h = f.max_pool2d(m.relu(f.conv2d(v[0], v[1], v[2], padding=1)), 2)
        h = f.avg_pool2d(m.relu(f.conv2d(h, v[3], v[4], padding=1)), 2)
        return f.adaptive_avg_pool2d(h, 1).reshape(h.shape[0], -1)

    _compare(net, [(8, 1, 16, 16), (8, 1, 3, 3), (8,), (16, 8, 3, 3), (16,)])


def test_conv_double_backward_float64() -> None:
    rng = np.random.default_rng(5)
    xa, wa = rng.standard_normal((2, 4, 7, 7)), rng.standard_normal((6, 2, 3, 3))
    grads = []
    for lib in (ndgrad, torch):
        x = lib.tensor(xa, requires_grad=True)
        w = lib.tensor(wa, requires_grad=True)
        y = _f(lib).conv2d(x, w, stride=2, padding=1, groups=2)
        (gx,) = lib.autograd.grad((y * y).sum(), [x], create_graph=True)
        (gw,) = lib.autograd.grad((gx * gx).sum(), [w])
        grads.append(gw)
    _same(grads[0], grads[1], rtol=1e-8, atol=1e-8)


def test_no_grad_and_empty() -> None:
    x = ndgrad.randn(2, 3, 6, 6, requires_grad=True)
    w = ndgrad.randn(4, 3, 3, 3, requires_grad=True)
    with ndgrad.no_grad():
        assert not F.conv2d(x, w).requires_grad
        assert not F.max_pool2d(x, 2).requires_grad
    assert F.conv2d(x, w).requires_grad and F.max_pool2d(x, 2).requires_grad
    assert tuple(F.conv2d(ndgrad.zeros(0, 3, 6, 6), w).shape) == (0, 4, 4, 4)


# -- errors
# ------------------------------------------------------------------------------------------


def _raises(exc: type[BaseException], match: str, fn: Any) -> None:
    with pytest.raises(exc, match=match):
        fn()


def test_conv_errors() -> None:
    w = ndgrad.randn(6, 3, 3, 3)
    _raises(
        RuntimeError,
        r"Expected 3D \(unbatched\) or 4D \(batched\) input to conv2d, but got input of size: "
        r"\[5, 5\]",
        lambda: F.conv2d(ndgrad.randn(5, 5), w),
    )
    _raises(
        RuntimeError,
        r"Given groups=1, weight of size \[6, 3, 3, 3\], expected input\[2, 4, 5, 5\] to have 3 "
        r"channels, "
        r"but got 4 channels instead",
        lambda: F.conv2d(ndgrad.randn(2, 4, 5, 5), w),
    )
    _raises(
        RuntimeError, r"expected input\[1, 4, 5, 5\]", lambda: F.conv2d(ndgrad.randn(4, 5, 5), w)
    )
    _raises(
        RuntimeError,
        "Kernel size can't be greater than actual input size",
        lambda: F.conv2d(ndgrad.randn(1, 3, 2, 2), w),
    )
    _raises(
        RuntimeError,
        "padding='same' is not supported for strided convolutions",
        lambda: F.conv2d(ndgrad.randn(1, 3, 5, 5), w, padding="same", stride=2),
    )
    _raises(
        RuntimeError,
        "Invalid padding string: 'full'",
        lambda: F.conv2d(ndgrad.randn(1, 3, 5, 5), w, padding="full"),
    )
    _raises(
        RuntimeError,
        "expected bias to be 1-dimensional with 6 elements",
        lambda: F.conv2d(ndgrad.randn(1, 3, 5, 5), w, ndgrad.randn(5)),
    )
    _raises(
        RuntimeError,
        "expected weight to be divisible by 4",
        lambda: F.conv2d(ndgrad.randn(1, 12, 5, 5), w, groups=4),
    )
    _raises(
        RuntimeError, "non-positive stride", lambda: F.conv2d(ndgrad.randn(1, 3, 5, 5), w, stride=0)
    )
    _raises(
        RuntimeError, "negative padding", lambda: F.conv2d(ndgrad.randn(1, 3, 5, 5), w, padding=-1)
    )
    _raises(
        RuntimeError,
        "expected stride to be a single integer value or a list of 2 values",
        lambda: F.conv2d(ndgrad.randn(1, 3, 5, 5), w, stride=(1, 1, 1)),
    )
    _raises(
        RuntimeError,
        "expected scalar type",
        lambda: F.conv2d(ndgrad.randn(1, 3, 5, 5, dtype=ndgrad.float64), w),
    )
    _raises(
        RuntimeError,
        "input to conv1d",
        lambda: F.conv1d(ndgrad.randn(2, 3, 5, 5), ndgrad.randn(4, 3, 3)),
    )


def test_conv_transpose_errors() -> None:
    _raises(
        RuntimeError,
        r"Given transposed=1, weight of size \[4, 2, 3, 3\], expected input\[2, 3, 5, 5\] to have "
        r"4 channels",
        lambda: F.conv_transpose2d(ndgrad.randn(2, 3, 5, 5), ndgrad.randn(4, 2, 3, 3)),
    )
    _raises(
        RuntimeError,
        "output padding must be smaller than either stride or dilation",
        lambda: F.conv_transpose2d(
            ndgrad.randn(2, 3, 5, 5), ndgrad.randn(3, 2, 3, 3), stride=2, output_padding=2
        ),
    )
    _raises(
        TypeError,
        "must be tuple of ints, not str",
        lambda: F.conv_transpose2d(
            ndgrad.randn(2, 3, 5, 5), ndgrad.randn(3, 2, 3, 3), padding="same"
        ),
    )


def test_pool_errors() -> None:
    _raises(
        RuntimeError,
        "pad should be at most half of effective kernel size",
        lambda: F.max_pool2d(ndgrad.randn(2, 3, 5, 5), 3, padding=2),
    )
    _raises(
        RuntimeError,
        "pad should be at most half",
        lambda: F.avg_pool2d(ndgrad.randn(2, 3, 5, 5), 3, padding=2),
    )
    _raises(
        RuntimeError,
        r"Given input size: \(3x2x2\). Calculated output size: \(3x0x0\). Output size is too small",
        lambda: F.max_pool2d(ndgrad.randn(2, 3, 2, 2), 3),
    )
    _raises(
        RuntimeError,
        r"non-empty 3D or 4D \(batch mode\) tensor expected for input",
        lambda: F.max_pool2d(ndgrad.randn(3, 5, 5, 5, 5), 3),
    )
    _raises(
        RuntimeError,
        "output_size must be 2",
        lambda: F.adaptive_avg_pool2d(ndgrad.randn(2, 3, 5, 5), (3,)),
    )
    _raises(
        RuntimeError,
        "divisor must be not zero",
        lambda: F.avg_pool2d(ndgrad.randn(2, 3, 4, 4), 2, divisor_override=0),
    )


def test_pool3d_errors() -> None:
    x = ndgrad.randn(2, 3, 4, 5, 5)
    _raises(RuntimeError, "pad should be at most half", lambda: F.max_pool3d(x, 3, padding=2))
    _raises(
        RuntimeError, "pad should be at most half", lambda: F.avg_pool3d(x, 3, padding=(0, 2, 0))
    )
    _raises(
        RuntimeError,
        r"Given input size: \(3x4x5x5\). Calculated output size: \(3x0x0x0\). Output size is too "
        r"small",
        lambda: F.max_pool3d(x, 6),
    )
    _raises(
        RuntimeError,
        r"input image \(T: 2 H: 4 W: 4\) smaller than kernel size \(kT: 3 kH: 3 kW: 3\)",
        lambda: F.avg_pool3d(ndgrad.randn(1, 1, 2, 4, 4), 3, padding=1),
    )
    _raises(
        RuntimeError,
        r"non-empty 4D or 5D \(batch mode\) tensor expected for input",
        lambda: F.max_pool3d(ndgrad.randn(3, 5, 5), 2),
    )
    _raises(
        RuntimeError,
        r"non-empty 4D or 5D \(batch mode\) tensor expected for input",
        lambda: F.avg_pool3d(ndgrad.randn(2, 0, 4, 4, 4), 2),
    )
    _raises(RuntimeError, "stride should not be zero", lambda: F.max_pool3d(x, 2, stride=0))
    _raises(
        RuntimeError, "divisor must be not zero", lambda: F.avg_pool3d(x, 2, divisor_override=0)
    )
    _raises(
        RuntimeError,
        "adaptive_avg_pool3d: output_size must be 3",
        lambda: F.adaptive_avg_pool3d(x, (3, 2)),
    )
    _raises(RuntimeError, "output_size must be 3", lambda: F.adaptive_max_pool3d(x, (3, 2)))
    _raises(
        RuntimeError,
        r"adaptive_max_pool3d\(\): Expected 4D or 5D tensor, but got: \[3, 5, 5\]",
        lambda: F.adaptive_max_pool3d(ndgrad.randn(3, 5, 5), 2),
    )
    _raises(
        RuntimeError,
        r"adaptive_avg_pool3d\(\): Expected 4D or 5D tensor, but got \[3, 5, 5\]",
        lambda: F.adaptive_avg_pool3d(ndgrad.randn(3, 5, 5), 2),
    )


def test_interpolate_unfold_fold_errors() -> None:
    x = ndgrad.randn(2, 3, 5, 5)
    _raises(
        ValueError,
        "either size or scale_factor should be defined",
        lambda: F.interpolate(x, mode="bilinear"),
    )
    _raises(
        ValueError,
        "only one of size or scale_factor should be defined",
        lambda: F.interpolate(x, size=3, scale_factor=2),
    )
    _raises(
        NotImplementedError,
        "Got 3D input, but bilinear mode needs 4D input",
        lambda: F.interpolate(ndgrad.randn(2, 3, 5), size=3, mode="bilinear"),
    )
    _raises(
        ValueError,
        "align_corners option can only be set with the interpolating modes",
        lambda: F.interpolate(x, size=3, align_corners=True),
    )
    _raises(
        RuntimeError,
        "calculated number of sliding blocks 3 \\* 3 = 9, but got input.size\\(2\\)=10",
        lambda: F.fold(ndgrad.randn(2, 27, 10), (5, 5), 3),
    )
    _raises(RuntimeError, "Only 3D or 4D input", lambda: F.unfold(ndgrad.randn(2, 3, 4, 4, 4), 2))


def test_upsample_alias() -> None:
    a = np.random.default_rng(6).standard_normal((1, 2, 3, 4))
    n, t = _pair(a)
    _same(
        F.upsample(n, scale_factor=2, mode="bilinear", align_corners=True),
        TF.interpolate(t, scale_factor=2, mode="bilinear", align_corners=True),
    )


@pytest.mark.skipif(not ndgrad.cuda.is_available(), reason="needs CuPy and a GPU")
def test_cuda_matches_cpu() -> None:
    x = ndgrad.randn(2, 3, 9, 9, requires_grad=True)
    w = ndgrad.randn(4, 3, 3, 3, requires_grad=True)
    xc = x.detach().cuda().requires_grad_()
    wc = w.detach().cuda().requires_grad_()
    for fx, fw in ((x, w), (xc, wc)):
        y = F.max_pool2d(F.conv2d(fx, fw, padding=1, stride=2), 2, return_indices=False)
        F.avg_pool2d(y, 1).sum().backward()
    np.testing.assert_allclose(xc.grad.cpu().numpy(), x.grad.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(wc.grad.cpu().numpy(), w.grad.numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("threshold", [0, 10**9], ids=["per_sample", "all_samples"])
def test_both_matrix_layouts(threshold: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # conv picks a matrix layout by output size; check each on the same small problems
    from ndgrad.ops import conv as conv_module

    monkeypatch.setattr(conv_module, "PER_SAMPLE_MIN_POSITIONS", threshold)
    _compare(
        lambda m, v: _f(m).conv2d(
            v[0], v[1], v[2], stride=(2, 1), padding=1, dilation=(1, 2), groups=2
        ),
        [(3, 4, 9, 8), (6, 2, 3, 3), (6,)],
    )
    _compare(
        lambda m, v: _f(m).conv_transpose2d(
            v[0], v[1], stride=2, padding=1, output_padding=1, groups=2
        ),
        [(3, 4, 5, 4), (4, 3, 3, 2)],
    )
    _compare(lambda m, v: _f(m).conv1d(v[0], v[1], padding="same"), [(2, 3, 9), (4, 3, 4)])
    rng = np.random.default_rng(9)
    xa, wa = rng.standard_normal((2, 4, 6, 6)), rng.standard_normal((6, 2, 3, 3))
    grads = []
    for lib in (ndgrad, torch):
        x = lib.tensor(xa, requires_grad=True)
        w = lib.tensor(wa, requires_grad=True)
        y = _f(lib).conv2d(x, w, padding=1, groups=2)
        gx, gw = lib.autograd.grad((y * y).sum(), [x, w], create_graph=True)
        grads.append(lib.autograd.grad((gx * gx).sum() + (gw * gw).sum(), [x, w]))
    for a, b in zip(grads[0], grads[1], strict=True):
        _same(a, b, rtol=1e-8, atol=1e-8)
