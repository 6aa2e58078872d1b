"""Every layer against PyTorch: same weights (moved through state dicts), same outputs, same
input and parameter gradients, in float64, in train and eval modes, for the option combinations
that matter."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import ndgrad
import ndgrad.nn.functional as F
from ndgrad import nn

RNG = np.random.default_rng(1234)


def _flat(out: Any) -> list[Any]:
    if isinstance(out, tuple | list):
        return [x for o in out for x in _flat(o)]
    return [out] if out is not None else []


def _to_torch(v: Any, grad: bool) -> Any:
    if isinstance(v, np.ndarray):
        t = torch.from_numpy(v.copy())
        return t.requires_grad_(grad and t.is_floating_point())
    return v


def _to_nd(v: Any, grad: bool) -> Any:
    if isinstance(v, np.ndarray):
        t = ndgrad.tensor(v.copy())
        return t.requires_grad_(grad and t.is_floating_point())
    return v


def _tree(v: Any, fn: Any, grad: bool) -> Any:
    if isinstance(v, tuple):
        return tuple(_tree(x, fn, grad) for x in v)
    return fn(v, grad)


def need(*names: str) -> None:
    """Skip the test when a kernel it relies on is not written yet."""
    missing = [n for n in names if not hasattr(F, n)]
    if missing:
        pytest.skip(f"nn.functional lacks {missing}")


def transfer(nd_mod: nn.Module, t_mod: torch.nn.Module) -> None:
    """Same keys, same shapes; copy torch's weights into the ndgrad module through numpy."""
    tsd = t_mod.state_dict()
    sd = nd_mod.state_dict()
    assert list(sd) == list(tsd), (list(sd), list(tsd))
    for k in sd:
        assert tuple(sd[k].shape) == tuple(tsd[k].shape), k
    nd_mod.load_state_dict({k: v.detach().cpu().numpy() for k, v in tsd.items()})


def compare(
    nd_mod: nn.Module,
    t_mod: torch.nn.Module,
    *inputs: Any,
    train: bool = True,
    kwargs: dict[str, Any] | None = None,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    grad_inputs: bool | int = True,
    backward: bool = True,
) -> None:
    """Forward and backward of both modules on the same float64 inputs (numpy arrays or others)."""
    t_mod = t_mod.double()
    nd_mod = nd_mod.double()
    transfer(nd_mod, t_mod)
    t_mod.train(train)
    nd_mod.train(train)
    kwargs = kwargs or {}
    # grad_inputs: all inputs (True), none (False), or the first n (an int; targets come after)
    grads = [
        grad_inputs is True or (grad_inputs is not False and i < grad_inputs)
        for i in range(len(inputs))
    ]
    t_in = [_tree(x, _to_torch, g) for x, g in zip(inputs, grads, strict=True)]
    n_in = [_tree(x, _to_nd, g) for x, g in zip(inputs, grads, strict=True)]
    t_kw = {k: _tree(v, _to_torch, False) for k, v in kwargs.items()}
    n_kw = {k: _tree(v, _to_nd, False) for k, v in kwargs.items()}
    t_out = _flat(t_mod(*t_in, **t_kw))
    n_out = _flat(nd_mod(*n_in, **n_kw))
    assert len(t_out) == len(n_out)
    for a, b in zip(n_out, t_out, strict=True):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=rtol, atol=atol)
    for (k, b), (tk, tb) in zip(nd_mod.named_buffers(), t_mod.named_buffers(), strict=True):
        assert k == tk
        np.testing.assert_allclose(b.numpy(), tb.numpy(), rtol=rtol, atol=atol, err_msg=k)
    if not backward:
        return
    t_loss = 0
    n_loss = 0
    for a, b in zip(n_out, t_out, strict=True):
        if not b.requires_grad:
            continue
        w = RNG.standard_normal(tuple(b.shape))
        t_loss = t_loss + (b * torch.from_numpy(w)).sum()
        n_loss = n_loss + (a * ndgrad.tensor(w)).sum()
    if isinstance(t_loss, int):
        return
    t_loss.backward()
    n_loss.backward()
    for a, b in zip(_flat(n_in), _flat(t_in), strict=True):
        if isinstance(b, torch.Tensor) and b.requires_grad:
            assert a.grad is not None
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol, atol=atol)
    t_params = dict(t_mod.named_parameters())
    for name, p in nd_mod.named_parameters():
        tp = t_params[name]
        if tp.grad is None:
            assert p.grad is None or not np.any(p.grad.numpy()), name
            continue
        assert p.grad is not None, name
        np.testing.assert_allclose(
            p.grad.numpy(), tp.grad.numpy(), rtol=rtol, atol=atol, err_msg=name
        )


