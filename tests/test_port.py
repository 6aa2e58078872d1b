"""Promise 2: code written for PyTorch runs on ndgrad after changing the import lines.

Each program in ``tests/port_programs/`` is a small PyTorch script, written as a PyTorch user would.
It builds its data and initial weights from NumPy with a fixed seed (the two libraries' random
streams differ) and leaves its metrics in a ``RESULT`` dict. We run it twice, each time in a fresh
namespace: once as written with torch, once with only its import lines rewritten to ndgrad, and
compare the results: exactly (to float tolerance) where the program is deterministic, by trend where
it draws random numbers (dropout, the VAE's noise, shuffling).
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")
torch.set_num_threads(1)  # tiny programs: threads only cost time, on a busy machine a lot

PROGRAMS = Path(__file__).parent / "port_programs"

# program -> how its RESULT is compared: "exact" (every number to rtol) or "trend"
COMPARE = {
    "mlp_classifier": "exact",
    "cnn_bn_dropout": "trend",
    "lstm_sequence": "exact",
    "transformer_classifier": "exact",
    "vae": "trend",
    "custom_autograd": "exact",
    "scheduler_checkpoint": "exact",
    "residual_finetune": "exact",
    "gru_padded_batches": "exact",
    "tiny_gpt": "exact",
    "swa_ema": "exact",
    "gcn_sparse": "exact",
    "packed_sentence_classifier": "exact",
    # the styles of programs in the wild (api2)
    "tutorial_variable_2017": "exact",
    "accelerator_modern": "exact",
    "notebook_regression": "exact",
    "dcgan_small": "exact",
    "char_rnn": "exact",
    "makemore_mlp": "exact",
    "vae_mse_kl": "trend",
    "mnist_style_cnn": "trend",
    "lr_scheduler_regression": "exact",
}

_IMPORT_RULES = [
    (re.compile(r"^import torch$", re.M), "import ndgrad as torch"),
    (re.compile(r"^import torch\.", re.M), "import ndgrad."),
    (re.compile(r"^from torch(\.| )", re.M), r"from ndgrad\1"),
]


def to_ndgrad(source: str) -> str:
    """Rewrite only the import lines; the rest of the program is untouched."""
    for pattern, replacement in _IMPORT_RULES:
        source = pattern.sub(replacement, source)
    return source


def run_program(name: str, source: str) -> dict[str, Any]:
    path = PROGRAMS / f"{name}.py"
    namespace: dict[str, Any] = {"__name__": "__main__", "__file__": str(path)}
    exec(compile(source, str(path), "exec"), namespace)  # noqa: S102
    return namespace["RESULT"]


def assert_close(ours: Any, theirs: Any, rtol: float, where: str) -> None:
    if isinstance(theirs, dict):
        assert set(ours) == set(theirs), where
        for key in theirs:
            assert_close(ours[key], theirs[key], rtol, f"{where}.{key}")
    elif isinstance(theirs, (list, tuple)):
        assert len(ours) == len(theirs), where
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert_close(a, b, rtol, f"{where}[{i}]")
    elif isinstance(theirs, float):
        assert math.isclose(ours, theirs, rel_tol=rtol, abs_tol=rtol), (
            f"{where}: {ours} vs torch {theirs}"
        )
    else:
        assert ours == theirs, f"{where}: {ours!r} vs torch {theirs!r}"


def assert_trend(ours: dict[str, Any], theirs: dict[str, Any]) -> None:
    """Random draws differ between the libraries: both must learn, and end up alike."""
    for result in (ours, theirs):
        losses = result["losses"]
        assert all(math.isfinite(v) for v in losses)
        assert losses[-1] < 0.8 * losses[0]
    assert ours["losses"][0] == pytest.approx(theirs["losses"][0], rel=0.25)
    ratio = ours["losses"][-1] / ours["losses"][0]
    assert ratio <= 2.0 * theirs["losses"][-1] / theirs["losses"][0] + 0.05
    for key, value in theirs.items():  # the non-loss metrics must agree in kind
        if key in ("losses", "final_loss", "latent_std"):
            continue
        if isinstance(value, float):
            assert ours[key] == pytest.approx(value, abs=0.15), key
        else:
            assert ours[key] == value, key


def test_every_program_is_listed() -> None:
    assert {p.stem for p in PROGRAMS.glob("*.py")} == set(COMPARE)


def test_import_rewrite() -> None:
    src = (
        "import torch\nimport torch.nn as nn\nfrom torch.utils.data import DataLoader\n"
        "from torch import optim\n"
    )
    assert to_ndgrad(src) == (
        "import ndgrad as torch\nimport ndgrad.nn as nn\nfrom ndgrad.utils.data import DataLoader\n"
        "from ndgrad import optim\n"
    )


@pytest.mark.parametrize("name", sorted(COMPARE))
def test_port(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    source = (PROGRAMS / f"{name}.py").read_text()
    default = torch.get_default_dtype()
    try:
        theirs = run_program(name, source)
    finally:
        torch.set_default_dtype(default)
    import ndgrad

    nd_default = ndgrad.get_default_dtype()
    try:
        ours = run_program(name, to_ndgrad(source))
    finally:
        ndgrad.set_default_dtype(nd_default)
    if COMPARE[name] == "exact":
        float32 = (
            "float64" not in source and "torch.double" not in source and ".double()" not in source
        )
        assert_close(ours, theirs, 2e-4 if float32 else 1e-8, name)
    else:
        assert_trend(ours, theirs)


# -- API gaps found by the programs and fixed in ndgrad, checked against torch directly
# ---------------


def test_pad_sequence_matches_torch() -> None:
    import numpy as np

    import ndgrad
    from ndgrad.nn.utils.rnn import pad_sequence, unpad_sequence

    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((n, 2)) for n in (3, 1, 4)]
    for kwargs in ({}, {"batch_first": True}, {"padding_value": -1.0, "padding_side": "left"}):
        ours_in = [ndgrad.tensor(a, requires_grad=True) for a in arrays]
        theirs_in = [torch.tensor(a, requires_grad=True) for a in arrays]
        ours = pad_sequence(ours_in, **kwargs)
        theirs = torch.nn.utils.rnn.pad_sequence(theirs_in, **kwargs)
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy())
        weights = rng.standard_normal(tuple(theirs.shape))
        (ours * ndgrad.tensor(weights)).sum().backward()
        (theirs * torch.tensor(weights)).sum().backward()
        for a, b in zip(ours_in, theirs_in):
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy())
    lengths = [3, 1, 4]
    back = unpad_sequence(pad_sequence([ndgrad.tensor(a) for a in arrays]), ndgrad.tensor(lengths))
    for a, b in zip(back, arrays):
        np.testing.assert_allclose(a.numpy(), b)
    with pytest.raises(RuntimeError):
        pad_sequence([ndgrad.ones(2, 3), ndgrad.ones(2, 4)])
    with pytest.raises(ValueError):
        pad_sequence([ndgrad.ones(2)], padding_side="middle")


def test_optimizers_accept_foreach_and_fused() -> None:
    """Scripts pass ``fused=True`` (nanoGPT) or ``foreach=False``: accepted, one code path runs."""
    import ndgrad

    w = ndgrad.nn.Parameter(ndgrad.ones(2))
    for cls in (ndgrad.optim.SGD, ndgrad.optim.Adam, ndgrad.optim.AdamW):
        opt = cls([w], lr=0.1, foreach=False, fused=True)
        (w * w).sum().backward()
        opt.step()
        opt.zero_grad()
    assert w.detach().numpy().max() < 1.0


# -- PyTorch behaviours that porting showed up ---------------------------------------------------


def test_data_is_a_detached_tensor_sharing_memory() -> None:
    """As PyTorch: ``t.data`` is a Tensor cut from the graph that shares memory with ``t``; writes
    through it change ``t`` and do not bump ``t``'s version; ``t.data = other`` swaps the array.
    The raw array is ``t.array``."""
    import numpy as np

    import ndgrad

    p = ndgrad.nn.Parameter(ndgrad.ones(3))
    assert isinstance(p.array, np.ndarray)
    d = p.data
    assert type(d) is ndgrad.Tensor and not d.requires_grad and d.grad_fn is None
    assert d.array is p.array
    version = p._version
    p.data.mul_(2)
    p.data.add_(1.0)
    assert p.tolist() == [3.0, 3.0, 3.0] and p._version == version
    assert p.requires_grad and p.grad_fn is None
    (p * p).sum().backward()
    assert p.grad is not None
    p.grad.data.zero_()
    assert p.grad.tolist() == [0.0, 0.0, 0.0]
    p.data.copy_(ndgrad.tensor([1.0, 5.0, 2.0]))
    assert p.data.topk(1)[1].tolist() == [1] and p.data.numpy().tolist() == [1.0, 5.0, 2.0]
    ndgrad.manual_seed(0)
    p.data.normal_()
    assert p.tolist() != [1.0, 5.0, 2.0]
    # assignment swaps the array: shape and dtype may change, as in PyTorch
    p.data = ndgrad.zeros(2, 2, dtype=ndgrad.float64)
    assert p.shape == (2, 2) and p.dtype == ndgrad.float64 and p.requires_grad

    # writes through .data escape the in-place check; writes through detach() do not
    for via_data in (True, False):
        a = ndgrad.ones(3, requires_grad=True)
        b = a * 2
        c = b * b  # saves b
        (b.data if via_data else b.detach()).mul_(2)
        if via_data:
            c.sum().backward()
            assert a.grad is not None and a.grad.tolist() == [16.0, 16.0, 16.0]  # uses the new b
        else:
            with pytest.raises(RuntimeError, match="modified by an inplace operation"):
                c.sum().backward()

    outputs = ndgrad.tensor([[0.1, 0.9], [0.8, 0.2]], requires_grad=True) * 1
    _, predicted = ndgrad.max(outputs.data, 1)
    assert predicted.tolist() == [1, 0]


def test_leaf_hook_runs_once_per_backward_on_the_summed_gradient() -> None:
    import ndgrad

    w = ndgrad.ones(3, requires_grad=True)
    calls: list[Any] = []
    w.register_hook(lambda g: calls.append(g.tolist()))
    ((w * 2).sum() + (w * 3).sum()).backward()
    assert calls == [[5.0, 5.0, 5.0]]
    # autograd.grad runs no hook of a leaf it was not asked about
    x = ndgrad.ones(3, requires_grad=True)
    ndgrad.autograd.grad((w * x).sum(), x)
    assert len(calls) == 1


def test_checkpoint_matches_plain_backward_and_torch() -> None:
    import numpy as np

    import ndgrad
    from ndgrad.utils.checkpoint import checkpoint, checkpoint_sequential

    rng = np.random.default_rng(1)
    state = {f"{i}.weight": rng.standard_normal((4, 4)) for i in (0, 2, 4)}
    state.update({f"{i}.bias": rng.standard_normal(4) for i in (0, 2, 4)})
    x = rng.standard_normal((3, 4))

    def build(lib: Any) -> Any:
        net = lib.nn.Sequential(
            lib.nn.Linear(4, 4),
            lib.nn.Tanh(),
            lib.nn.Linear(4, 4),
            lib.nn.Tanh(),
            lib.nn.Linear(4, 4),
        )
        net.double().load_state_dict({k: lib.tensor(v) for k, v in state.items()})
        return net

    theirs = build(torch)
    torch.utils.checkpoint.checkpoint_sequential(
        theirs, 2, torch.tensor(x), use_reentrant=False
    ).sum().backward()
    ours = build(ndgrad)
    checkpoint_sequential(ours, 2, ndgrad.tensor(x)).sum().backward()
    for a, b in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10)

    # a block with dropout: the recomputation replays the same mask; kwargs reach the function
    drop = ndgrad.nn.Dropout(0.5)
    xi = ndgrad.tensor(x, requires_grad=True)
    out = checkpoint(lambda t, scale: drop(t) * scale, xi, scale=3.0, use_reentrant=False)
    out.sum().backward()
    np.testing.assert_allclose(xi.grad.numpy(), (out.detach().numpy() != 0) * 6.0)


def test_swa_utils_match_torch() -> None:
    import numpy as np

    import ndgrad
    from ndgrad.optim import swa_utils

    # SWALR, cosine and immediate (anneal_epochs=0), two groups with their own swa_lr
    for anneal_epochs in (0, 4):
        lrs = {}
        for lib, mod in ((torch, torch.optim.swa_utils), (ndgrad, swa_utils)):
            groups = [
                {"params": [lib.nn.Parameter(lib.ones(1))]},
                {"params": [lib.nn.Parameter(lib.ones(1))]},
            ]
            opt = lib.optim.SGD(groups, lr=0.5)
            sched = mod.SWALR(opt, swa_lr=[0.05, 0.1], anneal_epochs=anneal_epochs)
            seq = []
            for _ in range(6):
                opt.step()
                sched.step()
                seq.append([g["lr"] for g in opt.param_groups])
            lrs[lib.__name__] = seq
        np.testing.assert_allclose(lrs["ndgrad"], lrs["torch"], rtol=1e-12)

    # AveragedModel with a per-tensor avg_fn, averaging the buffers too
    rng = np.random.default_rng(2)
    snapshots = [
        {
            k: rng.standard_normal(s)
            for k, s in (("0.weight", (3, 2)), ("0.bias", (3,)), ("1.weight", (3,)))
        }
        for _ in range(3)
    ]
    inputs = [rng.standard_normal((4, 2)) for _ in snapshots]
    results = {}
    for lib, mod in ((torch, torch.optim.swa_utils), (ndgrad, swa_utils)):
        net = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.BatchNorm1d(3)).double()
        avg = mod.AveragedModel(net, avg_fn=mod.get_ema_avg_fn(0.7), use_buffers=True)
        for snap, x in zip(snapshots, inputs):
            net.load_state_dict({k: lib.tensor(v) for k, v in snap.items()}, strict=False)
            net(lib.tensor(x))  # training mode: moves the running statistics
            avg.update_parameters(net)
        results[lib.__name__] = {k: v.detach().numpy().copy() for k, v in avg.state_dict().items()}
    assert results["ndgrad"].keys() == results["torch"].keys()
    for k in results["torch"]:
        np.testing.assert_allclose(results["ndgrad"][k], results["torch"][k], rtol=1e-12, err_msg=k)


def test_module_share_memory_is_a_chainable_no_op() -> None:
    import ndgrad

    m = ndgrad.nn.Linear(2, 2)
    assert m.share_memory() is m


@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm_matches_torch(dim: int | None) -> None:
    import numpy as np

    import ndgrad

    rng = np.random.default_rng(3)
    state = {"weight": rng.standard_normal((4, 3, 2)), "bias": rng.standard_normal(4)}
    x = rng.standard_normal((2, 3, 5))
    results = {}
    for lib in (torch, ndgrad):
        m = lib.nn.Conv1d(3, 4, 2).double()
        m.load_state_dict({k: lib.tensor(v) for k, v in state.items()})
        m = lib.nn.utils.weight_norm(m, dim=dim)
        keys = sorted(m.state_dict())
        opt = lib.optim.SGD(m.parameters(), lr=0.1)
        for _ in range(2):
            opt.zero_grad()
            m(lib.tensor(x)).pow(2).sum().backward()
            opt.step()
        grad_g = m.weight_g.grad.numpy().copy()
        lib.nn.utils.remove_weight_norm(m)
        results[lib.__name__] = (
            keys,
            grad_g,
            sorted(m.state_dict()),
            m(lib.tensor(x)).detach().numpy(),
        )
    ours, theirs = results["ndgrad"], results["torch"]
    assert ours[0] == theirs[0] == ["bias", "weight_g", "weight_v"]
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-10)
    assert ours[2] == theirs[2] == ["bias", "weight"]
    np.testing.assert_allclose(ours[3], theirs[3], rtol=1e-10)


def test_weight_norm_errors() -> None:
    import ndgrad

    m = ndgrad.nn.utils.weight_norm(ndgrad.nn.Linear(2, 3))
    with pytest.raises(RuntimeError):
        ndgrad.nn.utils.weight_norm(m)
    ndgrad.nn.utils.remove_weight_norm(m)
    with pytest.raises(ValueError):
        ndgrad.nn.utils.remove_weight_norm(m)
