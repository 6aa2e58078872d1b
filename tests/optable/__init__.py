"""The op table: one row per op and input configuration, checked against PyTorch.

Each family has a module here with a list ``CASES`` of ``OpCase`` rows; ``tests/test_ops.py``
collects every module's rows and runs ``check_case`` on each:

1. values, output dtype and shape against PyTorch (float64 and float32 inputs);
2. input gradients against PyTorch's autograd, for a random upstream gradient;
3. the gradient against central finite differences in float64 (independent of PyTorch);
4. for smooth ops, second-order gradients (grad of ``<grad, v>``) against PyTorch.

``fn(lib, *inputs)`` must work with ``lib`` being ``ndgrad`` or ``torch``; ``F(lib)`` gives
``lib.nn.functional``. Extra non-differentiable inputs (indices, masks) go in ``consts``: a
function of a NumPy ``Generator`` returning NumPy arrays, passed after the float inputs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

import ndgrad


def F(lib: Any) -> Any:
    """``lib.nn.functional`` for ndgrad or torch."""
    return lib.nn.functional


@dataclass
class OpCase:
    name: str
    fn: Callable[..., Any]
    shapes: list[tuple[int, ...]]
    low: float = -2.0
    high: float = 2.0
    grad: bool = True  # check first-order gradients
    gradgrad: bool = True  # check second-order gradients (smooth ops)
    fd: bool = True  # check gradients by finite differences
    consts: Callable[[np.random.Generator], list[np.ndarray]] | None = None
    rtol: float = 1e-6
    atol: float = 1e-7
    f32: bool = True  # also compare values and dtype in float32
    make: Callable[[np.random.Generator, tuple[int, ...]], np.ndarray] | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.name


def _inputs(case: OpCase, seed: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    arrays = []
    for shape in case.shapes:
        if case.make is not None:
            arrays.append(np.asarray(case.make(rng, shape), dtype=np.float64))
        else:
            arrays.append(rng.uniform(case.low, case.high, size=shape))
    consts = case.consts(rng) if case.consts is not None else []
    return arrays, consts


def _wrap(
    lib: Any, arrays: list[np.ndarray], consts: list[np.ndarray], dtype: Any, grad: bool
) -> tuple[list[Any], list[Any]]:
    if lib is torch:
        xs = [torch.tensor(a, dtype=dtype, requires_grad=grad) for a in arrays]
        cs = [torch.tensor(c) if isinstance(c, np.ndarray) else c for c in consts]
    else:
        xs = [ndgrad.tensor(a, dtype=dtype, requires_grad=grad) for a in arrays]
        cs = [ndgrad.tensor(c) if isinstance(c, np.ndarray) else c for c in consts]
    return xs, cs


def _first(out: Any) -> Any:
    return out[0] if isinstance(out, tuple | list) else out


def _np(t: Any) -> np.ndarray:
    if isinstance(t, torch.Tensor):
        return t.detach().numpy()
    return np.asarray(t.detach().array)


def _dtype_name(t: Any) -> str:
    return str(t.dtype).split(".")[-1]


def check_values(case: OpCase, seed: int = 0) -> None:
    arrays, consts = _inputs(case, seed)
    dtypes = [(torch.float64, ndgrad.float64)] + (
        [(torch.float32, ndgrad.float32)] if case.f32 else []
    )
    for tdt, ndt in dtypes:
        tx, tc = _wrap(torch, arrays, consts, tdt, False)
        nx, nc = _wrap(ndgrad, arrays, consts, ndt, False)
        tout = case.fn(torch, *tx, *tc)
        nout = case.fn(ndgrad, *nx, *nc)
        touts = list(tout) if isinstance(tout, tuple | list) else [tout]
        nouts = list(nout) if isinstance(nout, tuple | list) else [nout]
        assert len(touts) == len(nouts), (
            f"{case.name}: {len(nouts)} outputs, torch gives {len(touts)}"
        )
        for t, n in zip(touts, nouts):
            assert isinstance(n, ndgrad.Tensor), f"{case.name}: output is {type(n)}"
            assert tuple(n.shape) == tuple(t.shape), (
                f"{case.name}: shape {tuple(n.shape)} vs torch {tuple(t.shape)}"
            )
            assert _dtype_name(n) == _dtype_name(t), (
                f"{case.name}: dtype {n.dtype} vs torch {t.dtype}"
            )
            tol = 1e-4 if tdt == torch.float32 else 1e-9
            np.testing.assert_allclose(
                _np(n),
                _np(t),
                rtol=max(case.rtol, tol),
                atol=max(case.atol, tol),
                err_msg=case.name,
            )


def _grads(
    lib: Any,
    case: OpCase,
    arrays: list[np.ndarray],
    consts: list[np.ndarray],
    up_seed: int,
    order2: bool,
) -> tuple[list[np.ndarray], list[np.ndarray] | None]:
    xs, cs = _wrap(lib, arrays, consts, torch.float64 if lib is torch else ndgrad.float64, True)
    out = _first(case.fn(lib, *xs, *cs))
    rng = np.random.default_rng(up_seed)
    up = rng.standard_normal(tuple(out.shape))
    up_t = torch.tensor(up) if lib is torch else ndgrad.tensor(up, dtype=ndgrad.float64)
    gs = lib.autograd.grad(out, xs, up_t, create_graph=order2, allow_unused=True)
    first = [np.zeros(a.shape) if g is None else _np(g) for g, a in zip(gs, arrays)]
    if not order2:
        return first, None
    vs = [rng.standard_normal(a.shape) for a in arrays]
    total = None
    for g, v in zip(gs, vs):
        if g is None or not g.requires_grad:
            continue
        vt = torch.tensor(v) if lib is torch else ndgrad.tensor(v, dtype=ndgrad.float64)
        term = (g * vt).sum()
        total = term if total is None else total + term
    if total is None:
        return first, [np.zeros(a.shape) for a in arrays]
    gg = lib.autograd.grad(total, xs, allow_unused=True)
    return first, [np.zeros(a.shape) if g is None else _np(g) for g, a in zip(gg, arrays)]


def check_grads(case: OpCase, seed: int = 0) -> None:
    arrays, consts = _inputs(case, seed)
    tg, tgg = _grads(torch, case, arrays, consts, seed + 1, case.gradgrad)
    ng, ngg = _grads(ndgrad, case, arrays, consts, seed + 1, case.gradgrad)
    for i, (t, n) in enumerate(zip(tg, ng)):
        np.testing.assert_allclose(
            n,
            t,
            rtol=max(case.rtol, 1e-7),
            atol=max(case.atol, 1e-9),
            err_msg=f"{case.name}: grad of input {i}",
        )
    if case.gradgrad:
        assert tgg is not None and ngg is not None
        for i, (t, n) in enumerate(zip(tgg, ngg)):
            np.testing.assert_allclose(
                n,
                t,
                rtol=max(case.rtol, 1e-6),
                atol=max(case.atol, 1e-8),
                err_msg=f"{case.name}: second-order grad of input {i}",
            )


def check_finite_differences(case: OpCase, seed: int = 0, eps: float = 1e-6) -> None:
    """Central differences of <f(x), u> against ndgrad's gradient, in float64."""
    arrays, consts = _inputs(case, seed)
    xs, cs = _wrap(ndgrad, arrays, consts, ndgrad.float64, True)
    out = _first(case.fn(ndgrad, *xs, *cs))
    up = np.random.default_rng(seed + 7).standard_normal(tuple(out.shape))
    gs = ndgrad.autograd.grad(out, xs, ndgrad.tensor(up, dtype=ndgrad.float64), allow_unused=True)

    def f(vals: list[np.ndarray]) -> float:
        with ndgrad.no_grad():
            ts = [ndgrad.tensor(v, dtype=ndgrad.float64) for v in vals]
            _, c2 = _wrap(ndgrad, [], consts, ndgrad.float64, False)
            return float((_np(_first(case.fn(ndgrad, *ts, *c2))) * up).sum())

    for i, a in enumerate(arrays):
        num = np.zeros_like(a)
        flat = num.reshape(-1)
        for j in range(a.size):
            plus = [x.copy() for x in arrays]
            minus = [x.copy() for x in arrays]
            plus[i].reshape(-1)[j] += eps
            minus[i].reshape(-1)[j] -= eps
            flat[j] = (f(plus) - f(minus)) / (2 * eps)
        got = np.zeros(a.shape) if gs[i] is None else _np(gs[i])
        np.testing.assert_allclose(
            got, num, rtol=1e-4, atol=1e-5, err_msg=f"{case.name}: finite differences, input {i}"
        )