def randn(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


# -- linear ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("bias", [True, False])
def test_linear(bias):
    need("linear")
    compare(nn.Linear(4, 3, bias=bias), torch.nn.Linear(4, 3, bias=bias), randn(2, 5, 4))


def test_bilinear():
    need("bilinear")
    compare(nn.Bilinear(3, 4, 2), torch.nn.Bilinear(3, 4, 2), randn(5, 3), randn(5, 4))


def test_linear_default_init_range():
    lin = nn.Linear(50, 40)
    bound = 1 / np.sqrt(50)
    w = lin.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert np.abs(lin.bias.detach().numpy()).max() <= bound


# -- convolutions --------------------------------------------------------------------------------

CONV2D = [
    dict(),
    dict(stride=2, padding=1),
    dict(stride=(2, 1), padding=(1, 2), dilation=(2, 1)),
    dict(groups=2, bias=False),
    dict(padding="same", dilation=2),
    dict(padding="valid"),
    dict(padding=1, padding_mode="reflect"),
    dict(padding=(1, 2), padding_mode="replicate"),
    dict(padding=2, padding_mode="circular"),
]


@pytest.mark.parametrize("kw", CONV2D, ids=str)
def test_conv2d(kw):
    need("conv2d", "pad")
    compare(nn.Conv2d(4, 6, 3, **kw), torch.nn.Conv2d(4, 6, 3, **kw), randn(2, 4, 7, 6))


@pytest.mark.parametrize(
    "kw",
    [
        dict(),
        dict(stride=2, padding=2, dilation=2, groups=3),
        dict(padding="same"),
        dict(padding=1, padding_mode="reflect"),
    ],
    ids=str,
)
def test_conv1d(kw):
    need("conv1d", "pad")
    compare(nn.Conv1d(3, 6, 3, **kw), torch.nn.Conv1d(3, 6, 3, **kw), randn(2, 3, 9))


def test_conv3d():
    need("conv3d")
    compare(
        nn.Conv3d(2, 3, 2, stride=(1, 2, 1), padding=1),
        torch.nn.Conv3d(2, 3, 2, stride=(1, 2, 1), padding=1),
        randn(1, 2, 3, 4, 3),
    )


@pytest.mark.parametrize(
    "kw",
    [
        dict(),
        dict(stride=2, padding=1, output_padding=1),
        dict(stride=2, groups=2, dilation=2, bias=False),
    ],
    ids=str,
)
def test_conv_transpose2d(kw):
    need("conv_transpose2d")
    compare(
        nn.ConvTranspose2d(4, 6, 3, **kw),
        torch.nn.ConvTranspose2d(4, 6, 3, **kw),
        randn(2, 4, 4, 5),
    )


def test_conv_transpose_output_size():
    need("conv_transpose2d", "conv_transpose1d")
    compare(
        nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1),
        torch.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1),
        randn(1, 2, 4, 4),
        kwargs={"output_size": [8, 8]},
    )
    compare(
        nn.ConvTranspose1d(2, 4, 3, stride=2, padding=1, groups=2),
        torch.nn.ConvTranspose1d(2, 4, 3, stride=2, padding=1, groups=2),
        randn(2, 2, 5),
    )
    with pytest.raises(ValueError):
        nn.ConvTranspose2d(2, 3, 3, stride=2)(ndgrad.randn(1, 2, 4, 4), output_size=[20, 20])


def test_conv_init_and_errors():
    conv = nn.Conv2d(4, 8, 3, groups=2)
    bound = 1 / np.sqrt(2 * 9)
    assert np.abs(conv.weight.detach().numpy()).max() <= bound
    assert np.abs(conv.bias.detach().numpy()).max() <= bound
    with pytest.raises(ValueError):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError):
        nn.Conv2d(4, 4, 3, padding="same", stride=2)
    assert repr(
        nn.Conv2d(
            2,
            4,
            (3, 2),
            stride=2,
            padding=1,
            dilation=2,
            groups=2,
            bias=False,
            padding_mode="reflect",
        )
    ) == repr(
        torch.nn.Conv2d(
            2,
            4,
            (3, 2),
            stride=2,
            padding=1,
            dilation=2,
            groups=2,
            bias=False,
            padding_mode="reflect",
        )
    )
    assert repr(nn.ConvTranspose2d(2, 4, 3, output_padding=1, stride=2)) == repr(
        torch.nn.ConvTranspose2d(2, 4, 3, output_padding=1, stride=2)
    )


# -- pooling and upsampling ----------------------------------------------------------------------

