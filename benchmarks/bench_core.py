"""Core speed: ndgrad against PyTorch on the per-op overhead and on one MLP training step.

    python benchmarks/bench_core.py [--repeat 20]

(a) a chain of 1,000 ``y = y + 1`` on a 0-d tensor, forward and backward: the cost of the graph
    machinery itself (Tensor creation, node linking, the engine loop), since the arithmetic is nil.
(b) one SGD step of a 784-512-256-10 ReLU MLP on a batch of 128 (float32): matmuls dominate.

Both libraries run on 2 threads; the script prints ndgrad/torch ratios and torch's absolute times.
"""

from __future__ import annotations

import os

# BLAS reads its thread count at import: set it before NumPy or torch are imported
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "2"

import argparse  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

import ndgrad  # noqa: E402

torch.set_num_threads(2)

CHAIN = 1000
SIZES = (784, 512, 256, 10)
BATCH = 128
LR = 0.01


def timeit_pair(
    fn_a: Callable[[], Any], fn_b: Callable[[], Any], repeat: int, warmup: int = 3
) -> tuple[float, float]:
    """Best wall time of ``fn_a()`` and of ``fn_b()`` in seconds, the two run alternately so that
    both see the same machine load; the minimum is the run least disturbed by other processes."""
    for _ in range(warmup):
        fn_a()
        fn_b()
    times_a, times_b = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn_a()
        t1 = time.perf_counter()
        fn_b()
        t2 = time.perf_counter()
        times_a.append(t1 - t0)
        times_b.append(t2 - t1)
    return min(times_a), min(times_b)


# -- (a) the op chain ------------------------------------------------------------------------


def chain_step(lib: Any) -> Callable[[], None]:
    def run() -> None:
        x = lib.tensor(1.0, requires_grad=True)
        y = x
        for _ in range(CHAIN):
            y = y + 1
        y.backward()

    return run


# -- (b) one MLP training step ---------------------------------------------------------------


def mlp_params(lib: Any, rng: np.random.Generator) -> list[Any]:
    params = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:], strict=True):
        bound = 1.0 / np.sqrt(fan_in)
        w = rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32)
        b = rng.uniform(-bound, bound, (fan_out,)).astype(np.float32)
        params += [lib.tensor(w, requires_grad=True), lib.tensor(b, requires_grad=True)]
    return params


def ndgrad_cross_entropy(logits: ndgrad.Tensor, onehot: ndgrad.Tensor) -> ndgrad.Tensor:
    """mean over the batch of -log softmax(logits)[target], from elementwise ops and sums."""
    shift = ndgrad.tensor(logits.array.max(axis=1, keepdims=True))  # a constant: no gradient
    lse = (logits - shift).exp().sum(1, keepdim=True).log() + shift
    return -((logits - lse) * onehot).sum() * (1.0 / logits.shape[0])


def mlp_step_ndgrad(params: list[Any], x: Any, target: Any, onehot: Any) -> Callable[[], None]:
    F = ndgrad.nn.functional
    linear = getattr(F, "linear", None)
    cross_entropy = getattr(F, "cross_entropy", None)

    def run() -> None:
        h = x
        for i in range(0, len(params), 2):
            w, b = params[i], params[i + 1]
            h = linear(h, w, b) if linear is not None else h @ w.T + b
            if i + 2 < len(params):
                h = h.relu()
        loss = (
            cross_entropy(h, target)
            if cross_entropy is not None
            else ndgrad_cross_entropy(h, onehot)
        )
        for p in params:
            p.grad = None
        loss.backward()
        with ndgrad.no_grad():
            for p in params:
                p.array -= LR * p.grad.array

    run.variant = (  # type: ignore[attr-defined]
        f"{'F.linear' if linear else 'x @ W.T + b'}, "
        f"{'F.cross_entropy' if cross_entropy else 'log-softmax CE from ops'}"
    )
    return run


def mlp_step_torch(params: list[Any], x: Any, target: Any) -> Callable[[], None]:
    F = torch.nn.functional

    def run() -> None:
        h = x
        for i in range(0, len(params), 2):
            h = F.linear(h, params[i], params[i + 1])
            if i + 2 < len(params):
                h = h.relu()
        loss = F.cross_entropy(h, target)
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p.array -= LR * p.grad.array

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    rows = []
    t_nd, t_th = timeit_pair(chain_step(ndgrad), chain_step(torch), args.repeat)
    rows.append((f"chain of {CHAIN} y = y + 1 (0-d), fwd+bwd", t_nd, t_th, CHAIN))

    rng = np.random.default_rng(0)
    x_np = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    t_np = rng.integers(0, SIZES[-1], BATCH)
    onehot = np.eye(SIZES[-1], dtype=np.float32)[t_np]
    nd_step = mlp_step_ndgrad(
        mlp_params(ndgrad, np.random.default_rng(1)),
        ndgrad.tensor(x_np),
        ndgrad.tensor(t_np),
        ndgrad.tensor(onehot),
    )
    th_step = mlp_step_torch(
        mlp_params(torch, np.random.default_rng(1)), torch.tensor(x_np), torch.tensor(t_np)
    )
    t_nd, t_th = timeit_pair(nd_step, th_step, args.repeat)
    rows.append((f"MLP 784-512-256-10 SGD step, batch {BATCH} ({nd_step.variant})", t_nd, t_th, 1))  # type: ignore[attr-defined]

    print(f"numpy {np.__version__}, torch {torch.__version__}, threads 2, best of {args.repeat}")
    for name, nd_t, th_t, n in rows:
        per = "/op" if n > 1 else ""
        print(
            f"{name}\n    ndgrad {nd_t / n * 1e6:9.1f} us{per}   torch {th_t / n * 1e6:9.1f} "
            f"us{per}   "
            f"ratio ndgrad/torch {nd_t / th_t:5.2f}x"
        )


if __name__ == "__main__":
    main()
