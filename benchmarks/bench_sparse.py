"""Sparse @ dense in ndgrad: SciPy's CSR kernel against plain NumPy index ops, and PyTorch.

    python benchmarks/bench_sparse.py [--repeat N] [--threads N]

For graphs of the sizes GCN papers use (Cora-like: 2,708 nodes, ~13k edges, 16 features; a
larger one: 20,000 nodes, 200k edges, 64 features), it times the forward alone, and one forward
and backward, of ``ndgrad.sparse.mm(A, X)`` (gradient to X and to A's values) with SciPy (the
default when it is installed) and with the plain index-op fallback (``np.add.at``), and PyTorch's
``torch.sparse.mm``. Alternating rounds, the median of each; the machine may be shared, so compare
the ratios."""

from __future__ import annotations

import os
import sys

THREADS = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv[:-1] else 1
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = str(THREADS)

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402

import ndgrad  # noqa: E402
from ndgrad.ops import sparse as sparse_ops  # noqa: E402


def graph(n: int, edges: int, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    flat = np.unique(rng.integers(0, n * n, edges))
    indices = np.stack([flat // n, flat % n])
    return indices, rng.random(len(flat)).astype(np.float32), rng.random((n, k)).astype(np.float32)


def ndgrad_step(
    indices: np.ndarray, values: np.ndarray, x: np.ndarray, backward: bool
) -> Callable[[], None]:
    v = ndgrad.tensor(values, requires_grad=backward)
    xs = ndgrad.tensor(x, requires_grad=backward)
    A = ndgrad.sparse_coo_tensor(indices, v, (x.shape[0], x.shape[0]))

    def step() -> None:
        v.grad = xs.grad = None
        out = ndgrad.sparse.mm(A, xs).sum()
        if backward:
            out.backward()

    return step


def torch_step(
    indices: np.ndarray, values: np.ndarray, x: np.ndarray, backward: bool
) -> Callable[[], None]:
    import torch

    torch.set_num_threads(THREADS)
    v = torch.tensor(values, requires_grad=backward)
    xs = torch.tensor(x, requires_grad=backward)

    def step() -> None:
        v.grad = xs.grad = None
        A = torch.sparse_coo_tensor(torch.from_numpy(indices), v, (x.shape[0], x.shape[0]))
        out = torch.sparse.mm(A, xs).sum()
        if backward:
            out.backward()

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--threads", type=int, default=THREADS)
    args = parser.parse_args()
    scipy_module = sparse_ops._csr_module
    print(f"threads {THREADS}, median of {args.repeat} alternating rounds, ms")
    print(
        f"{'graph':<36}{'scipy':>10}{'index ops':>12}{'torch':>10}"
        f"{'index/scipy':>13}{'scipy/torch':>13}"
    )
    for backward in (False, True):
        for n, edges, k in ((2708, 13264, 16), (20000, 200000, 64)):
            indices, values, x = graph(n, edges, k)
            steps: dict[str, Callable[[], None]] = {
                "scipy": ndgrad_step(indices, values, x, backward),
                "index ops": ndgrad_step(indices, values, x, backward),
                "torch": torch_step(indices, values, x, backward),
            }
            times: dict[str, list[float]] = {name: [] for name in steps}
            for _ in range(args.repeat + 1):  # the first round warms up
                for name, step in steps.items():
                    sparse_ops._csr_module = (
                        scipy_module if name != "index ops" else (lambda xp: None)
                    )
                    start = time.perf_counter()
                    step()
                    times[name].append(time.perf_counter() - start)
            sparse_ops._csr_module = scipy_module
            med = {name: statistics.median(t[1:]) * 1e3 for name, t in times.items()}
            label = (
                f"{'fwd+bwd' if backward else 'forward'} {n} nodes, {indices.shape[1]} nnz, k={k}"
            )
            print(
                f"{label:<36}{med['scipy']:>10.2f}{med['index ops']:>12.2f}{med['torch']:>10.2f}"
                f"{med['index ops'] / med['scipy']:>13.1f}{med['scipy'] / med['torch']:>13.2f}"
            )


if __name__ == "__main__":
    main()
