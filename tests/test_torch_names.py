"""PyTorch names around the ops (issue 8): ``range``, ``histogram``, ``bfloat16``, the deprecated
``clip_grad_norm``, ``multiprocessing`` and the ``nn.modules.<file>`` import paths, against
torch."""

from __future__ import annotations

import importlib
import warnings

import numpy as np
import pytest

import ndgrad
import ndgrad.multiprocessing as mp

torch = pytest.importorskip("torch")


def test_range_is_inclusive_float_and_deprecated():
    for args, kwargs in (
        ((1, 4), {}),
        ((0.0, 1.0, 0.25), {}),
        ((4, 1, -1), {}),
        ((1, 4), {"dtype": "int64"}),
    ):
        tkw = {"dtype": torch.int64} if kwargs else {}
        nkw = {"dtype": ndgrad.int64} if kwargs else {}
        with pytest.warns(UserWarning, match="torch.range is deprecated"):
            ours = ndgrad.range(*args, **nkw)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = torch.range(*args, **tkw)
        assert ours.dtype.name == str(theirs.dtype).split(".")[1]
        np.testing.assert_allclose(ours.numpy(), theirs.numpy())
    with pytest.raises(RuntimeError, match="step must be nonzero"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ndgrad.range(1, 2, 0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"bins": 4},
        {"bins": 3, "range": (0.0, 3.0)},
        {"bins": 5, "density": True},
        {"bins": "edges", "weight": True},
    ],
)
def test_histogram_matches_torch(kwargs):
    data = np.random.default_rng(0).standard_normal(50)
    tk, nk = dict(kwargs), dict(kwargs)
    if kwargs["bins"] == "edges":
        edges = np.array([-3.0, -0.5, 0.0, 2.0])
        tk["bins"], nk["bins"] = torch.tensor(edges), ndgrad.tensor(edges)
    if kwargs.get("weight"):
        w = np.abs(data)
        tk["weight"], nk["weight"] = torch.tensor(w), ndgrad.tensor(w)
    hist, edges_out = ndgrad.histogram(ndgrad.tensor(data), **nk)
    theirs = torch.histogram(torch.tensor(data), **tk)
    np.testing.assert_allclose(hist.numpy(), theirs.hist.numpy(), rtol=1e-12)
    np.testing.assert_allclose(edges_out.numpy(), theirs.bin_edges.numpy(), rtol=1e-12)
    with pytest.raises(RuntimeError, match="bins must be > 0"):
        ndgrad.histogram(ndgrad.tensor(data), bins=0)
    with pytest.raises(NotImplementedError):
        ndgrad.histogram(ndgrad.tensor([1, 2]), bins=2)


def test_bfloat16_is_stored_as_float32():
    x = ndgrad.tensor([1.5, 2.0], dtype=ndgrad.bfloat16)
    assert x.dtype == ndgrad.float32 and ndgrad.bfloat16.is_floating_point
    assert ndgrad.ones(2).to(ndgrad.bfloat16).dtype == ndgrad.float32


def test_clip_grad_norm_is_the_deprecated_alias():
    p = ndgrad.nn.Parameter(ndgrad.tensor([3.0, 4.0]))
    p.grad = ndgrad.tensor([3.0, 4.0])
    with pytest.warns(FutureWarning, match="clip_grad_norm_"):
        total = ndgrad.nn.utils.clip_grad_norm([p], 1.0)
    assert total.item() == pytest.approx(5.0)
    np.testing.assert_allclose(p.grad.numpy(), [0.6, 0.8], rtol=1e-5)


@pytest.mark.parametrize(
    "path",
    [
        "linear.Linear",
        "conv.Conv2d",
        "batchnorm.BatchNorm2d",
        "batchnorm._BatchNorm",
        "instancenorm.InstanceNorm2d",
        "loss.CrossEntropyLoss",
        "activation.ReLU",
        "activation.MultiheadAttention",
        "module.Module",
        "container.Sequential",
        "sparse.Embedding",
        "normalization.LayerNorm",
        "normalization.LocalResponseNorm",
        "dropout.Dropout",
        "pooling.MaxPool2d",
        "rnn.LSTM",
        "transformer.TransformerEncoderLayer",
        "flatten.Flatten",
        "pixelshuffle.PixelShuffle",
        "pixelshuffle.PixelUnshuffle",
        "padding.ReflectionPad2d",
        "upsampling.Upsample",
        "distance.CosineSimilarity",
        "fold.Unfold",
    ],
)
def test_nn_modules_paths_as_pytorch(path):
    file, name = path.split(".")
    theirs = getattr(importlib.import_module(f"torch.nn.modules.{file}"), name)
    ours = getattr(importlib.import_module(f"ndgrad.nn.modules.{file}"), name)
    assert ours.__name__ == theirs.__name__
    if not name.startswith("_"):
        assert ours is getattr(ndgrad.nn, name)
    assert getattr(getattr(ndgrad.nn.modules, file), name) is ours  # reachable without an import


def test_pixel_shuffle_matches_torch():
    x = np.random.default_rng(1).standard_normal((2, 8, 3, 3))
    ours, theirs = ndgrad.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    a = ndgrad.nn.modules.pixelshuffle.PixelShuffle(2)(ours)
    b = torch.nn.PixelShuffle(2)(theirs)
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy())
    np.testing.assert_allclose(
        ndgrad.nn.functional.pixel_unshuffle(a, 2).detach().numpy(),
        torch.nn.functional.pixel_unshuffle(b, 2).detach().numpy(),
    )
    w = np.random.default_rng(2).standard_normal(tuple(b.shape))
    (a * ndgrad.tensor(w)).sum().backward()
    (b * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy())


def test_multiprocessing_has_pytorch_names():
    import torch.multiprocessing as tmp

    for name in (
        "spawn",
        "start_processes",
        "set_start_method",
        "get_context",
        "Process",
        "Queue",
        "Pool",
        "cpu_count",
        "set_sharing_strategy",
        "get_sharing_strategy",
        "get_all_sharing_strategies",
        "ProcessRaisedException",
        "ProcessExitedException",
        "ProcessContext",
        "SimpleQueue",
    ):
        assert hasattr(tmp, name) and hasattr(mp, name), name
    assert mp.get_all_sharing_strategies() == tmp.get_all_sharing_strategies()
    before = mp.get_sharing_strategy()
    mp.set_sharing_strategy("file_system")
    assert mp.get_sharing_strategy() == "file_system"
    mp.set_sharing_strategy(before)
    assert mp.cpu_count() >= 1


def test_spawn_runs_each_rank_and_reraises_a_child_error():
    from tests import _mp_targets

    queue = mp.get_context("spawn").SimpleQueue()
    mp.spawn(_mp_targets.write_rank, args=(queue,), nprocs=2)
    got = sorted(queue.get() for _ in range(2))
    assert got == [(0, 0.0), (1, 3.0)]
    # the error path, with the quick fork start method
    with pytest.raises(mp.ProcessRaisedException, match="rank one fails"):
        mp.start_processes(_mp_targets.fail_on_rank_one, nprocs=2, start_method="fork")
    context = mp.start_processes(
        _mp_targets.fail_on_rank_one, nprocs=1, join=False, start_method="fork"
    )
    assert context is not None and len(context.pids()) == 1
    while not context.join(timeout=30):
        pass
    with pytest.raises(ValueError, match="only supports start_method='spawn'"):
        mp.spawn(_mp_targets.fail_on_rank_one, start_method="fork")
