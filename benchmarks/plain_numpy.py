"""The MLP and CNN training steps of ``workloads.py`` written directly in NumPy: no autograd, no
Tensor, no modules; what a NumPy library's step could cost if its framework cost nothing.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/plain_numpy.py [--rounds N]

For 1 and 2 threads, a fresh child process times PyTorch's step, ndgrad's step and the plain
NumPy step, taking turns as ``bench.py``'s alternating mode does (a collection and an idle gap
before each timed call). Before timing, the plain step's updated parameters are checked against
PyTorch's after one step from the same weights, so the figure is of the same computation.
Writes ``benchmarks/results/<UTC time>-plain-numpy.{json,md}``.

The plain step is straightforward NumPy, not the fastest possible: convolutions as im2col and
one matrix product, max pooling over 2x2 windows by ``argmax``, ``np.add.at``-free col2im by
shifted slices. Its products are the same BLAS calls any NumPy library makes; its elementwise
passes (ReLU, pooling, im2col copies, the update) run on one thread, as every NumPy ufunc does.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import json
import os
import statistics
import sys
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

KINDS = ("mlp", "cnn")


def _params(model: Any) -> list[np.ndarray]:
    return [p.detach().numpy().copy() for p in model.parameters()]


def _softmax_xent_grad(logits: np.ndarray, y: np.ndarray) -> np.ndarray:
    """d mean(cross_entropy(logits, y)) / d logits = (softmax - onehot) / batch"""
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(len(y)), y] -= 1
    p /= len(y)
    return p


def _sgd(params: list[np.ndarray], grads: list[np.ndarray], lr: float) -> None:
    for p, g in zip(params, grads, strict=True):
        p -= lr * g


def mlp_step(params: list[np.ndarray], x: np.ndarray, y: np.ndarray, lr: float) -> None:
    """784-512-256-10 with ReLU, cross-entropy, SGD: 3 forward and 5 backward products."""
    w1, b1, w2, b2, w3, b3 = params
    h1 = np.maximum(x @ w1.T + b1, 0)
    h2 = np.maximum(h1 @ w2.T + b2, 0)
    d3 = _softmax_xent_grad(h2 @ w3.T + b3, y)
    d2 = (d3 @ w3) * (h2 > 0)
    d1 = (d2 @ w2) * (h1 > 0)
    grads = [d1.T @ x, d1.sum(0), d2.T @ h1, d2.sum(0), d3.T @ h2, d3.sum(0)]
    _sgd(params, grads, lr)


def _im2col(x: np.ndarray) -> np.ndarray:
    """(N, C, H, W) -> (N, C*9, H*W) columns of the 3x3 windows of x padded by 1."""
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    s = xp.strides
    win = np.lib.stride_tricks.as_strided(xp, (n, c, 3, 3, h, w), s[:2] + s[2:] + s[2:])
    return win.reshape(n, c * 9, h * w)


def _col2im(cols: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The adjoint of _im2col: add each of the 9 shifted windows back into the padded image."""
    n, c, h, w = shape
    out = np.zeros((n, c, h + 2, w + 2), cols.dtype)
    cols = cols.reshape(n, c, 3, 3, h, w)
    for i in range(3):
        for j in range(3):
            out[:, :, i : i + h, j : j + w] += cols[:, :, i, j]
    return out[:, :, 1:-1, 1:-1]