POOLS = [
    ("MaxPool2d", (2,), {}),
    ("MaxPool2d", (3,), dict(stride=2, padding=1, ceil_mode=True)),
    ("MaxPool2d", (2,), dict(dilation=2)),
    ("MaxPool1d", (3,), dict(stride=2, padding=1)),
    ("AvgPool2d", (2,), {}),
    ("AvgPool2d", (3,), dict(stride=2, padding=1, count_include_pad=False)),
    ("AvgPool1d", (3,), dict(stride=2, padding=1)),
    ("AdaptiveAvgPool2d", ((2, 3),), {}),
    ("AdaptiveMaxPool2d", (2,), {}),
    ("MaxPool3d", (2,), {}),
    ("MaxPool3d", ((3, 2, 3),), dict(stride=2, padding=1, dilation=(1, 2, 1), ceil_mode=True)),
    ("MaxPool3d", (2,), dict(stride=1, return_indices=True)),
    ("AvgPool3d", (2,), {}),
    ("AvgPool3d", (3,), dict(stride=2, padding=1, ceil_mode=True, count_include_pad=False)),
    ("AvgPool3d", ((2, 1, 2),), dict(stride=1, divisor_override=3)),
    ("AdaptiveAvgPool3d", ((2, None, 3),), {}),
    ("AdaptiveAvgPool3d", (1,), {}),
    ("AdaptiveMaxPool3d", ((3, 2, 2),), {}),
    ("AdaptiveMaxPool3d", (2,), dict(return_indices=True)),
    ("Upsample", (), dict(scale_factor=2)),
    ("Upsample", (), dict(size=(5, 7), mode="bilinear")),
    ("Upsample", (), dict(scale_factor=2, mode="bilinear", align_corners=True)),
]
KERNELS = {
    "MaxPool2d": "max_pool2d",
    "MaxPool1d": "max_pool1d",
    "AvgPool2d": "avg_pool2d",
    "AvgPool1d": "avg_pool1d",
    "AdaptiveAvgPool2d": "adaptive_avg_pool2d",
    "AdaptiveMaxPool2d": "adaptive_max_pool2d",
    "MaxPool3d": "max_pool3d",
    "AvgPool3d": "avg_pool3d",
    "AdaptiveAvgPool3d": "adaptive_avg_pool3d",
    "AdaptiveMaxPool3d": "adaptive_max_pool3d",
    "Upsample": "interpolate",
}


@pytest.mark.parametrize("name,args,kw", POOLS, ids=lambda v: str(v))
def test_pooling(name, args, kw):
    need(KERNELS[name])
    x = {"1d": randn(2, 3, 6), "3d": randn(2, 2, 5, 6, 4)}.get(name[-2:], randn(2, 3, 6, 5))
    mod, tmod = getattr(nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)
    assert repr(mod) == repr(tmod)
    compare(mod, tmod, x)


def test_maxpool_return_indices():
    need("max_pool2d")
    x = randn(1, 2, 4, 4)
    out, idx = nn.MaxPool2d(2, return_indices=True)(ndgrad.tensor(x))
    tout, tidx = torch.nn.MaxPool2d(2, return_indices=True)(torch.from_numpy(x))
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())


def test_pooling_3d_unbatched_and_indices():
    need("max_pool3d", "adaptive_max_pool3d")
    x = np.random.default_rng(5).integers(0, 3, (2, 4, 5, 4)).astype(np.float64)  # ties, unbatched
    for mod, tmod in [
        (
            nn.MaxPool3d(2, stride=1, return_indices=True),
            torch.nn.MaxPool3d(2, stride=1, return_indices=True),
        ),
        (nn.AdaptiveMaxPool3d((3, 2, 3), True), torch.nn.AdaptiveMaxPool3d((3, 2, 3), True)),
    ]:
        (out, idx), (tout, tidx) = mod(ndgrad.tensor(x)), tmod(torch.from_numpy(x))
        np.testing.assert_array_equal(out.numpy(), tout.numpy())
        np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
    compare(nn.AvgPool3d((1, 2, 2)), torch.nn.AvgPool3d((1, 2, 2)), randn(2, 4, 5, 4))
    compare(nn.AdaptiveAvgPool3d(2), torch.nn.AdaptiveAvgPool3d(2), randn(2, 4, 5, 4))


# -- normalisation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kw",
    [
        dict(),
        dict(momentum=None),
        dict(affine=False),
        dict(track_running_stats=False),
        dict(momentum=0.3, eps=1e-3, bias=False),
    ],
    ids=str,
)
@pytest.mark.parametrize("train", [True, False])
def test_batchnorm(kw, train):
    need("batch_norm")
    for shape, cls in [
        ((5, 3), "BatchNorm1d"),
        ((4, 3, 6), "BatchNorm1d"),
        ((2, 3, 4, 5), "BatchNorm2d"),
    ]:
        mod, tmod = getattr(nn, cls)(3, **kw), getattr(torch.nn, cls)(3, **kw)
        tmod = tmod.double()
        if tmod.running_mean is not None:  # non-trivial running stats, so eval mode uses them
            with torch.no_grad():
                tmod.running_mean.normal_()
                tmod.running_var.uniform_(0.5, 2.0)
        if tmod.affine:
            with torch.no_grad():
                tmod.weight.normal_()
                if tmod.bias is not None:
                    tmod.bias.normal_()
        compare(mod, tmod, randn(*shape), train=train)
        if train and tmod.track_running_stats:  # a second step updates the statistics again
            compare(mod, tmod, randn(*shape), train=train)
        assert repr(mod) == repr(tmod)


