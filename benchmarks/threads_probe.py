"""Can a NumPy library run its elementwise passes on 2 threads? A probe of the obvious way.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=2 \
        python benchmarks/threads_probe.py

NumPy's ufuncs run on one thread, but they release the GIL, so a library could split a large
pass in two halves and hand one to a worker thread; PyTorch does the equivalent inside its kernels
(OpenMP). This times 3 passes (a ReLU, an exp) over a CNN-sized activation (64x32x28x28 float32),
serial against split over 2 threads, back to back: first before the process has run any matrix
product, then with a product (conv2's GEMM in the benchmark CNN) before each timed call, as in a
training step, where every elementwise pass follows a GEMM within microseconds. The calls
alternate, 200 rounds each; medians are printed and written to
``benchmarks/results/<UTC time>-threads-probe.md``.

What it shows on this 2-core machine: before any product, the split passes are 1.3-1.5x faster;
after a product, they are slower than the serial ones. OpenBLAS's worker thread keeps spinning
for about 100 ms after each product, waiting for the next, and holds the second core; in a
training step the next product always comes sooner, so the core is never free.
"""

from __future__ import annotations

import datetime
import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

ROUNDS = 200
REPEAT = 3  # ReLUs per timed call


def main() -> None:
    pool = ThreadPoolExecutor(1)
    x = np.random.default_rng(0).standard_normal((64, 32, 28, 28)).astype(np.float32)
    out = np.empty_like(x)
    a = np.ones((64, 64, 288), np.float32)  # conv2's product in the benchmark CNN
    w = np.ones((288, 196), np.float32)
    half = x.shape[0] // 2

    def run(fn: Any, split: bool) -> None:
        for _ in range(REPEAT):
            if split:
                done = pool.submit(fn, x[half:], out=out[half:])
                fn(x[:half], out=out[:half])
                done.result()
            else:
                fn(x, out=out)

    ops = {"ReLU (np.maximum)": lambda a, out: np.maximum(a, 0, out=out), "np.exp": np.exp}
    cases: dict[tuple[str, bool, bool], list[float]] = {}
    started = datetime.datetime.now(datetime.timezone.utc)
    load_before = " ".join(f"{v:.1f}" for v in os.getloadavg())
    for after_gemm in (False, True):  # no product before the first phase: OpenBLAS still idle
        for r in range(2 * ROUNDS):
            split = bool(r % 2)
            for name, fn in ops.items():
                if after_gemm:
                    np.matmul(a, w)
                t0 = time.perf_counter()
                run(fn, split)
                cases.setdefault((name, split, after_gemm), []).append(time.perf_counter() - t0)
    lines = [
        f"Run {started:%Y-%m-%d %H:%M} UTC, `python benchmarks/threads_probe.py`, "
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}; load average "
        f"before {load_before}, after {' '.join(f'{v:.1f}' for v in os.getloadavg())}.",
        "",
        f"| {REPEAT} passes over 64x32x28x28 float32 | when | serial | split over 2 threads |",
        "|---|---|---|---|",
    ]
    for name in ops:
        for after_gemm, label in ((False, "no GEMM yet in the process"), (True, "after a GEMM")):
            ser = statistics.median(cases[(name, False, after_gemm)]) * 1e3
            par = statistics.median(cases[(name, True, after_gemm)]) * 1e3
            lines.append(f"| {name} | {label} | {ser:.2f} ms | {par:.2f} ms |")
    lines.append(f"\nMedians of {ROUNDS} rounds each.")
    text = "\n".join(lines) + "\n"
    path = Path(__file__).resolve().parent / "results" / f"{started:%Y%m%d-%H%M}-threads-probe.md"
    path.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