def _conv(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    cols = _im2col(x)
    out = np.matmul(w.reshape(w.shape[0], -1), cols) + b[:, None]
    return out.reshape(x.shape[0], w.shape[0], *x.shape[2:]), cols


def _pool(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """2x2 max pooling; the argmax of each window (first maximum on ties, as PyTorch)."""
    n, c, h, w = x.shape
    win = x.reshape(n, c, h // 2, 2, w // 2, 2).transpose(0, 1, 2, 4, 3, 5)
    win = win.reshape(n, c, h // 2, w // 2, 4)
    arg = win.argmax(axis=-1)
    return np.take_along_axis(win, arg[..., None], -1)[..., 0], arg


def _unpool(g: np.ndarray, arg: np.ndarray) -> np.ndarray:
    n, c, h, w = g.shape
    win = np.zeros((n, c, h, w, 4), g.dtype)
    np.put_along_axis(win, arg[..., None], g[..., None], -1)
    return win.reshape(n, c, h, w, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, 2 * h, 2 * w)


def cnn_step(params: list[np.ndarray], x: np.ndarray, y: np.ndarray, lr: float) -> None:
    """conv32-pool-conv64-pool-fc128-fc10 (3x3 convolutions, padding 1), cross-entropy, SGD."""
    k1, c1, k2, c2, w3, b3, w4, b4 = params
    n = x.shape[0]
    a1, cols1 = _conv(x, k1, c1)
    r1 = np.maximum(a1, 0)
    p1, arg1 = _pool(r1)
    a2, cols2 = _conv(p1, k2, c2)
    r2 = np.maximum(a2, 0)
    p2, arg2 = _pool(r2)
    flat = p2.reshape(n, -1)
    h3 = np.maximum(flat @ w3.T + b3, 0)
    d4 = _softmax_xent_grad(h3 @ w4.T + b4, y)
    d3 = (d4 @ w4) * (h3 > 0)
    dr2 = _unpool((d3 @ w3).reshape(p2.shape), arg2) * (r2 > 0)
    d2 = dr2.reshape(n, k2.shape[0], -1)
    gk2 = np.matmul(d2, cols2.transpose(0, 2, 1)).sum(0).reshape(k2.shape)
    dp1 = _col2im(np.matmul(k2.reshape(k2.shape[0], -1).T, d2), p1.shape)
    d1 = (_unpool(dp1, arg1) * (r1 > 0)).reshape(n, k1.shape[0], -1)
    gk1 = np.matmul(d1, cols1.transpose(0, 2, 1)).sum(0).reshape(k1.shape)
    grads = [gk1, d1.sum((0, 2)), gk2, d2.sum((0, 2))]
    _sgd(params, grads + [d3.T @ flat, d3.sum(0), d4.T @ h3, d4.sum(0)], lr)


PLAIN = {"mlp": mlp_step, "cnn": cnn_step}


def check(kind: str, torch: Any, workloads: Any) -> float:
    """Largest difference between the plain step's and PyTorch's parameters after one step."""
    run = workloads.make_step(kind, torch)
    params = _params(run.model)
    x, y = workloads.batch_data(kind, np.random.default_rng(0))
    run()
    PLAIN[kind](params, x, y, 0.01)
    return max(float(np.abs(a - b).max()) for a, b in zip(params, _params(run.model), strict=True))


def child(threads: int, rounds: int, gap: float) -> dict[str, Any]:
    import bench
    import workloads

    torch, ndgrad = bench.load_lib("torch", threads), bench.load_lib("ndgrad", threads)
    out: dict[str, Any] = {}
    for kind in KINDS:
        err = check(kind, torch, workloads)
        if err > 1e-4:
            raise SystemExit(f"{kind}: plain NumPy step differs from torch's by {err:g}")
        t_step = workloads.make_step(kind, torch)
        n_step = workloads.make_step(kind, ndgrad, t_step.model)
        params = _params(t_step.model)
        x, y = workloads.batch_data(kind, np.random.default_rng(0))
        steps = {
            "torch": t_step,
            "ndgrad": n_step,
            "numpy": functools.partial(PLAIN[kind], params, x, y, 0.01),
        }
        times = bench.timed_rounds(steps, rounds, gap, warmup=2)
        out[kind] = {"max_param_diff": err} | {lib: ts for lib, ts in times.items()}
    return out


def markdown(results: dict[str, Any]) -> str:
    lines = [
        f"Run {results['started']} to {results['finished']} UTC, `{results['command']}`; load "
        f"average before {results['load_before']}, after {results['load_after']}.",
        "",
        "| workload | threads | torch | ndgrad | plain NumPy | ndgrad / torch "
        "| plain NumPy / torch | rounds |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for threads, per_kind in results["runs"].items():
        for kind, res in per_kind.items():
            med = {lib: statistics.median(res[lib]) * 1e3 for lib in ("torch", "ndgrad", "numpy")}
            lines.append(
                f"| {kind} | {threads} | {med['torch']:.2f} ms | {med['ndgrad']:.2f} ms "
                f"| {med['numpy']:.2f} ms | {med['ndgrad'] / med['torch']:.2f}x "
                f"| {med['numpy'] / med['torch']:.2f}x | {len(res['torch'])} |"
            )
    lines.append("")
    lines.append("Medians, alternating in one process, collection and idle gap before each call.")
    return "\n".join(lines) + "\n"


def main() -> None:
    import subprocess

    import bench

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--gap", type=float, default=0.2)
    parser.add_argument("--_child", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._child:
        print(json.dumps(child(args._child, args.rounds, args.gap)))
        return
    started = datetime.datetime.now(datetime.timezone.utc)
    results: dict[str, Any] = {
        "started": started.strftime("%Y-%m-%d %H:%M"),
        "command": "python benchmarks/plain_numpy.py " + " ".join(sys.argv[1:]),
        "load_before": " ".join(f"{v:.1f}" for v in os.getloadavg()),
        "runs": {},
    }
    for threads in (1, 2):
        env = {k: v for k, v in os.environ.items() if k not in bench.SLOW_BLAS_VARS}
        env.update({var: str(threads) for var in bench.THREAD_VARS})
        cmd = [sys.executable, __file__, "--_child", str(threads), "--rounds", str(args.rounds)]
        proc = subprocess.run(
            cmd + ["--gap", str(args.gap)], capture_output=True, text=True, env=env, check=True
        )
        results["runs"][str(threads)] = json.loads(proc.stdout.strip().splitlines()[-1])
    results["finished"] = datetime.datetime.now(datetime.timezone.utc).strftime("%H:%M")
    results["load_after"] = " ".join(f"{v:.1f}" for v in os.getloadavg())
    stem = HERE / "results" / f"{started:%Y%m%d-%H%M}-plain-numpy"
    stem.with_suffix(".json").write_text(json.dumps(results, indent=1))
    table = markdown(results)
    stem.with_suffix(".md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