def test_batchnorm_num_batches_tracked_and_old_checkpoints():
    need("batch_norm")
    bn = nn.BatchNorm1d(3)
    for _ in range(3):
        bn(ndgrad.randn(4, 3))
    assert bn.num_batches_tracked.item() == 3 and bn.num_batches_tracked.dtype == ndgrad.int64
    sd = dict(bn.state_dict())
    del sd["num_batches_tracked"]
    fresh = nn.BatchNorm1d(3)
    assert fresh.load_state_dict(sd).missing_keys == []
    with pytest.raises(ValueError):
        bn(ndgrad.randn(2, 3, 4, 5))


@pytest.mark.parametrize(
    "kw", [dict(), dict(elementwise_affine=False), dict(bias=False, eps=1e-3)], ids=str
)
def test_layernorm(kw):
    need("layer_norm")
    tmod = torch.nn.LayerNorm([4, 5], **kw).double()
    if tmod.weight is not None:
        with torch.no_grad():
            tmod.weight.normal_()
    compare(nn.LayerNorm([4, 5], **kw), tmod, randn(3, 4, 5))
    assert repr(nn.LayerNorm(5, **kw)) == repr(torch.nn.LayerNorm(5, **kw))


@pytest.mark.parametrize("kw", [dict(), dict(affine=False)], ids=str)
def test_groupnorm(kw):
    need("group_norm")
    tmod = torch.nn.GroupNorm(2, 6, **kw).double()
    if tmod.weight is not None:
        with torch.no_grad():
            tmod.weight.normal_()
            tmod.bias.normal_()
    compare(nn.GroupNorm(2, 6, **kw), tmod, randn(3, 6, 4, 2))
    assert repr(nn.GroupNorm(2, 6, **kw)) == repr(torch.nn.GroupNorm(2, 6, **kw))


@pytest.mark.parametrize(
    "kw", [dict(), dict(affine=True), dict(affine=True, track_running_stats=True)], ids=str
)
@pytest.mark.parametrize("train", [True, False])
def test_instancenorm2d(kw, train):
    need("instance_norm")
    compare(
        nn.InstanceNorm2d(3, **kw), torch.nn.InstanceNorm2d(3, **kw), randn(2, 3, 4, 5), train=train
    )
    compare(
        nn.InstanceNorm2d(3, **kw), torch.nn.InstanceNorm2d(3, **kw), randn(3, 4, 5), train=train
    )
    assert repr(nn.InstanceNorm2d(3, **kw)) == repr(torch.nn.InstanceNorm2d(3, **kw))


@pytest.mark.parametrize("kw", [dict(), dict(eps=1e-3), dict(elementwise_affine=False)], ids=str)
def test_rmsnorm(kw):
    need("rms_norm")
    compare(nn.RMSNorm([3, 4], **kw), torch.nn.RMSNorm([3, 4], **kw), randn(2, 3, 4))
    assert repr(nn.RMSNorm(4, **kw)) == repr(torch.nn.RMSNorm(4, **kw))


# -- dropout and embedding -----------------------------------------------------------------------


@pytest.mark.parametrize("cls", ["Dropout", "Dropout1d", "Dropout2d"])
def test_dropout(cls):
    kernel = {"Dropout": "dropout", "Dropout1d": "dropout1d", "Dropout2d": "dropout2d"}[cls]
    need(kernel)
    mod = getattr(nn, cls)(0.4)
    assert repr(mod) == repr(getattr(torch.nn, cls)(0.4))
    x = ndgrad.ones(8, 16, 20)
    y = mod(x).numpy()
    assert np.all(np.isclose(y, 0) | np.isclose(y, 1 / 0.6))
    assert 0.3 < np.mean(y == 0) < 0.5
    if cls != "Dropout":  # whole channels
        assert np.all((y == 0).all(-1) | (y != 0).all(-1))
    mod.eval()
    assert np.array_equal(mod(x).numpy(), x.numpy())
    with pytest.raises(ValueError):
        nn.Dropout(1.5)


def test_embedding():
    need("embedding")
    idx = np.array([[0, 2, 4], [4, 3, 0]])
    compare(nn.Embedding(5, 3), torch.nn.Embedding(5, 3), idx, grad_inputs=False)
    emb = nn.Embedding(5, 3, padding_idx=0)
    assert np.all(emb.weight.detach().numpy()[0] == 0)
    assert nn.Embedding(5, 3, padding_idx=-1).padding_idx == 4
    compare(
        nn.Embedding(5, 3, padding_idx=4),
        torch.nn.Embedding(5, 3, padding_idx=4),
        idx,
        grad_inputs=False,
    )
    assert repr(emb) == repr(torch.nn.Embedding(5, 3, padding_idx=0))
    pre = nn.Embedding.from_pretrained(ndgrad.ones(4, 2))
    assert not pre.weight.requires_grad and tuple(pre.weight.shape) == (4, 2)
    assert nn.Embedding.from_pretrained(ndgrad.ones(4, 2), freeze=False).weight.requires_grad


# -- activations ---------------------------------------------------------------------------------

ACTIVATIONS = [
    ("ReLU", (), "relu"),
    ("ReLU6", (), "relu6"),
    ("LeakyReLU", (0.2,), "leaky_relu"),
    ("ELU", (0.7,), "elu"),
    ("SELU", (), "selu"),
    ("CELU", (1.3,), "celu"),
    ("GELU", (), "gelu"),
    ("GELU", ("tanh",), "gelu"),
    ("SiLU", (), "silu"),
    ("Mish", (), "mish"),
    ("Softplus", (2.0, 1.0), "softplus"),
    ("Softsign", (), "softsign"),
    ("Hardtanh", (-0.5, 0.8), "hardtanh"),
    ("Hardsigmoid", (), "hardsigmoid"),
    ("Hardswish", (), "hardswish"),
    ("LogSigmoid", (), "logsigmoid"),
    ("Tanh", (), "relu"),
    ("Sigmoid", (), "relu"),
    ("GLU", (1,), "glu"),
    ("PReLU", (), "prelu"),
    ("PReLU", (4,), "prelu"),
    ("Softmax", (1,), "softmax"),
    ("LogSoftmax", (-1,), "log_softmax"),
    ("Softmin", (0,), "softmin"),
    ("Softmax2d", (), "softmax"),
    ("Threshold", (0.1, -2.0), "threshold"),
    ("Tanhshrink", (), "tanhshrink"),
    ("Softshrink", (0.3,), "softshrink"),
    ("Hardshrink", (0.3,), "hardshrink"),
]


@pytest.mark.parametrize("name,args,kernel", ACTIVATIONS, ids=lambda v: str(v))
def test_activation(name, args, kernel):
    need(kernel)
    mod, tmod = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(mod) == repr(tmod)
    compare(mod, tmod, randn(3, 4, 2, 2) * 2)


def test_activation_inplace_repr():
    for name in [
        "ReLU",
        "ReLU6",
        "SiLU",
        "Hardswish",
        "Hardsigmoid",
        "Mish",
        "SELU",
        "ELU",
        "Hardtanh",
    ]:
        assert repr(getattr(nn, name)(inplace=True)) == repr(getattr(torch.nn, name)(inplace=True))
    assert repr(nn.LeakyReLU(0.1, True)) == repr(torch.nn.LeakyReLU(0.1, True))
    assert repr(nn.Threshold(0.1, 2.0, True)) == repr(torch.nn.Threshold(0.1, 2.0, True))


# -- losses --------------------------------------------------------------------------------------


def _cls_target(n: int, c: int) -> np.ndarray:
    return RNG.integers(0, c, size=n)


def _pm1(*shape: int) -> np.ndarray:
    return np.where(RNG.random(shape) < 0.5, -1.0, 1.0)


W3 = np.array([0.2, 1.0, 2.5])
LOSSES = [
    ("L1Loss", {}, lambda: (randn(3, 4), randn(3, 4)), "l1_loss"),
    ("MSELoss", dict(reduction="sum"), lambda: (randn(3, 4), randn(3, 4)), "mse_loss"),
    ("CrossEntropyLoss", {}, lambda: (randn(5, 3), _cls_target(5, 3)), "cross_entropy"),
    (
        "CrossEntropyLoss",
        dict(weight=W3, ignore_index=1, label_smoothing=0.1),
        lambda: (randn(5, 3, 2), _cls_target(10, 3).reshape(5, 2)),
        "cross_entropy",
    ),
    (
        "CrossEntropyLoss",
        dict(reduction="none"),
        lambda: (randn(4, 3), RNG.dirichlet(np.ones(3), 4)),
        "cross_entropy",
    ),
    ("NLLLoss", dict(weight=W3), lambda: (randn(5, 3), _cls_target(5, 3)), "nll_loss"),
    ("SmoothL1Loss", dict(beta=0.5), lambda: (randn(6), randn(6)), "smooth_l1_loss"),
    ("HuberLoss", dict(delta=0.7, reduction="none"), lambda: (randn(6), randn(6)), "huber_loss"),
    (
        "BCELoss",
        {},
        lambda: (RNG.uniform(0.05, 0.95, (4, 2)), RNG.random((4, 2))),
        "binary_cross_entropy",
    ),
    (
        "BCEWithLogitsLoss",
        dict(pos_weight=np.array([0.5, 2.0])),
        lambda: (randn(4, 2), RNG.random((4, 2))),
        "binary_cross_entropy_with_logits",
    ),
    (
        "KLDivLoss",
        dict(reduction="batchmean"),
        lambda: (np.log(RNG.dirichlet(np.ones(3), 4)), RNG.dirichlet(np.ones(3), 4)),
        "kl_div",
    ),
    (
        "MarginRankingLoss",
        dict(margin=0.2),
        lambda: (randn(5), randn(5), _pm1(5)),
        "margin_ranking_loss",
    ),
    ("HingeEmbeddingLoss", dict(margin=0.5), lambda: (randn(5), _pm1(5)), "hinge_embedding_loss"),
    (
        "MultiMarginLoss",
        dict(p=2, margin=0.5),
        lambda: (randn(4, 3), _cls_target(4, 3)),
        "multi_margin_loss",
    ),
    (
        "CosineEmbeddingLoss",
        dict(margin=0.1),
        lambda: (randn(4, 3), randn(4, 3), _pm1(4)),
        "cosine_embedding_loss",
    ),
    (
        "TripletMarginLoss",
        dict(margin=2.0, swap=True),
        lambda: (randn(4, 3), randn(4, 3), randn(4, 3)),
        "triplet_margin_loss",
    ),
    (
        "PoissonNLLLoss",
        dict(full=True),
        lambda: (randn(5), RNG.integers(0, 4, 5).astype(float)),
        "poisson_nll_loss",
    ),
    (
        "GaussianNLLLoss",
        {},
        lambda: (randn(4, 2), randn(4, 2), RNG.uniform(0.5, 2, (4, 2))),
        "gaussian_nll_loss",
    ),
    ("SoftMarginLoss", {}, lambda: (randn(5), _pm1(5)), "soft_margin_loss"),
    (
        "MultiLabelSoftMarginLoss",
        {},
        lambda: (randn(4, 3), (RNG.random((4, 3)) < 0.5).astype(float)),
        "multilabel_soft_margin_loss",
    ),
]

N_DIFF = {
    "MarginRankingLoss": 2,
    "CosineEmbeddingLoss": 2,
    "TripletMarginLoss": 3,
    "GaussianNLLLoss": 3,
}


@pytest.mark.parametrize(
    "name,kw,make,kernel", LOSSES, ids=lambda v: str(v) if isinstance(v, str) else ""
)
def test_loss(name, kw, make, kernel):
    need(kernel)
    tkw = {k: torch.from_numpy(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    nkw = {k: ndgrad.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    mod, tmod = getattr(nn, name)(**nkw), getattr(torch.nn, name)(**tkw)
    assert repr(mod) == repr(tmod)
    compare(mod, tmod, *make(), grad_inputs=N_DIFF.get(name, 1))


def test_loss_weight_is_buffer_and_legacy_flags():
    ce = nn.CrossEntropyLoss(weight=ndgrad.ones(3))
    assert list(ce.state_dict()) == list(
        torch.nn.CrossEntropyLoss(weight=torch.ones(3)).state_dict()
    )
    assert nn.MSELoss(size_average=False).reduction == "sum"
    assert nn.L1Loss(reduce=False).reduction == "none"


def test_ctc_loss():
    need("ctc_loss")
    T, N, C, S = 6, 2, 4, 3
    log_probs = np.log(RNG.dirichlet(np.ones(C), (T, N)))
    targets = RNG.integers(1, C, (N, S))
    compare(
        nn.CTCLoss(), torch.nn.CTCLoss(), log_probs, targets, np.array([6, 5]), np.array([3, 2])
    )


# -- attention and transformers ------------------------------------------------------------------


def _masks(L: int, S: int, N: int, bool_masks: bool) -> dict[str, Any]:
    causal = np.triu(np.ones((L, S), dtype=bool), 1)
    pad = np.zeros((N, S), dtype=bool)
    pad[0, -1] = True
    if bool_masks:
        return {"attn_mask": causal, "key_padding_mask": pad}
    return {"attn_mask": np.where(causal, -1e4, 0.0) + randn(L, S) * 0.1, "key_padding_mask": pad}


MHA = [
    (dict(), {}),
    (dict(batch_first=True), dict(average_attn_weights=False)),
    (dict(bias=False), dict(need_weights=False)),
    (dict(kdim=3, vdim=5), {}),
    (dict(add_bias_kv=True, add_zero_attn=True), {}),
]


@pytest.mark.parametrize("kw,fkw", MHA, ids=str)
@pytest.mark.parametrize("masked", [None, "bool", "float"])
def test_multihead_attention(kw, fkw, masked):
    need("softmax")
    L, S, N, E = 4, 5, 2, 6
    kdim, vdim = kw.get("kdim", E), kw.get("vdim", E)
    if kw.get("batch_first"):
        q, k, v = randn(N, L, E), randn(N, S, kdim), randn(N, S, vdim)
    else:
        q, k, v = randn(L, N, E), randn(S, N, kdim), randn(S, N, vdim)
    fkw = dict(fkw)
    if masked:
        fkw.update(_masks(L, S, N, masked == "bool"))
    mod, tmod = nn.MultiheadAttention(E, 2, **kw), torch.nn.MultiheadAttention(E, 2, **kw)
    compare(mod, tmod, q, k, v, kwargs=fkw)


def test_multihead_self_attention_unbatched_and_3d_mask():
    need("softmax")
    E, L, N, H = 4, 3, 2, 2
    x = randn(L, E)
    compare(nn.MultiheadAttention(E, H), torch.nn.MultiheadAttention(E, H), x, x, x)
    x = randn(N, L, E)
    mask = randn(N * H, L, L)
    compare(
        nn.MultiheadAttention(E, H, batch_first=True),
        torch.nn.MultiheadAttention(E, H, batch_first=True),
        x,
        x,
        x,
        kwargs={"attn_mask": mask},
    )
    mod = nn.MultiheadAttention(E, H, batch_first=True).double()
    xt = ndgrad.tensor(x)
    out, w = mod(xt, xt, xt, is_causal=True, attn_mask=None)
    assert np.allclose(np.triu(w.detach().numpy()[0], 1), 0)


@pytest.mark.parametrize(
    "kw",
    [
        dict(),
        dict(norm_first=True, activation="gelu", batch_first=True),
        dict(bias=False, layer_norm_eps=1e-3),
    ],
    ids=str,
)
@pytest.mark.parametrize("train", [True, False])
def test_transformer_encoder_layer(kw, train):
    need("softmax", "layer_norm")
    kw = dict(dropout=0.0, **kw)
    x = randn(2, 5, 8) if kw.get("batch_first") else randn(5, 2, 8)
    pad = np.zeros((2, 5), dtype=bool)
    pad[1, 3:] = True
    mod, tmod = (
        nn.TransformerEncoderLayer(8, 2, 16, **kw),
        torch.nn.TransformerEncoderLayer(8, 2, 16, **kw),
    )
    compare(mod, tmod, x, train=train, kwargs={"src_mask": np.triu(np.ones((5, 5), dtype=bool), 1)})
    compare(
        nn.TransformerEncoderLayer(8, 2, 16, **kw),
        torch.nn.TransformerEncoderLayer(8, 2, 16, **kw),
        x,
        train=True,
        kwargs={"src_key_padding_mask": pad},
    )


def test_transformer_encoder_stack():
    need("softmax", "layer_norm")
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0)
    tlayer = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0)
    mod = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(8))
    tmod = torch.nn.TransformerEncoder(
        tlayer, 2, norm=torch.nn.LayerNorm(8), enable_nested_tensor=False
    )
    assert repr(mod) == repr(tmod)
    assert mod.layers[0].linear1.weight is not mod.layers[1].linear1.weight
    compare(mod, tmod, randn(5, 2, 8), kwargs={"mask": np.triu(np.ones((5, 5), dtype=bool), 1)})


@pytest.mark.parametrize(
    "kw", [dict(), dict(norm_first=True, batch_first=True, activation="gelu")], ids=str
)
def test_transformer_decoder(kw):
    need("softmax", "layer_norm")
    kw = dict(dropout=0.0, **kw)
    bf = kw.get("batch_first")
    tgt, mem = (randn(2, 4, 8), randn(2, 6, 8)) if bf else (randn(4, 2, 8), randn(6, 2, 8))
    mpad = np.zeros((2, 6), dtype=bool)
    mpad[0, 4:] = True
    fkw = {"tgt_mask": np.triu(np.ones((4, 4), dtype=bool), 1), "memory_key_padding_mask": mpad}
    compare(
        nn.TransformerDecoderLayer(8, 2, 16, **kw),
        torch.nn.TransformerDecoderLayer(8, 2, 16, **kw),
        tgt,
        mem,
        kwargs=fkw,
    )
    mod = nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16, **kw), 2, norm=nn.LayerNorm(8))
    tmod = torch.nn.TransformerDecoder(
        torch.nn.TransformerDecoderLayer(8, 2, 16, **kw), 2, norm=torch.nn.LayerNorm(8)
    )
    compare(mod, tmod, tgt, mem, kwargs=fkw)


def test_transformer_dropout_active_in_training():
    need("softmax", "layer_norm", "dropout")
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.5)
    x = ndgrad.randn(5, 2, 8)
    assert not np.allclose(layer(x).detach().numpy(), layer(x).detach().numpy())
    layer.eval()
    np.testing.assert_array_equal(layer(x).detach().numpy(), layer(x).detach().numpy())


# -- the less common layers ----------------------------------------------------------------------

MORE = [
    ("ZeroPad2d", ((1, 0, 2, 1),), (2, 3, 4, 4)),
    ("ConstantPad1d", (2, 3.5), (2, 3, 4)),
    ("ReflectionPad2d", (1,), (2, 3, 4, 4)),
    ("ReplicationPad1d", ((1, 2),), (2, 3, 4)),
    ("AdaptiveAvgPool1d", (3,), (2, 3, 7)),
    ("AdaptiveMaxPool1d", (3,), (2, 3, 7)),
    ("UpsamplingNearest2d", (None, 2), (1, 2, 3, 3)),
    ("UpsamplingBilinear2d", ((4, 5),), (1, 2, 3, 3)),
    ("BatchNorm3d", (2,), (2, 2, 3, 2, 2)),
    ("InstanceNorm1d", (3,), (2, 3, 5)),
    ("ConvTranspose3d", (2, 2, 2), (1, 2, 2, 3, 2)),
    ("ConvTranspose1d", (2, 3, 3), (2, 2, 5)),
    ("Unflatten", (1, (2, 3)), (4, 6)),
    ("Flatten", (), (2, 3, 4)),
]


@pytest.mark.parametrize("name,args,shape", MORE, ids=lambda v: str(v))
@pytest.mark.parametrize("train", [True, False])
def test_more_layers(name, args, shape, train):
    mod, tmod = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(mod) == repr(tmod)
    compare(mod, tmod, randn(*shape), train=train)


def test_more_losses():
    x = randn(3, 4)
    target = np.array([[3, 0, -1, 1], [1, 2, 3, -1], [0, -1, 1, 2]])
    compare(nn.MultiLabelMarginLoss(), torch.nn.MultiLabelMarginLoss(), x, target, grad_inputs=1)
    compare(
        nn.TripletMarginWithDistanceLoss(margin=0.5),
        torch.nn.TripletMarginWithDistanceLoss(margin=0.5),
        randn(4, 3),
        randn(4, 3),
        randn(4, 3),
    )


@pytest.mark.parametrize("cls", ["Dropout3d", "AlphaDropout", "FeatureAlphaDropout"])
def test_more_dropout(cls):
    mod = getattr(nn, cls)(0.3)
    assert repr(mod) == repr(getattr(torch.nn, cls)(0.3))
    x = ndgrad.randn(4, 6, 2, 3, 3)
    assert not np.allclose(mod(x).numpy(), x.numpy())
    mod.eval()
    np.testing.assert_array_equal(mod(x).numpy(), x.numpy())


def test_train_eval_switches_batchnorm_in_a_model():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Dropout(0.5), nn.Linear(4, 1))
    tmodel = torch.nn.Sequential(
        torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Dropout(0.5), torch.nn.Linear(4, 1)
    )
    tmodel.double().train()
    transfer(model.double(), tmodel)
    x = randn(8, 3)
    with torch.no_grad():  # only the batch statistics step (dropout differs between the two)
        tmodel[1](tmodel[0](torch.from_numpy(x)))
    model[1](model[0](ndgrad.tensor(x)))
    model.eval()
    tmodel.eval()
    np.testing.assert_allclose(
        model(ndgrad.tensor(x)).detach().numpy(),
        tmodel(torch.from_numpy(x)).detach().numpy(),
        rtol=1e-10,
    )


MISC = [
    ("PixelShuffle", (2,), [(2, 8, 3, 2)]),
    ("PixelUnshuffle", (2,), [(2, 2, 4, 6)]),
    ("Fold", ((4, 5), 2), [(2, 12, 12)]),
    ("Unfold", (2,), [(2, 3, 4, 5)]),
    ("Unfold", (2, 1, 1, 2), [(2, 3, 4, 5)]),
    ("CosineSimilarity", (), [(3, 4), (3, 4)]),
    ("PairwiseDistance", (1.5,), [(3, 4), (3, 4)]),
    ("LocalResponseNorm", (3,), [(2, 5, 3, 3)]),
]


@pytest.mark.parametrize("name,args,shapes", MISC, ids=lambda v: str(v))
def test_misc_layers(name, args, shapes):
    mod, tmod = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(mod) == repr(tmod)
    compare(mod, tmod, *[randn(*s) for s in shapes])


def test_rrelu():
    compare(nn.RReLU(0.1, 0.3), torch.nn.RReLU(0.1, 0.3), randn(3, 4), train=False)
    assert repr(nn.RReLU()) == repr(torch.nn.RReLU())
    y = nn.RReLU(0.1, 0.3)(ndgrad.full((1000,), -1.0)).numpy()
    assert np.all((y <= -0.1 + 1e-6) & (y >= -0.3 - 1e-6)) and y.std() > 0.01


def test_full_transformer():
    need("softmax", "layer_norm")
    kw = dict(
        d_model=8,
        nhead=2,
        num_encoder_layers=2,
        num_decoder_layers=1,
        dim_feedforward=12,
        dropout=0.0,
    )
    mod, tmod = nn.Transformer(**kw), torch.nn.Transformer(**kw)
    mask = torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=torch.float64).numpy()
    np.testing.assert_array_equal(
        nn.Transformer.generate_square_subsequent_mask(4, dtype=ndgrad.float64).numpy(), mask
    )
    compare(mod, tmod, randn(5, 2, 8), randn(4, 2, 8), kwargs={"tgt_mask": mask})
    assert repr(mod) == repr(tmod)
